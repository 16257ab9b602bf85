/* policy.h - lxlogin policy: who is contained, and with which limits. */
#ifndef LXLOGIN_POLICY_H
#define LXLOGIN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define POLICY_FILE_MAX 65536 /* bytes in one policy file */
#define POLICY_LINE_MAX 1024  /* bytes in one line, without the newline */
#define POLICY_NAME_MAX 32    /* user and group names */
#define POLICY_IMAGE_MAX 64
#define POLICY_HOSTNAME_MAX 63
#define POLICY_PRIORITY_DEFAULT 50

/* Which file a line comes from decides which keys it may set. */
enum policy_scope {
	POLICY_SCOPE_GLOBAL, /* lxlogin.conf */
	POLICY_SCOPE_GROUP,  /* groups.d/<group>.conf */
	POLICY_SCOPE_USER,   /* users.d/<user>.conf */
};

enum policy_key {
	POLICY_IMAGE,
	POLICY_MEMORY,
	POLICY_SWAP,
	POLICY_CPUS,
	POLICY_CPU_WEIGHT,
	POLICY_PIDS,
	POLICY_IO_WEIGHT,
	POLICY_DISK,
	POLICY_INODES,
	POLICY_HOSTNAME,
	POLICY_NETWORK,
	POLICY_IDLE_STOP,
	POLICY_IDLE_STOP_IF_PROCESSES,
	POLICY_START_TIMEOUT,
	POLICY_ROOT,
	POLICY_NESTING,
	POLICY_FORWARD_AGENT,
	POLICY_HOME,
	POLICY_IPV4,
	POLICY_GATEWAY,
	POLICY_VLAN,
	POLICY_ISOLATE,
	POLICY_HWADDR,
	POLICY_BRIDGE,	      /* lxlogin.conf only */
	POLICY_SUBNET,	      /* lxlogin.conf only */
	POLICY_POOL,	      /* lxlogin.conf only */
	POLICY_NAT,	      /* lxlogin.conf only */
	POLICY_QUOTA,	      /* lxlogin.conf only */
	POLICY_BACKEND,	      /* lxlogin.conf only */
	POLICY_LXD_SOCKET,    /* lxlogin.conf only */
	POLICY_LXD_PROJECT,   /* lxlogin.conf only */
	POLICY_EXEMPT_USERS,  /* lxlogin.conf only */
	POLICY_EXEMPT_GROUPS, /* lxlogin.conf only */
	POLICY_PRIORITY,      /* groups.d only */
	POLICY_KEY_COUNT,
};

enum policy_limit_kind {
	POLICY_LIMIT_ABSOLUTE,	/* value is bytes, a count, or milli-CPUs */
	POLICY_LIMIT_PERCENT,	/* value is 1..100 percent of the host's memory */
	POLICY_LIMIT_UNLIMITED, /* only ever from the word "unlimited", never from 0 */
};

struct policy_limit {
	enum policy_limit_kind kind;
	uint64_t value;
};

enum policy_network { POLICY_NETWORK_NONE, POLICY_NETWORK_VETH };
enum policy_gateway { POLICY_GATEWAY_AUTO, POLICY_GATEWAY_NONE, POLICY_GATEWAY_ADDRESS };
enum policy_home { POLICY_HOME_HOST, POLICY_HOME_CONTAINER };
/* a disk or inode limit the filesystem cannot enforce: no session, or a warning, or the keys unused */
enum policy_quota { POLICY_QUOTA_REQUIRE, POLICY_QUOTA_WARN, POLICY_QUOTA_OFF };
/* where containers run: this host's liblxc, or an LXD cluster reached through a member's socket */
enum policy_backend { POLICY_BACKEND_LOCAL, POLICY_BACKEND_LXD };

#define POLICY_NEVER UINT32_MAX /* idle_stop = never */
#define POLICY_BRIDGE_MAX 15	/* IFNAMSIZ - 1 */
#define POLICY_VLAN_MAX 4094
#define POLICY_SOCKET_MAX 107 /* sun_path - 1 */
#define POLICY_PROJECT_MAX 63 /* an LXD project name */

