/* lxlogin-shell.c - a contained user's login shell on the host: the session goes into their container, never the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "cgname.h"
#include "cleanup.h"
#include "config.h"
#include "policy.h"

#define HELPER LXLOGIN_LIBEXEC_DIR "/lxlogin-helper"
#define ENV_MAX 64

/* What a login passes on (sshd, login); nothing else of the host's environment goes in. */
static const char *const env_allowed[] = {
	"TERM", "LANG",	   "LANGUAGE", "COLORTERM", "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "SSH_ORIGINAL_COMMAND",
	"TZ",	"DISPLAY", NULL
};

struct payload {
	const char *cmd; /* -c CMD, or NULL for a shell */
	bool login;	 /* argv[0] began with '-' */
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

/* The container's default locale (/etc/default/locale, as pam_env reads it) when the client sent none. */
static void locale_default(void)
{
	__do_fclose FILE *f = NULL;
	char line[256];

	if (getenv("LANG"))
		return;
	f = fopen("/etc/default/locale", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, '=');
		line[strcspn(line, "\n")] = '\0';
		if (!v || (strncmp(line, "LANG=", 5) != 0 && strncmp(line, "LANGUAGE=", 9) != 0 &&
			   strncmp(line, "LC_", 3) != 0))
			continue;
		*v++ = '\0';
		if (*v == '"' && v[strlen(v) - 1] == '"' && strlen(v) >= 2)
			v[strlen(v) - 1] = '\0', v++;
		setenv(line, v, 0);
	}
}

/*
 * Runs inside the container, as the user: their shell from the container's
 * own passwd, as a login shell or with -c CMD, in their home.
 */
static int run_in_container(void *arg)
{
	const struct payload *p = arg;
	struct passwd *pw = getpwuid(getuid());
	const char *shell = pw && pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh";
	const char *base = strrchr(shell, '/') ? strrchr(shell, '/') + 1 : shell;
	char argv0[256];

	if (pw) {
		setenv("HOME", pw->pw_dir, 1);
		setenv("USER", pw->pw_name, 1);
		setenv("LOGNAME", pw->pw_name, 1);
		if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
			_exit(126);
	}
	setenv("SHELL", shell, 1);
	locale_default();
	if (p->cmd) {
		execl(shell, base, "-c", p->cmd, (char *)NULL);
	} else {
		snprintf(argv0, sizeof(argv0), "%s%s", p->login ? "-" : "", base);
		execl(shell, argv0, (char *)NULL);
	}
	fprintf(stderr, "lxlogin: cannot run %s inside the container: %s\n", shell, strerror(errno));
	_exit(127);
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

int main(int argc, char **argv)
{
	struct payload p = { NULL, argc > 0 && argv[0] && argv[0][0] == '-' };
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	char *env[ENV_MAX + 1];
	char lxcpath[512], user[POLICY_NAME_MAX + 1], runtime[512];
	struct lxc_container *c = NULL;
	struct passwd *pw = getpwuid(getuid());
	const char *state;
	size_t n_env = 0;
	pid_t pid;
	int status;

	if (argc >= 3 && strcmp(argv[1], "-c") == 0)
		p.cmd = argv[2];
	else if (argc > 1)
		return fail("usage: lxlogin-shell [-c COMMAND]", "");
	if (!pw || !policy_name_valid(pw->pw_name))
		return fail("your account is not one lxlogin can contain", "");
	if (getuid() == 0)
		return fail("lxlogin-shell is not a shell for root", "");
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	snprintf(lxcpath, sizeof(lxcpath), "%s/lxc/%s", LXLOGIN_RUN_DIR, user);
	snprintf(runtime, sizeof(runtime), "%s/user/%s", LXLOGIN_RUN_DIR, user);

	env[n_env++] = (char *)"PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	for (char **e = environ; *e && n_env < ENV_MAX; e++)
		if (env_ok(*e))
			env[n_env++] = *e;
	env[n_env] = NULL;
	/* liblxc keeps its locks under XDG_RUNTIME_DIR when unprivileged: lxlogin's, not the caller's */
	clearenv();
	setenv("XDG_RUNTIME_DIR", runtime, 1);
	setenv("HOME", runtime, 1);
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);

	/* Not in our cgroup (no PAM module on this path, e.g. su -l) or no container: ask the helper. */
	if (!in_user_cgroup(user) || !(c = lxc_container_new(user, lxcpath)) || !c->is_running(c)) {
		if (c)
			lxc_container_put(c);
		if (helper_start() < 0)
			return fail("your container could not be started; no session", "");
		c = lxc_container_new(user, lxcpath);
		if (!c || !c->is_running(c))
			return fail("your container is not running; no session", "");
	}

	/* A frozen container (lxc-freeze) would take the session in and hold it until thawed: say so instead */
	state = c->state(c);
	if (state && (strcmp(state, "FROZEN") == 0 || strcmp(state, "FREEZING") == 0)) {
		lxc_container_put(c);
		return fail("your container is frozen (paused by an admin); no session", "");
	}

	opts.attach_flags = LXC_ATTACH_DEFAULT;
	if (isatty(STDIN_FILENO) || isatty(STDOUT_FILENO) || isatty(STDERR_FILENO))
		opts.attach_flags |= LXC_ATTACH_TERMINAL; /* a new pty inside, I/O proxied: no TIOCSTI to the host */
	opts.uid = getuid();
	opts.gid = getgid();
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = env;
	if (c->attach(c, run_in_container, &p, &opts, &pid) < 0) {
		lxc_container_put(c);
		return fail("cannot enter your container; no session", "");
	}
	lxc_container_put(c);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail("waiting for your session", strerror(errno));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
