/* tryfilter: asks the running kernel what a raw seccomp filter does to one
 * syscall, for comparing bpfsim with the kernel. Installs the filter only
 * in a forked child and reports on stdout one line:
 *   ret N | errno N | killed SIGNAME | thread-killed | install-failed errno N
 * usage: tryfilter [--i386 | --x32] [--thread] FILE.bpf NR [ARG0 ... ARG5] */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_BIT 0x40000000u

/* What the filtered code records, in memory shared with the parent: once
 * the filter is installed, even write() or exit() may be forbidden. */
enum outcome { NONE, RETURNED, INSTALL_FAILED, THREAD_KILLED };

struct shared {
	atomic_int outcome;
	long value;
	int err;
};

struct call {
	struct sock_fprog prog;
	uint32_t nr;
	uint64_t args[6];
	int i386, x32;
	struct shared *out;
};

static void die(const char *msg)
{
	fprintf(stderr, "tryfilter: %s\n", msg);
	exit(1);
}

static int parse_num(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (s[0] == '-')
		*out = (uint64_t)strtoll(s, &end, 10);
	else
		*out = strtoull(s, &end, 0);
	return (end == s || *end || errno) ? -1 : 0;
}

static void load(const char *path, struct sock_fprog *prog)
{
	FILE *f = fopen(path, "rb");
	unsigned char b[8];
	struct sock_filter *p;
	size_t n = 0, cap = 64;

	if (!f)
		die("cannot open the filter file");
	p = malloc(cap * sizeof(*p));
	while (p && fread(b, 1, 8, f) == 8) {
		if (n == cap) {
			struct sock_filter *more = realloc(p, (cap *= 2) * sizeof(*p));

			if (!more)
				die("out of memory");
			p = more;
		}
		p[n].code = (uint16_t)(b[0] | b[1] << 8);
		p[n].jt = b[2];
		p[n].jf = b[3];
		p[n].k = (uint32_t)b[4] | (uint32_t)b[5] << 8 |
			 (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
		n++;
	}
	if (!p)
		die("out of memory");
	fclose(f);
	if (n > 0xffff)
		die("filter too long for struct sock_fprog");
	prog->len = (unsigned short)n;
	prog->filter = p;
}

#if defined(__x86_64__)
/* The 32-bit ABI entry from a 64-bit process: arguments in ebx, ecx, edx,
 * esi, edi, ebp; the kernel presents it to seccomp as AUDIT_ARCH_I386.
 * ebp is saved by hand (it may be the frame pointer), below the red zone. */
static long call_int80(uint32_t nr, const uint64_t *a)
{
	long ret = nr;
	uint32_t a5 = (uint32_t)a[5];

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov %6, %%ebp\n\t"
			 "int $0x80\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 : "+a"(ret)
			 : "b"((uint32_t)a[0]), "c"((uint32_t)a[1]),
			   "d"((uint32_t)a[2]), "S"((uint32_t)a[3]),
			   "D"((uint32_t)a[4]), "r"(a5)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return (int32_t)ret;
}
#else
static long call_int80(uint32_t nr, const uint64_t *a)
{
	(void)nr;
	(void)a;
	return -ENOSYS;
}
#endif

/* Installs the filter on the calling thread, makes the call, records it. */
static void filtered_call(struct call *c)
{
	long ret;
	int err = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &c->prog) != 0) {
		c->out->err = errno;
		atomic_store(&c->out->outcome, INSTALL_FAILED);
		return;
	}
	if (c->i386) {
		ret = call_int80(c->nr, c->args);
		if (ret < 0 && ret >= -4095) {
			err = (int)-ret;
			ret = -1;
		}
	} else {
		ret = syscall((long)(c->nr | (c->x32 ? X32_BIT : 0)),
			      c->args[0], c->args[1], c->args[2],
			      c->args[3], c->args[4], c->args[5]);
		if (ret == -1)
			err = errno;
	}
	c->out->value = ret;
	c->out->err = err;
	atomic_store(&c->out->outcome, RETURNED);
}

static void *thread_main(void *arg)
{
	filtered_call(arg);
	return NULL;
}

/* --thread: the filter goes on a second thread only, so kill-thread ends
 * that thread while this one lives on to say so. */
static void threaded_call(struct call *c)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_main, c) != 0)
		die("pthread_create failed");
	while (atomic_load(&c->out->outcome) == NONE) {
		if (pthread_tryjoin_np(t, NULL) == 0) {
			int none = NONE;

			atomic_compare_exchange_strong(&c->out->outcome, &none,
						       THREAD_KILLED);
			break;
		}
		usleep(1000);
	}
}

static int report(const struct shared *s, int status)
{
	switch (atomic_load(&s->outcome)) {
	case RETURNED:
		if (s->value == -1)
			printf("errno %d\n", s->err);
		else
			printf("ret %ld\n", s->value);
		return 0;
	case INSTALL_FAILED:
		printf("install-failed errno %d\n", s->err);
		return 0;
	case THREAD_KILLED:
		printf("thread-killed\n");
		return 0;
	}
	if (WIFSIGNALED(status)) {
		printf("killed %s\n", WTERMSIG(status) == SIGSYS ? "SIGSYS"
			: sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status))
			: "unknown-signal");
		return 0;
	}
	fprintf(stderr, "tryfilter: child exited (%d) without a result\n",
		WEXITSTATUS(status));
	return 1;
}

/* Waits for the child, or for its recorded result: a child whose filter
 * forbids exiting may not manage to exit, so it is killed once done. */
static int wait_child(pid_t pid, const struct shared *s, int *status)
{
	for (;;) {
		pid_t got = waitpid(pid, status, WNOHANG);

		if (got == pid)
			return 0;
		if (got < 0)
			return -1;
		if (atomic_load(&s->outcome) != NONE) {
			kill(pid, SIGKILL);
			return waitpid(pid, status, 0) == pid ? 0 : -1;
		}
		usleep(200);
	}
}

int main(int argc, char **argv)
{
	struct call c = {0};
	int threaded = 0, i, status;
	uint64_t v;
	pid_t pid;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--i386") == 0)
			c.i386 = 1;
		else if (strcmp(argv[i], "--x32") == 0)
			c.x32 = 1;
		else if (strcmp(argv[i], "--thread") == 0)
			threaded = 1;
		else
			die("unknown option (--i386, --x32, --thread)");
	}
	if (argc - i < 2 || argc - i > 8 || (c.i386 && c.x32))
		die("usage: tryfilter [--i386 | --x32] [--thread] FILE.bpf NR [ARG0 ... ARG5]");
	load(argv[i], &c.prog);
	if (parse_num(argv[i + 1], &v) < 0 || v > UINT32_MAX)
		die("NR must be a 32-bit number");
	c.nr = (uint32_t)v;
	for (int j = i + 2; j < argc; j++)
		if (parse_num(argv[j], &c.args[j - i - 2]) < 0)
			die("arguments must be numbers (decimal, 0x hex, negative)");
	c.out = mmap(NULL, sizeof(*c.out), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c.out == MAP_FAILED)
		die("mmap failed");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		/* No core files from the kills we provoke; and a backstop
		 * should the parent's wait go wrong. */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		alarm(10);
		if (threaded)
			threaded_call(&c);
		else
			filtered_call(&c);
		_exit(0);
	}
	free(c.prog.filter);
	if (wait_child(pid, c.out, &status) < 0)
		die("waitpid failed");
	return report(c.out, status);
}
