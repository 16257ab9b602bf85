/* netadmin.c - lxloginctl network setup|show|teardown|release: the lxlogin bridge, NAT, the leases (lxloginctl only).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "config.h"
#include "cleanup.h"
#include "core.h"
#include "netlink.h"

#define NFT "/usr/sbin/nft"
#define NFT_TABLE LXLOGIN_NFT_TABLE

static int global_values(const char *config_dir, struct policy_values *v)
{
	struct policy_diag diag = { 0 };
	int r = policy_global_values(config_dir, v, &diag);

	for (size_t i = 0; i < diag.n_msgs; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	policy_diag_free(&diag);
	if (r < 0)
		fprintf(stderr, "lxloginctl: network: lxlogin.conf has problems (lxloginctl policy check)\n");
	return r;
}

/* RTM_NEWLINK for the bridge: create it, or (index) turn VLAN filtering on. */
static int bridge_link(int nl, const char *name, int index, bool vlan_filtering)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	struct nl_req m;

	nl_req_init(&m, RTM_NEWLINK, index ? 0 : NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	if (!index)
		nl_put_str(&m, IFLA_IFNAME, name);
	nl_nest_begin(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "bridge");
	if (vlan_filtering) {
		nl_nest_begin(&m, IFLA_INFO_DATA);
		nl_put_u8(&m, IFLA_BR_VLAN_FILTERING, 1);
		nl_nest_end(&m);
	}
	nl_nest_end(&m);
	return nl_talk(nl, &m, NULL);
}

/*
 * A fixed MAC for the bridge (net_mac_from_name with 02): a bridge without one
 * takes its lowest port's, so every container start or stop could change it,
 * and a changed address flushes the host's neighbour entries, the permanent
 * ones that keep ARP from containers harmless too.
 */
static int bridge_fix_mac(int nl, const char *name, int index)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	uint8_t mac[6];
	struct nl_req m;

	net_mac_from_name(0x02, name, 0, mac);
	nl_req_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	nl_put(&m, IFLA_ADDRESS, mac, sizeof(mac));
	return nl_talk(nl, &m, NULL);
}

/* Run nft -f - on rules; its messages go to our stderr. */
static int nft_run(const char *rules)
{
	char *const argv[] = { "nft", "-f", "-", NULL };

	return program_run(NFT, argv, rules, NULL, 0);
}

/* nat = yes: masquerade what leaves the subnet for elsewhere, and forward IPv4; nat = no: no lxlogin table. */
static int nat_apply(const struct policy_values *v)
{
	uint32_t mask = policy_subnet_mask(v->subnet_prefix);
	char net[16], rules[512];
	int r, fd;

	policy_ipv4_format(v->subnet & mask, net);
	if (!v->nat) {
		r = nft_run("table ip " NFT_TABLE "\ndelete table ip " NFT_TABLE "\n");
		return r == -ENOENT ? 0 : r;
	}
	snprintf(rules, sizeof(rules),
		 "table ip " NFT_TABLE "\n"
		 "delete table ip " NFT_TABLE "\n"
		 "table ip " NFT_TABLE " {\n"
		 "\tchain postrouting {\n"
		 "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		 "\t\tip saddr %s/%u ip daddr != %s/%u masquerade\n"
		 "\t}\n"
		 "}\n",
		 net, v->subnet_prefix, net, v->subnet_prefix);
	r = nft_run(rules);
	if (r < 0)
		return r;
	fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1\n", 2) != 2)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/* Make (or bring in line) the lxlogin bridge: VLAN filtering where the kernel has it, the subnet's address, up. */
int network_setup(const char *config_dir)
{
	__do_close int nl = nl_open();
	struct policy_values v;
	struct nl_link br;
	char addr[16];
	bool filtering = true;
	int r;

	if (global_values(config_dir, &v) < 0)
		return -EINVAL;
	if (!v.subnet_prefix) {
		fprintf(stderr, "lxloginctl: network setup: no subnet in lxlogin.conf (like subnet = 10.71.0.1/24)\n");
		return -EINVAL;
	}
	if (nl < 0)
		return fprintf(stderr, "lxloginctl: netlink: %s\n", strerror(-nl)), nl;
	r = nl_link_get(nl, v.bridge, &br);
	if (r == 0 && !br.bridge) {
		fprintf(stderr, "lxloginctl: network setup: %s exists and is not a bridge\n", v.bridge);
		return -EEXIST;
	}
	if (r == -ENOENT) {
		r = bridge_link(nl, v.bridge, 0, true);
		if (r == -EOPNOTSUPP)
			filtering = false, r = bridge_link(nl, v.bridge, 0, false);
	} else if (r == 0 && !br.vlan_filtering) {
		r = bridge_link(nl, v.bridge, br.index, true);
		if (r == -EOPNOTSUPP)
			filtering = false, r = 0;
	}
	if (r == 0)
		r = nl_link_get(nl, v.bridge, &br);
	if (r == 0)
		r = bridge_fix_mac(nl, v.bridge, br.index);
	if (r == 0)
		r = nl_addr_add(nl, br.index, v.subnet, v.subnet_prefix);
	if (r == 0)
		r = nl_link_set_up(nl, br.index, true);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: network setup: bridge %s: %s\n", v.bridge, strerror(-r));
		return r;
	}
	r = nat_apply(&v);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: network setup: nat: %s\n",
			r == -ENOENT ? NFT " is missing (apt-get install nftables)" : "nft failed");
		return r;
	}
	policy_ipv4_format(v.subnet, addr);
	printf("%s: %s/%u, up%s%s\n", v.bridge, addr, v.subnet_prefix,
	       filtering ? ", VLAN filtering" : ", no VLAN filtering (the kernel lacks it: vlan = N logins fail)",
	       v.nat ? ", NAT out" : "");
	return 0;
}

