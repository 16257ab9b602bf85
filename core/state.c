/* state.c - what lxlogin keeps of a user, whatever the backend: subordinate ranges, lock, activity, last error, runtime
 * files. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"

/*
 * Everything a start needs: who the user is (core_user_resolve), and the
 * subordinate ranges the local backend maps (an LXD instance gets its own
 * from LXD).
 */
int core_user_load(const char *name, struct core_user *u, struct core_err *e)
{
	int r = core_user_resolve(name, u, e);

	if (r < 0 || u->policy.values.backend != POLICY_BACKEND_LOCAL)
		return r;
	return subid_user_ranges(name, u->acct.uid, u->acct.gid, &u->uids, &u->gids, e);
}

/*
 * The same for what an admin must always be able to do to a container
 * lxlogin made (stop, destroy, reset, status, exec), whatever the policy says
 * now: the account from NSS, or from the layer's record when it was deleted;
 * the policy's values if it still contains the user, else the defaults; the
 * ranges, or the layer's record of them. Never used to start a container.
 */
int core_user_load_admin(const char *name, struct core_user *u, struct core_err *e)
{
	struct layer_account rec;
	bool have_rec = policy_name_valid(name) && layer_account_read(name, &rec) == 0;
	int r = core_user_account(name, have_rec ? &rec : NULL, u, e);

	if (r < 0)
		return r;
	if (u->policy.verdict != POLICY_CONTAINED) { /* the defaults, on the site's backend */
		struct policy_values site;
		core_site_values(&site);
		policy_values_default(&u->policy.values);
		u->policy.values.backend = site.backend;
		memcpy(u->policy.values.lxd_socket, site.lxd_socket, sizeof(site.lxd_socket));
		memcpy(u->policy.values.lxd_project, site.lxd_project, sizeof(site.lxd_project));
	}
	if (subid_user_ranges(name, u->acct.uid, u->acct.gid, &u->uids, &u->gids, e) < 0 && have_rec) {
		u->uids = rec.uids;
		u->gids = rec.gids;
	}
	if (policy_hostname(u->policy.values.hostname, name, u->hostname, sizeof(u->hostname)) < 0)
		snprintf(u->hostname, sizeof(u->hostname), "container");
	return 0;
}

/*
 * RUN/lock/<user>.lock, held with flock for the whole operation; waits up to
 * timeout_s. A lock file unlinked while we waited (lxloginctl doctor removes
 * unheld ones) is not the lock any more: open the new one.
 */
int core_lock(const char *name, uint32_t timeout_s, struct core_err *e)
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
int core_lock_stopped(const struct core_user *u, struct core_err *e)
{
	__do_close int lock = core_lock(u->acct.name, u->policy.values.start_timeout_s, e);
	struct core_status st;
	int r;

	if (lock < 0)
		return lock;
	r = core_status(u, &st, e);
	if (r < 0)
		return r;
	if (st.state == CORE_RUNNING)
		return core_fail(e, -EBUSY, "the container of %s runs (it was started again meanwhile?)", u->acct.name);
	return move_fd(lock);
}

/* The user's lock if nobody holds it now (for lxloginctl doctor), else -EWOULDBLOCK. */
int core_lock_try(const char *name)
{
	struct core_err ignored;

	return core_lock(name, 0, &ignored);
}
/* RUN/errors/<user>: the last failed start's time and story, for lxloginctl status; gone after a good start. */
void core_last_error_record(const char *name, int r, const struct core_err *e)
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
	(void)file_write_run(dir, name, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1, 0600, 0, 0);
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
 * Forget the user's runtime state (LXC config, runtime dir, rootfs mount
 * point, activity, last error, and last the lock file, unlinked while held:
 * a waiter opens the new one); the container must be stopped.
 */
int core_runtime_remove(const struct core_user *u, struct core_err *e)
{
	static const struct {
		const char *sub;
		mode_t mode;
	} subs[] = { { "lxc", 0711 }, { "user", 0711 }, { "rootfs", 0711 }, { "active", 0700 }, { "errors", 0700 } };
	__do_close int lock = core_lock_stopped(u, e), locks = -EBADF;
	char file[POLICY_NAME_MAX + 8];
	int r;

	if (lock < 0)
		return lock;
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		__do_close int dir = run_dir_open(subs[i].sub, subs[i].mode, e);
		if (dir < 0)
			return dir;
		r = tree_remove(dir, u->acct.name, 16);
		if (r < 0)
			return core_fail(e, r, "%s/%s/%s: %s", LXLOGIN_RUN_DIR, subs[i].sub, u->acct.name,
					 strerror(-r));
	}
	locks = run_dir_open("lock", 0700, e);
	if (locks < 0)
		return locks;
	snprintf(file, sizeof(file), "%s.lock", u->acct.name);
	if (unlinkat(locks, file, 0) < 0 && errno != ENOENT)
		return core_fail(e, -errno, "%s/lock/%s: %s", LXLOGIN_RUN_DIR, file, strerror(errno));
	return 0;
}
