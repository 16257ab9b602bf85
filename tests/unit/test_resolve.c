/* test_resolve.c - verdicts, precedence and provenance on a real policy tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "cleanup.h"
#include "policy.h"
#include "testutil.h"

#define NOBODY 65534

struct tree {
	char *root; /* temp dir */
	char *etc;  /* the policy directory */
};

/* lxlogin.conf + groups.d/{staff,dev,aaa}.conf + users.d/alice.conf; line numbers matter below. */
static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	t->root = tmpdir_make();
	t->etc = path_of(t->root, "etc");
	make_dir(t->root, "etc");
	make_dir(t->root, "etc/users.d");
	make_dir(t->root, "etc/groups.d");
	write_file(t->etc, "lxlogin.conf",
		   "exempt_users = admin\n"    /* 1 */
		   "exempt_groups = wheel\n"   /* 2 */
		   "memory = 1G\n"	       /* 3 */
		   "cpus = 2\n"		       /* 4 */
		   "pids = 100\n"	       /* 5 */
		   "hostname = %%u-box\n"      /* 6 */
		   "lxc.environment = A=1\n"); /* 7 */
	write_file(t->etc, "groups.d/staff.conf",
		   "memory = 2G\n"	       /* 1 */
		   "cpus = 3\n"		       /* 2 */
		   "lxc.environment = B=2\n"); /* 3 */
	write_file(t->etc, "groups.d/dev.conf",
		   "priority = 60\n"	 /* 1 */
		   "memory = 3G\n"	 /* 2 */
		   "io_weight = 500\n"); /* 3 */
	write_file(t->etc, "groups.d/aaa.conf",
		   "memory = 5G\n"				/* 1 */
		   "swap = 1G\n");				/* 2 */
	write_file(t->etc, "users.d/alice.conf", "cpus = 4\n"); /* 1 */
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;

	tmpdir_remove(t->root);
	free(t->etc);
	free(t);
	return 0;
}

static void resolve(struct tree *t, const char *user, uid_t uid, const char *const *groups, struct policy_result *res)
{
	size_t n = 0;

	while (groups && groups[n])
		n++;
	struct policy_user u = { user, uid, groups, n };
	assert_int_equal(policy_resolve(t->etc, &u, res), 0);
}

static void expect_origin(const struct policy_result *res, enum policy_key k, const char *etc, const char *rel,
			  unsigned line)
{
	__do_free char *want = NULL;

	if (!rel) {
		assert_null(res->origin[k].file);
		return;
	}
	want = path_of(etc, rel);
	assert_non_null(res->origin[k].file);
	assert_string_equal(res->origin[k].file, want);
	assert_int_equal(res->origin[k].line, line);
}

static bool diag_has(const struct policy_result *res, const char *etc, const char *rel_msg)
{
	__do_free char *want = path_of(etc, rel_msg);

	for (size_t i = 0; i < res->diag.n_msgs; i++)
		if (strcmp(res->diag.msgs[i], want) == 0)
			return true;
	for (size_t i = 0; i < res->diag.n_msgs; i++)
		print_message("have: %s\n", res->diag.msgs[i]);
	print_message("want: %s\n", want);
	return false;
}

