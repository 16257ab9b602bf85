/* test_value.c - bounded parsing of each key's value, its messages, and printing back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "policy.h"

static void parse_err(enum policy_key k, const char *value, const char *msg)
{
	struct policy_values v;
	char why[256] = "";

	policy_values_default(&v);
	if (policy_value_parse(k, value, &v, why, sizeof(why)) >= 0)
		fail_msg("%s = %s was accepted", policy_key_name(k), value);
	assert_string_equal(why, msg);
}

/* Parse, then print back: must give `printed`. */
static void parse_ok(enum policy_key k, const char *value, const char *printed)
{
	struct policy_values v;
	char why[256] = "", out[128];

	policy_values_default(&v);
	if (policy_value_parse(k, value, &v, why, sizeof(why)) < 0)
		fail_msg("%s = %s refused: %s", policy_key_name(k), value, why);
	assert_int_equal(policy_value_format(k, &v, out, sizeof(out)), 0);
	assert_string_equal(out, printed);
}

static void sizes(void **state)
{
	struct policy_values v;
	char why[256];

	parse_ok(POLICY_MEMORY, "512M", "512M");
	parse_ok(POLICY_MEMORY, "2G", "2G");
	parse_ok(POLICY_MEMORY, "2048M", "2G");
	parse_ok(POLICY_MEMORY, "16777216", "16M");
	parse_ok(POLICY_MEMORY, "50%", "50%");
	parse_ok(POLICY_MEMORY, "unlimited", "unlimited");
	parse_ok(POLICY_MEMORY, "1E", "1E");
	parse_ok(POLICY_SWAP, "0", "0");
	parse_ok(POLICY_SWAP, "1000", "1000");
	policy_values_default(&v);
	assert_int_equal(policy_value_parse(POLICY_MEMORY, "3G", &v, why, sizeof(why)), 0);
	assert_int_equal(v.memory.kind, POLICY_LIMIT_ABSOLUTE);
	assert_true(v.memory.value == 3ULL << 30);
}

/* SECURITY.md case 22: hostile numbers, bounded and overflow-checked; 0 never means unlimited. */
static void sizes_refused(void **state)
{
	parse_err(POLICY_MEMORY, "-1", "'-1' is negative");
	parse_err(POLICY_MEMORY, "+5", "'+5': no sign allowed");
	parse_err(POLICY_MEMORY, "0x10G",
		  "'0x10G' is not a size (a whole number with an optional K, M, G, T, P or E suffix, a percentage of "
		  "host memory like 50%, or unlimited)");
	parse_err(POLICY_MEMORY, "1e9",
		  "'1e9' is not a size (a whole number with an optional K, M, G, T, P or E suffix, a percentage of "
		  "host memory like 50%, or unlimited)");
	parse_err(POLICY_MEMORY, "1.5G",
		  "'1.5G' is not a size (a whole number with an optional K, M, G, T, P or E suffix, a percentage of "
		  "host memory like 50%, or unlimited)");
	parse_err(POLICY_MEMORY, "18446744073709551616", "'18446744073709551616' is too large");
	parse_err(POLICY_MEMORY, "99999999999999999999999", "'99999999999999999999999' is too large");
	parse_err(POLICY_MEMORY, "16E", "'16E' is too large");
	parse_err(POLICY_MEMORY, "2E", "'2E' is too large (at most 1E)");
	parse_err(POLICY_MEMORY, "17179869184G", "'17179869184G' is too large");
	parse_err(POLICY_MEMORY, "0", "'0' is too small (at least 16M; 0 does not mean unlimited, write unlimited)");
	parse_err(POLICY_MEMORY, "1K", "'1K' is too small (at least 16M; 0 does not mean unlimited, write unlimited)");
	parse_err(POLICY_MEMORY, "0%", "0% is out of range (1% to 100%)");
	parse_err(POLICY_MEMORY, "101%", "101% is out of range (1% to 100%)");
	parse_err(POLICY_MEMORY, "", "'' is not a number");
	parse_err(POLICY_MEMORY, "G", "'G' is not a number");
	parse_err(POLICY_MEMORY, "1GG",
		  "'1GG' is not a size (a whole number with an optional K, M, G, T, P or E suffix, a percentage of "
		  "host memory like 50%, or unlimited)");
	parse_err(POLICY_SWAP, "-0", "'-0' is negative");
}

