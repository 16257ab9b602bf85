/*
 * network.c - network = veth: the user's address lease, and their container's
 * veth on the lxlogin bridge.
 *
 * The container starts with an empty network namespace of its own (owned by
 * its user namespace). After the start, root (the helper, never the user's
 * liblxc) makes a veth pair whose container end is created directly in that
 * namespace as eth0 with the lease's MAC, gives it the lease's address and
 * route, and puts the host end on the bridge as a port that is
 *   - locked, with learning off and one static FDB entry: frames whose source
 *     MAC is not the lease's are dropped at the port (a changed MAC, a
 *     macvlan inside, a forged source: nothing leaves);
 *   - isolated (isolate = yes): no traffic to or from other isolated ports;
 *   - on the user's VLAN only (vlan = N), untagged inside;
 * and the host holds a permanent neighbour entry for the address, so that
 * ARP from a container cannot redirect the host's traffic for another user.
 * The host end comes up last: a port that is up is a port fully configured,
 * which is how a later login tells a finished attach from a broken one.
 * The user gets no allowance of their own (no lxc-usernet line): they cannot
 * make a host interface, pick a bridge, an address, a MAC or a VLAN.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "core.h"
#include "netlink.h"

#define LEASES "leases"

void net_veth_name(uint32_t ipv4, char buf[static NET_IFNAME_SIZE])
{
	snprintf(buf, NET_IFNAME_SIZE, "lxl%08x", ipv4);
}

/* STATE/network, locked for the caller (the lock goes with the fd). */
static int net_leases_open(struct core_err *e)
{
	__do_close int path = state_dir_open("network", 0755, e), dir = -EBADF;

	if (path < 0)
		return path;
	dir = openat(path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* flock wants more than O_PATH */
	if (dir < 0 || flock(dir, LOCK_EX) < 0)
		return core_fail(e, -errno, "network leases: cannot lock: %s", strerror(errno));
	return move_fd(dir);
}

/* Every lease in the store; a line that does not parse is dropped (the store is root's own). */
static int leases_read(int dir, struct net_lease **ret, size_t *ret_n, struct core_err *e)
{
	__do_free char *text = NULL;
	struct net_lease *all = NULL;
	size_t n = 0;
	int r = tree_read(dir, LEASES, &text, NULL);

	if (r == -ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (r < 0)
		return core_fail(e, r, "network leases: cannot read: %s", strerror(-r));
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char user[64], ip[32], mac[32];
		struct net_lease l = { 0 };
		struct net_lease *grown;

		if (sscanf(line, "%63s %31s %31s", user, ip, mac) != 3 || !policy_name_valid(user) ||
		    policy_ipv4_parse(ip, &l.ipv4) < 0 || policy_hwaddr_parse(mac, l.mac) < 0)
			continue;
		memcpy(l.user, user, strlen(user) + 1);
		grown = realloc(all, (n + 1) * sizeof(*all));
		if (!grown) {
			free(all);
			return core_fail(e, -ENOMEM, "network leases: out of memory");
		}
		all = grown;
		all[n++] = l;
	}
	*ret = all;
	*ret_n = n;
	return 0;
}

/* The store, locked, and every lease in it: the fd holds the lock. */
int net_leases_load(struct net_lease **ret, size_t *ret_n, struct core_err *e)
{
	__do_close int dir = net_leases_open(e);
	int r;

	if (dir < 0)
		return dir;
	r = leases_read(dir, ret, ret_n, e);
	return r < 0 ? r : move_fd(dir);
}

static int leases_write(int dir, const struct net_lease *all, size_t n, struct core_err *e)
{
	__do_free char *text = malloc(n * 64 + 1);
	size_t len = 0;
	int r;

	if (!text)
		return core_fail(e, -ENOMEM, "network leases: out of memory");
	for (size_t i = 0; i < n; i++) {
		char ip[16], mac[18];

		policy_ipv4_format(all[i].ipv4, ip);
		policy_hwaddr_format(all[i].mac, mac);
		len += (size_t)snprintf(text + len, 64, "%s %s %s\n", all[i].user, ip, mac);
	}
	r = file_write_atomic(dir, LEASES, text, len, 0644, 0, 0);
	if (r < 0)
		return core_fail(e, r, "network leases: cannot write: %s", strerror(-r));
	return 0;
}

/*
 * A MAC from a name: first, 16:3e (LXC's prefix after 00), and 24 bits of
 * FNV-1a of the name (and salt, on a clash). Users' MACs start with 00; the
 * bridge's with 02, locally administered, so it never equals a lease's.
 */
void net_mac_from_name(uint8_t first, const char *name, unsigned salt, uint8_t mac[static 6])
{
	uint32_t h = 2166136261u;

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (; salt; salt >>= 8)
		h = (h ^ (salt & 0xff)) * 16777619u;
	mac[0] = first, mac[1] = 0x16, mac[2] = 0x3e;
	mac[3] = (uint8_t)(h >> 16), mac[4] = (uint8_t)(h >> 8), mac[5] = (uint8_t)h;
}

static const struct net_lease *held_by_other(const struct net_lease *all, size_t n, const char *user, uint32_t ip,
					     const uint8_t *mac)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].user, user) != 0 &&
		    (ip ? all[i].ipv4 == ip : memcmp(all[i].mac, mac, sizeof(all[i].mac)) == 0))
			return &all[i];
	return NULL;
}

