/* layer.c - the user's writable layer: made once, empty but for their identity inside. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "core.h"
#include "testhooks.h"

/* A file of the image ("" if it has none), links resolved inside the image only; its gid too if asked. */
static int image_read_gid(int image_root, const char *path, char **ret, gid_t *ret_gid)
{
	int r = tree_read(image_root, path, ret, ret_gid);

	if (r == -ENOENT) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	return r;
}

static int image_read(int image_root, const char *path, char **ret)
{
	return image_read_gid(image_root, path, ret, NULL);
}

static bool image_has(int image_root, const char *path)
{
	struct stat st;
	return tree_stat(image_root, path, &st) == 0;
}

/* The image's passwd/group text without lines for this name or id, plus ours. */
static char *with_entry(const char *text, const char *name, unsigned id, const char *entry)
{
	size_t cap = strlen(text) + strlen(entry) + 2, n = 0;
	char *out = malloc(cap), idfield[16];
	const char *line = text;

	if (!out)
		return NULL;
	snprintf(idfield, sizeof(idfield), ":%u:", id);
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		const char *c1 = memchr(line, ':', len),
			   *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 - line) - 1) : NULL;
		bool same_name = c1 && (size_t)(c1 - line) == strlen(name) && strncmp(line, name, strlen(name)) == 0;
		bool same_id = c2 && strncmp(c2, idfield, strlen(idfield)) == 0;

		if (!same_name && !same_id) {
			memcpy(out + n, line, len);
			n += len;
			if (!nl)
				out[n++] = '\n';
		}
		line += len;
	}
	n += (size_t)snprintf(out + n, cap - n, "%s", entry);
	out[n] = '\0';
	return out;
}

/* home = container: the home directory, the user's own, inside the layer (parents root's inside). */
static int make_home(const struct core_user *u, int upper, struct core_err *e)
{
	__do_free char *copy = strdup(u->acct.home);
	__do_close int fd = -EBADF;
	char *save = NULL, *comp, *next;
	int dir = upper;

	if (!copy)
		return -ENOMEM;
	if (!home_is_valid(copy))
		return core_fail(e, -EINVAL, "home %s of %s is not a plain absolute path", u->acct.home, u->acct.name);
	for (comp = strtok_r(copy, "/", &save); comp; comp = next) {
		int sub;
		next = strtok_r(NULL, "/", &save);
		sub = next ? dir_ensure(dir, comp, 0755, u->uids.start, u->gids.start, "layer home parent", e)
			   : dir_ensure(dir, comp, 0700, u->acct.uid, u->acct.gid, "layer home", e);
		if (sub < 0)
			return sub;
		if (fd >= 0)
			close(fd);
		dir = fd = sub;
	}
	return 0;
}

