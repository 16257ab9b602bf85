/* lxcconf.c - the LXC config of a user's container, rendered from validated values only. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "core.h"

struct buf {
	char *s;
	size_t len, cap;
	int err;
};

__attribute__((format(printf, 2, 3))) static void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *grown = realloc(b->s, cap);
		if (!grown) {
			b->err = -ENOMEM;
			return;
		}
		b->s = grown;
		b->cap = cap;
	}
}

/* An idmap that maps the user's own uid (gid) through, and the rest of the container onto the range. */
static void idmap(struct buf *b, char kind, unsigned own, struct idrange r)
{
	if (own == 0 || own >= r.count) {
		add(b, "lxc.idmap = %c 0 %u %u\n", kind, r.start, r.count);
		return;
	}
	add(b, "lxc.idmap = %c 0 %u %u\n", kind, r.start, own);
	add(b, "lxc.idmap = %c %u %u 1\n", kind, own, own);
	add(b, "lxc.idmap = %c %u %u %u\n", kind, own + 1, r.start + own + 1, r.count - own - 1);
}

/*
 * lxcfs (a FUSE daemon the admin runs) serves per-container /proc files and
 * a CPU directory; the config binds them in as mount entries. (lxcfs's own
 * LXC hook does the same from a shell script: some 25 ms of CPU and a dozen
 * processes at every start, measured.)
 */
bool lxcconf_lxcfs_available(void)
{
	struct stat st;

	return stat(LXCFS_MEMINFO, &st) == 0;
}

/* What lxcfs serves under its /proc, each bound over the container's own (optional: one it lacks is skipped). */
static const char *const lxcfs_proc[] = { "cpuinfo", "diskstats", "loadavg", "slabinfo",
					  "meminfo", "stat",	  "swaps",   "uptime" };

/*
 * AppArmor is on, but the profile LXC gives unprivileged containers
 * (lxc-container-default-cgns, from liblxc-common, loaded by the apparmor
 * package's service) is not loaded: LXC would refuse every start. The
 * container then runs without an AppArmor profile (its user namespace,
 * seccomp filter and cgroups stay); lxloginctl doctor says so.
 */
bool lxcconf_apparmor_missing(void)
{
	__do_fclose FILE *f = fopen("/sys/module/apparmor/parameters/enabled", "re");
	char line[512];
	bool loaded = false;

	if (!f || !fgets(line, sizeof(line), f) || line[0] != 'Y')
		return false;
	fclose(f);
	f = fopen("/sys/kernel/security/apparmor/profiles", "re");
	while (f && !loaded && fgets(line, sizeof(line), f))
		loaded = strncmp(line, LXC_APPARMOR_PROFILE " ", strlen(LXC_APPARMOR_PROFILE " ")) == 0;
	return !loaded;
}

/*
 * The container's config. Everything here comes from validated data: names
 * matched policy_name_valid(), numbers are numbers, paths are lxlogin's own
 * plus a home directory of plain characters; the admin's lxc.*
 * lines (validated by the policy parser, reserved keys refused) go last.
 */
