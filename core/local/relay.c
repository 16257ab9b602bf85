/*
 * relay.c - P's side of an attached session (attach.c): the caller's terminal
 * set raw and every byte passed between it and the pty inside unchanged, the
 * window size followed, the caller's signals forwarded to the session; then
 * the session's exit status. Without a terminal only the signals go across:
 * the session has the caller's stdio itself, byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "core.h"

#define RELAY_BUF 65536
#define RELAY_DRAIN_READS 64 /* after the session ended: at most this many reads of what is left */

/* The signals a session gets when the caller gets them; SIGWINCH is the caller's window size. */
void relay_signals(sigset_t *set)
{
	static const int fwd[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH };

	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		sigaddset(set, fwd[i]);
}

/* All of buf to fd, waiting for it to take more when it is non-blocking; false if it is gone. */
bool relay_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { fd, POLLOUT, 0 };
			(void)poll(&p, 1, -1);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * One read of the master, to the caller's stdout: false at its end (every
 * slave closed). One read per wakeup, so that a flood of output never keeps
 * the loop from the caller's input and signals (a ^C, a resize, a hangup).
 */
static bool master_once(int master, char *buf, bool *out_ok)
{
	ssize_t n = read(master, buf, RELAY_BUF);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false; /* EIO: the last slave closed */
	if (*out_ok && !relay_write_all(STDOUT_FILENO, buf, (size_t)n))
		*out_ok = false;
	return *out_ok; /* the caller's side is gone: so is the session's terminal */
}

static bool readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

static void forward(const struct attach_proc *p, int sig)
{
	struct winsize ws;

	if (sig != SIGWINCH) {
		(void)syscall(SYS_pidfd_send_signal, p->session, sig, NULL, 0);
		return;
	}
	if (p->master >= 0 && p->outer_fd >= 0 && ioctl(p->outer_fd, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(p->master, TIOCSWINSZ, &ws);
}

/*
 * Relay until the session (C1) has ended, then its status. The forwarded
 * signals were blocked by attach_spawn; they are read from a signalfd here.
 */
int attach_relay(struct attach_proc *p)
{
	__do_free char *in = malloc(RELAY_BUF), *out = malloc(RELAY_BUF);
	__do_close int sfd = -EBADF;
	struct termios raw;
	bool raw_set = false, in_open = true, master_open = p->master >= 0, out_ok = true;
	size_t in_len = 0, in_off = 0;
	sigset_t fwd;

	relay_signals(&fwd);
	sfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);
	if (p->master >= 0) {
		signal(SIGTTOU, SIG_IGN); /* a background caller (su -c) still sets its terminal */
		(void)fcntl(p->master, F_SETFL, fcntl(p->master, F_GETFL) | O_NONBLOCK);
		if (p->outer_fd >= 0) {
			raw = p->outer_termios;
			cfmakeraw(&raw);
			raw_set = tcsetattr(p->outer_fd, TCSANOW, &raw) == 0;
		}
	}
	for (;;) {
		struct pollfd fds[4] = {
			{ p->pidfd, POLLIN, 0 },
			{ sfd, POLLIN, 0 },
			{ master_open ? p->master : -1, (short)(POLLIN | (in_len ? POLLOUT : 0)), 0 },
			{ master_open && in_open && !in_len && in && out ? STDIN_FILENO : -1, POLLIN, 0 },
		};

		if (poll(fds, ARRAY_SIZE(fds), -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				forward(p, (int)si.ssi_signo);
		}
		if (fds[2].revents & (POLLIN | POLLHUP | POLLERR))
			master_open = master_once(p->master, out, &out_ok);
		if (master_open && in_len && (fds[2].revents & POLLOUT)) {
			ssize_t n = write(p->master, in + in_off, in_len);
			if (n > 0)
				in_off += (size_t)n, in_len -= (size_t)n;
			if (in_len == 0)
				in_off = 0;
		}
		if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(STDIN_FILENO, in, RELAY_BUF);
			if (n > 0) {
				in_len = (size_t)n;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				in_open = false; /* the caller's terminal hung up: so does the session's */
				master_open = false;
			}
		}
		if (!master_open && p->master >= 0) {
			close(p->master);
			p->master = -EBADF;
		}
		if (fds[0].revents & POLLIN) {
			/* what the session wrote last, bounded: a job left behind may write on */
			for (int i = 0; i < RELAY_DRAIN_READS && p->master >= 0 && out_ok; i++)
				if (!master_once(p->master, out, &out_ok) || !readable(p->master))
					break;
			break;
		}
	}
	if (raw_set)
		(void)tcsetattr(p->outer_fd, TCSANOW, &p->outer_termios);
	return attach_wait(p);
}
