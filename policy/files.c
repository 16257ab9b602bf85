/* files.c - reach policy directories and files by fd, refusing any that are not root's alone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "policy.h"

/*
 * Like sshd's StrictModes: a directory on the way to the policy must be
 * root's and writable by nobody else; an ancestor may be world-writable only
 * with the sticky bit (as /tmp), where nobody else can rename what root made.
 */
static int check_dir(int fd, const char *path, bool last, struct policy_diag *diag)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		policy_diag_add(diag, "%s: cannot stat: %s", path, strerror(errno));
		return -errno;
	}
	if (S_ISLNK(st.st_mode)) {
		policy_diag_add(diag, "%s: is a symbolic link (refused)", path);
		return -ELOOP;
	}
	if (!S_ISDIR(st.st_mode)) {
		policy_diag_add(diag, "%s: is not a directory", path);
		return -ENOTDIR;
	}
	if (st.st_uid != 0) {
		policy_diag_add(diag, "%s: is not owned by root (refused)", path);
		return -EPERM;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (last || !(st.st_mode & S_ISVTX))) {
		policy_diag_add(diag, "%s: is group or world writable (refused)", path);
		return -EPERM;
	}
	return 0;
}

/*
 * Open an absolute directory path component by component without following
 * links, each checked as check_dir() says. With create_mode, missing
 * components are made (root's; the last with create_mode, others 0755).
 * Returns an O_PATH fd.
 */
int trusted_dir_open(const char *path, mode_t create_mode, struct policy_diag *diag)
{
	__do_close int fd = -EBADF;
	__do_free char *copy = NULL, *shown = NULL;
	char *save = NULL, *comp;
	size_t len = strlen(path);
	int r;

	if (path[0] != '/') {
		policy_diag_add(diag, "%s: not an absolute path", path);
		return -EINVAL;
	}
	copy = strdup(path);
	shown = calloc(1, len + 2);
	if (!copy || !shown)
		return -ENOMEM;
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	shown[0] = '/';
	r = check_dir(fd, shown, strspn(path, "/") == len, diag);
	if (r < 0)
		return r;
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		bool last = !save || strspn(save, "/") == strlen(save);
		int next;

		if (strcmp(comp, ".") == 0)
			continue;
		if (shown[1])
			strcat(shown, "/");
		strcat(shown, comp);
		if (strcmp(comp, "..") == 0) {
			policy_diag_add(diag, "%s: '..' is not allowed here", path);
			return -EINVAL;
		}
		next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create_mode) {
			mode_t mode = last ? create_mode : 0755;
			if (mkdirat(fd, comp, mode) < 0 && errno != EEXIST) {
				r = -errno;
				policy_diag_add(diag, "%s: mkdir: %s", shown, strerror(errno));
				return r;
			}
			/* umask must not weaken or strengthen the mode asked for */
			next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (next >= 0 && fchmodat(fd, comp, mode, 0) < 0) {
				close(next);
				next = -1;
			}
		}
		if (next < 0) {
			r = -errno;
			policy_diag_add(diag, "%s: %s", shown, strerror(errno));
			return r;
		}
		close(fd);
		fd = next;
		r = check_dir(fd, shown, last, diag);
		if (r < 0)
			return r;
	}
	return move_fd(fd);
}

int policy_dir_open(const char *path, struct policy_diag *diag)
{
	return trusted_dir_open(path, 0, diag);
}

/* users.d or groups.d: -ENOENT without a message when absent. */
int policy_subdir_open(int dirfd, const char *name, const char *path, struct policy_diag *diag)
{
	__do_close int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0) {
		r = -errno;
		if (r != -ENOENT)
			policy_diag_add(diag, "%s: %s", path, strerror(errno));
		return r;
	}
	r = check_dir(fd, path, true, diag);
	if (r < 0)
		return r;
	return move_fd(fd);
}

/*
 * Open, check and parse one policy file: a regular file, root's, writable by
 * nobody else, one link, at most POLICY_FILE_MAX bytes. The open never blocks
 * (a FIFO is refused, not waited on). -ENOENT without a message when absent;
 * any other refusal is reported and returned.
 */
int policy_file_load(int dirfd, const char *name, const char *path, enum policy_scope scope, struct policy_file **ret,
		     struct policy_diag *diag)
{
	__do_close int fd = -EBADF;
	__do_free char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP)
			policy_diag_add(diag, "%s: is a symbolic link (refused)", path);
		else if (r != -ENOENT)
			policy_diag_add(diag, "%s: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		policy_diag_add(diag, "%s: cannot stat: %s", path, strerror(errno));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		policy_diag_add(diag, "%s: is not a regular file (refused)", path);
		return -EINVAL;
	}
	if (st.st_uid != 0) {
		policy_diag_add(diag, "%s: is not owned by root (refused)", path);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		policy_diag_add(diag, "%s: is group or world writable (refused)", path);
		return -EPERM;
	}
	if (st.st_nlink != 1) {
		policy_diag_add(diag, "%s: has more than one hard link (refused)", path);
		return -EPERM;
	}
	if (st.st_size > POLICY_FILE_MAX) {
		policy_diag_add(diag, "%s: is larger than %d bytes (refused)", path, POLICY_FILE_MAX);
		return -EFBIG;
	}
	buf = malloc(POLICY_FILE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	while (len <= POLICY_FILE_MAX) {
		ssize_t n = read(fd, buf + len, POLICY_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			policy_diag_add(diag, "%s: read: %s", path, strerror(errno));
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	/* A file that grew past the cap while being read is parsed as too large. */
	return policy_parse(path, buf, len, scope, ret, diag);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The "*.conf" names in a directory (no hidden files), sorted bytewise. Returns the count. */
int policy_dir_list(int dirfd, char ***ret_names)
{
	__do_close int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d)
		return -errno;
	fd = -EBADF; /* owned by d now */
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **grown;

		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		grown = realloc(names, (n + 2) * sizeof(char *));
		if (!grown)
			goto oom;
		names = grown;
		names[n + 1] = NULL;
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto oom;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_names);
	*ret_names = names;
	return (int)n;
oom:
	policy_strv_free(names);
	closedir(d);
	return -ENOMEM;
}
