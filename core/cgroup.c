/*
 * cgroup.c - each user's cgroup in every hierarchy: limits by root, then
 * delegated. Made here under lxlogin's parent, or, on a systemd host with
 * pure cgroup v2, a scope systemd makes for us (cgsystemd.c). Paths: cgname.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgname.h"
#include "cleanup.h"
#include "config.h"
#include "core.h"

#define UNLIMITED UINT64_MAX
#define TREE_DEPTH_MAX 32

static const char *const v1_known[] = { "cpu",	      "cpuacct", "cpuset", "memory",  "devices",
					"freezer",    "blkio",	 "pids",   "net_cls", "net_prio",
					"perf_event", "hugetlb", "rdma",   "misc",    NULL };

/* Decode mountinfo's octal escapes (\040) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* v1 controllers from super options like "rw,cpu,cpuacct" or "rw,name=systemd". */
static void v1_controllers(const char *superopts, char *out, size_t size)
{
	__do_free char *copy = strdup(superopts);
	char *save = NULL, *opt;

	out[0] = '\0';
	if (!copy)
		return;
	for (opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		bool known = strncmp(opt, "name=", 5) == 0;
		for (size_t i = 0; !known && v1_known[i]; i++)
			known = strcmp(opt, v1_known[i]) == 0;
		if (known)
			snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? "," : "", opt);
	}
}

/*
 * The cgroup hierarchies mounted at their root, from /proc/self/mountinfo
 * text: v1 (one per controller set), hybrid, or pure v2. A hierarchy mounted
 * twice is listed once.
 */
int cgroup_layout_parse(const char *mountinfo, struct cgroup_layout *l)
{
	__do_free char *copy = strdup(mountinfo);
	char *save = NULL, *line;

	memset(l, 0, sizeof(*l));
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[10] = { 0 }, *sep, *fstype, *source, *superopts, *s2 = NULL;
		struct cgroup_hier *h;
		size_t n = 0;
		bool dup = false;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (char *t = strtok_r(line, " ", &s2); t && n < 10; t = strtok_r(NULL, " ", &s2))
			f[n++] = t;
		fstype = strtok_r(sep + 3, " ", &s2);
		source = strtok_r(NULL, " ", &s2);
		superopts = strtok_r(NULL, " ", &s2);
		if (n < 5 || !fstype || !source || !superopts || strcmp(f[3], "/") != 0)
			continue;
		if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
			continue;
		if (l->n == sizeof(l->h) / sizeof(l->h[0]))
			break;
		h = &l->h[l->n];
		memset(h, 0, sizeof(*h));
		h->fd = -EBADF;
		h->v2 = strcmp(fstype, "cgroup2") == 0;
		if (!h->v2) {
			v1_controllers(superopts, h->controllers, sizeof(h->controllers));
			if (!h->controllers[0])
				continue;
		}
		for (size_t i = 0; i < l->n; i++)
			dup |= l->h[i].v2 == h->v2 && strcmp(l->h[i].controllers, h->controllers) == 0;
		unescape(f[4]);
		if (dup || strlen(f[4]) >= sizeof(h->mnt))
			continue;
		strcpy(h->mnt, f[4]);
		l->n++;
	}
	return 0;
}

