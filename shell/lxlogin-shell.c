/* lxlogin-shell.c - a contained user's login shell on the host: the session goes into their container, never the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "cgname.h"
#include "cleanup.h"
#include "config.h"
#include "core.h"
#include "policy.h"

#define HELPER LXLOGIN_LIBEXEC_DIR "/lxlogin-helper"
#define ENV_MAX 64

/* What a login passes on (sshd, login); nothing else of the host's environment goes in. */
static const char *const env_allowed[] = {
	"TERM", "LANG",	   "LANGUAGE", "COLORTERM", "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "SSH_ORIGINAL_COMMAND",
	"TZ",	"DISPLAY", NULL
};

/* Say why there is no session, to the user and to syslog, and end it: never a host shell. */
static int fail(const char *why, const char *detail)
{
	fprintf(stderr, "lxlogin: %s%s%s\n", why, detail[0] ? ": " : "", detail);
	syslog(LOG_AUTHPRIV | LOG_WARNING, "uid %u: %s%s%s", (unsigned)getuid(), why, detail[0] ? ": " : "", detail);
	return 1;
}

static bool env_ok(const char *kv)
{
	size_t n = strcspn(kv, "=");

	if (kv[n] != '=')
		return false;
	if (strncmp(kv, "LC_", 3) == 0)
		return true;
	for (size_t i = 0; env_allowed[i]; i++)
		if (strlen(env_allowed[i]) == n && strncmp(kv, env_allowed[i], n) == 0)
			return true;
	return false;
}

/* Ask the setuid helper to start the container and place us in the user's cgroup. */
static int helper_start(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *const argv[] = { (char *)"lxlogin-helper", (char *)"start", NULL };
		char *const envp[] = { NULL };
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, 0); /* its messages still reach our stderr */
		execve(HELPER, argv, envp);
		fprintf(stderr, "lxlogin: cannot run %s: %s\n", HELPER, strerror(errno));
		_exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* Does path lie in cgroup want (relative to the root) or below it? */
static bool cgroup_below(const char *path, const char *want)
{
	size_t n = strlen(want);

	return path[0] == '/' && strncmp(path + 1, want, n) == 0 && (path[n + 1] == '\0' || path[n + 1] == '/');
}

/* Are we inside the user's cgroup in every hierarchy? (Attach needs it to join the container's.) */
static bool in_user_cgroup(const char *user)
{
	char raw[512], scope[512], line[1024];
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool all = f != NULL;

	if (cgname_user(false, user, raw, sizeof(raw)) < 0 || cgname_user(true, user, scope, sizeof(scope)) < 0)
		all = false;
	while (f && fgets(line, sizeof(line), f)) {
		char *path = strchr(line, ':');
		path = path ? strchr(path + 1, ':') : NULL;
		if (!path)
			continue;
		path++;
		path[strcspn(path, "\n")] = '\0';
		if (!cgroup_below(path, raw) && !cgroup_below(path, scope))
			all = false;
	}
	if (f)
		fclose(f);
	return all;
}

/* Does the container (its init's network namespace) have a network beyond loopback? */
static bool container_online(pid_t init)
{
	char path[64], line[256];
	__do_fclose FILE *f = NULL;
	bool online = false;

	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)init);
	f = fopen(path, "re");
	if (!f)
		return true; /* cannot tell: say nothing */
	while (!online && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line + strspn(line, " ");
		online = colon && strncmp(name, "lo:", 3) != 0;
	}
	return online;
}

/* "52.3M of 1.0G" (or "of no limit"); false if the kernel did not say. */
static bool used_of(uint64_t used, uint64_t max, char *out, size_t size)
{
	char a[16], b[16];

	if (used == CGROUP_UNKNOWN || max == CGROUP_UNKNOWN)
		return false;
	human_size(used, a, sizeof(a));
	human_size(max, b, sizeof(b));
	snprintf(out, size, "%s of %s", a, max == CGROUP_UNLIMITED ? "no limit" : b);
	return true;
}

/* Append to line, never past size. */
static void __attribute__((format(printf, 3, 4))) add(char *line, size_t size, const char *fmt, ...)
{
	size_t n = strlen(line);
	va_list ap;

	va_start(ap, fmt);
	if (n + 1 < size)
		vsnprintf(line + n, size - n, fmt, ap);
	va_end(ap);
}