static bool in_pool(const struct policy_values *v, uint32_t ip)
{
	uint32_t first, last;

	policy_pool_range(v, &first, &last);
	return ip >= first && ip <= last && ip != v->subnet;
}

/*
 * The user's lease, made or corrected to match the policy: a fixed address
 * or MAC as written, otherwise the one they had (same user, same address and
 * MAC across restarts and reboots), otherwise the pool's lowest free address
 * and the MAC derived from the name. A clash with another user's lease is an
 * error naming them; nothing is taken from anyone.
 */
int net_lease_get(const struct core_user *u, struct net_lease *ret, struct core_err *e)
{
	const struct policy_values *v = &u->policy.values;
	__do_free struct net_lease *all = NULL;
	size_t n = 0;
	__do_close int dir = net_leases_load(&all, &n, e);
	struct net_lease want = { 0 }, *mine = NULL;
	const struct net_lease *other;
	char a[18];

	if (dir < 0)
		return dir;
	for (size_t i = 0; i < n && !mine; i++)
		if (strcmp(all[i].user, u->acct.name) == 0)
			mine = &all[i];
	memcpy(want.user, u->acct.name, strlen(u->acct.name) + 1);
	want.ipv4 = v->ipv4 ? v->ipv4 : (mine && in_pool(v, mine->ipv4) ? mine->ipv4 : 0);
	if (want.ipv4 && (other = held_by_other(all, n, u->acct.name, want.ipv4, NULL))) {
		policy_ipv4_format(want.ipv4, a);
		return core_fail(e, -EADDRINUSE, "network: %s is leased to %s (lxloginctl network release %s)", a,
				 other->user, other->user);
	}
	if (!want.ipv4) {
		uint32_t first, last;

		policy_pool_range(v, &first, &last);
		for (uint32_t ip = first; ip <= last && !want.ipv4; ip++)
			if (ip != v->subnet && !held_by_other(all, n, u->acct.name, ip, NULL))
				want.ipv4 = ip;
		if (!want.ipv4) {
			char b[16];
			policy_ipv4_format(first, a);
			policy_ipv4_format(last, b);
			return core_fail(e, -EADDRNOTAVAIL, "network: no free address left in the pool %s-%s", a, b);
		}
	}
	if (!v->hwaddr_auto)
		memcpy(want.mac, v->hwaddr, sizeof(want.mac));
	else if (mine)
		memcpy(want.mac, mine->mac, sizeof(want.mac));
	else
		net_mac_from_name(0x00, u->acct.name, 0, want.mac);
	for (unsigned salt = 1; (other = held_by_other(all, n, u->acct.name, 0, want.mac)); salt++) {
		if (!v->hwaddr_auto || salt > 1000) {
			policy_hwaddr_format(want.mac, a);
			return core_fail(e, -EADDRINUSE, "network: MAC %s is leased to %s", a, other->user);
		}
		net_mac_from_name(0x00, u->acct.name, salt, want.mac);
	}
	*ret = want;
	if (mine && mine->ipv4 == want.ipv4 && memcmp(mine->mac, want.mac, sizeof(want.mac)) == 0)
		return 0;
	if (mine) {
		*mine = want;
	} else {
		struct net_lease *grown = realloc(all, (n + 1) * sizeof(*all));
		if (!grown)
			return core_fail(e, -ENOMEM, "network leases: out of memory");
		all = grown;
		all[n++] = want;
	}
	return leases_write(dir, all, n, e);
}