/* Read the running system's layout and open each hierarchy's root, checked to be cgroupfs. */
int cgroup_layout_open(struct cgroup_layout *l, struct core_err *e)
{
	__do_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	__do_free char *text = NULL;
	size_t size = 0;
	int r;

	if (!f)
		return core_fail(e, -errno, "/proc/self/mountinfo: %s", strerror(errno));
	if (getdelim(&text, &size, '\0', f) < 0)
		return core_fail(e, -EIO, "/proc/self/mountinfo: cannot read");
	r = cgroup_layout_parse(text, l);
	if (r < 0)
		return core_fail(e, r, "cgroup layout: %s", strerror(-r));
	if (l->n == 0)
		return core_fail(e, -ENOENT, "no cgroup hierarchy is mounted");
	for (size_t i = 0; i < l->n; i++) {
		struct statfs sf;
		l->h[i].fd = open(l->h[i].mnt, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (l->h[i].fd < 0 || fstatfs(l->h[i].fd, &sf) < 0 ||
		    (sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC)) {
			r = core_fail(e, -EINVAL, "%s: not a cgroup hierarchy", l->h[i].mnt);
			cgroup_layout_close(l);
			return r;
		}
	}
	/* systemd is the single writer of a unified tree it runs: ask it for the scope */
	l->systemd = l->n == 1 && l->h[0].v2 && cgsystemd_running();
	return 0;
}

/* The user's cgroup below each hierarchy's root, with an optional leaf ("" or NULL: none). */
static int user_path(const struct cgroup_layout *l, const char *user, const char *leaf, char *buf, size_t size)
{
	size_t n;

	if (cgname_user(l->systemd, user, buf, size) < 0)
		return -ENAMETOOLONG;
	n = strlen(buf);
	if (leaf && leaf[0] && snprintf(buf + n, size - n, "/%s", leaf) >= (int)(size - n))
		return -ENAMETOOLONG;
	return 0;
}

int cgroup_user_dir(const struct cgroup_layout *l, const char *user, char *buf, size_t size)
{
	return user_path(l, user, NULL, buf, size);
}

void cgroup_layout_close(struct cgroup_layout *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->h[i].fd >= 0)
			close(l->h[i].fd);
		l->h[i].fd = -EBADF;
	}
}

/* Is word an item of list (items separated by ',', ' ' or newlines)? */
static bool list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || strchr(", \n", p[-1])) && (p[n] == '\0' || strchr(", \n", p[n])))
			return true;
	return false;
}

static bool has_controller(const struct cgroup_hier *h, const char *c)
{
	return list_has(h->controllers, c);
}

int cgroup_limits_from_policy(const struct policy_values *v, uint64_t host_memory, struct cgroup_limits *ret)
{
	const struct policy_limit *lims[] = { &v->memory, &v->swap };
	uint64_t *outs[] = { &ret->memory, &ret->swap };

	for (size_t i = 0; i < 2; i++) {
		if (lims[i]->kind == POLICY_LIMIT_UNLIMITED)
			*outs[i] = UNLIMITED;
		else if (lims[i]->kind == POLICY_LIMIT_PERCENT)
			*outs[i] = host_memory / 100 * lims[i]->value + host_memory % 100 * lims[i]->value / 100;
		else
			*outs[i] = lims[i]->value;
	}
	ret->cpu_period_us = 100000;
	ret->cpu_quota_us = v->cpus.kind == POLICY_LIMIT_UNLIMITED ? UNLIMITED : v->cpus.value * 100;
	ret->cpu_weight = v->cpu_weight;
	ret->pids = v->pids.kind == POLICY_LIMIT_UNLIMITED ? UNLIMITED : v->pids.value;
	ret->io_weight = v->io_weight;
	return 0;
}

