/*
 * seccomp.c - the container's seccomp policy, in one place: written as LXC's
 * profile for the container's init, and loaded as the same filter into every
 * process lxlogin attaches (a session must not get less than the init has).
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "cleanup.h"
#include "core.h"

/* LXC's own default denylist: each fails with EPERM; umount2 with MNT_FORCE fails with EACCES. */
static const char *const denied[] = { "kexec_load",   "open_by_handle_at", "init_module",
				      "finit_module", "delete_module",	   NULL };

/* The profile LXC loads for the init (lxc.seccomp.profile), in its version 2 format. */
int seccomp_profile_text(char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "2\ndenylist\nreject_force_umount\n[all]\n");

	for (size_t i = 0; denied[i] && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s errno 1\n", denied[i]);
	return n < size ? 0 : -ENAMETOOLONG;
}

/*
 * Load the same policy into the calling process, for every syscall ABI the
 * kernel runs (on x86-64 also i386 and x32), as LXC's "[all]" does. Needs
 * CAP_SYS_ADMIN in the caller's user namespace: the filter is loaded without
 * no_new_privs, so that setuid programs inside (sudo) keep working.
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
	if (r == 0)
		r = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	return r < 0 ? r : 0;
}
