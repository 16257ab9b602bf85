/* test_files.c - policy files and directories refused unless root's alone (real files, real chown). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sys/sysmacros.h>

#include "cleanup.h"
#include "policy.h"
#include "testutil.h"

#define NOBODY 65534

static int setup(void **state)
{
	char *d = tmpdir_make();

	make_dir(d, "etc");
	write_file(d, "etc/lxlogin.conf", "memory = 2G\n");
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	tmpdir_remove(*state);
	return 0;
}

/* Open dir and expect a refusal with exactly msg (or success when msg is NULL). */
static void expect_dir(const char *path, const char *msg)
{
	struct policy_diag diag = { 0 };
	int fd = policy_dir_open(path, &diag);

	if (!msg) {
		if (fd < 0)
			fail_msg("%s refused: %s", path, diag.n_msgs ? diag.msgs[0] : "?");
		close(fd);
		assert_int_equal(diag.count, 0);
	} else {
		assert_true(fd < 0);
		assert_int_equal(diag.n_msgs, 1);
		assert_string_equal(diag.msgs[0], msg);
	}
	policy_diag_free(&diag);
}

static int load(const char *dir, const char *name, struct policy_diag *diag)
{
	__do_close int fd = policy_dir_open(dir, diag);
	__do_free char *path = path_of(dir, name);
	struct policy_file *f = NULL;
	int r;

	assert_true(fd >= 0);
	r = policy_file_load(fd, name, path, POLICY_SCOPE_GLOBAL, &f, diag);
	assert_true(r < 0 ? f == NULL : f != NULL);
	policy_file_free(f);
	return r;
}

static void expect_file(const char *dir, const char *name, int err, const char *why)
{
	struct policy_diag diag = { 0 };
	__do_free char *msg = NULL;

	assert_int_equal(load(dir, name, &diag), err);
	if (why) {
		assert_true(asprintf(&msg, "%s/%s: %s", dir, name, why) > 0);
		assert_int_equal(diag.n_msgs, 1);
		assert_string_equal(diag.msgs[0], msg);
	} else {
		assert_int_equal(diag.count, 0);
	}
	policy_diag_free(&diag);
}

static void dir_trusted(void **state)
{
	__do_free char *etc = path_of(*state, "etc");
	__do_free char *slashes = path_of(*state, "etc//");

	expect_dir(etc, NULL);
	expect_dir(slashes, NULL); /* /tmp (sticky, world-writable) is an acceptable ancestor */
	expect_dir("/", NULL);
	expect_dir("etc", "etc: not an absolute path");
}

/* SECURITY.md case 19: a policy dir not root's, or writable by others, is refused and named. */
static void dir_untrusted(void **state)
{
	__do_free char *etc = path_of(*state, "etc");
	__do_free char *link = path_of(*state, "link");
	__do_free char *via_link = path_of(*state, "link/etc");
	__do_free char *dotdot = path_of(*state, "etc/../etc");
	__do_free char *missing = path_of(*state, "nope");
	__do_free char *msg = NULL;

	assert_int_equal(chown(etc, NOBODY, 0), 0);
	assert_true(asprintf(&msg, "%s: is not owned by root (refused)", etc) > 0);
	expect_dir(etc, msg);
	assert_int_equal(chown(etc, 0, 0), 0);

	free(msg);
	assert_int_equal(chmod(etc, 0775), 0);
	assert_true(asprintf(&msg, "%s: is group or world writable (refused)", etc) > 0);
	expect_dir(etc, msg);
	assert_int_equal(chmod(etc, 01777), 0); /* sticky does not excuse the policy dir itself */
	expect_dir(etc, msg);
	assert_int_equal(chmod(etc, 0755), 0);

	/* an ancestor writable by others without the sticky bit */
	free(msg);
	assert_int_equal(chmod(*state, 0777), 0);
	assert_true(asprintf(&msg, "%s: is group or world writable (refused)", (char *)*state) > 0);
	expect_dir(etc, msg);
	assert_int_equal(chmod(*state, 01777), 0);
	expect_dir(etc, NULL);
	assert_int_equal(chmod(*state, 0755), 0);

	free(msg);
	assert_int_equal(symlink(".", link), 0);
	assert_true(asprintf(&msg, "%s: is a symbolic link (refused)", link) > 0);
	expect_dir(via_link, msg);
	expect_dir(link, msg);

	free(msg);
	assert_true(asprintf(&msg, "%s: '..' is not allowed here", dotdot) > 0);
	expect_dir(dotdot, msg);
	free(msg);
	assert_true(asprintf(&msg, "%s: No such file or directory", missing) > 0);
	expect_dir(missing, msg);
}

