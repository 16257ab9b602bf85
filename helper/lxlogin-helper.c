/* lxlogin-helper.c - setuid root: start, stop or show a contained user's own container. */

/*
 * Who holds what, step by step (read main() alongside):
 *
 *  1. Entry. Real uid = the caller, effective uid 0 from the setuid bit, all
 *     capabilities. Anything else (not setuid root, argc 0, an argument over
 *     4 KiB) is refused before argv is used.
 *  2. Lock-down, as root: environment replaced by a fixed allowlist; fds
 *     0-2 made valid (/dev/null), every other fd closed; umask 022; no core
 *     dumps, not dumpable; every signal default and unblocked; rlimits reset
 *     to sane values (they would pass into the container).
 *  3. Identity: the user is the caller's real uid; only a real-uid-0 caller
 *     (the PAM module, lxloginctl) may name another user. The name is
 *     validated, then resolved through NSS and the policy (root-owned files).
 *  4. Capabilities: permitted = effective = what the root steps use
 *     (SYS_ADMIN for mounts and namespaces, CHOWN/FOWNER/DAC_* for lxlogin's
 *     own directories and cgroups, SETUID/SETGID for the drop, KILL to stop
 *     a container's init, SYS_NICE to move the session process into a
 *     cpuset cgroup, and for network = veth NET_ADMIN (the veth, bridge
 *     port, neighbour entries) and SYS_PTRACE (to open the network namespace
 *     of the container's init, which runs under the user's subordinate
 *     ids)); and FSETID and SETFCAP, which only the mount needs: overlayfs
 *     does every write to the user's layer with the credentials its mounter
 *     had, for the whole life of the mount, after checking the caller's
 *     own. Without them root inside could not keep a setgid bit (chmod g+s,
 *     a crontab) or set a file capability (setcap, ping) on the layer,
 *     though the kernel allows both to it. They give the container nothing
 *     the host would honour: the layer is under root-only directories, its
 *     files belong to the user's range, and a file capability written there
 *     is namespaced to the container's root.
 *  5. Root steps (core_start): layer, cgroup limits then delegation, config.
 *     On a systemd host with pure cgroup v2 the cgroup is a scope systemd
 *     makes at the helper's request (cgsystemd.c: its private socket, a
 *     fixed address, no environment), with the limits as unit properties
 *     and the helper as its first process until it exits.
 *     A child makes a private mount namespace and a private network
 *     namespace, mounts the idmapped rootfs, enters the user's cgroup,
 *     closes every fd but its result pipe, and drops to the user:
 *     setgroups(0), setresgid, setresuid, verified, no capability left. It
 *     is made dumpable again so that newuidmap can write its children's
 *     maps; PR_SET_NO_NEW_PRIVS cannot be set, because liblxc runs the
 *     setuid newuidmap/newgidmap as the user.
 *  6. The child starts the container through liblxc as the user. liblxc's
 *     monitor serves the container on abstract unix sockets named after it,
 *     which any host user could bind first in the host's network namespace;
 *     in the child's own, which host root made and only host root can enter,
 *     no other uid can bind, intercept or answer them (core/local/asuser.c). Nor
 *     does anything of lxlogin ask them after the start: the parent (root)
 *     finds the container's init in the user's container cgroup, which only
 *     root and the user can put a process into, and checks it on a pidfd
 *     (pid 1 one pid namespace down, in a user namespace the user made;
 *     core/local/running.c). Status, stop and every attach (lxlogin-shell,
 *     lxloginctl exec, the boot wait) use only that. For network = veth the
 *     parent makes the veth pair into that init's network namespace and
 *     configures both ends (network.c). It releases the lock, and drops to
 *     the caller before writing anything to stdout/stderr.
 *  7. "start" by a user and "session" by root (the PAM module) then place
 *     the helper's parent - the user's login shell, or sshd's session
 *     process - into the user's cgroup, so that the session and all it runs
 *     count against the user's quota and can attach to the container. A
 *     user's parent must be their own process (checked on a pidfd).
 *  8. backend = lxd (core/lxd/lxd.c): steps 5-7 are LXD's. The root steps are
 *     LXD's client, /usr/bin/lxc, run as root (real, effective, saved) with
 *     a fixed environment: the socket and project from lxlogin.conf, the
 *     instance named after the caller, values from the policy. "shell" (the
 *     caller's own container only; lxlogin-shell calls it) starts it, then
 *     becomes that client's "exec" of the session: the caller passes only
 *     -t, -l, a TERM and LANG of 64 plain characters at most, an
 *     SSH_CONNECTION of four fields of digits, hex, '.' and ':', and the
 *     command, which goes after "--" to /bin/sh -c inside. The caller keeps
 *     its stdio and nothing else: no socket, no certificate, and a process
 *     it cannot signal or trace.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"
#include "testhooks.h"

#ifdef LXLOGIN_TEST_HOOKS
char testhook_pause_at[64];
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NOT_CONTAINED = 3 };
#define ARG_MAX_LEN 4096
#define CMD_MAX_LEN (128 * 1024) /* shell's -c COMMAND: the kernel's own bound of one argument */
#define ENV_VALUE_MAX 64

