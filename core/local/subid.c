/* subid.c - the user's subordinate id ranges: looked up through libsubid, checked, assigned. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <shadow/subid.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "core.h"

#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"
#define SUBID_FILE_MAX (4 << 20)
#define USERMOD "/usr/sbin/usermod"

static bool overlaps(struct idrange a, struct idrange b)
{
	uint64_t a_end = (uint64_t)a.start + a.count, b_end = (uint64_t)b.start + b.count;
	return a.start < b_end && b.start < a_end;
}

/* "owner:start:count" -> fields; false for a line that is not one. */
static bool parse_entry(char *line, char **ret_owner, struct idrange *ret)
{
	char *start = strchr(line, ':'), *count, *end;
	unsigned long long s, c;

	if (!start)
		return false;
	*start++ = '\0';
	count = strchr(start, ':');
	if (!count)
		return false;
	*count++ = '\0';
	errno = 0;
	s = strtoull(start, &end, 10);
	if (errno || *end || start[0] < '0' || start[0] > '9' || s > UINT32_MAX)
		return false;
	c = strtoull(count, &end, 10);
	if (errno || *end || count[0] < '0' || count[0] > '9' || c > UINT32_MAX || c == 0)
		return false;
	*ret_owner = line;
	*ret = (struct idrange){ (uint32_t)s, (uint32_t)c };
	return true;
}

static bool owner_is(const char *owner, const char *user, uid_t uid)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", (unsigned)uid);
	return strcmp(owner, user) == 0 || strcmp(owner, num) == 0;
}

/*
 * Is range r, of user (uid), overlapped by another owner's entry in an
 * /etc/subuid-style text? 1 with the owner's name copied out, 0 if not.
 */
int subid_find_conflict(const char *text, const char *user, uid_t uid, struct idrange r, char *owner, size_t owner_size)
{
	__do_free char *copy = strdup(text);
	char *save = NULL, *line;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct idrange other;
		char *who;

		if (!parse_entry(line, &who, &other) || owner_is(who, user, uid))
			continue;
		if (overlaps(r, other)) {
			snprintf(owner, owner_size, "%s", who);
			return 1;
		}
	}
	return 0;
}

/* The lowest start >= min, aligned to count, free in both texts. */
int subid_find_free(const char *subuid_text, const char *subgid_text, uint32_t min, uint32_t count, uint32_t *ret_start)
{
	char owner[64];

	for (uint64_t s = (min + (uint64_t)count - 1) / count * count; s + count <= UINT32_MAX; s += count) {
		struct idrange r = { (uint32_t)s, count };
		int a = subid_find_conflict(subuid_text, "", (uid_t)-1, r, owner, sizeof(owner));
		int b = subid_find_conflict(subgid_text, "", (uid_t)-1, r, owner, sizeof(owner));

		if (a < 0 || b < 0)
			return -ENOMEM;
		if (!a && !b) {
			*ret_start = (uint32_t)s;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Read a root-owned /etc/sub[ug]id (missing: empty). */
static int read_subid_file(const char *path, char **ret)
{
	__do_close int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	__do_free char *buf = NULL;
	struct stat st;
	size_t len = 0;

	if (fd < 0 && errno == ENOENT) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) || st.st_size > SUBID_FILE_MAX)
		return -EPERM;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = move_ptr(buf);
	return 0;
}

/* A real account's uid or gid inside the range would let container ids act as that account. */
static int real_id_in_range(struct idrange r, bool gids, char *who, size_t size)
{
	int found = 0;

	if (gids) {
		struct group *gr;
		setgrent();
		while (!found && (gr = getgrent()))
			if (gr->gr_gid >= r.start && gr->gr_gid - r.start < r.count && (found = 1))
				snprintf(who, size, "group %s (gid %u)", gr->gr_name, (unsigned)gr->gr_gid);
		endgrent();
	} else {
		struct passwd *pw;
		setpwent();
		while (!found && (pw = getpwent()))
			if (pw->pw_uid >= r.start && pw->pw_uid - r.start < r.count && (found = 1))
				snprintf(who, size, "user %s (uid %u)", pw->pw_name, (unsigned)pw->pw_uid);
		endpwent();
	}
	return found;
}

/* Does an /etc/subgid-style file have a line owned by this uid as a number? */
static bool uid_owned_line(const char *file, uid_t uid)
{
	__do_free char *text = NULL;
	char *save = NULL, *line, num[16];

	snprintf(num, sizeof(num), "%u:", (unsigned)uid);
	if (read_subid_file(file, &text) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, num, strlen(num)) == 0)
			return true;
	return false;
}

/* A number naming the owner of an /etc/subgid line that is the user's gid, not their uid: libsubid
 * lists the line as theirs (it reads the number as a gid), newgidmap refuses it (it reads a uid). */
static bool owned_by_gid_number(const char *who, const char *user, gid_t gid)
{
	struct group *gr = getgrnam(user);
	char num[16];

	snprintf(num, sizeof(num), "%u", (unsigned)gid);
	if (strcmp(who, num) == 0)
		return true;
	snprintf(num, sizeof(num), "%u", gr ? (unsigned)gr->gr_gid : (unsigned)-1);
	return gr && strcmp(who, num) == 0;
}

static int pick_range(const char *user, uid_t uid, gid_t gid, bool gids, const char *file, struct idrange *ret,
		      struct core_err *e)
{
	const char *kind = gids ? "gid" : "uid";
	struct subid_range *ranges = NULL;
	__do_free char *text = NULL;
	struct idrange r = { 0, 0 };
	char who[128];
	int n, k;