/* SECURITY.md cases 19 and 20: files refused by owner, mode, type, size and links. */
static void file_untrusted(void **state)
{
	__do_free char *etc = path_of(*state, "etc");
	__do_free char *conf = path_of(etc, "lxlogin.conf");
	__do_free char *other = path_of(etc, "other.conf");
	__do_free char *fifo = path_of(etc, "fifo.conf");
	__do_free char *dev = path_of(etc, "zero.conf");
	__do_free char *hard = path_of(*state, "hardlink");
	int fd;

	expect_file(etc, "lxlogin.conf", 0, NULL);
	expect_file(etc, "absent.conf", -ENOENT, NULL);

	assert_int_equal(chown(conf, NOBODY, NOBODY), 0);
	expect_file(etc, "lxlogin.conf", -EPERM, "is not owned by root (refused)");
	assert_int_equal(chown(conf, 0, 0), 0);
	assert_int_equal(chmod(conf, 0664), 0);
	expect_file(etc, "lxlogin.conf", -EPERM, "is group or world writable (refused)");
	assert_int_equal(chmod(conf, 0646), 0);
	expect_file(etc, "lxlogin.conf", -EPERM, "is group or world writable (refused)");
	assert_int_equal(chmod(conf, 0600), 0);
	expect_file(etc, "lxlogin.conf", 0, NULL);

	assert_int_equal(link(conf, hard), 0);
	expect_file(etc, "lxlogin.conf", -EPERM, "has more than one hard link (refused)");
	assert_int_equal(unlink(hard), 0);

	assert_int_equal(symlink("lxlogin.conf", other), 0);
	expect_file(etc, "other.conf", -ELOOP, "is a symbolic link (refused)");
	assert_int_equal(unlink(other), 0);
	assert_int_equal(symlink("/dev/zero", other), 0);
	expect_file(etc, "other.conf", -ELOOP, "is a symbolic link (refused)");
	assert_int_equal(unlink(other), 0);

	assert_int_equal(mkfifo(fifo, 0644), 0); /* no writer: a blocking open would hang here */
	expect_file(etc, "fifo.conf", -EINVAL, "is not a regular file (refused)");
	assert_int_equal(mknod(dev, S_IFCHR | 0644, makedev(1, 5)), 0);
	expect_file(etc, "zero.conf", -EINVAL, "is not a regular file (refused)");
	make_dir(etc, "dir.conf");
	expect_file(etc, "dir.conf", -EINVAL, "is not a regular file (refused)");

	/* a 10 GB sparse file is refused by its size, before any read */
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 10LL << 30), 0);
	close(fd);
	expect_file(etc, "other.conf", -EFBIG, "is larger than 65536 bytes (refused)");
	assert_int_equal(unlink(other), 0);
	{
		char line[64];
		FILE *f = fopen(other, "w");
		memset(line, '#', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\n';
		for (int i = 0; i < POLICY_FILE_MAX / (int)sizeof(line); i++)
			fwrite(line, sizeof(line), 1, f);
		fclose(f);
	}
	expect_file(etc, "other.conf", 0, NULL); /* exactly at the cap */
	{
		FILE *f = fopen(other, "a"); /* one byte over */
		fputc('\n', f);
		fclose(f);
	}
	expect_file(etc, "other.conf", -EFBIG, "is larger than 65536 bytes (refused)");
}

static void subdir(void **state)
{
	__do_free char *etc = path_of(*state, "etc");
	__do_free char *users = path_of(etc, "users.d");
	struct policy_diag diag = { 0 };
	__do_close int fd = policy_dir_open(etc, &diag);
	int sub;

	assert_true(fd >= 0);
	assert_int_equal(policy_subdir_open(fd, "users.d", users, &diag), -ENOENT);
	assert_int_equal(diag.count, 0);
	make_dir(etc, "users.d");
	assert_int_equal(chown(users, 1000, 0), 0);
	assert_int_equal(policy_subdir_open(fd, "users.d", users, &diag), -EPERM);
	assert_int_equal(diag.count, 1);
	assert_int_equal(chown(users, 0, 0), 0);
	sub = policy_subdir_open(fd, "users.d", users, &diag);
	assert_true(sub >= 0);
	close(sub);
	assert_int_equal(diag.count, 1);
	policy_diag_free(&diag);
}

static void listing(void **state)
{
	__do_free char *etc = path_of(*state, "etc");
	struct policy_diag diag = { 0 };
	__do_close int fd = -EBADF;
	char **names = NULL;

	make_dir(etc, "groups.d");
	write_file(etc, "groups.d/staff.conf", "\n");
	write_file(etc, "groups.d/admins.conf", "\n");
	write_file(etc, "groups.d/.hidden.conf", "\n");
	write_file(etc, "groups.d/notes.txt", "\n");
	write_file(etc, "groups.d/staff.conf.dpkg-old", "\n");
	write_file(etc, "groups.d/.conf", "\n");
	fd = policy_dir_open(etc, &diag);
	assert_true(fd >= 0);
	{
		__do_close int g = openat(fd, "groups.d", O_PATH | O_CLOEXEC);
		assert_int_equal(policy_dir_list(g, &names), 2);
	}
	assert_string_equal(names[0], "admins.conf");
	assert_string_equal(names[1], "staff.conf");
	assert_null(names[2]);
	policy_strv_free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(dir_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(dir_untrusted, setup, teardown),
		cmocka_unit_test_setup_teardown(file_untrusted, setup, teardown),
		cmocka_unit_test_setup_teardown(subdir, setup, teardown),
		cmocka_unit_test_setup_teardown(listing, setup, teardown),
	};
	if (geteuid() != 0) {
		printf("SKIPPED test: test_files needs root (chown, mknod)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