struct policy_values {
	char image[POLICY_IMAGE_MAX + 1];
	struct policy_limit memory;		/* bytes or percent or unlimited */
	struct policy_limit swap;		/* bytes (0 = no swap) or percent or unlimited */
	struct policy_limit cpus;		/* milli-CPUs (1500 = 1.5 CPUs) or unlimited */
	uint32_t cpu_weight;			/* 1..10000, as cgroup v2 cpu.weight */
	struct policy_limit pids;		/* count or unlimited */
	uint32_t io_weight;			/* 1..10000, as cgroup v2 io.weight */
	struct policy_limit disk;		/* bytes in the user's layer, or unlimited */
	struct policy_limit inodes;		/* files in the user's layer, or unlimited */
	char hostname[POLICY_HOSTNAME_MAX + 1]; /* template, %u = user name */
	enum policy_network network;
	uint32_t idle_stop_s;	     /* seconds, or POLICY_NEVER */
	bool idle_stop_if_processes; /* stop an idle container even if the user's processes run inside */
	uint32_t start_timeout_s;
	bool root;	    /* the user may become root inside (sudo) */
	bool nesting;	    /* containers inside the container */
	bool forward_agent; /* ssh -A: an agent socket inside, relayed to sshd's (lxlogin-shell) */
	enum policy_home home;
	uint32_t priority; /* groups.d merge order, 0..99 */
	/* network = veth; IPv4 addresses in host byte order */
	uint32_t ipv4;			    /* 0: auto, from the pool */
	enum policy_gateway gateway;	    /* auto: the bridge's own address */
	uint32_t gateway_addr;		    /* with POLICY_GATEWAY_ADDRESS */
	uint16_t vlan;			    /* 0: none */
	bool isolate;			    /* the bridge port is isolated from other isolated ports */
	bool hwaddr_auto;		    /* derived from the user name */
	uint8_t hwaddr[6];		    /* unless hwaddr_auto */
	char bridge[POLICY_BRIDGE_MAX + 1]; /* the lxlogin bridge */
	uint32_t subnet;		    /* the bridge's own address ... */
	unsigned subnet_prefix;		    /* ... and prefix length; 0: no subnet */
	uint32_t pool_first, pool_last;	    /* 0, 0: the whole subnet */
	bool nat;			    /* outbound masquerade, by lxloginctl network setup */
	enum policy_quota quota;	    /* lxlogin.conf only */
	enum policy_backend backend;	    /* lxlogin.conf only */
	char lxd_socket[POLICY_SOCKET_MAX + 1];
	char lxd_project[POLICY_PROJECT_MAX + 1];
};

/* Where a value came from: file NULL means the built-in default. */
struct policy_origin {
	const char *file;
	unsigned line;
};

/* A raw lxc.* line passed through to the container config. */
struct policy_lxc_line {
	char *key;
	char *value;
	struct policy_origin origin;
};

/* Problems found, as "file:line: key: why" lines. count is exact even when
 * a message could not be stored (out of memory): decisions use count. */
struct policy_diag {
	char **msgs;
	size_t n_msgs;
	size_t count;
};

/* One parsed file. Lines with errors are counted in n_errors and skipped. */
struct policy_file {
	char *path; /* as shown in messages */
	enum policy_scope scope;
	struct policy_values values;
	unsigned line[POLICY_KEY_COUNT]; /* 0: key not set in this file */
	char **exempt_users;		 /* NULL-terminated, or NULL */
	char **exempt_groups;
	struct policy_lxc_line *lxc;
	size_t n_lxc;
	size_t n_errors;
};

enum policy_verdict {
	POLICY_EXEMPT,	      /* host session: root, or named exempt by the admin */
	POLICY_NOT_CONTAINED, /* host session: no policy names this user */
	POLICY_CONTAINED,     /* session inside the user's container */
	POLICY_REFUSED,	      /* contained, but the policy cannot be trusted: no session */
};