/* Remove the lxlogin bridge and NAT table; leases stay (same addresses after a new setup). */
int network_teardown(const char *config_dir)
{
	__do_close int nl = nl_open();
	struct policy_values v;
	struct nl_link br;
	int r;

	if (global_values(config_dir, &v) < 0)
		return -EINVAL;
	if (nl < 0)
		return fprintf(stderr, "lxloginctl: netlink: %s\n", strerror(-nl)), nl;
	v.nat = false;
	r = nat_apply(&v);
	if (r < 0)
		fprintf(stderr, "lxloginctl: network teardown: nat: nft failed\n");
	r = nl_link_get(nl, v.bridge, &br);
	if (r == -ENOENT)
		return 0;
	if (r == 0 && !br.bridge) {
		fprintf(stderr, "lxloginctl: network teardown: %s is not a bridge; left alone\n", v.bridge);
		return -EINVAL;
	}
	if (r == 0)
		r = nl_link_del(nl, br.index);
	if (r < 0)
		fprintf(stderr, "lxloginctl: network teardown: %s: %s\n", v.bridge, strerror(-r));
	else
		printf("%s: removed (running containers lost their network; their next login gives it back)\n",
		       v.bridge);
	return r;
}

/* One line per lease: user, address, MAC, VLAN (from the policy), host veth and whether it is attached. */
int network_show(void)
{
	__do_close int dir = -EBADF;
	__do_free struct net_lease *all = NULL;
	struct core_err e = { "", "" };
	size_t n = 0;

	dir = net_leases_load(&all, &n, &e);
	if (dir < 0) {
		fprintf(stderr, "lxloginctl: network show: %s\n", e.msg);
		return dir;
	}
	printf("%-16s %-15s %-17s %-5s %-12s %s\n", "USER", "IPV4", "HWADDR", "VLAN", "VETH", "STATE");
	for (size_t i = 0; i < n; i++) {
		char ip[16], mac[18], veth[NET_IFNAME_SIZE], vlan[8] = "-";
		struct core_user u;
		struct core_err ignored;

		if (core_user_load(all[i].user, &u, &ignored) == 0) {
			if (u.policy.values.vlan)
				snprintf(vlan, sizeof(vlan), "%u", u.policy.values.vlan);
			else
				snprintf(vlan, sizeof(vlan), "none");
			core_user_free(&u);
		}
		policy_ipv4_format(all[i].ipv4, ip);
		policy_hwaddr_format(all[i].mac, mac);
		net_veth_name(all[i].ipv4, veth);
		printf("%-16s %-15s %-17s %-5s %-12s %s\n", all[i].user, ip, mac, vlan, veth,
		       net_attached(&all[i]) ? "attached" : "-");
	}
	return 0;
}

/* Give a stopped user's address back to the pool. */
int network_release(const char *user)
{
	struct core_err e = { "", "" };
	struct core_user u;
	struct core_status st = { CORE_STOPPED, 0, "" };
	int r = core_user_load(user, &u, &e);

	if (r == 0) {
		r = core_status(&u, &st, &e);
		core_user_free(&u);
	}
	if (r == 0 && st.state == CORE_RUNNING) {
		fprintf(stderr, "lxloginctl: network release: %s's container runs with it (lxloginctl stop %s)\n", user,
			user);
		return -EBUSY;
	}
	r = net_lease_remove(user, &e);
	if (r < 0)
		fprintf(stderr, "lxloginctl: network release: %s\n", e.msg);
	return r;
}