int lxcconf_render(const struct lxcconf_in *in, char **ret_text)
{
	const struct policy_values *v = &in->policy->values;
	struct buf b = { 0 };

	if (!policy_name_valid(in->user) || !home_is_valid(in->home) || !policy_path_plain(in->rootfs) ||
	    !policy_path_plain(in->seccomp) || !policy_path_plain(in->log))
		return -EINVAL;
	add(&b, "# Made by lxlogin from the policy; rewritten at every start. Do not edit.\n");
	add(&b, "lxc.uts.name = %s\n", in->hostname);
	add(&b, "lxc.rootfs.path = dir:%s\n", in->rootfs);
	idmap(&b, 'u', (unsigned)in->uid, in->uids);
	idmap(&b, 'g', (unsigned)in->gid, in->gids);
	add(&b, "lxc.net.0.type = empty\n");
	add(&b, "lxc.autodev = 1\n");
	add(&b, "lxc.mount.auto = proc:mixed sys:ro cgroup:mixed\n");
	add(&b, "lxc.pty.max = 256\n");
	add(&b, "lxc.tty.max = 0\n");
	add(&b, "lxc.cap.drop = sys_module sys_time sys_rawio mac_admin mac_override\n");
	add(&b, "lxc.seccomp.profile = %s\n", in->seccomp);
	add(&b, "lxc.log.file = %s\n", in->log);
	add(&b, "lxc.log.level = WARN\n");
	add(&b, "lxc.environment = TERM=linux\n");
	if (v->home == POLICY_HOME_HOST)
		add(&b, "lxc.mount.entry = %s %s none bind,create=dir 0 0\n", in->home, in->home + 1);
	if (v->nesting)
		add(&b, "lxc.mount.auto = cgroup:rw:force\n");
	if (in->apparmor_missing)
		add(&b, "lxc.apparmor.profile = unconfined\n");
	if (in->resolv && policy_path_plain(in->resolv)) /* optional: root inside may have made it a link */
		add(&b, "lxc.mount.entry = %s etc/resolv.conf none bind,create=file,optional 0 0\n", in->resolv);
	if (in->cpuset && in->cpuset[0] && strspn(in->cpuset, "0123456789,-") == strlen(in->cpuset))
		add(&b, "lxc.cgroup.cpuset.cpus = %s\n", in->cpuset);
	for (size_t i = 0; i < in->n_ro; i++)
		if (policy_path_plain(in->ro[i].src) && policy_path_plain(in->ro[i].dst))
			add(&b, "lxc.mount.entry = %s %s none bind,ro,optional 0 0\n", in->ro[i].src,
			    in->ro[i].dst + 1);
	if (in->lxcfs) { /* the container's /proc/meminfo, cpuinfo, uptime ... and CPUs: free, top, nproc show its
			    limits */
		for (size_t i = 0; i < ARRAY_SIZE(lxcfs_proc); i++)
			add(&b, "lxc.mount.entry = %s/proc/%s proc/%s none bind,optional 0 0\n", LXCFS_DIR,
			    lxcfs_proc[i], lxcfs_proc[i]);
		add(&b, "lxc.mount.entry = %s/sys/devices/system/cpu sys/devices/system/cpu none bind,optional 0 0\n",
		    LXCFS_DIR);
	}
	if (in->policy->n_lxc)
		add(&b, "# from the policy's lxc.* lines\n");
	for (size_t i = 0; i < in->policy->n_lxc; i++)
		add(&b, "%s = %s\n", in->policy->lxc[i].key, in->policy->lxc[i].value);
	if (b.err) {
		free(b.s);
		return b.err;
	}
	*ret_text = b.s;
	return 0;
}

/* An empty file to bind onto, unless the name is taken (by anything: it is left as it is). */
static void placeholder(int dir, const char *name, mode_t mode)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd >= 0)
		close(fd);
}

/*
 * The mount points of lxlogin's read-only binds, made in a new image's
 * rootfs: the binds are optional and create nothing, so a user's layer never
 * holds them (an image without them just has no lxlogin-usage, lxlogin-sshd). Paths are
 * resolved inside the rootfs.
 */
int lxcconf_mount_points(int rootfs)
{
	__do_close int bin = tree_open(rootfs, "usr/bin", O_RDONLY | O_DIRECTORY);
	__do_close int etc = tree_open(rootfs, "etc", O_RDONLY | O_DIRECTORY);
	__do_close int dir = -EBADF, counters = -EBADF;
	const char *name;

	if (bin >= 0) {
		placeholder(bin, strrchr(LXCCONF_USAGE_INSIDE, '/') + 1, 0755);
		placeholder(bin, strrchr(LXCCONF_SSHD_INSIDE, '/') + 1, 0755);
	}
	if (etc < 0)
		return etc;
	(void)mkdirat(etc, "lxlogin", 0755);
	dir = openat(etc, "lxlogin", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	placeholder(dir, strrchr(LXCCONF_LIMITS_INSIDE, '/') + 1, 0644);
	(void)mkdirat(dir, strrchr(LXCCONF_COUNTERS_INSIDE, '/') + 1, 0755);
	counters =
		openat(dir, strrchr(LXCCONF_COUNTERS_INSIDE, '/') + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (counters < 0)
		return -errno;
	for (size_t i = 0; (name = cgroup_counter_name(i)); i++)
		placeholder(counters, name, 0444);
	return 0;
}
