/*
 * attach.c - a session inside the user's running container, entered by the
 * kernel's means alone: the init found in the user's cgroup and checked
 * (running.c), its cgroup joined by path, its namespaces by one setns on its
 * pidfd, its capability bounding set, no_new_privs, AppArmor profile and
 * seccomp filter taken over. No liblxc and no socket anybody else could
 * answer on.
 *
 * Three processes (read attach_spawn alongside):
 *  P   the caller (lxlogin-shell, or lxloginctl's child, already the user):
 *      stays on the host, in the user's sessions cgroup, with every host fd;
 *      relays the pty and forwards signals (relay.c).
 *  C1  is made in the container's payload cgroup (LXC made it the user's)
 *      of the v2 hierarchy by clone3, joins it in each v1 one by its tasks
 *      file (neither takes the global cgroup lock for writing: cgroup_join),
 *      then every namespace of the init that is not ours, in one setns;
 *      becomes not dumpable; forks C2 and hands on its exit status. setns
 *      moves only children into the pid namespace, so nothing inside can
 *      see C1.
 *  C2  pid N inside: the init's bounding set and seccomp filter, the target
 *      ids (the user's, or root inside), no capability left unless the target
 *      is root inside, its own pty in the container's devpts (the master goes
 *      to P: no host terminal reaches the container, no TIOCSTI into it), the
 *      AppArmor profile, exec. Until the exec it runs host code, not
 *      dumpable, holding nothing of the host's but its stdio.
 *  With r->agent C1 also makes, as the user inside, a listening socket in a
 *  new 0700 directory of the container's /tmp and hands it to P (which
 *  relays it, agent.c); C2's environment names it; C1 removes both after the
 *  session, by the fds it made them with.
 *  For an interactive login (r->record) C2 becomes root inside and runs the
 *  container's login(1) in a child of its own, waits for it and marks its
 *  utmp entry dead (login_session); without a login(1) it becomes the user
 *  and goes on as for any session.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utmpx.h>

#include "cleanup.h"
#include "core.h"

#define PASSWD_MAX (1 << 20)
#define LABEL_MAX 256
#define LOGIN_PATH "/bin/login"	     /* util-linux's (or shadow's): -p -h HOST -f NAME */
#define LOGIN_PAM "/etc/pam.d/login" /* its session stack: what the login goes through it for */
#define ATTACH_READY_TIMEOUT_S 60    /* from fork to the session's first word */

/* What P learns about the init before forking, for the children (read from the host's /proc). */
struct init_facts {
	int flags;	       /* namespaces to join: those of the init that are not ours */
	uint64_t bounding;     /* CapBnd */
	bool no_new_privs;     /* NoNewPrivs */
	char label[LABEL_MAX]; /* AppArmor profile, "" if none or unconfined */
};

static const struct {
	const char *name;
	int flag;
	bool required; /* a container always has its own */
} namespaces[] = {
	{ "user", CLONE_NEWUSER, true },      { "mnt", CLONE_NEWNS, true },	{ "pid", CLONE_NEWPID, true },
	{ "uts", CLONE_NEWUTS, false },	      { "ipc", CLONE_NEWIPC, false },	{ "net", CLONE_NEWNET, false },
	{ "cgroup", CLONE_NEWCGROUP, false }, { "time", CLONE_NEWTIME, false },
};

static bool same_file(const char *a, const char *b, int *ret_err)
{
	struct stat x, y;

	if (stat(a, &x) < 0 || stat(b, &y) < 0) {
		*ret_err = -errno;
		return false;
	}
	*ret_err = 0;
	return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/*
 * The AppArmor profile confining pid: "" when AppArmor is off or pid is
 * unconfined; -EIO when AppArmor is on and the label cannot be read (the
 * session would otherwise run less confined than the container).
 */
static int apparmor_label(pid_t pid, char *out, size_t size)
{
	__do_fclose FILE *on = fopen("/sys/module/apparmor/parameters/enabled", "re");
	char path[64], buf[LABEL_MAX] = "";
	__do_close int fd = -EBADF;
	ssize_t n;

	out[0] = '\0';
	if (!on || fgetc(on) != 'Y')
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/attr/apparmor/current", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/attr/current", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, " \t\n")] = '\0'; /* "lxc-container-default-cgns (enforce)" */
	if (strcmp(buf, "unconfined") != 0)
		snprintf(out, size, "%s", buf);
	return 0;
}

