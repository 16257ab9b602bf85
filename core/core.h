/* core.h - the container core shared by lxlogin-helper and lxloginctl: subids, cgroups, rootfs, config, lifecycle. */
#ifndef LXLOGIN_CORE_H
#define LXLOGIN_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <termios.h>

#include "policy.h"

#define SUBID_MIN_COUNT 65536

/* A failure's story: the core never logs; the caller prints or syslogs msg (and note, a success's warning). */
struct core_err {
	char msg[1024];
	char note[512];
};

int core_fail(struct core_err *e, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An id range [start, start + count). */
struct idrange {
	uint32_t start;
	uint32_t count;
};

/* Everything a start needs, resolved and validated before any privileged step. */
struct core_user {
	struct policy_account acct; /* name, uid, gid, home, groups */
	struct policy_result policy;
	struct idrange uids, gids;
	char hostname[POLICY_HOSTNAME_MAX + 1];
};

/* subid.c */
int subid_user_ranges(const char *user, uid_t uid, gid_t gid, struct idrange *ret_uids, struct idrange *ret_gids,
		      struct core_err *e);
int subid_find_conflict(const char *text, const char *user, uid_t uid, struct idrange r, char *owner,
			size_t owner_size);
int subid_find_free(const char *subuid_text, const char *subgid_text, uint32_t min, uint32_t count,
		    uint32_t *ret_start);
int subid_assign(const char *user, struct core_err *e);

/* cgroup.c: one directory per user under an lxlogin-owned parent in every hierarchy */
struct cgroup_hier {
	char mnt[256];
	char controllers[256]; /* v1: "cpu,cpuacct", "name=systemd"; v2: "" */
	bool v2;
	int fd; /* O_PATH of the mount root */
};

struct cgroup_layout {
	struct cgroup_hier h[16];
	size_t n;
	bool systemd; /* systemd runs a pure v2 hierarchy: users' cgroups are its scopes (cgsystemd.c) */
};

struct cgroup_limits {
	uint64_t memory;		      /* bytes, UINT64_MAX: unlimited */
	uint64_t swap;			      /* bytes beyond memory, UINT64_MAX: unlimited */
	uint64_t cpu_quota_us, cpu_period_us; /* quota UINT64_MAX: unlimited */
	uint32_t cpu_weight;
	uint64_t pids; /* UINT64_MAX: unlimited */
	uint32_t io_weight;
	char cpus[256]; /* the CPUs it runs on, a kernel cpu list; "": all its parent has */
};

#define CGROUP_UNLIMITED UINT64_MAX
#define CGROUP_CPUS_MAX 8192 /* CPUs a cpu list may name */
#define CGROUP_DEPTH_MAX 32  /* deepest cgroup tree walked below a user's cgroup */

/* cgroup.c: the user's cgroup as the kernel shows it */
int cgroup_layout_parse(const char *mountinfo, struct cgroup_layout *l);
int cgroup_layout_open(struct cgroup_layout *l, struct core_err *e);
void cgroup_layout_close(struct cgroup_layout *l);
bool cgroup_word_in(const char *list, const char *word);
bool cgroup_hier_has(const struct cgroup_hier *h, const char *controller);
bool cgroup_v1_has(const struct cgroup_layout *l, const char *controller);
int cgroup_put(int dfd, const char *file, const char *value, bool optional, const char *user, struct core_err *e);
/* the user's cgroup below a hierarchy's root (no leading '/'), with an optional leaf below it */
int cgroup_user_path(const struct cgroup_layout *l, const char *user, const char *leaf, char *buf, size_t size);
/* the container's payload cgroup (LXC's lxc.payload.USER) below a hierarchy's root */
int cgroup_payload_path(const struct cgroup_layout *l, const struct cgroup_hier *h, const char *user, char *buf,
			size_t size);
const struct cgroup_hier *cgroup_procs_hier(const struct cgroup_layout *l);
/* where a process enters: sessions, or the container (v2 leaves; v1 has the user's cgroup only) */
enum cgroup_leaf { CGROUP_SESSIONS, CGROUP_CONTAINER };
int cgroup_user_enter(const struct cgroup_layout *l, const char *user, enum cgroup_leaf leaf, pid_t pid,
		      struct core_err *e);
int cgroup_user_populated(const struct cgroup_layout *l, const char *user);

/* cgdelegate.c: making it (root), and removing it */
int cgroup_limits_from_policy(const struct policy_values *v, uint64_t host_memory, struct cgroup_limits *ret);
int cgroup_cpus_pick(const char *avail, unsigned spread, struct cgroup_limits *lim);
int cgroup_cpus_mask(const char *list, uint8_t *mask, size_t size);
void cgroup_cpus_choose(const struct cgroup_layout *l, unsigned spread, struct cgroup_limits *lim);
int cgroup_user_setup(const struct cgroup_layout *l, const char *user, uid_t uid, gid_t gid,
		      const struct cgroup_limits *lim, struct core_err *e);
void cgroup_payload_cpu(const struct cgroup_layout *l, const char *user, const struct cgroup_limits *lim);
int cgroup_user_remove(const struct cgroup_layout *l, const char *user, struct core_err *e);
struct cgroup_pids {
	pid_t pid[4096];
	size_t n;
};
int cgroup_user_pids(const struct cgroup_layout *l, const char *user, bool container, struct cgroup_pids *ret);
int cgroup_user_sessions(const struct cgroup_layout *l, const char *user, size_t *ret_sessions, size_t *ret_procs);
int cgroup_payload_each(const struct cgroup_layout *l, const char *user, int (*fn)(pid_t pid, void *arg), void *arg);
#define CGROUP_UNKNOWN (UINT64_MAX - 1)
struct cgroup_usage {
	uint64_t memory, memory_max, swap, swap_max, pids, pids_max; /* UINT64_MAX: unlimited; CGROUP_UNKNOWN */
	uint64_t cpu_quota, cpu_period;				     /* µs of CPU per period: cpus = quota / period */
};
void cgroup_user_usage(const struct cgroup_layout *l, const char *user, struct cgroup_usage *ret);
#define CGROUP_COUNTERS_MAX 8
struct cgroup_counters {
	char path[CGROUP_COUNTERS_MAX][600];   /* host paths of the user's cgroup's use counters */
	const char *name[CGROUP_COUNTERS_MAX]; /* the kernel's name of each */
	size_t n;
};
void cgroup_user_counters(const struct cgroup_layout *l, const char *user, struct cgroup_counters *ret);
const char *cgroup_counter_name(size_t i);

/* cgsystemd.c: the user's cgroup as a transient scope of systemd */
int cgsystemd_scope_ensure(const char *user, bool running, pid_t pid, const struct cgroup_limits *lim,
			   struct core_err *e);
int cgsystemd_scope_stop(const char *user, struct core_err *e);

/* running.c: the running container from the kernel: its init found in the user's cgroup, checked by pidfd */
struct ct_init {
	pid_t pid; /* in our pid namespace */
	int pidfd;
};
int proc_status_field(pid_t pid, const char *key, char *out, size_t size);
int ct_init_check(const struct cgroup_layout *l, const char *user, uid_t owner, pid_t pid, int pidfd);
int ct_init_find(const struct cgroup_layout *l, const char *user, uid_t owner, struct ct_init *ret);
void ct_init_close(struct ct_init *c);
pid_t ct_monitor(const struct ct_init *c);
int ct_frozen(const struct cgroup_layout *l, const char *user);
int ct_halt(const struct ct_init *c, unsigned timeout_s, struct core_err *e);

/* attach.c: a session inside the running container, by pidfd and cgroup (no liblxc); relay.c: P's side */
struct attach_req {
	const char *user; /* whose container: their cgroup names */
	uid_t owner;	  /* the host uid that made it: the caller's own */
	uid_t uid;	  /* the ids inside: the user's own (mapped through), or 0 for root */
	gid_t gid;
	char *const *argv;     /* a command (PATH from env), or NULL for the shell of uid in the container's passwd */
	const char *shell_cmd; /* without argv: -c CMD, or NULL for an interactive shell */
	bool login;	       /* the shell's argv[0] starts with '-' */
	char *const *env;      /* the environment; HOME, USER, LOGNAME, SHELL, container=lxc are added */
	bool terminal;	       /* a new pty inside, relayed by the caller */
	bool record;	       /* an interactive login (a terminal, no command): through the container's login(1) */
	bool agent;	       /* a socket for ssh-agent inside (SSH_AUTH_SOCK), handed to the caller to relay */
};
struct attach_proc {
	pid_t init;		      /* the container's init it joined (for what the caller says of it) */
	pid_t pid;		      /* C1, the caller's child; its exit status is the session's */
	int pidfd;		      /* of C1 */
	int session;		      /* pidfd of the process inside, for signals */
	int master;		      /* terminal: the pty master of the session, else -EBADF */
	bool terminal;		      /* as asked */
	int outer_fd;		      /* the caller's terminal among fds 0-2, or -1 */
	struct termios outer_termios; /* its settings before the relay made it raw */
	struct winsize outer_size;
	int agent;	     /* r->agent: the listening socket inside, else -EBADF */
	char agent_why[160]; /* r->agent and none: why */
};
int attach_spawn(const struct cgroup_layout *l, const struct attach_req *r, struct attach_proc *ret,
		 struct core_err *e);
int attach_wait(struct attach_proc *p);
bool attach_wants_terminal(void);
void relay_signals(sigset_t *set);
bool relay_write_all(int fd, const char *buf, size_t len);
int attach_relay(struct attach_proc *p);

/* agent.c: the host end of a session's agent socket, relayed to sshd's own */
struct agent_host {
	int dir;       /* sshd's directory of the socket, held from the check on */
	char name[32]; /* agent.PID */
};
bool agent_sock_parse(const char *path, char *dir, size_t dsize, char *name, size_t nsize);
int agent_host_open(const char *auth_sock, struct agent_host *h, char *why, size_t size);
pid_t agent_relay_start(int listener, const struct agent_host *h);

/* err.c: sizes for people (1.5G) */
void human_size(uint64_t bytes, char *out, size_t size);

/* paths.c: the fixed places, reached by fd from root-owned roots */
bool home_is_valid(const char *home);
int state_dir_open(const char *sub, mode_t mode, struct core_err *e);
int run_dir_open(const char *sub, mode_t mode, struct core_err *e);
int dir_ensure(int parent, const char *name, mode_t mode, uid_t uid, gid_t gid, const char *shown, struct core_err *e);
int file_write_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid);
int file_write_run(int dirfd, const char *name, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid);
int file_write_new(int dirfd, const char *name, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid);
int dir_sync(int dirfd);
int tree_remove(int parent, const char *name, unsigned depth);
typedef int (*tree_fn)(int dir, const char *name, const struct stat *st, void *arg);
int tree_each(int dir, unsigned depth, tree_fn fn, void *arg);
#define TREE_FILE_MAX (1 << 20)
int tree_open(int root, const char *path, uint64_t flags);
int tree_stat(int root, const char *path, struct stat *st);
int system_stat(int root, const char *path, struct stat *st);
int tree_read(int root, const char *path, char **ret, gid_t *ret_gid);

