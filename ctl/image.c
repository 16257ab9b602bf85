/*
 * image.c - the image store: STATE/images/<name>/{rootfs,image.conf}.
 *
 * A build or import fills STATE/images/.build-<name> and renames it into
 * place, so an image is either all there under its name or not at all. The
 * builder (lxlogin-mkimage) runs as the init of its own pid and mount
 * namespace, tied to lxloginctl by PR_SET_PDEATHSIG: if lxloginctl is killed,
 * every process of the build dies and every mount it made goes with it. The
 * store lock (images/.lock) is inherited by the builder, so it is free only
 * once the last of them is gone; the next build or removal then clears what
 * an interrupted one left.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "cleanup.h"
#include "config.h"
#include "image.h"

#define IMAGE_META "image.conf"
#define IMAGE_TREE_DEPTH 256
#define MKIMAGE LXLOGIN_LIBEXEC_DIR "/lxlogin-mkimage"

/* Debian package names (policy 5.6.1), comma-separated; "" is valid. */
bool image_packages_valid(const char *list)
{
	for (const char *p = list; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.' ||
		      *p == ','))
			return false;
	return strlen(list) < 1024;
}

static bool suite_valid(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

static bool mirror_valid(const char *m)
{
	if (strncmp(m, "http://", 7) != 0 && strncmp(m, "https://", 8) != 0 && strncmp(m, "file:///", 8) != 0)
		return false;
	for (const char *p = m; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return strlen(m) < 512;
}

/* images/.lock, exclusive: one build or removal at a time. Not close-on-exec: the builder holds it too. */
static int store_lock(int images, struct core_err *e)
{
	__do_close int fd = openat(images, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW, 0600);

	if (fd < 0)
		return core_fail(e, -errno, "image store lock: %s", strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return core_fail(e, -errno, "image store lock: %s", strerror(errno));
		fprintf(stderr, "lxloginctl: waiting for another image build or removal to finish\n");
		if (flock(fd, LOCK_EX) < 0)
			return core_fail(e, -errno, "image store lock: %s", strerror(errno));
	}
	return move_fd(fd);
}

/* Under the store lock, any .build-*, .remove-* or .publish-* entry was left by an interrupted run. */
static void store_clear_leftovers(int images)
{
	__do_close int fd = openat(images, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!d)
		return;
	fd = -EBADF;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".build-", 7) == 0 || strncmp(de->d_name, ".remove-", 8) == 0 ||
		    strncmp(de->d_name, ".publish-", 9) == 0) {
			int r = tree_remove(dirfd(d), de->d_name, IMAGE_TREE_DEPTH);
			if (r < 0)
				fprintf(stderr, "lxloginctl: cannot clear %s/images/%s: %s\n", LXLOGIN_STATE_DIR,
					de->d_name, strerror(-r));
			else
				fprintf(stderr, "lxloginctl: cleared %s, left by an interrupted run\n", de->d_name);
		}
	closedir(d);
}

/* STATE/images, with the store's lock held in *ret_lock and what an interrupted run left cleared. */
static int store_open(int *ret_lock, struct core_err *e)
{
	__do_close int images = state_dir_open("images", 0755, e);

	if (images < 0)
		return images;
	*ret_lock = store_lock(images, e);
	if (*ret_lock < 0)
		return *ret_lock;
	store_clear_leftovers(images);
	return move_fd(images);
}

/*
 * Run lxlogin-mkimage as the init of a new pid and mount namespace. Whatever
 * happens to lxloginctl, the build's processes and mounts do not outlive it.
 */
