/*
 * lxd.c - the lxd backend: each contained user's container is an instance of
 * an LXD cluster (backend = lxd in lxlogin.conf), placed on a member by the
 * cluster, reached through one member's unix socket (lxd_socket).
 *
 * Everything goes through LXD's own client, /usr/bin/lxc, run as root with a
 * fixed environment and a fixed argv: the socket and project from the
 * admin's lxlogin.conf, the instance named after the user, values from the
 * policy. The client already carries what a session needs across members (a
 * pty with resize, signals, separate stdout and stderr, the exit status), and
 * nothing of it reaches the user: the socket is root's and the session's own
 * client runs as root, exec'd by the helper (lxd_session_exec), so the user
 * holds no credential for the cluster, only the exec's stdio.
 *
 * The instance: NAME in project P, made from the image lxlogin/IMAGE that
 * `lxloginctl image publish` put into LXD, with security.idmap.isolated. Its
 * limits are set from the policy before every start. Its identity (the
 * user's passwd, group and shadow entries, home, sudo for root = yes) is
 * written inside by the image's lxlogin-identity at its first start, and
 * recorded as user.lxlogin.identity: a start that crashed before that repeats
 * it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"

#define LXC_CLIENT "/usr/bin/lxc"
#define LXC_ARGS_MAX 48
#define LXC_GRACE_S 30	  /* beyond the start's own timeout */
#define OPS_MAX (4 << 20) /* the cluster's operation list, as JSON */
#define IDENTITY_INSIDE "/usr/libexec/lxlogin/lxlogin-identity"

