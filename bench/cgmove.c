/*
 * cgmove.c - what moving one process into a cgroup in every hierarchy waits
 * for on this kernel, three ways, each after a quiet moment (a login comes
 * alone, not in a burst), beside a fork that moves nothing:
 *   by pid   another process writes its pid to each cgroup.procs (the PAM
 *            step: the helper moves sshd's session process);
 *   itself   the process writes "0" to each cgroup.procs (the attach's C1
 *            before commit "attach: make C1 in the v2 payload cgroup...");
 *   clone3   it is made in the v2 cgroup by clone3(CLONE_INTO_CGROUP) and
 *            writes "0" to each v1 tasks file (the attach's C1 now).
 * A pid written to cgroup.procs takes cgroup_threadgroup_rwsem for writing,
 * and its first taker after a quiet moment waits for an RCU grace period;
 * the other two take it for reading or not at all.
 *
 * bench-cgmove PARENT RUNS: PARENT is a cgroup below each hierarchy's root
 * that the caller made (the test instance's); the tool makes PARENT/lxt-cgmove
 * and removes it. Prints a markdown table: median and p95 in ms, and the runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "core.h"

#define QUIET_US 300000 /* longer than the grace period that returns the lock to its fast mode */
#define RUNS_MAX 1000
#define LEAF "lxt-cgmove"

enum how { NONE, BY_PID, ITSELF, CLONE3 };

static struct cgroup_layout layout;
static int leaf[ARRAY_SIZE(layout.h)]; /* PARENT/lxt-cgmove in each hierarchy */
static char parent[256];

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* One file of the leaf in hierarchy i (the core's cgroup_put), saying why not on stderr. */
static int put(size_t i, const char *file, const char *value)
{
	struct core_err e = { 0 };

	if (cgroup_put(leaf[i], file, value, false, LEAF, &e) < 0) {
		fprintf(stderr, "bench-cgmove: %s: %s\n", layout.h[i].mnt, e.msg);
		return -1;
	}
	return 0;
}

/* Copy a cpuset file from PARENT: a v1 cpuset cgroup takes no process until both are set. */
static int cpuset_copy(size_t i, const char *file)
{
	char path[600], value[256] = "";
	__do_close int fd = -EBADF;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", parent, file);
	fd = openat(layout.h[i].fd, path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, value, sizeof(value) - 1);
	if (n <= 0)
		return -1;
	value[n] = '\0';
	return put(i, file, value);
}

static int leaf_make(void)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/" LEAF, parent);
	for (size_t i = 0; i < layout.n; i++) {
		if (mkdirat(layout.h[i].fd, path, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "bench-cgmove: %s/%s: %s\n", layout.h[i].mnt, path, strerror(errno));
			return -1;
		}
		leaf[i] = openat(layout.h[i].fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (leaf[i] < 0) {
			fprintf(stderr, "bench-cgmove: %s/%s: %s\n", layout.h[i].mnt, path, strerror(errno));
			return -1;
		}
		if (cgroup_hier_has(&layout.h[i], "cpuset") &&
		    (cpuset_copy(i, "cpuset.cpus") < 0 || cpuset_copy(i, "cpuset.mems") < 0))
			return -1;
	}
	return 0;
}

static void leaf_remove(void)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/" LEAF, parent);
	for (size_t i = 0; i < layout.n; i++) {
		if (leaf[i] >= 0)
			close(leaf[i]);
		(void)unlinkat(layout.h[i].fd, path, AT_REMOVEDIR);
	}
}

