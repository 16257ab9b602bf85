/* testhooks.h - named pause points, compiled only into the test build (never the release helper). */
#ifndef LXLOGIN_TESTHOOKS_H
#define LXLOGIN_TESTHOOKS_H

#ifdef LXLOGIN_TEST_HOOKS
#include <signal.h>
#include <string.h>
/* Set by the test helper's main() from LXLOGIN_TEST_PAUSE before the environment is cleared. */
extern char testhook_pause_at[64];
/* Stop at the named step so a test can kill -9 us there. */
#define TEST_PAUSE(step)                                    \
	do {                                                \
		if (strcmp(testhook_pause_at, (step)) == 0) \
			raise(SIGSTOP);                     \
	} while (0)
#else
#define TEST_PAUSE(step) \
	do {             \
	} while (0)
#endif

#endif