/* Write the user's identity into a fresh upper dir: passwd, group, sudoers if root = yes, home if kept inside. */
static int write_identity(const struct core_user *u, int image_root, int upper, struct core_err *e)
{
	const struct policy_account *a = &u->acct;
	__do_free char *passwd = NULL, *group = NULL, *new_passwd = NULL, *new_group = NULL;
	__do_close int etc = -EBADF;
	uid_t croot = u->uids.start;
	gid_t cgroot = u->gids.start;
	const char *shell = image_has(image_root, "bin/bash") ? "/bin/bash" : "/bin/sh";
	const char *group_name = a->groups && a->groups[0] ? a->groups[0] : a->name;
	char entry[1024];
	int r;

	if (image_read(image_root, "etc/passwd", &passwd) < 0 || image_read(image_root, "etc/group", &group) < 0)
		return core_fail(e, -EINVAL, "image %s: /etc/passwd or /etc/group cannot be read",
				 u->policy.values.image);
	snprintf(entry, sizeof(entry), "%s:x:%u:%u::%s:%s\n", a->name, (unsigned)a->uid, (unsigned)a->gid, a->home,
		 shell);
	new_passwd = with_entry(passwd, a->name, (unsigned)a->uid, entry);
	snprintf(entry, sizeof(entry), "%s:x:%u:\n", group_name, (unsigned)a->gid);
	new_group = with_entry(group, group_name, (unsigned)a->gid, entry);
	if (!new_passwd || !new_group)
		return -ENOMEM;
	etc = dir_ensure(upper, "etc", 0755, croot, cgroot, "layer etc", e);
	if (etc < 0)
		return etc;
	r = file_write_new(etc, "passwd", new_passwd, strlen(new_passwd), 0644, croot, cgroot);
	if (!r)
		r = file_write_new(etc, "group", new_group, strlen(new_group), 0644, croot, cgroot);
	if (!r) { /* systemd sets the hostname from /etc/hostname; sudo wants it in /etc/hosts */
		snprintf(entry, sizeof(entry), "%s\n", u->hostname);
		r = file_write_new(etc, "hostname", entry, strlen(entry), 0644, croot, cgroot);
	}
	if (!r) {
		snprintf(entry, sizeof(entry),
			 "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n",
			 u->hostname);
		r = file_write_new(etc, "hosts", entry, strlen(entry), 0644, croot, cgroot);
	}
	if (!r &&
	    image_has(image_root, "etc/shadow")) { /* a locked password: PAM account checks pass, no login by it */
		__do_free char *shadow = NULL, *new_shadow = NULL;
		gid_t shadow_gid = 0;
		if (image_read_gid(image_root, "etc/shadow", &shadow, &shadow_gid) < 0)
			return core_fail(e, -EINVAL, "image %s: /etc/shadow cannot be read", u->policy.values.image);
		snprintf(entry, sizeof(entry), "%s:*:19000:0:99999:7:::\n", a->name);
		new_shadow = with_entry(shadow, a->name, (unsigned)-1, entry);
		if (!new_shadow)
			return -ENOMEM;
		r = file_write_new(etc, "shadow", new_shadow, strlen(new_shadow), 0640, croot,
				   (gid_t)(cgroot + (shadow_gid < u->gids.count ? shadow_gid : 0)));
	}
	if (!r && u->policy.values.root) {
		__do_close int sudoers = dir_ensure(etc, "sudoers.d", 0755, croot, cgroot, "layer sudoers.d", e);
		snprintf(entry, sizeof(entry), "# lxlogin: root = yes in the policy\n%s ALL=(ALL:ALL) NOPASSWD: ALL\n",
			 a->name);
		r = sudoers < 0 ? sudoers
				: file_write_new(sudoers, "lxlogin", entry, strlen(entry), 0440, croot, cgroot);
		if (!r)
			r = dir_sync(sudoers);
	}
	if (!r)
		r = dir_sync(etc);
	if (r < 0)
		return core_fail(e, r, "writing the identity of %s into the layer: %s", a->name, strerror(-r));
	if (u->policy.values.home == POLICY_HOME_CONTAINER)
		return make_home(u, upper, e);
	return 0;
}

/*
 * An image's identity: its name and the id its build wrote in image.conf
 * ("id = HEX"), so that an image removed and built again under the same name
 * is another image. "-" for an image made by hand, without metadata.
 */
static void image_identity(const struct core_user *u, int image_dir, char *buf, size_t size)
{
	__do_free char *meta = NULL;
	const char *id = NULL;

	if (tree_read(image_dir, "image.conf", &meta, NULL) == 0) {
		id = strncmp(meta, "id = ", 5) == 0 ? meta : strstr(meta, "\nid = ");
		if (id)
			id += id == meta ? 5 : 6;
	}
	snprintf(buf, size, "%s %.*s", u->policy.values.image, id ? (int)strcspn(id, " \n") : 1, id ? id : "-");
}

static int image_record_write(const struct core_user *u, int layer, const char *identity, struct core_err *e)
{
	char line[POLICY_NAME_MAX + 80];
	int n = snprintf(line, sizeof(line), "%s\n", identity);
	int r = file_write_atomic(layer, "image", line, (size_t)n, 0644, 0, 0);

	return r < 0 ? core_fail(e, r, "layer of %s: writing its image record: %s", u->acct.name, strerror(-r)) : 0;
}

/*
 * STATE/users/<user>/image records the image the layer was made on ("NAME
 * ID"). A layer is a diff against that image: on another image, or another
 * build of one with the same name, its files would mix with the new image's,
 * so the start is refused until the admin resets the user. A layer made
 * before the record existed adopts the current image.
 */
