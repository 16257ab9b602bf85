/* test_core.c - pure parts of the container core: cgroup layouts, subid ranges, the LXC config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgname.h"
#include "core.h"

/* Debian 12 without systemd, as on the development machines: v1 controllers + an empty cgroup2. */
static const char hybrid[] = "25 1 0:22 / /sys rw - sysfs sysfs rw\n"
			     "30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
			     "31 30 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
			     "32 30 0:28 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
			     "33 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
			     "34 30 0:30 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
			     "35 30 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
			     "36 30 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
			     "37 30 0:29 / /mnt/memory\\040again rw - cgroup cgroup rw,memory\n"
			     "38 30 0:33 /sub /mnt/not-root rw - cgroup cgroup rw,freezer\n";

static const char pure_v2[] =
	"29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
	"30 23 0:26 / /mnt/other rw - cgroup2 cgroup2 rw\n";

static const char classic_v1[] = "31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
				 "32 30 0:28 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
				 "33 30 0:29 / /sys/fs/cgroup/weird rw - cgroup cgroup rw,noprefix\n";

static void layout_hybrid(void **state)
{
	struct cgroup_layout l;

	assert_int_equal(cgroup_layout_parse(hybrid, &l), 0);
	assert_int_equal(l.n, 6); /* the second memory mount and the non-root freezer mount are skipped */
	assert_string_equal(l.h[0].mnt, "/sys/fs/cgroup/cpu");
	assert_string_equal(l.h[0].controllers, "cpu");
	assert_string_equal(l.h[1].controllers, "cpuacct"); /* not taken for a duplicate of "cpu" */
	assert_string_equal(l.h[4].controllers, "name=systemd");
	assert_true(l.h[5].v2);
	assert_string_equal(l.h[5].mnt, "/sys/fs/cgroup/unified");
}

static void layout_v2_and_v1(void **state)
{
	struct cgroup_layout l;

	assert_int_equal(cgroup_layout_parse(pure_v2, &l), 0);
	assert_int_equal(l.n, 1);
	assert_true(l.h[0].v2);
	assert_string_equal(l.h[0].mnt, "/sys/fs/cgroup");
	assert_int_equal(cgroup_layout_parse(classic_v1, &l), 0);
	assert_int_equal(l.n, 2); /* a hierarchy with no known controller is ignored */
	assert_string_equal(l.h[0].controllers, "cpu,cpuacct");
	assert_string_equal(l.h[1].controllers, "net_cls,net_prio");
	assert_int_equal(cgroup_layout_parse("garbage\n\n - \n", &l), 0);
	assert_int_equal(l.n, 0);
}

static void limits_from_policy(void **state)
{
	struct policy_values v;
	struct cgroup_limits lim;

	policy_values_default(&v);
	v.memory = (struct policy_limit){ POLICY_LIMIT_PERCENT, 50 };
	v.swap = (struct policy_limit){ POLICY_LIMIT_UNLIMITED, 0 };
	v.cpus = (struct policy_limit){ POLICY_LIMIT_ABSOLUTE, 1500 };
	v.pids = (struct policy_limit){ POLICY_LIMIT_ABSOLUTE, 77 };
	assert_int_equal(cgroup_limits_from_policy(&v, 8ULL << 30, &lim), 0);
	assert_true(lim.memory == 4ULL << 30);
	assert_true(lim.swap == UINT64_MAX);
	assert_true(lim.cpu_quota_us == 150000 && lim.cpu_period_us == 100000);
	assert_true(lim.pids == 77);
	v.cpus = (struct policy_limit){ POLICY_LIMIT_UNLIMITED, 0 };
	assert_int_equal(cgroup_limits_from_policy(&v, 8ULL << 30, &lim), 0);
	assert_true(lim.cpu_quota_us == UINT64_MAX);
}

/* cgroup_cpus_pick for a policy of milli CPUs (-1: unlimited): the list, or "ERR" */
static const char *pick(long milli, const char *avail, unsigned spread)
{
	static struct cgroup_limits lim;
	struct policy_values v;

	policy_values_default(&v);
	v.cpus = milli < 0 ? (struct policy_limit){ POLICY_LIMIT_UNLIMITED, 0 }
			   : (struct policy_limit){ POLICY_LIMIT_ABSOLUTE, (uint64_t)milli };
	assert_int_equal(cgroup_limits_from_policy(&v, 8ULL << 30, &lim), 0);
	if (cgroup_cpus_pick(avail, spread, &lim) < 0) {
		assert_string_equal(lim.cpus, ""); /* nothing picked */
		return "ERR";
	}
	return lim.cpus;
}