/* Write one control file as root; a file the kernel lacks is skipped when optional. */
static int put(int dfd, const char *file, const char *value, bool optional, const char *user, struct core_err *e)
{
	__do_close int fd = openat(dfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(value);

	if (fd < 0 && errno == ENOENT && optional)
		return 0;
	if (fd < 0 || write(fd, value, len) != (ssize_t)len)
		return core_fail(e, -errno, "cgroup of %s: %s = %s: %s", user, file, value, strerror(errno));
	return 0;
}

static int put_u64(int dfd, const char *file, uint64_t v, const char *unlimited, bool optional, const char *user,
		   struct core_err *e)
{
	char buf[32];

	if (v == UNLIMITED)
		snprintf(buf, sizeof(buf), "%s", unlimited);
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return put(dfd, file, buf, optional, user, e);
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
	return put(child, file, buf[0] ? buf : "\n", false, user, e);
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

	if (has_controller(h, "memory")) {
		uint64_t memsw =
			lim->memory == UNLIMITED || lim->swap == UNLIMITED ? UNLIMITED : lim->memory + lim->swap;
		/* memsw must stay >= the memory limit at every write: lift it, set memory, then set it */
		r = put(dfd, "memory.memsw.limit_in_bytes", "-1", true, user, e);
		if (!r)
			r = put_u64(dfd, "memory.limit_in_bytes", lim->memory, "-1", false, user, e);
		if (!r)
			r = put_u64(dfd, "memory.memsw.limit_in_bytes", memsw, "-1", true, user, e);
	}
	if (!r && has_controller(h, "cpu")) {
		uint64_t shares = (uint64_t)lim->cpu_weight * 1024 / 100;
		r = put_u64(dfd, "cpu.cfs_period_us", lim->cpu_period_us, "", false, user, e);
		if (!r)
			r = put_u64(dfd, "cpu.cfs_quota_us", lim->cpu_quota_us, "-1", false, user, e);
		if (!r)
			r = put_u64(dfd, "cpu.shares", shares < 2 ? 2 : shares, "", false, user, e);
	}
	if (!r && has_controller(h, "pids"))
		r = put_u64(dfd, "pids.max", lim->pids, "max", false, user, e);
	if (!r && has_controller(h, "blkio")) {
		uint64_t w = lim->io_weight / 10 < 10 ? 10 : lim->io_weight / 10;
		r = put_u64(dfd, "blkio.weight", w, "", true, user, e);
		if (!r)
			r = put_u64(dfd, "blkio.bfq.weight", w, "", true, user, e);
	}
	/* Devices: deny all, allow the few a container needs. Only on a fresh or
	 * empty cgroup: a deny-then-allow would briefly cut a running container off. */
	if (!r && has_controller(h, "devices") && fresh) {
		r = put(dfd, "devices.deny", "a", false, user, e);
		for (size_t i = 0; !r && devices_allowed[i]; i++)
			r = put(dfd, "devices.allow", devices_allowed[i], false, user, e);
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
		if (lim->cpu_quota_us == UNLIMITED)
			snprintf(buf, sizeof(buf), "max %" PRIu64, lim->cpu_period_us);
		else
			snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, lim->cpu_quota_us, lim->cpu_period_us);
		r = put(dfd, "cpu.max", buf, true, user, e);
	}
	if (!r)
		r = put_u64(dfd, "cpu.weight", lim->cpu_weight, "", true, user, e);
	if (!r)
		r = put_u64(dfd, "pids.max", lim->pids, "max", true, user, e);
	if (!r) {
		snprintf(buf, sizeof(buf), "default %" PRIu32, lim->io_weight);
		r = put(dfd, "io.weight", buf, true, user, e);
	}
	return r;
}

