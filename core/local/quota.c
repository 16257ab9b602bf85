/*
 * quota.c - a user's disk limits: the kernel's project quota on their layer (ext4, XFS).
 *
 * The layer STATE/users/<user> carries project id P (the first id of the
 * user's subordinate range: unique, as the ranges are) with inheritance, set
 * before its upper and work directories exist, so that every file the
 * container makes there, copy-ups included, is P's. The limits are P's
 * quota, set and read back at every start; usage is P's quota too (one
 * lookup, never a walk). Container root cannot change a project id (the
 * kernel refuses it outside the initial user namespace), nor reach it
 * through the overlay (seccomp.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif
#define QUOTA_DEPTH_MAX 1024 /* deeper than any path a container can use */

static int quotactl_fd(int fd, unsigned cmd, unsigned id, void *addr)
{
	return syscall(SYS_quotactl_fd, fd, cmd, id, addr) < 0 ? -errno : 0;
}

/* The mount source of the filesystem holding fd ("" if not found), from mountinfo. */
static void mount_source(int fd, char *buf, size_t size)
{
	__do_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], want[32];
	struct stat st;

	buf[0] = '\0';
	if (!f || fstat(fd, &st) < 0)
		return;
	snprintf(want, sizeof(want), " %u:%u ", major(st.st_dev), minor(st.st_dev));
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - "), *at = strstr(line, want);
		char type[64], source[256];
		if (at && sep && at < sep && sscanf(sep + 3, "%63s %255s", type, source) == 2) {
			snprintf(buf, size, "%s", source);
			return;
		}
	}
}

int quota_probe(int fd, struct quota_fs *ret)
{
	struct fs_quota_statv sv = { .qs_version = FS_QSTATV_VERSION1 };
	const char *dev;
	struct statfs sf;
	int r;

	*ret = (struct quota_fs){ QUOTA_NO_FS, "", "", "" };
	if (fstatfs(fd, &sf) < 0)
		return -errno;
	mount_source(fd, ret->source, sizeof(ret->source));
	dev = ret->source[0] ? ret->source : "DEVICE";
	snprintf(ret->type, sizeof(ret->type), "%s",
		 sf.f_type == EXT4_SUPER_MAGIC	? "ext4"
		 : sf.f_type == XFS_SUPER_MAGIC ? "xfs"
						: "other");
	if (strcmp(ret->type, "other") == 0) {
		snprintf(ret->type, sizeof(ret->type), "0x%lx", (unsigned long)sf.f_type);
		snprintf(ret->fix, sizeof(ret->fix),
			 "it is not on ext4 or XFS, which have project quotas: put %s on ext4 (mkfs.ext4 -O "
			 "quota,project, mounted with -o prjquota) or XFS (mounted with -o pquota)",
			 LXLOGIN_STATE_DIR);
		return 0;
	}
	r = quotactl_fd(fd, (unsigned)QCMD(Q_XGETQSTATV, PRJQUOTA), 0, &sv);
	if (r < 0 && access("/proc/sys/fs/quota", F_OK) < 0) { /* the kernel's quota code (CONFIG_QUOTA) has it */
		ret->state = QUOTA_NO_KERNEL;
		snprintf(ret->fix, sizeof(ret->fix), "this kernel has no quota support (it needs CONFIG_QUOTA and %s)",
			 ret->type[0] == 'x' ? "CONFIG_XFS_QUOTA" : "CONFIG_QFMT_V2");
		return 0;
	}
	if (r == 0 && (sv.qs_flags & FS_QUOTA_PDQ_ACCT) && (sv.qs_flags & FS_QUOTA_PDQ_ENFD)) {
		ret->state = QUOTA_ENFORCING;
		return 0;
	}
	/* ENOSYS too, from a filesystem mounted without any quota */
	ret->state = r == 0 && (sv.qs_flags & FS_QUOTA_PDQ_ACCT) ? QUOTA_ACCOUNTING : QUOTA_NOT_ENABLED;
	if (ret->type[0] == 'x')
		snprintf(ret->fix, sizeof(ret->fix),
			 "XFS %.200s %s: mount it with -o pquota (not by remount; for / the kernel's command line "
			 "needs rootflags=pquota)",
			 dev,
			 ret->state == QUOTA_ACCOUNTING ? "accounts project quota but does not enforce it"
							: "has no project quota");
	else if (ret->state == QUOTA_ACCOUNTING)
		snprintf(ret->fix, sizeof(ret->fix),
			 "ext4 %.200s accounts project quota but does not enforce it: mount it with -o prjquota", dev);
	else
		snprintf(
			ret->fix, sizeof(ret->fix),
			"ext4 %.200s has no project quota: unmount it, run 'tune2fs -O project,quota %.200s', and mount it "
			"with -o prjquota",
			dev, dev);
	return 0;
}

int quota_tag_get(int fd, uint32_t *ret_projid, bool *ret_inherit)
{
	struct fsxattr fa;

	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return -errno;
	*ret_projid = fa.fsx_projid;
	*ret_inherit = (fa.fsx_xflags & FS_XFLAG_PROJINHERIT) != 0;
	return 0;
}

