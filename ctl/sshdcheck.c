/*
 * sshdcheck.c - does sshd keep contained users inside? (lxloginctl doctor)
 *
 * Read from sshd's own view of its configuration (sshd -T), globally and for
 * each user lxlogin knows (sshd -T -C user=...), so Include files and Match
 * blocks count exactly as they will at a login. What lets a contained user
 * out of their container through sshd itself:
 *   - Subsystem sftp internal-sftp, ForceCommand internal-sftp: SFTP served by
 *     sshd on the host's filesystem, never through lxlogin-shell;
 *   - PermitUserEnvironment (not allowed in a Match block) and an AcceptEnv
 *     that takes LD_PRELOAD & co.: the loader runs the user's code in
 *     lxlogin-shell, a host process, before it can enter the container;
 *   - forwarding and tunnels: host sockets opened as the user. One shape is
 *     accepted besides all of it off: the agent's alone (sshd's socket on the
 *     host, which only lxlogin-shell relays, and only for forward_agent = yes).
 * The shipped snippet (conf/sshd_config.d/lxlogin.conf) answers the per-user
 * ones for the groups its Match line names; the global ones are the admin's.
 * Only the loopback address is asked about: a Match Address elsewhere is not.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "core.h"

#define SSHD "/usr/sbin/sshd"

/* sshd -T's output (or its error) for config, for user if not NULL; -EIO if sshd failed. */
static int sshd_effective(const char *config, const char *user, char *out, size_t size)
{
	char spec[128];
	char *const argv[] = { "sshd", "-T", "-f", (char *)config, user ? "-C" : NULL, spec, NULL };

	if (user)
		snprintf(spec, sizeof(spec), "user=%s,host=localhost,addr=127.0.0.1", user);
	return program_run(SSHD, argv, NULL, out, size);
}

/* An AcceptEnv pattern (sshd's * and ?) that lets the client set a variable the dynamic loader obeys. */
static bool takes_loader_env(const char *pattern)
{
	static const char *const loader[] = { "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", NULL };

	for (size_t i = 0; loader[i]; i++)
		if (fnmatch(pattern, loader[i], FNM_NOESCAPE) == 0)
			return true;
	return false;
}

/* What of sshd -T's "key value" lines matters here. */
struct sshd_view {
	bool internal_sftp;	 /* subsystem sftp internal-sftp ... */
	bool forwarding_off;	 /* disableforwarding yes */
	bool agent;		 /* allowagentforwarding yes */
	bool others_off;	 /* allowtcpforwarding, allowstreamlocalforwarding and x11forwarding all no */
	char user_env[64];	 /* permituserenvironment */
	char tunnel[16];	 /* permittunnel */
	char force_command[128]; /* forcecommand */
	char loader_env[64];	 /* the first acceptenv pattern that takes a loader variable */
};

