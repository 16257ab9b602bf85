/*
 * cgroup.c - each user's cgroup in every hierarchy as the kernel shows it: the
 * layout, the paths (cgname.h), entering it, what it holds. Making it, with
 * the limits, and removing it: cgdelegate.c.
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

/* systemd runs as the init of this system (its own test, sd_booted). */
static bool systemd_booted(void)
{
	struct stat st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
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
	l->systemd = l->n == 1 && l->h[0].v2 && systemd_booted();
	return 0;
}

/* The user's cgroup below each hierarchy's root, with an optional leaf ("" or NULL: none). */
int cgroup_user_path(const struct cgroup_layout *l, const char *user, const char *leaf, char *buf, size_t size)
{
	size_t n;

	if (cgname_user(l->systemd, user, buf, size) < 0)
		return -ENAMETOOLONG;
	n = strlen(buf);
	if (leaf && leaf[0] && snprintf(buf + n, size - n, "/%s", leaf) >= (int)(size - n))
		return -ENAMETOOLONG;
	return 0;
}

/* LXC makes the container's cgroups below where its monitor starts: on v2 the "container" leaf. */
int cgroup_payload_path(const struct cgroup_layout *l, const struct cgroup_hier *h, const char *user, char *buf,
			size_t size)
{
	char payload[POLICY_NAME_MAX + 32];

	snprintf(payload, sizeof(payload), "%s%slxc.payload.%s", h->v2 ? CGNAME_CONTAINER : "", h->v2 ? "/" : "", user);
	return cgroup_user_path(l, user, payload, buf, size);
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
bool cgroup_word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || strchr(", \n", p[-1])) && (p[n] == '\0' || strchr(", \n", p[n])))
			return true;
	return false;
}

bool cgroup_hier_has(const struct cgroup_hier *h, const char *c)
{
	return cgroup_word_in(h->controllers, c);
}

/* Some v1 hierarchy of the layout has controller c. */
bool cgroup_v1_has(const struct cgroup_layout *l, const char *c)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->h[i].v2 && cgroup_hier_has(&l->h[i], c))
			return true;
	return false;
}

