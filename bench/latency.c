/* bench/latency: how long one system call takes under a seccomp filter.
 * The filter is installed in a forked child (never in this process); the
 * child times ITERS calls and reports nanoseconds per call.
 *
 *     latency [-c COPIES] FILTER.bpf|- ITERS NR [ARG0 ... ARG5]
 *
 * FILTER.bpf is a raw program (8 bytes per instruction); '-' measures the
 * call without a filter. -c installs the filter COPIES times: the kernel
 * runs every one on each call, so the filter's share of the time grows
 * above the noise of the call itself. The child runs on one CPU, times
 * the calls in BATCHES batches and prints the fastest batch's
 * "NS_PER_CALL" (the batches an interrupt or migration slowed are left
 * out). The call must be allowed by the filter; a child that dies or
 * whose call fails is an error. */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_INSNS 4096
#define BATCHES   20
/* The kernel's limit on all filters of a task together: their lengths
 * plus 4 each, at most 32768 (MAX_INSNS_PER_PATH). */
#define MAX_INSNS_PER_PATH 32768

struct call {
	long nr;
	unsigned long args[6];
};

static int read_filter(const char *path, struct sock_filter *insns, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "latency: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(insns, sizeof(*insns), MAX_INSNS + 1, f);
	fclose(f);
	if (n == 0 || n > MAX_INSNS) {
		fprintf(stderr, "latency: '%s' is not a seccomp program of 1..%d instructions\n",
			path, MAX_INSNS);
		return -1;
	}
	*len = n;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* In the child: install, warm up, time. Never returns. */
static void measure(const struct sock_filter *insns, size_t len, long copies,
		    long iters, const struct call *c, int out_fd)
{
	struct sock_fprog prog = { (unsigned short)len, (struct sock_filter *)insns };
	long batch = iters / BATCHES + 1;
	double best = -1;
	char buf[64];
	cpu_set_t one;
	int n;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	sched_setaffinity(0, sizeof(one), &one);   /* best effort */
	if (len && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		_exit(100);
	for (long i = 0; len && i < copies; i++)
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
			_exit(100);
	for (long i = 0; i < batch; i++)
		if (syscall(c->nr, c->args[0], c->args[1], c->args[2], c->args[3],
			    c->args[4], c->args[5]) == -1)
			_exit(101);
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns(), t;

		for (long i = 0; i < batch; i++)
			syscall(c->nr, c->args[0], c->args[1], c->args[2], c->args[3],
				c->args[4], c->args[5]);
		t = (now_ns() - t0) / (double)batch;
		if (best < 0 || t < best)
			best = t;
	}
	n = snprintf(buf, sizeof(buf), "%.2f\n", best);
	_exit(write(out_fd, buf, (size_t)n) == n ? 0 : 102);
}

static int parse_args(int argc, char **argv, long *copies, long *iters,
		      struct call *c)
{
	char *end;

	*copies = 1;
	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		*copies = strtol(argv[2], &end, 0);
		if (*end || *copies < 1) {
			fprintf(stderr, "latency: COPIES must be a positive number, not '%s'\n",
				argv[2]);
			return -1;
		}
		argc -= 2;
		memmove(&argv[1], &argv[3], (size_t)(argc - 1) * sizeof(*argv));
	}
	if (argc < 4 || argc > 10) {
		fprintf(stderr, "usage: latency [-c COPIES] FILTER.bpf|- ITERS NR [ARG0 ... ARG5]\n");
		return -1;
	}
	*iters = strtol(argv[2], &end, 0);
	if (*end || *iters < 1) {
		fprintf(stderr, "latency: ITERS must be a positive number, not '%s'\n", argv[2]);
		return -1;
	}
	memset(c, 0, sizeof(*c));
	c->nr = strtol(argv[3], &end, 0);
	if (*end || c->nr < 0) {
		fprintf(stderr, "latency: NR must be a syscall number, not '%s'\n", argv[3]);
		return -1;
	}
	for (int i = 4; i < argc; i++) {
		c->args[i - 4] = strtoul(argv[i], &end, 0);
		if (*end) {
			fprintf(stderr, "latency: bad argument '%s'\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

static const char *why(int status)
{
	static const char *const codes[] = {
		"could not install the filter", "the call failed (is it allowed?)",
		"could not report",
	};

	if (WIFEXITED(status) && WEXITSTATUS(status) >= 100 && WEXITSTATUS(status) <= 102)
		return codes[WEXITSTATUS(status) - 100];
	return WIFSIGNALED(status) ? "killed by a signal (the filter refused a call)"
				   : "failed";
}

int main(int argc, char **argv)
{
	static struct sock_filter insns[MAX_INSNS + 1];
	size_t len = 0;
	long copies, iters;
	struct call c;
	int fds[2], status;
	char buf[64] = { 0 };
	pid_t pid;

	if (parse_args(argc, argv, &copies, &iters, &c) < 0)
		return 2;
	if (strcmp(argv[1], "-") != 0 && read_filter(argv[1], insns, &len) < 0)
		return 1;
	if (len && (size_t)copies * (len + 4) > MAX_INSNS_PER_PATH) {
		fprintf(stderr, "latency: %ld copies of %zu instructions exceed the kernel's "
			"%d for all filters of a task\n", copies, len, MAX_INSNS_PER_PATH);
		return 2;
	}
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		perror("latency");
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		measure(insns, len, copies, iters, &c, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], buf, sizeof(buf) - 1) < 0 || waitpid(pid, &status, 0) < 0) {
		perror("latency");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "latency: measuring child %s\n", why(status));
		return 1;
	}
	fputs(buf, stdout);
	return 0;
}