/* layer.c: the user's writable layer, made once with their identity inside */
int layer_ensure(const struct core_user *u, int image_dir, int image_root, struct core_err *e);
struct layer_account { /* the account a layer was made for */
	uid_t uid;
	gid_t gid;
	struct idrange uids, gids;
};
int layer_account_read(const char *name, struct layer_account *ret);

/* quota.c: the layer's project quota */
enum quota_state {
	QUOTA_ENFORCING,   /* project quota accounted and enforced */
	QUOTA_ACCOUNTING,  /* accounted, not enforced (ext4 without prjquota, XFS pqnoenforce) */
	QUOTA_NOT_ENABLED, /* ext4 or XFS without project quota */
	QUOTA_NO_KERNEL,   /* the kernel has no quota support */
	QUOTA_NO_FS,	   /* a filesystem without project quotas */
};
struct quota_fs {
	enum quota_state state;
	char type[16];	  /* "ext4", "xfs", or the magic number */
	char source[256]; /* the mount's source (device), "" if unknown */
	char fix[512];	  /* what the admin does to get enforcement, "" when enforcing */
};
struct quota_usage {
	uint64_t bytes, inodes;		    /* used */
	uint64_t bytes_limit, inodes_limit; /* 0: none */
};
int quota_probe(int fd, struct quota_fs *ret);
int quota_tag_get(int fd, uint32_t *ret_projid, bool *ret_inherit);
int quota_get(int fd, uint32_t projid, struct quota_usage *ret);
int quota_set(int fd, uint32_t projid, uint64_t bytes, uint64_t inodes);
int quota_tree_retag(int dir, uint32_t projid);
bool quota_wanted(const struct policy_values *v);
int quota_layer_apply(const struct core_user *u, int layer, struct core_err *e);
int quota_layer_usage(int layer, uint32_t projid, struct quota_usage *ret);
int quota_release(int dir, uint32_t projid, struct core_err *e);