static int run_builder(char *const argv[], struct core_err *e)
{
	static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "HOME=/root",
				     "DEBIAN_FRONTEND=noninteractive", NULL };
	pid_t parent = getpid(), pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return core_fail(e, -errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		pid_t init;

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			fprintf(stderr, "lxloginctl: builder namespaces: %s\n", strerror(errno));
			_exit(127);
		}
		init = fork();
		if (init == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
			    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
				fprintf(stderr, "lxloginctl: builder /proc: %s\n", strerror(errno));
				_exit(127);
			}
			execve(MKIMAGE, argv, env);
			fprintf(stderr, "lxloginctl: %s: %s\n", MKIMAGE, strerror(errno));
			_exit(127);
		}
		if (init < 0)
			_exit(127);
		while (waitpid(init, &status, 0) < 0)
			if (errno != EINTR)
				_exit(127);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return core_fail(e, -errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return core_fail(e, -EIO, "%s failed (exit %d): see its messages above", MKIMAGE,
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

/* What every image needs: an init for LXC to start, a shell to log in to, the account files. */
static int rootfs_verify(int rootfs, struct core_err *e)
{
	static const struct {
		const char *path;
		bool exec;
	} need[] = { { "sbin/init", true }, { "bin/sh", true }, { "etc/passwd", false }, { "etc/group", false } };
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		int r = tree_stat(rootfs, need[i].path, &st);
		if (r < 0 || !S_ISREG(st.st_mode) || (need[i].exec && !(st.st_mode & 0111)))
			return core_fail(e, -EINVAL, "the rootfs has no /%s%s: not an image lxlogin can start",
					 need[i].path, need[i].exec ? " (an executable file)" : "");
	}
	return 0;
}

/* VALUE of KEY=VALUE (quotes dropped) in an os-release text, or "". */
static void os_release_get(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	out[0] = '\0';
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, klen) != 0 || l[klen] != '=')
			continue;
		const char *v = l + klen + 1;
		size_t n = strcspn(v, "\n");
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
			v++, n -= 2;
		snprintf(out, size, "%.*s", (int)n, v);
		for (char *p = out; *p; p++)
			if ((unsigned char)*p < ' ')
				*p = ' ';
		return;
	}
}

static unsigned long long walk_bytes, walk_files;
static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path, (void)type, (void)ftw;
	walk_bytes += (unsigned long long)st->st_blocks * 512;
	walk_files++;
	return 0;
}

/* image.conf: what the image is, where it came from, when, and how big. */
static int meta_write(int dir, const char *name, int rootfs, const char *rootfs_path, const struct image_source *src,
		      struct core_err *e)
{
	static const char *const kinds[] = {
		[IMAGE_DEBIAN] = "debian", [IMAGE_BUSYBOX] = "busybox", [IMAGE_IMPORT] = "import"
	};
	__do_free char *os = NULL, *text = NULL;
	char id[64], version[64], pretty[128], built[32], source[1200];
	time_t now = time(NULL);
	unsigned long long image_id;
	struct tm tm;
	int n, r;

