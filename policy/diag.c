/* diag.c - the list of policy problems reported to admins and users. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy.h"

void policy_diag_add(struct policy_diag *d, const char *fmt, ...)
{
	char *msg = NULL;
	char **grown;
	va_list ap;
	int r;

	d->count++; /* counted even if the text cannot be kept */
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	grown = realloc(d->msgs, (d->n_msgs + 1) * sizeof(*d->msgs));
	if (!grown) {
		free(msg);
		return;
	}
	d->msgs = grown;
	d->msgs[d->n_msgs++] = msg;
}

void policy_diag_free(struct policy_diag *d)
{
	for (size_t i = 0; i < d->n_msgs; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n_msgs = d->count = 0;
}