struct lxc_out {
	char *out;	/* stdout, into a buffer of the caller's */
	size_t cap;	/* its size */
	char err[1024]; /* stderr's last "Error: " line, or its start */
	int status;	/* the client's exit status */
};
#define LXC_OUT(o)           \
	char o##_buf[16384]; \
	struct lxc_out o = { o##_buf, sizeof(o##_buf), "", 0 }

/* The instance's name: the user's, if LXD can take it (a-z, 0-9, '-'; a letter first, no '-' last). */
bool lxd_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 63 || name[0] < 'a' || name[0] > 'z' || name[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

/* The client's fixed environment: the socket, and a config directory of root's. */
static int lxc_env(const struct policy_values *v, char socket[], size_t ssize, char conf[], size_t csize,
		   struct core_err *e)
{
	__do_close int dir = run_dir_open("lxd", 0700, e);

	if (dir < 0)
		return dir;
	snprintf(socket, ssize, "LXD_SOCKET=%s", v->lxd_socket);
	snprintf(conf, csize, "LXD_CONF=%s/lxd", LXLOGIN_RUN_DIR);
	return 0;
}

/* In a child: become root for good (real, effective, saved; no groups), the fds and environment given. */
_Noreturn static void lxc_exec_as_root(char *const argv[], const char *socket, const char *conf)
{
	char *const env[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			      (char *)"LANG=C",
			      (char *)"HOME=/root",
			      (char *)socket,
			      (char *)conf,
			      NULL };

	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		_exit(126);
	execve(LXC_CLIENT, argv, env);
	_exit(127);
}

/* Keep the last "Error: ..." line of the client's stderr (or its first bytes) as the reason. */
static void err_keep(struct lxc_out *o, const char *all)
{
	const char *line = NULL;

	for (const char *p = all; (p = strstr(p, "Error: ")); p++)
		if (p == all || p[-1] == '\n')
			line = p + 7;
	if (!line)
		line = all;
	snprintf(o->err, sizeof(o->err), "%.*s", (int)strcspn(line, "\n"), line);
}

/*
 * Run the client: lxc --project P ARGS..., stdin from in (or /dev/null), its
 * stdout and stderr kept in o, at most timeout_s. 0 if it ran (o->status is
 * its exit status), <0 if it could not be run.
 */
static int lxc_run(const struct policy_values *v, const char *const args[], const char *in, uint32_t timeout_s,
		   struct lxc_out *o, struct core_err *e)
{
	char socket[POLICY_SOCKET_MAX + 16], conf[sizeof(LXLOGIN_RUN_DIR) + 16], errbuf[4096];
	const char *argv[LXC_ARGS_MAX + 4] = { "lxc", "--project", v->lxd_project };
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, inp[2] = { -1, -1 }, status = 0, r;
	size_t n = 3, no = 0, ne = 0;
	struct timespec start;
	pid_t pid;

	for (size_t i = 0; args[i]; i++) {
		if (n >= LXC_ARGS_MAX)
			return core_fail(e, -E2BIG, "too many arguments for the lxc client");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	o->out[0] = o->err[0] = '\0';
	o->status = -1;
	r = lxc_env(v, socket, sizeof(socket), conf, sizeof(conf), e);
	if (r < 0)
		return r;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || (in && pipe2(inp, O_CLOEXEC) < 0)) {
		r = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (dup2(in ? inp[0] : null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(126);
		(void)close_range(3, ~0U, 0);
		lxc_exec_as_root((char *const *)argv, socket, conf);
	}
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	if (in) {
		close(inp[0]);
		inp[0] = -1;
		(void)!relay_write_all(inp[1], in, strlen(in));
		close(inp[1]);
		inp[1] = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
		struct timespec now;
		int left;

		if (p[0].fd < 0 && p[1].fd < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (int)((int64_t)timeout_s * 1000 -
			     ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000));
		if (left <= 0 || (poll(p, 2, left) == 0)) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			r = core_fail(e, -ETIMEDOUT, "LXD did not answer within %us (%s)", timeout_s, v->lxd_socket);
			goto out;
		}
		for (int i = 0; i < 2; i++) {
			char *buf = i ? errbuf : o->out;
			size_t cap = i ? sizeof(errbuf) : o->cap, *len = i ? &ne : &no;
			char sink[4096];
			ssize_t k;
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			k = *len + 1 < cap ? read(p[i].fd, buf + *len, cap - 1 - *len)
					   : read(p[i].fd, sink, sizeof(sink));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				close(i ? err[0] : out[0]);
				*(i ? &err[0] : &out[0]) = -1;
				continue;
			}
			if (*len + 1 < cap)
				*len += (size_t)k;
		}
	}
	o->out[no] = '\0';
	errbuf[ne] = '\0';
	err_keep(o, errbuf);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	o->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (o->status == 126 || o->status == 127)
		r = core_fail(e, -ENOEXEC, "the lxc client (%s, package lxd-client) could not be run", LXC_CLIENT);
	else
		r = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
		if (inp[i] >= 0)
			close(inp[i]);
	}
	return r;
}

/* Run the client; a failure of its own (not 0) becomes e with what it said. */
static int lxc_ok(const struct core_user *u, const char *what, const char *const args[], const char *in,
		  struct lxc_out *o, struct core_err *e)
{
	const struct policy_values *v = &u->policy.values;
	int r = lxc_run(v, args, in, v->start_timeout_s + LXC_GRACE_S, o, e);

	if (r < 0)
		return r;
	if (o->status != 0)
		return core_fail(e, -EIO, "LXD (%s, project %s): %s for %s: %s", v->lxd_socket, v->lxd_project, what,
				 u->acct.name, o->err[0] ? o->err : "failed");
	return 0;
}

/* The next field of a CSV line (LXD quotes fields with commas), into buf; the rest after it. */
static const char *csv_field(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	bool quoted = *s == '"';

	if (quoted)
		s++;
	for (; *s && *s != '\n'; s++) {
		if (quoted && s[0] == '"' && s[1] == '"')
			s++;
		else if (quoted && *s == '"') {
			quoted = false;
			continue;
		} else if (!quoted && *s == ',')
			break;
		if (n + 1 < size)
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return *s == ',' ? s + 1 : s;
}

/* What the cluster says of the user's instance: absent, or its status, identity record and member. */
struct lxd_instance {
	bool exists;
	char status[32];   /* RUNNING, STOPPED, ERROR, FROZEN... */
	char identity[16]; /* user.lxlogin.identity */
	char member[64];
};

static int instance_get(const struct core_user *u, struct lxd_instance *ret, struct core_err *e)
{
	char filter[80], name[80];
	const char *args[] = { "list", "--format", "csv", "-c", "n,s,user.lxlogin.identity:id,L", filter, NULL };
	LXC_OUT(o);
	const char *p;
	int r;

	*ret = (struct lxd_instance){ 0 };
	snprintf(filter, sizeof(filter), "^%s$", u->acct.name);
	r = lxc_ok(u, "listing the instance", args, NULL, &o, e);
	if (r < 0)
		return r;
	for (p = o.out; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		const char *rest = csv_field(p, name, sizeof(name));
		if (strcmp(name, u->acct.name) != 0)
			continue;
		rest = csv_field(rest, ret->status, sizeof(ret->status));
		rest = csv_field(rest, ret->identity, sizeof(ret->identity));
		csv_field(rest, ret->member, sizeof(ret->member));
		ret->exists = true;
	}
	return 0;
}

/* The cluster's members, at most max; none (0, *n = 0) for a server that is not a cluster. */
int lxd_members(const struct policy_values *v, struct lxd_member *ret, size_t max, size_t *n, struct core_err *e)
{
	const char *args[] = { "cluster", "list", "--format", "csv", NULL };
	LXC_OUT(o);
	int r = lxc_run(v, args, NULL, LXC_GRACE_S, &o, e);

	*n = 0;
	if (r < 0)
		return r;
	if (o.status != 0 && strstr(o.err, "isn't part of a cluster"))
		return 0;
	if (o.status != 0)
		return core_fail(e, -EIO, "LXD (%s): listing the cluster's members: %s", v->lxd_socket, o.err);
	for (const char *p = o.out; *p && *n < max; p += strcspn(p, "\n"), p += *p == '\n') {
		struct lxd_member *m = &ret[*n];
		char skip[256];
		const char *rest = csv_field(p, m->name, sizeof(m->name));
		for (int i = 1; i < 6; i++) /* url, roles, architecture, failure domain, description */
			rest = csv_field(rest, skip, sizeof(skip));
		rest = csv_field(rest, m->state, sizeof(m->state));
		csv_field(rest, m->message, sizeof(m->message));
		if (m->name[0])
			(*n)++;
	}
	return 0;
}

/* Why a member cannot serve the instance: "member n2 is OFFLINE: No heartbeat for 21s (2026-...)". */
static void member_why(const struct core_user *u, const char *member, char *buf, size_t size)
{
	struct lxd_member m[LXD_MEMBERS_MAX];
	struct core_err ignored;
	size_t n;

	snprintf(buf, size, "its member %s does not answer", member);
	if (lxd_members(&u->policy.values, m, ARRAY_SIZE(m), &n, &ignored) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(m[i].name, member) != 0)
			continue;
		if (strcmp(m[i].state, "ONLINE") == 0)
			snprintf(buf, size,
				 "its cluster member %.63s does not answer (its last heartbeat is so recent that the "
				 "cluster still counts it ONLINE)",
				 member);
		else
			snprintf(buf, size, "its cluster member %.63s is %.20s: %.200s", member, m[i].state,
				 m[i].message);
		return;
	}
}

/* The policy's limits as instance keys: key=value arguments into kv (each kv_size bytes). */
static size_t limits_args(const struct policy_values *v, char kv[][64], size_t max)
{
	size_t n = 0;

	if (v->memory.kind == POLICY_LIMIT_UNLIMITED)
		snprintf(kv[n++], 64, "limits.memory=");
	else if (v->memory.kind == POLICY_LIMIT_PERCENT)
		snprintf(kv[n++], 64, "limits.memory=%" PRIu64 "%%", v->memory.value);
	else
		snprintf(kv[n++], 64, "limits.memory=%" PRIu64 "B", v->memory.value);
	snprintf(kv[n++], 64, "limits.memory.swap=%s",
		 v->swap.kind == POLICY_LIMIT_ABSOLUTE && v->swap.value == 0 ? "false" : "true");
	if (v->cpus.kind == POLICY_LIMIT_UNLIMITED)
		snprintf(kv[n++], 64, "limits.cpu.allowance=");
	else /* milli-CPUs as a hard quota: 1500 is 150ms of every 100ms */
		snprintf(kv[n++], 64, "limits.cpu.allowance=%" PRIu64 "ms/100ms", v->cpus.value / 10);
	snprintf(kv[n++], 64, "limits.processes=%s", "");
	if (v->pids.kind != POLICY_LIMIT_UNLIMITED)
		snprintf(kv[n - 1], 64, "limits.processes=%" PRIu64, v->pids.value);
	snprintf(kv[n++], 64, "security.nesting=%s", v->nesting ? "true" : "false");
	(void)max;
	return n;
}

static int limits_apply(const struct core_user *u, struct core_err *e)
{
	char kv[8][64];
	const char *args[16] = { "config", "set", u->acct.name };
	size_t n = limits_args(&u->policy.values, kv, 8), a = 3;
	LXC_OUT(o);

	for (size_t i = 0; i < n; i++)
		args[a++] = kv[i];
	args[a] = NULL;
	return lxc_ok(u, "setting the policy's limits", args, NULL, &o, e);
}

/* Pool drivers that enforce a root disk's size= whatever they sit on (dir does only on a project quota). */
static bool driver_enforces_size(const char *driver)
{
	static const char *const enforcing[] = { "btrfs", "zfs", "lvm", "ceph" };

	for (size_t i = 0; i < ARRAY_SIZE(enforcing); i++)
		if (strcmp(driver, enforcing[i]) == 0)
			return true;
	return false;
}

/* Why the instance's disk limits are not enforced ("" if they are): its root's pool and driver. */
static int disk_unenforced(const struct core_user *u, char *why, size_t size, struct core_err *e)
{
	const char *get[] = { "config", "device", "get", u->acct.name, "root", "pool", NULL };
	const char *show[] = { "storage", "show", NULL, NULL };
	char pool[128], driver[64] = "";
	LXC_OUT(o);
	int r = lxc_ok(u, "reading the root disk's pool", get, NULL, &o, e);

	if (r < 0)
		return r;
	snprintf(pool, sizeof(pool), "%.*s", (int)strcspn(o.out, "\n"), o.out);
	show[2] = pool;
	r = lxc_ok(u, "reading the storage pool", show, NULL, &o, e);
	if (r < 0)
		return r;
	for (const char *p = o.out; *p; p += strcspn(p, "\n"), p += *p == '\n')
		if (strncmp(p, "driver: ", 8) == 0)
			snprintf(driver, sizeof(driver), "%.*s", (int)strcspn(p + 8, "\n"), p + 8);
	why[0] = '\0';
	if (u->policy.values.inodes.kind != POLICY_LIMIT_UNLIMITED)
		snprintf(why, size, "LXD has no inode limit (inodes = is set)");
	else if (!driver_enforces_size(driver))
		snprintf(why, size,
			 "the root disk's pool %s has the %s driver, whose size limit lxlogin cannot tell is enforced "
			 "(btrfs, zfs, lvm and ceph pools enforce it)",
			 pool, driver[0] ? driver : "unknown");
	return 0;
}

/*
 * disk as the size of the instance's own root disk (a copy of the profile's,
 * made at the first start), at every start; quota = off, or no disk, lifts
 * it. With disk or inodes set, a limit the pool cannot enforce refuses the
 * start (quota = require) or is noted (warn), as on the local backend.
 */
static int disk_apply(const struct core_user *u, struct core_err *e)
{
	const struct policy_values *v = &u->policy.values;
	char size[48] = "size=", why[300];
	const char *set[] = { "config", "device", "set", u->acct.name, "root", size, NULL };
	const char *override[] = { "config", "device", "override", u->acct.name, "root", size, NULL };
	LXC_OUT(o);
	int r;

	if (v->quota != POLICY_QUOTA_OFF && v->disk.kind != POLICY_LIMIT_UNLIMITED)
		snprintf(size, sizeof(size), "size=%" PRIu64 "B", v->disk.value);
	r = lxc_run(v, set, NULL, v->start_timeout_s + LXC_GRACE_S, &o, e);
	if (r == 0 && o.status != 0) /* the root disk is still the profile's */
		r = lxc_ok(u, "giving the instance its own root disk", override, NULL, &o, e);
	if (r < 0 || v->quota == POLICY_QUOTA_OFF ||
	    (v->disk.kind == POLICY_LIMIT_UNLIMITED && v->inodes.kind == POLICY_LIMIT_UNLIMITED))
		return r;
	r = disk_unenforced(u, why, sizeof(why), e);
	if (r < 0 || !why[0])
		return r;
	if (v->quota == POLICY_QUOTA_REQUIRE)
		return core_fail(e, -EOPNOTSUPP,
				 "the policy limits the disk of %s, but %s; or set quota = warn in lxlogin.conf",
				 u->acct.name, why);
	snprintf(e->note, sizeof(e->note), "the disk limits of %s are not enforced (quota = warn): %s", u->acct.name,
		 why);
	return 0;
}

/* The project lxlogin's instances live in, made at the first use if the admin did not make it. */
static int project_ensure(const struct policy_values *v, struct core_err *e)
{
	const char *show[] = { "project", "show", v->lxd_project, NULL };
	const char *create[] = { "project",
				 "create",
				 v->lxd_project,
				 "-c",
				 "features.images=false",
				 "-c",
				 "features.profiles=false",
				 "-c",
				 "features.storage.volumes=false",
				 NULL };
	LXC_OUT(o);
	int r = lxc_run(v, show, NULL, LXC_GRACE_S, &o, e);

	if (r == 0 && o.status != 0)
		r = lxc_run(v, create, NULL, LXC_GRACE_S, &o, e);
	if (r == 0 && o.status != 0)
		r = core_fail(e, -EIO, "LXD (%s): creating the project %s: %s", v->lxd_socket, v->lxd_project, o.err);
	return r;
}

static int instance_create(const struct core_user *u, struct core_err *e)
{
	char image[POLICY_IMAGE_MAX + 16], owner[64];
	const char *args[] = {
		"init", image, u->acct.name, "-c", "security.idmap.isolated=true", "-c", "security.devlxd=false",
		"-c",	owner, NULL
	};
	LXC_OUT(o);
	int r = project_ensure(&u->policy.values, e);

	if (r < 0)
		return r;
	snprintf(image, sizeof(image), "lxlogin/%s", u->policy.values.image);
	snprintf(owner, sizeof(owner), "user.lxlogin.uid=%u", (unsigned)u->acct.uid);
	return lxc_ok(u, "creating the instance", args, NULL, &o, e);
}

/* The user's identity inside, by the image's lxlogin-identity as root inside; then recorded. */
static int identity_write(const struct core_user *u, struct core_err *e)
{
	const struct policy_account *a = &u->acct;
	char uid[16], gid[16];
	const char *group = a->groups && a->groups[0] ? a->groups[0] : a->name;
	const char *args[] = { "exec", a->name, "--",  IDENTITY_INSIDE, a->name,
			       uid,    gid,	group, a->home,		u->policy.values.root ? "yes" : "no",
			       NULL };
	const char *mark[] = { "config", "set", a->name, "user.lxlogin.identity=1", NULL };
	LXC_OUT(o);
	int r;

	if (!home_is_valid(a->home))
		return core_fail(e, -EINVAL, "home %s of %s is not a plain absolute path", a->home, a->name);
	snprintf(uid, sizeof(uid), "%u", (unsigned)a->uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)a->gid);
	r = lxc_ok(u, "writing the user's identity inside (" IDENTITY_INSIDE ")", args, NULL, &o, e);
	return r < 0 ? r : lxc_ok(u, "recording the identity", mark, NULL, &o, e);
}

