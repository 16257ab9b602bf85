/* image.h - the image store (lxloginctl only; the setuid helper never builds or removes images). */
#ifndef LXLOGIN_IMAGE_H
#define LXLOGIN_IMAGE_H

#include <stdbool.h>

#include "core.h"

enum image_kind { IMAGE_DEBIAN, IMAGE_BUSYBOX, IMAGE_IMPORT };

struct image_source {
	enum image_kind kind;
	const char *suite;    /* debian */
	bool minimal;	      /* debian: the minimal package set, not the server one */
	const char *packages; /* debian: extra packages, comma-separated, or "" */
	const char *mirror;   /* debian: NULL reads it from the machine's apt sources */
	const char *from;     /* import: a directory, a tarball, or "-" for stdin */
};

bool image_packages_valid(const char *list);
int image_build(const char *name, const struct image_source *src, struct core_err *e);
int image_list(struct core_err *e);
int image_remove(const char *name, bool force, struct core_err *e);
int image_publish(const char *name, struct core_err *e);

#endif
