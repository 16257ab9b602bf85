/* testutil.h - temporary policy trees on the real filesystem for the unit tests. */
#ifndef LXLOGIN_TESTUTIL_H
#define LXLOGIN_TESTUTIL_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh root-owned 0755 directory under /tmp (tests run as root). */
static inline char *tmpdir_make(void)
{
	char tmpl[] = "/tmp/lxlogin-test.XXXXXX";
	char *d = mkdtemp(tmpl);
	if (!d || chmod(d, 0755) < 0)
		abort();
	return strdup(d);
}

static inline void tmpdir_remove(char *d)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		abort();
	free(d);
}

/* Write dir/rel (0644) with printf-style content. */
__attribute__((format(printf, 3, 4))) static inline void write_file(const char *dir, const char *rel, const char *fmt,
								    ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f)
		abort();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) != 0 || chmod(path, 0644) < 0)
		abort();
}

static inline void make_dir(const char *dir, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (mkdir(path, 0755) < 0)
		abort();
}

static inline char *path_of(const char *dir, const char *rel)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, rel) < 0)
		abort();
	return p;
}

#endif