/* Write one control file as root; a file the kernel lacks is skipped when optional. */
int cgroup_put(int dfd, const char *file, const char *value, bool optional, const char *user, struct core_err *e)
{
	__do_close int fd = openat(dfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(value);

	if (fd < 0 && errno == ENOENT && optional)
		return 0;
	if (fd < 0 || write(fd, value, len) != (ssize_t)len)
		return core_fail(e, -errno, "cgroup of %s: %s = %s: %s", user, file, value, strerror(errno));
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
		if (cgroup_user_path(l, user,
				     !l->h[i].v2	       ? NULL
				     : leaf == CGROUP_SESSIONS ? CGNAME_SESSIONS
							       : CGNAME_CONTAINER,
				     path, sizeof(path)) < 0)
			return core_fail(e, -ENAMETOOLONG, "cgroup of %s: name too long", user);
		dfd = openat(l->h[i].fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			return core_fail(e, -errno, "%s/%s: %s", l->h[i].mnt, path, strerror(errno));
		if (cgroup_put(dfd, "cgroup.procs", value, false, user, e) < 0)
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

	if (cgroup_user_path(l, user, NULL, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < l->n; i++) {
		__do_close int dfd = openat(l->h[i].fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int r;
		if (dfd < 0 && errno == ENOENT)
			continue;
		if (dfd < 0)
			return -errno;
		r = populated(dfd, CGROUP_DEPTH_MAX, (void *)&l->h[i].v2);
		if (r != 0)
			return r;
	}
	return 0;
}

/* The hierarchy that lists a user's processes: v2, else v1 pids, else name=systemd, else the first. */
const struct cgroup_hier *cgroup_procs_hier(const struct cgroup_layout *l)
{
	static const char *const prefer[] = { "pids", "name=systemd" };

	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].v2 && l->n == 1)
			return &l->h[i];
	for (size_t p = 0; p < ARRAY_SIZE(prefer); p++)
		for (size_t i = 0; i < l->n; i++)
			if (!l->h[i].v2 && cgroup_hier_has(&l->h[i], prefer[p]))
				return &l->h[i];
	return l->n ? &l->h[0] : NULL;
}

struct procs_walk {
	int (*fn)(pid_t pid, void *arg);
	void *arg;
};

/* fn on each pid of dfd/cgroup.procs, then (depth allowing) of its children, until fn returns nonzero. */
static int procs_walk(int dfd, unsigned depth, void *walk)
{
	const struct procs_walk *w = walk;
	__do_fclose FILE *f = NULL;
	__do_close int fd = openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	long pid;
	int r;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "re");
	if (!f)
		return -errno;
	fd = -EBADF;
	while (fscanf(f, "%ld", &pid) == 1)
		if ((r = w->fn((pid_t)pid, w->arg)) != 0)
			return r;
	return depth ? children_each(dfd, depth, procs_walk, walk) : 0;
}

/* fn(pid, arg) on each process of the container's payload cgroup tree until it returns nonzero (returned). */
int cgroup_payload_each(const struct cgroup_layout *l, const char *user, int (*fn)(pid_t pid, void *arg), void *arg)
{
	const struct cgroup_hier *h = cgroup_procs_hier(l);
	struct procs_walk w = { fn, arg };
	__do_close int dfd = -EBADF;
	char path[512];

	if (!h)
		return 0;
	if (cgroup_payload_path(l, h, user, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	dfd = openat(h->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	return procs_walk(dfd, CGROUP_DEPTH_MAX, &w);
}

static int pids_add(pid_t pid, void *ids_)
{
	struct cgroup_pids *ids = ids_;

	if (ids->n < ARRAY_SIZE(ids->pid))
		ids->pid[ids->n++] = pid;
	return 0;
}

/*
 * The user's processes: the sessions (sshd's session processes, lxlogin-shell:
 * in the user's cgroup itself, or its "sessions" leaf) or the container's
 * (its lxc.payload cgroup tree). Nothing if the cgroup is gone.
 */
int cgroup_user_pids(const struct cgroup_layout *l, const char *user, bool container, struct cgroup_pids *ret)
{
	const struct cgroup_hier *h = cgroup_procs_hier(l);
	struct procs_walk w = { pids_add, ret };
	__do_close int dfd = -EBADF, sessions = -EBADF;
	char path[512];
	int r;

	ret->n = 0;
	if (container)
		return cgroup_payload_each(l, user, pids_add, ret);
	if (!h || cgroup_user_path(l, user, NULL, path, sizeof(path)) < 0)
		return h ? -ENAMETOOLONG : 0;
	dfd = openat(h->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = procs_walk(dfd, 0, &w);
	sessions = r < 0 ? -EBADF : openat(dfd, CGNAME_SESSIONS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sessions >= 0)
		r = procs_walk(sessions, 0, &w);
	return r;
}

/*
 * The user's sessions: the processes the helper placed in their sessions
 * cgroup (sshd's or login's session process for each login; lxlogin-shell
 * itself after su -l), which are those there whose parent is not. One SSH
 * connection is one session, whatever it runs (a ControlMaster with no shell
 * too). *ret_procs: every process there. The one definition list, status
 * and reap use.
 */
int cgroup_user_sessions(const struct cgroup_layout *l, const char *user, size_t *ret_sessions, size_t *ret_procs)
{
	__do_free struct cgroup_pids *pids = malloc(sizeof(*pids));
	int r = pids ? cgroup_user_pids(l, user, false, pids) : -ENOMEM;

	*ret_sessions = *ret_procs = 0;
	if (r < 0)
		return r;
	*ret_procs = pids->n;
	for (size_t i = 0; i < pids->n; i++) {
		char field[32];
		pid_t parent;
		bool inside = false;

		if (proc_status_field(pids->pid[i], "PPid:", field, sizeof(field)) < 0)
			continue; /* gone meanwhile */
		parent = (pid_t)strtol(field, NULL, 10);
		for (size_t j = 0; j < pids->n && !inside; j++)
			inside = pids->pid[j] == parent;
		*ret_sessions += !inside;
	}
	return 0;
}

/* A control file of the user's cgroup, read whole into buf; false if it cannot be. */
static bool read_control(const struct cgroup_layout *l, const struct cgroup_hier *h, const char *user, const char *file,
			 char *buf, size_t size)
{
	char path[512];
	__do_close int fd = -EBADF;
	ssize_t n;

	if (cgroup_user_path(l, user, file, path, sizeof(path)) < 0)
		return false;
	fd = openat(h->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, size - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* One number from a control file of the user's cgroup ("max" is CGROUP_UNLIMITED); UINT64_MAX - 1 if unknown. */
static uint64_t read_u64(const struct cgroup_layout *l, const struct cgroup_hier *h, const char *user, const char *file)
{
	char buf[64];

	if (!read_control(l, h, user, file, buf, sizeof(buf)))
		return CGROUP_UNKNOWN;
	if (strncmp(buf, "max", 3) == 0)
		return CGROUP_UNLIMITED;
	return strtoull(buf, NULL, 10);
}

/* Two numbers of a control file ("max 100000": the first CGROUP_UNLIMITED); false if unreadable. */
static bool read_pair(const struct cgroup_layout *l, const struct cgroup_hier *h, const char *user, const char *file,
		      uint64_t *a, uint64_t *b)
{
	char buf[64], *end;

	if (!read_control(l, h, user, file, buf, sizeof(buf)))
		return false;
	*a = strncmp(buf, "max", 3) == 0 ? CGROUP_UNLIMITED : strtoull(buf, NULL, 10);
	end = strchr(buf, ' ');
	*b = end ? strtoull(end + 1, NULL, 10) : 0;
	return *b > 0;
}

/* v1's memory+swap counters, less memory's: swap alone (UINT64_MAX: unlimited). */
static void v1_swap(const struct cgroup_layout *l, const struct cgroup_hier *h, const char *user,
		    struct cgroup_usage *u)
{
	uint64_t both = read_u64(l, h, user, "memory.memsw.usage_in_bytes");
	uint64_t both_max = read_u64(l, h, user, "memory.memsw.limit_in_bytes");

	if (both == CGROUP_UNKNOWN || both_max == CGROUP_UNKNOWN)
		return;
	u->swap = both > u->memory ? both - u->memory : 0;
	if (both_max >= (UINT64_C(1) << 62) || u->memory_max == CGROUP_UNLIMITED) /* v1's "unlimited" */
		u->swap_max = CGROUP_UNLIMITED;
	else
		u->swap_max = both_max > u->memory_max ? both_max - u->memory_max : 0;
}

/* Memory, swap, pids and CPU in use and their limits, read from the hierarchies that have them. */
void cgroup_user_usage(const struct cgroup_layout *l, const char *user, struct cgroup_usage *ret)
{
	*ret = (struct cgroup_usage){ .memory = CGROUP_UNKNOWN,
				      .memory_max = CGROUP_UNKNOWN,
				      .swap = CGROUP_UNKNOWN,
				      .swap_max = CGROUP_UNKNOWN,
				      .pids = CGROUP_UNKNOWN,
				      .pids_max = CGROUP_UNKNOWN,
				      .cpu_quota = CGROUP_UNKNOWN };
	for (size_t i = 0; i < l->n; i++) {
		const struct cgroup_hier *h = &l->h[i];
		bool mem = h->v2 || cgroup_hier_has(h, "memory"), pids = h->v2 || cgroup_hier_has(h, "pids");
		uint64_t v, q;

		/* a hybrid host's empty cgroup2 has neither file: keep what v1 said */
		if (mem &&
		    (v = read_u64(l, h, user, h->v2 ? "memory.current" : "memory.usage_in_bytes")) != CGROUP_UNKNOWN) {
			ret->memory = v;
			ret->memory_max = read_u64(l, h, user, h->v2 ? "memory.max" : "memory.limit_in_bytes");
			if (!h->v2 && ret->memory_max >= (UINT64_C(1) << 62)) /* v1's "unlimited" */
				ret->memory_max = CGROUP_UNLIMITED;
			if (h->v2) {
				ret->swap = read_u64(l, h, user, "memory.swap.current");
				ret->swap_max = read_u64(l, h, user, "memory.swap.max");
			} else {
				v1_swap(l, h, user, ret);
			}
		}
		if (pids && (v = read_u64(l, h, user, "pids.current")) != CGROUP_UNKNOWN) {
			ret->pids = v;
			ret->pids_max = read_u64(l, h, user, "pids.max");
		}
		if (h->v2 && read_pair(l, h, user, "cpu.max", &q, &v)) {
			ret->cpu_quota = q;
			ret->cpu_period = v;
		} else if (!h->v2 && cgroup_hier_has(h, "cpu") &&
			   (v = read_u64(l, h, user, "cpu.cfs_period_us")) != CGROUP_UNKNOWN && v > 0) {
			q = read_u64(l, h, user, "cpu.cfs_quota_us"); /* -1: unlimited */
			ret->cpu_quota = q >= (UINT64_C(1) << 62) ? CGROUP_UNLIMITED : q;
			ret->cpu_period = v;
		}
	}
}

/*
 * The counter files of the user's cgroup that this host has: what the
 * limits are measured against (the same cgroup_user_usage reads). lxlogin
 * binds them read-only into the container, whose cgroup namespace shows
 * only its own cgroup below them, for lxlogin-usage.
 */
static const char *const v1_counters[][2] = { { "memory", "memory.usage_in_bytes" },
					      { "memory", "memory.memsw.usage_in_bytes" },
					      { "pids", "pids.current" },
					      { "cpuacct", "cpuacct.usage" } };
static const char *const v2_counters[] = { "memory.current", "memory.swap.current", "pids.current", "cpu.stat" };

/* The i-th name cgroup_user_counters may give, v1's then v2's (one may come twice); NULL past them. */
const char *cgroup_counter_name(size_t i)
{
	size_t n1 = sizeof(v1_counters) / sizeof(v1_counters[0]), n2 = sizeof(v2_counters) / sizeof(v2_counters[0]);

	return i < n1 ? v1_counters[i][1] : i < n1 + n2 ? v2_counters[i - n1] : NULL;
}

void cgroup_user_counters(const struct cgroup_layout *l, const char *user, struct cgroup_counters *ret)
{

	ret->n = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct cgroup_hier *h = &l->h[i];
		size_t m = h->v2 ? sizeof(v2_counters) / sizeof(v2_counters[0])
				 : sizeof(v1_counters) / sizeof(v1_counters[0]);

		for (size_t j = 0; j < m && ret->n < CGROUP_COUNTERS_MAX; j++) {
			const char *file = h->v2 ? v2_counters[j] : v1_counters[j][1];
			char rel[512];

			if ((!h->v2 && !cgroup_hier_has(h, v1_counters[j][0])) ||
			    cgroup_user_path(l, user, file, rel, sizeof(rel)) < 0 || faccessat(h->fd, rel, F_OK, 0) < 0)
				continue;
			if (snprintf(ret->path[ret->n], sizeof(ret->path[0]), "%s/%s", h->mnt, rel) <
			    (int)sizeof(ret->path[0]))
				ret->name[ret->n++] = file;
		}
	}
}
