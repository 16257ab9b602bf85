/* err.c - a failure's story for the caller: the core never logs, it fills a core_err and returns -errno. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "core.h"

int core_fail(struct core_err *e, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return r < 0 ? r : -EINVAL;
}

void human_size(uint64_t b, char *out, size_t size)
{
	static const char units[] = "BKMGTPE";
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u < sizeof(units) - 2)
		v /= 1024, u++;
	snprintf(out, size, u ? "%.1f%c" : "%.0f%c", v, units[u]);
}