/* Made if need be, limits set, started, identity written: under the user's lock (two first logins at once). */
static int lxd_start(const struct core_user *u, struct core_err *e)
{
	__do_close int lock = -EBADF;
	const char *start[] = { "start", u->acct.name, NULL };
	struct lxd_instance in;
	LXC_OUT(o);
	char why[400];
	int r;

	if (!lxd_name_valid(u->acct.name))
		return core_fail(e, -EINVAL,
				 "the user name %s cannot name an LXD instance (a-z, 0-9 and '-' only, a letter first)",
				 u->acct.name);
	lock = core_lock(u->acct.name, u->policy.values.start_timeout_s, e);
	if (lock < 0)
		return lock;
	r = instance_get(u, &in, e);
	if (r < 0)
		return r;
	if (in.exists && strcmp(in.status, "RUNNING") == 0 && strcmp(in.identity, "1") == 0)
		return 0;
	if (in.exists && strcmp(in.status, "ERROR") == 0) {
		member_why(u, in.member, why, sizeof(why));
		return core_fail(e, -EHOSTDOWN, "the container of %s cannot be reached: %s", u->acct.name, why);
	}
	if (!in.exists) {
		r = instance_create(u, e);
		if (r < 0)
			return r;
	}
	if (!in.exists || strcmp(in.status, "STOPPED") == 0) {
		r = limits_apply(u, e);
		if (r == 0)
			r = disk_apply(u, e);
		if (r == 0)
			r = lxc_ok(u, "starting the instance", start, NULL, &o, e);
		if (r < 0)
			return r;
	}
	return strcmp(in.identity, "1") == 0 ? 0 : identity_write(u, e);
}