/* rootfs.c: the idmapped overlay, mounted in a private mount namespace */
int rootfs_mount(const struct core_user *u, struct core_err *e);

/* lxcconf.c */
struct lxcconf_bind {
	const char *src, *dst; /* a host path; where inside (absolute in the container) */
};
struct lxcconf_in {
	const char *user;
	uid_t uid;
	gid_t gid;
	const char *home;
	struct idrange uids, gids;
	const char *hostname;
	const char *rootfs;
	const char *seccomp;
	const char *log;
	const struct policy_result *policy;
	bool lxcfs;	       /* lxcfs runs: bind its /proc files and CPU directory in */
	bool apparmor_missing; /* AppArmor is on without LXC's profile loaded */
	const char *resolv;    /* network = veth: the resolv.conf to bind onto /etc/resolv.conf */
	const char *cpuset;    /* v1: the container's CPUs (cgroup_cpus_pick), set by LXC before its init runs */
	const struct lxcconf_bind *ro; /* lxlogin's own files, bound read-only (lxlogin-usage and what it reads) */
	size_t n_ro;
};
#define LXCFS_DIR "/var/lib/lxcfs"
#define LXCFS_MEMINFO LXCFS_DIR "/proc/meminfo"
bool lxcconf_lxcfs_available(void);
#define LXC_APPARMOR_PROFILE "lxc-container-default-cgns"
bool lxcconf_apparmor_missing(void);
int lxcconf_render(const struct lxcconf_in *in, char **ret_text);
/* where lxlogin's read-only binds go inside: lxlogin-usage, and beside the limits the counters */
#define LXCCONF_USAGE_INSIDE "/usr/bin/lxlogin-usage"
#define LXCCONF_LIMITS_INSIDE "/etc/lxlogin/limits"
#define LXCCONF_COUNTERS_INSIDE "/etc/lxlogin/cgroup"
#define LXCCONF_SSHD_INSIDE "/usr/bin/lxlogin-sshd"
int lxcconf_mount_points(int rootfs);