static void cpus(void **state)
{
	parse_ok(POLICY_CPUS, "1", "1");
	parse_ok(POLICY_CPUS, "1.5", "1.5");
	parse_ok(POLICY_CPUS, "0.25", "0.25");
	parse_ok(POLICY_CPUS, "0.01", "0.01");
	parse_ok(POLICY_CPUS, "2.125", "2.125");
	parse_ok(POLICY_CPUS, "1024", "1024");
	parse_ok(POLICY_CPUS, "unlimited", "unlimited");
	parse_err(POLICY_CPUS, "0", "'0' is out of range (0.01 to 1024; 0 does not mean unlimited, write unlimited)");
	parse_err(POLICY_CPUS, "0.001",
		  "'0.001' is out of range (0.01 to 1024; 0 does not mean unlimited, write unlimited)");
	parse_err(POLICY_CPUS, "1025",
		  "'1025' is out of range (0.01 to 1024; 0 does not mean unlimited, write unlimited)");
	parse_err(POLICY_CPUS, "1024.001",
		  "'1024.001' is out of range (0.01 to 1024; 0 does not mean unlimited, write unlimited)");
	parse_err(POLICY_CPUS, "1.2345",
		  "'1.2345' is not a CPU count (like 2, 1.5 or 0.25, at most 3 decimals, or unlimited)");
	parse_err(POLICY_CPUS, "1.", "'1.' is not a CPU count (like 2, 1.5 or 0.25, at most 3 decimals, or unlimited)");
	parse_err(POLICY_CPUS, ".5", "'.5' is not a number");
	parse_err(POLICY_CPUS, "1e3",
		  "'1e3' is not a CPU count (like 2, 1.5 or 0.25, at most 3 decimals, or unlimited)");
	parse_err(POLICY_CPUS, "-1", "'-1' is negative");
	parse_err(POLICY_CPUS, "18446744073709551615",
		  "'18446744073709551615' is out of range (0.01 to 1024; 0 does not mean unlimited, write unlimited)");
}

static void counts(void **state)
{
	parse_ok(POLICY_PIDS, "1", "1");
	parse_ok(POLICY_PIDS, "4194304", "4194304");
	parse_ok(POLICY_PIDS, "unlimited", "unlimited");
	parse_err(POLICY_PIDS, "0", "0 is out of range (1 to 4194304)");
	parse_err(POLICY_PIDS, "4194305", "4194305 is out of range (1 to 4194304)");
	parse_err(POLICY_PIDS, "10k", "'10k' is not a whole number");
	parse_ok(POLICY_CPU_WEIGHT, "10000", "10000");
	parse_err(POLICY_CPU_WEIGHT, "0", "0 is out of range (1 to 10000)");
	parse_ok(POLICY_IO_WEIGHT, "1", "1");
	parse_err(POLICY_IO_WEIGHT, "10001", "10001 is out of range (1 to 10000)");
	parse_ok(POLICY_PRIORITY, "0", "0");
	parse_err(POLICY_PRIORITY, "100", "100 is out of range (0 to 99)");
}

static void durations(void **state)
{
	parse_ok(POLICY_IDLE_STOP, "15m", "15m");
	parse_ok(POLICY_IDLE_STOP, "90m", "90m");
	parse_ok(POLICY_IDLE_STOP, "120m", "2h");
	parse_ok(POLICY_IDLE_STOP, "1d", "1d");
	parse_ok(POLICY_IDLE_STOP, "never", "never");
	parse_ok(POLICY_IDLE_STOP, "5s", "5s");
	parse_ok(POLICY_START_TIMEOUT, "90s", "90s");
	parse_ok(POLICY_START_TIMEOUT, "10m", "10m");
	parse_err(POLICY_IDLE_STOP, "0",
		  "'0' is not a duration (a whole number with s, m, h or d, like 90s or 15m, or never)");
	parse_err(POLICY_IDLE_STOP, "0m", "'0m' is out of range (1s to 31536000s; 0 does not mean never, write never)");
	parse_err(POLICY_IDLE_STOP, "366d",
		  "'366d' is out of range (1s to 31536000s; 0 does not mean never, write never)");
	parse_err(POLICY_IDLE_STOP, "99999999999999999999d", "'99999999999999999999d' is too large");
	parse_err(POLICY_START_TIMEOUT, "never", "'never' is not a number");
	parse_err(POLICY_START_TIMEOUT, "11m", "'11m' is out of range (1s to 600s)");
	parse_err(POLICY_START_TIMEOUT, "5 s",
		  "'5 s' is not a duration (a whole number with s, m, h or d, like 90s or 15m)");
}

