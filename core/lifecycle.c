/* lifecycle.c - start, stop and status of a user's container: one lock per user, every step idempotent. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"
#include "testhooks.h"

#define RESULT_MAX 1024
#define UID_MIN_DEFAULT 1000

/* UID_MIN from /etc/login.defs: below it are system accounts, never contained. */
static uid_t uid_min(void)
{
	__do_fclose FILE *f = fopen("/etc/login.defs", "re");
	char line[256];
	unsigned long v;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " UID_MIN %lu", &v) == 1 && v > 0 && v < 1000000)
			return (uid_t)v;
	return UID_MIN_DEFAULT;
}

void core_user_free(struct core_user *u)
{
	policy_result_free(&u->policy);
	policy_account_free(&u->acct);
}

/*
 * Resolve a user name to everything a start needs: the account (NSS), the
 * verdict and effective policy, the subordinate ranges, the hostname. Only a
 * contained user with a clean policy gets here without an error.
 */
int core_user_load(const char *name, struct core_user *u, struct core_err *e)
{
	struct policy_user pu;
	int r;

	memset(u, 0, sizeof(*u));
	if (!policy_name_valid(name))
		return core_fail(e, -EINVAL, "'%.40s' is not a user name lxlogin accepts", name);
	r = policy_account_lookup(name, &u->acct);
	if (r < 0)
		return core_fail(e, r, "%s: %s", name, r == -ENOENT ? "no such user" : "user database lookup failed");
	if (u->acct.uid < uid_min())
		return core_fail(e, -EPERM, "%s: uid %u is a system account (below UID_MIN): never contained", name,
				 (unsigned)u->acct.uid);
	pu = (struct policy_user){ u->acct.name, u->acct.uid, (const char *const *)u->acct.groups, u->acct.n_groups };
	r = policy_resolve(LXLOGIN_CONFIG_DIR, &pu, &u->policy);
	if (r < 0)
		return core_fail(e, r, "policy: %s", strerror(-r));
	if (u->policy.verdict == POLICY_REFUSED)
		return core_fail(e, -EPERM, "%s", u->policy.diag.n_msgs ? u->policy.diag.msgs[0] : u->policy.reason);
	if (u->policy.verdict != POLICY_CONTAINED)
		return core_fail(e, -ENOENT, "%s is not contained: %s", name, u->policy.reason);
	r = subid_user_ranges(name, u->acct.uid, u->acct.gid, &u->uids, &u->gids, e);
	if (r < 0)
		return r;
	r = policy_hostname(u->policy.values.hostname, name, u->hostname, sizeof(u->hostname));
	if (r < 0)
		return core_fail(e, r, "hostname template %s gives no hostname for %s", u->policy.values.hostname,
				 name);
	return 0;
}

/*
 * RUN/lock/<user>.lock, held with flock for the whole operation; waits up to
 * timeout_s. A lock file unlinked while we waited (lxloginctl doctor removes
 * unheld ones) is not the lock any more: open the new one.
 */