/* seccomp.c: the container's seccomp policy, for LXC (the init) and for attach (every session) */
int seccomp_profile_text(char *buf, size_t size);
int seccomp_load_container(void);

/*
 * backend.c: where a user's container lives, one interface for every program.
 * backend = local (lifecycle.c and below: liblxc on this host, entered by
 * pidfd) or lxd (lxd.c: an instance of an LXD cluster, through LXD's client);
 * lxlogin.conf chooses.
 */
enum core_state {
	CORE_STOPPED,
	CORE_RUNNING,
	CORE_UNREACHABLE, /* lxd: the member that holds it does not answer */
};
struct core_status {
	enum core_state state;
	pid_t init;	 /* local: the init's pid here */
	char member[64]; /* lxd: the cluster member that holds it */
};
struct core_backend {
	const char *name;
	int (*start)(const struct core_user *u, struct core_err *e); /* made if need be, started */
	int (*stop)(const struct core_user *u, struct core_err *e);
	int (*stop_idle)(const struct core_user *u, uint32_t idle_s, struct core_err *e); /* 1: stopped */
	int (*status)(const struct core_user *u, struct core_status *ret, struct core_err *e);
	int (*reset)(const struct core_user *u, bool delete, char *archived, size_t size, struct core_err *e);
};
extern const struct core_backend core_backend_local, core_backend_lxd;
const struct core_backend *core_backend_of(const struct core_user *u);
int core_start(const struct core_user *u, struct core_err *e);
int core_stop(const struct core_user *u, struct core_err *e);
int core_stop_idle(const struct core_user *u, uint32_t idle_s, struct core_err *e);
int core_status(const struct core_user *u, struct core_status *ret, struct core_err *e);
int core_reset(const struct core_user *u, bool delete, char *archived, size_t size, struct core_err *e);