/* The CPUs a container runs on: as many as the quota rounds up to, spread by uid, "" for all. */
static void cpus_pick(void **state)
{
	uint8_t mask[4];

	(void)state;
	assert_string_equal(pick(1500, "0-3\n", 0), "0-1");
	assert_string_equal(pick(1500, "0-3\n", 1001), "1-2");
	assert_string_equal(pick(1500, "0-3", 3), "0,3");	/* wraps */
	assert_string_equal(pick(1500, "2,5-6,9\n", 2), "6,9"); /* only the parent's */
	assert_string_equal(pick(1500, "0-1\n", 7), "");	/* all: not confined */
	assert_string_equal(pick(250, "0-7", 13), "5");
	assert_string_equal(pick(250, "0-1\n", 1), "1");
	assert_string_equal(pick(-1, "0-7", 0), "");
	/* what the kernel never writes is refused */
	assert_string_equal(pick(1000, "3-1", 0), "ERR");
	assert_string_equal(pick(1000, "1,1", 0), "ERR");
	assert_string_equal(pick(1000, "0-3x", 0), "ERR");
	assert_string_equal(pick(1000, "99999", 0), "ERR");
	/* systemd's AllowedCPUs */
	assert_int_equal(cgroup_cpus_mask("0,3,9-10", mask, sizeof(mask)), 2);
	assert_int_equal(mask[0], 0x09);
	assert_int_equal(mask[1], 0x06);
	assert_int_equal(cgroup_cpus_mask("40", mask, sizeof(mask)), -ENOSPC);
}

static const char subuid[] = "alice:100000:65536\n"
			     "1002:165536:65536\n"
			     "# not an entry\n"
			     "broken:x:1\n"
			     "carol:300000:10\n";

/* SECURITY.md case 40: a range shared with another owner is found, by name or by uid. */
static void subid_conflicts(void **state)
{
	char owner[64];

	assert_int_equal(
		subid_find_conflict(subuid, "alice", 1001, (struct idrange){ 100000, 65536 }, owner, sizeof(owner)), 0);
	assert_int_equal(
		subid_find_conflict(subuid, "bob", 1003, (struct idrange){ 100000, 65536 }, owner, sizeof(owner)), 1);
	assert_string_equal(owner, "alice");
	assert_int_equal(
		subid_find_conflict(subuid, "bob", 1003, (struct idrange){ 200000, 65536 }, owner, sizeof(owner)), 1);
	assert_string_equal(owner, "1002");
	/* owned by uid 1002 itself: not a conflict */
	assert_int_equal(
		subid_find_conflict(subuid, "dan", 1002, (struct idrange){ 200000, 65536 }, owner, sizeof(owner)), 0);
	/* the last id of one range and the first of another */
	assert_int_equal(subid_find_conflict(subuid, "x", 9, (struct idrange){ 231071, 2 }, owner, sizeof(owner)), 1);
	assert_int_equal(subid_find_conflict(subuid, "x", 9, (struct idrange){ 231072, 68928 }, owner, sizeof(owner)),
			 0);
	assert_int_equal(subid_find_conflict(subuid, "x", 9, (struct idrange){ 231072, 68929 }, owner, sizeof(owner)),
			 1);
	assert_string_equal(owner, "carol");
	/* near the top of the id space: no overflow in start + count */
	assert_int_equal(subid_find_conflict("big:4294901760:65535\n", "x", 9, (struct idrange){ 4294967200U, 95 },
					     owner, sizeof(owner)),
			 1);
}

static void subid_free_range(void **state)
{
	uint32_t start = 0;

	assert_int_equal(subid_find_free("", "", 100000, 65536, &start), 0);
	assert_int_equal(start, 131072); /* aligned up */
	assert_int_equal(subid_find_free(subuid, "", 100000, 65536, &start), 0);
	assert_int_equal(start, 327680); /* past alice, 1002 and carol */
	assert_int_equal(subid_find_free("a:131072:65536\n", "b:196608:65536\n", 100000, 65536, &start), 0);
	assert_int_equal(start, 262144);
	assert_int_equal(subid_find_free("all:0:4294967295\n", "", 100000, 65536, &start), -ENOSPC);
}

