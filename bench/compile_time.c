/* bench/compile_time: how long bpfgen's compiler takes for a policy,
 * in-process, without the cost of starting a program (which on some
 * machines dwarfs the compilation itself).
 *
 *     compile_time POLICY REPEAT ARCH...
 *
 * Parses and compiles POLICY for every ARCH, REPEAT times, and prints the
 * median wall time of one round in milliseconds, followed by " refused"
 * when the compiler refused the policy (too long for the kernel, or
 * wrong: run bpfgen on it to see why). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bpfgen/compile.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One round: every architecture once. 0, or -1 if it refused the policy
 * for some architecture. */
static int round_ms(const char *policy, const struct arch **archs, int n,
		    FILE *quiet, double *ms)
{
	struct compile_options opts = { 0 };
	double t0 = now_ms();
	int rc = 0;

	for (int i = 0; i < n; i++) {
		struct program p;

		if (compile_policy_file(policy, archs[i], &opts, &p, quiet) < 0)
			rc = -1;
		program_free(&p);
	}
	*ms = now_ms() - t0;
	return rc;
}

int main(int argc, char **argv)
{
	const struct arch *archs[8];
	FILE *quiet = fopen("/dev/null", "w");
	double *times;
	long repeat;
	int n = argc - 3, refused = 0;

	if (argc < 4 || n > 8 || (repeat = strtol(argv[2], NULL, 10)) < 1 || !quiet) {
		fprintf(stderr, "usage: compile_time POLICY REPEAT ARCH... (at most 8)\n");
		return 2;
	}
	for (int i = 0; i < n; i++)
		if (!(archs[i] = arch_by_name(argv[3 + i]))) {
			fprintf(stderr, "compile_time: unknown architecture '%s'\n", argv[3 + i]);
			return 2;
		}
	times = calloc((size_t)repeat, sizeof(*times));
	for (long r = 0; r < repeat; r++)
		refused |= round_ms(argv[1], archs, n, quiet, &times[r]) < 0;
	qsort(times, (size_t)repeat, sizeof(*times), cmp_double);
	printf("%.3f%s\n", times[repeat / 2], refused ? " refused" : "");
	free(times);
	fclose(quiet);
	return 0;
}
