/* rootfs.c - the container's root: the shared base image, idmapped onto the user's range, under their own layer. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "core.h"

static int sys_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

static int sys_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static int write_file(const char *path, const char *text)
{
	__do_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	return write(fd, text, len) == (ssize_t)len ? 0 : -errno;
}

/* A user namespace mapping 0..count-1 onto the user's ranges: the idmapping of the base image. */
static int userns_for(const struct core_user *u, struct core_err *e)
{
	int ready[2] = { -1, -1 }, done[2] = { -1, -1 };
	char path[64], map[64];
	int fd = -EBADF, status;
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0)
		return core_fail(e, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		fd = core_fail(e, -errno, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		/* The helper is not dumpable, which would make this child's /proc
		 * files unwritable for the map; it holds nothing and only waits. */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 || unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		(void)!read(done[0], &c, 1); /* until the parent has the namespace */
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	ready[1] = done[0] = -1;
	if (read(ready[0], &c, 1) != 1) {
		fd = core_fail(e, -EIO, "cannot create the user namespace for the idmapped mount");
		goto reap;
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %u %u\n", u->uids.start, u->uids.count);
	fd = write_file(path, map);
	if (fd == 0) {
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
		snprintf(map, sizeof(map), "0 %u %u\n", u->gids.start, u->gids.count);
		fd = write_file(path, map);
	}
	if (fd == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0)
		core_fail(e, fd, "idmap user namespace: %s", strerror(-fd));
reap:
	close(done[1]);
	done[1] = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
out:
	for (int i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (done[i] >= 0)
			close(done[i]);
	}
	return fd;
}

/* dir/name as an O_PATH fd, which must be a root-owned directory (or owned by owner). */
static int open_dir_owned(int dir, const char *name, uid_t owner, const char *shown, struct core_err *e)
{
	__do_close int fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return core_fail(e, -errno, "%s: %s", shown, strerror(errno));
	if (fstat(fd, &st) < 0)
		return core_fail(e, -errno, "%s: %s", shown, strerror(errno));
	if (st.st_uid != owner || (st.st_mode & 0022))
		return core_fail(e, -EPERM, "%s: not owned by uid %u alone (refused)", shown, (unsigned)owner);
	return move_fd(fd);
}

/*
 * In the caller's (private) mount namespace, mount at RUN/rootfs/<user> an
 * overlay of: lower = the image's rootfs, read-only, nodev, idmapped so that
 * its root-owned files belong to the user's range; upper/work = the user's
 * layer. Nothing is copied or chowned: the cost does not depend on the image.
 * Every path the kernel sees is /proc/self/fd/N of a directory we opened and
 * checked, so nothing is re-resolved between the check and the mount.
 */
int rootfs_mount(const struct core_user *u, struct core_err *e)
{
	__do_close int images = -EBADF, image = -EBADF, lower = -EBADF, users = -EBADF, layer = -EBADF;
	__do_close int upper = -EBADF, work = -EBADF, roots = -EBADF, target = -EBADF, userns = -EBADF;
	__do_close int tree = -EBADF;
	const char *name = u->acct.name, *image_name = u->policy.values.image;
	struct mount_attr attr = { 0 };
	char opts[256], where[64];

	images = state_dir_open("images", 0755, e);
	users = state_dir_open("users", 0700, e);
	roots = run_dir_open("rootfs", 0711, e);
	if (images < 0 || users < 0 || roots < 0)
		return -EIO;
	image = open_dir_owned(images, image_name, 0, image_name, e);
	if (image < 0)
		return core_fail(e, image, "image %s: %s", image_name, e->msg);
	lower = open_dir_owned(image, "rootfs", 0, "image rootfs", e);
	layer = lower < 0 ? -EBADF : open_dir_owned(users, name, 0, "user layer", e);
	upper = layer < 0 ? -EBADF : open_dir_owned(layer, "upper", u->uids.start, "layer upper", e);
	work = upper < 0 ? -EBADF : open_dir_owned(layer, "work", 0, "layer work", e);
	if (work < 0)
		return -EIO;
	target = dir_ensure(roots, name, 0755, 0, 0, "rootfs mount point", e);
	if (target < 0)
		return target;

	userns = userns_for(u, e);
	if (userns < 0)
		return userns;
	tree = sys_open_tree(lower, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return core_fail(e, -errno, "open_tree of image %s: %s", image_name, strerror(errno));
	attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID;
	attr.userns_fd = (__u64)(unsigned)userns;
	if (sys_mount_setattr(tree, "", AT_EMPTY_PATH, &attr) < 0)
		return core_fail(e, -errno,
				 "idmapped mount of image %s: %s (needs a kernel and filesystem with "
				 "idmapped mounts)",
				 image_name, strerror(errno));
	/* Kernels before 6.8 take no detached mount as an overlay layer ("failed to clone
	 * lowerpath"): attach it first, at the mount point, which the overlay then covers. */
	if (sys_move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return core_fail(e, -errno, "attaching the idmapped image %s: %s", image_name, strerror(errno));
	snprintf(opts, sizeof(opts), "lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d,workdir=/proc/self/fd/%d",
		 tree, upper, work);
	snprintf(where, sizeof(where), "/proc/self/fd/%d", target);
	if (mount("overlay", where, "overlay", MS_NODEV, opts) < 0)
		return core_fail(e, -errno, "overlay mount for %s: %s", name, strerror(errno));
	return 0;
}