/* fd's project id (with inheritance, for a directory), read back: ext4 may apply half a request. */
static int tag_set(int fd, uint32_t projid, bool inherit)
{
	struct fsxattr fa;
	uint32_t got;
	bool got_inherit;
	int r;

	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return -errno;
	fa.fsx_projid = projid;
	fa.fsx_xflags =
		inherit ? fa.fsx_xflags | FS_XFLAG_PROJINHERIT : fa.fsx_xflags & ~(unsigned)FS_XFLAG_PROJINHERIT;
	if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0)
		return -errno;
	r = quota_tag_get(fd, &got, &got_inherit);
	if (r < 0)
		return r;
	return got == projid && got_inherit == inherit ? 0 : -EIO;
}

int quota_get(int fd, uint32_t projid, struct quota_usage *ret)
{
	struct if_dqblk q = { 0 };
	int r = quotactl_fd(fd, (unsigned)QCMD(Q_GETQUOTA, PRJQUOTA), projid, &q);

	if (r == -ENOENT) /* XFS: no record for the id yet, so nothing counted and no limit */
		r = 0;
	if (r < 0)
		return r;
	*ret = (struct quota_usage){ .bytes = q.dqb_curspace,
				     .inodes = q.dqb_curinodes,
				     .bytes_limit = q.dqb_bhardlimit * QIF_DQBLKSIZE,
				     .inodes_limit = q.dqb_ihardlimit };
	return 0;
}

int quota_set(int fd, uint32_t projid, uint64_t bytes, uint64_t inodes)
{
	struct if_dqblk q = { .dqb_bhardlimit = (bytes + QIF_DQBLKSIZE - 1) / QIF_DQBLKSIZE,
			      .dqb_ihardlimit = inodes,
			      .dqb_valid = QIF_LIMITS };
	struct quota_usage got;
	int r = quotactl_fd(fd, (unsigned)QCMD(Q_SETQUOTA, PRJQUOTA), projid, &q);

	if (r == 0)
		r = quota_get(fd, projid, &got);
	if (r == 0 && (got.bytes_limit != q.dqb_bhardlimit * QIF_DQBLKSIZE || got.inodes_limit != inodes))
		r = -EIO;
	return r;
}

/*
 * One entry of a tree moved to project projid: a directory or regular file
 * by the ioctl on it (opened without following, without blocking on a
 * fifo); a symlink, fifo, socket or device node (a whiteout) cannot be
 * opened for it, so it is made anew beside its parent's new tag, with its
 * owner, mode and times.
 */
struct retag {
	uint32_t projid;
};

static int retag_special(int dir, const char *name, const struct stat *st)
{
	const struct timespec times[2] = { st->st_atim, st->st_mtim };
	char target[PATH_MAX + 1], tmp[NAME_MAX + 1];
	ssize_t n = 0;
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".lxlogin-retag.%lu", (unsigned long)st->st_ino) >= sizeof(tmp))
		return -ENAMETOOLONG;
	(void)unlinkat(dir, tmp, 0);
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(dir, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		r = symlinkat(target, dir, tmp);
	} else {
		r = mknodat(dir, tmp, st->st_mode, st->st_rdev);
	}
	if (r < 0)
		return -errno;
	if (fchownat(dir, tmp, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!S_ISLNK(st->st_mode) && fchmodat(dir, tmp, st->st_mode & 07777, 0) < 0) ||
	    utimensat(dir, tmp, times, AT_SYMLINK_NOFOLLOW) < 0 || renameat(dir, tmp, dir, name) < 0) {
		r = -errno;
		(void)unlinkat(dir, tmp, 0);
		return r;
	}
	return 0;
}

static int retag_one(int dir, const char *name, const struct stat *st, void *arg)
{
	const struct retag *t = arg;
	__do_close int fd = -EBADF;

	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode))
		return retag_special(dir, name, st);
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	return tag_set(fd, t->projid, t->projid != 0 && S_ISDIR(st->st_mode));
}

/* dir and all below it moved to project projid (0: out of every project); only while nothing runs on it. */
int quota_tree_retag(int dir, uint32_t projid)
{
	__do_close int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct retag t = { projid };
	int r = fd < 0 ? -errno : tag_set(fd, projid, projid != 0);

	return r < 0 ? r : tree_each(fd, QUOTA_DEPTH_MAX, retag_one, &t);
}

static uint64_t limit_of(const struct policy_limit *l)
{
	return l->kind == POLICY_LIMIT_ABSOLUTE ? l->value : 0; /* 0: no limit, to the kernel */
}

bool quota_wanted(const struct policy_values *v)
{
	return v->quota != POLICY_QUOTA_OFF &&
	       (v->disk.kind != POLICY_LIMIT_UNLIMITED || v->inodes.kind != POLICY_LIMIT_UNLIMITED);
}

/*
 * The layer's project and limits, at every start, before anything is made
 * in the layer (layer_ensure): tagged on first use, its id checked against
 * any other user's; an untagged older layer is tagged with all it holds
 * (once: the container is stopped). Where the filesystem cannot enforce,
 * a limited user gets no start (quota = require) or a start with e->note
 * saying so (warn). On a filesystem that accounts, users without limits
 * are tagged too, so that their usage is known. 1: the limits are enforced.
 */
