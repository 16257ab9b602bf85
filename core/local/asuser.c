/*
 * asuser.c - the steps root hands to a child that becomes the user for good:
 * the liblxc start (in a private mount and network namespace), the wait for
 * a systemd container to let sessions in, and lxloginctl exec. The parent stays root and reads one
 * result line; no root-opened fd reaches the child's user side.
 *
 * Why the start's network namespace: liblxc's monitor serves the container on
 * abstract unix sockets named after the container ("@RUN/lxc/USER/USER/command"
 * and, for lxc-monitord, "@lxc/HASH/RUN/lxc/USER"). Abstract names live in a
 * network namespace, and in the host's any user can bind any of them first.
 * The child makes a new one as root before it drops to the user, so the
 * monitor binds its sockets where no other process is: only root can enter a
 * network namespace that host root made (setns needs CAP_SYS_ADMIN over the
 * initial user namespace), the container's own processes get a network
 * namespace of their own below it, and lxlogin never speaks to those sockets
 * after the start: the running container is read from the kernel
 * (running.c) and entered by pidfd (attach.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lxc/lxccontainer.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"
#include "testhooks.h"

#define RESULT_MAX 1024
#define CHILD_GRACE_S 15 /* beyond the start's own timeout */

/* Read one result line from a child ("0 ..." or "1 why"), waiting at most timeout_s. */
static int read_result(int fd, uint32_t timeout_s, char *msg, size_t size)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t n = 0;

	msg[0] = '\0';
	while (n < size - 1) {
		int k = poll(&p, 1, (int)timeout_s * 1000);
		ssize_t got;
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -ETIMEDOUT;
		got = read(fd, msg + n, size - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (memchr(msg, '\n', n))
			break;
	}
	msg[n] = '\0';
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	return n == 0 ? -EPIPE : 0;
}

static void child_result(int fd, int r, const char *msg)
{
	char line[RESULT_MAX];
	int n = snprintf(line, sizeof(line), "%d %s\n", r < 0 ? 1 : 0, msg);
	(void)!write(fd, line, (size_t)n);
}

