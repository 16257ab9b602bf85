/*
 * cgdelegate.c - making each user's cgroup, as root: the policy's limits
 * first, then the delegation of membership files only. Made here under
 * lxlogin's parent, or, on a systemd host with pure cgroup v2, a scope
 * systemd makes for us (cgsystemd.c). And removing it again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgname.h"
#include "cleanup.h"
#include "config.h"
#include "core.h"

int cgroup_limits_from_policy(const struct policy_values *v, uint64_t host_memory, struct cgroup_limits *ret)
{
	const struct policy_limit *lims[] = { &v->memory, &v->swap };
	uint64_t *outs[] = { &ret->memory, &ret->swap };

	for (size_t i = 0; i < 2; i++) {
		if (lims[i]->kind == POLICY_LIMIT_UNLIMITED)
			*outs[i] = CGROUP_UNLIMITED;
		else if (lims[i]->kind == POLICY_LIMIT_PERCENT)
			*outs[i] = host_memory / 100 * lims[i]->value + host_memory % 100 * lims[i]->value / 100;
		else
			*outs[i] = lims[i]->value;
	}
	ret->cpu_period_us = 100000;
	ret->cpu_quota_us = v->cpus.kind == POLICY_LIMIT_UNLIMITED ? CGROUP_UNLIMITED : v->cpus.value * 100;
	ret->cpu_weight = v->cpu_weight;
	ret->pids = v->pids.kind == POLICY_LIMIT_UNLIMITED ? CGROUP_UNLIMITED : v->pids.value;
	ret->io_weight = v->io_weight;
	ret->cpus[0] = '\0';
	return 0;
}

/* A kernel cpu list ("0-3,8\n") as the ascending CPUs it names; their count, or -EINVAL. */
static int cpus_parse(const char *list, uint16_t *cpu)
{
	const char *p = list;
	int n = 0;

	while (*p && *p != '\n') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p || a >= CGROUP_CPUS_MAX)
			return -EINVAL;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a || b >= CGROUP_CPUS_MAX)
				return -EINVAL;
		}
		for (unsigned long c = a; c <= b; c++) {
			if (n > 0 && c <= cpu[n - 1])
				return -EINVAL;
			cpu[n++] = (uint16_t)c;
		}
		p = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\n' && *end != '\0')
			return -EINVAL;
	}
	return n;
}

/*
 * The CPUs a user's container runs on: as many of avail (the parent's, a
 * kernel cpu list) as its quota rounds up to, from the spread-th on and
 * wrapping, so that users land on different ones; "" when that is all of
 * them. The quota stays the limit; this is what nproc, sched_getaffinity and
 * lxcfs's /proc/cpuinfo count inside (cpus = 1.5 shows 2).
 */
int cgroup_cpus_pick(const char *avail, unsigned spread, struct cgroup_limits *lim)
{
	uint16_t cpu[CGROUP_CPUS_MAX];
	bool chosen[CGROUP_CPUS_MAX] = { false };
	uint64_t want;
	size_t len = 0;
	int n = cpus_parse(avail, cpu);

	lim->cpus[0] = '\0';
	if (n < 0)
		return n;
	if (lim->cpu_quota_us == CGROUP_UNLIMITED || lim->cpu_period_us == 0)
		return 0;
	want = (lim->cpu_quota_us + lim->cpu_period_us - 1) / lim->cpu_period_us;
	if (want >= (uint64_t)n)
		return 0;
	for (uint64_t i = 0; i < (want ? want : 1); i++)
		chosen[cpu[(spread + i) % (unsigned)n]] = true;
	for (unsigned c = 0; c < CGROUP_CPUS_MAX; c++) {
		unsigned last = c;
		int w;

		if (!chosen[c])
			continue;
		while (last + 1 < CGROUP_CPUS_MAX && chosen[last + 1])
			last++;
		w = last > c ? snprintf(lim->cpus + len, sizeof(lim->cpus) - len, "%s%u-%u", len ? "," : "", c, last)
			     : snprintf(lim->cpus + len, sizeof(lim->cpus) - len, "%s%u", len ? "," : "", c);
		if (w < 0 || (size_t)w >= sizeof(lim->cpus) - len) {
			lim->cpus[0] = '\0';
			return -ENOSPC;
		}
		len += (size_t)w;
		c = last;
	}
	return 0;
}

