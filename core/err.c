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
