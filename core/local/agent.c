/*
 * agent.c - the host end of a session's agent socket (ssh -A). attach.c
 * makes the other end inside the container and hands its listening socket
 * to the caller, the user on the host; here a child of the caller takes each
 * connection to it from a process of the user's own uid and passes its
 * bytes, unread, to sshd's agent socket of this login, and to nothing else:
 * the one socket named by SSH_AUTH_SOCK as sshd makes it, checked once and
 * held by its directory's fd, so that nothing inside the container can name
 * another. The relay ends with the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "core.h"

#define AGENT_CONN_MAX 32 /* connections relayed at once */
#define AGENT_BUF 16384

/*
 * Is path sshd's agent socket, /tmp/ssh-XXXXXXXXXX/agent.PID (OpenSSH's
 * session.c: mkdtemp and the listener's pid)? Its directory and name, split.
 */
bool agent_sock_parse(const char *path, char *dir, size_t dsize, char *name, size_t nsize)
{
	static const char prefix[] = "/tmp/ssh-",
			  alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const char *rand = path + strlen(prefix), *base = rand + 11, *pid = base + strlen("agent.");
	size_t n_pid;

	if (strncmp(path, prefix, strlen(prefix)) != 0 || strlen(rand) < 11 || strspn(rand, alnum) != 10 ||
	    rand[10] != '/' || strncmp(base, "agent.", strlen("agent.")) != 0)
		return false;
	n_pid = strspn(pid, "0123456789");
	if (n_pid == 0 || n_pid > 10 || pid[n_pid] != '\0' || pid[0] == '0')
		return false;
	snprintf(dir, dsize, "%.*s", (int)(base - 1 - path), path);
	snprintf(name, nsize, "%s", base);
	return true;
}

/* sshd's agent socket of this login, from auth_sock (SSH_AUTH_SOCK): checked, its directory held. */
int agent_host_open(const char *auth_sock, struct agent_host *h, char *why, size_t size)
{
	char dir[64];
	struct stat st;
	__do_close int fd = -EBADF;

	h->dir = -EBADF;
	if (!agent_sock_parse(auth_sock, dir, sizeof(dir), h->name, sizeof(h->name))) {
		snprintf(why, size, "SSH_AUTH_SOCK is not a socket sshd makes (/tmp/ssh-XXXXXXXXXX/agent.N)");
		return -EINVAL;
	}
	fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, size, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (st.st_uid != getuid() || (st.st_mode & 0077)) {
		snprintf(why, size, "%s is not a directory of yours that only you can enter", dir);
		return -EPERM;
	}
	if (fstatat(fd, h->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		snprintf(why, size, "%s: %s", auth_sock, strerror(errno));
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode) || st.st_uid != getuid()) {
		snprintf(why, size, "%s is not a socket of yours", auth_sock);
		return -EPERM;
	}
	h->dir = move_fd(fd);
	return 0;
}

/* One connection: to sshd's socket, then bytes both ways until either side ends. */
__attribute__((noreturn)) static void agent_conn(int client, const struct agent_host *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[AGENT_BUF];
	int up = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* by the directory held since the check, never the path again */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", h->dir, h->name);
	if (up < 0 || connect(up, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		_exit(1);
	for (;;) {
		struct pollfd p[2] = { { client, POLLIN, 0 }, { up, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			if (!p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0 || !relay_write_all(p[1 - i].fd, buf, (size_t)n))
				_exit(0);
		}
	}
}

/*
 * The relay: accept on listener (the socket inside), as a child of the
 * caller that dies with it; each connection from the caller's uid gets its
 * own child, at most AGENT_CONN_MAX at once; any other peer is closed
 * unanswered. Its pid, or -errno.
 */
pid_t agent_relay_start(int listener, const struct agent_host *h)
{
	pid_t parent = getpid(), pid = fork();
	struct agent_host host = *h;
	int live = 0;
	sigset_t none;

	if (pid != 0)
		return pid < 0 ? -errno : pid;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);
	/* the listener (3) and sshd's directory (4), nothing else of the caller's (its pty master, pidfds) */
	listener = fcntl(listener, F_DUPFD_CLOEXEC, 10);
	host.dir = fcntl(host.dir, F_DUPFD_CLOEXEC, 10);
	if (listener < 0 || host.dir < 0 || dup3(listener, 3, O_CLOEXEC) < 0 || dup3(host.dir, 4, O_CLOEXEC) < 0)
		_exit(1);
	listener = 3;
	host.dir = 4;
	close_range(5, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* nothing of the session's: its stdio would keep sshd's channel open after it ends */
	for (int fd = 0; fd < 3; fd++) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, fd) < 0)
			_exit(1);
		close(null);
	}
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
		while (live > 0 && waitpid(-1, NULL, WNOHANG) > 0)
			live--;
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
				continue;
			_exit(1);
		}
		/* the user's own processes inside only: their uid is mapped through, every other is not ours */
		if (live >= AGENT_CONN_MAX || getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    cred.uid != getuid()) {
			close(c);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
				_exit(1);
			close(listener);
			agent_conn(c, &host);
		}
		if (pid > 0)
			live++;
		close(c);
	}
}