/* Whether the image's /sbin/init is systemd, looked up in the rootfs this start mounted. */
static bool init_is_systemd(const char *user)
{
	char root[512], self[64], target[512];
	__do_close int rootfd = -EBADF, init = -EBADF;
	const char *base;
	ssize_t n;

	snprintf(root, sizeof(root), "%s/rootfs/%s", LXLOGIN_RUN_DIR, user);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	init = rootfd < 0 ? -EBADF : tree_open(rootfd, "sbin/init", O_PATH);
	if (init < 0)
		return false;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", init);
	n = readlink(self, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	return strcmp(base, "systemd") == 0;
}

/* As the user: liblxc starts the container, daemonized; "1" or "0" says whether its init is systemd. */
static int lxc_start_as_user(const struct core_user *u, char *out, size_t size)
{
	char lxcpath[512];
	struct lxc_container *c;
	int r = 0;

	snprintf(lxcpath, sizeof(lxcpath), "%s/lxc/%s", LXLOGIN_RUN_DIR, u->acct.name);
	c = lxc_container_new(u->acct.name, lxcpath);
	if (!c) {
		snprintf(out, size, "liblxc cannot load the container of %s", u->acct.name);
		return -EIO;
	}
	c->want_daemonize(c, true);
	c->want_close_all_fds(c, true);
	if (!c->start(c, 0, NULL) || !c->wait(c, "RUNNING", (int)u->policy.values.start_timeout_s)) {
		snprintf(out, size, "the container did not start (see %s/user/%s/lxc.log)", LXLOGIN_RUN_DIR,
			 u->acct.name);
		r = -EIO;
	} else {
		snprintf(out, size, "%d", init_is_systemd(u->acct.name));
	}
	lxc_container_put(c);
	return r;
}

/*
 * A systemd container lets a session in once what a session uses is up, not
 * when its whole boot is over (multi-user.target also waits for logind, cron
 * and the rest):
 *  - the system bus listens (dbus.socket): a client's first call waits for
 *    the daemon, so the first command finds D-Bus, and through its bus
 *    activation logind;
 *  - logins are allowed: systemd-user-sessions has removed /run/nologin,
 *    which the container's login(1) obeys (pam_nologin) and after which its
 *    pam_systemd gives an interactive login a logind session and the user's
 *    systemd --user;
 *  - for a user who lingers, their manager listens, so that a command (no
 *    session of its own) reaches systemctl --user.
 * /run/nologin is made before the bus socket (by systemd-tmpfiles-setup, in
 * sysinit.target) and removed after it: the socket is looked at first. An
 * image without dbus.socket has nothing to order this by: its sessions go
 * in at once.
 */
static bool sessions_allowed(int root, const struct core_user *u, bool bus, bool linger)
{
	char manager[64];
	struct stat st;

	if (!bus)
		return true;
	if (system_stat(root, "run/dbus/system_bus_socket", &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	if (system_stat(root, "run/nologin", &st) != -ENOENT)
		return false;
	snprintf(manager, sizeof(manager), "run/user/%u/systemd/private", (unsigned)u->acct.uid);
	return !linger || (system_stat(root, manager, &st) == 0 && S_ISSOCK(st.st_mode));
}

/*
 * Until sessions_allowed(), seen from the host as the user through the
 * container's init's root (every link resolved inside it), looked at every
 * 10 ms until the deadline (CLOCK_MONOTONIC seconds); past that the login
 * goes on regardless.
 */
static void boot_wait_as_user(const struct core_user *u, time_t deadline)
{
	struct cgroup_layout layout = { 0 };
	struct ct_init init = { 0, -EBADF };
	struct timespec now, step = { 0, 10 * 1000 * 1000 };
	struct core_err ignored;
	struct stat st;
	__do_close int root = -EBADF;
	char path[512];
	bool bus, linger;

	if (cgroup_layout_open(&layout, &ignored) < 0)
		return;
	if (ct_init_find(&layout, u->acct.name, u->acct.uid, &init) == 0) {
		snprintf(path, sizeof(path), "/proc/%d/root", (int)init.pid);
		root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		/* still the init found: the pid was not another's when its root was opened */
		if (root >= 0 && syscall(SYS_pidfd_send_signal, init.pidfd, 0, NULL, 0) < 0) {
			close(root);
			root = -EBADF;
		}
	}
	ct_init_close(&init);
	cgroup_layout_close(&layout);
	if (root < 0)
		return;
	bus = system_stat(root, "usr/lib/systemd/system/dbus.socket", &st) == 0 ||
	      system_stat(root, "lib/systemd/system/dbus.socket", &st) == 0;
	snprintf(path, sizeof(path), "var/lib/systemd/linger/%s", u->acct.name);
	linger = system_stat(root, path, &st) == 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (; now.tv_sec < deadline; nanosleep(&step, NULL), clock_gettime(CLOCK_MONOTONIC, &now))
		if (sessions_allowed(root, u, bus, linger))
			break;
}

enum user_op { OP_START, OP_BOOT_WAIT };

/*
 * Fork; in the child, as root: for a start a private mount and network
 * namespace with the rootfs mounted in it and the container's cgroup entered.
 * Then every other fd closed, the drop to the user for good, and op. The parent stays root and only reads the child's
 * one-line result.
 */
static int run_child(const struct core_user *u, const struct cgroup_layout *l, enum user_op op, char *out, size_t size,
		     struct core_err *e)
{
	uint32_t timeout_s = u->policy.values.start_timeout_s + CHILD_GRACE_S;
	int pipefd[2], status, r;
	char msg[RESULT_MAX];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return core_fail(e, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return core_fail(e, -errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		struct core_err ce = { "", "" };
		char runtime[512];
		struct timespec t0;
		int fd = pipefd[1];

		close(pipefd[0]);
		r = 0;
		if (op == OP_START) {
			/* Mounts made here exist only for this namespace: the host never sees
			 * the container's rootfs, and they vanish with the container. The
			 * network namespace is the monitor's (see the top of this file). */
			if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0 ||
			    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
				child_result(fd, -errno, "private mount and network namespace: cannot create");
				_exit(1);
			}
			r = rootfs_mount(u, &ce);
			TEST_PAUSE("mounted");
			if (r == 0)
				r = cgroup_user_enter(l, u->acct.name, CGROUP_CONTAINER, getpid(), &ce);
			TEST_PAUSE("entered");
		}
		if (r < 0) {
			child_result(fd, r, ce.msg);
			_exit(1);
		}
		/* No root-opened fd survives into the user's hands. */
		if (fd != 3) {
			if (dup3(fd, 3, O_CLOEXEC) < 0)
				_exit(1);
			fd = 3;
		}
		close_range(4, ~0U, 0);
		/* the container's seccomp policy, inherited by the init LXC makes: LXC's own
		 * profile cannot name every call of it (seccomp.c) */
		r = op == OP_START ? seccomp_load_container() : 0;
		if (r < 0)
			r = core_fail(&ce, r, "the container's seccomp filter: %s", strerror(-r));
		if (r == 0)
			r = privs_drop_to_user(u->acct.uid, u->acct.gid, &ce);
		/* dumpable again only for the start, where newuidmap needs it (privs_drop_to_user) */
		if (r == 0 && op != OP_START && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			r = core_fail(&ce, -errno, "PR_SET_DUMPABLE: %s", strerror(errno));
		if (r < 0) {
			child_result(fd, r, ce.msg);
			_exit(1);
		}
		TEST_PAUSE("dropped");
		snprintf(runtime, sizeof(runtime), "%s/user/%s", LXLOGIN_RUN_DIR, u->acct.name);
		if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0 ||
		    setenv("XDG_RUNTIME_DIR", runtime, 1) < 0 || setenv("HOME", runtime, 1) < 0) {
			child_result(fd, -ENOMEM, "environment");
			_exit(1);
		}
		msg[0] = '\0';
		if (op == OP_START) {
			r = lxc_start_as_user(u, msg, sizeof(msg));
		} else {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			boot_wait_as_user(u, t0.tv_sec + (time_t)u->policy.values.start_timeout_s);
			r = 0;
		}
		child_result(fd, r, msg);
		_exit(r < 0 ? 1 : 0);
	}
	close(pipefd[1]);
	r = read_result(pipefd[0], timeout_s, msg, sizeof(msg));
	close(pipefd[0]);
	if (r == -ETIMEDOUT)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == -ETIMEDOUT)
		return core_fail(e, r, "timed out after %" PRIu32 "s", timeout_s);
	if (r < 0)
		return core_fail(e, -EIO, "the %s step died without a word (status %d)",
				 op == OP_START ? "start" : "boot wait", status);
	if (msg[0] != '0')
		return core_fail(e, -EIO, "%s", msg[0] && msg[1] ? msg + 2 : "failed");
	if (out && size) {
		const char *text = msg[1] ? msg + 2 : "";
		size_t n = strnlen(text, size - 1);
		memcpy(out, text, n);
		out[n] = '\0';
	}
	return 0;
}

/* Start the container through liblxc as the user; *ret_systemd: its init is systemd. */
int asuser_start(const struct core_user *u, const struct cgroup_layout *l, bool *ret_systemd, struct core_err *e)
{
	char out[16];
	int r = run_child(u, l, OP_START, out, sizeof(out), e);

	if (r == 0)
		*ret_systemd = out[0] == '1';
	return r;
}

/* Until the container's systemd lets sessions in (or its start timeout passed). */
void asuser_boot_wait(const struct core_user *u, const struct cgroup_layout *l)
{
	struct core_err ignored;

	(void)run_child(u, l, OP_BOOT_WAIT, NULL, 0, &ignored); /* a slow boot still gets its login */
}

/*
 * Run argv inside the running container, as the user or as root inside, with
 * the caller's stdio (a pty inside when it is a terminal), like a login: from
 * the user's sessions cgroup, as the user, attached by pidfd, with a fixed
 * environment. *ret_status is the command's exit status (125: it could not
 * run, said on stderr).
 */
int core_exec(const struct core_user *u, bool as_root, char *const argv[], int *ret_status, struct core_err *e)
{
	struct cgroup_layout layout = { 0 };
	struct core_status st;
	int status, r;
	pid_t pid;

	if (u->policy.values.backend == POLICY_BACKEND_LXD)
		return lxd_exec(u, as_root, argv, ret_status, e);
	r = core_status(u, &st, e);
	if (r == 0 && st.state != CORE_RUNNING)
		r = core_fail(e, -ESRCH, "the container of %s is not running (lxloginctl start %s)", u->acct.name,
			      u->acct.name);
	if (r == 0)
		r = cgroup_layout_open(&layout, e);
	if (r < 0)
		return r;
	pid = fork();
	if (pid < 0) {
		cgroup_layout_close(&layout);
		return core_fail(e, -errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		const char *t = getenv("TERM");
		char term[80];
		char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin", term, NULL };
		struct attach_req req = { .user = u->acct.name,
					  .owner = u->acct.uid,
					  .uid = as_root ? 0 : u->acct.uid,
					  .gid = as_root ? 0 : u->acct.gid,
					  .argv = argv,
					  .env = env };
		struct attach_proc p;
		struct core_err ce;

		snprintf(term, sizeof(term), "TERM=%s", t && strlen(t) < 64 && !strchr(t, '/') ? t : "dumb");
		req.terminal = attach_wants_terminal();
		r = cgroup_user_enter(&layout, u->acct.name, CGROUP_SESSIONS, getpid(), &ce);
		cgroup_layout_close(&layout);
		close_range(3, ~0U, 0);
		if (r == 0)
			r = privs_drop_to_user(u->acct.uid, u->acct.gid, &ce);
		/* not dumpable: its stdio is root's terminal, no process of the user's may open it */
		if (r == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			r = core_fail(&ce, -errno, "PR_SET_DUMPABLE: %s", strerror(errno));
		if (r == 0)
			r = cgroup_layout_open(&layout, &ce);
		if (r == 0)
			r = attach_spawn(&layout, &req, &p, &ce);
		if (r < 0) {
			fprintf(stderr, "lxloginctl: exec: %s\n",
				r == -ESRCH ? "the container is not running (lxloginctl start USER)" : ce.msg);
			_exit(125);
		}
		cgroup_layout_close(&layout);
		_exit(attach_relay(&p));
	}
	cgroup_layout_close(&layout);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return core_fail(e, -errno, "waitpid: %s", strerror(errno));
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}
