/* The worker demo (`make demo`): installs policies/pvf-worker.policy through
 * bpfrt, then tries each banned call in its own child and says what
 * happened. With --log-only it runs the same calls under the log-only
 * compilation of the policy and shows the kernel logged each of them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <netinet/in.h>

#include "runtime/bpfrt.h"
#include "tools/demo/auditlog.h"
/* bpfgen -f c -n pvf_worker [--log-only] policies/pvf-worker.policy */
#include "pvf_worker.h"
#include "pvf_worker_log.h"

struct attempt {
	const char *what;
	long nr;
	long args[6];
	/* In the child, before the filter: real arguments, so that under
	 * --log-only the call does its work; 0, or -1 to keep ARGS. */
	int (*prepare)(long args[6]);
};

static int socket_pair[2];
static struct io_uring_params ring_params;
static unsigned char probe[sizeof(struct io_uring_probe) +
			   256 * sizeof(struct io_uring_probe_op)];

/* A listening socket on 127.0.0.1 and a socket to connect to it. */
static int prepare_connect(long args[6])
{
	static struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	int client = socket(AF_INET, SOCK_STREAM, 0);

	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (listener < 0 || client < 0 ||
	    bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
	    listen(listener, 1) != 0 ||
	    getsockname(listener, (struct sockaddr *)&addr, &len) != 0)
		return -1;
	args[0] = client;
	args[1] = (long)&addr;
	args[2] = sizeof addr;
	return 0;
}

/* An io_uring instance for enter and register to work on. */
static int prepare_ring(long args[6])
{
	long fd = syscall(SYS_io_uring_setup, 1, &ring_params);

	if (fd < 0)
		return -1;
	args[0] = fd;
	return 0;
}

static const struct attempt attempts[] = {
	{ "socket(AF_INET, SOCK_STREAM, 0)", SYS_socket, { AF_INET, SOCK_STREAM, 0 }, NULL },
	{ "socketpair(AF_UNIX, SOCK_STREAM, 0, fds)", SYS_socketpair,
	  { AF_UNIX, SOCK_STREAM, 0, (long)socket_pair }, NULL },
	{ "connect(sock, 127.0.0.1:listening port)", SYS_connect, { -1, 0, 0 },
	  prepare_connect },
	{ "io_uring_setup(1, &params)", SYS_io_uring_setup, { 1, (long)&ring_params },
	  NULL },
	{ "io_uring_enter(ring, 0, 0, 0, NULL, 0)", SYS_io_uring_enter, { -1, 0, 0, 0, 0, 0 },
	  prepare_ring },
	{ "io_uring_register(ring, PROBE, probe, 256)", SYS_io_uring_register,
	  { -1, IORING_REGISTER_PROBE, (long)probe, 256 }, prepare_ring },
	{ "getpid() (not in the policy)", SYS_getpid, { 0 }, NULL },
};

/* In the child: install, make the call, exit 0 on success or with errno. */
static void try_call(const struct sock_fprog *prog, const struct attempt *a)
{
	struct rlimit none = { 0, 0 };
	long args[6];
	int r;

	setrlimit(RLIMIT_CORE, &none);  /* a kill-process would dump core */
	memcpy(args, a->args, sizeof args);
	if (a->prepare && a->prepare(args) != 0)
		fprintf(stderr, "demo: cannot set up real arguments for %s (%s); "
			"making the call with invalid ones\n", a->what, strerror(errno));
	r = bpfrt_install(prog, 0);
	if (r != 0) {
		fprintf(stderr, "demo: installing the filter failed: %s\n", strerror(-r));
		_exit(255);
	}
	if (syscall(a->nr, args[0], args[1], args[2], args[3], args[4], args[5]) >= 0)
		_exit(0);
	_exit(errno < 255 ? errno : 254);
}

