/*
 * fileattr.c - a test's probe of a file's attributes and of the calls that change them,
 * run as root inside a container (SECURITY.md case 62). Static: it runs on any image.
 *   fileattr get PATH            projid=N inherit=0|1
 *   fileattr setflags PATH       FS_IOC_GETFLAGS, then FS_IOC_SETFLAGS with the same flags (chattr)
 *   fileattr fssetxattr PATH     FS_IOC_FSSETXATTR: project 0, no inheritance
 *   fileattr file_setattr PATH   file_setattr(2) (Linux 6.17): project 0, no inheritance
 * Each change prints "ok" or "error NAME" (the errno's name), and exits 0 either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NR_FILE_SETATTR 469

struct file_attr_v0 { /* include/uapi/linux/fs.h, Linux 6.17 */
	uint64_t fa_xflags;
	uint32_t fa_extsize, fa_nextents, fa_projid, fa_cowextsize;
};

static const char *errname(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EACCES:
		return "EACCES";
	case ENOTTY:
		return "ENOTTY";
	default:
		return strerror(e);
	}
}

static int said(int r)
{
	if (r < 0)
		printf("error %s\n", errname(errno));
	else
		printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct fsxattr fa;
	int fd, flags;

	if (argc != 3)
		return fprintf(stderr, "usage: fileattr get|setflags|fssetxattr|file_setattr PATH\n"), 2;
	fd = open(argv[2], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fprintf(stderr, "fileattr: %s: %s\n", argv[2], strerror(errno)), 1;
	if (strcmp(argv[1], "get") == 0) {
		if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
			return fprintf(stderr, "fileattr: FS_IOC_FSGETXATTR: %s\n", strerror(errno)), 1;
		printf("projid=%u inherit=%d\n", fa.fsx_projid, (fa.fsx_xflags & FS_XFLAG_PROJINHERIT) != 0);
		return 0;
	}
	if (strcmp(argv[1], "setflags") == 0) {
		if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
			return said(-1);
		return said(ioctl(fd, FS_IOC_SETFLAGS, &flags));
	}
	if (strcmp(argv[1], "fssetxattr") == 0) {
		if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
			return said(-1);
		fa.fsx_projid = 0;
		fa.fsx_xflags &= ~(uint32_t)FS_XFLAG_PROJINHERIT;
		return said(ioctl(fd, FS_IOC_FSSETXATTR, &fa));
	}
	if (strcmp(argv[1], "file_setattr") == 0) {
		struct file_attr_v0 a = { 0 };
		return said((int)syscall(NR_FILE_SETATTR, AT_FDCWD, argv[2], &a, sizeof(a), 0));
	}
	return fprintf(stderr, "fileattr: unknown operation %s\n", argv[1]), 2;
}
