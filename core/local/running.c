/*
 * running.c - a user's running container as the kernel shows it: its init,
 * found in the user's own container cgroup and checked on a pidfd; whether it
 * is frozen; stopping it by signal. No answer of liblxc's (a socket any host
 * user could have bound first) is ever used for these.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "core.h"

/* One line of /proc/PID/status ("NSpid:", "PPid:", "SigBlk:"), without the key; -ENOENT if none. */
int proc_status_field(pid_t pid, const char *key, char *out, size_t size)
{
	char path[64], line[512];
	size_t klen = strlen(key);
	__do_fclose FILE *f = NULL;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0) {
			char *v = line + klen;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, size, "%s", v);
			return 0;
		}
	return -ENOENT;
}

/* How many pid namespaces deep pid sits, seen from ours, and its pid in the innermost one. */
static int nspid(pid_t pid, unsigned *ret_levels, long *ret_inner)
{
	char field[256], *p, *end;
	unsigned n = 0;
	long v = -1;

	if (proc_status_field(pid, "NSpid:", field, sizeof(field)) < 0)
		return -ESRCH;
	for (p = field; *p; p = end) {
		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno)
			return -EINVAL;
		n++;
		end += strspn(end, " \t");
	}
	*ret_levels = n;
	*ret_inner = v;
	return n ? 0 : -EINVAL;
}

/* Is pid's cgroup in hierarchy h at or below path (relative to the root)? From /proc/PID/cgroup. */
static bool in_cgroup(pid_t pid, const struct cgroup_hier *h, const char *path)
{
	char file[64], line[1024];
	size_t n = strlen(path);
	__do_fclose FILE *f = NULL;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	f = fopen(file, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *cg = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!cg)
			continue;
		*cg++ = '\0';
		ctl++;
		cg[strcspn(cg, "\n")] = '\0';
		/* v2 is "0::/path"; a v1 hierarchy lists its controllers, as our layout does */
		if (h->v2 ? ctl[0] != '\0' : strcmp(ctl, h->controllers) != 0)
			continue;
		return cg[0] == '/' && strncmp(cg + 1, path, n) == 0 && (cg[n + 1] == '\0' || cg[n + 1] == '/');
	}
	return false;
}

/*
 * Is the process behind pidfd (number pid, in our pid namespace) the init of
 * user's container? It must sit in the user's container payload cgroup (made
 * by root, delegated to the user only: no other uid can place a process
 * there), be pid 1 of a pid namespace one below ours, and live in a user
 * namespace that owner made. Every answer is read after the pidfd was opened
 * and the process is still alive afterwards, so all of it was about the
 * process the pidfd holds, never about a later one with a reused pid.
 */
int ct_init_check(const struct cgroup_layout *l, const char *user, uid_t owner, pid_t pid, int pidfd)
{
	const struct cgroup_hier *h = cgroup_procs_hier(l);
	__do_close int userns = -EBADF;
	unsigned levels, ours;
	long inner, self_inner;
	char payload[512], path[64];
	uid_t ns_owner = (uid_t)-1;

	if (!h || cgroup_payload_path(l, h, user, payload, sizeof(payload)) < 0)
		return -EINVAL;
	if (!in_cgroup(pid, h, payload))
		return -ESRCH;
	if (nspid(pid, &levels, &inner) < 0 || nspid(getpid(), &ours, &self_inner) < 0 || levels != ours + 1 ||
	    inner != 1)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0 || ioctl(userns, NS_GET_OWNER_UID, &ns_owner) < 0 || ns_owner != owner)
		return -EPERM;
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return -ESRCH; /* gone: what we read may have been another's */
	return 0;
}

struct init_search {
	const struct cgroup_layout *l;
	const char *user;
	uid_t owner;
	struct ct_init *found;
};

static int init_try(pid_t pid, void *arg)
{
	struct init_search *s = arg;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		return 0;
	if (ct_init_check(s->l, s->user, s->owner, pid, pidfd) == 0) {
		*s->found = (struct ct_init){ pid, pidfd };
		return 1;
	}
	close(pidfd);
	return 0;
}

/*
 * The init of user's running container (owner: the host uid that made it),
 * found among the processes of their container cgroup and checked; -ESRCH
 * when none runs. ret->pidfd is the caller's to close (ct_init_close).
 */