/*
 * An interactive login's first line: what the user uses of each limit, from
 * the kernel's counters of their cgroup (the container and their sessions),
 * and when an idle container stops.
 */
static void limits_banner(const struct cgroup_layout *l, const char *user, const struct policy_values *v)
{
	struct cgroup_usage u;
	char line[400] = "", part[64];

	cgroup_user_usage(l, user, &u);
	if (used_of(u.memory, u.memory_max, part, sizeof(part)))
		add(line, sizeof(line), ", memory %s", part);
	if (used_of(u.swap, u.swap_max, part, sizeof(part)))
		add(line, sizeof(line), ", swap %s", part);
	if (u.pids != CGROUP_UNKNOWN && u.pids_max != CGROUP_UNKNOWN && u.pids_max != CGROUP_UNLIMITED)
		add(line, sizeof(line), ", %llu of %llu processes", (unsigned long long)u.pids,
		    (unsigned long long)u.pids_max);
	if (u.cpu_quota != CGROUP_UNKNOWN && u.cpu_quota != CGROUP_UNLIMITED)
		add(line, sizeof(line), ", cpus %.3g", (double)u.cpu_quota / (double)u.cpu_period);
	if (v && v->idle_stop_s != POLICY_NEVER)
		add(line, sizeof(line), ", stopped %um after your last session ends",
		    (unsigned)((v->idle_stop_s + 59) / 60));
	if (line[0])
		fprintf(stderr, "lxlogin: your container: %s\n", line + 2);
}

/*
 * ssh -A: sshd made an agent socket on the host (SSH_AUTH_SOCK, which no
 * session inside gets). With forward_agent = yes the session gets one inside
 * (attach.c) that agent.c relays to it; otherwise the user is told why not.
 */
static bool agent_wanted(const struct core_user *cu, struct agent_host *h)
{
	const char *sock = getenv("SSH_AUTH_SOCK");
	char why[200];

	h->dir = -EBADF;
	if (!sock)
		return false;
	if (!cu || !cu->policy.values.forward_agent) {
		fprintf(stderr, "lxlogin: agent forwarding (ssh -A) is off for you (policy forward_agent = no): "
				"your agent does not reach your container\n");
		return false;
	}
	if (agent_host_open(sock, h, why, sizeof(why)) < 0) {
		fail("your agent is not forwarded", why);
		return false;
	}
	return true;
}

/* The relay of the session's agent socket, once the session has it. */
static void agent_start(struct attach_proc *s, struct agent_host *h)
{
	if (s->agent < 0 && s->agent_why[0])
		fail("your agent is not forwarded", s->agent_why);
	if (s->agent >= 0 && agent_relay_start(s->agent, h) < 0)
		fail("your agent is not forwarded", strerror(errno));
	if (s->agent >= 0)
		close(s->agent);
	if (h->dir >= 0)
		close(h->dir);
	s->agent = h->dir = -EBADF;
}

/*
 * backend = lxd: the container is an instance of the cluster, perhaps on
 * another machine. The helper starts it and becomes LXD's client for the
 * session (lxlogin-helper(8) step 8): this process only hands over what
 * the session asked for.
 */
static int lxd_session(const struct attach_req *req)
{
	char term[80], lang[80], conn[160];
	const char *t = getenv("TERM"), *l = getenv("LANG"), *c = getenv("SSH_CONNECTION");
	const char *argv[12] = { "lxlogin-helper", "shell" };
	size_t n = 2;

	if (getenv("SSH_AUTH_SOCK"))
		fprintf(stderr, "lxlogin: agent forwarding (ssh -A) does not reach a container of the cluster "
				"(backend = lxd); through the stanza lxlogin-sshd --config prints, it does\n");
	if (req->terminal)
		argv[n++] = "-t";
	if (req->login)
		argv[n++] = "-l";
	if (t && snprintf(term, sizeof(term), "term=%s", t) < (int)sizeof(term))
		argv[n++] = term;
	if (l && snprintf(lang, sizeof(lang), "lang=%s", l) < (int)sizeof(lang))
		argv[n++] = lang;
	if (c && snprintf(conn, sizeof(conn), "conn=%s", c) < (int)sizeof(conn))
		argv[n++] = conn;
	if (req->shell_cmd) {
		argv[n++] = "-c";
		argv[n++] = req->shell_cmd;
	}
	argv[n] = NULL;
	execv(HELPER, (char *const *)argv);
	return fail("no session: the helper could not be run", strerror(errno));
}