int quota_layer_apply(const struct core_user *u, int layer_path, struct core_err *e)
{
	const struct policy_values *v = &u->policy.values;
	const char *name = u->acct.name;
	uint32_t projid = u->uids.start, have;
	__do_close int layer = openat(layer_path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct quota_usage use;
	struct quota_fs fs;
	bool inherit, wanted = quota_wanted(v);
	int r = layer < 0 ? -errno : quota_probe(layer, &fs);

	if (r < 0)
		return core_fail(e, r, "layer of %s: cannot read its filesystem: %s", name, strerror(-r));
	if (wanted && fs.state != QUOTA_ENFORCING) {
		if (v->quota == POLICY_QUOTA_REQUIRE)
			return core_fail(e, -EOPNOTSUPP,
					 "the policy limits the disk of %s, but %s/users cannot enforce it: %s; or set "
					 "quota = warn in lxlogin.conf",
					 name, LXLOGIN_STATE_DIR, fs.fix);
		snprintf(e->note, sizeof(e->note), "the disk limits of %s are not enforced (quota = warn): %.400s",
			 name, fs.fix);
	}
	if (fs.state != QUOTA_ENFORCING && fs.state != QUOTA_ACCOUNTING)
		return 0; /* nothing counts here: no tag to set */
	if (projid == 0)
		return core_fail(e, -EINVAL, "%s: a subordinate range starting at 0 cannot be a project id", name);
	r = quota_tag_get(layer, &have, &inherit);
	if (r < 0)
		return core_fail(e, r, "layer of %s: reading its project id: %s", name, strerror(-r));
	if (have != projid || !inherit) {
		if (have != 0 && have != projid)
			return core_fail(
				e, -EEXIST,
				"layer of %s has project id %u, not %u (the first of their subordinate range): "
				"refused; 'lxloginctl reset %s' archives it",
				name, have, projid, name);
		r = quota_get(layer, projid, &use);
		if (r == 0 && use.inodes != 0)
			return core_fail(e, -EEXIST,
					 "project id %u of %s is already used by %llu other files on %s: refused, so "
					 "that nobody else's files count against %s; find them with 'lsattr -Rp' and "
					 "give them another project id",
					 projid, name, (unsigned long long)use.inodes, fs.source, name);
		r = r < 0 ? r : quota_tree_retag(layer, projid);
		if (r < 0)
			return core_fail(e, r, "layer of %s: tagging it with project id %u: %s", name, projid,
					 strerror(-r));
	}
	r = quota_set(layer, projid, wanted ? limit_of(&v->disk) : 0, wanted ? limit_of(&v->inodes) : 0);
	if (r < 0)
		return core_fail(e, r, "layer of %s: setting the quota of project %u: %s", name, projid, strerror(-r));
	return wanted && fs.state == QUOTA_ENFORCING ? 1 : 0;
}

/* What the layer uses against its limits, from its project's quota; -EOPNOTSUPP where none applies. */
int quota_layer_usage(int layer, uint32_t projid, struct quota_usage *ret)
{
	uint32_t have;
	bool inherit;
	int r = quota_tag_get(layer, &have, &inherit);

	if (r < 0)
		return r == -ENOTTY || r == -EINVAL ? -EOPNOTSUPP : r;
	if (have != projid || projid == 0)
		return -EOPNOTSUPP;
	r = quota_get(layer, projid, ret);
	return r == -ENOSYS || r == -ESRCH || r == -ENOTTY ? -EOPNOTSUPP : r;
}

/*
 * After the layer left (archived out of the project, or deleted; no fd of
 * it left open, which would keep its inode counted): project projid has no
 * limit and must count nothing. The kernel may count a file a moment longer
 * than its last name: XFS frees unlinked inodes in the background, and the
 * stopped container's overlay lets go of its upper files when its superblock
 * goes, after the last process left. A flush, then a bounded wait (10 s) for
 * the count to drop, before it is an error.
 */
int quota_release(int dir, uint32_t projid, struct core_err *e)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	struct quota_usage use;
	int r = quota_get(dir, projid, &use);

	if (r == -ENOSYS || r == -ESRCH || r == -ENOTTY || r == -EOPNOTSUPP)
		return 0; /* no quota here: nothing to release */
	if (r == 0)
		r = quota_set(dir, projid, 0, 0);
	for (int i = 0; r == 0 && i < 200; i++) {
		__do_close int fs = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fs >= 0)
			(void)syncfs(fs);
		r = quota_get(dir, projid, &use);
		if (r < 0 || use.inodes == 0)
			break;
		nanosleep(&step, NULL);
	}
	if (r < 0)
		return core_fail(e, r, "clearing the quota of project %u: %s", projid, strerror(-r));
	if (use.inodes != 0)
		return core_fail(e, -EBUSY,
				 "project %u still counts %llu files after its layer left (find them with "
				 "'lsattr -Rp')",
				 projid, (unsigned long long)use.inodes);
	return 0;
}