/* defaults < lxlogin.conf < groups (priority, then name) < user, every value with its origin. */
static void precedence_and_provenance(void **state)
{
	struct tree *t = *state;
	const char *groups[] = { "alice", "staff", "dev", "aaa", NULL };
	struct policy_result res;

	resolve(t, "alice", 1001, groups, &res);
	assert_int_equal(res.verdict, POLICY_CONTAINED);
	assert_int_equal(res.diag.count, 0);
	assert_true(res.values.memory.value == 3ULL << 30); /* dev: priority 60, applied last of the groups */
	expect_origin(&res, POLICY_MEMORY, t->etc, "groups.d/dev.conf", 2);
	assert_int_equal(res.values.cpus.value, 4000); /* user file wins */
	expect_origin(&res, POLICY_CPUS, t->etc, "users.d/alice.conf", 1);
	assert_int_equal(res.values.pids.value, 100);
	expect_origin(&res, POLICY_PIDS, t->etc, "lxlogin.conf", 5);
	assert_int_equal(res.values.io_weight, 500);
	expect_origin(&res, POLICY_IO_WEIGHT, t->etc, "groups.d/dev.conf", 3);
	assert_true(res.values.swap.value == 1ULL << 30); /* aaa: only it sets swap */
	expect_origin(&res, POLICY_SWAP, t->etc, "groups.d/aaa.conf", 2);
	assert_int_equal(res.values.cpu_weight, 100);
	expect_origin(&res, POLICY_CPU_WEIGHT, t->etc, NULL, 0);
	assert_string_equal(res.values.hostname, "%u-box");
	expect_origin(&res, POLICY_HOSTNAME, t->etc, "lxlogin.conf", 6);
	assert_int_equal(res.n_lxc, 2);
	assert_string_equal(res.lxc[0].value, "A=1");
	assert_string_equal(res.lxc[1].value, "B=2");
	assert_int_equal(res.lxc[1].origin.line, 3);
	assert_true(strstr(res.reason, "users.d/alice.conf") != NULL);
	policy_result_free(&res);
}

/* Same priority: file name order, later wins ("staff" after "aaa"). */
static void group_order_by_name(void **state)
{
	struct tree *t = *state;
	const char *groups[] = { "staff", "aaa", NULL };
	struct policy_result res;

	resolve(t, "bob", 1002, groups, &res);
	assert_int_equal(res.verdict, POLICY_CONTAINED);
	assert_true(res.values.memory.value == 2ULL << 30);
	expect_origin(&res, POLICY_MEMORY, t->etc, "groups.d/staff.conf", 1);
	assert_true(strstr(res.reason, "member of group") != NULL);
	policy_result_free(&res);
}

static void not_contained(void **state)
{
	struct tree *t = *state;
	const char *groups[] = { "carol", "users", NULL };
	struct policy_result res;

	write_file(t->etc, "users.d/alice.conf", "cpus = lots\n"); /* another user's problem */
	resolve(t, "carol", 1003, groups, &res);
	assert_int_equal(res.verdict, POLICY_NOT_CONTAINED);
	policy_result_free(&res);
	/* a name that cannot be a file name is not contained when no group names it */
	resolve(t, "0day", 1004, groups, &res);
	assert_int_equal(res.verdict, POLICY_NOT_CONTAINED);
	policy_result_free(&res);
}

