/* lifecycle.c - the local backend: start, stop and status of a user's liblxc container; every step idempotent, under
 * the user's lock. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"
#include "testhooks.h"

#define STOP_TIMEOUT_S 10 /* for the init's halt signal, as LXC's shutdown waits */

/* Running or not, and the init's pid: from the kernel (running.c), never from liblxc's socket. */
static int local_status(const struct core_user *u, struct core_status *ret, struct core_err *e)
{
	struct cgroup_layout layout = { 0 };
	struct ct_init init;
	int r = cgroup_layout_open(&layout, e);

	*ret = (struct core_status){ CORE_STOPPED, 0, "" };
	if (r < 0)
		return r;
	r = ct_init_find(&layout, u->acct.name, u->acct.uid, &init);
	cgroup_layout_close(&layout);
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return core_fail(e, r, "the container of %s: %s", u->acct.name, strerror(-r));
	ret->state = CORE_RUNNING;
	ret->init = init.pid;
	ct_init_close(&init);
	return 0;
}

/* A small host file of root's (resolv.conf), as text; NULL if none. */
static char *host_file(const char *path)
{
	__do_close int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	__do_free char *text = NULL;
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > 65536)
		return NULL;
	text = malloc((size_t)st.st_size + 1);
	n = text ? read(fd, text, (size_t)st.st_size) : -1;
	if (n < 0)
		return NULL;
	text[n] = '\0';
	return move_ptr(text);
}

/*
 * RUN/lxc/<user>/<user>/resolv.conf, bind-mounted onto the container's
 * /etc/resolv.conf: the host's resolvers it can reach through NAT (for a
 * host on systemd-resolved's loopback stub, resolved's own upstream ones).
 * Owned by the container's root, who may change their copy; rewritten at
 * every start. Returns how many nameservers it holds.
 */
static int resolv_write(const struct core_user *u, int cdir, struct core_err *e)
{
	__do_free char *host = host_file(NET_HOST_RESOLV), *upstream = NULL;
	char text[4096];
	int kept = net_resolv_render(host, text, sizeof(text)), r;

	if (kept == 0 && (upstream = host_file(NET_RESOLVED_UPSTREAM)))
		kept = net_resolv_render(upstream, text, sizeof(text));
	if (kept < 0)
		return core_fail(e, kept, "the container's resolv.conf: %s", strerror(-kept));
	r = file_write_run(cdir, "resolv.conf", text, strlen(text), 0644, u->uids.start, u->gids.start);
	return r < 0 ? core_fail(e, r, "writing the resolv.conf of %s: %s", u->acct.name, strerror(-r)) : kept;
}

/*
 * RUN/lxc/<user>/<user>/limits, bound read-only onto the container's
 * /etc/lxlogin/limits: the limits of this start, for lxlogin-usage inside
 * (the container's cgroup namespace hides the cgroup that holds them).
 * Root's; numbers only, "max" for none: at most some 600 bytes.
 */
static int limits_write(const struct core_user *u, const struct cgroup_limits *lim, bool disk_enforced, int cdir,
			struct core_err *e)
{
	const struct policy_limit *disk = &u->policy.values.disk, *inodes = &u->policy.values.inodes;
	bool quota_off = u->policy.values.quota == POLICY_QUOTA_OFF;
	const uint64_t v[] = {
		lim->memory,
		lim->swap,
		lim->pids,
		lim->cpu_quota_us,
		lim->cpu_period_us,
		u->policy.values.idle_stop_s == POLICY_NEVER ? CGROUP_UNLIMITED : u->policy.values.idle_stop_s,
		disk->kind == POLICY_LIMIT_ABSOLUTE && !quota_off ? disk->value : CGROUP_UNLIMITED,
		inodes->kind == POLICY_LIMIT_ABSOLUTE && !quota_off ? inodes->value : CGROUP_UNLIMITED,
	};
	static const char *const key[] = { "memory",	    "swap",	   "pids", "cpu_quota_us",
					   "cpu_period_us", "idle_stop_s", "disk", "inodes" };
	char text[1024];
	size_t n = (size_t)snprintf(text, sizeof(text), "# lxlogin: this container's limits, set at its start\n");
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		n += (size_t)(v[i] == CGROUP_UNLIMITED
				      ? snprintf(text + n, sizeof(text) - n, "%s max\n", key[i])
				      : snprintf(text + n, sizeof(text) - n, "%s %" PRIu64 "\n", key[i], v[i]));
	n += (size_t)snprintf(text + n, sizeof(text) - n, "cpus_list %s\ndisk_enforced %s\n",
			      lim->cpus[0] ? lim->cpus : "all", disk_enforced ? "yes" : "no");
	r = file_write_run(cdir, "limits", text, strlen(text), 0644, 0, 0);
	return r < 0 ? core_fail(e, r, "writing the limits file of %s: %s", u->acct.name, strerror(-r)) : 0;
}

