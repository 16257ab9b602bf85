/*
 * user.c - who a user is to lxlogin, whatever the backend: their account and
 * policy. What lxlogin keeps of them (ranges, lock, activity, last error) is
 * state.c's: lxlogin-shell links only this.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"

#define UID_MIN_DEFAULT 1000

/* UID_MIN from /etc/login.defs: below it are system accounts, never contained. */
static uid_t uid_min(void)
{
	__do_fclose FILE *f = fopen("/etc/login.defs", "re");
	char line[256];
	unsigned long v;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " UID_MIN %lu", &v) == 1 && v > 0 && v < 1000000)
			return (uid_t)v;
	return UID_MIN_DEFAULT;
}

void core_user_free(struct core_user *u)
{
	policy_result_free(&u->policy);
	policy_account_free(&u->acct);
}

/*
 * The account (NSS; with rec, the layer's record of one deleted since) and
 * the policy resolved for it. Never a system account.
 */
int core_user_account(const char *name, const struct layer_account *rec, struct core_user *u, struct core_err *e)
{
	struct policy_user pu;
	int r;

	memset(u, 0, sizeof(*u));
	if (!policy_name_valid(name))
		return core_fail(e, -EINVAL, "'%.40s' is not a user name lxlogin accepts", name);
	r = policy_account_lookup(name, &u->acct);
	if (r == -ENOENT && rec) { /* userdel'd: the layer still says whose it was */
		u->acct.name = strdup(name);
		u->acct.home = strdup("/");
		u->acct.groups = calloc(1, sizeof(char *));
		u->acct.uid = rec->uid;
		u->acct.gid = rec->gid;
		if (!u->acct.name || !u->acct.home || !u->acct.groups)
			return core_fail(e, -ENOMEM, "out of memory");
	} else if (r < 0) {
		return core_fail(e, r, "%s: %s", name, r == -ENOENT ? "no such user" : "user database lookup failed");
	}
	if (u->acct.uid < uid_min())
		return core_fail(e, -EPERM, "%s: uid %u is a system account (below UID_MIN): never contained", name,
				 (unsigned)u->acct.uid);
	pu = (struct policy_user){ u->acct.name, u->acct.uid, (const char *const *)u->acct.groups, u->acct.n_groups };
	r = policy_resolve(LXLOGIN_CONFIG_DIR, &pu, &u->policy);
	return r < 0 ? core_fail(e, r, "policy: %s", strerror(-r)) : 0;
}

/*
 * Resolve a user name to who they are to lxlogin: the account (NSS), the
 * verdict and effective policy, the hostname. Only a contained user with a
 * clean policy gets here without an error, and only with a home the
 * container config can hold (checked before anything is written with it).
 * What a start needs beyond it (the ranges) is core_user_load's.
 */
int core_user_resolve(const char *name, struct core_user *u, struct core_err *e)
{
	int r = core_user_account(name, NULL, u, e);

	if (r < 0)
		return r;
	if (u->policy.verdict == POLICY_REFUSED)
		return core_fail(e, -EPERM, "%s", u->policy.diag.n_msgs ? u->policy.diag.msgs[0] : u->policy.reason);
	if (u->policy.verdict != POLICY_CONTAINED)
		return core_fail(e, -ENOENT, "%s is not contained: %s", name, u->policy.reason);
	if (!home_is_valid(u->acct.home))
		return core_fail(e, -EINVAL,
				 "%s: home %s cannot be given to a container (an absolute path of A-Z, a-z, 0-9, '.', "
				 "'_', '-' and '/', without '.' or '..' components)",
				 name, u->acct.home);
	r = policy_hostname(u->policy.values.hostname, name, u->hostname, sizeof(u->hostname));
	if (r < 0)
		return core_fail(e, r, "hostname template %s gives no hostname for %s", u->policy.values.hostname,
				 name);
	return 0;
}

/* lxlogin.conf's values (the backend, where its cluster is), or the defaults if it cannot be read (doctor says why). */
void core_site_values(struct policy_values *v)
{
	struct policy_diag diag = { 0 };

	if (policy_global_values(LXLOGIN_CONFIG_DIR, v, &diag) < 0)
		policy_values_default(v);
	policy_diag_free(&diag);
}