static int lock_user(const char *name, uint32_t timeout_s, struct core_err *e)
{
	__do_close int dir = run_dir_open("lock", 0700, e);
	char file[POLICY_NAME_MAX + 8];
	struct timespec step = { 0, 20 * 1000 * 1000 };
	uint64_t waited = 0;
	struct stat st;

	if (dir < 0)
		return dir;
	snprintf(file, sizeof(file), "%s.lock", name);
	for (int attempt = 0; attempt < 100; attempt++) {
		__do_close int fd = openat(dir, file, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (fd < 0 || fstat(fd, &st) < 0)
			return core_fail(e, -errno, "lock of %s: %s", name, strerror(errno));
		if (!S_ISREG(st.st_mode) || st.st_uid != 0)
			return core_fail(e, -EPERM, "lock of %s: not a root-owned regular file (refused)", name);
		for (; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 20) {
			if (errno != EWOULDBLOCK)
				return core_fail(e, -errno, "lock of %s: %s", name, strerror(errno));
			if (waited >= (uint64_t)timeout_s * 1000)
				return core_fail(e, -ETIMEDOUT, "another start or stop of %s holds its lock", name);
			nanosleep(&step, NULL);
		}
		if (fstat(fd, &st) == 0 && st.st_nlink > 0)
			return move_fd(fd);
	}
	return core_fail(e, -EAGAIN, "lock of %s: its file keeps being removed", name);
}

/* The user's lock, held, with their container stopped; -EBUSY if it runs. */
static int lock_stopped(const struct core_user *u, struct core_err *e)
{
	__do_close int lock = lock_user(u->acct.name, u->policy.values.start_timeout_s, e);
	enum core_state state;
	pid_t init;
	int r;

	if (lock < 0)
		return lock;
	r = core_status(u, &state, &init, e);
	if (r < 0)
		return r;
	if (state == CORE_RUNNING)
		return core_fail(e, -EBUSY, "the container of %s runs (it was started again meanwhile?)", u->acct.name);
	return move_fd(lock);
}

/* The user's lock if nobody holds it now (for lxloginctl doctor), else -EWOULDBLOCK. */
int core_lock_try(const char *name)
{
	struct core_err ignored;

	return lock_user(name, 0, &ignored);
}

static void lxcpath_of(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/lxc/%s", LXLOGIN_RUN_DIR, name);
}

/* Read one result line from a child ("0" or "1 why"), waiting at most timeout_s. */
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
	int n = snprintf(line, sizeof(line), "%d %s\n", r < 0 ? 1 : 0, r < 0 ? msg : "");
	(void)!write(fd, line, (size_t)n);
}

/* What the user-side child does: liblxc as the user, unprivileged. */
enum user_op { OP_START, OP_BOOT_WAIT, OP_STOP, OP_STATUS };

/*
 * A systemd container is ready for a login when its boot is over: until then
 * D-Bus and logind may not be up, and the login's first command would fail.
 * Ask systemctl inside (as root there) until it says running, degraded or
 * maintenance, until the deadline (CLOCK_MONOTONIC seconds, the start's
 * own timeout); past that the login goes on regardless.
 * Other inits are ready as soon as they run.
 */
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