	n = gids ? subid_get_gid_ranges(user, &ranges) : subid_get_uid_ranges(user, &ranges);
	for (int i = 0; i < n; i++) {
		if (ranges[i].count >= SUBID_MIN_COUNT && ranges[i].start <= UINT32_MAX &&
		    ranges[i].count <= UINT32_MAX - ranges[i].start) {
			r = (struct idrange){ (uint32_t)ranges[i].start, SUBID_MIN_COUNT };
			break;
		}
	}
	free(ranges);
	if (r.count == 0 && gids && uid_owned_line(file, uid))
		return core_fail(e, -ENOENT,
				 "%s: a range is owned by '%u', %s's uid: newgidmap takes that, but shadow's libsubid "
				 "reads a number there as a group's gid and does not find it; write '%s' instead",
				 file, (unsigned)uid, user, user);
	if (r.count == 0)
		return core_fail(
			e, -ENOENT,
			"%s has no subordinate %s range of at least %d in %s (fix: lxloginctl subid assign %s)", user,
			kind, SUBID_MIN_COUNT, file, user);
	if (r.start == 0)
		return core_fail(e, -EPERM, "%s's subordinate %s range %" PRIu32 "-%" PRIu32 " contains 0 (refused)",
				 user, kind, r.start, r.start + r.count - 1);
	k = read_subid_file(file, &text);
	if (k < 0)
		return core_fail(e, k, "%s: cannot be read safely: %s", file, strerror(-k));
	k = subid_find_conflict(text, user, uid, r, who, sizeof(who));
	if (k < 0)
		return k;
	if (k > 0 && gids && owned_by_gid_number(who, user, gid))
		return core_fail(e, -EPERM,
				 "%s: the range %" PRIu32 "-%" PRIu32 " names its owner as '%s', %s's gid: newgidmap "
				 "reads a number there as a uid (theirs is %u) and would refuse it; write '%s' or '%u' "
				 "instead",
				 file, r.start, r.start + r.count - 1, who, user, (unsigned)uid, user, (unsigned)uid);
	if (k > 0)
		return core_fail(e, -EPERM,
				 "%s's subordinate %s range %" PRIu32 "-%" PRIu32 " overlaps %s's in %s (refused; give "
				 "each user their own range)",
				 user, kind, r.start, r.start + r.count - 1, who, file);
	if (real_id_in_range(r, gids, who, sizeof(who)))
		return core_fail(e, -EPERM, "%s's subordinate %s range %" PRIu32 "-%" PRIu32 " contains %s (refused)",
				 user, kind, r.start, r.start + r.count - 1, who);
	*ret = r;
	return 0;
}

/*
 * The user's first subordinate uid and gid ranges of at least 65536 ids,
 * refused if a range contains 0, a real account's id, or overlaps another
 * owner's range: two users must never share ids.
 */
int subid_user_ranges(const char *user, uid_t uid, gid_t gid, struct idrange *ret_uids, struct idrange *ret_gids,
		      struct core_err *e)
{
	static FILE *devnull;
	int r;

	if (!devnull) { /* once per process: libsubid keeps (and leaks on a second call) what it is given */
		devnull = fopen("/dev/null", "we");
		subid_init("lxlogin", devnull);
	}
	r = pick_range(user, uid, gid, false, SUBUID_FILE, ret_uids, e);
	if (r == 0)
		r = pick_range(user, uid, gid, true, SUBGID_FILE, ret_gids, e);
	return r;
}

/* Give the user a free 65536-id range in both files with shadow's usermod. */
int subid_assign(const char *user, struct core_err *e)
{
	__do_free char *uids = NULL, *gids = NULL;
	char range[64], who[128];
	struct passwd *pw = getpwnam(user);
	struct idrange have_u, have_g;
	uint32_t start = 100000;
	int r, status;
	pid_t pid;

	if (!pw)
		return core_fail(e, -ENOENT, "%s: no such user", user);
	if (subid_user_ranges(user, pw->pw_uid, pw->pw_gid, &have_u, &have_g, e) == 0)
		return core_fail(
			e, -EEXIST, "%s already has uids %" PRIu32 "-%" PRIu32 " and gids %" PRIu32 "-%" PRIu32, user,
			have_u.start, have_u.start + have_u.count - 1, have_g.start, have_g.start + have_g.count - 1);
	r = read_subid_file(SUBUID_FILE, &uids);
	if (r == 0)
		r = read_subid_file(SUBGID_FILE, &gids);
	if (r < 0)
		return core_fail(e, r, "cannot read %s or %s: %s", SUBUID_FILE, SUBGID_FILE, strerror(-r));
	for (;;) {
		struct idrange cand;
		r = subid_find_free(uids, gids, start, SUBID_MIN_COUNT, &start);
		if (r < 0)
			return core_fail(e, r, "no free subordinate range of %d ids", SUBID_MIN_COUNT);
		cand = (struct idrange){ start, SUBID_MIN_COUNT };
		if (!real_id_in_range(cand, false, who, sizeof(who)) && !real_id_in_range(cand, true, who, sizeof(who)))
			break;
		start += SUBID_MIN_COUNT;
	}
	snprintf(range, sizeof(range), "%" PRIu32 "-%" PRIu32, start, start + SUBID_MIN_COUNT - 1);
	pid = fork();
	if (pid < 0)
		return core_fail(e, -errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *const argv[] = { (char *)USERMOD, (char *)"--add-subuids",
				       range,		(char *)"--add-subgids",
				       range,		(char *)"--",
				       (char *)user,	NULL };
		char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		execve(USERMOD, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return core_fail(e, -errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return core_fail(e, -EIO, "%s --add-subuids %s --add-subgids %s %s failed", USERMOD, range, range,
				 user);
	return 0;
}
