/* parse.c - one policy file's text into values, each remembering its line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "policy.h"

void policy_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int strv_push(char ***v, const char *s)
{
	size_t n = 0;
	char **grown;
	char *copy;

	while (*v && (*v)[n])
		n++;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	grown = realloc(*v, (n + 2) * sizeof(char *));
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	grown[n] = copy;
	grown[n + 1] = NULL;
	*v = grown;
	return 0;
}

void policy_file_free(struct policy_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_lxc; i++) {
		free(f->lxc[i].key);
		free(f->lxc[i].value);
	}
	free(f->lxc);
	policy_strv_free(f->exempt_users);
	policy_strv_free(f->exempt_groups);
	free(f->path);
	free(f);
}

/* Report "path:line: key: why" (line 0: "path: why"; no key: "path:line: why"). */
__attribute__((format(printf, 5, 6))) static void file_error(struct policy_file *f, struct policy_diag *diag,
							     unsigned line, const char *key, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	f->n_errors++;
	if (line == 0)
		policy_diag_add(diag, "%s: %s", f->path, why);
	else if (key)
		policy_diag_add(diag, "%s:%u: %s: %s", f->path, line, key, why);
	else
		policy_diag_add(diag, "%s:%u: %s", f->path, line, why);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static bool key_chars_valid(const char *k)
{
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_' || *k == '.'))
			return false;
	return true;
}

/* A printable copy of untrusted text for a message: at most 40 bytes, others as '?'. */
static const char *printable(const char *s, char buf[static 41])
{
	size_t i;

	for (i = 0; s[i] && i < 40; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int parse_names(struct policy_file *f, struct policy_diag *diag, unsigned line, const char *key,
		       const char *value, char ***ret)
{
	static const char sep[] = ", \t";
	const char *kind = strcmp(key, "exempt_users") == 0 ? "user" : "group";
	__do_free char *copy = strdup(value);
	char *save = NULL, *tok;
	size_t n = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, sep, &save); tok; tok = strtok_r(NULL, sep, &save), n++) {
		if (!policy_name_valid(tok)) {
			file_error(f, diag, line, key, "'%.40s' is not a valid %s name", tok, kind);
			continue;
		}
		if (strv_push(ret, tok) < 0)
			return -ENOMEM;
	}
	if (n == 0)
		file_error(f, diag, line, key, "no names given");
	return 0;
}

static int add_lxc_line(struct policy_file *f, unsigned line, const char *key, const char *value)
{
	struct policy_lxc_line *grown = realloc(f->lxc, (f->n_lxc + 1) * sizeof(*f->lxc));
	struct policy_lxc_line *l;

	if (!grown)
		return -ENOMEM;
	f->lxc = grown;
	l = &f->lxc[f->n_lxc];
	*l = (struct policy_lxc_line){ strdup(key), strdup(value), { f->path, line } };
	if (!l->key || !l->value) {
		free(l->key);
		free(l->value);
		return -ENOMEM;
	}
	f->n_lxc++;
	return 0;
}

static int parse_setting(struct policy_file *f, struct policy_diag *diag, unsigned line, const char *key,
			 const char *value)
{
	static const char *const where[] = {
		[POLICY_SCOPE_GLOBAL] = "lxlogin.conf",
		[POLICY_SCOPE_GROUP] = "groups.d files",
		[POLICY_SCOPE_USER] = "users.d files",
	};
	enum policy_key k;
	char why[256];
	const char *instead;

	if (strncmp(key, "lxc.", 4) == 0 && key[4]) {
		if (policy_lxc_key_reserved(key, &instead)) {
			file_error(f, diag, line, key, "set by lxlogin itself; %s", instead);
			return 0;
		}
		return add_lxc_line(f, line, key, value);
	}
	if (policy_key_lookup(key, &k) < 0) {
		file_error(f, diag, line, key, "unknown key");
		return 0;
	}
	if (!policy_key_allowed(k, f->scope)) {
		enum policy_scope only =
			policy_key_allowed(k, POLICY_SCOPE_GLOBAL) ? POLICY_SCOPE_GLOBAL : POLICY_SCOPE_GROUP;
		file_error(f, diag, line, key, "only allowed in %s", where[only]);
		return 0;
	}
	if (f->line[k]) {
		file_error(f, diag, line, key, "set twice (first on line %u)", f->line[k]);
		return 0;
	}
	f->line[k] = line;
	if (k == POLICY_EXEMPT_USERS)
		return parse_names(f, diag, line, key, value, &f->exempt_users);
	if (k == POLICY_EXEMPT_GROUPS)
		return parse_names(f, diag, line, key, value, &f->exempt_groups);
	if (policy_value_parse(k, value, &f->values, why, sizeof(why)) < 0) {
		f->line[k] = 0;
		file_error(f, diag, line, key, "%s", why);
	} else if (f->scope != POLICY_SCOPE_USER &&
		   ((k == POLICY_IPV4 && f->values.ipv4) || (k == POLICY_HWADDR && !f->values.hwaddr_auto))) {
		f->line[k] = 0;
		file_error(f, diag, line, key, "a fixed address is one user's: set it in users.d (here only auto)");
	}
	return 0;
}

static int parse_line(struct policy_file *f, struct policy_diag *diag, unsigned line, const char *s, size_t n)
{
	char buf[POLICY_LINE_MAX + 1], shown[41];
	char *text, *eq, *key, *value;

	if (n > POLICY_LINE_MAX) {
		file_error(f, diag, line, NULL, "line is longer than %d bytes", POLICY_LINE_MAX);
		return 0;
	}
	if (memchr(s, '\0', n)) {
		file_error(f, diag, line, NULL, "line contains a NUL byte");
		return 0;
	}
	if (line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		file_error(f, diag, line, NULL, "file starts with a byte order mark (save it without one)");
		return 0;
	}
	if (n > 0 && s[n - 1] == '\r') {
		file_error(f, diag, line, NULL,
			   "line ends with a carriage return (DOS line ending; convert with dos2unix)");
		return 0;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	text = trim(buf);
	if (*text == '\0' || *text == '#')
		return 0;
	eq = strchr(text, '=');
	if (!eq) {
		file_error(f, diag, line, NULL, "expected 'key = value', found '%s'", printable(text, shown));
		return 0;
	}
	*eq = '\0';
	key = trim(text);
	value = trim(eq + 1);
	if (*key == '\0') {
		file_error(f, diag, line, NULL, "expected 'key = value', found no key before '='");
		return 0;
	}
	if (!key_chars_valid(key)) {
		file_error(f, diag, line, NULL, "'%s' is not a key (keys are a-z, 0-9, '_' and '.')",
			   printable(key, shown));
		return 0;
	}
	for (const char *p = value; *p; p++) {
		if ((unsigned char)*p >= 0x7f || ((unsigned char)*p < 0x20 && *p != '\t')) {
			file_error(f, diag, line, key, "value contains a control or non-ASCII byte");
			return 0;
		}
	}
	if (*value == '\0') {
		file_error(f, diag, line, key, "missing value");
		return 0;
	}
	return parse_setting(f, diag, line, key, value);
}

/*
 * Parse one file's text. Every problem is reported to diag and counted in the
 * file's n_errors; the lines without problems still take effect (so that an
 * admin's exempt_users line survives a typo elsewhere). Returns 0, or -ENOMEM.
 */
int policy_parse(const char *path, const char *buf, size_t len, enum policy_scope scope, struct policy_file **ret,
		 struct policy_diag *diag)
{
	struct policy_file *f = calloc(1, sizeof(*f));
	const char *p = buf, *end = buf + len;
	unsigned line = 0;

	if (!f)
		return -ENOMEM;
	f->path = strdup(path);
	if (!f->path) {
		free(f);
		return -ENOMEM;
	}
	f->scope = scope;
	policy_values_default(&f->values);
	if (len > POLICY_FILE_MAX) {
		file_error(f, diag, 0, NULL, "file is larger than %d bytes", POLICY_FILE_MAX);
		*ret = f;
		return 0;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;

		if (parse_line(f, diag, ++line, p, (size_t)(stop - p)) < 0) {
			policy_file_free(f);
			return -ENOMEM;
		}
		p = nl ? nl + 1 : end;
	}
	*ret = f;
	return 0;
}