static void words(void **state)
{
	parse_ok(POLICY_ROOT, "yes", "yes");
	parse_ok(POLICY_NESTING, "no", "no");
	parse_ok(POLICY_FORWARD_AGENT, "yes", "yes");
	parse_err(POLICY_FORWARD_AGENT, "always", "'always' is not allowed (use no or yes)");
	parse_ok(POLICY_IDLE_STOP_IF_PROCESSES, "yes", "yes");
	parse_err(POLICY_IDLE_STOP_IF_PROCESSES, "sometimes", "'sometimes' is not allowed (use no or yes)");
	parse_err(POLICY_ROOT, "true", "'true' is not allowed (use no or yes)");
	parse_err(POLICY_NESTING, "YES", "'YES' is not allowed (use no or yes)");
	parse_ok(POLICY_HOME, "container", "container");
	parse_err(POLICY_HOME, "shared", "'shared' is not allowed (use host or container)");
	parse_ok(POLICY_NETWORK, "none", "none");
	parse_ok(POLICY_NETWORK, "veth", "veth");
	parse_err(POLICY_NETWORK, "bridge", "'bridge' is not allowed (use none or veth)");
	parse_ok(POLICY_ISOLATE, "no", "no");
	parse_ok(POLICY_NAT, "yes", "yes");
	parse_ok(POLICY_QUOTA, "require", "require");
	parse_ok(POLICY_QUOTA, "warn", "warn");
	parse_ok(POLICY_QUOTA, "off", "off");
	parse_err(POLICY_QUOTA, "no", "'no' is not allowed (use require or warn or off)");
}

/* backend = lxd and where its cluster is: lxlogin.conf only, plain paths and LXD's project names */
static void backend_values(void **state)
{
	parse_ok(POLICY_BACKEND, "local", "local");
	parse_ok(POLICY_BACKEND, "lxd", "lxd");
	parse_err(POLICY_BACKEND, "incus", "'incus' is not allowed (use local or lxd)");
	parse_ok(POLICY_LXD_SOCKET, "/var/lib/lxd/unix.socket", "/var/lib/lxd/unix.socket");
	parse_err(POLICY_LXD_SOCKET, "unix.socket",
		  "'unix.socket' is not a socket path (absolute, no '.' or '..' parts, at most 107 bytes)");
	parse_err(POLICY_LXD_SOCKET, "/var/lib/lxd/../x",
		  "'/var/lib/lxd/../x' is not a socket path (absolute, no '.' or '..' parts, at most 107 bytes)");
	parse_err(POLICY_LXD_SOCKET, "/run/a b",
		  "'/run/a b' is not a socket path (absolute, no '.' or '..' parts, at most 107 bytes)");
	{
		char longer[120] = "/run/";
		memset(longer + 5, 'a', sizeof(longer) - 6);
		parse_err(
			POLICY_LXD_SOCKET, longer,
			"'/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not a socket path (absolute, no "
			"'.' or '..' parts, at most 107 bytes)");
	}
	parse_ok(POLICY_LXD_PROJECT, "lxlogin", "lxlogin");
	parse_ok(POLICY_LXD_PROJECT, "logins-2", "logins-2");
	parse_err(POLICY_LXD_PROJECT, "Logins",
		  "'Logins' is not a project name (1 to 63 of a-z, 0-9, '-', starting with a letter)");
	parse_err(POLICY_LXD_PROJECT, "a_b",
		  "'a_b' is not a project name (1 to 63 of a-z, 0-9, '-', starting with a letter)");
	assert_true(policy_key_allowed(POLICY_BACKEND, POLICY_SCOPE_GLOBAL));
	assert_false(policy_key_allowed(POLICY_BACKEND, POLICY_SCOPE_GROUP));
	assert_false(policy_key_allowed(POLICY_LXD_SOCKET, POLICY_SCOPE_USER));
	assert_false(policy_key_allowed(POLICY_LXD_PROJECT, POLICY_SCOPE_USER));
}