static int image_record_check(const struct core_user *u, int layer, const char *identity, struct core_err *e)
{
	const char *image = u->policy.values.image, *name = u->acct.name;
	__do_free char *made_on = NULL;
	size_t len;
	int r = tree_read(layer, "image", &made_on, NULL);

	if (r == -ENOENT)
		return image_record_write(u, layer, identity, e);
	if (r < 0)
		return core_fail(e, r, "layer of %s: cannot read its image record: %s", name, strerror(-r));
	made_on[strcspn(made_on, "\n")] = '\0';
	if (strcmp(made_on, identity) == 0)
		return 0;
	len = strcspn(made_on, " ");
	if (strlen(image) != len || strncmp(made_on, image, len) != 0)
		return core_fail(e, -ESTALE,
				 "the layer of %s was made on image '%.*s' but the policy now gives image '%s': "
				 "refused, so that the two images' files never mix; 'lxloginctl reset %s' archives "
				 "the layer and the next start begins fresh on '%s'",
				 name, (int)len, made_on, image, name, image);
	if (!made_on[len]) /* a record from before builds had ids */
		return image_record_write(u, layer, identity, e);
	return core_fail(e, -ESTALE,
			 "the layer of %s was made on another build of image '%s' (id %s; now %s): refused, so "
			 "that the two builds' files never mix; 'lxloginctl reset %s' archives the layer",
			 name, image, made_on + len + 1, identity + len + 1, name);
}

/* A decimal number of at most UINT32_MAX at *s; *s moves past it. */
static bool parse_u32(const char **s, uint32_t *ret)
{
	uint64_t v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return false;
	*ret = (uint32_t)v;
	*s = p;
	return true;
}

static bool parse_field(const char **s, const char *key, uint32_t *a, uint32_t *b)
{
	size_t n = strlen(key);

	if (strncmp(*s, key, n) != 0)
		return false;
	*s += n;
	if (!parse_u32(s, a))
		return false;
	if (b && (*(*s)++ != ':' || !parse_u32(s, b)))
		return false;
	if (**s == ' ')
		(*s)++;
	return true;
}

/*
 * STATE/users/<user>/account: the account the layer was made for, "uid=U
 * gid=G subuid=START:COUNT subgid=START:COUNT". Its files inside belong to
 * that uid and that range; a later account of the same name (userdel, then
 * useradd) is another person.
 */
int layer_account_read(const char *name, struct layer_account *ret)
{
	__do_close int users = -EBADF;
	__do_free char *text = NULL;
	struct core_err ignored;
	char path[POLICY_NAME_MAX + 16];
	const char *s;
	uint32_t uid, gid;

	users = state_dir_open("users", 0700, &ignored);
	snprintf(path, sizeof(path), "%s/account", name);
	if (users < 0 || tree_read(users, path, &text, NULL) < 0)
		return -ENOENT;
	s = text;
	if (!parse_field(&s, "uid=", &uid, NULL) || !parse_field(&s, "gid=", &gid, NULL) ||
	    !parse_field(&s, "subuid=", &ret->uids.start, &ret->uids.count) ||
	    !parse_field(&s, "subgid=", &ret->gids.start, &ret->gids.count) || (*s && *s != '\n'))
		return -EINVAL;
	ret->uid = (uid_t)uid;
	ret->gid = (gid_t)gid;
	return 0;
}

static void account_format(const struct core_user *u, char *buf, size_t size)
{
	snprintf(buf, size, "uid=%u gid=%u subuid=%u:%u subgid=%u:%u\n", (unsigned)u->acct.uid, (unsigned)u->acct.gid,
		 u->uids.start, u->uids.count, u->gids.start, u->gids.count);
}

static int account_record_write(const struct core_user *u, int layer, struct core_err *e)
{
	char line[128];
	int r;

	account_format(u, line, sizeof(line));
	r = file_write_atomic(layer, "account", line, strlen(line), 0644, 0, 0);
	return r < 0 ? core_fail(e, r, "layer of %s: writing its account record: %s", u->acct.name, strerror(-r)) : 0;
}

/* A layer is its account's alone: another uid or range under the same name is refused. */
static int account_record_check(const struct core_user *u, int layer, struct core_err *e)
{
	struct layer_account rec;
	const char *name = u->acct.name;
	int r = layer_account_read(name, &rec);

	if (r == -ENOENT) /* a layer from before the record: adopted by the account that has it now */
		return account_record_write(u, layer, e);
	if (r < 0)
		return core_fail(e, r, "layer of %s: its account record %s/users/%s/account cannot be read (refused)",
				 name, LXLOGIN_STATE_DIR, name);
	if (rec.uid == u->acct.uid && rec.uids.start == u->uids.start && rec.uids.count == u->uids.count &&
	    rec.gids.start == u->gids.start && rec.gids.count == u->gids.count)
		/* the same uid and ranges own the layer's files: a new primary group (usermod -g) is noted */
		return rec.gid == u->acct.gid ? 0 : account_record_write(u, layer, e);
	return core_fail(e, -ESTALE,
			 "the layer of %s was made for another account of that name (uid %u, gid %u, subordinate "
			 "ids %u and %u; now uid %u, gid %u, %u and %u): refused, so that no account gets another's "
			 "files; 'lxloginctl reset %s' archives the old layer",
			 name, (unsigned)rec.uid, (unsigned)rec.gid, rec.uids.start, rec.gids.start,
			 (unsigned)u->acct.uid, (unsigned)u->acct.gid, u->uids.start, u->gids.start, name);
}