/* The user's lease, if they have one (-ENOENT if not). */
int net_lease_find(const char *user, struct net_lease *ret, struct core_err *e)
{
	__do_free struct net_lease *all = NULL;
	size_t n = 0;
	__do_close int dir = net_leases_load(&all, &n, e);

	if (dir < 0)
		return dir;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].user, user) == 0) {
			*ret = all[i];
			return 0;
		}
	}
	return -ENOENT;
}

/* Whether the port of this lease is up on a bridge (the attach's last step). */
bool net_attached(const struct net_lease *lease)
{
	__do_close int nl = nl_open();
	char host[NET_IFNAME_SIZE];
	struct nl_link port;

	net_veth_name(lease->ipv4, host);
	return nl >= 0 && nl_link_get(nl, host, &port) == 0 && (port.flags & IFF_UP) && port.master;
}

/* Forget a user's lease (lxloginctl destroy, network release). 0 also when there was none. */
int net_lease_remove(const char *user, struct core_err *e)
{
	__do_free struct net_lease *all = NULL;
	size_t n = 0, kept = 0;
	__do_close int dir = net_leases_load(&all, &n, e);

	if (dir < 0)
		return dir;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].user, user) != 0)
			all[kept++] = all[i];
	return kept == n ? 0 : leases_write(dir, all, kept, e);
}

/* A nameserver a container reaches through NAT: not the host's loopback, which is not the container's. */
static bool nameserver_reachable(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) != 127 && a4.s_addr != 0;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return !IN6_IS_ADDR_LOOPBACK(&a6) && !IN6_IS_ADDR_UNSPECIFIED(&a6) && !IN6_IS_ADDR_LINKLOCAL(&a6);
	return false;
}

/*
 * The container's resolv.conf from a host's resolv.conf text: its search,
 * domain and options lines, and the nameservers a container can reach (a
 * loopback one, such as systemd-resolved's stub, is the host's own: left
 * out). Returns how many nameservers it kept; buf says what was left out.
 */
int net_resolv_render(const char *host, char *buf, size_t size)
{
	__do_free char *copy = strdup(host ? host : "");
	char *save = NULL;
	size_t n = 0;
	int kept = 0;

	if (!copy || size == 0)
		return -ENOMEM;
	n = (size_t)snprintf(
		buf, size,
		"# lxlogin: the host's resolvers, as this container reaches them (rewritten at every start)\n");
	for (char *line = strtok_r(copy, "\n", &save); line && n < size; line = strtok_r(NULL, "\n", &save)) {
		char word[16], addr[64];
		if (sscanf(line, " %15s %63s", word, addr) != 2)
			continue;
		if (strcmp(word, "nameserver") == 0 && !nameserver_reachable(addr))
			n += (size_t)snprintf(buf + n, size - n, "# left out, the host's own: nameserver %s\n", addr);
		else if (strcmp(word, "nameserver") == 0 && ++kept)
			n += (size_t)snprintf(buf + n, size - n, "nameserver %s\n", addr);
		else if (strcmp(word, "search") == 0 || strcmp(word, "domain") == 0 || strcmp(word, "options") == 0)
			n += (size_t)snprintf(buf + n, size - n, "%.*s\n", (int)strcspn(line, "\r"),
					      line + strspn(line, " \t"));
	}
	return n < size ? kept : -ENAMETOOLONG;
}

/* The bridge must exist (lxloginctl network setup) and, for a VLAN, filter VLANs. */
static int bridge_get(int nl, const struct policy_values *v, struct nl_link *ret, struct core_err *e)
{
	int r = nl_link_get(nl, v->bridge, ret);

	if (r == -ENOENT || (r == 0 && !ret->bridge))
		return core_fail(e, -ENOENT, "network: there is no bridge %s (lxloginctl network setup makes it)",
				 v->bridge);
	if (r < 0)
		return core_fail(e, r, "network: bridge %s: %s", v->bridge, strerror(-r));
	if (v->vlan && !ret->vlan_filtering)
		return core_fail(e, -EOPNOTSUPP,
				 "network: bridge %s does not filter VLANs, so vlan = %u cannot be kept apart "
				 "(lxloginctl network setup turns filtering on where the kernel has it)",
				 v->bridge, v->vlan);
	return 0;
}

/* Before a start: is the bridge there, and fit for the policy? */
int net_bridge_check(const struct policy_values *v, struct core_err *e)
{
	__do_close int nl = nl_open();
	struct nl_link br;

	if (nl < 0)
		return core_fail(e, nl, "network: netlink: %s", strerror(-nl));
	return bridge_get(nl, v, &br, e);
}

