/* pam_lxlogin.c - PAM module: a contained user's session goes into their own container; no host jobs of theirs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "config.h"
#include "policy.h"

#define HELPER LXLOGIN_LIBEXEC_DIR "/lxlogin-helper"
#define FLAG_DEBUG 0x1
#define HELPER_MSG_MAX 2048
#define HELPER_GRACE_S 15 /* beyond the policy's start_timeout */

static unsigned parse_args(pam_handle_t *pamh, int argc, const char **argv)
{
	unsigned flags = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "debug") == 0)
			flags |= FLAG_DEBUG;
		else
			pam_syslog(pamh, LOG_WARNING, "unknown argument ignored: %s", argv[i]);
	}
	return flags;
}

/* Has the user's container been made before? (A first start says so to the user.) */
static bool first_start(const char *user)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/users/%s/upper", LXLOGIN_STATE_DIR, user);
	return lstat(path, &st) < 0;
}

/*
 * Run "lxlogin-helper session USER" (root: start the container and put our
 * process into the user's cgroup), empty environment, stdin/stdout on
 * /dev/null, stderr to a pipe we read, every other fd closed; wait at most
 * timeout_s. SIGCHLD is set to default meanwhile so that a host program's
 * handler cannot reap our child. Returns the exit status, or -errno.
 */