/*
 * /etc/lxlogin/sshd in the layer, the user's own (0700): where lxlogin-sshd
 * inside keeps the host key of their inner sshd. Made in a new upper and in
 * one from before it, at a start (nothing of the container runs), component
 * by component with O_NOFOLLOW; a name root inside has taken is left alone
 * (lxlogin-sshd says so inside).
 */
static void sshd_dir_ensure(const struct core_user *u, int upper)
{
	__do_close int etc = -EBADF, lxlogin = -EBADF, sshd = -EBADF;
	struct core_err ignored;

	etc = openat(upper, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	lxlogin = etc < 0 ? -EBADF : dir_ensure(etc, "lxlogin", 0755, u->uids.start, u->gids.start, "", &ignored);
	sshd = lxlogin < 0 ? -EBADF : dir_ensure(lxlogin, "sshd", 0700, u->acct.uid, u->acct.gid, "", &ignored);
}

/*
 * STATE/users/<user>/{upper,work,image,account}: root 0700 above, upper owned by the
 * range's root. A new upper is built as upper.new (its files and directories
 * fsync'd) and renamed into place, so a crash leaves either no layer or a
 * complete one; a leftover upper.new was never seen by any container and is
 * removed. An existing upper is never walked or chowned: the container owns
 * what is inside it (but for its project tag, once, if it predates the
 * quota: quota.c). 1: the layer's disk limits are enforced.
 */
int layer_ensure(const struct core_user *u, int image_dir, int image_root, struct core_err *e)
{
	__do_close int users = -EBADF, layer = -EBADF, upper = -EBADF, fresh = -EBADF, work = -EBADF;
	const char *name = u->acct.name;
	char identity[POLICY_NAME_MAX + 72];
	struct stat st;
	int r, enforced;

	image_identity(u, image_dir, identity, sizeof(identity));
	users = state_dir_open("users", 0700, e);
	if (users < 0)
		return users;
	layer = dir_ensure(users, name, 0700, 0, 0, "user layer", e);
	if (layer < 0)
		return layer;
	/* the project first: upper and work, made below, inherit it (quota.c) */
	enforced = quota_layer_apply(u, layer, e);
	if (enforced < 0)
		return enforced;
	work = dir_ensure(layer, "work", 0700, 0, 0, "layer work", e);
	if (work < 0)
		return work;
	if (fstatat(layer, "upper", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		r = account_record_check(u, layer, e);
		if (r < 0)
			return r;
		if (!S_ISDIR(st.st_mode) || st.st_uid != u->uids.start)
			return core_fail(e, -EPERM,
					 "layer of %s: upper is not a directory of uid %u, the first of their range "
					 "(made for another range?): refused; 'lxloginctl reset %s' archives it",
					 name, u->uids.start, name);
		r = image_record_check(u, layer, identity, e);
		if (r < 0)
			return r;
		upper = openat(layer, "upper", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (upper >= 0)
			sshd_dir_ensure(u, upper);
		return enforced;
	}
	r = tree_remove(layer, "upper.new", 64);
	if (r < 0)
		return core_fail(e, r, "layer of %s: cannot remove upper.new: %s", name, strerror(-r));
	fresh = dir_ensure(layer, "upper.new", 0755, u->uids.start, u->gids.start, "layer upper", e);
	if (fresh < 0)
		return fresh;
	r = write_identity(u, image_root, fresh, e);
	if (r == 0) {
		sshd_dir_ensure(u, fresh);
		r = dir_sync(fresh);
		if (r < 0)
			r = core_fail(e, r, "layer of %s: fsync of upper.new: %s", name, strerror(-r));
	}
	if (r == 0)
		r = image_record_write(u, layer, identity, e);
	if (r == 0)
		r = account_record_write(u, layer, e);
	if (r < 0)
		return r;
	TEST_PAUSE("identity");
	if (renameat(layer, "upper.new", layer, "upper") < 0)
		return core_fail(e, -errno, "layer of %s: rename: %s", name, strerror(errno));
	return enforced;
}