static void boot_wait(struct lxc_container *c, time_t deadline)
{
	static const char *const ready[] = { "running", "degraded", "maintenance", "stopping" };
	char *argv[] = { "systemctl", "is-system-running", "--wait", NULL };
	char *env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	lxc_attach_command_t cmd = { "systemctl", argv };
	struct timespec now, step = { 0, 100 * 1000 * 1000 };
	char out[64];
	__do_close int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (; now.tv_sec < deadline; nanosleep(&step, NULL), clock_gettime(CLOCK_MONOTONIC, &now)) {
		lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
		int pipefd[2], status;
		ssize_t n = 0;
		pid_t pid;

		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return;
		opts.uid = 0;
		opts.gid = 0;
		opts.env_policy = LXC_ATTACH_CLEAR_ENV;
		opts.extra_env_vars = env;
		opts.stdin_fd = null;
		opts.stdout_fd = pipefd[1];
		opts.stderr_fd = null;
		if (c->attach(c, lxc_attach_run_command, &cmd, &opts, &pid) < 0) {
			close(pipefd[0]);
			close(pipefd[1]);
			return;
		}
		close(pipefd[1]);
		struct pollfd pfd = { pipefd[0], POLLIN, 0 };
		if (poll(&pfd, 1, (int)(deadline - now.tv_sec) * 1000) > 0)
			n = read(pipefd[0], out, sizeof(out) - 1);
		else
			kill(pid, SIGKILL); /* the boot hangs: log in anyway */
		close(pipefd[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		out[n > 0 ? n : 0] = '\0';
		out[strcspn(out, "\n")] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(ready); i++)
			if (strcmp(out, ready[i]) == 0)
				return;
	}
}

static int lxc_as_user(const struct core_user *u, enum user_op op, char *out, size_t size)
{
	char lxcpath[512];
	struct lxc_container *c;
	struct timespec t0;
	int r = 0;

	lxcpath_of(u->acct.name, lxcpath, sizeof(lxcpath));
	c = lxc_container_new(u->acct.name, lxcpath);
	if (!c) {
		snprintf(out, size, "liblxc cannot load the container of %s", u->acct.name);
		return -EIO;
	}
	switch (op) {
	case OP_START:
		if (c->is_running(c))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		c->want_daemonize(c, true);
		c->want_close_all_fds(c, true);
		if (!c->start(c, 0, NULL) || !c->wait(c, "RUNNING", (int)u->policy.values.start_timeout_s)) {
			snprintf(out, size, "the container did not start (see %s/user/%s/lxc.log)", LXLOGIN_RUN_DIR,
				 u->acct.name);
			r = -EIO;
			break;
		}
		snprintf(out, size, "%d %d", (int)c->init_pid(c), init_is_systemd(u->acct.name));
		break;
	case OP_BOOT_WAIT:
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (c->is_running(c))
			boot_wait(c, t0.tv_sec + (time_t)u->policy.values.start_timeout_s);
		break;
	case OP_STOP:
		if (!c->is_running(c))
			break;
		if (!c->shutdown(c, 10) && !c->stop(c)) {
			snprintf(out, size, "the container of %s did not stop", u->acct.name);
			r = -EIO;
		}
		break;
	case OP_STATUS:
		snprintf(out, size, "%d", c->is_running(c) ? (int)c->init_pid(c) : 0);
		break;
	}
	lxc_container_put(c);
	return r;
}

/*
 * Fork; in the child, optionally set up the private mount namespace and the
 * rootfs and enter the cgroups (as root), close every other fd, drop to the
 * user for good, and run op through liblxc. The parent stays root and only
 * reads the child's one-line result.
 */
static int run_child(const struct core_user *u, const struct cgroup_layout *l, enum user_op op, char *out, size_t size,
		     struct core_err *e)
{
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
		struct core_err ce = { "" };
		char runtime[512];
		int fd = pipefd[1];

		close(pipefd[0]);
		if (op == OP_START) {
			/* Mounts made here exist only for this namespace: the host never sees
			 * the container's rootfs, and they vanish with the container. */
			if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
				child_result(fd, -errno, "private mount namespace: cannot create");
				_exit(1);
			}
			r = rootfs_mount(u, &ce);
			TEST_PAUSE("mounted");
			if (r == 0)
				r = cgroup_user_enter(l, u->acct.name, CGROUP_CONTAINER, getpid(), &ce);
			TEST_PAUSE("entered");
			if (r < 0) {
				child_result(fd, r, ce.msg);
				_exit(1);
			}
		} else if (op == OP_BOOT_WAIT) {
			/* attach starts from within the user's cgroup */
			r = cgroup_user_enter(l, u->acct.name, CGROUP_SESSIONS, getpid(), &ce);
			if (r < 0) {
				child_result(fd, r, ce.msg);
				_exit(1);
			}
		}
		/* No root-opened fd survives into the user's hands. */
		if (fd != 3) {
			if (dup3(fd, 3, O_CLOEXEC) < 0)
				_exit(1);
			fd = 3;
		}
		close_range(4, ~0U, 0);
		r = privs_drop_to_user(u->acct.uid, u->acct.gid, &ce);
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
		r = lxc_as_user(u, op, msg, sizeof(msg));
		if (r == 0 && (op == OP_STATUS || op == OP_START)) {
			char line[64];
			int n = snprintf(line, sizeof(line), "0 %.40s\n", msg);
			(void)!write(fd, line, (size_t)n);
		} else {
			child_result(fd, r, msg);
		}
		_exit(r < 0 ? 1 : 0);
	}
	close(pipefd[1]);
	r = read_result(pipefd[0], u->policy.values.start_timeout_s + 15, msg, sizeof(msg));
	close(pipefd[0]);
	if (r == -ETIMEDOUT)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == -ETIMEDOUT)
		return core_fail(e, r, "timed out after %" PRIu32 "s", u->policy.values.start_timeout_s + 15);
	if (r < 0)
		return core_fail(e, -EIO, "the %s step died without a word (status %d)",
				 op == OP_START	      ? "start"
				 : op == OP_BOOT_WAIT ? "boot wait"
				 : op == OP_STOP      ? "stop"
						      : "status",
				 status);
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

