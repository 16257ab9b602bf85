/* resolve.c - decide a user's verdict and merge their effective policy with provenance. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "policy.h"

#define GLOBAL_FILE "lxlogin.conf"
#define USERS_DIR "users.d"
#define GROUPS_DIR "groups.d"

void policy_result_free(struct policy_result *r)
{
	for (size_t i = 0; i < r->n_files; i++)
		policy_file_free(r->files[i]);
	free(r->files);
	free(r->lxc);
	policy_diag_free(&r->diag);
	memset(r, 0, sizeof(*r));
}

static char *join(const char *dir, const char *name)
{
	char *p = NULL;
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (asprintf(&p, "%.*s/%s", (int)n, dir, name) < 0)
		return NULL;
	return p;
}

static bool strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

__attribute__((format(printf, 3, 4))) static void verdict(struct policy_result *res, enum policy_verdict v,
							  const char *fmt, ...)
{
	va_list ap;

	res->verdict = v;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/* Load dir/name into res->files. 0, -ENOENT (absent), -ENOMEM, or another refusal (in diag). */
static int load(struct policy_result *res, int dirfd, const char *dirpath, const char *name, enum policy_scope scope,
		struct policy_file **ret)
{
	__do_free char *path = join(dirpath, name);
	struct policy_file **grown;
	struct policy_file *f = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = policy_file_load(dirfd, name, path, scope, &f, &res->diag);
	if (r < 0)
		return r;
	grown = realloc(res->files, (res->n_files + 1) * sizeof(*grown));
	if (!grown) {
		policy_file_free(f);
		return -ENOMEM;
	}
	res->files = grown;
	res->files[res->n_files++] = f;
	*ret = f;
	return 0;
}

/* The values f sets, over v; origin remembers where each came from. */
static void merge_values(struct policy_values *v, struct policy_origin origin[POLICY_KEY_COUNT],
			 const struct policy_file *f)
{
	for (size_t k = 0; k < POLICY_KEY_COUNT; k++) {
		if (!f->line[k] || k == POLICY_PRIORITY || k == POLICY_EXEMPT_USERS || k == POLICY_EXEMPT_GROUPS)
			continue;
		policy_value_copy((enum policy_key)k, v, &f->values);
		origin[k] = (struct policy_origin){ f->path, f->line[k] };
	}
}

static int merge(struct policy_result *res, const struct policy_file *f)
{
	struct policy_lxc_line *grown;

	merge_values(&res->values, res->origin, f);
	if (!f->n_lxc)
		return 0;
	grown = realloc(res->lxc, (res->n_lxc + f->n_lxc) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	res->lxc = grown;
	memcpy(res->lxc + res->n_lxc, f->lxc, f->n_lxc * sizeof(*grown));
	res->n_lxc += f->n_lxc;
	return 0;
}

static int cmp_group_files(const void *a, const void *b)
{
	const struct policy_file *fa = *(struct policy_file *const *)a, *fb = *(struct policy_file *const *)b;

	if (fa->values.priority != fb->values.priority)
		return fa->values.priority < fb->values.priority ? -1 : 1;
	return strcmp(fa->path, fb->path);
}

/* Is the user exempt by lxlogin.conf? Fills the verdict if so. */
static bool exempt_by_admin(struct policy_result *res, const struct policy_file *global, const struct policy_user *u)
{
	if (strv_contains(global->exempt_users, u->name)) {
		verdict(res, POLICY_EXEMPT, "named in exempt_users (%s:%u)", global->path,
			global->line[POLICY_EXEMPT_USERS]);
		return true;
	}
	for (size_t i = 0; i < u->n_groups; i++) {
		if (strv_contains(global->exempt_groups, u->groups[i])) {
			verdict(res, POLICY_EXEMPT, "member of group %s, named in exempt_groups (%s:%u)", u->groups[i],
				global->path, global->line[POLICY_EXEMPT_GROUPS]);
			return true;
		}
	}
	return false;
}

/* Does users.d hold "<name>.conf" for a name that cannot be used as a path? Compared, never opened. */
static int user_file_listed(int users_fd, const char *name, bool *ret)
{
	char **names = NULL;
	size_t n = strlen(name);
	int r = policy_dir_list(users_fd, &names);

	*ret = false;
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; names && names[i] && !*ret; i++)
		*ret = strncmp(names[i], name, n) == 0 && strcmp(names[i] + n, ".conf") == 0;
	policy_strv_free(names);
	return 0;
}

