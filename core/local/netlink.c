/* netlink.c - just enough rtnetlink: build a request, send it, read its ack or its one answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"

/* The kernel's NLA_ and NLMSG_ALIGN macros, in size_t (theirs mix int in). */
#define ALIGN4(n) (((size_t)(n) + 3u) & ~(size_t)3u)
#define ATTR_HDR ALIGN4(sizeof(struct nlattr))

int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* A request of type with its family header (ifinfomsg, ifaddrmsg, ...) copied in. */
void nl_req_init(struct nl_req *m, uint16_t type, uint16_t flags, const void *hdr, size_t hdr_len)
{
	memset(m, 0, sizeof(*m));
	m->h.nlmsg_type = type;
	m->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	m->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr_len);
	if (hdr_len > sizeof(m->buf) - NLMSG_HDRLEN)
		m->overflow = true;
	else
		memcpy(NLMSG_DATA(&m->h), hdr, hdr_len);
}

void nl_put(struct nl_req *m, uint16_t type, const void *data, size_t len)
{
	size_t at = ALIGN4(m->h.nlmsg_len);
	struct nlattr *a = (struct nlattr *)(m->buf + at);

	if (m->overflow || at + ATTR_HDR + ALIGN4(len) > sizeof(m->buf)) {
		m->overflow = true;
		return;
	}
	a->nla_type = type;
	a->nla_len = (uint16_t)(ATTR_HDR + len);
	if (len)
		memcpy(m->buf + at + ATTR_HDR, data, len);
	m->h.nlmsg_len = (uint32_t)(at + ALIGN4(a->nla_len));
}