int core_status(const struct core_user *u, enum core_state *ret_state, pid_t *ret_init, struct core_err *e)
{
	char lxcpath[512], out[64];
	long pid;
	struct stat st;
	int r;

	lxcpath_of(u->acct.name, lxcpath, sizeof(lxcpath));
	*ret_state = CORE_STOPPED;
	*ret_init = 0;
	if (stat(lxcpath, &st) < 0)
		return 0; /* never configured since boot: not running */
	r = run_child(u, NULL, OP_STATUS, out, sizeof(out), e);
	if (r < 0)
		return r;
	pid = strtol(out, NULL, 10);
	if (pid > 0) {
		*ret_state = CORE_RUNNING;
		*ret_init = (pid_t)pid;
	}
	return 0;
}

/* RUN/lxc/<user>/<user>/{config,seccomp} (root's, readable), RUN/user/<user> (the user's). */
static int write_config(const struct core_user *u, struct core_err *e)
{
	__do_close int lxc = -EBADF, mine = -EBADF, cdir = -EBADF, users = -EBADF, rt = -EBADF;
	__do_free char *text = NULL;
	char rootfs[512], seccomp[512], log[600], shown[512];
	const char *name = u->acct.name;
	struct lxcconf_in in;
	struct stat st;
	int r;

	lxc = run_dir_open("lxc", 0711, e);
	if (lxc < 0)
		return lxc;
	mine = dir_ensure(lxc, name, 0755, 0, 0, "lxc path", e);
	cdir = mine < 0 ? mine : dir_ensure(mine, name, 0755, 0, 0, "lxc container dir", e);
	users = cdir < 0 ? cdir : run_dir_open("user", 0711, e);
	snprintf(shown, sizeof(shown), "%s/user/%s", LXLOGIN_RUN_DIR, name);
	/* runtime files of an account since made again under this name (another uid or gid): not theirs */
	if (users >= 0 && fstatat(users, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (st.st_uid != u->acct.uid || st.st_gid != u->acct.gid)) {
		r = tree_remove(users, name, 16);
		if (r < 0)
			return core_fail(e, r, "%s: left by an account with other ids and cannot be removed: %s", shown,
					 strerror(-r));
	}
	rt = users < 0 ? users : dir_ensure(users, name, 0700, u->acct.uid, u->acct.gid, shown, e);
	if (rt < 0)
		return rt;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs/%s", LXLOGIN_RUN_DIR, name);
	snprintf(seccomp, sizeof(seccomp), "%s/lxc/%s/%s/seccomp", LXLOGIN_RUN_DIR, name, name);
	snprintf(log, sizeof(log), "%s/lxc.log", shown);
	in = (struct lxcconf_in){ name,
				  u->acct.uid,
				  u->acct.gid,
				  u->acct.home,
				  u->uids,
				  u->gids,
				  u->hostname,
				  rootfs,
				  seccomp,
				  log,
				  &u->policy,
				  lxcconf_lxcfs_available(),
				  lxcconf_apparmor_missing() };
	r = lxcconf_render(&in, &text);
	if (r < 0)
		return core_fail(e, r, "cannot render the LXC config of %s (home %s must be a plain absolute path)",
				 name, u->acct.home);
	r = file_write_atomic(cdir, "seccomp", lxcconf_seccomp, strlen(lxcconf_seccomp), 0644, 0, 0);
	if (r == 0)
		r = file_write_atomic(cdir, "config", text, strlen(text), 0644, 0, 0);
	if (r < 0)
		return core_fail(e, r, "writing the LXC config of %s: %s", name, strerror(-r));
	return 0;
}

/*
 * The user's image, held with a shared flock on its directory until the
 * start is over: `lxloginctl image remove` takes it exclusively, so an image
 * never goes away under a container that is being started on it.
 */
static int image_check(const struct core_user *u, struct core_err *e, int *ret_hold, int *ret_root)
{
	__do_close int images = state_dir_open("images", 0755, e);
	__do_close int image = -EBADF, now = -EBADF;
	const char *name = u->policy.values.image;
	struct stat held, named;
	int root;

	if (images < 0)
		return images;
	image = openat(images, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (image >= 0 && flock(image, LOCK_SH) < 0)
		return core_fail(e, -errno, "image %s: lock: %s", name, strerror(errno));
	/* still installed under its name once locked (a removal renames it first) */
	now = image < 0 ? -EBADF : openat(images, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (now < 0 || fstat(image, &held) < 0 || fstat(now, &named) < 0 || held.st_ino != named.st_ino ||
	    held.st_dev != named.st_dev)
		return core_fail(e, -ENOENT, "image '%s' is not installed (%s/images/%s; see lxloginctl image list)",
				 name, LXLOGIN_STATE_DIR, name);
	root = openat(image, "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return core_fail(e, -ENOENT, "image '%s' has no rootfs (%s/images/%s/rootfs)", name, LXLOGIN_STATE_DIR,
				 name);
	*ret_hold = move_fd(image);
	*ret_root = root;
	return 0;
}

static int stop_locked(const struct core_user *u, struct core_err *e);

/*
 * Start the user's container, or do nothing if it runs. Root's steps, each
 * idempotent so that a start killed anywhere is repaired by the next:
 * layer (atomic), cgroup (limits rewritten before any delegation), config
 * (atomic); then the child mounts the rootfs in a private namespace, enters
 * the cgroup, drops to the user and starts the container through liblxc.
 */
static int start_steps(const struct core_user *u, struct core_err *e)
{
	__do_close int lock = -EBADF, image_hold = -EBADF, image_root = -EBADF;
	bool veth = u->policy.values.network == POLICY_NETWORK_VETH;
	struct cgroup_layout layout = { 0 };
	struct net_lease lease = { 0 };
	struct cgroup_limits lim;
	enum core_state state;
	struct sysinfo si;
	char started[64];
	int r, systemd = 0;
	long init_pid = 0;
	pid_t init;

	lock = lock_user(u->acct.name, u->policy.values.start_timeout_s, e);
	if (lock < 0)
		return lock;
	TEST_PAUSE("locked");
	r = core_status(u, &state, &init, e);
	if (r < 0)
		return r;
	if (veth && state == CORE_RUNNING && net_lease_find(u->acct.name, &lease, e) == 0) {
		/* repair a start that died before its network was up, with the lease it started
		 * with: a changed policy takes effect at the next start */
		r = cgroup_layout_open(&layout, e);
		if (r == 0)
			r = net_attach(u, &layout, init, &lease, e);
		cgroup_layout_close(&layout);
	}
	if (r < 0 || state == CORE_RUNNING)
		return r;
	if (veth) /* the lease first: a full pool or a clash stops the start before anything runs */
		r = net_lease_get(u, &lease, e);
	if (r == 0 && veth)
		r = net_bridge_check(&u->policy.values, e);
	if (r == 0)
		r = image_check(u, e, &image_hold, &image_root);
	if (r < 0)
		return r;
	r = layer_ensure(u, image_hold, image_root, e);
	TEST_PAUSE("layer");
	if (r < 0)
		return r;
	r = cgroup_layout_open(&layout, e);
	if (r < 0)
		return r;
	if (sysinfo(&si) < 0)
		si.totalram = 0, si.mem_unit = 1;
	cgroup_limits_from_policy(&u->policy.values, (uint64_t)si.totalram * si.mem_unit, &lim);
	r = cgroup_user_setup(&layout, u->acct.name, u->acct.uid, u->acct.gid, &lim, e);
	TEST_PAUSE("cgroup");
	if (r == 0)
		r = write_config(u, e);
	TEST_PAUSE("config");
	if (r == 0)
		r = run_child(u, &layout, OP_START, started, sizeof(started), e);
	if (r == 0 && (sscanf(started, "%ld %d", &init_pid, &systemd) != 2 || init_pid <= 0))
		r = core_fail(e, -EIO, "the start step did not say which pid the container's init has");
	if (r == 0 && veth) {
		r = net_attach(u, &layout, (pid_t)init_pid, &lease, e);
		TEST_PAUSE("network");
		if (r < 0) { /* no container without the network its policy gives it */
			struct core_err ignored;
			cgroup_layout_close(&layout);
			(void)stop_locked(u, &ignored);
			return r;
		}
	}
	if (r == 0 && systemd)
		(void)run_child(u, &layout, OP_BOOT_WAIT, NULL, 0, e); /* a slow boot still gets its login */
	if (r < 0 && cgroup_user_populated(&layout, u->acct.name) == 0) {
		struct core_err ignored;
		(void)cgroup_user_remove(&layout, u->acct.name, &ignored);
	}
	cgroup_layout_close(&layout);
	return r;
}

/* RUN/errors/<user>: the last failed start's time and story, for lxloginctl status; gone after a good start. */
static void last_error_record(const char *name, int r, const struct core_err *e)
{
	__do_close int dir = -EBADF;
	struct core_err ignored;
	char text[sizeof(e->msg) + 64], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	dir = run_dir_open("errors", 0700, &ignored);
	if (dir < 0)
		return;
	if (r == 0) {
		(void)unlinkat(dir, name, 0);
		return;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	n = snprintf(text, sizeof(text), "%s %s\n", stamp, e->msg);
	(void)file_write_atomic(dir, name, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1, 0600, 0, 0);
}

int core_last_error(const char *name, char *buf, size_t size)
{
	__do_close int dir = -EBADF;
	__do_free char *text = NULL;
	struct core_err ignored;

	buf[0] = '\0';
	dir = run_dir_open("errors", 0700, &ignored);
	if (dir < 0 || tree_read(dir, name, &text, NULL) < 0)
		return -ENOENT;
	snprintf(buf, size, "%.*s", (int)strcspn(text, "\n"), text);
	return 0;
}

int core_start(const struct core_user *u, struct core_err *e)
{
	int r = start_steps(u, e);

	last_error_record(u->acct.name, r, e);
	if (r == 0)
		core_mark_active(u->acct.name);
	return r;
}

/* Stop the container (its mounts go with its namespace) and remove its cgroup; under the user's lock. */
static int stop_locked(const struct core_user *u, struct core_err *e)
{
	struct cgroup_layout layout = { 0 };
	struct timespec step = { 0, 50 * 1000 * 1000 };
	enum core_state state;
	pid_t init;
	int r;

	r = core_status(u, &state, &init, e);
	if (r == 0 && state == CORE_RUNNING)
		r = run_child(u, NULL, OP_STOP, NULL, 0, e);
	if (r < 0)
		return r;
	r = cgroup_layout_open(&layout, e);
	if (r < 0)
		return r;
	/* The monitor leaves a moment after the container, and the kernel frees an
	 * emptied cgroup a moment after that (EBUSY meanwhile): retry, bounded. */
	for (int i = 0; i < 200; i++) {
		r = cgroup_user_populated(&layout, u->acct.name) > 0 ? -EBUSY
								     : cgroup_user_remove(&layout, u->acct.name, e);
		if (r != -EBUSY)
			break;
		nanosleep(&step, NULL);
	}
	if (r == -EBUSY)
		core_fail(e, r, "the cgroup of %s still has processes after the container stopped", u->acct.name);
	cgroup_layout_close(&layout);
	return r;
}

/* Stop the container and remove its cgroup. The layer stays. */
int core_stop(const struct core_user *u, struct core_err *e)
{
	__do_close int lock = lock_user(u->acct.name, u->policy.values.start_timeout_s, e);

	if (lock < 0)
		return lock;
	return stop_locked(u, e);
}

/*
 * Stop the container if it is still idle once the user's lock is held: no
 * session process, and no session seen for idle_s (a login starting meanwhile
 * marks the user active before it releases the lock). 1 if stopped, 0 if not.
 */
int core_stop_idle(const struct core_user *u, uint32_t idle_s, struct core_err *e)
{
	__do_close int lock = lock_user(u->acct.name, u->policy.values.start_timeout_s, e);
	struct cgroup_layout layout = { 0 };
	struct cgroup_pids *sessions;
	int64_t idle;
	int r;

	if (lock < 0)
		return lock;
	r = cgroup_layout_open(&layout, e);
	if (r < 0)
		return r;
	sessions = malloc(sizeof(*sessions));
	r = sessions ? cgroup_user_pids(&layout, u->acct.name, false, sessions) : -ENOMEM;
	cgroup_layout_close(&layout);
	if (r < 0 || sessions->n > 0) {
		free(sessions);
		return r < 0 ? core_fail(e, r, "sessions of %s: %s", u->acct.name, strerror(-r)) : 0;
	}
	free(sessions);
	idle = core_idle_seconds(u->acct.name);
	if (idle < 0 || idle < (int64_t)idle_s)
		return 0;
	r = stop_locked(u, e);
	return r < 0 ? r : 1;
}

/* Put a session process (the helper's parent: sshd's, or the user's login shell) into the user's cgroup. */
int core_place(const struct core_user *u, pid_t pid, struct core_err *e)
{
	struct cgroup_layout layout = { 0 };
	int r = cgroup_layout_open(&layout, e);

	if (r == 0)
		r = cgroup_user_enter(&layout, u->acct.name, CGROUP_SESSIONS, pid, e);
	cgroup_layout_close(&layout);
	if (r == 0)
		core_mark_active(u->acct.name);
	return r;
}

/*
 * Run argv inside the running container, as the user or as root inside, with
 * the caller's stdio. Like a login: from within the user's cgroup (where
 * attach must start), as the user, with a fixed environment.
 */
int core_exec(const struct core_user *u, bool as_root, char *const argv[], int *ret_status, struct core_err *e)
{
	struct cgroup_layout layout = { 0 };
	enum core_state state;
	int status, r;
	pid_t pid;

	r = core_status(u, &state, &pid, e);
	if (r == 0 && state != CORE_RUNNING)
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
		lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
		lxc_attach_command_t cmd = { argv[0], (char **)argv };
		char lxcpath[512], runtime[512], home[600], user[64], term[128];
		char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin", home, user, term,
				NULL };
		const char *t = getenv("TERM");
		struct lxc_container *c;
		struct core_err ce;
		pid_t apid;

		snprintf(home, sizeof(home), "HOME=%s", as_root ? "/root" : u->acct.home);
		snprintf(user, sizeof(user), "USER=%s", as_root ? "root" : u->acct.name);
		snprintf(term, sizeof(term), "TERM=%s", t && strlen(t) < 64 ? t : "dumb");
		if (cgroup_user_enter(&layout, u->acct.name, CGROUP_SESSIONS, getpid(), &ce) < 0 ||
		    privs_drop_to_user(u->acct.uid, u->acct.gid, &ce) < 0) {
			fprintf(stderr, "lxloginctl: exec: %s\n", ce.msg);
			_exit(125);
		}
		close_range(3, ~0U, 0);
		snprintf(runtime, sizeof(runtime), "%s/user/%s", LXLOGIN_RUN_DIR, u->acct.name);
		lxcpath_of(u->acct.name, lxcpath, sizeof(lxcpath));
		if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0 ||
		    setenv("XDG_RUNTIME_DIR", runtime, 1) < 0 || setenv("HOME", runtime, 1) < 0)
			_exit(125);
		c = lxc_container_new(u->acct.name, lxcpath);
		if (!c || !c->is_running(c)) {
			fprintf(stderr, "lxloginctl: exec: the container of %s is not running\n", u->acct.name);
			_exit(125);
		}
		opts.uid = as_root ? 0 : u->acct.uid;
		opts.gid = as_root ? 0 : u->acct.gid;
		opts.env_policy = LXC_ATTACH_CLEAR_ENV;
		opts.extra_env_vars = env;
		if (c->attach(c, lxc_attach_run_command, &cmd, &opts, &apid) < 0) {
			fprintf(stderr, "lxloginctl: exec: cannot enter the container of %s\n", u->acct.name);
			_exit(125);
		}
		while (waitpid(apid, &status, 0) < 0)
			if (errno != EINTR)
				_exit(125);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	cgroup_layout_close(&layout);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return core_fail(e, -errno, "waitpid: %s", strerror(errno));
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

/*
 * RUN/active/<user>: its mtime is the last time the user was seen with a
 * session (a login, or lxloginctl reap finding one). Idle time counts from it.
 */
void core_mark_active(const char *name)
{
	__do_close int dir = -EBADF, fd = -EBADF;
	struct core_err ignored;

	dir = run_dir_open("active", 0700, &ignored);
	fd = dir < 0 ? -EBADF : openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd >= 0)
		(void)futimens(fd, NULL);
}

/* Seconds since the user was last seen with a session; -1 if never since boot. */
int64_t core_idle_seconds(const char *name)
{
	__do_close int dir = -EBADF;
	struct core_err ignored;
	struct stat st;

	dir = run_dir_open("active", 0700, &ignored);
	if (dir < 0 || fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return (int64_t)time(NULL) - (int64_t)st.st_mtime;
}

/*
 * Start the user over: stop the container, then move their layer (upper,
 * work, image record) to STATE/archive/<user>-<UTC time>, or delete it. Under
 * the user's lock, so no start runs meanwhile; the next start makes a fresh
 * layer on the image the policy gives. archived gets the archive's name.
 */
int core_reset(const struct core_user *u, bool delete, char *archived, size_t size, struct core_err *e)
{
	__do_close int lock = -EBADF, users = -EBADF, archive = -EBADF;
	const char *name = u->acct.name;
	struct tm tm;
	time_t now = time(NULL);
	char stamp[32];
	int r;

	r = core_stop(u, e);
	if (r < 0)
		return r;
	lock = lock_stopped(u, e);
	if (lock < 0)
		return lock;
	users = state_dir_open("users", 0700, e);
	archive = users < 0 ? users : state_dir_open("archive", 0700, e);
	if (archive < 0)
		return archive;
	if (faccessat(users, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return core_fail(e, -ENOENT, "%s has no layer: nothing to reset", name);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	for (int i = 0;; i++) {
		if (i == 0)
			snprintf(archived, size, "%s-%s", name, stamp);
		else
			snprintf(archived, size, "%s-%s.%d", name, stamp, i);
		if (renameat2(users, name, archive, archived, RENAME_NOREPLACE) == 0)
			break;
		if (errno != EEXIST || i == 100)
			return core_fail(e, -errno, "moving the layer of %s to the archive: %s", name, strerror(errno));
	}
	if (!delete)
		return 0;
	r = tree_remove(archive, archived, 512);
	if (r < 0)
		return core_fail(
			e, r,
			"the layer of %s was moved aside but not all deleted (%s): what is left is in %s/archive/%s",
			name, strerror(-r), LXLOGIN_STATE_DIR, archived);
	return 0;
}

/* Forget the user's runtime state (LXC config, runtime dir, activity, last error); the container must be stopped. */
int core_runtime_remove(const struct core_user *u, struct core_err *e)
{
	static const char *const subs[] = { "lxc", "user", "active", "errors" };
	__do_close int lock = lock_stopped(u, e);
	int r;

	if (lock < 0)
		return lock;
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		__do_close int dir = run_dir_open(
			subs[i], strcmp(subs[i], "active") == 0 || strcmp(subs[i], "errors") == 0 ? 0700 : 0711, e);
		if (dir < 0)
			return dir;
		r = tree_remove(dir, u->acct.name, 16);
		if (r < 0)
			return core_fail(e, r, "%s/%s/%s: %s", LXLOGIN_RUN_DIR, subs[i], u->acct.name, strerror(-r));
	}
	return 0;
}