static int run_helper(pam_handle_t *pamh, const char *user, unsigned timeout_s, char *msg, size_t size)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	struct timespec start, now;
	int pipefd[2], status = 0, r = 0;
	size_t n = 0;
	pid_t pid;

	msg[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	sigaction(SIGCHLD, &dfl, &old);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		sigaction(SIGCHLD, &old, NULL);
		return r;
	}
	if (pid == 0) {
		char *const argv[] = { (char *)"lxlogin-helper", (char *)"session", (char *)user, NULL };
		char *const envp[] = { NULL };
		int null;
		/* stderr first: the pipe may have got fd 0 or 1 */
		if (dup2(pipefd[1], STDERR_FILENO) < 0 || (null = open("/dev/null", O_RDWR)) < 0 ||
		    dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(1);
		/* one call, not one close per possible fd (sshd's limit can be 100,000s) */
		if (close_range(3, ~0U, 0) < 0 &&
		    pam_modutil_sanitize_helper_fds(pamh, PAM_MODUTIL_IGNORE_FD, PAM_MODUTIL_IGNORE_FD,
						    PAM_MODUTIL_IGNORE_FD) < 0)
			_exit(1);
		execve(HELPER, argv, envp);
		_exit(127);
	}
	close(pipefd[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { pipefd[0], POLLIN, 0 };
		long left;
		ssize_t got;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (long)timeout_s * 1000 -
		       ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		got = read(pipefd[0], msg + n, size - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break; /* the helper is done */
		n += (size_t)got;
		if (n >= size - 1)
			n = 0; /* keep reading; only the tail matters */
	}
	close(pipefd[0]);
	msg[n] = '\0';
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	if (r == -ETIMEDOUT)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGCHLD, &old, NULL);
	if (r < 0)
		return r;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int handle_open_session(pam_handle_t *pamh, unsigned flags)
{
	struct policy_account acct = { 0 };
	struct policy_result res;
	struct policy_user pu;
	char msg[HELPER_MSG_MAX];
	const char *user = NULL;
	const char *reason;
	int r, code;

	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || !user) {
		pam_syslog(pamh, LOG_ERR, "no user for this session");
		return PAM_SESSION_ERR;
	}
	r = policy_account_lookup(user, &acct);
	if (r < 0) {
		/* An unknown user, or NSS failing: we cannot tell; no session rather than an unlimited one. */
		pam_syslog(pamh, LOG_ERR, "%s: %s", user,
			   r == -ENOENT ? "no such user" : "user database lookup failed");
		return PAM_SESSION_ERR;
	}
	if (acct.uid == 0) {
		policy_account_free(&acct);
		return PAM_IGNORE; /* root: always the host session, nothing read */
	}
	pu = (struct policy_user){ acct.name, acct.uid, (const char *const *)acct.groups, acct.n_groups };
	if (policy_resolve(LXLOGIN_CONFIG_DIR, &pu, &res) < 0) {
		pam_syslog(pamh, LOG_ERR, "%s: out of memory resolving the policy", user);
		policy_account_free(&acct);
		return PAM_SESSION_ERR;
	}
	code = PAM_SUCCESS;
	switch (res.verdict) {
	case POLICY_EXEMPT:
	case POLICY_NOT_CONTAINED:
		if (flags & FLAG_DEBUG)
			pam_syslog(pamh, LOG_DEBUG, "%s: host session: %s", user, res.reason);
		code = PAM_IGNORE; /* the rest of the stack (pam_systemd, ...) makes the host session */
		break;
	case POLICY_REFUSED:
		reason = res.diag.n_msgs ? res.diag.msgs[0] : res.reason;
		pam_error(pamh, "lxlogin: no session: %s", reason);
		pam_syslog(pamh, LOG_ERR, "%s: session refused: %s", user, res.reason);
		for (size_t i = 0; i < res.diag.n_msgs; i++)
			pam_syslog(pamh, LOG_ERR, "%s: %s", user, res.diag.msgs[i]);
		code = PAM_SESSION_ERR;
		break;
	case POLICY_CONTAINED:
		if (first_start(acct.name))
			pam_info(pamh, "Preparing your container (first login) ...");
		r = run_helper(pamh, acct.name, res.values.start_timeout_s + HELPER_GRACE_S, msg, sizeof(msg));
		if (r == 0) {
			pam_syslog(pamh, LOG_INFO, "%s: session in the container (%s)", user, res.reason);
			break;
		}
		reason = r == -ETIMEDOUT ? "timed out" : msg[0] ? msg : "failed";
		if (strncmp(reason, "lxlogin-helper: ", 16) == 0)
			reason += 16;
		pam_error(pamh, "lxlogin: your container could not start: %s", reason);
		pam_syslog(pamh, LOG_ERR, "%s: container start failed (helper %s %d): %s", user,
			   r < 0 ? "error" : "exit", r < 0 ? -r : r, reason);
		code = PAM_SESSION_ERR;
		break;
	}
	policy_result_free(&res);
	policy_account_free(&acct);
	return code;
}

/*
 * The account phase, for the services that run a user's commands on the
 * host without a login shell: cron, atd, systemd-user. A contained user (or
 * one whose policy refuses them) gets none of those host processes, outside
 * their container and its limits: PAM_PERM_DENIED. Root, exempt and
 * uncontained users are ignored, decided in-process as for a session.
 */
static int handle_acct_mgmt(pam_handle_t *pamh, unsigned flags)
{
	struct policy_account acct = { 0 };
	struct policy_result res;
	struct policy_user pu;
	const char *user = NULL, *service = NULL;
	int r, code = PAM_PERM_DENIED;

	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || !user) {
		pam_syslog(pamh, LOG_ERR, "no user for this account check");
		return PAM_USER_UNKNOWN;
	}
	if (pam_get_item(pamh, PAM_SERVICE, (const void **)&service) != PAM_SUCCESS || !service)
		service = "?";
	r = policy_account_lookup(user, &acct);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "%s: %s", user,
			   r == -ENOENT ? "no such user" : "user database lookup failed");
		return r == -ENOENT ? PAM_USER_UNKNOWN : PAM_AUTHINFO_UNAVAIL;
	}
	if (acct.uid == 0) {
		policy_account_free(&acct);
		return PAM_IGNORE; /* root: always, nothing read */
	}
	pu = (struct policy_user){ acct.name, acct.uid, (const char *const *)acct.groups, acct.n_groups };
	if (policy_resolve(LXLOGIN_CONFIG_DIR, &pu, &res) < 0) {
		pam_syslog(pamh, LOG_ERR, "%s: out of memory resolving the policy", user);
		policy_account_free(&acct);
		return PAM_BUF_ERR;
	}
	if (res.verdict == POLICY_EXEMPT || res.verdict == POLICY_NOT_CONTAINED) {
		if (flags & FLAG_DEBUG)
			pam_syslog(pamh, LOG_DEBUG, "%s: %s on the host: %s", user, service, res.reason);
		code = PAM_IGNORE;
	} else {
		pam_syslog(pamh, LOG_NOTICE,
			   "%s: %s refused: a contained user runs nothing on the host (%s); their %s jobs belong "
			   "in their container",
			   user, service, res.verdict == POLICY_REFUSED ? "policy refused" : res.reason, service);
	}
	policy_result_free(&res);
	policy_account_free(&acct);
	return code;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	return handle_acct_mgmt(pamh, parse_args(pamh, argc, argv));
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	return handle_open_session(pamh, parse_args(pamh, argc, argv));
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	(void)parse_args(pamh, argc, argv);
	return PAM_IGNORE; /* the container outlives the session (idle stop comes later); go on with the stack */
}