static int stop_unlocked(const struct core_user *u, struct core_err *e)
{
	const char *args[] = { "stop", u->acct.name, "--force", NULL };
	struct lxd_instance in;
	LXC_OUT(o);
	int r = instance_get(u, &in, e);

	if (r < 0 || !in.exists || strcmp(in.status, "STOPPED") == 0)
		return r;
	return lxc_ok(u, "stopping the instance", args, NULL, &o, e);
}

static int lxd_stop(const struct core_user *u, struct core_err *e)
{
	__do_close int lock = core_lock(u->acct.name, u->policy.values.start_timeout_s, e);

	return lock < 0 ? lock : stop_unlocked(u, e);
}

static int lxd_status(const struct core_user *u, struct core_status *ret, struct core_err *e)
{
	struct lxd_instance in;
	int r = instance_get(u, &in, e);

	*ret = (struct core_status){ CORE_STOPPED, 0, "" };
	if (r < 0)
		return r;
	snprintf(ret->member, sizeof(ret->member), "%s", in.member);
	if (in.exists && strcmp(in.status, "RUNNING") == 0)
		ret->state = CORE_RUNNING;
	else if (in.exists && strcmp(in.status, "STOPPED") != 0)
		ret->state = CORE_UNREACHABLE;
	return 0;
}