/*
 * The verdict, in this order:
 *  1. uid 0 is exempt, by a built-in rule no file can change (nothing is read);
 *  2. an untrusted or missing policy directory or lxlogin.conf refuses everyone
 *     else: we cannot know who is exempt or contained;
 *  3. exempt_users / exempt_groups lines that parsed are honoured even when
 *     other lines of any file are broken (never lock out the admin);
 *  4. a user named by users.d/<user>.conf, or a member of a group with a
 *     groups.d/<group>.conf, is contained; if users.d or groups.d cannot be
 *     trusted, nobody can be told uncontained, so the user is refused;
 *  5. everyone else is not contained;
 *  6. a contained user whose lxlogin.conf, user file or group files have any
 *     problem is refused (fail closed), with every problem in diag.
 * Merge order: defaults < lxlogin.conf < groups.d (by priority, then file
 * name; later wins) < users.d; lxc.* lines accumulate in that order.
 * Returns 0 (the verdict is in res), or -ENOMEM.
 */
int policy_resolve(const char *config_dir, const struct policy_user *u, struct policy_result *res)
{
	__do_close int dirfd = -EBADF, users_fd = -EBADF, groups_fd = -EBADF;
	__do_free char *users_path = NULL, *groups_path = NULL;
	struct policy_file *global = NULL, *user_file = NULL;
	struct policy_file **group_files = NULL;
	size_t n_group_files = 0, first_group;
	const char *group_named = NULL;
	bool user_named = false, name_ok = policy_name_valid(u->name);
	int r;

	memset(res, 0, sizeof(*res));
	policy_values_default(&res->values);
	if (u->uid == 0) {
		verdict(res, POLICY_EXEMPT, "uid 0 is always exempt (built-in rule)");
		return 0;
	}
	dirfd = policy_dir_open(config_dir, &res->diag);
	if (dirfd == -ENOMEM)
		return -ENOMEM;
	if (dirfd < 0) {
		verdict(res, POLICY_REFUSED, "the policy directory %s cannot be used", config_dir);
		return 0;
	}
	r = load(res, dirfd, config_dir, GLOBAL_FILE, POLICY_SCOPE_GLOBAL, &global);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (r == -ENOENT)
			policy_diag_add(&res->diag, "%s/%s: missing", config_dir, GLOBAL_FILE);
		verdict(res, POLICY_REFUSED, "%s/%s cannot be used", config_dir, GLOBAL_FILE);
		return 0;
	}
	if (exempt_by_admin(res, global, u))
		return 0;

	users_path = join(config_dir, USERS_DIR);
	groups_path = join(config_dir, GROUPS_DIR);
	if (!users_path || !groups_path)
		return -ENOMEM;
	users_fd = policy_subdir_open(dirfd, USERS_DIR, users_path, &res->diag);
	groups_fd = policy_subdir_open(dirfd, GROUPS_DIR, groups_path, &res->diag);
	if (users_fd == -ENOMEM || groups_fd == -ENOMEM)
		return -ENOMEM;
	if ((users_fd < 0 && users_fd != -ENOENT) || (groups_fd < 0 && groups_fd != -ENOENT)) {
		verdict(res, POLICY_REFUSED, "the policy directories cannot be used");
		return 0;
	}

	if (name_ok && users_fd >= 0) {
		char name[POLICY_NAME_MAX + sizeof(".conf")];

		snprintf(name, sizeof(name), "%s.conf", u->name);
		r = load(res, users_fd, users_path, name, POLICY_SCOPE_USER, &user_file);
		if (r == -ENOMEM)
			return r;
		user_named = r != -ENOENT; /* present, even if refused */
	} else if (users_fd >= 0) {
		/* a name lxlogin cannot contain is never a path: only compared with what users.d holds */
		r = user_file_listed(users_fd, u->name, &user_named);
		if (r == -ENOMEM)
			return r;
	}
	first_group = res->n_files;
	for (size_t i = 0; groups_fd >= 0 && i < u->n_groups; i++) {
		char name[POLICY_NAME_MAX + sizeof(".conf")];
		struct policy_file *f;

		if (!policy_name_valid(u->groups[i]))
			continue;
		snprintf(name, sizeof(name), "%s.conf", u->groups[i]);
		r = load(res, groups_fd, groups_path, name, POLICY_SCOPE_GROUP, &f);
		if (r == -ENOMEM)
			return r;
		if (r != -ENOENT && !group_named)
			group_named = u->groups[i];
	}
	/* Group files were appended after the user file, if any: sort just them. */
	group_files = res->files + first_group;
	n_group_files = res->n_files - first_group;
	qsort(group_files, n_group_files, sizeof(*group_files), cmp_group_files);

	if (!user_named && !group_named) {
		verdict(res, POLICY_NOT_CONTAINED, "no %s/%s.conf and no groups.d file for the user's groups",
			USERS_DIR, u->name);
		return 0;
	}
	if (!name_ok) {
		policy_diag_add(&res->diag,
				"user name '%.40s' cannot be contained (1 to %d of A-Z, a-z, 0-9, '_', '.', '-', "
				"starting with a letter or '_')",
				u->name, POLICY_NAME_MAX);
	}
	if (res->diag.count) {
		verdict(res, POLICY_REFUSED, "the policy for %s has %zu problem%s", u->name, res->diag.count,
			res->diag.count == 1 ? "" : "s");
		return 0;
	}
	r = merge(res, global);
	for (size_t i = 0; r == 0 && i < n_group_files; i++)
		r = merge(res, group_files[i]);
	if (r == 0 && user_file)
		r = merge(res, user_file);
	if (r < 0)
		return r;
	policy_network_validate(&res->values, res->origin, true, &res->diag);
	if (res->diag.count) {
		verdict(res, POLICY_REFUSED, "the policy for %s has %zu problem%s", u->name, res->diag.count,
			res->diag.count == 1 ? "" : "s");
		return 0;
	}
	if (user_named)
		verdict(res, POLICY_CONTAINED, "named by %s", user_file->path);
	else
		verdict(res, POLICY_CONTAINED, "member of group %s (%s/%s.conf)", group_named, groups_path,
			group_named);
	return 0;
}

