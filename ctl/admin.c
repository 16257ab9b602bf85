/*
 * admin.c - lxloginctl's view of every user's container: list, status, reap.
 *
 * What runs is read from the kernel, not from files lxlogin wrote: a
 * container runs while its lxc.payload cgroup has processes, its init is the
 * one that is pid 1 in its namespace, and a user has a session while a
 * process sits in their own cgroup outside the container's (sshd's session,
 * lxlogin-shell). Nothing to go stale after a crash.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "cleanup.h"
#include "config.h"
#include "core.h"

static void human_duration(int64_t s, char *out, size_t size)
{
	if (s < 0)
		snprintf(out, size, "-");
	else if (s < 120)
		snprintf(out, size, "%" PRId64 "s", s);
	else if (s < 2 * 3600)
		snprintf(out, size, "%" PRId64 "m", s / 60);
	else if (s < 2 * 86400)
		snprintf(out, size, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(out, size, "%" PRId64 "d%02" PRId64 "h", s / 86400, s / 3600 % 24);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the valid user names in dir to names (sorted, unique at the end). */
static void names_add(int dir, char ***names, size_t *n)
{
	__do_close int fd = dir < 0 ? -EBADF : openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!d)
		return;
	fd = -EBADF;
	while ((de = readdir(d))) {
		char **more;
		if (de->d_name[0] == '.' || !policy_name_valid(de->d_name))
			continue;
		more = realloc(*names, (*n + 1) * sizeof(**names));
		if (!more)
			break;
		*names = more;
		if (((*names)[*n] = strdup(de->d_name)))
			(*n)++;
	}
	closedir(d);
}