static void sshd_view_parse(char *dump, struct sshd_view *v)
{
	char *save = NULL;

	memset(v, 0, sizeof(*v));
	v->others_off = true;
	for (char *line = strtok_r(dump, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *val = strchr(line, ' ');
		if (!val)
			continue;
		*val++ = '\0';
		if (strcmp(line, "subsystem") == 0 && strncmp(val, "sftp internal-sftp", 18) == 0 &&
		    (val[18] == '\0' || val[18] == ' '))
			v->internal_sftp = true;
		else if (strcmp(line, "disableforwarding") == 0)
			v->forwarding_off = strcmp(val, "yes") == 0;
		else if (strcmp(line, "allowagentforwarding") == 0)
			v->agent = strcmp(val, "yes") == 0;
		else if ((strcmp(line, "allowtcpforwarding") == 0 || strcmp(line, "allowstreamlocalforwarding") == 0 ||
			  strcmp(line, "x11forwarding") == 0) &&
			 strcmp(val, "no") != 0)
			v->others_off = false;
		else if (strcmp(line, "permituserenvironment") == 0)
			snprintf(v->user_env, sizeof(v->user_env), "%s", val);
		else if (strcmp(line, "permittunnel") == 0)
			snprintf(v->tunnel, sizeof(v->tunnel), "%s", val);
		else if (strcmp(line, "forcecommand") == 0)
			snprintf(v->force_command, sizeof(v->force_command), "%s", val);
		else if (strcmp(line, "acceptenv") == 0 && !v->loader_env[0] && takes_loader_env(val))
			snprintf(v->loader_env, sizeof(v->loader_env), "%s", val);
	}
}

/* Does user's policy forward their agent (forward_agent = yes)? */
static bool wants_agent(const char *user)
{
	struct core_user cu;
	struct core_err ignored;
	bool yes;

	if (core_user_load(user, &cu, &ignored) < 0)
		return false;
	yes = cu.policy.values.forward_agent;
	core_user_free(&cu);
	return yes;
}

/* The first line of sshd's complaint, for a message. */
static const char *first_line(char *text)
{
	text[strcspn(text, "\n")] = '\0';
	return text[0] ? text : "no output";
}

/*
 * Print a warning for each way out through sshd (config: its sshd_config) for
 * the users given, and return how many. sshd not installed: nothing to check.
 */
size_t sshd_check(const char *config, char *const *users, size_t n)
{
	static char dump[256 * 1024];
	struct sshd_view v;
	size_t problems = 0;

	if (access(SSHD, X_OK) < 0)
		return 0;
	if (sshd_effective(config, NULL, dump, sizeof(dump)) < 0) {
		printf("problem: sshd: %s: cannot read its configuration (sshd -T: %s): not checked\n", config,
		       first_line(dump));
		return 1;
	}
	sshd_view_parse(dump, &v);
	if (v.internal_sftp) {
		printf("problem: sshd: %s: \"Subsystem sftp internal-sftp\" serves SFTP from sshd itself, on the "
		       "host's files: contained users' sftp bypasses their container (use "
		       "/usr/lib/openssh/sftp-server)\n",
		       config);
		problems++;
	}
	if (strcmp(v.user_env, "no") != 0) {
		printf("problem: sshd: %s: \"PermitUserEnvironment %s\" lets a user's ~/.ssh/environment set "
		       "LD_PRELOAD for lxlogin-shell, on the host (set it to no)\n",
		       config, v.user_env);
		problems++;
	}
	for (size_t i = 0; i < n; i++) {
		const char *u = users[i];
		if (sshd_effective(config, u, dump, sizeof(dump)) < 0) {
			printf("problem: sshd: %s: %s: sshd -T failed: %s\n", config, u, first_line(dump));
			problems++;
			continue;
		}
		sshd_view_parse(dump, &v);
		if (!(v.forwarding_off || v.others_off) || strcmp(v.tunnel, "no") != 0) {
			printf("problem: sshd: %s: %s: forwarding%s is on: their sockets open on the host (put them "
			       "in a group the Match line of lxlogin's sshd snippet names)\n",
			       config, u, strcmp(v.tunnel, "no") != 0 ? " or tunnelling" : "");
			problems++;
		} else if (wants_agent(u) && (v.forwarding_off || !v.agent)) {
			printf("note: sshd: %s: %s: their policy says forward_agent = yes, but sshd forwards no agent "
			       "for them (DisableForwarding yes or AllowAgentForwarding no): ssh -A gets them nothing\n",
			       config, u);
		}
		if (v.loader_env[0]) {
			printf("problem: sshd: %s: %s: \"AcceptEnv %s\" lets the client set LD_PRELOAD for "
			       "lxlogin-shell, on the host (lxlogin's sshd snippet narrows AcceptEnv)\n",
			       config, u, v.loader_env);
			problems++;
		}
		if (strncmp(v.force_command, "internal-sftp", 13) == 0 &&
		    (v.force_command[13] == '\0' || v.force_command[13] == ' ')) {
			printf("problem: sshd: %s: %s: \"ForceCommand %s\" serves SFTP on the host's files, outside "
			       "their container\n",
			       config, u, v.force_command);
			problems++;
		}
	}
	return problems;
}