/* A fixed address or MAC seen in users.d, for the no-two-users rule. */
struct fixed_seen {
	struct policy_values values;
	struct policy_origin ipv4, hwaddr;
	char *path;
};

struct check_state {
	const struct policy_file *global; /* NULL if it could not be loaded */
	struct fixed_seen *seen;
	size_t n_seen;
};

static void check_fixed_twice(const struct check_state *st, const struct policy_file *f, struct policy_diag *diag)
{
	for (size_t i = 0; i < st->n_seen; i++) {
		const struct fixed_seen *s = &st->seen[i];
		char a[18];

		if (f->line[POLICY_IPV4] && s->ipv4.line && s->values.ipv4 == f->values.ipv4) {
			policy_ipv4_format(f->values.ipv4, a);
			policy_diag_add(diag, "%s:%u: ipv4: %s is already %s:%u's", f->path, f->line[POLICY_IPV4], a,
					s->ipv4.file, s->ipv4.line);
		}
		if (f->line[POLICY_HWADDR] && s->hwaddr.line &&
		    memcmp(s->values.hwaddr, f->values.hwaddr, sizeof(s->values.hwaddr)) == 0) {
			policy_hwaddr_format(f->values.hwaddr, a);
			policy_diag_add(diag, "%s:%u: hwaddr: %s is already %s:%u's", f->path, f->line[POLICY_HWADDR],
					a, s->hwaddr.file, s->hwaddr.line);
		}
	}
}

