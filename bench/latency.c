/* bench/latency: how long one system call takes under a seccomp filter.
 * The filter is installed in a forked child (never in this process); the
 * child times ITERS calls and reports nanoseconds per call.
 *
 *     latency FILTER.bpf|- ITERS NR [ARG0 ... ARG5]
 *
 * FILTER.bpf is a raw program (8 bytes per instruction); '-' measures the
 * call without a filter. Prints "NS_PER_CALL". The call must be allowed by
 * the filter; a child that dies or whose call fails is an error. */
#include <errno.h>
#include <inttypes.h>
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
static void measure(const struct sock_filter *insns, size_t len, long iters,
		    const struct call *c, int out_fd)
{
	struct sock_fprog prog = { (unsigned short)len, (struct sock_filter *)insns };
	char buf[64];
	double t0, t1;
	int n;

	if (len && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0))
		_exit(100);
	for (long i = 0; i < iters / 10 + 1; i++)
		if (syscall(c->nr, c->args[0], c->args[1], c->args[2], c->args[3],
			    c->args[4], c->args[5]) == -1)
			_exit(101);
	t0 = now_ns();
	for (long i = 0; i < iters; i++)
		syscall(c->nr, c->args[0], c->args[1], c->args[2], c->args[3],
			c->args[4], c->args[5]);
	t1 = now_ns();
	n = snprintf(buf, sizeof(buf), "%.2f\n", (t1 - t0) / (double)iters);
	_exit(write(out_fd, buf, (size_t)n) == n ? 0 : 102);
}

static int parse_args(int argc, char **argv, long *iters, struct call *c)
{
	char *end;

	if (argc < 4 || argc > 10) {
		fprintf(stderr, "usage: latency FILTER.bpf|- ITERS NR [ARG0 ... ARG5]\n");
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
	long iters;
	struct call c;
	int fds[2], status;
	char buf[64] = { 0 };
	pid_t pid;

	if (parse_args(argc, argv, &iters, &c) < 0)
		return 2;
	if (strcmp(argv[1], "-") != 0 && read_filter(argv[1], insns, &len) < 0)
		return 1;
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		perror("latency");
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		measure(insns, len, iters, &c, fds[1]);
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
