/* exec_argv.c - exec a program with a hostile argv: none (argc 0), an empty argv[0], or a 100 KB one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char *none[] = { NULL };
	static char *empty[] = { "", "start", NULL };
	char *big[] = { NULL, "start", NULL };
	char *envp[] = { NULL };

	if (argc != 3) {
		fprintf(stderr, "usage: exec_argv none|empty|long PROGRAM\n");
		return 2;
	}
	if (strcmp(argv[1], "none") == 0) {
		execve(argv[2], none, envp);
	} else if (strcmp(argv[1], "empty") == 0) {
		execve(argv[2], empty, envp);
	} else {
		big[0] = malloc(100 * 1024 + 1);
		memset(big[0], 'A', 100 * 1024);
		big[0][100 * 1024] = '\0';
		execve(argv[2], big, envp);
	}
	perror("execve");
	return 127;
}
