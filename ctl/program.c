/* program.c - lxloginctl runs a fixed program: an absolute path, a fixed PATH, no other environment. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "admin.h"

/*
 * Run path with argv. in, if not NULL, is written whole to its stdin first
 * (small inputs: nothing is read meanwhile); out, if not NULL, gets its
 * stdout and stderr, NUL-terminated, and a program that writes more than
 * size - 1 bytes is killed. Otherwise its stdin, stdout and stderr are ours.
 * Returns 0 if it exited 0, -EIO if not, -ENOENT if it is not there.
 */
int program_run(const char *path, char *const argv[], const char *in, char *out, size_t size)
{
	int to[2] = { -EBADF, -EBADF }, from[2] = { -EBADF, -EBADF }, status, r = 0;
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
	size_t len = 0;
	pid_t pid;

	if (out)
		out[0] = '\0';
	if (access(path, X_OK) < 0)
		return -ENOENT;
	if ((in && pipe2(to, O_CLOEXEC) < 0) || (out && pipe2(from, O_CLOEXEC) < 0)) {
		r = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0) {
		char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		if ((in && dup2(to[0], STDIN_FILENO) < 0) ||
		    (out && (dup2(from[1], STDOUT_FILENO) < 0 || dup2(from[1], STDERR_FILENO) < 0)))
			_exit(127);
		execve(path, argv, envp);
		_exit(127);
	}
	if (in) {
		close(to[0]);
		to[0] = -EBADF;
		sigaction(SIGPIPE, &ignore, &old); /* a program that stops reading must not kill us */
		for (size_t n = strlen(in), done = 0; done < n;) {
			ssize_t w = write(to[1], in + done, n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break; /* it stopped reading: its exit status tells */
			done += (size_t)w;
		}
		sigaction(SIGPIPE, &old, NULL);
		close(to[1]);
		to[1] = -EBADF;
	}
	if (out) {
		ssize_t n;
		close(from[1]);
		from[1] = -EBADF;
		while (len + 1 < size &&
		       ((n = read(from[0], out + len, size - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
			len += n > 0 ? (size_t)n : 0;
		out[len] = '\0';
		if (len + 1 >= size) /* more than fits: it must not block on a full pipe */
			kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = -errno;
			goto out;
		}
	r = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
out:
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			close(to[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	return r;
}