int ct_init_find(const struct cgroup_layout *l, const char *user, uid_t owner, struct ct_init *ret)
{
	struct init_search s = { l, user, owner, ret };
	int r;

	*ret = (struct ct_init){ 0, -EBADF };
	r = cgroup_payload_each(l, user, init_try, &s);
	if (r < 0)
		return r;
	return ret->pidfd >= 0 ? 0 : -ESRCH;
}

void ct_init_close(struct ct_init *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -EBADF;
}

/* LXC's monitor of the container: the init's parent (0 if it is gone). */
pid_t ct_monitor(const struct ct_init *c)
{
	char ppid[32];

	if (proc_status_field(c->pid, "PPid:", ppid, sizeof(ppid)) < 0)
		return 0;
	return (pid_t)strtol(ppid, NULL, 10);
}

/* 1 if the container's payload cgroup is frozen (v1 freezer, or v2 cgroup.freeze) or freezing, 0 if not. */
int ct_frozen(const struct cgroup_layout *l, const char *user)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct cgroup_hier *h = &l->h[i];
		char path[600], state[32] = "";
		__do_close int fd = -EBADF;
		ssize_t n;

		if (!h->v2 && !cgroup_hier_has(h, "freezer"))
			continue;
		if (cgroup_payload_path(l, h, user, path, sizeof(path) - 20) < 0)
			return -ENAMETOOLONG;
		strcat(path, h->v2 ? "/cgroup.freeze" : "/freezer.state");
		fd = openat(h->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, state, sizeof(state) - 1);
		if (n <= 0)
			continue; /* no freezer here (a hybrid host's empty cgroup2) */
		state[n] = '\0';
		if (h->v2 ? state[0] == '1' : strncmp(state, "THAWED", 6) != 0)
			return 1;
	}
	return 0;
}

/* Does pid block signal sig? (systemd blocks SIGRTMIN+3, its halt signal, and reads it from a signalfd.) */
static bool blocks_signal(pid_t pid, int sig)
{
	char mask[32];

	if (proc_status_field(pid, "SigBlk:", mask, sizeof(mask)) < 0)
		return false;
	return (strtoull(mask, NULL, 16) >> (sig - 1)) & 1;
}

static bool exited_within(int pidfd, unsigned timeout_s)
{
	struct pollfd p = { pidfd, POLLIN, 0 };

	return poll(&p, 1, (int)timeout_s * 1000) > 0;
}

/* The init's halt signal, up to timeout_s for it to end, then SIGKILL; 0 once it is gone. */
static int halt_init(const struct ct_init *c, int sig, unsigned timeout_s, struct core_err *e)
{
	if (syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		return core_fail(e, -errno, "signalling the container's init (%d): %s", (int)c->pid, strerror(errno));
	if (exited_within(c->pidfd, timeout_s))
		return 0;
	if (syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return core_fail(e, -errno, "killing the container's init (%d): %s", (int)c->pid, strerror(errno));
	if (!exited_within(c->pidfd, 10))
		return core_fail(e, -ETIMEDOUT, "the container's init (%d) did not end after SIGKILL", (int)c->pid);
	return 0;
}

/*
 * Stop the container as LXC's shutdown does: the init's halt signal
 * (SIGRTMIN+3 for systemd, which blocks it to read it from a signalfd; else
 * SIGPWR), up to timeout_s for it to end, then SIGKILL. When the init ends the
 * kernel ends every process of its pid namespace, and LXC's monitor cleans up
 * and leaves: it is waited for too. 0 once the init is gone.
 */
int ct_halt(const struct ct_init *c, unsigned timeout_s, struct core_err *e)
{
	int sig = blocks_signal(c->pid, SIGRTMIN + 3) ? SIGRTMIN + 3 : SIGPWR;
	pid_t parent = ct_monitor(c);
	/* LXC's monitor (the init's parent, alive while the init is) cleans up after the init and
	 * leaves: it is waited for too, bounded, so that the cgroup is empty when this returns */
	__do_close int monitor = parent > 1 ? (int)syscall(SYS_pidfd_open, parent, 0) : -EBADF;
	int r = halt_init(c, sig, timeout_s, e);

	if (r == 0 && monitor >= 0)
		(void)exited_within(monitor, timeout_s);
	return r;
}
