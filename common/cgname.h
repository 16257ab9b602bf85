/* cgname.h - where a user's cgroup lives below a hierarchy's root: one rule for the helper, lxloginctl and
 * lxlogin-shell. */
#ifndef LXLOGIN_CGNAME_H
#define LXLOGIN_CGNAME_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

/*
 * Without systemd: <LXLOGIN_CGROUP_NAME>/<user>, made by lxlogin. On a
 * systemd host with pure cgroup v2: the transient scope
 * <LXLOGIN_CGROUP_NAME>-<user>.scope in <LXLOGIN_CGROUP_NAME>.slice, whose
 * cgroup systemd makes ("a-b.slice" lives in "a.slice/a-b.slice").
 *
 * On cgroup v2 no process sits in the user's cgroup itself: sessions go to
 * its "sessions" leaf and the container (LXC's monitor and payload cgroups)
 * below its "container" child, whose parent enables no controller for it, so
 * LXC never has to (the limits are the user cgroup's, above both).
 */
#define CGNAME_SLICE LXLOGIN_CGROUP_NAME ".slice"
#define CGNAME_SESSIONS "sessions"
#define CGNAME_CONTAINER "container"

/* The cgroup path of slice <name>.slice, as systemd derives it from the name. */
static inline int cgname_slice_path_of(const char *name, char *buf, size_t size)
{
	size_t used = 0;

	for (const char *dash = name;; dash++) {
		dash = strchr(dash, '-');
		int n = snprintf(buf + used, size - used, "%s%.*s.slice", used ? "/" : "",
				 (int)(dash ? (size_t)(dash - name) : strlen(name)), name);
		if (n < 0 || (size_t)n >= size - used)
			return -ENAMETOOLONG;
		used += (size_t)n;
		if (!dash)
			return 0;
	}
}

static inline int cgname_slice_path(char *buf, size_t size)
{
	return cgname_slice_path_of(LXLOGIN_CGROUP_NAME, buf, size);
}

static inline int cgname_scope(const char *user, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s-%s.scope", LXLOGIN_CGROUP_NAME, user);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The user's cgroup, relative to a hierarchy's root (no leading '/'). */
static inline int cgname_user(bool systemd, const char *user, char *buf, size_t size)
{
	char scope[128];
	size_t n;
	int r;

	if (!systemd) {
		int w = snprintf(buf, size, "%s/%s", LXLOGIN_CGROUP_NAME, user);
		return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
	}
	r = cgname_slice_path(buf, size);
	if (r == 0)
		r = cgname_scope(user, scope, sizeof(scope));
	n = strlen(buf);
	if (r == 0 && snprintf(buf + n, size - n, "/%s", scope) >= (int)(size - n))
		r = -ENAMETOOLONG;
	return r;
}

#endif