/* The users lxlogin knows: a layer in STATE/users, or a container configured since boot in RUN/lxc. */
static size_t known_users(char ***ret)
{
	__do_close int users = -EBADF, lxc = -EBADF;
	struct core_err ignored;
	char **names = NULL;
	size_t n = 0, u = 0;

	users = state_dir_open("users", 0700, &ignored);
	lxc = run_dir_open("lxc", 0711, &ignored);
	names_add(users, &names, &n);
	names_add(lxc, &names, &n);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (u && strcmp(names[u - 1], names[i]) == 0)
			free(names[i]);
		else
			names[u++] = names[i];
	}
	*ret = names;
	return u;
}

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Seconds since pid started, from its start time in /proc/PID/stat and /proc/uptime; -1 if unknown. */
static int64_t proc_age(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	double up = 0;
	__do_fclose FILE *f = NULL, *u = NULL;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	u = fopen("/proc/uptime", "re");
	if (!f || !u || !fgets(buf, sizeof(buf), f) || fscanf(u, "%lf", &up) != 1 || !(p = strrchr(buf, ')')))
		return -1;
	/* after "pid (comm)": state is field 3, starttime field 22 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &start) !=
	    1)
		return -1;
	return (int64_t)(up - (double)start / (double)sysconf(_SC_CLK_TCK));
}

/* The host uid whose container this is: the account's, or, when it is gone, its layer's record; -1 if neither. */
static uid_t owner_of(const char *name)
{
	struct layer_account rec;
	struct passwd *pw = getpwnam(name);

	if (pw)
		return pw->pw_uid;
	return layer_account_read(name, &rec) == 0 ? rec.uid : (uid_t)-1;
}

static int any_process(pid_t pid, void *arg)
{
	(void)pid;
	(void)arg;
	return 1;
}

/* What the kernel says about one user's container. */
struct ct_info {
	const char *name;
	bool running;
	pid_t init, monitor;
	char image[POLICY_IMAGE_MAX + 1];
	struct cgroup_usage use;
	struct quota_usage disk; /* the layer's project quota (no limit: UINT64_MAX) */
	bool disk_known;	 /* false where no quota counts the layer */
	size_t sessions;	 /* logins: cgroup_user_sessions */
	size_t session_procs;	 /* every process in the user's own cgroup */
	int64_t uptime, idle;	 /* seconds, -1 unknown */
};

/* The layer's use of its project quota: its project is the first id of the range it was made for. */
static int layer_disk_usage(int users, const char *name, struct quota_usage *ret)
{
	__do_close int layer = -EBADF;
	struct layer_account rec;

	if (users < 0 || layer_account_read(name, &rec) < 0)
		return -ENOENT;
	layer = openat(users, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return layer < 0 ? -errno : quota_layer_usage(layer, rec.uids.start, ret);
}

static void ct_info_read(const char *name, const struct cgroup_layout *l, struct ct_info *ci)
{
	__do_close int users = -EBADF;
	__do_free char *record = NULL;
	struct core_err ignored;
	struct ct_init init;
	char rec[POLICY_NAME_MAX + 16];
	uid_t owner = owner_of(name);

	*ci = (struct ct_info){ .name = name, .uptime = -1, .idle = -1 };
	snprintf(ci->image, sizeof(ci->image), "-");
	users = state_dir_open("users", 0700, &ignored);
	snprintf(rec, sizeof(rec), "%s/image", name);
	if (users >= 0 && tree_read(users, rec, &record, NULL) == 0)
		snprintf(ci->image, sizeof(ci->image), "%.*s", (int)strcspn(record, " \n"), record);
	if (owner != (uid_t)-1 && ct_init_find(l, name, owner, &init) == 0) {
		ci->running = true;
		ci->init = init.pid;
		ci->monitor = ct_monitor(&init);
		ci->uptime = proc_age(init.pid);
		ct_init_close(&init);
	} else {
		ci->running = cgroup_payload_each(l, name, any_process, NULL) > 0; /* no init found: say what runs */
	}
	if (ci->running)
		cgroup_user_usage(l, name, &ci->use);
	else /* nothing runs: no use to show ("-", null), not a cgroup's zeros */
		ci->use = (struct cgroup_usage){ CGROUP_UNKNOWN, CGROUP_UNKNOWN, CGROUP_UNKNOWN, CGROUP_UNKNOWN,
						 CGROUP_UNKNOWN, CGROUP_UNKNOWN, CGROUP_UNKNOWN, CGROUP_UNKNOWN };
	(void)cgroup_user_sessions(l, name, &ci->sessions, &ci->session_procs);
	ci->idle = ci->sessions ? 0 : core_idle_seconds(name);
	ci->disk_known = layer_disk_usage(users, name, &ci->disk) == 0;
}

/* disk, disk_max, inodes, inodes_max: as the memory figures (null: not counted) */
static void disk_figures(const struct ct_info *ci, uint64_t ret[4])
{
	const struct quota_usage *d = &ci->disk;

	ret[0] = ci->disk_known ? d->bytes : CGROUP_UNKNOWN;
	ret[1] = !ci->disk_known ? CGROUP_UNKNOWN : d->bytes_limit ? d->bytes_limit : UINT64_MAX;
	ret[2] = ci->disk_known ? d->inodes : CGROUP_UNKNOWN;
	ret[3] = !ci->disk_known ? CGROUP_UNKNOWN : d->inodes_limit ? d->inodes_limit : UINT64_MAX;
}

static void usage_text(uint64_t used, uint64_t max, bool bytes, char *out, size_t size)
{
	char a[24], b[24];

	if (used == CGROUP_UNKNOWN) {
		snprintf(out, size, "-");
		return;
	}
	if (bytes)
		human_size(used, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "%" PRIu64, used);
	if (max == UINT64_MAX)
		snprintf(b, sizeof(b), "unlimited");
	else if (max == CGROUP_UNKNOWN)
		snprintf(b, sizeof(b), "?");
	else if (bytes)
		human_size(max, b, sizeof(b));
	else
		snprintf(b, sizeof(b), "%" PRIu64, max);
	snprintf(out, size, "%s/%s", a, b);
}

/* A JSON number, "unlimited", or null when unknown. */
static void json_limit(const char *key, uint64_t v)
{
	if (v == CGROUP_UNKNOWN)
		printf("\"%s\": null", key);
	else if (v == UINT64_MAX)
		printf("\"%s\": \"unlimited\"", key);
	else
		printf("\"%s\": %" PRIu64, key, v);
}

static void json_int(const char *key, int64_t v)
{
	if (v < 0)
		printf("\"%s\": null", key);
	else
		printf("\"%s\": %" PRId64, key, v);
}

/* Names and images are [A-Za-z0-9._-] (validated): no escaping needed. */
/* backend = lxd: every instance of lxlogin's project, with the member that holds it. */
static int lxd_admin_list(const struct policy_values *v, bool json)
{
	struct core_err err = { "", "" };
	__do_free char *text = NULL;
	size_t n = 0;

	if (lxd_list(v, &text, &err) < 0) {
		fprintf(stderr, "lxloginctl: list: %s\n", err.msg);
		return -EIO;
	}
	if (json)
		printf("[");
	else
		printf("%-16s %-12s %-16s %8s %8s\n", "USER", "STATE", "MEMBER", "SESSIONS", "IDLE");
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *status = strchr(line, ','), *member = status ? strchr(status + 1, ',') : NULL, idle[24];
		int64_t idle_s;
		if (!member)
			continue;
		*status++ = *member++ = '\0';
		for (char *c = status; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		idle_s = core_idle_seconds(line);
		if (json) {
			printf("%s\n  {\"user\": \"%s\", \"state\": \"%s\", \"member\": \"%s\", ", n ? "," : "", line,
			       status, member);
			json_int("idle", idle_s);
			printf("}");
		} else {
			human_duration(idle_s, idle, sizeof(idle));
			printf("%-16s %-12s %-16s %8s %8s\n", line, status, member, "-", idle);
		}
		n++;
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	return 0;
}

int admin_list(bool json)
{
	struct cgroup_layout layout = { 0 };
	struct policy_values site;
	struct core_err err;
	char **names = NULL;
	size_t n;

	core_site_values(&site);
	if (site.backend == POLICY_BACKEND_LXD)
		return lxd_admin_list(&site, json);
	if (cgroup_layout_open(&layout, &err) < 0) {
		fprintf(stderr, "lxloginctl: list: %s\n", err.msg);
		return -EIO;
	}
	n = known_users(&names);
	if (json)
		printf("[");
	else
		printf("%-16s %-8s %-16s %8s %-16s %-12s %-16s %-16s %8s %8s\n", "USER", "STATE", "IMAGE", "INIT",
		       "MEMORY", "PIDS", "DISK", "INODES", "SESSIONS", "UPTIME");
	for (size_t i = 0; i < n; i++) {
		struct ct_info ci;
		char mem[40], pids[40], disk[40], inodes[40], up[24], init[16];
		uint64_t d[4];

		ct_info_read(names[i], &layout, &ci);
		disk_figures(&ci, d);
		if (json) {
			printf("%s\n  {\"user\": \"%s\", \"state\": \"%s\", \"image\": \"%s\", ", i ? "," : "", ci.name,
			       ci.running ? "running" : "stopped", ci.image);
			json_int("init", ci.init ? ci.init : -1);
			printf(", ");
			json_limit("memory", ci.use.memory);
			printf(", ");
			json_limit("memory_max", ci.use.memory_max);
			printf(", ");
			json_limit("pids", ci.use.pids);
			printf(", ");
			json_limit("pids_max", ci.use.pids_max);
			printf(", ");
			json_limit("disk", d[0]);
			printf(", ");
			json_limit("disk_max", d[1]);
			printf(", ");
			json_limit("inodes", d[2]);
			printf(", ");
			json_limit("inodes_max", d[3]);
			printf(", \"sessions\": %zu, ", ci.sessions);
			json_int("uptime", ci.uptime);
			printf(", ");
			json_int("idle", ci.idle);
			printf("}");
			continue;
		}
		usage_text(ci.use.memory, ci.use.memory_max, true, mem, sizeof(mem));
		usage_text(ci.use.pids, ci.use.pids_max, false, pids, sizeof(pids));
		usage_text(d[0], d[1], true, disk, sizeof(disk));
		usage_text(d[2], d[3], false, inodes, sizeof(inodes));
		human_duration(ci.uptime, up, sizeof(up));
		snprintf(init, sizeof(init), ci.init ? "%d" : "-", (int)ci.init);
		printf("%-16s %-8s %-16s %8s %-16s %-12s %-16s %-16s %8zu %8s\n", ci.name,
		       ci.running ? "running" : "stopped", ci.image, init, mem, pids, disk, inodes, ci.sessions, up);
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	names_free(names, n);
	cgroup_layout_close(&layout);
	return 0;
}

/* status's disk line: what the layer's project quota counts, or why nothing does. */
static void disk_status(const struct core_user *u, const struct ct_info *ci)
{
	__do_close int users = -EBADF, layer = -EBADF;
	struct core_err ignored;
	struct quota_fs fs = { QUOTA_NO_FS, "?", "", "" };
	char a[48], b[48];
	uint64_t d[4];

	users = state_dir_open("users", 0700, &ignored);
	layer = users < 0 ? -EBADF : openat(users, u->acct.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (layer >= 0 || users >= 0)
		(void)quota_probe(layer >= 0 ? layer : users, &fs);
	if (!ci->disk_known) {
		printf("disk:       not counted (%s)%s\n",
		       layer < 0		     ? "no layer yet"
		       : fs.state == QUOTA_ENFORCING ? "the layer has no project tag yet: the next start sets it"
						     : fs.fix,
		       quota_wanted(&u->policy.values) ? ": the policy's disk limits do not apply" : "");
		return;
	}
	disk_figures(ci, d);
	usage_text(d[0], d[1], true, a, sizeof(a));
	usage_text(d[2], d[3], false, b, sizeof(b));
	printf("disk:       %s, inodes %s (project %u on %s %s, %s)\n", a, b, u->uids.start, fs.type,
	       fs.source[0] ? fs.source : "?", fs.state == QUOTA_ENFORCING ? "enforced" : "counted, not enforced");
}

/* status USER: "running PID" or "stopped" (as before, for scripts), then one "key: value" line each. */
/* backend = lxd: where the instance is, as the cluster says. */
static int lxd_admin_status(const struct core_user *u)
{
	struct core_err err = { "", "" };
	struct core_status st;
	char a[24], b[24], error[1200];
	int r = core_status(u, &st, &err);

	if (r < 0) {
		fprintf(stderr, "lxloginctl: status %s: %s\n", u->acct.name, err.msg);
		return r;
	}
	printf("%s%s%s\n",
	       st.state == CORE_RUNNING	      ? "running"
	       : st.state == CORE_UNREACHABLE ? "unreachable"
	       : st.member[0]		      ? "stopped"
					      : "absent",
	       st.member[0] ? " on " : "", st.member);
	printf("user:       %s (uid %u)\n", u->acct.name, (unsigned)u->acct.uid);
	printf("backend:    lxd (%s, project %s, instance %s)\n", u->policy.values.lxd_socket,
	       u->policy.values.lxd_project, u->acct.name);
	printf("image:      lxlogin/%s\n", u->policy.values.image);
	human_duration(core_idle_seconds(u->acct.name), a, sizeof(a));
	if (u->policy.values.idle_stop_s == POLICY_NEVER)
		snprintf(b, sizeof(b), "never");
	else
		human_duration(u->policy.values.idle_stop_s, b, sizeof(b));
	printf("idle:       %s since a session here (idle_stop %s)\n", a, b);
	printf("last error: %s\n", core_last_error(u->acct.name, error, sizeof(error)) == 0 ? error : "none");
	return 0;
}

int admin_status(const char *name)
{
	struct cgroup_layout layout = { 0 };
	struct core_err err = { "", "" };
	struct core_user u;
	struct ct_info ci;
	struct core_status st;
	char a[48], b[48], error[1200];
	int r;

	r = core_user_load_admin(name, &u, &err);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: %s\n", err.msg);
		return r;
	}
	if (u.policy.values.backend == POLICY_BACKEND_LXD) {
		r = lxd_admin_status(&u);
		core_user_free(&u);
		return r;
	}
	r = core_status(&u, &st, &err);
	if (r == 0)
		r = cgroup_layout_open(&layout, &err);
	if (r < 0) {
		fprintf(stderr, "lxloginctl: status %s: %s\n", name, err.msg);
		core_user_free(&u);
		return r;
	}
	ct_info_read(name, &layout, &ci);
	st.state == CORE_RUNNING ? printf("running %d\n", (int)st.init) : printf("stopped\n");
	printf("user:       %s (uid %u; subordinate ids %u-%u)\n", name, (unsigned)u.acct.uid, u.uids.start,
	       u.uids.start + u.uids.count - 1);
	if (u.policy.verdict == POLICY_CONTAINED)
		printf("image:      %s (policy: %s)\n", ci.image, u.policy.values.image);
	else
		printf("image:      %s (policy: %s)\n", ci.image, u.policy.reason);
	if (st.state == CORE_RUNNING && ci.monitor)
		printf("monitor:    %d (LXC's; its network namespace holds the container's liblxc sockets)\n",
		       (int)ci.monitor);
	if (st.state == CORE_RUNNING) {
		human_duration(proc_age(st.init), a, sizeof(a));
		printf("uptime:     %s\n", a);
		usage_text(ci.use.memory, ci.use.memory_max, true, a, sizeof(a));
		usage_text(ci.use.pids, ci.use.pids_max, false, b, sizeof(b));
		printf("memory:     %s\npids:       %s\n", a, b);
	}
	disk_status(&u, &ci);
	printf("sessions:   %zu\n", ci.sessions);
	human_duration(ci.idle, a, sizeof(a));
	if (u.policy.values.idle_stop_s == POLICY_NEVER)
		snprintf(b, sizeof(b), "never");
	else
		human_duration(u.policy.values.idle_stop_s, b, sizeof(b));
	printf("idle:       %s (idle_stop %s)\n", ci.sessions ? "in a session" : a, b);
	if (u.policy.values.network == POLICY_NETWORK_VETH) {
		struct net_lease lease;
		char ip[16], mac[18], veth[NET_IFNAME_SIZE];

		if (net_lease_find(name, &lease, &err) == 0) {
			policy_ipv4_format(lease.ipv4, ip);
			policy_hwaddr_format(lease.mac, mac);
			net_veth_name(lease.ipv4, veth);
			printf("network:    %s/%u %s, %s on %s (%s)\n", ip, u.policy.values.subnet_prefix, mac, veth,
			       u.policy.values.bridge, net_attached(&lease) ? "attached" : "not attached");
		} else {
			printf("network:    veth, no lease yet (the first start takes one)\n");
		}
	} else {
		printf("network:    none (loopback only)\n");
	}
	for (size_t i = 0; i < layout.n; i++) {
		if (cgroup_user_path(&layout, name, NULL, a, sizeof(a)) < 0)
			continue;
		printf("cgroup:     %s/%s%s%s\n", layout.h[i].mnt, a,
		       faccessat(layout.h[i].fd, a, F_OK, 0) == 0 ? "" : " (absent)",
		       layout.systemd ? " (a systemd scope)" : "");
	}
	printf("rootfs:     %s/rootfs/%s (an overlay in the container's own mount namespace)\n", LXLOGIN_RUN_DIR, name);
	printf("config:     %s/lxc/%s/%s/config\n", LXLOGIN_RUN_DIR, name, name);
	printf("log:        %s/user/%s/lxc.log\n", LXLOGIN_RUN_DIR, name);
	printf("layer:      %s/users/%s\n", LXLOGIN_STATE_DIR, name);
	printf("last error: %s\n", core_last_error(name, error, sizeof(error)) == 0 ? error : "none");
	cgroup_layout_close(&layout);
	core_user_free(&u);
	return 0;
}

/* Processes inside the container that run as the user (their uid is mapped through): tmux, nohup, builds. */
static size_t user_processes_inside(const struct cgroup_layout *l, const char *name, uid_t uid)
{
	__do_free struct cgroup_pids *pids = malloc(sizeof(*pids));
	size_t n = 0;

	if (!pids || cgroup_user_pids(l, name, true, pids) < 0)
		return 0;
	for (size_t i = 0; i < pids->n; i++) {
		char ids[128];
		proc_status_field(pids->pid[i], "Uid:", ids, sizeof(ids));
		n += (uid_t)strtoul(ids, NULL, 10) == uid;
	}
	return n;
}

/*
 * Stop every container idle for longer than its policy's idle_stop. Meant to
 * run every minute (the shipped systemd timer, or cron). A container with a
 * session is marked active; one with the user's own processes inside is kept
 * unless idle_stop_if_processes = yes.
 */
/* backend = lxd: each running instance of the project, stopped once idle (lxd.c counts its sessions). */
static int lxd_admin_reap(const struct policy_values *v)
{
	struct core_err err = { "", "" };
	__do_free char *text = NULL;
	char a[24], b[24];
	int failed = 0;

	if (lxd_list(v, &text, &err) < 0) {
		fprintf(stderr, "lxloginctl: reap: %s\n", err.msg);
		return -EIO;
	}
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *status = strchr(line, ',');
		struct core_user u;
		int64_t idle;
		int r;
		if (!status || strncmp(status, ",RUNNING,", 9) != 0)
			continue;
		*status = '\0';
		idle = core_idle_seconds(line);
		if (idle < 0) { /* never seen here since boot (a start elsewhere): count from now */
			core_mark_active(line);
			continue;
		}
		if (core_user_load(line, &u, &err) < 0) {
			printf("%s: left running: %s\n", line, err.msg);
			continue;
		}
		/* every time, not only once idle: a session seen now is activity (lxd.c marks it) */
		if (u.policy.values.idle_stop_s != POLICY_NEVER) {
			human_duration(idle, a, sizeof(a));
			human_duration(u.policy.values.idle_stop_s, b, sizeof(b));
			if ((r = core_stop_idle(&u, u.policy.values.idle_stop_s, &err)) < 0) {
				printf("%s: idle %s (idle_stop %s), stop failed: %s\n", line, a, b, err.msg);
				failed = 1;
			} else if (r > 0) {
				printf("%s: idle %s (idle_stop %s): stopped\n", line, a, b);
			}
		}
		core_user_free(&u);
	}
	return failed ? -EIO : 0;
}

int admin_reap(void)
{
	struct cgroup_layout layout = { 0 };
	struct core_err err = { "", "" };
	struct policy_values site;
	char **names = NULL, a[24], b[24];
	size_t n;
	int failed = 0;

	core_site_values(&site);
	if (site.backend == POLICY_BACKEND_LXD)
		return lxd_admin_reap(&site);
	if (cgroup_layout_open(&layout, &err) < 0) {
		fprintf(stderr, "lxloginctl: reap: %s\n", err.msg);
		return -EIO;
	}
	n = known_users(&names);
	for (size_t i = 0; i < n; i++) {
		struct core_user u;
		struct ct_info ci;
		size_t mine;
		int r;

		ct_info_read(names[i], &layout, &ci);
		if (!ci.running)
			continue;
		if (ci.sessions) {
			core_mark_active(names[i]);
			continue;
		}
		if (ci.idle < 0) { /* never seen since boot (a start by hand): count from now */
			core_mark_active(names[i]);
			continue;
		}
		if (core_user_load(names[i], &u, &err) < 0) {
			printf("%s: left running: %s\n", names[i], err.msg);
			continue;
		}
		if (u.policy.values.idle_stop_s == POLICY_NEVER || ci.idle < (int64_t)u.policy.values.idle_stop_s) {
			core_user_free(&u);
			continue;
		}
		human_duration(ci.idle, a, sizeof(a));
		human_duration(u.policy.values.idle_stop_s, b, sizeof(b));
		mine = u.policy.values.idle_stop_if_processes ? 0
							      : user_processes_inside(&layout, names[i], u.acct.uid);
		if (mine) {
			printf("%s: idle %s (idle_stop %s), kept running: %zu process%s of the user inside "
			       "(idle_stop_if_processes = no)\n",
			       names[i], a, b, mine, mine == 1 ? "" : "es");
		} else if ((r = core_stop_idle(&u, u.policy.values.idle_stop_s, &err)) < 0) {
			printf("%s: idle %s (idle_stop %s), stop failed: %s\n", names[i], a, b, err.msg);
			failed = 1;
		} else if (r > 0) {
			printf("%s: idle %s (idle_stop %s): stopped\n", names[i], a, b);
		}
		core_user_free(&u);
	}
	names_free(names, n);
	cgroup_layout_close(&layout);
	return failed ? -EIO : 0;
}

/* Mount points under the run dir in our (the host's) mount namespace, deepest last as mountinfo lists them. */
static size_t stray_mounts(char paths[][512], size_t max)
{
	__do_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	const size_t rlen = strlen(LXLOGIN_RUN_DIR);
	char line[4096];
	size_t n = 0;

	while (f && n < max && fgets(line, sizeof(line), f)) {
		char mnt[512], *o, *i;
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
			continue;
		for (i = o = mnt; *i; o++) { /* mountinfo escapes space, tab, newline, backslash as \ooo */
			if (i[0] == '\\' && i[1] >= '0' && i[1] <= '3' && i[2] >= '0' && i[2] <= '7' && i[3] >= '0' &&
			    i[3] <= '7') {
				*o = (char)((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
				i += 4;
			} else {
				*o = *i++;
			}
		}
		*o = '\0';
		/* strictly below: the run dir itself may be a mount the admin made */
		if (strncmp(mnt, LXLOGIN_RUN_DIR, rlen) == 0 && mnt[rlen] == '/')
			snprintf(paths[n++], sizeof(paths[0]), "%s", mnt);
	}
	return n;
}

/* dir/name's project tag, as "P" or with " (no inheritance)"; false if it cannot be read. */
static bool tag_of(int dir, const char *name, uint32_t *ret_projid, bool *ret_inherit)
{
	__do_close int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd >= 0 && quota_tag_get(fd, ret_projid, ret_inherit) == 0;
}

/*
 * The disk quota (SECURITY case 46): the filesystem of the layers, and each
 * layer's project: tagged with the first id of its range, upper and work as
 * well, no two layers with one id; users whose limits cannot be enforced
 * (problems with quota = require: their logins are refused). Without any
 * disk limit, a state dir on the host's / or /var/log is noted: a user who
 * fills their layer fills those.
 */
static size_t quota_doctor(void)
{
	static const char *const host[] = { "/", "/var/log", NULL };
	__do_close int users = -EBADF;
	struct core_err ignored;
	struct quota_fs fs;
	char **names = NULL;
	uint32_t *ids = NULL;
	size_t n = 0, problems = 0, limited = 0;
	struct stat state, st;

	users = state_dir_open("users", 0700, &ignored);
	if (users < 0 || quota_probe(users, &fs) < 0)
		return 0;
	names_add(users, &names, &n);
	ids = calloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; ids && i < n; i++) {
		struct layer_account rec;
		struct core_user u;
		struct core_err err = { "", "" };
		struct quota_usage use;
		uint32_t projid, sub_id;
		bool inherit, sub_inherit, wanted = false;
		__do_close int layer = openat(users, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (core_user_load(names[i], &u, &err) == 0) {
			wanted = quota_wanted(&u.policy.values);
			limited += wanted;
			if (wanted && fs.state != QUOTA_ENFORCING) {
				bool warn = u.policy.values.quota == POLICY_QUOTA_WARN;
				problems += !warn;
				printf("%s: %s's disk limits are not enforced%s: %s\n", warn ? "note" : "problem",
				       names[i],
				       warn ? " (quota = warn)" : " (quota = require: their logins are refused)",
				       fs.fix);
			}
			core_user_free(&u);
		}
		if (layer < 0 || layer_account_read(names[i], &rec) < 0 ||
		    (fs.state != QUOTA_ENFORCING && fs.state != QUOTA_ACCOUNTING) ||
		    !tag_of(users, names[i], &projid, &inherit))
			continue;
		if (projid == 0) {
			if (wanted)
				printf("note: layer of %s has no project tag yet: its next start sets it\n", names[i]);
			continue;
		}
		ids[i] = projid;
		if (projid != rec.uids.start || !inherit) {
			problems++;
			printf("problem: layer of %s has project id %u%s, not %u (the first of its range) with "
			       "inheritance: its files are not counted as theirs (lxloginctl reset %s)\n",
			       names[i], projid, inherit ? "" : " without inheritance", rec.uids.start, names[i]);
		}
		for (const char *sub = "upper"; sub; sub = strcmp(sub, "upper") == 0 ? "work" : NULL)
			if (tag_of(layer, sub, &sub_id, &sub_inherit) && (sub_id != projid || !sub_inherit)) {
				problems++;
				printf("problem: layer of %s: %s has project id %u%s, not its layer's %u: what is made "
				       "there escapes the quota, or a copy-up fails (lxloginctl reset %s)\n",
				       names[i], sub, sub_id, sub_inherit ? "" : " without inheritance", projid,
				       names[i]);
			}
		for (size_t j = 0; j < i; j++)
			if (ids[j] == projid) {
				problems++;
				printf("problem: the layers of %s and %s have the same project id %u: each counts "
				       "against the other's quota\n",
				       names[j], names[i], projid);
			}
		if (quota_get(layer, projid, &use) == 0 && ((use.bytes_limit && use.bytes > use.bytes_limit) ||
							    (use.inodes_limit && use.inodes > use.inodes_limit)))
			printf("note: %s uses more than their disk limit (lowered below their use?): writes fail "
			       "until they delete files\n",
			       names[i]);
	}
	free(ids);
	names_free(names, n);
	if (limited || stat(LXLOGIN_STATE_DIR, &state) < 0)
		return problems;
	for (size_t i = 0; host[i]; i++)
		if (stat(host[i], &st) == 0 && st.st_dev == state.st_dev) {
			printf("note: %s shares a filesystem with %s and no policy sets disk or inodes: a user who "
			       "fills their layer fills %s too (set disk in the policy, on a filesystem with project "
			       "quota; or give %s a filesystem of its own)\n",
			       LXLOGIN_STATE_DIR, host[i], host[i], LXLOGIN_STATE_DIR);
			break;
		}
	return problems;
}

/* Does a running lxcfs give containers its CPU view (--enable-cfs: the quota as CPUs in cpuinfo, stat)? */
static bool lxcfs_cpu_view(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	bool on = false;

	while (proc && !on && (d = readdir(proc))) {
		char path[300], args[4096];
		__do_close int fd = -EBADF;
		ssize_t n;
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, args, sizeof(args) - 1);
		if (n <= 0)
			continue;
		args[n] = '\0';
		if (strcmp(strrchr(args, '/') ? strrchr(args, '/') + 1 : args, "lxcfs") != 0)
			continue;
		for (char *a = args; a < args + n; a += strlen(a) + 1)
			on = on || strcmp(a, "--enable-cfs") == 0;
	}
	if (proc)
		closedir(proc);
	return on;
}

/* A refused login tells the user briefly and syslog the whole story: without a reader it is lost. */
static void syslog_note(void)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM }; /* as syslog(3) tries */
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		__do_close int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return;
		err = errno;
	}
	printf("note: nothing reads syslog (/dev/log: %s): the details of a refused login, which the user is "
	       "told only briefly, are lost (install rsyslog, or run systemd-journald)\n",
	       strerror(err));
}

/* Without lxcfs, free, top, nproc and uptime inside show the host's memory, CPUs and uptime. */
static void lxcfs_note(void)
{
	if (!lxcconf_lxcfs_available())
		printf("note: lxcfs does not run (%s is missing): containers start without it and show the "
		       "host's memory, CPUs and uptime in free, top and uptime (apt-get install lxcfs; "
		       "lxloginctl(8), doctor)\n",
		       LXCFS_MEMINFO);
	else if (!lxcfs_cpu_view())
		printf("note: lxcfs runs without --enable-cfs: containers see the host's CPUs, not their cpus "
		       "limit (a drop-in for lxcfs.service: lxloginctl(8), doctor)\n");
}

/*
 * Layers whose account is gone (userdel), or is another account now (made
 * again under the name, with another uid): the next start refuses them.
 * Only named, never fixed here: they hold what the user wrote.
 */
static size_t orphan_layers(void)
{
	__do_close int users = -EBADF;
	struct core_err ignored;
	char **names = NULL;
	size_t n = 0, found = 0;

	users = state_dir_open("users", 0700, &ignored);
	names_add(users, &names, &n);
	for (size_t i = 0; i < n; i++) {
		struct layer_account rec;
		struct passwd *pw = getpwnam(names[i]);
		bool have = layer_account_read(names[i], &rec) == 0;

		if (!pw && have)
			printf("problem: layer %s/users/%s: its account (uid %u) no longer exists (lxloginctl destroy %s removes "
			       "it)\n",
			       LXLOGIN_STATE_DIR, names[i], (unsigned)rec.uid, names[i]);
		else if (!pw)
			printf("problem: layer %s/users/%s: no account of that name (lxloginctl destroy %s removes it)\n",
			       LXLOGIN_STATE_DIR, names[i], names[i]);
		else if (have && rec.uid != pw->pw_uid)
			printf("problem: layer %s/users/%s: made for uid %u, but %s is uid %u now: refused until lxloginctl "
			       "reset %s\n",
			       LXLOGIN_STATE_DIR, names[i], (unsigned)rec.uid, names[i], (unsigned)pw->pw_uid,
			       names[i]);
		else
			continue;
		found++;
	}
	names_free(names, n);
	return found;
}

/*
 * backend = lxd: what a login needs of the cluster. The client, the member
 * whose socket lxlogin.conf names answering, every member ONLINE, and the
 * image of the site's default and of each instance's user published.
 */
static size_t lxd_doctor(const struct policy_values *site)
{
	struct lxd_member m[LXD_MEMBERS_MAX];
	struct core_err err = { "", "" };
	__do_free char *text = NULL;
	size_t n, problems = 0, online = 0;
	bool have;

	if (access("/usr/bin/lxc", X_OK) != 0) {
		printf("problem: backend = lxd, but LXD's client /usr/bin/lxc is not installed (apt-get install "
		       "lxd-client)\n");
		return 1;
	}
	if (lxd_members(site, m, ARRAY_SIZE(m), &n, &err) < 0) {
		printf("problem: backend = lxd: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(m[i].state, "ONLINE") == 0) {
			online++;
			continue;
		}
		problems++;
		printf("problem: LXD cluster member %s is %s: %s (its users cannot log in)\n", m[i].name, m[i].state,
		       m[i].message);
	}
	if (n)
		printf("lxd: %zu of %zu cluster members online (%s, project %s)\n", online, n, site->lxd_socket,
		       site->lxd_project);
	else
		printf("lxd: a server that is not a cluster (%s, project %s)\n", site->lxd_socket, site->lxd_project);
	if (lxd_image_published(site, site->image, &have, &err) == 0 && !have) {
		problems++;
		printf("problem: the default image %s is not in LXD as lxlogin/%s (lxloginctl image publish %s)\n",
		       site->image, site->image, site->image);
	}
	if (lxd_list(site, &text, &err) < 0)
		return problems;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		struct core_user u;
		line[strcspn(line, ",")] = '\0';
		if (core_user_load_admin(line, &u, &err) < 0)
			continue;
		if (strcmp(u.policy.values.image, site->image) != 0 &&
		    lxd_image_published(site, u.policy.values.image, &have, &err) == 0 && !have) {
			problems++;
			printf("problem: %s's image %s is not in LXD as lxlogin/%s: a new instance cannot be made "
			       "(lxloginctl image publish %s)\n",
			       line, u.policy.values.image, u.policy.values.image, u.policy.values.image);
		}
		core_user_free(&u);
	}
	return problems;
}