/*
 * JSON as LXD's client prints it (--format json: compact, keys plain): the
 * end of the value that starts at p (a string, number, word, object or
 * array), or NULL if the text ends first.
 */
static const char *json_value_end(const char *p)
{
	int depth = 0;
	bool str = false;

	for (; *p; p++) {
		if (str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				str = false;
			if (!str && depth == 0)
				return p + 1;
			continue;
		}
		if (*p == '"')
			str = true;
		else if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']') {
			if (depth == 0)
				return p;
			if (--depth == 0)
				return p + 1;
		} else if (*p == ',' && depth == 0)
			return p;
	}
	return NULL;
}

/* An operation object (p at its '{'): is it a running exec of instance inst? */
static bool op_is_session(const char *p, const char *end, const char *inst)
{
	bool websocket = false, running = false, mine = false;
	size_t ilen = strlen(inst);

	for (p++; p < end && *p == '"';) {
		const char *key = p + 1, *kend = strchr(key, '"'), *v, *vend;
		if (!kend || kend[1] != ':')
			return false;
		v = kend + 2;
		vend = json_value_end(v);
		if (!vend || vend > end)
			return false;
		if (kend - key == 5 && strncmp(key, "class", 5) == 0)
			websocket = vend - v == 11 && strncmp(v, "\"websocket\"", 11) == 0;
		else if (kend - key == 6 && strncmp(key, "status", 6) == 0)
			running = vend - v == 9 && strncmp(v, "\"Running\"", 9) == 0;
		else if (kend - key == 9 && strncmp(key, "resources", 9) == 0)
			for (const char *q = v; q && (q = strstr(q, "\"/1.0/instances/")) && q < vend; q++)
				if (strncmp(q + 16, inst, ilen) == 0 && (q[16 + ilen] == '"' || q[16 + ilen] == '?'))
					mine = true;
		p = *vend == ',' ? vend + 1 : vend;
	}
	return websocket && running && mine;
}

