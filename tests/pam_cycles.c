/* pam_cycles.c - the account check and N session opens and closes through a real PAM stack from a test dir. */
#include <dirent.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages from the module (pam_info/pam_error) are answered and freed, as sshd does. */
static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)msg;
	(void)data;
	if (!r)
		return PAM_BUF_ERR;
	*resp = r;
	return PAM_SUCCESS;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	struct pam_conv c = { conv, NULL };
	int cycles, failures = 0, before, after, account = -1;

	if (argc != 5) {
		fprintf(stderr, "usage: pam_cycles CONFDIR SERVICE USER CYCLES\n");
		return 2;
	}
	cycles = atoi(argv[4]);
	before = count_fds();
	for (int i = 0; i < cycles; i++) {
		pam_handle_t *pamh = NULL;
		int r = pam_start_confdir(argv[2], argv[3], &c, argv[1], &pamh);
		if (r == PAM_SUCCESS)
			account = pam_acct_mgmt(pamh, 0); /* reported, not a failure: a contained user is denied */
		if (r == PAM_SUCCESS)
			r = pam_open_session(pamh, 0);
		if (r == PAM_SUCCESS)
			r = pam_close_session(pamh, 0);
		if (r != PAM_SUCCESS)
			failures++;
		pam_end(pamh, r);
	}
	after = count_fds();
	printf("cycles %d failures %d fds %d -> %d\n", cycles, failures, before, after);
	printf("account %s\n", account == PAM_SUCCESS ? "granted" : account == PAM_PERM_DENIED ? "denied" : "other");
	return failures == 0 && before == after ? 0 : 1;
}