/* A cpu list as a bitmask, CPU c at bit c % 8 of byte c / 8 (systemd's AllowedCPUs); bytes used, or -errno. */
int cgroup_cpus_mask(const char *list, uint8_t *mask, size_t size)
{
	uint16_t cpu[CGROUP_CPUS_MAX];
	int n = cpus_parse(list, cpu);
	size_t used = 0;

	if (n < 0)
		return n;
	memset(mask, 0, size);
	for (int i = 0; i < n; i++) {
		if ((size_t)cpu[i] / 8 >= size)
			return -ENOSPC;
		mask[cpu[i] / 8] |= (uint8_t)(1u << (cpu[i] % 8));
		used = (size_t)cpu[i] / 8 + 1;
	}
	return (int)used;
}

/* The pick from the CPUs of the hierarchy's root (v1 cpuset, or v2's effective set); best effort. */
void cgroup_cpus_choose(const struct cgroup_layout *l, unsigned spread, struct cgroup_limits *lim)
{
	lim->cpus[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		const struct cgroup_hier *h = &l->h[i];
		__do_close int fd = -EBADF;
		char avail[4096];
		ssize_t n;

		if (!h->v2 && !cgroup_hier_has(h, "cpuset"))
			continue;
		fd = openat(h->fd, h->v2 ? "cpuset.cpus.effective" : "cpuset.cpus", O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, avail, sizeof(avail) - 1);
		if (n <= 0)
			continue;
		avail[n] = '\0';
		(void)cgroup_cpus_pick(avail, spread, lim);
		return;
	}
}

static int put_u64(int dfd, const char *file, uint64_t v, const char *unlimited, bool optional, const char *user,
		   struct core_err *e)
{
	char buf[32];

	if (v == CGROUP_UNLIMITED)
		snprintf(buf, sizeof(buf), "%s", unlimited);
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cgroup_put(dfd, file, buf, optional, user, e);
}

