/* paths.c - lxlogin's own directories and files, made and reached by fd, never by re-resolving a path. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"

static int root_sub_open(const char *root, mode_t root_mode, const char *sub, mode_t mode, struct core_err *e)
{
	struct policy_diag diag = { 0 };
	__do_close int fd = trusted_dir_open(root, root_mode, &diag);
	int r;

	if (fd < 0) {
		r = core_fail(e, fd, "%s", diag.n_msgs ? diag.msgs[0] : root);
		policy_diag_free(&diag);
		return r;
	}
	policy_diag_free(&diag);
	if (!sub)
		return move_fd(fd);
	return dir_ensure(fd, sub, mode, 0, 0, sub, e);
}

/* A home directory a container can be given (a bind mount's target, a passwd field): plain, not "/". */
bool home_is_valid(const char *home)
{
	return home && policy_path_plain(home) && strlen(home) >= 2;
}

/* LXLOGIN_STATE_DIR (root 0755) or a root-owned directory in it. */
int state_dir_open(const char *sub, mode_t mode, struct core_err *e)
{
	return root_sub_open(LXLOGIN_STATE_DIR, 0755, sub, mode, e);
}

/* LXLOGIN_RUN_DIR (root 0711: others may pass, not list) or a directory in it. */
int run_dir_open(const char *sub, mode_t mode, struct core_err *e)
{
	return root_sub_open(LXLOGIN_RUN_DIR, 0711, sub, mode, e);
}

/*
 * parent/name as a directory owned by uid:gid with exactly mode: made if
 * missing (the parent is root's alone, so nobody can race us between mkdir and
 * chown); if present it must already be a directory with that owner and no
 * write bits beyond mode. Returns an O_PATH fd.
 */
int dir_ensure(int parent, const char *name, mode_t mode, uid_t uid, gid_t gid, const char *shown, struct core_err *e)
{
	__do_close int fd = -EBADF;
	struct stat st;

	if (mkdirat(parent, name, 0700) == 0) {
		if (fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(parent, name, mode, 0) < 0)
			return core_fail(e, -errno, "%s: %s", shown, strerror(errno));
	} else if (errno != EEXIST) {
		return core_fail(e, -errno, "%s: mkdir: %s", shown, strerror(errno));
	}
	fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return core_fail(e, -errno, "%s: %s", shown, strerror(errno));
	if (fstat(fd, &st) < 0)
		return core_fail(e, -errno, "%s: %s", shown, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return core_fail(e, -ENOTDIR, "%s: exists and is not a directory (refused)", shown);
	if (st.st_uid != uid || st.st_gid != gid)
		return core_fail(e, -EPERM, "%s: owned by %u:%u, expected %u:%u (refused)", shown, (unsigned)st.st_uid,
				 (unsigned)st.st_gid, (unsigned)uid, (unsigned)gid);
	if ((st.st_mode & 0022) & ~mode)
		return core_fail(e, -EPERM, "%s: writable by others (refused)", shown);
	return move_fd(fd);
}

/* All of data into fd, owned uid:gid with mode; fsync'd if durable. */
static int file_fill(int fd, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid, bool durable)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0 || (durable && fsync(fd) < 0))
		return -errno;
	return 0;
}

/* Replace dirfd/name with data by a temp file renamed over it: never a torn file; with durable, fsync'd. */
static int file_replace(int dirfd, const char *name, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
			bool durable)
{
	__do_close int fd = -EBADF;
	char tmp[256];
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	(void)unlinkat(dirfd, tmp, 0); /* a leftover of a crash */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = file_fill(fd, data, len, mode, uid, gid, durable);
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return r;
	}
	return durable ? dir_sync(dirfd) : 0;
}

/* The state dir's files: temp file, fsync, rename, fsync dir. A crash leaves the old file or the new one. */
int file_write_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid)
{
	return file_replace(dirfd, name, data, len, mode, uid, gid, true);
}

/* RUN's files: replaced whole by a rename, never fsync'd (RUN does not outlive a boot). */
int file_write_run(int dirfd, const char *name, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid)
{
	return file_replace(dirfd, name, data, len, mode, uid, gid, false);
}

/*
 * A new file in a directory no one else has seen yet (made to be renamed
 * into place whole), fsync'd: its entry is made durable by one dir_sync of
 * the directory once all its files are written, before that rename.
 */
int file_write_new(int dirfd, const char *name, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid)
{
	__do_close int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : file_fill(fd, data, len, mode, uid, gid, true);
}

/* fsync the directory dirfd (an O_PATH fd is reopened for it). */
int dir_sync(int dirfd)
{
	__do_close int dir = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return dir < 0 || fsync(dir) < 0 ? -errno : 0;
}

/*
 * Remove parent/name and everything below it, never following a link.
 * Only for trees that no user or container has ever been able to write.
 */
int tree_remove(int parent, const char *name, unsigned depth)
{
	__do_close int fd = -EBADF;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	if (depth == 0)
		return -ELOOP;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d)
		return -errno;
	fd = -EBADF;
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = tree_remove(dirfd(d), de->d_name, depth - 1);
	}
	closedir(d);
	if (r == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0)
		r = -errno;
	return r;
}

/*
 * fn(dir, name, st, arg) for every entry below dir, parents before their
 * children, never following a link; st is the entry's own (lstat). fn may
 * replace a non-directory entry. Depth-bounded: -ELOOP beyond it.
 */
int tree_each(int dir, unsigned depth, tree_fn fn, void *arg)
{
	__do_closedir DIR *d = NULL;
	struct dirent *de;
	int fd, r = 0;

	if (depth == 0)
		return -ELOOP;
	fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		__do_close int sub = -EBADF;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = errno == ENOENT ? 0 : -errno;
			continue;
		}
		r = fn(dirfd(d), de->d_name, &st, arg);
		if (r < 0 || !S_ISDIR(st.st_mode))
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = sub < 0 ? -errno : tree_each(sub, depth - 1, fn, arg);
	}
	return r == 0 && errno ? -errno : r;
}

static int open_in(int root, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = { .flags = flags | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve };
	int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

/* root/path opened with every link resolved inside root (an image, a layer): never out of it. */
int tree_open(int root, const char *path, uint64_t flags)
{
	return open_in(root, path, flags, RESOLVE_NO_XDEV);
}

int tree_stat(int root, const char *path, struct stat *st)
{
	__do_close int fd = tree_open(root, path, O_PATH);

	if (fd < 0)
		return fd;
	return fstat(fd, st) < 0 ? -errno : 0;
}

/* The same in a running system's root (a container's init's /proc/PID/root): across its mounts. */
int system_stat(int root, const char *path, struct stat *st)
{
	__do_close int fd = open_in(root, path, O_PATH, 0);

	if (fd < 0)
		return fd;
	return fstat(fd, st) < 0 ? -errno : 0;
}

/* A regular file of at most TREE_FILE_MAX bytes, NUL-terminated; its gid too if asked. */
int tree_read(int root, const char *path, char **ret, gid_t *ret_gid)
{
	__do_close int fd = tree_open(root, path, O_RDONLY | O_NONBLOCK);
	__do_free char *buf = NULL;
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size > TREE_FILE_MAX)
		return -EINVAL;
	if (ret_gid)
		*ret_gid = st.st_gid;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*ret = move_ptr(buf);
	return 0;
}
