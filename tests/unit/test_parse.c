/* test_parse.c - every error path of the line parser, with its exact file:line: key: message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define P "/etc/lxlogin/users.d/alice.conf"

static struct policy_file *parse_scope(const char *text, size_t len, enum policy_scope scope, struct policy_diag *diag)
{
	struct policy_file *f = NULL;

	assert_int_equal(policy_parse(P, text, len, scope, &f, diag), 0);
	assert_non_null(f);
	assert_int_equal(f->n_errors, diag->count);
	return f;
}

/* The file's messages must be exactly the NULL-terminated list given. */
static void expect(const char *text, size_t len, enum policy_scope scope, ...)
{
	struct policy_diag diag = { 0 };
	struct policy_file *f = parse_scope(text, len, scope, &diag);
	const char *want;
	size_t i = 0;
	va_list ap;

	va_start(ap, scope);
	while ((want = va_arg(ap, const char *))) {
		if (i >= diag.n_msgs)
			fail_msg("missing message: %s", want);
		assert_string_equal(diag.msgs[i], want);
		i++;
	}
	va_end(ap);
	if (i != diag.n_msgs)
		fail_msg("unexpected message: %s", diag.msgs[i]);
	policy_file_free(f);
	policy_diag_free(&diag);
}

#define EXPECT(text, ...) expect(text, strlen(text), POLICY_SCOPE_USER, __VA_ARGS__, NULL)
#define EXPECT_CLEAN(text) expect(text, strlen(text), POLICY_SCOPE_USER, NULL)

static void valid_file(void **state)
{
	static const char text[] = "# comment\n"
				   "\n"
				   "   # indented comment\n"
				   "memory = 2G\n"
				   "\tcpus=1.5\t\n"
				   "pids =   100   \n"
				   "lxc.mount.entry = /srv srv none bind,create=dir 0 0\n"
				   "lxc.mount.entry = /opt opt none bind # not a comment\n"
				   "root = yes"; /* no final newline */
	struct policy_diag diag = { 0 };
	struct policy_file *f = parse_scope(text, strlen(text), POLICY_SCOPE_USER, &diag);

	assert_int_equal(diag.count, 0);
	assert_int_equal(f->line[POLICY_MEMORY], 4);
	assert_int_equal(f->line[POLICY_CPUS], 5);
	assert_int_equal(f->line[POLICY_PIDS], 6);
	assert_int_equal(f->line[POLICY_ROOT], 9);
	assert_int_equal(f->line[POLICY_IMAGE], 0);
	assert_true(f->values.memory.value == 2ULL << 30);
	assert_int_equal(f->values.cpus.value, 1500);
	assert_int_equal(f->values.pids.value, 100);
	assert_true(f->values.root);
	assert_int_equal(f->n_lxc, 2);
	assert_string_equal(f->lxc[0].key, "lxc.mount.entry");
	assert_string_equal(f->lxc[0].value, "/srv srv none bind,create=dir 0 0");
	assert_string_equal(f->lxc[1].value, "/opt opt none bind # not a comment");
	assert_int_equal(f->lxc[1].origin.line, 8);
	assert_string_equal(f->lxc[1].origin.file, P);
	policy_file_free(f);
	policy_diag_free(&diag);
}

static void syntax_errors(void **state)
{
	EXPECT("memory 2G\n", P ":1: expected 'key = value', found 'memory 2G'");
	EXPECT("= 2G\n", P ":1: expected 'key = value', found no key before '='");
	EXPECT("Memory = 2G\n", P ":1: 'Memory' is not a key (keys are a-z, 0-9, '_' and '.')");
	EXPECT("mem-ory = 2G\n", P ":1: 'mem-ory' is not a key (keys are a-z, 0-9, '_' and '.')");
	EXPECT("memory =\n", P ":1: memory: missing value");
	EXPECT("memory =   \t\n", P ":1: memory: missing value");
	EXPECT("hostname = caf\xc3\xa9\n", P ":1: hostname: value contains a control or non-ASCII byte");
	EXPECT("hostname = a\x01"
	       "b\n",
	       P ":1: hostname: value contains a control or non-ASCII byte");
	EXPECT("memory_max = 2G\n", P ":1: memory_max: unknown key");
	EXPECT("\n\nmemory = 10Q\n",
	       P ":3: memory: '10Q' is not a size (a whole number with an optional K, M, G, T, P or E suffix, a "
		 "percentage of host memory like 50%, or unlimited)");
}

static void duplicates_and_scopes(void **state)
{
	EXPECT("memory = 1G\npids = 5\nmemory = 2G\n", P ":3: memory: set twice (first on line 1)");
	EXPECT("exempt_users = bob\n", P ":1: exempt_users: only allowed in lxlogin.conf");
	EXPECT("exempt_groups = adm\n", P ":1: exempt_groups: only allowed in lxlogin.conf");
	EXPECT("priority = 10\n", P ":1: priority: only allowed in groups.d files");
	expect("priority = 10\n", 14, POLICY_SCOPE_GROUP, NULL);
	expect("priority = 10\n", 14, POLICY_SCOPE_GLOBAL, P ":1: priority: only allowed in groups.d files", NULL);
	/* a value error does not count as "set": a later good line is not a duplicate */
	EXPECT("pids = 0\npids = 10\n", P ":1: pids: 0 is out of range (1 to 4194304)");
}