/* disk and inodes: sizes and counts with the binary suffixes, never a percentage, never 0 for unlimited */
static void disk_limits(void **state)
{
	struct policy_values v;

	(void)state;
	policy_values_default(&v);
	assert_int_equal(v.disk.kind, POLICY_LIMIT_UNLIMITED);
	assert_int_equal(v.inodes.kind, POLICY_LIMIT_UNLIMITED);
	assert_int_equal(v.quota, POLICY_QUOTA_REQUIRE);
	parse_ok(POLICY_DISK, "10G", "10G");
	parse_ok(POLICY_DISK, "1048576", "1M");
	parse_ok(POLICY_DISK, "unlimited", "unlimited");
	parse_ok(POLICY_INODES, "1M", "1M");
	parse_ok(POLICY_INODES, "100000", "100000");
	parse_ok(POLICY_INODES, "16", "16");
	parse_err(POLICY_DISK, "50%",
		  "'50%' is not a size (a whole number with an optional K, M, G, T, P or E "
		  "suffix, or unlimited)");
	parse_err(POLICY_DISK, "0", "'0' is too small (at least 1M; 0 does not mean unlimited, write unlimited)");
	parse_err(POLICY_DISK, "512K", "'512K' is too small (at least 1M; 0 does not mean unlimited, write unlimited)");
	parse_err(POLICY_INODES, "15", "'15' is too small (at least 16; 0 does not mean unlimited, write unlimited)");
	parse_err(POLICY_INODES, "2E", "'2E' is too large (at most 1E)");
	parse_err(POLICY_DISK, "-1G", "'-1G' is negative");
	assert_true(policy_key_allowed(POLICY_DISK, POLICY_SCOPE_USER));
	assert_true(policy_key_allowed(POLICY_INODES, POLICY_SCOPE_GROUP));
	assert_true(policy_key_allowed(POLICY_QUOTA, POLICY_SCOPE_GLOBAL));
	assert_false(policy_key_allowed(POLICY_QUOTA, POLICY_SCOPE_USER));
}

static void network_values(void **state)
{
	parse_ok(POLICY_IPV4, "10.71.0.20", "10.71.0.20");
	parse_ok(POLICY_IPV4, "auto", "auto");
	parse_err(POLICY_IPV4, "10.71.0.020",
		  "'10.71.0.020' is not an IPv4 address (like 10.71.0.20, no prefix) or auto");
	parse_err(POLICY_IPV4, "10.71.0.256",
		  "'10.71.0.256' is not an IPv4 address (like 10.71.0.20, no prefix) or auto");
	parse_err(POLICY_IPV4, "10.71.0.2/24",
		  "'10.71.0.2/24' is not an IPv4 address (like 10.71.0.20, no prefix) or auto");
	parse_err(POLICY_IPV4, "10.71.0", "'10.71.0' is not an IPv4 address (like 10.71.0.20, no prefix) or auto");
	parse_ok(POLICY_GATEWAY, "none", "none");
	parse_ok(POLICY_GATEWAY, "10.71.0.254", "10.71.0.254");
	parse_ok(POLICY_VLAN, "4094", "4094");
	parse_ok(POLICY_VLAN, "none", "none");
	parse_err(POLICY_VLAN, "-1", "'-1' is not a VLAN id (1 to 4094) or none");
	parse_err(POLICY_VLAN, "0x10", "'0x10' is not a VLAN id (1 to 4094) or none");
	parse_ok(POLICY_HWADDR, "00:16:3E:AB:cd:01", "00:16:3e:ab:cd:01");
	parse_err(POLICY_HWADDR, "00:00:00:00:00:00",
		  "'00:00:00:00:00:00' is not a unicast MAC address (like 00:16:3e:12:34:56) or auto");
	parse_err(POLICY_HWADDR, "00:16:3e:12:34",
		  "'00:16:3e:12:34' is not a unicast MAC address (like 00:16:3e:12:34:56) or auto");
	parse_ok(POLICY_BRIDGE, "lxlbr0", "lxlbr0");
	parse_err(POLICY_BRIDGE, "a-very-long-bridge",
		  "'a-very-long-bridge' is not a bridge name (1 to 15 of a-z, 0-9, '-', '_', starting with a letter)");
	parse_ok(POLICY_SUBNET, "10.71.0.1/24", "10.71.0.1/24");
	parse_err(POLICY_SUBNET, "10.71.0.1/31", "31 is out of range (8 to 30)");
	parse_err(POLICY_SUBNET, "10.71.0.255/24",
		  "10.71.0.255/24 is the network or broadcast address; give the bridge's own address");
	parse_err(POLICY_POOL, "10.71.0.9-10.71.0.8", "'10.71.0.9-10.71.0.8' ends before it starts");
}