static const char usage[] =
	"usage: lxlogin-helper start|stop|status [USER] | session USER\n"
	"       lxlogin-helper shell [-t] [-l] [term=TERM] [lang=LANG] [conn=SSH_CONNECTION] [-c COMMAND]\n";

/* TERM or LANG as a session may pass it on: 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-', '+', '@'. */
static bool env_value_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > ENV_VALUE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		      strchr("._-+@", v[i])))
			return false;
	return true;
}

/* SSH_CONNECTION as sshd sets it: four fields (address, port, address, port) of [0-9A-Fa-f.:]. */
static bool connection_ok(const char *v)
{
	size_t fields = 1, n = strlen(v);

	if (n == 0 || n > 128 || v[0] == ' ' || v[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == ' ' && v[i + 1] != ' ')
			fields++;
		else if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f') ||
			   (v[i] >= 'A' && v[i] <= 'F') || v[i] == '.' || v[i] == ':'))
			return false;
	}
	return fields == 4;
}

/* shell's arguments (after "shell"); false on anything else */
static bool shell_args(int argc, char **argv, struct lxd_session *s, bool *login)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0)
			s->terminal = true;
		else if (strcmp(argv[i], "-l") == 0)
			*login = true;
		else if (strncmp(argv[i], "term=", 5) == 0) /* one it cannot pass on is left out */
			s->term = env_value_ok(argv[i] + 5) ? argv[i] + 5 : NULL;
		else if (strncmp(argv[i], "lang=", 5) == 0)
			s->lang = env_value_ok(argv[i] + 5) ? argv[i] + 5 : NULL;
		else if (strncmp(argv[i], "conn=", 5) == 0)
			s->connection = connection_ok(argv[i] + 5) ? argv[i] + 5 : NULL;
		else if (strcmp(argv[i], "-c") == 0 && i + 2 == argc)
			s->shell_cmd = argv[++i];
		else
			return false;
	}
	return true;
}

static void die(int code, const char *msg)
{
	/* No stdio: the caller's fds may be anything; one write, no retry. */
	if (msg) {
		(void)!write(2, "lxlogin-helper: ", 16);
		(void)!write(2, msg, strlen(msg));
		(void)!write(2, "\n", 1);
	}
	_exit(code);
}

static void fds_sane(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			int n = open("/dev/null", O_RDWR);
			if (n != fd)
				die(EXIT_FAILED, NULL);
		}
	}
	if (close_range(3, ~0U, 0) < 0)
		die(EXIT_FAILED, "close_range failed");
}