void nl_put_u8(struct nl_req *m, uint16_t type, uint8_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_u32(struct nl_req *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_str(struct nl_req *m, uint16_t type, const char *s)
{
	nl_put(m, type, s, strlen(s) + 1);
}

void nl_nest_begin(struct nl_req *m, uint16_t type)
{
	if (m->depth >= NL_NEST_MAX) {
		m->overflow = true;
		return;
	}
	m->nest[m->depth++] = ALIGN4(m->h.nlmsg_len);
	nl_put(m, (uint16_t)(type | NLA_F_NESTED), NULL, 0);
}

/* Open a nested attribute whose payload starts with a fixed header (VETH_INFO_PEER's ifinfomsg). */
void nl_nest_begin_hdr(struct nl_req *m, uint16_t type, const void *hdr, size_t hdr_len)
{
	nl_nest_begin(m, type);
	if (m->overflow || ALIGN4(m->h.nlmsg_len) + ALIGN4(hdr_len) > sizeof(m->buf)) {
		m->overflow = true;
		return;
	}
	memcpy(m->buf + m->h.nlmsg_len, hdr, hdr_len);
	m->h.nlmsg_len += (uint32_t)ALIGN4(hdr_len);
}

void nl_nest_end(struct nl_req *m)
{
	if (m->overflow || m->depth == 0)
		return;
	size_t at = m->nest[--m->depth];
	((struct nlattr *)(m->buf + at))->nla_len = (uint16_t)(m->h.nlmsg_len - at);
}

/*
 * Send m and read the kernel's answer: an ack (0 or -errno) or, for a get,
 * one message copied into ret (NULL: none expected).
 */
int nl_talk(int fd, struct nl_req *m, struct nl_req *ret)
{
	union {
		struct nlmsghdr h;
		char buf[16384];
	} in;
	int got_answer = 0;

	static uint32_t seq;

	if (m->overflow)
		return -ENOBUFS;
	m->h.nlmsg_seq = ++seq;
	if (send(fd, m->buf, m->h.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, in.buf, sizeof(in.buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = &in.h; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != m->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(h);
				if (err->error < 0 || !ret)
					return err->error;
				return got_answer ? 0 : -ENODATA;
			}
			if (ret && !got_answer && h->nlmsg_len <= sizeof(ret->buf)) {
				memcpy(ret->buf, h, h->nlmsg_len);
				got_answer = 1;
			}
		}
	}
}

/* The attributes of an answer (after its family header of hdr_len bytes), by type, into tb[0..max]. */
void nl_parse(const struct nlattr *a, size_t len, const struct nlattr **tb, uint16_t max)
{
	memset(tb, 0, (max + 1u) * sizeof(*tb));
	for (; len >= ATTR_HDR && a->nla_len >= ATTR_HDR && a->nla_len <= len;
	     len -= ALIGN4(a->nla_len) < len ? ALIGN4(a->nla_len) : len,
	     a = (const struct nlattr *)((const char *)a + ALIGN4(a->nla_len))) {
		uint16_t type = (uint16_t)(a->nla_type & (uint16_t)NLA_TYPE_MASK);
		if (type <= max)
			tb[type] = a;
	}
}

const void *nl_data(const struct nlattr *a)
{
	return (const char *)a + ATTR_HDR;
}

size_t nl_len(const struct nlattr *a)
{
	return a->nla_len - ATTR_HDR;
}

/* A link by name: its index, flags, master, and for a bridge whether it filters VLANs. */
int nl_link_get(int fd, const char *name, struct nl_link *ret)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1], *br[IFLA_BR_MAX + 1];
	struct nl_req m, answer;
	const struct ifinfomsg *got;
	int r;

	nl_req_init(&m, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	nl_put_str(&m, IFLA_IFNAME, name);
	r = nl_talk(fd, &m, &answer);
	if (r < 0)
		return r == -ENODEV ? -ENOENT : r;
	got = NLMSG_DATA(&answer.h);
	nl_parse((const struct nlattr *)((const char *)got + ALIGN4(sizeof(*got))),
		 answer.h.nlmsg_len - ALIGN4(sizeof(answer.h)) - ALIGN4(sizeof(*got)), tb, IFLA_MAX);
	*ret = (struct nl_link){ .index = got->ifi_index, .flags = got->ifi_flags };
	if (tb[IFLA_MASTER] && nl_len(tb[IFLA_MASTER]) == 4)
		memcpy(&ret->master, nl_data(tb[IFLA_MASTER]), 4);
	if (tb[IFLA_LINKINFO]) {
		nl_parse(nl_data(tb[IFLA_LINKINFO]), nl_len(tb[IFLA_LINKINFO]), info, IFLA_INFO_MAX);
		if (info[IFLA_INFO_KIND] &&
		    strncmp(nl_data(info[IFLA_INFO_KIND]), "bridge", nl_len(info[IFLA_INFO_KIND])) == 0 &&
		    nl_len(info[IFLA_INFO_KIND]) >= 6) {
			ret->bridge = true;
			if (info[IFLA_INFO_DATA]) {
				nl_parse(nl_data(info[IFLA_INFO_DATA]), nl_len(info[IFLA_INFO_DATA]), br, IFLA_BR_MAX);
				ret->vlan_filtering = br[IFLA_BR_VLAN_FILTERING] &&
						      *(const uint8_t *)nl_data(br[IFLA_BR_VLAN_FILTERING]);
			}
		}
	}
	return 0;
}

/* Bring a link up or down. */
int nl_link_set_up(int fd, int index, bool up)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = up ? IFF_UP : 0, .ifi_change = IFF_UP
	};
	struct nl_req m;

	nl_req_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	return nl_talk(fd, &m, NULL);
}

int nl_link_del(int fd, int index)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	struct nl_req m;

	nl_req_init(&m, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	return nl_talk(fd, &m, NULL);
}

/* addr/prefix on a link (host byte order), replacing what is there. */
int nl_addr_add(int fd, int index, uint32_t addr, unsigned prefix)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET,
				 .ifa_prefixlen = (uint8_t)prefix,
				 .ifa_index = (uint32_t)index };
	uint32_t a = htonl(addr), b = htonl(addr | ~(prefix ? UINT32_MAX << (32 - prefix) : 0));
	struct nl_req m;

	nl_req_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &ifa, sizeof(ifa));
	nl_put(&m, IFA_LOCAL, &a, 4);
	nl_put(&m, IFA_ADDRESS, &a, 4);
	nl_put(&m, IFA_BROADCAST, &b, 4);
	return nl_talk(fd, &m, NULL);
}
