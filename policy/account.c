/* account.c - a user's uid and group names from NSS, as policy_resolve() takes them. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "policy.h"

void policy_account_free(struct policy_account *a)
{
	policy_strv_free(a->groups);
	free(a->name);
	free(a->home);
	memset(a, 0, sizeof(*a));
}

static long sysconf_or(int name, long fallback)
{
	long v = sysconf(name);
	return v > 0 ? v : fallback;
}

/* Double an NSS buffer (ERANGE: the entry did not fit), up to 64 MiB. */
static bool buf_grow(char **buf, size_t *size)
{
	char *bigger;

	if (*size >= (64u << 20))
		return false;
	bigger = realloc(*buf, *size * 2);
	if (!bigger)
		return false;
	*buf = bigger;
	*size *= 2;
	return true;
}

/*
 * Look up a user by name: uid, primary gid, home, and the names of every group
 * (primary first). -ENOENT if there is no such user; -EIO if NSS failed (the
 * caller must not guess: an unknown membership could hide a contained group).
 */
int policy_account_lookup(const char *name, struct policy_account *ret)
{
	size_t pw_size = (size_t)sysconf_or(_SC_GETPW_R_SIZE_MAX, 16384);
	size_t gr_size = (size_t)sysconf_or(_SC_GETGR_R_SIZE_MAX, 16384);
	__do_free char *pw_buf = NULL, *gr_buf = NULL;
	__do_free gid_t *gids = NULL;
	struct policy_account a = { 0 };
	struct passwd pw, *pwp = NULL;
	int n = 64, r;

	pw_buf = malloc(pw_size);
	gr_buf = malloc(gr_size);
	if (!pw_buf || !gr_buf)
		return -ENOMEM;
	while ((r = getpwnam_r(name, &pw, pw_buf, pw_size, &pwp)) == ERANGE)
		if (!buf_grow(&pw_buf, &pw_size))
			return -ENOMEM;
	if (r != 0)
		return r == ENOMEM ? -ENOMEM : -EIO;
	if (!pwp)
		return -ENOENT;
	for (;;) {
		int want = n;
		gid_t *grown = realloc(gids, (size_t)n * sizeof(gid_t));

		if (!grown)
			return -ENOMEM;
		gids = grown;
		if (getgrouplist(pw.pw_name, pw.pw_gid, gids, &n) >= 0)
			break;
		if (n <= want) /* no growth asked for: a failure, not a short buffer */
			return -EIO;
	}
	a.uid = pw.pw_uid;
	a.gid = pw.pw_gid;
	a.name = strdup(pw.pw_name);
	a.home = strdup(pw.pw_dir);
	a.groups = calloc((size_t)n + 1, sizeof(char *));
	if (!a.name || !a.home || !a.groups) {
		policy_account_free(&a);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		struct group gr, *grp = NULL;

		/* a group of thousands of members is a long line: grow the buffer, never give up on it */
		while ((r = getgrgid_r(gids[i], &gr, gr_buf, gr_size, &grp)) == ERANGE)
			if (!buf_grow(&gr_buf, &gr_size)) {
				r = ENOMEM;
				break;
			}
		if (r != 0) {
			policy_account_free(&a);
			return r == ENOMEM ? -ENOMEM : -EIO;
		}
		if (!grp) /* a gid without a name cannot match a groups.d file */
			continue;
		a.groups[a.n_groups] = strdup(grp->gr_name);
		if (!a.groups[a.n_groups]) {
			policy_account_free(&a);
			return -ENOMEM;
		}
		a.n_groups++;
	}
	*ret = a;
	return 0;
}