/* RUN/lxc/<user>/<user>/{config,seccomp,limits} (root's, readable), RUN/user/<user> (the user's). */
static int write_config(const struct core_user *u, const struct cgroup_layout *layout, const struct cgroup_limits *lim,
			bool disk_enforced, struct core_err *e)
{
	struct lxcconf_bind ro[3 + CGROUP_COUNTERS_MAX];
	struct cgroup_counters counters;
	char inside[CGROUP_COUNTERS_MAX][64];
	size_t n_ro = 0;
	__do_close int lxc = -EBADF, mine = -EBADF, cdir = -EBADF, users = -EBADF, rt = -EBADF;
	__do_free char *text = NULL;
	char rootfs[512], seccomp[512], log[600], shown[512], profile[512], resolv[512] = "", limits[512];
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
	if (u->policy.values.network == POLICY_NETWORK_VETH) {
		r = resolv_write(u, cdir, e);
		if (r < 0)
			return r;
		snprintf(resolv, sizeof(resolv), "%s/lxc/%s/%s/resolv.conf", LXLOGIN_RUN_DIR, name, name);
	}
	r = limits_write(u, lim, disk_enforced, cdir, e);
	if (r < 0)
		return r;
	snprintf(limits, sizeof(limits), "%s/lxc/%s/%s/limits", LXLOGIN_RUN_DIR, name, name);
	/* lxlogin-usage and lxlogin-sshd inside, the limits of this start, and the counters they are measured against
	 */
	ro[n_ro++] = (struct lxcconf_bind){ LXLOGIN_LIBEXEC_DIR "/lxlogin-usage", LXCCONF_USAGE_INSIDE };
	ro[n_ro++] = (struct lxcconf_bind){ LXLOGIN_LIBEXEC_DIR "/lxlogin-sshd", LXCCONF_SSHD_INSIDE };
	ro[n_ro++] = (struct lxcconf_bind){ limits, LXCCONF_LIMITS_INSIDE };
	cgroup_user_counters(layout, name, &counters);
	for (size_t i = 0; i < counters.n; i++) {
		snprintf(inside[i], sizeof(inside[i]), "%s/%s", LXCCONF_COUNTERS_INSIDE, counters.name[i]);
		ro[n_ro++] = (struct lxcconf_bind){ counters.path[i], inside[i] };
	}
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
				  lxcconf_apparmor_missing(),
				  resolv[0] ? resolv : NULL,
				  cgroup_v1_has(layout, "cpuset") ? lim->cpus : NULL,
				  ro,
				  n_ro };
	r = lxcconf_render(&in, &text);
	if (r < 0)
		return core_fail(e, r, "cannot render the LXC config of %s (home %s must be a plain absolute path)",
				 name, u->acct.home);
	r = seccomp_profile_text(profile, sizeof(profile));
	if (r == 0)
		r = file_write_run(cdir, "seccomp", profile, strlen(profile), 0644, 0, 0);
	if (r == 0)
		r = file_write_run(cdir, "config", text, strlen(text), 0644, 0, 0);
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
	bool veth = u->policy.values.network == POLICY_NETWORK_VETH, systemd = false;
	int disk_enforced = 0;
	struct cgroup_layout layout = { 0 };
	struct net_lease lease = { 0 };
	struct ct_init init = { 0, -EBADF };
	struct cgroup_limits lim;
	struct sysinfo si;
	int r;

	lock = core_lock(u->acct.name, u->policy.values.start_timeout_s, e);
	if (lock < 0)
		return lock;
	TEST_PAUSE("locked");
	r = cgroup_layout_open(&layout, e);
	if (r < 0)
		return r;
	r = ct_init_find(&layout, u->acct.name, u->acct.uid, &init);
	if (r == 0) {
		/* running: repair a start that died before its network was up, with the lease it
		 * started with (a changed policy takes effect at the next start) */
		if (veth && net_lease_find(u->acct.name, &lease, e) == 0)
			r = net_attach(u, &init, &lease, e);
		goto out;
	}
	if (r != -ESRCH) {
		r = core_fail(e, r, "the container of %s: %s", u->acct.name, strerror(-r));
		goto out;
	}
	r = 0;
	if (veth) /* the lease first: a full pool or a clash stops the start before anything runs */
		r = net_lease_get(u, &lease, e);
	if (r == 0 && veth)
		r = net_bridge_check(&u->policy.values, e);
	if (r == 0)
		r = image_check(u, e, &image_hold, &image_root);
	if (r == 0)
		r = disk_enforced = layer_ensure(u, image_hold, image_root, e);
	TEST_PAUSE("layer");
	if (r < 0)
		goto out;
	if (sysinfo(&si) < 0)
		si.totalram = 0, si.mem_unit = 1;
	cgroup_limits_from_policy(&u->policy.values, (uint64_t)si.totalram * si.mem_unit, &lim);
	cgroup_cpus_choose(&layout, (unsigned)u->acct.uid, &lim);
	r = cgroup_user_setup(&layout, u->acct.name, u->acct.uid, u->acct.gid, &lim, e);
	TEST_PAUSE("cgroup");
	if (r == 0)
		r = write_config(u, &layout, &lim, disk_enforced > 0, e);
	TEST_PAUSE("config");
	if (r == 0)
		r = asuser_start(u, &layout, &systemd, e);
	/* which process is the container's init, the kernel says: not the user-side child */
	if (r == 0 && ct_init_find(&layout, u->acct.name, u->acct.uid, &init) < 0)
		r = core_fail(e, -EIO, "the container of %s started, but no init of it is in its cgroup", u->acct.name);
	if (r == 0)
		cgroup_payload_cpu(&layout, u->acct.name, &lim);
	if (r == 0 && veth) {
		r = net_attach(u, &init, &lease, e);
		TEST_PAUSE("network");
		if (r < 0) { /* no container without the network its policy gives it */
			struct core_err ignored;
			(void)stop_locked(u, &ignored);
			goto out;
		}
	}
	if (r == 0 && systemd)
		asuser_boot_wait(u, &layout);
	if (r < 0 && cgroup_user_populated(&layout, u->acct.name) == 0) {
		struct core_err ignored;
		(void)cgroup_user_remove(&layout, u->acct.name, &ignored);
	}
