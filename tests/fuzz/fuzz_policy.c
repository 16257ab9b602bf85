/* fuzz_policy.c - libFuzzer target: any bytes as a policy file of any scope, then printed back. */
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diag diag = { 0 };
	struct policy_file *f = NULL;
	enum policy_scope scope = size ? (enum policy_scope)(data[0] % 3) : POLICY_SCOPE_USER;
	char buf[POLICY_LINE_MAX];

	if (policy_parse("fuzz.conf", (const char *)data, size, scope, &f, &diag) < 0)
		return 0;
	if (f->n_errors != diag.count)
		__builtin_trap();
	for (size_t k = 0; k < POLICY_KEY_COUNT; k++) {
		if (f->line[k] && k != POLICY_EXEMPT_USERS && k != POLICY_EXEMPT_GROUPS &&
		    policy_value_format((enum policy_key)k, &f->values, buf, sizeof(buf)) == 0) {
			/* what we print must parse back to the same text */
			struct policy_values again;
			char why[256], buf2[POLICY_LINE_MAX];

			policy_values_default(&again);
			if (policy_value_parse((enum policy_key)k, buf, &again, why, sizeof(why)) < 0)
				__builtin_trap();
			if (policy_value_format((enum policy_key)k, &again, buf2, sizeof(buf2)) < 0)
				__builtin_trap();
			for (size_t i = 0; buf[i] || buf2[i]; i++)
				if (buf[i] != buf2[i])
					__builtin_trap();
		}
	}
	if (f->values.hostname[0])
		(void)policy_hostname(f->values.hostname, "fuzz_user", buf, sizeof(buf));
	policy_file_free(f);
	policy_diag_free(&diag);
	return 0;
}