/* Sessions of the user's instance now: the cluster's running exec operations on it (any member's). */
static int exec_sessions(const struct core_user *u, size_t *ret, struct core_err *e)
{
	const char *args[] = { "operation", "list", "--format", "json", NULL };
	__do_free char *buf = malloc(OPS_MAX);
	struct lxc_out o = { buf, OPS_MAX, "", 0 };
	const char *p;
	int r = buf ? lxc_ok(u, "listing the running sessions", args, NULL, &o, e) : -ENOMEM;

	*ret = 0;
	if (r < 0)
		return r;
	if (o.out[0] != '[' || strlen(o.out) + 1 >= o.cap)
		return core_fail(e, -EIO, "LXD's operation list is not a JSON array (or too long)");
	for (p = o.out + 1; *p == '{';) {
		const char *end = json_value_end(p);
		if (!end)
			return core_fail(e, -EIO, "LXD's operation list ends early");
		if (op_is_session(p, end, u->acct.name))
			(*ret)++;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/* Stopped if still idle with the user's lock held (a login meanwhile marks them active first). 1: stopped. */
static int lxd_stop_idle(const struct core_user *u, uint32_t idle_s, struct core_err *e)
{
	__do_close int lock = core_lock(u->acct.name, u->policy.values.start_timeout_s, e);
	struct lxd_instance in;
	size_t sessions;
	int64_t idle;
	int r = lock < 0 ? lock : instance_get(u, &in, e);

	if (r < 0 || !in.exists || strcmp(in.status, "RUNNING") != 0)
		return r;
	r = exec_sessions(u, &sessions, e);
	if (r == 0 && sessions > 0) /* idle time counts from the last time a session was seen */
		core_mark_active(u->acct.name);
	if (r < 0 || sessions > 0)
		return r;
	idle = core_idle_seconds(u->acct.name);
	if (idle >= 0 && idle < (int64_t)idle_s)
		return 0;
	r = stop_unlocked(u, e);
	return r < 0 ? r : 1;
}

static int lxd_destroy(const struct core_user *u, bool delete, char *archived, size_t size, struct core_err *e)
{
	__do_close int lock = core_lock(u->acct.name, u->policy.values.start_timeout_s, e);
	const char *args[] = { "delete", u->acct.name, "--force", NULL };
	struct lxd_instance in;
	LXC_OUT(o);
	int r = lock < 0 ? lock : instance_get(u, &in, e);

	archived[0] = '\0';
	(void)size;
	if (r < 0)
		return r;
	if (!in.exists)
		return core_fail(e, -ENOENT, "%s has no instance in project %s: nothing to reset", u->acct.name,
				 u->policy.values.lxd_project);
	if (!delete)
		return core_fail(e, -EOPNOTSUPP,
				 "backend = lxd keeps no archive: reset --delete removes %s's instance, or copy it "
				 "first with LXD's own lxc copy",
				 u->acct.name);
	return lxc_ok(u, "deleting the instance", args, NULL, &o, e);
}

/*
 * A session or command in the user's instance: exec the client as root
 * (never returns on success). As the user (uid, gid, home, their
 * environment's TERM and LANG) unless as_root; an interactive login goes
 * through login(1) inside, so that it is seen there (who, last).
 */
int lxd_session_exec(const struct core_user *u, const struct lxd_session *s, struct core_err *e)
{
	const struct policy_account *a = &u->acct;
	char socket[POLICY_SOCKET_MAX + 16], conf[sizeof(LXLOGIN_RUN_DIR) + 16], uid[16], gid[16];
	char env[7][300];
	const char *argv[LXC_ARGS_MAX] = { "lxc",  "--project", u->policy.values.lxd_project,
					   "exec", a->name,	s->terminal ? "-t" : "-T" };
	size_t n = 6, k = 0;
	int r;

	r = lxc_env(&u->policy.values, socket, sizeof(socket), conf, sizeof(conf), e);
	if (r < 0)
		return r;
	snprintf(uid, sizeof(uid), "%u", (unsigned)a->uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)a->gid);
	snprintf(env[k++], sizeof(env[0]), "HOME=%s", s->as_root ? "/root" : a->home);
	snprintf(env[k++], sizeof(env[0]), "USER=%s", s->as_root ? "root" : a->name);
	snprintf(env[k++], sizeof(env[0]), "LOGNAME=%s", s->as_root ? "root" : a->name);
	if (s->term)
		snprintf(env[k++], sizeof(env[0]), "TERM=%s", s->term);
	if (s->lang)
		snprintf(env[k++], sizeof(env[0]), "LANG=%s", s->lang);
	if (s->connection) /* lxlogin-sshd --config names the server by it */
		snprintf(env[k++], sizeof(env[0]), "SSH_CONNECTION=%s", s->connection);
	for (size_t i = 0; i < k; i++) {
		argv[n++] = "--env";
		argv[n++] = env[i];
	}
	if (s->record && !s->as_root) {
		argv[n++] = "--";
		argv[n++] = "/bin/login";
		argv[n++] = "-p";
		argv[n++] = "-f";
		argv[n++] = a->name;
	} else {
		if (!s->as_root) {
			argv[n++] = "--user";
			argv[n++] = uid;
			argv[n++] = "--group";
			argv[n++] = gid;
			argv[n++] = "--cwd";
			argv[n++] = a->home;
		}
		argv[n++] = "--";
		if (s->argv) {
			for (size_t i = 0; s->argv[i]; i++) {
				if (n + 1 >= LXC_ARGS_MAX)
					return core_fail(e, -E2BIG, "too many arguments");
				argv[n++] = s->argv[i];
			}
		} else {
			argv[n++] = "/bin/sh";
			argv[n++] = s->shell_cmd ? "-c" : "-l";
			if (s->shell_cmd)
				argv[n++] = s->shell_cmd;
		}
	}
	argv[n] = NULL;
	core_mark_active(a->name);
	lxc_exec_as_root((char *const *)argv, socket, conf);
}

/* lxloginctl exec: the command in the user's instance, as them or as root inside; its exit status. */
int lxd_exec(const struct core_user *u, bool as_root, char *const argv[], int *ret_status, struct core_err *e)
{
	struct lxd_session s = { .terminal = isatty(0) && isatty(1), .as_root = as_root, .argv = argv };
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return core_fail(e, -errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct core_err ce = { "", "" };
		lxd_session_exec(u, &s, &ce);
		fprintf(stderr, "lxloginctl: exec: %s\n", ce.msg);
		_exit(125);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

/* Every instance of the project: "NAME STATUS MEMBER" lines into ret (malloc'd). */
int lxd_list(const struct policy_values *v, char **ret, struct core_err *e)
{
	const char *args[] = { "list", "--format", "csv", "-c", "n,s,L", NULL };
	LXC_OUT(o);
	int r = lxc_run(v, args, NULL, v->start_timeout_s + LXC_GRACE_S, &o, e);

	if (r < 0)
		return r;
	if (o.status != 0)
		return core_fail(e, -EIO, "LXD (%s, project %s): %s", v->lxd_socket, v->lxd_project, o.err);
	*ret = strdup(o.out);
	return *ret ? 0 : -ENOMEM;
}

/* Whether LXD has the image lxlogin/NAME (published by lxloginctl image publish). */
int lxd_image_published(const struct policy_values *v, const char *name, bool *ret, struct core_err *e)
{
	const char *args[] = { "image", "list", "--format", "csv", "-c", "l", NULL };
	char alias[POLICY_NAME_MAX + 16], field[POLICY_NAME_MAX + 16];
	LXC_OUT(o);
	int r = lxc_run(v, args, NULL, LXC_GRACE_S, &o, e);

	*ret = false;
	if (r < 0)
		return r;
	if (o.status != 0)
		return core_fail(e, -EIO, "LXD (%s): listing the images: %s", v->lxd_socket, o.err);
	snprintf(alias, sizeof(alias), "lxlogin/%s", name);
	for (const char *p = o.out; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		csv_field(p, field, sizeof(field));
		*ret = *ret || strcmp(field, alias) == 0;
	}
	return 0;
}

/* lxloginctl image publish: the tarball as image lxlogin/NAME, replacing one of that alias. */
int lxd_image_publish(const struct policy_values *v, const char *tarball, const char *name, struct core_err *e)
{
	char alias[POLICY_NAME_MAX + 16];
	const char *del[] = { "image", "delete", alias, NULL };
	const char *import[] = { "image", "import", tarball, "--alias", alias, NULL };
	LXC_OUT(o);
	int r;

	snprintf(alias, sizeof(alias), "lxlogin/%s", name);
	r = project_ensure(v, e);
	if (r == 0)
		r = lxc_run(v, del, NULL, 600, &o, e); /* none before: nothing to delete */
	if (r == 0)
		r = lxc_run(v, import, NULL, 600, &o, e);
	if (r == 0 && o.status != 0)
		r = core_fail(e, -EIO, "LXD (%s): importing %s: %s", v->lxd_socket, alias, o.err);
	return r;
}

const struct core_backend core_backend_lxd = {
	.name = "lxd",
	.start = lxd_start,
	.stop = lxd_stop,
	.stop_idle = lxd_stop_idle,
	.status = lxd_status,
	.reset = lxd_destroy,
};