/* The child: in place by how, then tells the time it was done on fd and exits (by pid: waits first). */
__attribute__((noreturn)) static void child(enum how how, int done, int go)
{
	double t;
	char c;

	if (how == BY_PID) {
		if (read(go, &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	for (size_t i = 0; how != NONE && i < layout.n; i++)
		if ((how == ITSELF || !layout.h[i].v2) && put(i, how == ITSELF ? "cgroup.procs" : "tasks", "0") < 0)
			_exit(1);
	t = now_ms();
	_exit(write(done, &t, sizeof(t)) == sizeof(t) ? 0 : 1);
}

/* One move, in ms from before the fork until the child is in place everywhere; < 0 on failure. */
static double one(enum how how, int v2)
{
	int done[2], go[2], status;
	double t0, t1 = -1;
	pid_t pid;

	if (pipe2(done, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return -1;
	t0 = now_ms();
	if (how == CLONE3) {
		struct clone_args a = { .flags = v2 >= 0 ? CLONE_INTO_CGROUP : 0, .exit_signal = SIGCHLD };
		a.cgroup = v2 >= 0 ? (unsigned)v2 : 0;
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	} else {
		pid = fork();
	}
	if (pid == 0)
		child(how, done[1], go[0]);
	close(done[1]);
	close(go[0]);
	if (pid > 0 && how == BY_PID) {
		char value[32];
		snprintf(value, sizeof(value), "%d", (int)pid);
		t1 = 0;
		for (size_t i = 0; i < layout.n && t1 == 0; i++)
			t1 = put(i, "cgroup.procs", value) < 0 ? -1 : 0;
		if (t1 == 0)
			t1 = now_ms();
		(void)!write(go[1], "x", 1);
	} else if (pid > 0 && read(done[0], &t1, sizeof(t1)) != sizeof(t1)) {
		t1 = -1;
	}
	close(done[0]);
	close(go[1]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return t1 < 0 ? -1 : t1 - t0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const char *const label[] = {
		[NONE] = "not moved: the fork alone",
		[BY_PID] = "its pid written to each cgroup.procs by another process (the PAM step)",
		[ITSELF] = "\"0\" written to each cgroup.procs by itself (the attach before)",
		[CLONE3] = "made in the v2 cgroup by clone3, \"0\" to each v1 tasks file (the attach now)",
	};
	struct core_err e = { 0 };
	static double ms[RUNS_MAX];
	int v2 = -EBADF, runs = argc == 3 ? atoi(argv[2]) : 0;

	for (size_t i = 0; i < ARRAY_SIZE(leaf); i++)
		leaf[i] = -EBADF;

	if (argc != 3 || runs < 1 || runs > RUNS_MAX || strstr(argv[1], "..") || argv[1][0] == '/' ||
	    strlen(argv[1]) >= sizeof(parent)) {
		fprintf(stderr, "usage: bench-cgmove PARENT RUNS (PARENT: a cgroup below each hierarchy's root)\n");
		return 2;
	}
	snprintf(parent, sizeof(parent), "%s", argv[1]);
	if (cgroup_layout_open(&layout, &e) < 0) {
		fprintf(stderr, "bench-cgmove: %s\n", e.msg);
		return 1;
	}
	if (leaf_make() < 0) {
		leaf_remove();
		return 1;
	}
	for (size_t i = 0; i < layout.n; i++)
		if (layout.h[i].v2)
			v2 = leaf[i];
	printf("### One process moved into a cgroup in each of the %zu hierarchies, each move after a quiet moment, %d "
	       "runs each (ms)\n\n| how | median | p95 | runs |\n| --- | --- | --- | --- |\n",
	       layout.n, runs);
	for (enum how how = NONE; how <= CLONE3; how++) {
		int n = 0;
		for (int r = 0; r < runs; r++) {
			double t;
			usleep(QUIET_US);
			t = one(how, v2);
			if (t >= 0)
				ms[n++] = t;
		}
		qsort(ms, (size_t)n, sizeof(ms[0]), by_value);
		if (n == 0)
			printf("| %s | failed | | %d |\n", label[how], runs);
		else
			printf("| %s | %.2f | %.2f | %d |\n", label[how], ms[(n - 1) / 2], ms[(n * 95 + 99) / 100 - 1],
			       n);
	}
	leaf_remove();
	return 0;
}
