/* cleanup.h - scope-bound ownership of heap pointers, fds and FILEs. */
#ifndef LXLOGIN_CLEANUP_H
#define LXLOGIN_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(const int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
}

static inline void cleanup_closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		closedir(*d);
		errno = saved;
	}
}

/* Declare with an initializer: __do_free char *s = NULL; __do_close int fd = -EBADF; */
#define __do_free __attribute__((cleanup(cleanup_freep)))
#define __do_close __attribute__((cleanup(cleanup_closep)))
#define __do_fclose __attribute__((cleanup(cleanup_fclosep)))
#define __do_closedir __attribute__((cleanup(cleanup_closedirp)))

/* Hand ownership out of a scope: the variable is reset so cleanup does nothing. */
#define move_ptr(p)                         \
	({                                  \
		__typeof__(p) moved_ = (p); \
		(p) = NULL;                 \
		moved_;                     \
	})

#define move_fd(fd)                \
	({                         \
		int moved_ = (fd); \
		(fd) = -EBADF;     \
		moved_;            \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