/* Copy a v1 cpuset file from parent into a new child (an empty cpuset refuses tasks). */
static int cpuset_inherit(int parent, int child, const char *file, const char *user, struct core_err *e)
{
	__do_close int fd = openat(parent, file, O_RDONLY | O_CLOEXEC);
	char buf[4096];
	ssize_t n;

	if (fd < 0)
		return core_fail(e, -errno, "cpuset %s: %s", file, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return core_fail(e, -errno, "cpuset %s: %s", file, strerror(errno));
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return cgroup_put(child, file, buf[0] ? buf : "\n", false, user, e);
}

/*
 * v2 without systemd: the picked CPUs on the user's cgroup, best effort (a
 * write the kernel refuses leaves the parent's; the quota limits it either
 * way). v1 sets them on the container's own cgroup (lxcconf), systemd as
 * the scope's AllowedCPUs.
 */
static void cpus_confine(int dfd, const char *user, const struct cgroup_limits *lim)
{
	struct core_err ignored;

	if (lim->cpus[0])
		(void)cgroup_put(dfd, "cpuset.cpus", lim->cpus, true, user, &ignored);
}

static int limits_v1(const struct cgroup_hier *h, int dfd, const struct cgroup_limits *lim, bool fresh,
		     const char *user, struct core_err *e)
{
	static const char *const devices_allowed[] = {
		"c 1:3 rwm",	/* null */
		"c 1:5 rwm",	/* zero */
		"c 1:7 rwm",	/* full */
		"c 1:8 rwm",	/* random */
		"c 1:9 rwm",	/* urandom */
		"c 5:0 rwm",	/* tty */
		"c 5:1 rwm",	/* console */
		"c 5:2 rwm",	/* ptmx */
		"c 136:* rwm",	/* pts */
		"c 10:229 rwm", /* fuse */
		NULL,
	};
	int r = 0;

	if (cgroup_hier_has(h, "memory")) {
		uint64_t memsw = lim->memory == CGROUP_UNLIMITED || lim->swap == CGROUP_UNLIMITED
					 ? CGROUP_UNLIMITED
					 : lim->memory + lim->swap;
		/* memsw must stay >= the memory limit at every write: lift it, set memory, then set it */
		r = cgroup_put(dfd, "memory.memsw.limit_in_bytes", "-1", true, user, e);
		if (!r)
			r = put_u64(dfd, "memory.limit_in_bytes", lim->memory, "-1", false, user, e);
		if (!r)
			r = put_u64(dfd, "memory.memsw.limit_in_bytes", memsw, "-1", true, user, e);
	}
	if (!r && cgroup_hier_has(h, "cpu")) {
		uint64_t shares = (uint64_t)lim->cpu_weight * 1024 / 100;
		r = put_u64(dfd, "cpu.cfs_period_us", lim->cpu_period_us, "", false, user, e);
		if (!r)
			r = put_u64(dfd, "cpu.cfs_quota_us", lim->cpu_quota_us, "-1", false, user, e);
		if (!r)
			r = put_u64(dfd, "cpu.shares", shares < 2 ? 2 : shares, "", false, user, e);
	}
	if (!r && cgroup_hier_has(h, "pids"))
		r = put_u64(dfd, "pids.max", lim->pids, "max", false, user, e);
	if (!r && cgroup_hier_has(h, "blkio")) {
		uint64_t w = lim->io_weight / 10 < 10 ? 10 : lim->io_weight / 10;
		r = put_u64(dfd, "blkio.weight", w, "", true, user, e);
		if (!r)
			r = put_u64(dfd, "blkio.bfq.weight", w, "", true, user, e);
	}
	/* Devices: deny all, allow the few a container needs. Only on a fresh or
	 * empty cgroup: a deny-then-allow would briefly cut a running container off. */
	if (!r && cgroup_hier_has(h, "devices") && fresh) {
		r = cgroup_put(dfd, "devices.deny", "a", false, user, e);
		for (size_t i = 0; !r && devices_allowed[i]; i++)
			r = cgroup_put(dfd, "devices.allow", devices_allowed[i], false, user, e);
	}
	return r;
}

static int limits_v2(int dfd, const struct cgroup_limits *lim, const char *user, struct core_err *e)
{
	char buf[64];
	int r;

	r = put_u64(dfd, "memory.max", lim->memory, "max", true, user, e);
	if (!r)
		r = put_u64(dfd, "memory.swap.max", lim->swap, "max", true, user, e);
	if (!r) {
		if (lim->cpu_quota_us == CGROUP_UNLIMITED)
			snprintf(buf, sizeof(buf), "max %" PRIu64, lim->cpu_period_us);
		else
			snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, lim->cpu_quota_us, lim->cpu_period_us);
		r = cgroup_put(dfd, "cpu.max", buf, true, user, e);
	}
	if (!r)
		r = put_u64(dfd, "cpu.weight", lim->cpu_weight, "", true, user, e);
	if (!r)
		r = put_u64(dfd, "pids.max", lim->pids, "max", true, user, e);
	if (!r) {
		snprintf(buf, sizeof(buf), "default %" PRIu32, lim->io_weight);
		r = cgroup_put(dfd, "io.weight", buf, true, user, e);
	}
	if (!r)
		cpus_confine(dfd, user, lim);
	return r;
}

/*
 * The container's own cgroup (LXC's payload, below the user's) gets the
 * user's CPU quota too: lxcfs shows inside as many CPUs as the quota of the
 * container's cgroup allows, and reads no parent's. The user's cgroup keeps
 * the limit that counts (the user owns the payload, and a child's quota
 * never lifts its parent's). Best effort: without it, only the view differs.
 */