/*
 * The network namespace of the container's init (found and checked against
 * the user's container cgroup by running.c): opened while the init's pidfd
 * shows it alive, and never the host's own.
 */
static int container_netns(const struct ct_init *init, struct core_err *e)
{
	__do_close int netns = -EBADF, self = -EBADF;
	struct stat a, b;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init->pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0)
		return core_fail(e, -errno, "network: %s: %s", path, strerror(errno));
	if (syscall(SYS_pidfd_send_signal, init->pidfd, 0, NULL, 0) < 0)
		return core_fail(e, -ESRCH, "network: the container's init (%d) is gone", (int)init->pid);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return core_fail(e, -errno, "network: /proc/self/ns/net: %s", strerror(errno));
	if (fstat(netns, &a) < 0 || fstat(self, &b) < 0 || (a.st_dev == b.st_dev && a.st_ino == b.st_ino))
		return core_fail(e, -EPERM, "network: the container's init shares the host's network namespace");
	return move_fd(netns);
}

/* A netlink socket that lives in netns (made there, used from here). */
static int nl_open_in(int netns)
{
	__do_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd;

	if (self < 0 || setns(netns, CLONE_NEWNET) < 0)
		return -errno;
	fd = nl_open();
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* never go on in the container's namespace */
	return fd;
}

static int veth_create(int nl, const char *host, int bridge, int netns, const uint8_t mac[6])
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC }, peer = { .ifi_family = AF_UNSPEC };
	struct nl_req m;

	nl_req_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	nl_put_str(&m, IFLA_IFNAME, host);
	nl_put_u32(&m, IFLA_MASTER, (uint32_t)bridge);
	nl_nest_begin(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "veth");
	nl_nest_begin(&m, IFLA_INFO_DATA);
	nl_nest_begin_hdr(&m, VETH_INFO_PEER, &peer, sizeof(peer));
	nl_put_str(&m, IFLA_IFNAME, "eth0");
	nl_put(&m, IFLA_ADDRESS, mac, 6);
	nl_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)netns);
	nl_nest_end(&m);
	nl_nest_end(&m);
	nl_nest_end(&m);
	return nl_talk(nl, &m, NULL);
}

/* Locked, no learning, isolated as the policy says. */
static int port_flags(int nl, int port, bool isolate)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = port };
	struct nl_req m;

	nl_req_init(&m, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	nl_nest_begin(&m, IFLA_PROTINFO);
	nl_put_u8(&m, IFLA_BRPORT_LEARNING, 0);
	nl_put_u8(&m, IFLA_BRPORT_LOCKED, 1);
	nl_put_u8(&m, IFLA_BRPORT_ISOLATED, isolate);
	nl_nest_end(&m);
	return nl_talk(nl, &m, NULL);
}

/* The port carries vid only, untagged towards the container; the default VLAN 1 leaves it. */
static int port_vlan(int nl, int port, uint16_t vid)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = port };
	struct bridge_vlan_info vi = { BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, vid };
	struct nl_req m;
	int r;

	nl_req_init(&m, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	nl_nest_begin(&m, IFLA_AF_SPEC);
	nl_put(&m, IFLA_BRIDGE_VLAN_INFO, &vi, sizeof(vi));
	nl_nest_end(&m);
	r = nl_talk(nl, &m, NULL);
	if (r < 0 || vid == 1)
		return r;
	vi = (struct bridge_vlan_info){ 0, 1 };
	nl_req_init(&m, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	nl_nest_begin(&m, IFLA_AF_SPEC);
	nl_put(&m, IFLA_BRIDGE_VLAN_INFO, &vi, sizeof(vi));
	nl_nest_end(&m);
	r = nl_talk(nl, &m, NULL);
	return r == -ENOENT || r == -EINVAL ? 0 : r;
}

/* family AF_BRIDGE: the port's one static FDB entry; AF_INET: the host's permanent neighbour entry. */
static int neigh_add(int nl, int family, int index, uint32_t ipv4, const uint8_t mac[6], uint16_t vid)
{
	struct ndmsg nd = { .ndm_family = (uint8_t)family, .ndm_ifindex = index };
	uint32_t dst = htonl(ipv4);
	struct nl_req m;

	nd.ndm_state = family == AF_BRIDGE ? NUD_NOARP : NUD_PERMANENT;
	nd.ndm_flags = family == AF_BRIDGE ? NTF_MASTER : 0;
	nl_req_init(&m, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, &nd, sizeof(nd));
	if (family == AF_INET)
		nl_put(&m, NDA_DST, &dst, 4);
	nl_put(&m, NDA_LLADDR, mac, 6);
	if (family == AF_BRIDGE && vid)
		nl_put(&m, NDA_VLAN, &vid, sizeof(vid));
	return nl_talk(nl, &m, NULL);
}

static int default_route(int nl, int index, uint32_t gateway)
{
	struct rtmsg rt = { .rtm_family = AF_INET,
			    .rtm_table = RT_TABLE_MAIN,
			    .rtm_protocol = RTPROT_BOOT,
			    .rtm_scope = RT_SCOPE_UNIVERSE,
			    .rtm_type = RTN_UNICAST };
	uint32_t gw = htonl(gateway);
	struct nl_req m;

	nl_req_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rt, sizeof(rt));
	nl_put(&m, RTA_GATEWAY, &gw, 4);
	nl_put_u32(&m, RTA_OIF, (uint32_t)index);
	return nl_talk(nl, &m, NULL);
}