/* A contained user with a broken file is refused, carrying every message. */
static void broken_user_file_refuses(void **state)
{
	struct tree *t = *state;
	const char *groups[] = { "alice", NULL };
	const char *staff[] = { "bob", "staff", NULL };
	struct policy_result res;

	write_file(t->etc, "users.d/alice.conf", "cpus = 4\nmemory = 0\nnope = 1\n");
	resolve(t, "alice", 1001, groups, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	assert_int_equal(res.diag.count, 2);
	assert_true(diag_has(&res, t->etc,
			     "users.d/alice.conf:2: memory: '0' is too small (at least 16M; 0 does not mean unlimited, "
			     "write unlimited)"));
	assert_true(diag_has(&res, t->etc, "users.d/alice.conf:3: nope: unknown key"));
	assert_string_equal(res.reason, "the policy for alice has 2 problems");
	policy_result_free(&res);

	/* bob's policy does not involve alice's file */
	resolve(t, "bob", 1002, staff, &res);
	assert_int_equal(res.verdict, POLICY_CONTAINED);
	policy_result_free(&res);
}

static void broken_group_file_refuses_members(void **state)
{
	struct tree *t = *state;
	const char *staff[] = { "bob", "staff", NULL };
	const char *dev[] = { "dan", "dev", NULL };
	struct policy_result res;

	write_file(t->etc, "groups.d/staff.conf", "pids = -1\n");
	resolve(t, "bob", 1002, staff, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	assert_true(diag_has(&res, t->etc, "groups.d/staff.conf:1: pids: '-1' is negative"));
	policy_result_free(&res);
	resolve(t, "dan", 1005, dev, &res);
	assert_int_equal(res.verdict, POLICY_CONTAINED);
	policy_result_free(&res);
}

static void broken_global_refuses_contained_only(void **state)
{
	struct tree *t = *state;
	const char *groups[] = { "alice", NULL };
	const char *none[] = { "carol", NULL };
	struct policy_result res;

	write_file(t->etc, "lxlogin.conf", "exempt_users = admin\nmemory = lots\n");
	resolve(t, "alice", 1001, groups, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	assert_true(diag_has(&res, t->etc, "lxlogin.conf:2: memory: 'lots' is not a number"));
	policy_result_free(&res);
	resolve(t, "carol", 1003, none, &res);
	assert_int_equal(res.verdict, POLICY_NOT_CONTAINED);
	policy_result_free(&res);
}

/* Root and exempt users get the host session even when every file is broken. */
static void exempt_survives_broken_files(void **state)
{
	struct tree *t = *state;
	const char *admin_groups[] = { "admin", "staff", NULL };
	const char *wheel_groups[] = { "walt", "wheel", "staff", NULL };
	const char *root_groups[] = { "root", "staff", NULL };
	struct policy_result res;

	write_file(t->etc, "lxlogin.conf", "bogus\nexempt_users = admin, ../x\nexempt_groups = wheel\nmemory = 0\n");
	write_file(t->etc, "groups.d/staff.conf", "\xef\xbb\xbfpids = 0\r\n");
	write_file(t->etc, "users.d/admin.conf", "memory = -1\n");
	write_file(t->etc, "users.d/walt.conf", "cpus = 0\n");
	write_file(t->etc, "users.d/root.conf", "cpus = 0\n");

	resolve(t, "admin", 1010, admin_groups, &res);
	assert_int_equal(res.verdict, POLICY_EXEMPT);
	assert_true(strstr(res.reason, "exempt_users") != NULL);
	policy_result_free(&res);
	resolve(t, "walt", 1011, wheel_groups, &res);
	assert_int_equal(res.verdict, POLICY_EXEMPT);
	assert_true(strstr(res.reason, "member of group wheel, named in exempt_groups") != NULL);
	policy_result_free(&res);
	resolve(t, "root", 0, root_groups, &res);
	assert_int_equal(res.verdict, POLICY_EXEMPT);
	policy_result_free(&res);

	/* root is exempt without reading anything: even an untrusted or missing tree */
	assert_int_equal(chown(t->etc, NOBODY, NOBODY), 0);
	resolve(t, "root", 0, root_groups, &res);
	assert_int_equal(res.verdict, POLICY_EXEMPT);
	assert_string_equal(res.reason, "uid 0 is always exempt (built-in rule)");
	policy_result_free(&res);
	resolve(t, "toor", 0, NULL, &res); /* by uid, not by name */
	assert_int_equal(res.verdict, POLICY_EXEMPT);
	policy_result_free(&res);
}

/* An untrusted or missing tree: nobody can be judged, so every non-root user is refused. */
static void untrusted_tree_refuses(void **state)
{
	struct tree *t = *state;
	__do_free char *conf = path_of(t->etc, "lxlogin.conf");
	__do_free char *users = path_of(t->etc, "users.d");
	__do_free char *alice = path_of(t->etc, "users.d/alice.conf");
	const char *groups[] = { "carol", NULL };
	const char *agroups[] = { "alice", NULL };
	struct policy_result res;

	assert_int_equal(chmod(conf, 0666), 0);
	resolve(t, "carol", 1003, groups, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	assert_true(diag_has(&res, t->etc, "lxlogin.conf: is group or world writable (refused)"));
	policy_result_free(&res);
	resolve(t, "admin", 1010, groups, &res); /* its exempt line cannot be trusted either */
	assert_int_equal(res.verdict, POLICY_REFUSED);
	policy_result_free(&res);
	assert_int_equal(unlink(conf), 0);
	resolve(t, "carol", 1003, groups, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	assert_true(diag_has(&res, t->etc, "lxlogin.conf: missing"));
	policy_result_free(&res);
	write_file(t->etc, "lxlogin.conf", "\n");

	assert_int_equal(chown(users, NOBODY, 0), 0);
	resolve(t, "carol", 1003, groups, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	assert_true(diag_has(&res, t->etc, "users.d: is not owned by root (refused)"));
	policy_result_free(&res);
	assert_int_equal(chown(users, 0, 0), 0);

	/* the user's own file replaced by a symlink: present, so contained, so refused */
	assert_int_equal(unlink(alice), 0);
	assert_int_equal(symlink("/etc/passwd", alice), 0);
	resolve(t, "alice", 1001, agroups, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	assert_true(diag_has(&res, t->etc, "users.d/alice.conf: is a symbolic link (refused)"));
	policy_result_free(&res);

	assert_int_equal(chown(t->etc, NOBODY, 0), 0);
	resolve(t, "carol", 1003, groups, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	policy_result_free(&res);
	tmpdir_remove(strdup(t->etc));
	resolve(t, "carol", 1003, groups, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	policy_result_free(&res);
}

/* SECURITY.md cases 23 and 24: a hostile name never becomes a policy path. */
static void hostile_names(void **state)
{
	struct tree *t = *state;
	const char *staff[] = { "staff", NULL };
	const char *via_path[] = { "../users.d/alice", NULL };
	struct policy_result res;

	/* "../groups.d/staff" would reach a real file if pasted into a path */
	resolve(t, "../groups.d/staff", 1020, NULL, &res);
	assert_int_equal(res.verdict, POLICY_NOT_CONTAINED);
	policy_result_free(&res);
	resolve(t, "x", 1021, via_path, &res);
	assert_int_equal(res.verdict, POLICY_NOT_CONTAINED);
	policy_result_free(&res);
	/* an invalid name in a contained group is refused, not silently uncontained */
	resolve(t, "0day", 1022, staff, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	assert_string_equal(res.diag.msgs[0],
			    "user name '0day' cannot be contained (1 to 32 of A-Z, a-z, 0-9, '_', '.', "
			    "'-', starting with a letter or '_')");
	policy_result_free(&res);
	/* issue 15: a users.d file for a name lxlogin cannot contain: the admin meant to contain it */
	write_file(t->etc, "users.d/0day.conf", "memory = 1G\n");
	resolve(t, "0day", 1022, NULL, &res);
	assert_int_equal(res.verdict, POLICY_REFUSED);
	assert_string_equal(res.diag.msgs[0],
			    "user name '0day' cannot be contained (1 to 32 of A-Z, a-z, 0-9, '_', '.', "
			    "'-', starting with a letter or '_')");
	policy_result_free(&res);
	/* ... found by comparing names only: a name with a slash matches no file */
	resolve(t, "../users.d/0day", 1023, NULL, &res);
	assert_int_equal(res.verdict, POLICY_NOT_CONTAINED);
	policy_result_free(&res);
}

static void check_reports_every_file(void **state)
{
	struct tree *t = *state;
	struct policy_diag diag = { 0 };
	size_t files = 0;

	assert_int_equal(policy_check(t->etc, &diag, &files, NULL, NULL), 0);
	assert_int_equal(diag.count, 0);
	assert_int_equal(files, 5);
	write_file(t->etc, "users.d/alice.conf", "cpus = 0\nx\n");
	write_file(t->etc, "users.d/0bad.conf", "\n");
	write_file(t->etc, "groups.d/dev.conf", "exempt_users = a\n");
	write_file(t->etc, "lxlogin.conf", "priority = 1\n");
	assert_int_equal(policy_check(t->etc, &diag, &files, NULL, NULL), 0);
	assert_int_equal(files, 6);
	assert_int_equal(diag.count, 5);
	policy_diag_free(&diag);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(precedence_and_provenance),
		T(group_order_by_name),
		T(not_contained),
		T(broken_user_file_refuses),
		T(broken_group_file_refuses_members),
		T(broken_global_refuses_contained_only),
		T(exempt_survives_broken_files),
		T(untrusted_tree_refuses),
		T(hostile_names),
		T(check_reports_every_file),
	};
	if (geteuid() != 0) {
		printf("SKIPPED test: test_resolve needs root (root-owned policy trees, chown)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