static void names_and_templates(void **state)
{
	parse_ok(POLICY_IMAGE, "debian-12", "debian-12");
	parse_ok(POLICY_IMAGE, "busybox_1.36", "busybox_1.36");
	parse_err(POLICY_IMAGE, "../x",
		  "'../x' is not an image name (1 to 64 of a-z, 0-9, '.', '_', '-', not starting with '.' or '-')");
	parse_err(POLICY_IMAGE, "Debian",
		  "'Debian' is not an image name (1 to 64 of a-z, 0-9, '.', '_', '-', not starting with '.' or '-')");
	parse_err(POLICY_IMAGE, "a/b",
		  "'a/b' is not an image name (1 to 64 of a-z, 0-9, '.', '_', '-', not starting with '.' or '-')");
	parse_ok(POLICY_HOSTNAME, "%u-box", "%u-box");
	parse_ok(POLICY_HOSTNAME, "lab.example", "lab.example");
	parse_err(POLICY_HOSTNAME, "%s",
		  "'%s' is not a hostname template (1 to 63 of a-z, 0-9, '.', '-', and %u for the user name)");
	parse_err(POLICY_HOSTNAME, "a_b",
		  "'a_b' is not a hostname template (1 to 63 of a-z, 0-9, '.', '-', and %u for the user name)");
	parse_err(POLICY_HOSTNAME, "%",
		  "'%' is not a hostname template (1 to 63 of a-z, 0-9, '.', '-', and %u for the user name)");
}

static void keys_and_scopes(void **state)
{
	enum policy_key k;
	const char *instead;

	for (size_t i = 0; i < POLICY_KEY_COUNT; i++) {
		assert_int_equal(policy_key_lookup(policy_key_name((enum policy_key)i), &k), 0);
		assert_int_equal(k, i);
	}
	assert_int_equal(policy_key_lookup("memory_max", &k), -ENOENT);
	assert_true(policy_key_allowed(POLICY_MEMORY, POLICY_SCOPE_USER));
	assert_true(policy_key_allowed(POLICY_EXEMPT_USERS, POLICY_SCOPE_GLOBAL));
	assert_false(policy_key_allowed(POLICY_EXEMPT_USERS, POLICY_SCOPE_USER));
	assert_false(policy_key_allowed(POLICY_PRIORITY, POLICY_SCOPE_GLOBAL));
	assert_true(policy_key_allowed(POLICY_PRIORITY, POLICY_SCOPE_GROUP));
	assert_true(policy_lxc_key_reserved("lxc.idmap", &instead));
	assert_true(policy_lxc_key_reserved("lxc.rootfs.path", &instead));
	assert_true(policy_lxc_key_reserved("lxc.cgroup2.memory.max", &instead));
	assert_true(policy_lxc_key_reserved("lxc.cgroup.dir", &instead));
	assert_true(policy_lxc_key_reserved("lxc.seccomp.profile", &instead));
	assert_true(policy_lxc_key_reserved("lxc.signal.halt", &instead));
	assert_false(policy_lxc_key_reserved("lxc.mount.entry", &instead));
	assert_false(policy_lxc_key_reserved("lxc.idmapx", &instead));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(sizes_refused),
		cmocka_unit_test(cpus),
		cmocka_unit_test(counts),
		cmocka_unit_test(durations),
		cmocka_unit_test(words),
		cmocka_unit_test(backend_values),
		cmocka_unit_test(disk_limits),
		cmocka_unit_test(network_values),
		cmocka_unit_test(names_and_templates),
		cmocka_unit_test(keys_and_scopes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