/* user.c: who a user is (account and policy), whatever the backend */
int core_user_account(const char *name, const struct layer_account *rec, struct core_user *u, struct core_err *e);
int core_user_resolve(const char *name, struct core_user *ret, struct core_err *e);
void core_user_free(struct core_user *u);
void core_site_values(struct policy_values *v);

/* state.c: what lxlogin keeps of a user (ranges, lock, activity, last error, runtime files) */
int core_user_load(const char *name, struct core_user *ret, struct core_err *e);
int core_user_load_admin(const char *name, struct core_user *ret, struct core_err *e);
int core_lock(const char *name, uint32_t timeout_s, struct core_err *e);
int core_lock_stopped(const struct core_user *u, struct core_err *e);
int core_lock_try(const char *name);
void core_mark_active(const char *name);
int64_t core_idle_seconds(const char *name);
void core_last_error_record(const char *name, int r, const struct core_err *e);
int core_last_error(const char *name, char *buf, size_t size);
int core_runtime_remove(const struct core_user *u, struct core_err *e);

/* lifecycle.c: the local backend's lifecycle */
int core_place(const struct core_user *u, pid_t pid, struct core_err *e);

/* lxd.c: the lxd backend */
struct lxd_session {
	bool terminal, record, as_root;
	const char *shell_cmd;	 /* -c CMD, or NULL */
	char *const *argv;	 /* a command (lxloginctl exec), or NULL */
	const char *term, *lang; /* from the user's environment, checked; or NULL */
	const char *connection;	 /* SSH_CONNECTION, checked; or NULL */
};
bool lxd_name_valid(const char *name);
int lxd_session_exec(const struct core_user *u, const struct lxd_session *s, struct core_err *e);
int lxd_exec(const struct core_user *u, bool as_root, char *const argv[], int *ret_status, struct core_err *e);
int lxd_list(const struct policy_values *v, char **ret, struct core_err *e);
struct lxd_member {
	char name[64];
	char state[32];	   /* ONLINE, OFFLINE, EVACUATED... */
	char message[256]; /* "Fully operational", "No heartbeat for 61s (...)" */
};
#define LXD_MEMBERS_MAX 64
int lxd_members(const struct policy_values *v, struct lxd_member *ret, size_t max, size_t *n, struct core_err *e);
int lxd_image_published(const struct policy_values *v, const char *name, bool *ret, struct core_err *e);
int lxd_image_publish(const struct policy_values *v, const char *tarball, const char *name, struct core_err *e);

/* asuser.c: what a child does after it dropped to the user for good */
int asuser_start(const struct core_user *u, const struct cgroup_layout *l, bool *ret_systemd, struct core_err *e);
void asuser_boot_wait(const struct core_user *u, const struct cgroup_layout *l);
int core_exec(const struct core_user *u, bool as_root, char *const argv[], int *ret_status, struct core_err *e);

/* network.c: network = veth */
#define NET_IFNAME_SIZE 16
struct net_lease {
	char user[POLICY_NAME_MAX + 1];
	uint32_t ipv4; /* host byte order */
	uint8_t mac[6];
};
void net_mac_from_name(uint8_t first, const char *name, unsigned salt, uint8_t mac[static 6]);
void net_veth_name(uint32_t ipv4, char buf[static NET_IFNAME_SIZE]);
int net_leases_load(struct net_lease **ret, size_t *ret_n, struct core_err *e);
int net_lease_get(const struct core_user *u, struct net_lease *ret, struct core_err *e);
int net_lease_remove(const char *user, struct core_err *e);
int net_lease_find(const char *user, struct net_lease *ret, struct core_err *e);
bool net_attached(const struct net_lease *lease);
int net_bridge_check(const struct policy_values *v, struct core_err *e);
int net_resolv_render(const char *host, char *buf, size_t size);
#define NET_HOST_RESOLV "/etc/resolv.conf"
#define NET_RESOLVED_UPSTREAM "/run/systemd/resolve/resolv.conf" /* systemd-resolved's real servers */
int net_attach(const struct core_user *u, const struct ct_init *init, const struct net_lease *lease,
	       struct core_err *e);

/* privs.c */
int privs_drop_to_user(uid_t uid, gid_t gid, struct core_err *e);

#endif