out:
	ct_init_close(&init);
	cgroup_layout_close(&layout);
	return r;
}

/*
 * Stop the container (its mounts go with its namespaces) and remove its
 * cgroup; under the user's lock. The halt goes to the init found in the
 * user's cgroup, by pidfd: it works whatever liblxc's monitor does, or when
 * it is gone.
 */
static int stop_locked(const struct core_user *u, struct core_err *e)
{
	struct cgroup_layout layout = { 0 };
	struct timespec step = { 0, 50 * 1000 * 1000 };
	struct ct_init init;
	int r;

	r = cgroup_layout_open(&layout, e);
	if (r < 0)
		return r;
	r = ct_init_find(&layout, u->acct.name, u->acct.uid, &init);
	if (r == 0) {
		r = ct_halt(&init, STOP_TIMEOUT_S, e);
		ct_init_close(&init);
	} else if (r == -ESRCH) {
		r = 0;
	} else {
		r = core_fail(e, r, "the container of %s: %s", u->acct.name, strerror(-r));
	}
	/* The kernel frees an emptied cgroup a moment after its last process
	 * left (EBUSY meanwhile): retry, bounded (30 s: a slow machine's monitor). */
	for (int i = 0; i < 600 && (r == 0 || r == -EBUSY); i++) {
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
static int local_stop(const struct core_user *u, struct core_err *e)
{
	__do_close int lock = core_lock(u->acct.name, u->policy.values.start_timeout_s, e);

	if (lock < 0)
		return lock;
	return stop_locked(u, e);
}

/*
 * Stop the container if it is still idle once the user's lock is held: no
 * session process, and no session seen for idle_s (a login starting meanwhile
 * marks the user active before it releases the lock). 1 if stopped, 0 if not.
 */
static int local_stop_idle(const struct core_user *u, uint32_t idle_s, struct core_err *e)
{
	__do_close int lock = core_lock(u->acct.name, u->policy.values.start_timeout_s, e);
	struct cgroup_layout layout = { 0 };
	size_t sessions, procs;
	int64_t idle;
	int r;

	if (lock < 0)
		return lock;
	r = cgroup_layout_open(&layout, e);
	if (r < 0)
		return r;
	r = cgroup_user_sessions(&layout, u->acct.name, &sessions, &procs);
	cgroup_layout_close(&layout);
	if (r < 0)
		return core_fail(e, r, "sessions of %s: %s", u->acct.name, strerror(-r));
	if (sessions > 0)
		return 0;
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
	int r;

	if (u->policy.values.backend != POLICY_BACKEND_LOCAL) { /* the session runs elsewhere */
		core_mark_active(u->acct.name);
		return 0;
	}
	r = cgroup_layout_open(&layout, e);

	if (r == 0)
		r = cgroup_user_enter(&layout, u->acct.name, CGROUP_SESSIONS, pid, e);
	cgroup_layout_close(&layout);
	if (r == 0)
		core_mark_active(u->acct.name);
	return r;
}

/*
 * Start the user over: stop the container, then move their layer (upper,
 * work, image record) to STATE/archive/<user>-<UTC time>, or delete it. Under
 * the user's lock, so no start runs meanwhile; the next start makes a fresh
 * layer on the image the policy gives. archived gets the archive's name.
 * Either way the user's disk quota (the layer's project) is left empty.
 */
static int local_reset(const struct core_user *u, bool delete, char *archived, size_t size, struct core_err *e)
{
	__do_close int lock = -EBADF, users = -EBADF, archive = -EBADF, moved = -EBADF;
	const char *name = u->acct.name;
	uint32_t projid = 0;
	bool tagged, inherit;
	struct tm tm;
	time_t now = time(NULL);
	char stamp[32];
	int r;

	r = local_stop(u, e);
	if (r < 0)
		return r;
	lock = core_lock_stopped(u, e);
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
	moved = openat(archive, archived, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	tagged = moved >= 0 && quota_tag_get(moved, &projid, &inherit) == 0 && projid != 0 && projid == u->uids.start;
	/* an archive keeps the files, not the quota: out of the user's project, which is left empty */
	r = tagged && !delete ? quota_tree_retag(moved, 0) : 0;
	if (r < 0)
		return core_fail(e, r,
				 "the layer of %s was archived in %s/archive/%s but is still counted in its "
				 "project %u: %s",
				 name, LXLOGIN_STATE_DIR, archived, projid, strerror(-r));
	if (moved >= 0) /* an open directory of the project would stay counted in it */
		close(moved);
	moved = -EBADF;
	r = delete ? tree_remove(archive, archived, 512) : 0;
	if (r < 0)
		return core_fail(
			e, r,
			"the layer of %s was moved aside but not all deleted (%s): what is left is in %s/archive/%s",
			name, strerror(-r), LXLOGIN_STATE_DIR, archived);
	return tagged ? quota_release(archive, projid, e) : 0;
}

const struct core_backend core_backend_local = {
	.name = "local",
	.start = start_steps,
	.stop = local_stop,
	.stop_idle = local_stop_idle,
	.status = local_status,
	.reset = local_reset,
};
