/* backend.c - one interface to a user's container, whichever backend the site's lxlogin.conf chose. */
#include "core.h"

const struct core_backend *core_backend_of(const struct core_user *u)
{
	return u->policy.values.backend == POLICY_BACKEND_LXD ? &core_backend_lxd : &core_backend_local;
}

/* Made if need be and started; the outcome is kept for lxloginctl status and doctor. */
int core_start(const struct core_user *u, struct core_err *e)
{
	int r = core_backend_of(u)->start(u, e);

	core_last_error_record(u->acct.name, r, e);
	if (r == 0)
		core_mark_active(u->acct.name);
	return r;
}

int core_stop(const struct core_user *u, struct core_err *e)
{
	return core_backend_of(u)->stop(u, e);
}

int core_stop_idle(const struct core_user *u, uint32_t idle_s, struct core_err *e)
{
	return core_backend_of(u)->stop_idle(u, idle_s, e);
}

int core_status(const struct core_user *u, struct core_status *ret, struct core_err *e)
{
	return core_backend_of(u)->status(u, ret, e);
}

/* Stopped, then its writable state archived (local) or deleted. */
int core_reset(const struct core_user *u, bool delete, char *archived, size_t size, struct core_err *e)
{
	return core_backend_of(u)->reset(u, delete, archived, size, e);
}