/* A users.d file's network keys over lxlogin.conf's, and no address or MAC fixed for two users. */
static int check_user_network(struct check_state *st, const struct policy_file *f, struct policy_diag *diag)
{
	struct policy_origin origin[POLICY_KEY_COUNT] = { 0 };
	struct policy_values v;
	struct fixed_seen *grown;

	policy_values_default(&v);
	if (st->global)
		merge_values(&v, origin, st->global);
	merge_values(&v, origin, f);
	if (f->line[POLICY_IPV4] || f->line[POLICY_GATEWAY] || f->line[POLICY_NETWORK])
		policy_network_validate(&v, origin, false, diag);
	if (!f->line[POLICY_IPV4] && !f->line[POLICY_HWADDR])
		return 0;
	check_fixed_twice(st, f, diag);
	grown = realloc(st->seen, (st->n_seen + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	st->seen = grown;
	grown[st->n_seen] = (struct fixed_seen){ f->values, { NULL, 0 }, { NULL, 0 }, strdup(f->path) };
	if (!grown[st->n_seen].path)
		return -ENOMEM;
	if (f->line[POLICY_IPV4] && f->values.ipv4)
		grown[st->n_seen].ipv4 = (struct policy_origin){ grown[st->n_seen].path, f->line[POLICY_IPV4] };
	if (f->line[POLICY_HWADDR] && !f->values.hwaddr_auto)
		grown[st->n_seen].hwaddr = (struct policy_origin){ grown[st->n_seen].path, f->line[POLICY_HWADDR] };
	st->n_seen++;
	return 0;
}

/* lxlogin.conf's values over the defaults (the host-wide ones: bridge, subnet, pool, nat). 0, or problems in diag. */
int policy_global_values(const char *config_dir, struct policy_values *ret, struct policy_diag *diag)
{
	__do_close int dirfd = -EBADF;
	__do_free char *path = join(config_dir, GLOBAL_FILE);
	struct policy_origin origin[POLICY_KEY_COUNT] = { 0 };
	struct policy_file *f = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	dirfd = policy_dir_open(config_dir, diag);
	if (dirfd < 0)
		return dirfd;
	r = policy_file_load(dirfd, GLOBAL_FILE, path, POLICY_SCOPE_GLOBAL, &f, diag);
	if (r == -ENOENT)
		policy_diag_add(diag, "%s: missing", path);
	if (r < 0)
		return r;
	policy_values_default(ret);
	merge_values(ret, origin, f);
	policy_network_validate(ret, origin, true, diag);
	policy_file_free(f);
	return diag->count ? -EINVAL : 0;
}

/* Check one users.d or groups.d directory: every *.conf, named for a valid name. */
static int check_subdir(int dirfd, const char *config_dir, const char *sub, enum policy_scope scope,
			struct check_state *st, struct policy_diag *diag, size_t *files, policy_file_fn each, void *arg)
{
	__do_free char *path = join(config_dir, sub);
	__do_close int fd = -EBADF;
	char **names = NULL;
	int r = 0, n;

	if (!path)
		return -ENOMEM;
	fd = policy_subdir_open(dirfd, sub, path, diag);
	if (fd < 0)
		return fd == -ENOMEM ? fd : 0;
	n = policy_dir_list(fd, &names);
	if (n < 0) {
		policy_diag_add(diag, "%s: cannot list: %s", path, strerror(-n));
		return n == -ENOMEM ? n : 0;
	}
	for (int i = 0; i < n && r == 0; i++) {
		__do_free char *file_path = join(path, names[i]);
		struct policy_file *f = NULL;
		size_t len = strlen(names[i]) - strlen(".conf");

		if (!file_path) {
			r = -ENOMEM;
			break;
		}
		(*files)++;
		names[i][len] = '\0';
		if (!policy_name_valid(names[i]))
			policy_diag_add(diag, "%s: file name is not a valid %s name", file_path,
					scope == POLICY_SCOPE_USER ? "user" : "group");
		names[i][len] = '.';
		r = policy_file_load(fd, names[i], file_path, scope, &f, diag);
		if (r == 0 && each)
			each(f, arg);
		if (r == 0 && scope == POLICY_SCOPE_USER)
			r = check_user_network(st, f, diag);
		policy_file_free(f);
		if (r != -ENOMEM)
			r = 0;
	}
	policy_strv_free(names);
	return r;
}

/* Check every policy file; each problem goes to diag. Returns 0 or -ENOMEM. */
int policy_check(const char *config_dir, struct policy_diag *diag, size_t *ret_files, policy_file_fn each, void *arg)
{
	__do_close int dirfd = -EBADF;
	__do_free char *global_path = join(config_dir, GLOBAL_FILE);
	struct policy_file *f = NULL;
	struct check_state st = { 0 };
	size_t files = 0;
	int r;

	*ret_files = 0;
	if (!global_path)
		return -ENOMEM;
	dirfd = policy_dir_open(config_dir, diag);
	if (dirfd < 0)
		return dirfd == -ENOMEM ? dirfd : 0;
	files++;
	r = policy_file_load(dirfd, GLOBAL_FILE, global_path, POLICY_SCOPE_GLOBAL, &f, diag);
	if (r == -ENOMEM)
		return r;
	if (r == -ENOENT)
		policy_diag_add(diag, "%s: missing", global_path);
	if (r == 0) {
		struct policy_origin origin[POLICY_KEY_COUNT] = { 0 };
		struct policy_values v;

		policy_values_default(&v);
		merge_values(&v, origin, f);
		policy_network_validate(&v, origin, true, diag);
		st.global = f;
		if (each)
			each(f, arg);
	}
	r = check_subdir(dirfd, config_dir, USERS_DIR, POLICY_SCOPE_USER, &st, diag, &files, each, arg);
	if (r == 0)
		r = check_subdir(dirfd, config_dir, GROUPS_DIR, POLICY_SCOPE_GROUP, &st, diag, &files, each, arg);
	for (size_t i = 0; i < st.n_seen; i++)
		free(st.seen[i].path);
	free(st.seen);
	policy_file_free(f);
	*ret_files = files;
	return r;
}