	if (getrandom(&image_id, sizeof(image_id), 0) != sizeof(image_id))
		return core_fail(e, -EIO, "getrandom: %s", strerror(errno));
	if (tree_read(rootfs, "etc/os-release", &os, NULL) < 0 &&
	    tree_read(rootfs, "usr/lib/os-release", &os, NULL) < 0)
		os = NULL;
	os_release_get(os ? os : "", "ID", id, sizeof(id));
	os_release_get(os ? os : "", "VERSION_ID", version, sizeof(version));
	os_release_get(os ? os : "", "PRETTY_NAME", pretty, sizeof(pretty));
	strftime(built, sizeof(built), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	if (src->kind == IMAGE_DEBIAN)
		snprintf(source, sizeof(source), "debootstrap %s %s", src->suite,
			 src->mirror ? src->mirror : "(the host's apt mirror)");
	else if (src->kind == IMAGE_BUSYBOX)
		snprintf(source, sizeof(source), "/bin/busybox of the host");
	else
		snprintf(source, sizeof(source), "%s", strcmp(src->from, "-") == 0 ? "standard input" : src->from);
	walk_bytes = walk_files = 0;
	if (nftw(rootfs_path, walk_one, 32, FTW_PHYS | FTW_MOUNT) < 0)
		return core_fail(e, -errno, "%s: %s", rootfs_path, strerror(errno));
	n = asprintf(&text,
		     "# lxlogin image metadata, written by lxloginctl; see lxloginctl(8)\n"
		     "name = %s\nid = %016llx\nkind = %s\ndistribution = %s\nversion = %s\ndescription = %s\n"
		     "built = %s\nsource = %s\nset = %s\npackages = %s\nsize = %llu\nfiles = %llu\n",
		     name, image_id, kinds[src->kind], id[0] ? id : "unknown", version[0] ? version : "unknown",
		     pretty[0] ? pretty : "-", built, source,
		     src->kind != IMAGE_DEBIAN ? "-"
		     : src->minimal	       ? "minimal"
					       : "server",
		     src->kind == IMAGE_DEBIAN ? src->packages : "", walk_bytes, walk_files);
	if (n < 0)
		return core_fail(e, -ENOMEM, "out of memory");
	r = file_write_atomic(dir, IMAGE_META, text, (size_t)n, 0644, 0, 0);
	if (r < 0)
		return core_fail(e, r, "writing %s: %s", IMAGE_META, strerror(-r));
	return 0;
}

int image_build(const char *name, const struct image_source *src, struct core_err *e)
{
	__do_close int images = -EBADF, lock = -EBADF, dir = -EBADF, rootfs = -EBADF;
	char tmp[POLICY_NAME_MAX + 16], path[1024], size[16];
	struct timespec t0, t1;
	int r;

	if (!policy_name_valid(name))
		return core_fail(e, -EINVAL, "'%.40s' is not a valid image name (letters, digits, _ and -)", name);
	if (src->kind == IMAGE_DEBIAN && !suite_valid(src->suite))
		return core_fail(e, -EINVAL, "'%.40s' is not a Debian suite name", src->suite);
	if (src->kind == IMAGE_DEBIAN && !image_packages_valid(src->packages))
		return core_fail(e, -EINVAL, "--packages: a comma-separated list of Debian package names");
	if (src->kind == IMAGE_DEBIAN && src->mirror && !mirror_valid(src->mirror))
		return core_fail(e, -EINVAL, "--mirror: an http://, https:// or file:/// URL");
	images = store_open(&lock, e);
	if (images < 0)
		return images;
	if (faccessat(images, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return core_fail(e, -EEXIST, "image %s exists (lxloginctl image remove %s first, or use another name)",
				 name, name);
	snprintf(tmp, sizeof(tmp), ".build-%s", name);
	dir = dir_ensure(images, tmp, 0700, 0, 0, tmp, e);
	if (dir < 0)
		return dir;
	snprintf(path, sizeof(path), "%s/images/%s/rootfs", LXLOGIN_STATE_DIR, tmp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	{
		char *kind = src->kind == IMAGE_DEBIAN ? "debian" : src->kind == IMAGE_BUSYBOX ? "busybox" : "import";
		char *argv[] = { "lxlogin-mkimage", kind, path, NULL, NULL, NULL, NULL, NULL };
		if (src->kind == IMAGE_DEBIAN) {
			argv[3] = (char *)src->suite;
			argv[4] = src->minimal ? "minimal" : "server";
			argv[5] = (char *)src->packages;
			argv[6] = (char *)src->mirror;
		} else if (src->kind == IMAGE_IMPORT) {
			argv[3] = (char *)src->from;
		}
		r = run_builder(argv, e);
	}
	rootfs = r < 0 ? -EBADF : openat(dir, "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r == 0 && rootfs < 0)
		r = core_fail(e, -ENOENT, "the builder made no rootfs");
	if (r == 0)
		r = rootfs_verify(rootfs, e);
	if (r == 0) /* best effort: an image without them has no lxlogin-usage inside */
		(void)lxcconf_mount_points(rootfs);
	/* the rootfs is root's and not writable by others, whatever the source said */
	if (r == 0 && (fchownat(dir, "rootfs", 0, 0, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(dir, "rootfs", 0755, 0) < 0))
		r = core_fail(e, -errno, "rootfs: %s", strerror(errno));
	if (r == 0)
		r = meta_write(dir, name, rootfs, path, src, e);
	if (r == 0 && renameat2(images, tmp, images, name, RENAME_NOREPLACE) < 0)
		r = core_fail(e, -errno, "renaming the new image into place: %s", strerror(errno));
	if (r < 0) {
		(void)tree_remove(images, tmp, IMAGE_TREE_DEPTH);
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	human_size(walk_bytes, size, sizeof(size));
	printf("image %s: built in %.1f s, %s in %llu files (%s/images/%s)\n", name,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, size, walk_files,
	       LXLOGIN_STATE_DIR, name);
	return 0;
}

/* The value of "key = value" in an image.conf text, or "-". */
static void meta_get(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	snprintf(out, size, "-");
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, klen) == 0 && strncmp(l + klen, " = ", 3) == 0) {
			snprintf(out, size, "%.*s", (int)strcspn(l + klen + 3, "\n"), l + klen + 3);
			return;
		}
}

/* Users whose layer was made on image `name`: how many, how many run, and their names. */
struct image_users {
	size_t n, running;
	char names[512];
};

static int image_users_of(const char *name, struct image_users *ret, struct core_err *e)
{
	__do_close int users = state_dir_open("users", 0700, e);
	__do_close int dup = -EBADF;
	struct cgroup_layout layout = { 0 };
	struct dirent *de;
	DIR *d;

	memset(ret, 0, sizeof(*ret));
	if (users < 0)
		return users;
	dup = openat(users, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dup < 0 ? NULL : fdopendir(dup);
	if (!d)
		return core_fail(e, -errno, "%s/users: %s", LXLOGIN_STATE_DIR, strerror(errno));
	dup = -EBADF;
	if (cgroup_layout_open(&layout, e) < 0)
		layout.n = 0; /* no cgroups readable: nothing can be running */
	while ((de = readdir(d))) {
		__do_free char *made_on = NULL;
		char rec[sizeof(de->d_name) + 8];

		if (de->d_name[0] == '.' || !policy_name_valid(de->d_name))
			continue;
		snprintf(rec, sizeof(rec), "%s/image", de->d_name);
		if (tree_read(users, rec, &made_on, NULL) < 0)
			continue;
		made_on[strcspn(made_on, " \n")] = '\0';
		if (strcmp(made_on, name) != 0)
			continue;
		ret->n++;
		if (layout.n && cgroup_user_populated(&layout, de->d_name) > 0)
			ret->running++;
		size_t len = strlen(ret->names);
		snprintf(ret->names + len, sizeof(ret->names) - len, "%s%s", len ? ", " : "", de->d_name);
	}
	closedir(d);
	cgroup_layout_close(&layout);
	return 0;
}

int image_list(struct core_err *e)
{
	__do_close int images = state_dir_open("images", 0755, e);
	struct dirent **list = NULL;
	int n;

	if (images < 0)
		return images;
	n = scandirat(images, ".", &list, NULL, alphasort);
	if (n < 0)
		return core_fail(e, -errno, "%s/images: %s", LXLOGIN_STATE_DIR, strerror(errno));
	printf("%-16s %-12s %-10s %8s  %-20s %s\n", "NAME", "DISTRIBUTION", "VERSION", "SIZE", "BUILT", "USERS");
	for (int i = 0; i < n; i++) {
		__do_free char *meta = NULL;
		char file[sizeof(list[i]->d_name) + 16], dist[64], version[64], bytes[32], built[32], size[16],
			users[48];
		struct image_users iu;
		const char *nm = list[i]->d_name;

		if (nm[0] != '.' && policy_name_valid(nm)) {
			snprintf(file, sizeof(file), "%s/%s", nm, IMAGE_META);
			if (tree_read(images, file, &meta, NULL) < 0)
				meta = strdup(""); /* made by hand: no metadata */
			meta_get(meta ? meta : "", "distribution", dist, sizeof(dist));
			meta_get(meta ? meta : "", "version", version, sizeof(version));
			meta_get(meta ? meta : "", "size", bytes, sizeof(bytes));
			meta_get(meta ? meta : "", "built", built, sizeof(built));
			if (strcmp(bytes, "-") != 0)
				human_size(strtoull(bytes, NULL, 10), size, sizeof(size));
			else
				snprintf(size, sizeof(size), "-");
			if (image_users_of(nm, &iu, e) < 0)
				snprintf(users, sizeof(users), "?");
			else if (iu.running)
				snprintf(users, sizeof(users), "%zu (%zu running)", iu.n, iu.running);
			else
				snprintf(users, sizeof(users), "%zu", iu.n);
			printf("%-16s %-12s %-10s %8s  %-20s %s\n", nm, dist, version, size, built, users);
		}
		free(list[i]);
	}
	free(list);
	return 0;
}

/*
 * Remove an image: never while a container runs on it or is being started on
 * it (the start holds a shared flock on the image's directory); while users'
 * stopped layers were made on it only with force. The image is renamed away
 * first, under both locks, then deleted.
 */
int image_remove(const char *name, bool force, struct core_err *e)
{
	__do_close int images = -EBADF, lock = -EBADF, image = -EBADF;
	struct image_users iu;
	char gone[POLICY_NAME_MAX + 16];
	int r;

	if (!policy_name_valid(name))
		return core_fail(e, -EINVAL, "'%.40s' is not a valid image name", name);
	images = store_open(&lock, e);
	if (images < 0)
		return images;
	image = openat(images, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (image < 0)
		return core_fail(e, -ENOENT, "no image %s (lxloginctl image list shows them)", name);
	if (flock(image, LOCK_EX | LOCK_NB) < 0)
		return core_fail(e, -EBUSY, "image %s: a container is being started on it; try again", name);
	r = image_users_of(name, &iu, e);
	if (r < 0)
		return r;
	if (iu.running)
		return core_fail(e, -EBUSY, "image %s is in use by %zu running container%s (%s): stop %s first", name,
				 iu.running, iu.running == 1 ? "" : "s", iu.names, iu.running == 1 ? "it" : "them");
	if (iu.n && !force)
		return core_fail(e, -EBUSY,
				 "image %s: the layers of %zu user%s were made on it (%s); they could not log in "
				 "until reset. --force removes it anyway",
				 name, iu.n, iu.n == 1 ? "" : "s", iu.names);
	snprintf(gone, sizeof(gone), ".remove-%s", name);
	if (renameat2(images, name, images, gone, RENAME_NOREPLACE) < 0)
		return core_fail(e, -errno, "image %s: %s", name, strerror(errno));
	r = tree_remove(images, gone, IMAGE_TREE_DEPTH);
	if (r < 0)
		return core_fail(e, r, "image %s is gone from the store but %s/images/%s is left: %s", name,
				 LXLOGIN_STATE_DIR, gone, strerror(-r));
	printf("image %s removed\n", name);
	return 0;
}

/*
 * backend = lxd: the store's image NAME into LXD as lxlogin/NAME, replacing
 * one published before (instances made from it keep their copy). A unified
 * tarball: metadata.yaml, and rootfs/ with lxlogin-identity added at
 * /usr/libexec/lxlogin/ (what the backend runs inside at a first start) and
 * lxlogin-sshd at /usr/bin/ (in place of the local backend's mount point).
 */
int image_publish(const char *name, struct core_err *e)
{
	__do_close int images = -EBADF, lock = -EBADF, dir = -EBADF;
	struct policy_values site;
	struct policy_diag diag = { 0 };
	char tmp[POLICY_NAME_MAX + 16], from[512], work[512], tarball[600], meta[512];
	char *tar[] = { "/usr/bin/tar",
			"--numeric-owner",
			"--xattrs",
			"-cf",
			tarball,
			"--exclude=rootfs/usr/bin/lxlogin-sshd", /* the local backend's mount point */
			"-C",
			from,
			"rootfs",
			"-C",
			work,
			"metadata.yaml",
			"-C",
			LXLOGIN_LIBEXEC_DIR,
			"--owner=0",
			"--group=0",
			"--transform=s,^lxlogin-identity$,rootfs/usr/libexec/lxlogin/lxlogin-identity,",
			"--transform=s,^lxlogin-sshd$,rootfs/usr/bin/lxlogin-sshd,",
			"lxlogin-identity",
			"lxlogin-sshd",
			NULL };
	struct stat st;
	int r, n;

	if (!policy_name_valid(name))
		return core_fail(e, -EINVAL, "'%.40s' is not a valid image name", name);
	r = policy_global_values(LXLOGIN_CONFIG_DIR, &site, &diag);
	policy_diag_free(&diag);
	if (r < 0)
		return core_fail(e, r, "%s/lxlogin.conf has problems (lxloginctl policy check)", LXLOGIN_CONFIG_DIR);
	images = store_open(&lock, e);
	if (images < 0)
		return images;
	snprintf(from, sizeof(from), "%s/images/%s", LXLOGIN_STATE_DIR, name);
	if (fstatat(images, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return core_fail(e, -ENOENT, "no image %s in %s/images (lxloginctl image list)", name,
				 LXLOGIN_STATE_DIR);
	if (stat(LXLOGIN_LIBEXEC_DIR "/lxlogin-identity", &st) < 0 ||
	    stat(LXLOGIN_LIBEXEC_DIR "/lxlogin-sshd", &st) < 0)
		return core_fail(e, -ENOENT, "%s/lxlogin-identity or lxlogin-sshd is missing (reinstall lxlogin)",
				 LXLOGIN_LIBEXEC_DIR);
	snprintf(tmp, sizeof(tmp), ".publish-%s", name);
	dir = dir_ensure(images, tmp, 0700, 0, 0, tmp, e);
	if (dir < 0)
		return dir;
	snprintf(work, sizeof(work), "%s/images/%s", LXLOGIN_STATE_DIR, tmp);
	snprintf(tarball, sizeof(tarball), "%s/image.tar", work);
	n = snprintf(meta, sizeof(meta),
		     "architecture: x86_64\ncreation_date: %lld\nproperties:\n  description: lxlogin image %s\n"
		     "  os: lxlogin\n  release: %s\n",
		     (long long)time(NULL), name, name);
	r = file_write_atomic(dir, "metadata.yaml", meta, (size_t)n, 0644, 0, 0);
	if (r < 0)
		r = core_fail(e, r, "%s/metadata.yaml: %s", work, strerror(-r));
	if (r == 0 && program_run(tar[0], tar, NULL, NULL, 0) < 0)
		r = core_fail(e, -EIO, "tar could not make %s (see its messages above)", tarball);
	if (r == 0)
		r = lxd_image_publish(&site, tarball, name, e);
	(void)tree_remove(images, tmp, 16);
	if (r < 0)
		return r;
	printf("image %s: published into LXD as lxlogin/%s (%s, project %s)\n", name, name, site.lxd_socket,
	       site.lxd_project);
	return 0;
}