void cgroup_payload_cpu(const struct cgroup_layout *l, const char *user, const struct cgroup_limits *lim)
{
	struct core_err ignored;
	char path[600], max[64];

	if (lim->cpu_quota_us == CGROUP_UNLIMITED)
		return;
	snprintf(max, sizeof(max), "%" PRIu64 " %" PRIu64, lim->cpu_quota_us, lim->cpu_period_us);
	for (size_t i = 0; i < l->n; i++) {
		const struct cgroup_hier *h = &l->h[i];
		__do_close int dfd = -EBADF;

		if ((!h->v2 && !cgroup_hier_has(h, "cpu")) || cgroup_payload_path(l, h, user, path, sizeof(path)) < 0)
			continue;
		dfd = openat(h->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			continue;
		if (h->v2)
			(void)cgroup_put(dfd, "cpu.max", max, true, user, &ignored);
		else if (put_u64(dfd, "cpu.cfs_period_us", lim->cpu_period_us, "", true, user, &ignored) == 0)
			(void)put_u64(dfd, "cpu.cfs_quota_us", lim->cpu_quota_us, "-1", true, user, &ignored);
	}
}

/* v2: let lxlogin's children use every controller the parent offers that limits need. */
static int v2_enable_controllers(int base, const char *user, struct core_err *e)
{
	static const char *const wanted[] = { "cpu", "cpuset", "memory", "pids", "io", NULL };
	__do_close int fd = openat(base, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
	char have[512] = "", word[16];
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, have, sizeof(have) - 1);
	have[n > 0 ? n : 0] = '\0';
	for (size_t i = 0; wanted[i]; i++) {
		if (!cgroup_word_in(have, wanted[i]))
			continue;
		snprintf(word, sizeof(word), "+%s", wanted[i]);
		if (cgroup_put(base, "cgroup.subtree_control", word, false, user, e) < 0)
			return -EIO;
	}
	return 0;
}

/*
 * The files a delegation hands over; limit files are never among them (nor
 * release_agent). On v2 the user's cgroup gives only membership (attach
 * moves a session's process into the container through it); its container
 * child gets what LXC needs to build the container's cgroups below it.
 */
static const char *const delegated_v1[] = { "cgroup.procs", "tasks", NULL };
static const char *const delegated_v2[] = { "cgroup.procs", "cgroup.threads", NULL };
static const char *const delegated_v2_container[] = { "cgroup.procs",	  "cgroup.threads", "cgroup.subtree_control",
						      "memory.oom.group", "memory.reclaim", NULL };

static int delegate(int dfd, uid_t uid, gid_t gid, const char *const *files, const char *shown, struct core_err *e)
{
	if (fchown(dfd, uid, gid) < 0)
		return core_fail(e, -errno, "%s: chown: %s", shown, strerror(errno));
	for (const char *const *f = files; *f; f++)
		if (fchownat(dfd, *f, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
			return core_fail(e, -errno, "%s/%s: chown: %s", shown, *f, strerror(errno));
	return 0;
}

/* v2: the sessions leaf (root's: only root places sessions) and the container child (the user's). */
static int v2_leaves(int dfd, uid_t uid, gid_t gid, const char *shown, struct core_err *e)
{
	__do_close int container = -EBADF;

	if (mkdirat(dfd, CGNAME_SESSIONS, 0755) < 0 && errno != EEXIST)
		return core_fail(e, -errno, "%s/%s: mkdir: %s", shown, CGNAME_SESSIONS, strerror(errno));
	if (mkdirat(dfd, CGNAME_CONTAINER, 0755) < 0 && errno != EEXIST)
		return core_fail(e, -errno, "%s/%s: mkdir: %s", shown, CGNAME_CONTAINER, strerror(errno));
	container = openat(dfd, CGNAME_CONTAINER, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (container < 0)
		return core_fail(e, -errno, "%s/%s: %s", shown, CGNAME_CONTAINER, strerror(errno));
	return delegate(container, uid, gid, delegated_v2_container, shown, e);
}

/*
 * systemd: the scope with the limits as its properties, started with the
 * calling process in it, which then steps down into the sessions leaf (it
 * is a helper under the user's lock, and leaves soon); the scope's own
 * cgroup is then delegated as the raw one is.
 */
static int setup_systemd(const struct cgroup_layout *l, const char *user, uid_t uid, gid_t gid,
			 const struct cgroup_limits *lim, bool running, struct core_err *e)
{
	const struct cgroup_hier *h = &l->h[0];
	__do_close int dfd = -EBADF;
	char path[512], shown[800];
	int r;

	r = cgsystemd_scope_ensure(user, running, getpid(), lim, e);
	if (r < 0)
		return r;
	if (cgroup_user_path(l, user, NULL, path, sizeof(path)) < 0)
		return core_fail(e, -ENAMETOOLONG, "cgroup of %s: name too long", user);
	snprintf(shown, sizeof(shown), "%s/%s", h->mnt, path);
	dfd = openat(h->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return core_fail(e, -errno, "%s: %s", shown, strerror(errno));
	r = delegate(dfd, uid, gid, delegated_v2, shown, e);
	if (r == 0)
		r = v2_leaves(dfd, uid, gid, shown, e);
	if (r == 0 && !running)
		r = cgroup_user_enter(l, user, CGROUP_SESSIONS, getpid(), e);
	return r;
}

/*
 * In every hierarchy: <mnt>/<LXLOGIN_CGROUP_NAME>/<user>, made by root; the
 * policy's limits written by root while no user pid can be inside (the
 * directory is still root's on first creation, and limits are rewritten on
 * every start, so a delegated cgroup is never without limits); then the
 * directory and only the delegation files are chowned to the user.
 */
int cgroup_user_setup(const struct cgroup_layout *l, const char *user, uid_t uid, gid_t gid,
		      const struct cgroup_limits *lim, struct core_err *e)
{
	int busy = cgroup_user_populated(l, user);

	if (busy < 0)
		return core_fail(e, busy, "cgroup of %s: %s", user, strerror(-busy));
	/* A leftover without processes (a crash, a reboot of lxlogin's state) is
	 * removed and made anew: nothing of a half-made cgroup is reused. */
	if (busy == 0 && cgroup_user_remove(l, user, e) < 0)
		return -EBUSY;
	if (l->systemd)
		return setup_systemd(l, user, uid, gid, lim, busy > 0, e);
	for (size_t i = 0; i < l->n; i++) {
		const struct cgroup_hier *h = &l->h[i];
		__do_close int base = -EBADF, dfd = -EBADF;
		char shown[512];
		struct stat st;
		bool fresh;
		int r;

		snprintf(shown, sizeof(shown), "%s/%s", h->mnt, LXLOGIN_CGROUP_NAME);
		base = dir_ensure(h->fd, LXLOGIN_CGROUP_NAME, 0755, 0, 0, shown, e);
		if (base < 0)
			return base;
		base = openat(h->fd, LXLOGIN_CGROUP_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (base < 0)
			return core_fail(e, -errno, "%s: %s", shown, strerror(errno));
		if (cgroup_hier_has(h, "cpuset") && (cpuset_inherit(h->fd, base, "cpuset.cpus", user, e) < 0 ||
						     cpuset_inherit(h->fd, base, "cpuset.mems", user, e) < 0))
			return -EIO;
		if (h->v2 && v2_enable_controllers(base, user, e) < 0)
			return -EIO;

		snprintf(shown, sizeof(shown), "%s/%s/%s", h->mnt, LXLOGIN_CGROUP_NAME, user);
		fresh = mkdirat(base, user, 0755) == 0;
		if (!fresh && errno != EEXIST)
			return core_fail(e, -errno, "%s: mkdir: %s", shown, strerror(errno));
		dfd = openat(base, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0 || fstat(dfd, &st) < 0)
			return core_fail(e, -errno, "%s: %s", shown, strerror(errno));
		if (st.st_uid != 0 && st.st_uid != uid)
			return core_fail(e, -EPERM, "%s: owned by uid %u (refused)", shown, (unsigned)st.st_uid);
		if (cgroup_hier_has(h, "cpuset")) {
			r = cgroup_put(dfd, "cgroup.clone_children", "1", false, user, e);
			/* all of the parent's: the container's own CPUs are LXC's to set (lxcconf), so
			 * that the user's host-side session processes are not confined with it */
			if (r < 0 || cpuset_inherit(base, dfd, "cpuset.cpus", user, e) < 0 ||
			    cpuset_inherit(base, dfd, "cpuset.mems", user, e) < 0)
				return -EIO;
		}
		r = h->v2 ? limits_v2(dfd, lim, user, e) : limits_v1(h, dfd, lim, fresh, user, e);
		if (r == 0)
			r = delegate(dfd, uid, gid, h->v2 ? delegated_v2 : delegated_v1, shown, e);
		if (r == 0 && h->v2)
			r = v2_leaves(dfd, uid, gid, shown, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* rmdir a cgroup tree bottom-up (cgroupfs holds no files and no links). A cgroup gone meanwhile is
 * removed: on a systemd host, systemd trims an emptied scope's tree itself. */
static int rmdir_tree(int parent, const char *name, unsigned depth)
{
	__do_close int fd = -EBADF;
	struct dirent *de;
	DIR *d;
	int r = 0;

	/* v1 says EBUSY both for children and for tasks: try the children first */
	if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST && errno != EBUSY)
		return -errno;
	if (depth == 0)
		return -ELOOP;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	fd = -EBADF;
	while (r == 0 && (de = readdir(d)))
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			r = rmdir_tree(dirfd(d), de->d_name, depth - 1);
	closedir(d);
	if (r == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

/* systemd: remove what lxlogin made below the scope, then stop the scope; systemd removes its cgroup. */
static int remove_systemd(const struct cgroup_layout *l, const char *user, struct core_err *e)
{
	__do_close int dfd = -EBADF;
	char path[512];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (cgroup_user_path(l, user, NULL, path, sizeof(path)) < 0)
		return core_fail(e, -ENAMETOOLONG, "cgroup of %s: name too long", user);
	dfd = openat(l->h[0].fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT)
		return 0;
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d)
		return core_fail(e, -errno, "%s/%s: %s", l->h[0].mnt, path, strerror(errno));
	dfd = -EBADF;
	while (r == 0 && (de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			r = rmdir_tree(dirfd(d), de->d_name, CGROUP_DEPTH_MAX);
	closedir(d);
	if (r < 0)
		return core_fail(e, r, "%s/%s: cannot remove: %s", l->h[0].mnt, path, strerror(-r));
	return cgsystemd_scope_stop(user, e);
}

/* Remove the user's cgroup tree everywhere; -EBUSY while a process is inside. */
int cgroup_user_remove(const struct cgroup_layout *l, const char *user, struct core_err *e)
{
	if (l->systemd)
		return remove_systemd(l, user, e);
	for (size_t i = 0; i < l->n; i++) {
		__do_close int base =
			openat(l->h[i].fd, LXLOGIN_CGROUP_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int r;

		if (base < 0 && errno == ENOENT)
			continue;
		if (base < 0)
			return core_fail(e, -errno, "%s/%s: %s", l->h[i].mnt, LXLOGIN_CGROUP_NAME, strerror(errno));
		r = rmdir_tree(base, user, CGROUP_DEPTH_MAX);
		if (r < 0)
			return core_fail(e, r, "%s/%s/%s: cannot remove: %s", l->h[i].mnt, LXLOGIN_CGROUP_NAME, user,
					 strerror(-r));
	}
	return 0;
}