/* Inside: lo and eth0 up, the address, the default route. */
static int inside_setup(int nl, const struct policy_values *v, const struct net_lease *lease, const char **step)
{
	struct nl_link lo, eth0;
	uint32_t gw = policy_gateway_of(v);
	int r;

	*step = "loopback";
	r = nl_link_get(nl, "lo", &lo);
	if (r == 0)
		r = nl_link_set_up(nl, lo.index, true);
	if (r < 0)
		return r;
	*step = "eth0";
	r = nl_link_get(nl, "eth0", &eth0);
	if (r == 0)
		r = nl_link_set_up(nl, eth0.index, true);
	if (r < 0)
		return r;
	*step = "address";
	r = nl_addr_add(nl, eth0.index, lease->ipv4, v->subnet_prefix);
	if (r < 0 || !gw)
		return r;
	*step = "default route";
	return default_route(nl, eth0.index, gw);
}

/*
 * Give the running container (its checked init) its network, as its lease says;
 * nothing to do if its port is already up on a bridge: it keeps the network it
 * started with (a bridge or subnet the admin changed since applies at its next
 * start; moving the port would leave its old address behind a new gateway). A
 * failure removes the half-made pair.
 */
int net_attach(const struct core_user *u, const struct ct_init *init, const struct net_lease *lease, struct core_err *e)
{
	const struct policy_values *v = &u->policy.values;
	__do_close int nl = -EBADF, inside = -EBADF, netns = -EBADF;
	char host[NET_IFNAME_SIZE];
	struct nl_link br, port;
	const char *step = "";
	bool half_made;
	int r;

	nl = nl_open();
	if (nl < 0)
		return core_fail(e, nl, "network: netlink: %s", strerror(-nl));
	net_veth_name(lease->ipv4, host);
	r = nl_link_get(nl, host, &port);
	if (r == 0 && (port.flags & IFF_UP) && port.master)
		return 0;
	half_made = r == 0;
	r = bridge_get(nl, v, &br, e);
	if (r < 0)
		return r;
	if (half_made)
		(void)nl_link_del(nl, port.index); /* a start that died half way: start over */
	netns = container_netns(init, e);
	if (netns < 0)
		return netns;
	inside = nl_open_in(netns);
	if (inside < 0)
		return core_fail(e, inside, "network: cannot enter the container's namespace: %s", strerror(-inside));
	step = "veth";
	r = veth_create(nl, host, br.index, netns, lease->mac);
	if (r == 0)
		r = nl_link_get(nl, host, &port);
	if (r < 0)
		return core_fail(e, r, "network: %s for %s: %s", step, host, strerror(-r));
	step = "bridge port";
	r = port_flags(nl, port.index, v->isolate);
	if (r == 0 && v->vlan)
		step = "vlan", r = port_vlan(nl, port.index, v->vlan);
	if (r == 0)
		step = "bridge fdb", r = neigh_add(nl, AF_BRIDGE, port.index, 0, lease->mac, v->vlan);
	if (r == 0 && !v->vlan)
		step = "host neighbour", r = neigh_add(nl, AF_INET, br.index, lease->ipv4, lease->mac, 0);
	if (r == 0)
		r = inside_setup(inside, v, lease, &step);
	if (r == 0)
		step = "port up", r = nl_link_set_up(nl, port.index, true);
	if (r < 0) {
		(void)nl_link_del(nl, port.index);
		return core_fail(e, r, "network: %s of %s: %s", step, host, strerror(-r));
	}
	return 0;
}