/*
 * The mosh client runs `mosh-server new ...` over ssh, then talks UDP to the
 * host's address: mosh-server would run inside the container, whose UDP
 * ports nothing publishes, and the client would give up after 19 s without
 * a word. Say why at once instead.
 */
static bool is_mosh_server(const char *cmd)
{
	cmd += strspn(cmd, " \t");
	return strncmp(cmd, "mosh-server", 11) == 0 && (cmd[11] == '\0' || cmd[11] == ' ' || cmd[11] == '\t');
}

int main(int argc, char **argv)
{
	struct attach_req req = { .login = argc > 0 && argv[0] && argv[0][0] == '-' };
	struct cgroup_layout layout = { 0 };
	struct attach_proc session;
	struct core_err err = { "", "" };
	struct core_user cu;
	struct policy_values site;
	struct agent_host agent;
	bool have_policy;
	struct passwd *pw = getpwuid(getuid());
	char *env[ENV_MAX + 1], user[POLICY_NAME_MAX + 1];
	size_t n_env = 0;
	int r;

	if (argc >= 3 && strcmp(argv[1], "-c") == 0)
		req.shell_cmd = argv[2];
	else if (argc > 1)
		return fail("usage: lxlogin-shell [-c COMMAND]", "");
	if (req.shell_cmd && is_mosh_server(req.shell_cmd))
		return fail("mosh does not work here: its server would run in your container, whose UDP ports are "
			    "not reachable from outside; use ssh (with tmux or screen inside to keep a session)",
			    "");
	if (!pw || !policy_name_valid(pw->pw_name))
		return fail("your account is not one lxlogin can contain", "");
	if (getuid() == 0)
		return fail("lxlogin-shell is not a shell for root", "");
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	req.user = user;
	req.owner = req.uid = getuid();
	req.gid = getgid();
	req.terminal = attach_wants_terminal();
	req.record = req.login && !req.shell_cmd && req.terminal; /* seen inside: who, last, loginctl */
	core_site_values(&site);				  /* the backend is the site's: lxlogin.conf alone */
	if (site.backend == POLICY_BACKEND_LXD)
		return lxd_session(&req);
	/* the user's own policy (readable as shipped) only for what needs it: the agent, the banner */
	have_policy = (req.record || getenv("SSH_AUTH_SOCK")) && core_user_resolve(user, &cu, &err) == 0;
	req.agent = agent_wanted(have_policy ? &cu : NULL, &agent);
	env[n_env++] = (char *)"PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	for (char **e = environ; *e && n_env < ENV_MAX; e++)
		if (env_ok(*e))
			env[n_env++] = *e;
	env[n_env] = NULL;
	req.env = env;

	if (cgroup_layout_open(&layout, &err) < 0)
		return fail("no session", err.msg);
	/* Not in our cgroup (no PAM module on this path, e.g. su -l) or no container: ask the helper. */
	r = in_user_cgroup(user) ? attach_spawn(&layout, &req, &session, &err) : -ESRCH;
	if (r == -ESRCH) {
		if (helper_start() < 0)
			return fail("your container could not be started; no session", "");
		r = attach_spawn(&layout, &req, &session, &err);
	}
	if (r == 0 && req.record)
		limits_banner(&layout, user, have_policy ? &cu.policy.values : NULL);
	if (r == 0 && req.agent)
		agent_start(&session, &agent);
	else if (agent.dir >= 0)
		close(agent.dir);
	if (have_policy)
		core_user_free(&cu);
	cgroup_layout_close(&layout);
	if (r == -EAGAIN) /* an attach into a frozen cgroup would hold the session until a thaw */
		return fail("your container is frozen (paused by an admin); no session", "");
	if (r < 0)
		return fail("cannot enter your container; no session", err.msg);
	if (req.login && !req.shell_cmd && req.terminal && !container_online(session.init))
		fprintf(stderr, "lxlogin: your container has no network (the admin's policy: network = none): "
				"apt and everything outside it are out of reach\n");
	return attach_relay(&session);
}