static int init_facts_read(const struct ct_init *init, struct init_facts *f, struct core_err *e)
{
	char value[64], mine[64], theirs[64];
	int err;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < ARRAY_SIZE(namespaces); i++) {
		struct stat st;
		snprintf(mine, sizeof(mine), "/proc/self/ns/%s", namespaces[i].name);
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)init->pid, namespaces[i].name);
		if (stat(mine, &st) < 0 && errno == ENOENT)
			continue; /* a kind of namespace this kernel does not have */
		if (!same_file(mine, theirs, &err))
			f->flags |= err ? 0 : namespaces[i].flag;
		if (err) /* ours exists, theirs cannot be read: never stay in ours by mistake */
			return core_fail(e, err, "the container's %s namespace: %s", namespaces[i].name,
					 strerror(-err));
		if (!(f->flags & namespaces[i].flag) && namespaces[i].required)
			return core_fail(e, -EPERM, "the container's init shares our %s namespace (refused)",
					 namespaces[i].name);
	}
	if (proc_status_field(init->pid, "CapBnd:", value, sizeof(value)) < 0)
		return core_fail(e, -ESRCH, "the container's init is gone");
	f->bounding = strtoull(value, NULL, 16);
	f->no_new_privs = proc_status_field(init->pid, "NoNewPrivs:", value, sizeof(value)) == 0 && value[0] == '1';
	if (apparmor_label(init->pid, f->label, sizeof(f->label)) < 0)
		return core_fail(e, -EIO, "AppArmor is on but the profile of the container's init cannot be read");
	if (syscall(SYS_pidfd_send_signal, init->pidfd, 0, NULL, 0) < 0)
		return core_fail(e, -ESRCH, "the container's init is gone");
	return 0;
}