static void signals_default(void)
{
	struct sigaction sa = { 0 };
	sigset_t all;

	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Reset rlimits the caller set (they would pass into the container); with no
 * CAP_SYS_RESOURCE a hard limit cannot be raised: then refuse one that is too
 * small to work with, before any state is made. */
static void rlimits_sane(void)
{
	static const struct {
		__rlimit_resource_t res;
		struct rlimit want;
		rlim_t min;
	} limits[] = {
		{ RLIMIT_CORE, { 0, 0 }, 0 },
		{ RLIMIT_FSIZE, { RLIM_INFINITY, RLIM_INFINITY }, 1 << 20 },
		{ RLIMIT_AS, { RLIM_INFINITY, RLIM_INFINITY }, 1UL << 30 },
		{ RLIMIT_DATA, { RLIM_INFINITY, RLIM_INFINITY }, 1UL << 30 },
		{ RLIMIT_STACK, { 8 << 20, RLIM_INFINITY }, 1 << 20 },
		{ RLIMIT_NOFILE, { 1024, 524288 }, 256 },
		{ RLIMIT_NPROC, { RLIM_INFINITY, RLIM_INFINITY }, 64 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		struct rlimit now, want = limits[i].want;
		if (setrlimit(limits[i].res, &want) == 0)
			continue;
		if (getrlimit(limits[i].res, &now) < 0)
			die(EXIT_FAILED, "cannot read resource limits");
		want.rlim_max = now.rlim_max;
		if (want.rlim_cur > now.rlim_max)
			want.rlim_cur = now.rlim_max;
		if (want.rlim_cur < limits[i].min || setrlimit(limits[i].res, &want) < 0)
			die(EXIT_FAILED, "resource limits are too small to start a container (refused)");
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die(EXIT_FAILED, "PR_SET_DUMPABLE failed");
}

static void caps_narrow(void)
{
	/* SYS_NICE: moving a process with more capabilities than ours into a
	 * cpuset cgroup is a scheduler change the kernel checks (sshd's). */
	/* FSETID, SETFCAP: the overlay's mounter credentials (see step 4 above) */
	static const cap_value_t keep[] = { CAP_SYS_ADMIN,	 CAP_CHOWN,	CAP_FOWNER,	CAP_DAC_OVERRIDE,
					    CAP_DAC_READ_SEARCH, CAP_SETUID,	CAP_SETGID,	CAP_KILL,
					    CAP_SYS_NICE,	 CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_FSETID,
					    CAP_SETFCAP };
	cap_t caps = cap_init();
	int ok = caps && cap_set_flag(caps, CAP_PERMITTED, ARRAY_SIZE(keep), keep, CAP_SET) == 0 &&
		 cap_set_flag(caps, CAP_EFFECTIVE, ARRAY_SIZE(keep), keep, CAP_SET) == 0 && cap_set_proc(caps) == 0;
	cap_t now = ok ? cap_get_proc() : NULL;

	ok = ok && now && cap_compare(now, caps) == 0; /* read back */
	cap_free(now);
	cap_free(caps);
	if (!ok)
		die(EXIT_FAILED, "cannot narrow capabilities");
}

/* The parent's real, effective and saved uids, from /proc (read while we hold a pidfd on it). */
static int parent_uid(pid_t pid, uid_t *ret)
{
	char path[64], line[256];
	unsigned long r, e, s;
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Uid: %lu %lu %lu", &r, &e, &s) == 3;
	if (f)
		fclose(f);
	if (!found || r != e || e != s)
		return -EPERM;
	*ret = (uid_t)r;
	return 0;
}

/* Move our parent into the user's cgroup: the PAM module's process for root; for a user, their
 * own process only (their login shell) - any other parent is left where it is. */
static int place_parent(const struct core_user *u, uid_t ruid, struct core_err *e)
{
	pid_t parent = getppid();
	int pidfd = (int)syscall(SYS_pidfd_open, parent, 0);
	uid_t owner = (uid_t)-1;
	int r;

	if (pidfd < 0 || parent <= 1 || getppid() != parent)
		return core_fail(e, -ESRCH, "the session process is gone");
	if (ruid != 0 && (parent_uid(parent, &owner) < 0 || owner != ruid)) {
		close(pidfd);
		return 0; /* not the user's own process (say, su from root's shell): started, not placed */
	}
	r = core_place(u, parent, e);
	/* still the same, living parent (a pid reused meanwhile would show here) */
	if (r == 0 && (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 || getppid() != parent))
		r = core_fail(e, -ESRCH, "the session process went away while being placed");
	close(pidfd);
	return r;
}

/* After the root work: become the caller (if not root) before any output. */
static void become_caller(uid_t ruid, gid_t rgid)
{
	if (ruid != 0 && (setgroups(0, NULL) < 0 || setresgid(rgid, rgid, rgid) < 0 || setresuid(ruid, ruid, ruid) < 0))
		die(EXIT_FAILED, NULL);
}

int main(int argc, char **argv)
{
	struct core_err err = { "", "" };
	struct core_user user;
	struct lxd_session shell = { 0 };
	const char *cmd, *name;
	char own_name[POLICY_NAME_MAX + 1] = "";
	uid_t ruid = getuid();
	gid_t rgid = getgid();
	int r, code;

	/* 1. entry */
	if (argc < 1 || !argv[0] || !argv[0][0])
		die(EXIT_USAGE, NULL);
	for (int i = 0; i < argc; i++) {
		bool command =
			i >= 2 && i == argc - 1 && strcmp(argv[1], "shell") == 0 && strcmp(argv[i - 1], "-c") == 0;
		size_t max = command ? CMD_MAX_LEN : ARG_MAX_LEN;
		if (strnlen(argv[i], max + 1) > max)
			die(EXIT_USAGE, "argument too long");
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		fds_sane();
		(void)!write(1, "lxlogin-helper " LXLOGIN_VERSION "\n", sizeof("lxlogin-helper " LXLOGIN_VERSION));
		_exit(EXIT_OK);
	}
	if (geteuid() != 0)
		die(EXIT_FAILED, "not installed setuid root (refused)");

		/* 2. lock-down */
#ifdef LXLOGIN_TEST_HOOKS
	{
		const char *p = getenv("LXLOGIN_TEST_PAUSE");
		snprintf(testhook_pause_at, sizeof(testhook_pause_at), "%s", p ? p : "");
	}
#endif
	if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0 || setenv("LANG", "C", 1) < 0)
		die(EXIT_FAILED, "cannot reset the environment");
	fds_sane();
	umask(022);
	signals_default();
	rlimits_sane();

	/* 3. identity */
	if (argc < 2)
		die(EXIT_USAGE, usage);
	cmd = argv[1];
	if (strcmp(cmd, "shell") == 0) {
		bool login = false;
		if (ruid == 0 || !shell_args(argc - 2, argv + 2, &shell, &login))
			die(EXIT_USAGE, usage);
		shell.record = login && !shell.shell_cmd && shell.terminal;
		argc = 2; /* the caller's own container, whatever the arguments hold */
	}
	if (argc > 3)
		die(EXIT_USAGE, usage);
	if (strcmp(cmd, "start") != 0 && strcmp(cmd, "stop") != 0 && strcmp(cmd, "status") != 0 &&
	    strcmp(cmd, "session") != 0 && strcmp(cmd, "shell") != 0)
		die(EXIT_USAGE, usage);
	if (strcmp(cmd, "session") == 0 && ruid != 0)
		die(EXIT_FAILED, "only root (the PAM module) may open a session (refused)");
	if (ruid == 0) {
		if (argc != 3)
			die(EXIT_USAGE, "root must name the user");
		name = argv[2];
	} else {
		struct passwd *pw = getpwuid(ruid);
		if (!pw || strlen(pw->pw_name) > POLICY_NAME_MAX)
			die(EXIT_FAILED, "the calling user is not in the user database");
		snprintf(own_name, sizeof(own_name), "%s", pw->pw_name);
		if (argc == 3 && strcmp(argv[2], own_name) != 0)
			die(EXIT_FAILED, "only root may act on another user's container (refused)");
		name = own_name;
	}
	if (!policy_name_valid(name))
		die(EXIT_FAILED, "not a user name lxlogin accepts (refused)");

	/* 4. capabilities */
	caps_narrow();

	/* 5-6. the work; stop and status need only the account, whatever the policy says now. Every
	 * other command checks the ranges, also for a running container: unsafe ranges (another
	 * owner's, a real account's id) refuse the login (fail closed) */
	r = strcmp(cmd, "stop") != 0 && strcmp(cmd, "status") != 0 ? core_user_load(name, &user, &err)
								   : core_user_load_admin(name, &user, &err);
	if (r < 0) {
		become_caller(ruid, rgid);
		die(r == -ENOENT && strstr(err.msg, "is not contained") ? EXIT_NOT_CONTAINED : EXIT_FAILED, err.msg);
	}
	if (strcmp(cmd, "shell") == 0) {
		/* 8. backend = lxd: the session is LXD's client, exec'd as root: the user's stdio and nothing else */
		if (user.policy.values.backend != POLICY_BACKEND_LXD)
			r = core_fail(&err, -EINVAL,
				      "shell is for backend = lxd; lxlogin-shell enters a local container");
		else
			r = core_start(&user, &err);
		if (r == 0)
			r = lxd_session_exec(&user, &shell, &err);
	} else if (strcmp(cmd, "start") == 0 || strcmp(cmd, "session") == 0) {
		r = core_start(&user, &err);
		if (r == 0 && err.note[0]) /* a start the admin should know about (quota = warn) */
			syslog(LOG_AUTHPRIV | LOG_WARNING, "lxlogin: %s", err.note);
		if (r == 0 && (ruid != 0 || strcmp(cmd, "session") == 0))
			r = place_parent(&user, ruid, &err);
	} else if (strcmp(cmd, "stop") == 0) {
		r = core_stop(&user, &err);
	} else {
		struct core_status st;
		r = core_status(&user, &st, &err);
		if (r == 0 && st.member[0])
			snprintf(err.msg, sizeof(err.msg), "%s on %s",
				 st.state == CORE_RUNNING   ? "running"
				 : st.state == CORE_STOPPED ? "stopped"
							    : "unreachable",
				 st.member);
		else if (r == 0)
			snprintf(err.msg, sizeof(err.msg), st.state == CORE_RUNNING ? "running %d" : "stopped",
				 (int)st.init);
	}
	core_user_free(&user);
	become_caller(ruid, rgid);
	code = r < 0 ? EXIT_FAILED : EXIT_OK;
	if (r == 0 && strcmp(cmd, "status") == 0) {
		(void)!write(1, err.msg, strlen(err.msg));
		(void)!write(1, "\n", 1);
		_exit(code);
	}
	die(code, r < 0 ? err.msg : NULL);
}