static void describe(int status, char *buf, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by SIG%s", sigabbrev_np(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == 0)
		snprintf(buf, n, "allowed, succeeded");
	else if (WEXITSTATUS(status) == 255)
		snprintf(buf, n, "filter not installed");
	else
		snprintf(buf, n, "allowed, failed with %s (its normal error)",
			 strerrorname_np(WEXITSTATUS(status)));
}

/* Run ATTEMPT in a child; its wait status and pid. */
static int run_child(const struct attempt *a, int log_only, int *status, pid_t *pid)
{
	fflush(stdout);
	*pid = fork();
	if (*pid == 0)
		try_call(log_only ? &pvf_worker_log_prog : &pvf_worker_prog, a);
	if (*pid < 0 || waitpid(*pid, status, 0) != *pid) {
		perror("demo: fork/wait");
		return -1;
	}
	return 0;
}

/* The kernel prints at most 10 audit lines per 5 s when auditd is not
 * running (printk_ratelimit): a call whose line was dropped is made again
 * once the window has passed, at most this many times. */
#define LOG_TRIES 3

/* Run one attempt in a child; print a line. Returns 0, or 1 when the
 * outcome is not what the mode promises. */
static int show(const struct attempt *a, int log_only, int kmsg)
{
	char what[128];
	int status, bad, tries = 0;
	const char *logged = "";
	pid_t pid;

	for (;;) {
		if (run_child(a, log_only, &status, &pid) < 0)
			return 1;
		describe(status, what, sizeof what);
		if (!log_only || a->nr == SYS_getpid)
			break;
		if (auditlog_find(kmsg, pid, SECCOMP_RET_LOG)) {
			logged = "; logged by the kernel";
			break;
		}
		if (kmsg < 0) {
			logged = "; not checked (no access to /dev/kmsg)";
			break;
		}
		if (++tries == LOG_TRIES) {
			logged = "; NOT logged by the kernel";
			break;
		}
		printf("  %-42s (no audit line yet; the kernel rate-limits them: "
		       "again in 6 s)\n", a->what);
		sleep(6);
	}
	if (log_only)
		bad = WIFSIGNALED(status) || WEXITSTATUS(status) == 255 ||
		      strstr(logged, "NOT") != NULL;
	else
		bad = (a->nr == SYS_getpid) == WIFSIGNALED(status);
	printf("  %-42s %s%s [pid %d]\n", a->what, what, logged, (int)pid);
	return bad;
}

static int refuse_unless_available(uint32_t action, const char *name)
{
	int r = bpfrt_action_available(action);

	if (r == 1)
		return 0;
	fprintf(stderr, "demo: the running kernel %s the %s action; a worker "
		"must not start with this policy\n",
		r == 0 ? "does not support" : "cannot tell whether it supports", name);
	return 1;
}

int main(int argc, char **argv)
{
	int log_only = argc > 1 && strcmp(argv[1], "--log-only") == 0;
	int kmsg = -1, bad = 0;
	size_t i;

	if (argc > 2 || (argc == 2 && !log_only)) {
		fprintf(stderr, "usage: %s [--log-only]\n", argv[0]);
		return 2;
	}
	if (refuse_unless_available(log_only ? SECCOMP_RET_LOG :
				    SECCOMP_RET_KILL_PROCESS,
				    log_only ? "log" : "kill-process"))
		return 1;
	if (log_only) {
		kmsg = auditlog_open();
		if (kmsg < 0)
			fprintf(stderr, "demo: cannot read /dev/kmsg (%s); only "
				"auditd's log will be searched\n", strerror(-kmsg));
	}
	printf("pvf-worker policy%s, each call in its own child:\n",
	       log_only ? " compiled with --log-only" : "");
	for (i = 0; i < sizeof attempts / sizeof attempts[0]; i++)
		bad += show(&attempts[i], log_only, kmsg);
	printf(bad ? "demo: %d outcome(s) NOT as the policy promises\n"
		   : "demo: every outcome as the policy promises\n", bad);
	return bad ? 1 : 0;
}
