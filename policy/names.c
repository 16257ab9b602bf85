/* names.c - which user and group names lxlogin accepts, and hostnames made from them. */
#include <errno.h>
#include <string.h>

#include "policy.h"

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alpha(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A user or group name that may become part of a path, a cgroup name, a
 * container name and a config value: 1..32 of [A-Za-z0-9_.-], starting with a
 * letter or '_'. So never "", ".", "..", "-o", "0day", "a:b", "a,b=/", "a/b".
 */
bool policy_name_valid(const char *name)
{
	size_t i;

	if (!name || !(is_alpha(name[0]) || name[0] == '_'))
		return false;
	for (i = 0; name[i]; i++) {
		char c = name[i];
		if (i >= POLICY_NAME_MAX)
			return false;
		if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/*
 * Expand a hostname template (validated by the parser: [a-z0-9.-] and "%u"
 * for the user name) for a valid user name. Characters of the name
 * that a hostname cannot hold become '-', letters are lowered; the result is
 * cut to POLICY_HOSTNAME_MAX and never starts or ends with '-' or '.'.
 */
int policy_hostname(const char *tmpl, const char *user, char *buf, size_t size)
{
	char out[POLICY_HOSTNAME_MAX + 1];
	size_t n = 0, start = 0;

	if (!policy_name_valid(user) || size == 0)
		return -EINVAL;
	for (const char *t = tmpl; *t && n < POLICY_HOSTNAME_MAX; t++) {
		if (*t != '%') {
			out[n++] = *t;
			continue;
		}
		if (*++t != 'u')
			return -EINVAL;
		for (const char *u = user; *u && n < POLICY_HOSTNAME_MAX; u++) {
			char c = *u;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			out[n++] = (is_lower(c) || is_digit(c)) ? c : '-';
		}
	}
	while (n > 0 && (out[n - 1] == '-' || out[n - 1] == '.'))
		n--;
	while (start < n && (out[start] == '-' || out[start] == '.'))
		start++;
	if (start == n)
		return -EINVAL;
	if (n - start >= size)
		return -ENAMETOOLONG;
	memcpy(buf, out + start, n - start);
	buf[n - start] = '\0';
	return 0;
}

/* A path safe in an fstab-style line and as a chain of plain names:
 * absolute, only [A-Za-z0-9._/-], no "." or ".." component. */
bool policy_path_plain(const char *s)
{
	if (s[0] != '/')
		return false;
	for (const char *p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '/' || *p == '-'))
			return false;
		if (p[0] == '/' && p[1] == '.' &&
		    (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
			return false;
	}
	return true;
}