static void lxc_lines(void **state)
{
	EXPECT("lxc.idmap = u 0 0 65536\n",
	       P ":1: lxc.idmap: set by lxlogin itself; lxlogin maps the user's subordinate ids itself");
	EXPECT("lxc.rootfs.path = /\n", P ":1: lxc.rootfs.path: set by lxlogin itself; use the image key");
	EXPECT("lxc.cgroup2.memory.max = max\n", P
	       ":1: lxc.cgroup2.memory.max: set by lxlogin itself; use the memory, swap, cpus, cpu_weight, pids and io_weight keys");
	EXPECT("lxc.uts.name = x\n", P ":1: lxc.uts.name: set by lxlogin itself; use the hostname key");
	EXPECT("lxc.include = /etc/passwd\n",
	       P ":1: lxc.include: set by lxlogin itself; put the lines in the policy file itself");
	EXPECT("lxc. = x\n", P ":1: lxc.: unknown key");
	EXPECT_CLEAN("lxc.environment = A=1\nlxc.environment = B=2\n");
}

static void exempt_lists(void **state)
{
	struct policy_diag diag = { 0 };
	static const char text[] = "exempt_users = admin, ops  ../x,0day\nexempt_groups = sudo wheel\n";
	struct policy_file *f = parse_scope(text, strlen(text), POLICY_SCOPE_GLOBAL, &diag);

	assert_int_equal(diag.count, 2);
	assert_string_equal(diag.msgs[0], P ":1: exempt_users: '../x' is not a valid user name");
	assert_string_equal(diag.msgs[1], P ":1: exempt_users: '0day' is not a valid user name");
	/* the valid names still count: an admin is not locked out by a typo beside them */
	assert_string_equal(f->exempt_users[0], "admin");
	assert_string_equal(f->exempt_users[1], "ops");
	assert_null(f->exempt_users[2]);
	assert_string_equal(f->exempt_groups[1], "wheel");
	policy_file_free(f);
	policy_diag_free(&diag);
	expect("exempt_groups = ,\n", 18, POLICY_SCOPE_GLOBAL, P ":1: exempt_groups: no names given", NULL);
	expect("exempt_groups = a:b\n", 20, POLICY_SCOPE_GLOBAL, P ":1: exempt_groups: 'a:b' is not a valid group name",
	       NULL);
}

/* SECURITY.md case 21: hostile bytes give a clear error and never a crash. */
static void hostile_bytes(void **state)
{
	char *big;
	size_t n;

	expect("memory = 1G\0\npids = 5\n", 22, POLICY_SCOPE_USER, P ":1: line contains a NUL byte", NULL);
	EXPECT("memory = 1G\r\npids = 5\r\n",
	       P ":1: line ends with a carriage return (DOS line ending; convert with dos2unix)",
	       P ":2: line ends with a carriage return (DOS line ending; convert with dos2unix)");
	EXPECT("\xef\xbb\xbfmemory = 1G\n", P ":1: file starts with a byte order mark (save it without one)");
	EXPECT_CLEAN("# caf\xc3\xa9 \xff\xfe comments may hold any bytes\n");
	EXPECT("\xff\xfe = 1\n", P ":1: '?"
				   "?' is not a key (keys are a-z, 0-9, '_' and '.')");

	big = malloc(POLICY_LINE_MAX + 16);
	memset(big, '#', POLICY_LINE_MAX + 1);
	memcpy(big + POLICY_LINE_MAX + 1, "\npids=5\n", 9);
	expect(big, strlen(big), POLICY_SCOPE_USER, P ":1: line is longer than 1024 bytes", NULL);
	memset(big, '#', POLICY_LINE_MAX);
	memcpy(big + POLICY_LINE_MAX, "\n", 2);
	expect(big, strlen(big), POLICY_SCOPE_USER, NULL);
	free(big);

	/* 10^6 lines: over the size cap, refused whole without reading a line */
	n = 1000000;
	big = malloc(n);
	memset(big, '\n', n);
	expect(big, n, POLICY_SCOPE_USER, P ": file is larger than 65536 bytes", NULL);
	/* at the cap exactly: parsed */
	expect(big, POLICY_FILE_MAX, POLICY_SCOPE_USER, NULL);
	free(big);
}

static void every_problem_reported(void **state)
{
	EXPECT("memory = x\ncpus = 0\nbogus = 1\nroot = maybe\nroot = yes\n", P ":1: memory: 'x' is not a number",
	       P ":2: cpus: '0' is out of range (0.01 to 1024; 0 does not mean unlimited, write unlimited)",
	       P ":3: bogus: unknown key", P ":4: root: 'maybe' is not allowed (use no or yes)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_file),
		cmocka_unit_test(syntax_errors),
		cmocka_unit_test(duplicates_and_scopes),
		cmocka_unit_test(lxc_lines),
		cmocka_unit_test(exempt_lists),
		cmocka_unit_test(hostile_bytes),
		cmocka_unit_test(every_problem_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
