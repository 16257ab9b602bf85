/* privs.c - the one-way drop from root to the user, read back and checked. */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core.h"

/*
 * setgroups(0) + setresgid + setresuid to the user, then prove it: every uid
 * and gid is the user's, no supplementary group is left, no capability is
 * left in any set, and uid 0 cannot be regained. The caller must have closed
 * every fd it opened as root first: after the drop the user may ptrace us.
 */
int privs_drop_to_user(uid_t uid, gid_t gid, struct core_err *e)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	cap_t caps, none;
	int same;

	if (uid == 0 || gid == 0)
		return core_fail(e, -EPERM, "refusing to 'drop' to uid or gid 0");
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return core_fail(e, -errno, "dropping to uid %u: %s", (unsigned)uid, strerror(errno));
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid || getgroups(0, NULL) != 0)
		return core_fail(e, -EPERM, "after dropping to uid %u the credentials are not the user's",
				 (unsigned)uid);
	caps = cap_get_proc();
	none = cap_init();
	same = caps && none ? cap_compare(caps, none) : -1;
	cap_free(caps);
	cap_free(none);
	if (same != 0)
		return core_fail(e, -EPERM, "after dropping to uid %u capabilities remain", (unsigned)uid);
	if (setuid(0) == 0 || seteuid(0) == 0)
		return core_fail(e, -EPERM, "after dropping to uid %u, uid 0 could be regained", (unsigned)uid);
	/* newuidmap/newgidmap check that /proc/PID of the target is the caller's:
	 * the credential change made us non-dumpable (root-owned /proc/self). */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return core_fail(e, -errno, "PR_SET_DUMPABLE: %s", strerror(errno));
	return 0;
}