/* v2: let lxlogin's children use every controller the parent offers that limits need. */
static int v2_enable_controllers(int base, const char *user, struct core_err *e)
{
	static const char *const wanted[] = { "cpu", "memory", "pids", "io", NULL };
	__do_close int fd = openat(base, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
	char have[512] = "", word[16];
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, have, sizeof(have) - 1);
	have[n > 0 ? n : 0] = '\0';
	for (size_t i = 0; wanted[i]; i++) {
		if (!list_has(have, wanted[i]))
			continue;
		snprintf(word, sizeof(word), "+%s", wanted[i]);
		if (put(base, "cgroup.subtree_control", word, false, user, e) < 0)
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
	if (user_path(l, user, NULL, path, sizeof(path)) < 0)
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
		if (has_controller(h, "cpuset") && (cpuset_inherit(h->fd, base, "cpuset.cpus", user, e) < 0 ||
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
		if (has_controller(h, "cpuset")) {
			r = put(dfd, "cgroup.clone_children", "1", false, user, e);
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

/* Move pid into the user's cgroup in every hierarchy: v2 into the leaf (root writes only pids it vetted). */
int cgroup_user_enter(const struct cgroup_layout *l, const char *user, enum cgroup_leaf leaf, pid_t pid,
		      struct core_err *e)
{
	char path[512], value[32];

	snprintf(value, sizeof(value), "%d", (int)pid);
	for (size_t i = 0; i < l->n; i++) {
		__do_close int dfd = -EBADF;
		if (user_path(l, user,
			      !l->h[i].v2		? NULL
			      : leaf == CGROUP_SESSIONS ? CGNAME_SESSIONS
							: CGNAME_CONTAINER,
			      path, sizeof(path)) < 0)
			return core_fail(e, -ENAMETOOLONG, "cgroup of %s: name too long", user);
		dfd = openat(l->h[i].fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			return core_fail(e, -errno, "%s/%s: %s", l->h[i].mnt, path, strerror(errno));
		if (put(dfd, "cgroup.procs", value, false, user, e) < 0)
			return -EIO;
	}
	return 0;
}

/* Call fn on each child cgroup of dfd (depth is what is left for fn) until fn returns nonzero. */
static int children_each(int dfd, unsigned depth, int (*fn)(int sub, unsigned depth, void *arg), void *arg)
{
	__do_close int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int r = 0;

	if (depth == 0)
		return -ELOOP;
	if (!d)
		return -errno;
	fd = -EBADF;
	while (r == 0 && (de = readdir(d))) {
		__do_close int sub = -EBADF;
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = sub < 0 ? -errno : fn(sub, depth - 1, arg);
	}
	closedir(d);
	return r;
}

/* Any process in dfd's subtree? v2 says so in cgroup.events; v1 by walking cgroup.procs. */
static int populated(int dfd, unsigned depth, void *v2)
{
	__do_close int fd = openat(dfd, *(bool *)v2 ? "cgroup.events" : "cgroup.procs", O_RDONLY | O_CLOEXEC);
	char buf[256];
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (*(bool *)v2)
		return strstr(buf, "populated 1") ? 1 : 0;
	if (n > 0)
		return 1;
	return children_each(dfd, depth, populated, v2);
}

/* 1 if any process of the user's cgroup tree is alive in any hierarchy, 0 if none, -errno. */
int cgroup_user_populated(const struct cgroup_layout *l, const char *user)
{
	char path[512];

	if (user_path(l, user, NULL, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < l->n; i++) {
		__do_close int dfd = openat(l->h[i].fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int r;
		if (dfd < 0 && errno == ENOENT)
			continue;
		if (dfd < 0)
			return -errno;
		r = populated(dfd, TREE_DEPTH_MAX, (void *)&l->h[i].v2);
		if (r != 0)
			return r;
	}
	return 0;
}

/* rmdir a cgroup tree bottom-up (cgroupfs holds no files and no links). */
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
		return -errno;
	fd = -EBADF;
	while (r == 0 && (de = readdir(d)))
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			r = rmdir_tree(dirfd(d), de->d_name, depth - 1);
	closedir(d);
	if (r == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0)
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

	if (user_path(l, user, NULL, path, sizeof(path)) < 0)
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
			r = rmdir_tree(dirfd(d), de->d_name, TREE_DEPTH_MAX);
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
		r = rmdir_tree(base, user, TREE_DEPTH_MAX);
		if (r < 0)
			return core_fail(e, r, "%s/%s/%s: cannot remove: %s", l->h[i].mnt, LXLOGIN_CGROUP_NAME, user,
					 strerror(-r));
	}
	return 0;
}

/* The hierarchy that lists a user's processes: v2, else v1 pids, else name=systemd, else the first. */
static const struct cgroup_hier *procs_hier(const struct cgroup_layout *l)
{
	static const char *const prefer[] = { "pids", "name=systemd" };

	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].v2 && l->n == 1)
			return &l->h[i];
	for (size_t p = 0; p < ARRAY_SIZE(prefer); p++)
		for (size_t i = 0; i < l->n; i++)
			if (!l->h[i].v2 && has_controller(&l->h[i], prefer[p]))
				return &l->h[i];
	return l->n ? &l->h[0] : NULL;
}

/* Append the pids of dfd/cgroup.procs (and, depth allowing, of its children) to ids. */
static int procs_read(int dfd, unsigned depth, void *ids_)
{
	struct cgroup_pids *ids = ids_;
	__do_fclose FILE *f = NULL;
	__do_close int fd = openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	long pid;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "re");
	if (!f)
		return -errno;
	fd = -EBADF;
	while (fscanf(f, "%ld", &pid) == 1)
		if (ids->n < ARRAY_SIZE(ids->pid))
			ids->pid[ids->n++] = (pid_t)pid;
	return depth ? children_each(dfd, depth, procs_read, ids) : 0;
}

/*
 * The user's processes: the sessions (sshd's session processes, lxlogin-shell,
 * attach: in the user's cgroup itself, or its "sessions" leaf) or the
 * container's (its lxc.payload cgroup tree). Nothing if the cgroup is gone.
 */
int cgroup_user_pids(const struct cgroup_layout *l, const char *user, bool container, struct cgroup_pids *ret)
{
	const struct cgroup_hier *h = procs_hier(l);
	char path[512];
	__do_close int dfd = -EBADF;
	int r;

	ret->n = 0;
	if (!h)
		return 0;
	if (container) {
		char payload[POLICY_NAME_MAX + 32];
		snprintf(payload, sizeof(payload), "%s%slxc.payload.%s", h->v2 ? CGNAME_CONTAINER : "",
			 h->v2 ? "/" : "", user);
		r = user_path(l, user, payload, path, sizeof(path));
	} else {
		r = user_path(l, user, NULL, path, sizeof(path));
	}
	if (r < 0)
		return r;
	dfd = openat(h->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = procs_read(dfd, container ? TREE_DEPTH_MAX : 0, ret);
	if (r == 0 && !container) {
		__do_close int sessions = openat(dfd, CGNAME_SESSIONS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sessions >= 0)
			r = procs_read(sessions, 0, ret);
	}
	return r;
}

/* One number from a control file of the user's cgroup ("max" is UNLIMITED); UINT64_MAX - 1 if unknown. */
static uint64_t read_u64(const struct cgroup_layout *l, const struct cgroup_hier *h, const char *user, const char *file)
{
	char path[512], buf[64] = "";
	__do_close int fd = -EBADF;
	ssize_t n;

	if (user_path(l, user, file, path, sizeof(path)) < 0)
		return CGROUP_UNKNOWN;
	fd = openat(h->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return CGROUP_UNKNOWN;
	buf[n] = '\0';
	if (strncmp(buf, "max", 3) == 0)
		return UNLIMITED;
	return strtoull(buf, NULL, 10);
}

/* Memory and pids in use and their limits, read from the hierarchies that have them. */
void cgroup_user_usage(const struct cgroup_layout *l, const char *user, struct cgroup_usage *ret)
{
	*ret = (struct cgroup_usage){ CGROUP_UNKNOWN, CGROUP_UNKNOWN, CGROUP_UNKNOWN, CGROUP_UNKNOWN };
	for (size_t i = 0; i < l->n; i++) {
		const struct cgroup_hier *h = &l->h[i];
		bool mem = h->v2 || has_controller(h, "memory"), pids = h->v2 || has_controller(h, "pids");
		uint64_t v;

		/* a hybrid host's empty cgroup2 has neither file: keep what v1 said */
		if (mem &&
		    (v = read_u64(l, h, user, h->v2 ? "memory.current" : "memory.usage_in_bytes")) != CGROUP_UNKNOWN) {
			ret->memory = v;
			ret->memory_max = read_u64(l, h, user, h->v2 ? "memory.max" : "memory.limit_in_bytes");
			if (!h->v2 && ret->memory_max >= (UINT64_C(1) << 62)) /* v1's "unlimited" */
				ret->memory_max = UNLIMITED;
		}
		if (pids && (v = read_u64(l, h, user, "pids.current")) != CGROUP_UNKNOWN) {
			ret->pids = v;
			ret->pids_max = read_u64(l, h, user, "pids.max");
		}
	}
}