/*
 * doctor: what a crash or a reboot can leave behind that is lxlogin's, and
 * nothing else: mounts under the run dir in the host's mount namespace
 * (lxlogin mounts only in private ones), user cgroups with no process left
 * (a start in progress holds the user's lock and is skipped), and lock files
 * nobody holds. With fix, each is removed. Then what no fix can mend: ways
 * out of the container through sshd's configuration (sshd_check). Returns
 * the problems left.
 */
int admin_doctor(bool fix, const char *sshd_config)
{
	struct cgroup_layout layout = { 0 };
	struct core_err err = { "", "" };
	struct policy_values site;
	static char mounts[64][512];
	size_t n_mounts, problems = 0, fixed = 0, locks = 0;
	__do_close int lockdir = -EBADF;

	if (lxcconf_apparmor_missing()) /* a warning, not a problem to fix here */
		printf("note: AppArmor is on but LXC's %s profile is not loaded: containers run without an "
		       "AppArmor profile (install apparmor and liblxc-common, then systemctl reload apparmor)\n",
		       LXC_APPARMOR_PROFILE);
	core_site_values(&site);
	if (site.backend == POLICY_BACKEND_LXD)
		problems += lxd_doctor(&site);
	problems += quota_doctor();
	lxcfs_note();
	syslog_note();
	n_mounts = stray_mounts(mounts, ARRAY_SIZE(mounts));
	for (size_t i = n_mounts; i-- > 0;) {
		problems++;
		if (fix && umount2(mounts[i], MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
			printf("problem: stray mount %s: unmounted\n", mounts[i]);
			fixed++;
		} else {
			printf("problem: stray mount %s%s%s\n", mounts[i], fix ? ": cannot unmount: " : "",
			       fix ? strerror(errno) : "");
		}
	}
	if (cgroup_layout_open(&layout, &err) < 0) {
		fprintf(stderr, "lxloginctl: doctor: %s\n", err.msg);
		return -EIO;
	}
	/* (a systemd scope left without processes is stopped, and its cgroup removed, by systemd) */
	for (size_t h = 0; h < layout.n && !layout.systemd; h++) {
		__do_close int base =
			openat(layout.h[h].fd, LXLOGIN_CGROUP_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = base < 0 ? NULL : fdopendir(base);
		struct dirent *de;

		if (!d)
			continue;
		base = -EBADF;
		while ((de = readdir(d))) {
			__do_close int lock = -EBADF;
			if (de->d_type != DT_DIR || de->d_name[0] == '.' || !policy_name_valid(de->d_name))
				continue;
			lock = core_lock_try(de->d_name);
			if (lock < 0 || cgroup_user_populated(&layout, de->d_name) != 0)
				continue; /* a start or stop at work, or a live container */
			problems++;
			if (fix && cgroup_user_remove(&layout, de->d_name, &err) == 0) {
				printf("problem: empty cgroup %s/%s/%s: removed (in every hierarchy)\n",
				       layout.h[h].mnt, LXLOGIN_CGROUP_NAME, de->d_name);
				fixed++;
			} else {
				printf("problem: empty cgroup %s/%s/%s%s%s\n", layout.h[h].mnt, LXLOGIN_CGROUP_NAME,
				       de->d_name, fix ? ": " : "", fix ? err.msg : "");
			}
		}
		closedir(d);
	}
	cgroup_layout_close(&layout);
	lockdir = run_dir_open("lock", 0700, &err);
	if (lockdir >= 0) {
		__do_close int fd = openat(lockdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd < 0 ? NULL : fdopendir(fd);
		struct dirent *de;

		if (d)
			fd = -EBADF;
		while (d && (de = readdir(d))) {
			__do_close int lock = -EBADF;
			if (de->d_name[0] == '.')
				continue;
			lock = openat(dirfd(d), de->d_name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
				continue; /* held: in use */
			locks++;
			if (fix)
				(void)unlinkat(dirfd(d), de->d_name, 0); /* still holding it: a waiter re-opens */
		}
		if (d)
			closedir(d);
	}
	if (locks)
		printf("note: %zu lock file%s nobody holds (harmless)%s\n", locks, locks == 1 ? "" : "s",
		       fix ? ": removed" : "");
	problems += orphan_layers();
	{
		char **users = NULL;
		size_t n = known_users(&users);
		problems += sshd_check(sshd_config, users, n);
		names_free(users, n);
	}
	printf("doctor: %zu problem%s found, %zu fixed\n", problems, problems == 1 ? "" : "s", fixed);
	return (int)(problems - fixed);
}
