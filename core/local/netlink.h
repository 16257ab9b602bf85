/* netlink.h - just enough rtnetlink for the veth of a user's container and the lxlogin bridge. */
#ifndef LXLOGIN_NETLINK_H
#define LXLOGIN_NETLINK_H
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NL_NEST_MAX 4

/* One request (or one answer) of at most 2 KiB; overflow makes nl_talk fail rather than send a torn message. */
struct nl_req {
	union {
		struct nlmsghdr h;
		char buf[2048];
	};
	size_t nest[NL_NEST_MAX];
	unsigned depth;
	bool overflow;
};

struct nl_link {
	int index;
	unsigned flags; /* IFF_* */
	int master;	/* 0: none */
	bool bridge, vlan_filtering;
};

int nl_open(void);
void nl_req_init(struct nl_req *m, uint16_t type, uint16_t flags, const void *hdr, size_t hdr_len);
void nl_put(struct nl_req *m, uint16_t type, const void *data, size_t len);
void nl_put_u8(struct nl_req *m, uint16_t type, uint8_t v);
void nl_put_u32(struct nl_req *m, uint16_t type, uint32_t v);
void nl_put_str(struct nl_req *m, uint16_t type, const char *s);
void nl_nest_begin(struct nl_req *m, uint16_t type);
void nl_nest_begin_hdr(struct nl_req *m, uint16_t type, const void *hdr, size_t hdr_len);
void nl_nest_end(struct nl_req *m);
int nl_talk(int fd, struct nl_req *m, struct nl_req *ret);
void nl_parse(const struct nlattr *a, size_t len, const struct nlattr **tb, uint16_t max);
const void *nl_data(const struct nlattr *a);
size_t nl_len(const struct nlattr *a);

int nl_link_get(int fd, const char *name, struct nl_link *ret);
int nl_link_set_up(int fd, int index, bool up);
int nl_link_del(int fd, int index);
int nl_addr_add(int fd, int index, uint32_t addr, unsigned prefix);

#endif