struct policy_user {
	const char *name;
	uid_t uid;
	const char *const *groups; /* names of the user's primary and supplementary groups */
	size_t n_groups;
};

struct policy_result {
	enum policy_verdict verdict;
	char reason[512]; /* one line: why this verdict */
	struct policy_values values;
	struct policy_origin origin[POLICY_KEY_COUNT];
	struct policy_lxc_line *lxc; /* origins point into files[] */
	size_t n_lxc;
	struct policy_diag diag; /* problems that concern this user */
	struct policy_file **files;
	size_t n_files;
};

/* A user as NSS knows them (account.c). */
struct policy_account {
	char *name;
	char *home;
	uid_t uid;
	gid_t gid;
	char **groups; /* NULL-terminated: primary group first */
	size_t n_groups;
};

/* account.c */
int policy_account_lookup(const char *name, struct policy_account *ret);
void policy_account_free(struct policy_account *a);

/* names.c */
bool policy_name_valid(const char *name);
int policy_hostname(const char *tmpl, const char *user, char *buf, size_t size);
bool policy_path_plain(const char *path);

/* net.c: addresses and the network keys' rules */
int policy_ipv4_parse(const char *s, uint32_t *ret);
void policy_ipv4_format(uint32_t addr, char buf[static 16]);
int policy_hwaddr_parse(const char *s, uint8_t ret[static 6]);
void policy_hwaddr_format(const uint8_t mac[static 6], char buf[static 18]);
uint32_t policy_subnet_mask(unsigned prefix);
void policy_pool_range(const struct policy_values *v, uint32_t *ret_first, uint32_t *ret_last);
uint32_t policy_gateway_of(const struct policy_values *v);
void policy_network_validate(const struct policy_values *v, const struct policy_origin origin[POLICY_KEY_COUNT],
			     bool with_subnet, struct policy_diag *d);

/* diag.c */
void policy_diag_add(struct policy_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void policy_diag_free(struct policy_diag *d);

/* value.c: one key's value, parsed and printed back */
const char *policy_key_name(enum policy_key key);
int policy_key_lookup(const char *name, enum policy_key *ret_key);
bool policy_key_allowed(enum policy_key key, enum policy_scope scope);
int policy_value_parse(enum policy_key key, const char *value, struct policy_values *v, char *why, size_t why_size);
int policy_value_format(enum policy_key key, const struct policy_values *v, char *buf, size_t size);
void policy_values_default(struct policy_values *v);
void policy_value_copy(enum policy_key key, struct policy_values *dst, const struct policy_values *src);
bool policy_lxc_key_reserved(const char *key, const char **ret_instead);

/* parse.c */
int policy_parse(const char *path, const char *buf, size_t len, enum policy_scope scope, struct policy_file **ret,
		 struct policy_diag *diag);
void policy_file_free(struct policy_file *f);

/* files.c: policy files reached by fd, refused unless root's and safe */
int policy_dir_open(const char *path, struct policy_diag *diag);
int trusted_dir_open(const char *path, mode_t create_mode, struct policy_diag *diag);
int policy_subdir_open(int dirfd, const char *name, const char *path, struct policy_diag *diag);
int policy_file_load(int dirfd, const char *name, const char *path, enum policy_scope scope, struct policy_file **ret,
		     struct policy_diag *diag);
int policy_dir_list(int dirfd, char ***ret_names);

/* resolve.c */
int policy_resolve(const char *config_dir, const struct policy_user *user, struct policy_result *ret);
void policy_result_free(struct policy_result *r);
/* every file, its problems in diag; each (if not NULL) sees every file that loaded */
typedef void (*policy_file_fn)(const struct policy_file *f, void *arg);
int policy_check(const char *config_dir, struct policy_diag *diag, size_t *ret_files, policy_file_fn each, void *arg);
int policy_global_values(const char *config_dir, struct policy_values *ret, struct policy_diag *diag);

void policy_strv_free(char **v);

#endif
