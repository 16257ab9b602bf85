/*
 * seccomp.c - the container's seccomp policy, in one place: written as LXC's
 * profile for the container's init, and loaded as the same filter into every
 * process lxlogin attaches (a session must not get less than the init has).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>

#include "cleanup.h"
#include "core.h"

/* LXC's own default denylist: each fails with EPERM; umount2 with MNT_FORCE fails with EACCES. */
static const char *const denied[] = { "kexec_load",   "open_by_handle_at", "init_module",
				      "finit_module", "delete_module",	   NULL };

/*
 * The calls that set a file's attributes (its flags, its project id): each
 * fails with EPERM, so chattr does not work inside. On an overlay, the
 * kernel checks such a change of a file not yet copied up against the
 * image's copy, then makes it on the user's copy with the overlay mounter's
 * credentials, host root's: container root could clear the project quota
 * tag of a directory of the layer, and all below it would escape the quota
 * (SECURITY.md case 62). The ioctl command is an int: only its low 32 bits
 * are compared, as the kernel reads only those.
 */
static const unsigned long attr_ioctls[] = { FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS, FS_IOC_FSSETXATTR };
#define NR_FILE_SETATTR 469	    /* file_setattr(2), Linux 6.17: one number on x86-64 and i386 */
#define X32_SYSCALL_BIT 0x40000000U /* x32's numbers: x86-64's with this bit */

/*
 * file_setattr(2) is newer than the libseccomp the filter is built with,
 * which cannot name it: a filter of its own, classic BPF, checked by arch.
 */
static int file_setattr_deny(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~X32_SYSCALL_BIT),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_FILE_SETATTR, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(code), .filter = code };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ? -errno : 0;
}

/* The profile LXC loads for the init (lxc.seccomp.profile), in its version 2 format. */
int seccomp_profile_text(char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "2\ndenylist\nreject_force_umount\n[all]\n");

	for (size_t i = 0; denied[i] && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s errno 1\n", denied[i]);
	return n < size ? 0 : -ENAMETOOLONG;
}

/*
 * Load the container's policy into the calling process, for every syscall
 * ABI the kernel runs (on x86-64 also i386 and x32), as LXC's "[all]" does:
 * LXC's denylist and the file attribute calls, which LXC's profile cannot
 * express (the start loads this into the process that becomes the init).
 * Needs CAP_SYS_ADMIN in the caller's user namespace: the filter is loaded
 * without no_new_privs, so that setuid programs inside (sudo) keep working.
 */
int seccomp_load_container(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = ctx ? 0 : -ENOMEM;

	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
#if defined(__x86_64__)
	if (r == 0)
		r = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	if (r == 0)
		r = seccomp_arch_add(ctx, SCMP_ARCH_X32);
#endif
	for (size_t i = 0; r == 0 && denied[i]; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr != __NR_SCMP_ERROR)
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(umount2), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, MNT_FORCE, MNT_FORCE));
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(attr_ioctls); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffU, attr_ioctls[i]));
	if (r == 0)
		r = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	return r < 0 ? r : file_setattr_deny();
}
