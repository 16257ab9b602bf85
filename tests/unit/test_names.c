/* test_names.c - user/group name validation and hostname templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "policy.h"

static void names_accepted(void **state)
{
	const char *ok[] = { "alice", "a",	    "_svc",  "Bob",
			     "lxt-a", "john.smith", "x_1-2", "abcdefghijklmnopqrstuvwxyz012345" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(policy_name_valid(ok[i]));
}

/* SECURITY.md case 24: names that could break or share an artefact. */
static void names_refused(void **state)
{
	char long_name[301];
	const char *bad[] = { "",	 ".",
			      "..",	 "-o",
			      "0day",	 "1000",
			      "a:b",	 "a,lowerdir=/",
			      "a/b",	 "../../home/alice/x",
			      "a b",	 "a\nb",
			      "é",	 "abcdefghijklmnopqrstuvwxyz0123456",
			      ".hidden", "a$" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(policy_name_valid(bad[i]));
	memset(long_name, 'a', 300);
	long_name[300] = '\0';
	assert_false(policy_name_valid(long_name));
	assert_false(policy_name_valid(NULL));
}

static void hostname_expands(void **state)
{
	char buf[POLICY_HOSTNAME_MAX + 1];

	assert_int_equal(policy_hostname("%u", "alice", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "alice");
	assert_int_equal(policy_hostname("%u-lab", "John.Smith", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "john-smith-lab");
	assert_int_equal(policy_hostname("box-%u", "_svc_", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "box--svc");
	assert_int_equal(policy_hostname("%u", "_", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(policy_hostname("%x", "alice", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(policy_hostname("%u", "../x", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(policy_hostname("%u", "alice", buf, 3), -ENAMETOOLONG);
}

static void hostname_is_cut_to_63(void **state)
{
	char buf[POLICY_HOSTNAME_MAX + 1];

	assert_int_equal(policy_hostname("%u-%u-%u", "abcdefghijklmnopqrstuvwxyz012345", buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 63);
	assert_true(buf[62] != '-');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_accepted),
		cmocka_unit_test(names_refused),
		cmocka_unit_test(hostname_expands),
		cmocka_unit_test(hostname_is_cut_to_63),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