/* One message to P: 'R' (ready, with the session's pidfd and maybe the pty master) or 'E' with the reason. */
static void send_msg(int sock, char kind, const char *text, const int *fds, size_t n_fds)
{
	char buf[512], cbuf[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct iovec iov = { buf, 0 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	iov.iov_len = (size_t)snprintf(buf, sizeof(buf), "%c%s", kind, text ? text : "");
	if (iov.iov_len >= sizeof(buf))
		iov.iov_len = sizeof(buf) - 1;
	if (n_fds) {
		struct cmsghdr *c;
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
	}
	(void)!sendmsg(sock, &m, MSG_NOSIGNAL);
}

static bool ready_sent; /* C2: P has its 'R'; a failure from here on is told on the session's stderr */
/* C1 to C2: "SSH_AUTH_SOCK=..." of the session's agent socket inside, or "" */
static char agent_env[sizeof("SSH_AUTH_SOCK=") + sizeof(((struct sockaddr_un *)0)->sun_path)];

#define AGENT_DIR_TEMPLATE "/tmp/lxlogin-agent.XXXXXX"
#define AGENT_SOCKET "agent"

/*
 * C1, inside, as the user: a listening socket for the session's agent in a
 * new directory of /tmp that only the user can enter, sent to P ('A', with
 * the reason instead if there is none). Keeps /tmp and the directory open
 * (*tmp, *dir) to remove both by them after the session.
 */
static void agent_inside(int sock, int *tmp, int *dir, char *base, size_t size)
{
	char path[sizeof(AGENT_DIR_TEMPLATE)] = AGENT_DIR_TEMPLATE, why[200];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	__do_close int fd = -EBADF;
	mode_t old = umask(0077);

	if (!mkdtemp(path)) {
		snprintf(why, sizeof(why), "%s in the container: %s", AGENT_DIR_TEMPLATE, strerror(errno));
		goto out;
	}
	snprintf(base, size, "%s", strrchr(path, '/') + 1);
	*tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	*dir = *tmp < 0 ? -EBADF : openat(*tmp, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", path, AGENT_SOCKET);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*dir < 0 || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		snprintf(why, sizeof(why), "%s in the container: %s", sa.sun_path, strerror(errno));
		goto out;
	}
	snprintf(agent_env, sizeof(agent_env), "SSH_AUTH_SOCK=%s", sa.sun_path);
	why[0] = '\0';
out:
	umask(old);
	send_msg(sock, 'A', why, &fd, fd >= 0 && !why[0] ? 1 : 0);
}

__attribute__((noreturn)) static void child_fail(int sock, const char *what)
{
	char text[400];

	snprintf(text, sizeof(text), "%s: %s", what, strerror(errno));
	if (ready_sent)
		fprintf(stderr, "lxlogin: %s\n", text);
	else
		send_msg(sock, 'E', text, NULL, 0);
	_exit(125);
}

/*
 * C1: into the container's payload cgroup in every v1 hierarchy, as the user
 * (C1 was made in it in the v2 one: spawn_join). "0" written to a v1 tasks
 * file moves the writing thread alone, and for that the kernel skips
 * cgroup_threadgroup_rwsem (Debian 12's 6.1 does, and this machine's 6.18);
 * a cgroup.procs write takes it for writing, and its first writer after a
 * quiet moment waits for an RCU grace period (about 7 ms here,
 * bench/cgmove.c). Both still take cgroup_mutex, so either can queue behind
 * another process's migration. C1 has one thread, so moving it is moving
 * the process.
 */
static int cgroup_join(const struct cgroup_layout *l, const char *user, char *why, size_t size)
{
	for (size_t i = 0; i < l->n; i++) {
		char path[600];
		__do_close int fd = -EBADF;

		if (l->h[i].v2)
			continue;
		if (cgroup_payload_path(l, &l->h[i], user, path, sizeof(path) - 16) < 0)
			return -ENAMETOOLONG;
		strcat(path, "/tasks");
		fd = openat(l->h[i].fd, path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			int r = -errno;
			snprintf(why, size, "%s/%s: %s", l->h[i].mnt, path, strerror(errno));
			return r;
		}
	}
	return 0;
}

/*
 * P: the container's payload cgroup in the v2 hierarchy, as the O_PATH
 * directory that clone3 makes C1 in: *ret_fd, left -EBADF if the layout has
 * no v2 hierarchy.
 */
static int payload_v2_open(const struct cgroup_layout *l, const char *user, int *ret_fd, struct core_err *e)
{
	char path[600];

	*ret_fd = -EBADF;
	for (size_t i = 0; i < l->n; i++) {
		if (!l->h[i].v2)
			continue;
		if (cgroup_payload_path(l, &l->h[i], user, path, sizeof(path)) < 0)
			return core_fail(e, -ENAMETOOLONG, "cgroup of %s: name too long", user);
		*ret_fd = openat(l->h[i].fd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (*ret_fd < 0)
			return core_fail(e, -errno, "%s/%s: %s", l->h[i].mnt, path, strerror(errno));
		break; /* there is one */
	}
	return 0;
}

/*
 * P: fork C1, made in the v2 payload cgroup cg (if >= 0) by
 * clone3(CLONE_INTO_CGROUP): the kernel checks our right to it as for a
 * write to its cgroup.procs, and takes the global lock for reading only.
 * Its pidfd comes with it (*pidfd, -EBADF on failure). glibc has no clone3,
 * so C1 is a copy of P as glibc's fork would not make it: its thread
 * descriptor keeps P's tid, no robust list is registered and no atfork
 * handler ran. That is safe because P has one thread and C1 calls no
 * pthread_* function and takes no mutex glibc does not reset; the fork that
 * makes C2 is glibc's, and sets all of it right for C2.
 */
static pid_t spawn_join(int cg, int *pidfd)
{
	struct clone_args a = {
		.flags = CLONE_PIDFD,
		.pidfd = (uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	pid_t pid;

	if (cg >= 0) {
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (unsigned)cg;
	}
	pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid < 0) /* the kernel may have written a number it then released */
		*pidfd = -EBADF;
	return pid;
}

/* A small file of the container's, read inside (no NSS module is ever loaded here); NULL if none. */
static char *container_file(const char *path)
{
	__do_close int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	__do_free char *text = fd < 0 ? NULL : malloc(PASSWD_MAX + 1);
	ssize_t n = 0, got;

	if (!text)
		return NULL;
	while (n < PASSWD_MAX && (got = read(fd, text + n, (size_t)(PASSWD_MAX - n))) > 0)
		n += got;
	text[n] = '\0';
	return move_ptr(text);
}

/* Split line at ':' into at most max fields (the rest stays in the last); the count. */
static size_t fields(char *line, char **f, size_t max)
{
	size_t k = 1;

	f[0] = line;
	for (char *c = line; *c && k < max; c++)
		if (*c == ':')
			*c = '\0', f[k++] = c + 1;
	return k;
}

/* The entry of uid in the container's /etc/passwd: name, home, shell (defaults kept if none); found? */
static bool passwd_lookup(uid_t uid, char *name, size_t nsize, char *home, size_t hsize, char *shell, size_t ssize)
{
	__do_free char *text = container_file("/etc/passwd");
	char idfield[16];

	snprintf(home, hsize, "/");
	snprintf(shell, ssize, "/bin/sh");
	snprintf(idfield, sizeof(idfield), "%u", (unsigned)uid);
	for (char *line = text, *next; line && *line; line = next) {
		char *f[7];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (fields(line, f, 7) < 7 || strcmp(f[2], idfield) != 0)
			continue;
		if (f[0][0])
			snprintf(name, nsize, "%s", f[0]);
		if (f[5][0] == '/')
			snprintf(home, hsize, "%s", f[5]);
		if (f[6][0] == '/')
			snprintf(shell, ssize, "%s", f[6]);
		return true;
	}
	return false;
}

/* The groups of the container's /etc/group that name user as a member (as initgroups would give). */
static size_t groups_lookup(const char *user, gid_t primary, gid_t *ret, size_t max)
{
	__do_free char *text = container_file("/etc/group");
	size_t n = 0;

	for (char *line = text, *next; line && *line && n < max; line = next) {
		char *f[4], *end;
		unsigned long gid;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (fields(line, f, 4) < 4 || f[2][0] < '0' || f[2][0] > '9')
			continue;
		errno = 0;
		gid = strtoul(f[2], &end, 10);
		if (errno || *end || gid > 65535 || gid == primary)
			continue;
		for (char *m = strtok(f[3], ","); m; m = strtok(NULL, ","))
			if (strcmp(m, user) == 0) {
				ret[n++] = (gid_t)gid;
				break;
			}
	}
	return n;
}

/* The container's default locale (/etc/default/locale, as pam_env reads it) when none was passed in. */
static void locale_default(void)
{
	__do_fclose FILE *f = NULL;
	char line[256];

	if (getenv("LANG"))
		return;
	f = fopen("/etc/default/locale", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, '=');
		line[strcspn(line, "\n")] = '\0';
		if (!v || (strncmp(line, "LANG=", 5) != 0 && strncmp(line, "LANGUAGE=", 9) != 0 &&
			   strncmp(line, "LC_", 3) != 0))
			continue;
		*v++ = '\0';
		if (*v == '"' && v[strlen(v) - 1] == '"' && strlen(v) >= 2)
			v[strlen(v) - 1] = '\0', v++;
		setenv(line, v, 0);
	}
}

static void signals_reset(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* C2: a pty of the container's own devpts, with the caller's terminal modes and size; its number. */
static int pty_open(const struct attach_proc *p, int *ret_ptmx, int *ret_slave)
{
	__do_close int ptmx = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	__do_close int slave = -EBADF;
	struct statfs sf;
	int unlock = 0, n;

	if (ptmx < 0 || fstatfs(ptmx, &sf) < 0)
		return -1;
	if (sf.f_type != DEVPTS_SUPER_MAGIC) {
		errno = ENOTTY;
		return -1;
	}
	if (ioctl(ptmx, TIOCSPTLCK, &unlock) < 0 || ioctl(ptmx, TIOCGPTN, &n) < 0)
		return -1;
	slave = ioctl(ptmx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return -1;
	if (p->outer_fd >= 0) { /* the client's terminal modes and size, as sshd set them outside */
		(void)tcsetattr(slave, TCSANOW, &p->outer_termios);
		(void)ioctl(slave, TIOCSWINSZ, &p->outer_size);
	}
	*ret_ptmx = move_fd(ptmx);
	*ret_slave = move_fd(slave);
	return n;
}

/* The slave as the controlling terminal and stdio of a new session. */
static int pty_take(int slave)
{
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return -1;
	return 0;
}

/* C2: the pty as our terminal; the master goes to P with our pidfd. */
static int pty_inside(const struct attach_proc *p, int sock, int self)
{
	__do_close int ptmx = -EBADF, slave = -EBADF;

	if (pty_open(p, &ptmx, &slave) < 0)
		return -1;
	send_msg(sock, 'R', "", (int[]){ self, ptmx }, 2);
	ready_sent = true;
	return pty_take(slave);
}

/*
 * What a root process inside may be handed from the client (login(1) keeps
 * the environment): plain characters only, and no value that names a file
 * of the user's choosing where glibc or curses would read it as one (a
 * locale, a zone, a terminfo entry).
 */
static bool env_inert(const char *kv)
{
	static const char *const pathish[] = { "LANG=", "LANGUAGE=", "LC_", "TZ=", "TERM=", "COLORTERM=", NULL };
	const char *v = strchr(kv, '=') ? strchr(kv, '=') + 1 : NULL;

	if (!v || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _.,:@%+=/-") != strlen(v))
		return false;
	for (size_t i = 0; pathish[i]; i++)
		if (strncmp(kv, pathish[i], strlen(pathish[i])) == 0)
			return !strstr(v, "..") && v[0] != '/' && v[0] != ':';
	return true;
}

/* The client's address for utmp's host field, from SSH_CONNECTION; "" if none or not an address. */
static void remote_host(char *const *env, char *out, size_t size)
{
	out[0] = '\0';
	for (; env && *env; env++) {
		const char *v = *env + strlen("SSH_CONNECTION=");
		size_t n;
		if (strncmp(*env, "SSH_CONNECTION=", strlen("SSH_CONNECTION=")) != 0)
			continue;
		n = strspn(v, "0123456789abcdefABCDEF.:");
		if (n > 0 && n < size && v[n] == ' ')
			snprintf(out, size, "%.*s", (int)n, v);
		return;
	}
}

/*
 * After login(1) has gone: its utmp entry on line marked dead (who, w,
 * users). login writes the end into wtmp itself but leaves utmp to whoever
 * started it (getty and init do this).
 */
static void logout_record(const char *line)
{
	struct utmpx key = { .ut_type = USER_PROCESS }, dead, *u;
	struct timeval now;
	sigset_t alarm;

	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM); /* glibc bounds its wait for utmp's lock by an alarm */
	sigprocmask(SIG_UNBLOCK, &alarm, NULL);
	snprintf(key.ut_line, sizeof(key.ut_line), "%s", line);
	setutxent();
	u = getutxline(&key);
	if (u) {
		dead = *u;
		dead.ut_type = DEAD_PROCESS;
		memset(dead.ut_user, 0, sizeof(dead.ut_user));
		gettimeofday(&now, NULL);
		dead.ut_tv.tv_sec = (int32_t)now.tv_sec;
		dead.ut_tv.tv_usec = (int32_t)now.tv_usec;
		(void)pututxline(&dead);
	}
	endutxent();
}

/*
 * C2, root inside, for an interactive login: the container's own login(1)
 * opens its PAM session as a console login does (utmp and wtmp, a logind
 * session with the user's systemd --user manager, motd, pam_env,
 * pam_limits) and becomes the user. login leaves its utmp entry to
 * whoever started it (init, getty): C2 waits for it, with every signal
 * blocked (P sends its signals to login), and marks that entry dead.
 */
__attribute__((noreturn)) static void login_session(const struct attach_req *r, const struct attach_proc *p, int sock,
						    char *name)
{
	char host[64], line[32], *argv[8];
	int ptmx = -EBADF, slave = -EBADF, pidfd, n, status;
	size_t k = 0;
	sigset_t all;
	pid_t pid;

	n = pty_open(p, &ptmx, &slave);
	if (n < 0)
		child_fail(sock, "a terminal inside the container (/dev/pts/ptmx)");
	snprintf(line, sizeof(line), "pts/%d", n);
	remote_host(r->env, host, sizeof(host));
	argv[k++] = (char *)"login";
	argv[k++] = (char *)"-p";
	if (host[0]) {
		argv[k++] = (char *)"-h";
		argv[k++] = host;
	}
	argv[k++] = (char *)"-f"; /* util-linux and shadow take the name as the operand after it */
	argv[k++] = name;
	argv[k] = NULL;
	pid = fork();
	if (pid < 0)
		child_fail(sock, "fork inside the container");
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGHUP, 0, 0, 0) < 0 || pty_take(slave) < 0 || clearenv() != 0)
			_exit(125);
		close_range(3, ~0U, 0);
		for (char *const *e = r->env; e && *e; e++)
			if (env_inert(*e))
				putenv(*e);
		if (agent_env[0])
			putenv(agent_env);
		setenv("container", "lxc", 1);
		execv(LOGIN_PATH, argv);
		fprintf(stderr, "lxlogin: cannot run %s inside the container: %s\n", LOGIN_PATH, strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		kill(pid, SIGKILL);
		child_fail(sock, "a pidfd of the session");
	}
	send_msg(sock, 'R', "", (int[]){ pidfd, ptmx }, 2);
	ready_sent = true;
	close_range(0, ~0U, 0); /* nothing of the session's terminal, nor P's socket, stays with the waiter */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	logout_record(line);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* The init's bounding set: a capability the container's init cannot get, no session gets (sudo inside). */
static int bounding_copy(uint64_t bounding)
{
	int last = CAP_LAST_CAP;
	__do_fclose FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");

	if (f && fscanf(f, "%d", &last) != 1)
		last = CAP_LAST_CAP;
	for (int c = 0; c <= last && c < 64; c++)
		if (!(bounding >> c & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return -errno;
	return 0;
}

/* Permitted = effective = only what is listed, inheritable and ambient none. */
static int caps_only(const int *keep, size_t n)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	for (size_t i = 0; i < n; i++) {
		d[keep[i] / 32].permitted |= 1U << (keep[i] % 32);
		d[keep[i] / 32].effective |= 1U << (keep[i] % 32);
	}
	return (int)syscall(SYS_capset, &hdr, d);
}

static void exec_payload(const struct attach_req *r, const char *shell)
{
	const char *base = strrchr(shell, '/') ? strrchr(shell, '/') + 1 : shell;
	char argv0[520];

	if (r->argv) {
		execvp(r->argv[0], (char *const *)r->argv);
		fprintf(stderr, "lxlogin: %s: %s\n", r->argv[0], strerror(errno));
		return;
	}
	snprintf(argv0, sizeof(argv0), "%s%s", r->login ? "-" : "", base);
	if (r->shell_cmd)
		execl(shell, base, "-c", r->shell_cmd, (char *)NULL);
	else
		execl(shell, argv0, (char *)NULL);
	fprintf(stderr, "lxlogin: cannot run %s inside the container: %s\n", shell, strerror(errno));
}

/*
 * C2, from fork to exec, in the order LXC's attach keeps (ids, seccomp,
 * profile, no_new_privs), with one rule above it: nothing of the host's
 * reaches a container path. The AppArmor profile, the only step that needs
 * the host's /proc, is taken first and that fd closed; every other fd but
 * stdio and the socket to P was closed at the start. Only then are files of
 * the container read (its passwd, group, locale) or a path of it entered
 * (home), all of which root inside controls.
 */
__attribute__((noreturn)) static void session_main(const struct attach_req *r, const struct attach_proc *p,
						   const struct init_facts *f, int sock, int host_proc)
{
	static const int setgid_only[] = { CAP_SETGID };
	char name[64], home[512], shell[512], label_cmd[LABEL_MAX + 16], cwd[PATH_MAX];
	gid_t groups[64];
	size_t n_groups;
	__do_close int self = -EBADF;
	int rc;
	uid_t uid = r->record ? 0 : r->uid; /* login(1) starts as root inside */
	gid_t gid = r->record ? 0 : r->gid;

	signals_reset();
	/* stdio, the socket (3) and the host's /proc (4, while needed): nothing else, from here on */
	sock = fcntl(sock, F_DUPFD_CLOEXEC, 10);
	host_proc = host_proc >= 0 ? fcntl(host_proc, F_DUPFD_CLOEXEC, 10) : -EBADF;
	if (sock < 0 || dup3(sock, 3, O_CLOEXEC) < 0 || (host_proc >= 0 && dup3(host_proc, 4, O_CLOEXEC) < 0))
		_exit(125);
	sock = 3;
	host_proc = host_proc >= 0 ? 4 : -EBADF;
	close_range(host_proc >= 0 ? 5 : 4, ~0U, 0);
	if (bounding_copy(f->bounding) < 0)
		child_fail(sock, "the init's capability bounding set");
	/* root inside for login(1) holds none of the caller's groups (login sets the user's own) */
	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0 || (r->record && setgroups(0, NULL) < 0))
		child_fail(sock, uid ? "becoming the user inside" : "becoming root inside");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) /* after the id change, which clears it */
		child_fail(sock, "the parent-death signal");
	rc = seccomp_load_container();
	if (rc < 0) {
		errno = -rc;
		child_fail(sock, "the container's seccomp filter");
	}
	if (f->label[0]) { /* the init's AppArmor profile, as LXC's attach takes it, before anything else */
		__do_close int fd = openat(host_proc, "self/attr/apparmor/current", O_WRONLY | O_CLOEXEC);
		int n = snprintf(label_cmd, sizeof(label_cmd), "changeprofile %s", f->label);
		ssize_t w;
		if (fd < 0)
			fd = openat(host_proc, "self/attr/current", O_WRONLY | O_CLOEXEC);
		w = fd < 0 ? -1 : write(fd, label_cmd, (size_t)n);
		if (w != n) {
			if (w >= 0)
				errno = EIO;
			child_fail(sock, "taking the container's AppArmor profile");
		}
	}
	if (host_proc >= 0)
		close(host_proc);
	if (r->record) {
		snprintf(name, sizeof(name), "%s", r->user);
		if (passwd_lookup(r->uid, name, sizeof(name), home, sizeof(home), shell, sizeof(shell)) &&
		    policy_name_valid(name) && access(LOGIN_PATH, X_OK) == 0 && access(LOGIN_PAM, F_OK) == 0) {
			if (f->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				child_fail(sock, "no_new_privs");
			login_session(r, p, sock, name);
		}
		/* no login(1) with a PAM stack inside (busybox's, which also drops what was typed ahead),
		 * or no entry for the user: the session as any other, as the user */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(r->gid, r->gid, r->gid) < 0 ||
		    setresuid(r->uid, r->uid, r->uid) < 0 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 ||
		    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			child_fail(sock, "becoming the user inside");
	}
	/* the user keeps only CAP_SETGID, for their groups, while the container's files are read */
	if (r->uid != 0 && caps_only(setgid_only, ARRAY_SIZE(setgid_only)) < 0)
		child_fail(sock, "dropping capabilities");
	self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (self < 0)
		child_fail(sock, "a pidfd of the session");
	if (r->terminal) {
		if (pty_inside(p, sock, self) < 0)
			child_fail(sock, "a terminal inside the container (/dev/pts/ptmx)");
	} else {
		send_msg(sock, 'R', "", &self, 1);
		ready_sent = true;
		(void)setsid(); /* no controlling terminal: the caller's tty, if any, stays out of reach */
	}
	snprintf(name, sizeof(name), "%s", r->uid ? r->user : "root");
	passwd_lookup(r->uid, name, sizeof(name), home, sizeof(home), shell, sizeof(shell));
	n_groups = groups_lookup(name, r->gid, groups, ARRAY_SIZE(groups));
	if (setgroups(n_groups, groups) < 0)
		child_fail(sock, "the user's groups inside");
	if (r->uid != 0 && caps_only(NULL, 0) < 0) /* root inside keeps what the init has */
		child_fail(sock, "dropping capabilities");
	if (clearenv() != 0)
		_exit(125);
	for (char *const *e = r->env; e && *e; e++)
		putenv(*e);
	if (agent_env[0])
		putenv(agent_env);
	setenv("HOME", home, 1);
	setenv("USER", name, 1);
	setenv("LOGNAME", name, 1);
	setenv("SHELL", shell, 1);
	setenv("container", "lxc", 1);
	locale_default();
	/* a home that leads out of the container's root (no host fd is left to lead there) starts at / */
	if (chdir(home) < 0 || !getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		if (chdir("/") < 0)
			child_fail(sock, "no home and no /");
	if (f->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(sock, "no_new_privs");
	close_range(3, ~0U, 0);
	exec_payload(r, shell);
	_exit(errno == ENOENT ? 127 : 126);
}

/*
 * C1, from fork to its exit with the session's status. It only waits: every
 * signal is blocked (P forwards them to the session) and job control is
 * ignored, so that a ^C or ^Z at the caller's terminal cannot end or stop
 * the waiter without the session.
 */
__attribute__((noreturn)) static void join_main(const struct cgroup_layout *l, const struct attach_req *r,
						const struct attach_proc *p, struct ct_init *init,
						const struct init_facts *f, int sock, int host_proc)
{
	struct cgroup_layout mine = *l;
	struct sigaction ign = { .sa_handler = SIG_IGN };
	char why[700], agent_dir[32] = "";
	int status, tmp = -EBADF, dir = -EBADF;
	sigset_t all;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	sigaction(SIGTSTP, &ign, NULL);
	sigaction(SIGTTIN, &ign, NULL);
	sigaction(SIGTTOU, &ign, NULL);
	if (cgroup_join(&mine, r->user, why, sizeof(why)) < 0) {
		send_msg(sock, 'E', why, NULL, 0);
		_exit(125);
	}
	cgroup_layout_close(&mine);
	if (setns(init->pidfd, f->flags) < 0)
		child_fail(sock, "joining the container's namespaces");
	ct_init_close(init);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(125);
	if (r->agent)
		agent_inside(sock, &tmp, &dir, agent_dir, sizeof(agent_dir));
	pid = fork();
	if (pid < 0)
		child_fail(sock, "fork inside the container");
	if (pid == 0)
		session_main(r, p, f, sock, host_proc);
	close(sock);
	if (host_proc >= 0)
		close(host_proc);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (dir >= 0) { /* the agent socket ends with the session */
		(void)unlinkat(dir, AGENT_SOCKET, 0);
		(void)unlinkat(tmp, agent_dir, AT_REMOVEDIR);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/*
 * P: one message from the children (kind, text, at most 2 fds), within the
 * bound: a frozen cgroup or a hanging devpts inside must not hold the caller
 * for ever. The text's length, or -1.
 */
static ssize_t recv_msg(int sock, char *buf, size_t size, int *fds, size_t *n_fds, bool *truncated)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { buf, size - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct pollfd pfd = { sock, POLLIN, 0 };
	ssize_t n = -1;
	int k;

	*n_fds = 0;
	while ((k = poll(&pfd, 1, ATTACH_READY_TIMEOUT_S * 1000)) < 0 && errno == EINTR)
		;
	if (k == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			*n_fds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			if (*n_fds > 2)
				*n_fds = 2;
			memcpy(fds, CMSG_DATA(c), *n_fds * sizeof(int));
		}
	*truncated = (m.msg_flags & MSG_CTRUNC) != 0;
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* P: the agent's socket from C1 if asked for, then the session's pidfd (and master) or why not. */
static int recv_ready(int sock, bool agent, struct attach_proc *p, struct core_err *e)
{
	char buf[512];
	int fds[2] = { -EBADF, -EBADF };
	size_t n_fds;
	bool truncated;
	ssize_t n = recv_msg(sock, buf, sizeof(buf), fds, &n_fds, &truncated);

	if (agent && n > 0 && buf[0] == 'A') {
		if (n_fds == 1 && !truncated)
			p->agent = fds[0];
		else
			snprintf(p->agent_why, sizeof(p->agent_why), "%.150s", buf[1] ? buf + 1 : "none was made");
		for (size_t i = p->agent >= 0 ? 1 : 0; i < n_fds; i++)
			close(fds[i]);
		n = recv_msg(sock, buf, sizeof(buf), fds, &n_fds, &truncated);
	}
	if (n < 0 && errno == ETIMEDOUT)
		return core_fail(e, -ETIMEDOUT, "the container did not let the session in within %ds",
				 ATTACH_READY_TIMEOUT_S);
	if (n <= 0)
		return core_fail(e, -EIO, "the session ended before it started");
	if (buf[0] != 'R' || truncated || n_fds != (p->terminal ? 2u : 1u)) {
		if (n_fds > 0) /* a session that did start but cannot be relayed: end it */
			(void)syscall(SYS_pidfd_send_signal, fds[0], SIGKILL, NULL, 0);
		for (size_t i = 0; i < n_fds; i++)
			close(fds[i]);
		return core_fail(e, -EIO, "%s", buf[0] == 'E' ? buf + 1 : "the session did not start");
	}
	p->session = fds[0];
	p->master = n_fds == 2 ? fds[1] : -EBADF;
	return 0;
}

/* The caller's terminal, for the pty inside: stdin and stdout both a terminal, with its settings and size. */
static void outer_terminal(struct attach_proc *p)
{
	p->outer_fd = -1;
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && tcgetattr(STDIN_FILENO, &p->outer_termios) == 0) {
		p->outer_fd = STDIN_FILENO;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &p->outer_size) < 0)
			memset(&p->outer_size, 0, sizeof(p->outer_size));
	}
}

/* Whether a session should get a pty inside: its stdin and stdout are both a terminal (as ssh decides). */
bool attach_wants_terminal(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

/*
 * Start r's session inside the user's running container. The caller is the
 * owner (not root), in the user's cgroup; the signals that relay.c forwards
 * are blocked from here on (the children unblock them). -ESRCH: no container
 * runs; -EAGAIN: it is frozen.
 */
int attach_spawn(const struct cgroup_layout *l, const struct attach_req *r, struct attach_proc *ret, struct core_err *e)
{
	__do_close int host_proc = -EBADF, cg = -EBADF;
	struct ct_init init = { 0, -EBADF };
	struct init_facts facts;
	int sock[2], rc;
	sigset_t fwd;

	*ret = (struct attach_proc){
		.pid = -1,
		.pidfd = -EBADF,
		.session = -EBADF,
		.master = -EBADF,
		.outer_fd = -1,
		.terminal = r->terminal,
		.agent = -EBADF,
	};
	if (getuid() == 0 || getuid() != r->owner)
		return core_fail(e, -EPERM, "attach must run as the container's owner, not root");
	rc = ct_init_find(l, r->user, r->owner, &init);
	if (rc < 0)
		return core_fail(e, rc, rc == -ESRCH ? "the container is not running" : "finding its init: %s",
				 strerror(-rc));
	rc = ct_frozen(l, r->user);
	if (rc != 0) {
		ct_init_close(&init);
		return core_fail(e, rc > 0 ? -EAGAIN : rc, rc > 0 ? "the container is frozen" : "its freezer: %s",
				 strerror(-rc));
	}
	ret->init = init.pid;
	rc = init_facts_read(&init, &facts, e);
	if (rc == 0 && facts.label[0]) {
		host_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (host_proc < 0)
			rc = core_fail(e, -errno, "/proc: %s", strerror(errno));
	}
	if (rc == 0)
		rc = payload_v2_open(l, r->user, &cg, e);
	if (rc == 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
		rc = core_fail(e, -errno, "socketpair: %s", strerror(errno));
	if (rc < 0) {
		ct_init_close(&init);
		return rc;
	}
	if (r->terminal)
		outer_terminal(ret);
	relay_signals(&fwd);
	sigprocmask(SIG_BLOCK, &fwd, NULL);
	ret->pid = spawn_join(cg, &ret->pidfd);
	if (ret->pid == 0) {
		close(sock[0]);
		if (cg >= 0)
			close(cg);
		join_main(l, r, ret, &init, &facts, sock[1], host_proc);
	}
	if (ret->pid < 0)
		rc = core_fail(e, -errno,
			       errno == EAGAIN ? "the user's process limit is reached"
			       : cg >= 0       ? "clone3 into the container's cgroup: %s"
					       : "clone3: %s",
			       strerror(errno));
	close(sock[1]);
	ct_init_close(&init);
	if (rc == 0)
		rc = recv_ready(sock[0], r->agent, ret, e);
	close(sock[0]);
	if (rc < 0 && ret->pid > 0) { /* C1 waits for a session that will not be relayed: end both */
		int status;
		kill(ret->pid, SIGKILL);
		while (waitpid(ret->pid, &status, 0) < 0 && errno == EINTR)
			;
		ret->pid = -1;
		if (ret->pidfd >= 0)
			close(ret->pidfd);
		if (ret->agent >= 0)
			close(ret->agent);
		ret->pidfd = ret->agent = -EBADF;
	}
	return rc;
}

/* Wait for the session to end: its exit status, or 128 + the signal that ended it. */
int attach_wait(struct attach_proc *p)
{
	int status;

	while (waitpid(p->pid, &status, 0) < 0)
		if (errno != EINTR)
			return 125;
	p->pid = -1;
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->session >= 0)
		close(p->session);
	if (p->master >= 0)
		close(p->master);
	p->pidfd = p->session = p->master = -EBADF;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