static struct policy_result result_for(const char *extra_key, const char *extra_value)
{
	struct policy_result r;

	memset(&r, 0, sizeof(r));
	policy_values_default(&r.values);
	if (extra_key) {
		r.lxc = calloc(1, sizeof(*r.lxc));
		r.lxc[0].key = (char *)extra_key;
		r.lxc[0].value = (char *)extra_value;
		r.n_lxc = 1;
	}
	return r;
}

static void lxc_config(void **state)
{
	struct policy_result pol = result_for("lxc.environment", "EDITOR=vi");
	const struct lxcconf_bind ro[] = { { "/run/lxlogin/lxc/alice/alice/limits", "/etc/lxlogin/limits" },
					   { "/sys/fs/cgroup/cpu,cpuacct/lxlogin/alice/cpuacct.usage",
					     "/etc/lxlogin/cgroup/cpuacct.usage" },
					   { "/usr/libexec/lxlogin/lxlogin-usage", "usr/bin/lxlogin-usage" } };
	struct lxcconf_in in = { "alice",
				 1001,
				 1001,
				 "/home/alice",
				 { 100000, 65536 },
				 { 200000, 65536 },
				 "alice-box",
				 "/run/lxlogin/rootfs/alice",
				 "/run/lxlogin/lxc/alice/alice/seccomp",
				 "/run/lxlogin/user/alice/lxc.log",
				 &pol,
				 false,
				 false,
				 "/run/lxlogin/lxc/alice/alice/resolv.conf",
				 "1,3-4",
				 ro,
				 3 };
	char *text = NULL;

	assert_int_equal(lxcconf_render(&in, &text), 0);
	assert_non_null(strstr(text, "\nlxc.uts.name = alice-box\n"));
	assert_non_null(strstr(text, "\nlxc.mount.entry = /run/lxlogin/lxc/alice/alice/resolv.conf etc/resolv.conf "
				     "none bind,create=file,optional 0 0\n"));
	assert_non_null(strstr(text, "\nlxc.rootfs.path = dir:/run/lxlogin/rootfs/alice\n"));
	/* lxlogin's own files, read-only; a path the config format could misread is left out */
	assert_non_null(strstr(text, "\nlxc.mount.entry = /run/lxlogin/lxc/alice/alice/limits etc/lxlogin/limits "
				     "none bind,ro,optional 0 0\n"));
	assert_null(strstr(text, "cpuacct"));
	assert_non_null(strstr(text, "\nlxc.cgroup.cpuset.cpus = 1,3-4\n")); /* the container's CPUs (v1) */
	assert_null(strstr(text, "lxlogin-usage"));
	/* container root on the range; the user's own uid mapped through; the rest after it */
	assert_non_null(strstr(
		text, "\nlxc.idmap = u 0 100000 1001\nlxc.idmap = u 1001 1001 1\nlxc.idmap = u 1002 101002 64534\n"));
	assert_non_null(strstr(
		text, "\nlxc.idmap = g 0 200000 1001\nlxc.idmap = g 1001 1001 1\nlxc.idmap = g 1002 201002 64534\n"));
	assert_non_null(strstr(text, "\nlxc.mount.entry = /home/alice home/alice none bind,create=dir 0 0\n"));
	assert_non_null(strstr(text, "\nlxc.cap.drop = sys_module sys_time sys_rawio mac_admin mac_override\n"));
	assert_non_null(strstr(text, "\nlxc.seccomp.profile = /run/lxlogin/lxc/alice/alice/seccomp\n"));
	assert_null(strstr(text, "devices.allow = a"));
	/* the admin's lines come last */
	assert_true(strstr(text, "lxc.environment = EDITOR=vi\n") > strstr(text, "lxc.seccomp.profile"));
	assert_string_equal(text + strlen(text) - strlen("lxc.environment = EDITOR=vi\n"),
			    "lxc.environment = EDITOR=vi\n");
	assert_null(strstr(text, "lxc.hook.mount"));
	assert_null(strstr(text, "lxc.apparmor"));
	assert_null(strstr(text, "lxcfs"));
	free(text);

	in.lxcfs = true; /* lxcfs runs: its /proc files and CPU directory are bound in, no hook runs */
	assert_int_equal(lxcconf_render(&in, &text), 0);
	assert_non_null(
		strstr(text, "\nlxc.mount.entry = /var/lib/lxcfs/proc/meminfo proc/meminfo none bind,optional 0 0\n"));
	assert_non_null(
		strstr(text, "\nlxc.mount.entry = /var/lib/lxcfs/proc/uptime proc/uptime none bind,optional 0 0\n"));
	assert_non_null(strstr(text, "\nlxc.mount.entry = /var/lib/lxcfs/sys/devices/system/cpu sys/devices/system/cpu "
				     "none bind,optional 0 0\n"));
	assert_null(strstr(text, "lxc.hook"));
	free(text);
	in.lxcfs = false;
	in.apparmor_missing = true; /* LXC's profile is not loaded: no profile rather than no start */
	assert_int_equal(lxcconf_render(&in, &text), 0);
	assert_non_null(strstr(text, "\nlxc.apparmor.profile = unconfined\n"));
	free(text);
	in.apparmor_missing = false;

	pol.values.home = POLICY_HOME_CONTAINER;
	in.uid = 70000; /* beyond the range: mapped as one block */
	assert_int_equal(lxcconf_render(&in, &text), 0);
	assert_null(strstr(text, "lxc.mount.entry = /home"));
	assert_non_null(strstr(text, "\nlxc.idmap = u 0 100000 65536\n"));
	free(text);
	free(pol.lxc);
}

/* systemd's slice naming: every dash is a level; the scope sits in the innermost slice */
static void cgroup_names(void **state)
{
	char buf[128], want[256];

	(void)state;
	assert_int_equal(cgname_slice_path_of("lxlogin", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "lxlogin.slice");
	assert_int_equal(cgname_slice_path_of("a-b-c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a.slice/a-b.slice/a-b-c.slice");
	assert_int_equal(cgname_slice_path_of("a-b-c", buf, 20), -ENAMETOOLONG);
	assert_int_equal(cgname_user(false, "alice", buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "%s/alice", LXLOGIN_CGROUP_NAME);
	assert_string_equal(buf, want);
	assert_int_equal(cgname_user(true, "alice", buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "/" LXLOGIN_CGROUP_NAME "-alice.scope"));
	assert_int_equal(strncmp(buf, LXLOGIN_CGROUP_NAME, strcspn(LXLOGIN_CGROUP_NAME, "-")), 0);
	assert_int_equal(cgname_user(true, "alice", buf, 16), -ENAMETOOLONG);
	assert_int_equal(cgname_scope("alice", buf, sizeof(buf)), 0);
	assert_string_equal(buf, LXLOGIN_CGROUP_NAME "-alice.scope");
}

/* SECURITY.md case 24: nothing but plain names and paths reaches a config line. */
static void lxc_config_refuses_odd_input(void **state)
{
	struct policy_result pol = result_for(NULL, NULL);
	struct lxcconf_in in = { "alice",
				 1001,
				 1001,
				 "/home/alice",
				 { 100000, 65536 },
				 { 200000, 65536 },
				 "alice-box",
				 "/run/r",
				 "/run/s",
				 "/run/l",
				 &pol,
				 false,
				 false,
				 NULL,
				 NULL,
				 NULL,
				 0 };
	const char *homes[] = { "/home/a b",  "/home/a\nlxc.idmap = u 0 0 1",
				"home/alice", "/home/../etc",
				"/home/..",   "/",
				"/home/a,b",  "/home/a=b" };
	char *text = NULL;

	for (size_t i = 0; i < sizeof(homes) / sizeof(homes[0]); i++) {
		in.home = homes[i];
		assert_int_equal(lxcconf_render(&in, &text), -EINVAL);
	}
	in.home = "/home/alice";
	in.user = "a,lowerdir=/";
	assert_int_equal(lxcconf_render(&in, &text), -EINVAL);
}

/* issue 16: the container's resolvers are the host's it can reach: never the host's loopback */
static void resolv_render(void **state)
{
	char buf[1024];

	(void)state;
	assert_int_equal(net_resolv_render("nameserver 10.255.255.53\nsearch example.org\n", buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "\nnameserver 10.255.255.53\nsearch example.org\n"));
	/* systemd-resolved's stub, a local dnsmasq: the host's own, unreachable from the container */
	assert_int_equal(net_resolv_render("nameserver 127.0.0.53\noptions edns0 trust-ad\n", buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "# left out, the host's own: nameserver 127.0.0.53\noptions edns0 trust-ad\n"));
	assert_null(strstr(buf, "\nnameserver 127"));
	assert_int_equal(net_resolv_render("nameserver ::1\nnameserver 2001:db8::53\nnameserver fe80::1\n"
					   "nameserver 0.0.0.0\nnameserver bogus\n# nameserver 1.2.3.4\n",
					   buf, sizeof(buf)),
			 1);
	assert_non_null(strstr(buf, "\nnameserver 2001:db8::53\n"));
	assert_int_equal(net_resolv_render(NULL, buf, sizeof(buf)), 0);
	assert_int_equal(net_resolv_render("nameserver 10.0.0.1\n", buf, 40), -ENAMETOOLONG);
}

static void agent_dir_clear(void)
{
	unlink("/tmp/ssh-lxtUnit001/agent.7");
	unlink("/tmp/ssh-lxtUnit001/agent.9");
	rmdir("/tmp/ssh-lxtUnit001");
}

/* SSH_AUTH_SOCK as sshd 9.2 makes it, and nothing else (the agent relay's one target) */
static void agent_sock(void **state)
{
	char dir[64], name[32], why[200];
	struct agent_host h;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	(void)state;
	assert_true(agent_sock_parse("/tmp/ssh-Ab3dEf6hIj/agent.4242", dir, sizeof(dir), name, sizeof(name)));
	assert_string_equal(dir, "/tmp/ssh-Ab3dEf6hIj");
	assert_string_equal(name, "agent.4242");
	static const char *const bad[] = {
		"/tmp/ssh-Ab3dEf6hI/agent.1",
		"/tmp/ssh-Ab3dEf6hIjk/agent.1",
		"/tmp/ssh-Ab3d.f6hIj/agent.1",
		"/tmp/ssh-Ab3dEf6hIj/agent.",
		"/tmp/ssh-Ab3dEf6hIj/agent.0",
		"/tmp/ssh-Ab3dEf6hIj/agent.1/x",
		"/tmp/ssh-Ab3dEf6hIj/agent.1x",
		"/var/tmp/ssh-Ab3dEf6hIj/agent.1",
		"/tmp/ssh-Ab3dEf6hIj/../x/agent.1",
		"/tmp/ssh-Ab3dEf6hIj/agent.12345678901",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(agent_sock_parse(bad[i], dir, sizeof(dir), name, sizeof(name)));

	/* the socket itself: a socket of the caller's in a directory only the caller can enter */
	unlink("/tmp/ssh-lxtUnit002");
	agent_dir_clear();
	assert_int_equal(mkdir("/tmp/ssh-lxtUnit001", 0700), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/ssh-lxtUnit001/agent.7");
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(agent_host_open("/tmp/ssh-lxtUnit001/agent.7", &h, why, sizeof(why)), 0);
	close(h.dir);
	assert_int_equal(agent_host_open("/tmp/ssh-lxtUnit001/agent.8", &h, why, sizeof(why)), -ENOENT);
	close(open("/tmp/ssh-lxtUnit001/agent.9", O_CREAT | O_WRONLY, 0600));
	assert_int_equal(agent_host_open("/tmp/ssh-lxtUnit001/agent.9", &h, why, sizeof(why)), -EPERM);
	assert_string_equal(why, "/tmp/ssh-lxtUnit001/agent.9 is not a socket of yours");
	assert_int_equal(chmod("/tmp/ssh-lxtUnit001", 0755), 0);
	assert_int_equal(agent_host_open("/tmp/ssh-lxtUnit001/agent.7", &h, why, sizeof(why)), -EPERM);
	assert_int_equal(symlink("/tmp/ssh-lxtUnit001", "/tmp/ssh-lxtUnit002"), 0);
	assert_true(agent_host_open("/tmp/ssh-lxtUnit002/agent.7", &h, why, sizeof(why)) < 0);
	assert_int_equal(h.dir, -EBADF);
	close(fd);
	unlink("/tmp/ssh-lxtUnit002");
	agent_dir_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_hybrid),
		cmocka_unit_test(layout_v2_and_v1),
		cmocka_unit_test(limits_from_policy),
		cmocka_unit_test(subid_conflicts),
		cmocka_unit_test(subid_free_range),
		cmocka_unit_test(lxc_config),
		cmocka_unit_test(lxc_config_refuses_odd_input),
		cmocka_unit_test(cgroup_names),
		cmocka_unit_test(cpus_pick),
		cmocka_unit_test(resolv_render),
		cmocka_unit_test(agent_sock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
