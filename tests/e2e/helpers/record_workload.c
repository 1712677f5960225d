/* record_workload: a program for syscall-record's tests. By default it is
 * multi-threaded, forks, and execs itself in the child (--child), making
 * the same calls on every run whatever the scheduling (futex explicitly,
 * threads joined after they signalled through a pipe). Options add calls:
 *   --extra          also getpriority() (absent from a default recording)
 *   --sockets        socket(AF_UNIX, SOCK_STREAM) and socket(AF_INET, SOCK_DGRAM)
 *   --inet6          socket(AF_INET6, SOCK_STREAM)
 *   --i386           getpid through int $0x80 (the i386 ABI; x86_64 only)
 *   --x32            getpid with the x32 bit set (x86_64 only)
 *   --orphan MS      a grandchild that outlives us by MS ms, then calls
 *                    getpgid() (only it does)
 *   --spin FILE      write our pid to FILE, then call getppid() until it
 *                    fails (the recorder died): exit 42
 *   --bench N        N getppid() calls per thread, nothing else
 *   --threads T      threads (default 4)
 * Exit status 0 when every call worked as expected. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long bench;
static int pipefd[2];

static void *worker(void *arg)
{
	char c = 'x';

	(void)arg;
	if (bench) {
		for (long i = 0; i < bench; i++)
			syscall(SYS_getppid);
		return NULL;
	}
	for (int i = 0; i < 20; i++) {
		syscall(SYS_getpid);
		syscall(SYS_gettid);
	}
	if (write(pipefd[1], &c, 1) != 1)
		exit(3);
	return NULL;
}

static int threads(int n)
{
	pthread_t t[64];
	char c;

	if (n > 64)
		n = 64;
	if (pipe(pipefd) != 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0)
			return -1;
	for (int i = 0; i < n && !bench; i++)
		if (read(pipefd[0], &c, 1) != 1)
			return -1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	close(pipefd[0]);
	close(pipefd[1]);
	return 0;
}

static int fork_exec_self(void)
{
	int st;
	pid_t p = fork();

	if (p == 0) {
		execl("/proc/self/exe", "record_workload", "--child", (char *)NULL);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &st, 0) != p)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int orphan(long ms)
{
	pid_t p = fork();
	int st;

	if (p < 0)
		return -1;
	if (p == 0) {
		/* The child forks the grandchild and exits at once. */
		if (fork() == 0) {
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
			nanosleep(&ts, NULL);
			syscall(SYS_getpgid, 0);
			_exit(0);
		}
		_exit(0);
	}
	return waitpid(p, &st, 0) == p ? 0 : -1;
}

static long i386_getpid(void)
{
#if defined(__x86_64__)
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "0"(20L)
			 : "memory", "r8", "r9", "r10", "r11");
	return r;
#else
	return -1;
#endif
}

static int spin(const char *file)
{
	FILE *f = fopen(file, "w");

	if (!f)
		return 1;
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	for (;;) {
		if (syscall(SYS_getppid) < 0)
			return 42;
	}
}

int main(int argc, char **argv)
{
	int extra = 0, sockets = 0, inet6 = 0, i386 = 0, x32 = 0, nthreads = 4;
	long orphan_ms = -1;
	struct utsname u;
	uint32_t word = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--child") == 0)
			return uname(&u) == 0 ? 0 : 1;
		else if (strcmp(argv[i], "--extra") == 0)
			extra = 1;
		else if (strcmp(argv[i], "--sockets") == 0)
			sockets = 1;
		else if (strcmp(argv[i], "--inet6") == 0)
			inet6 = 1;
		else if (strcmp(argv[i], "--i386") == 0)
			i386 = 1;
		else if (strcmp(argv[i], "--x32") == 0)
			x32 = 1;
		else if (strcmp(argv[i], "--orphan") == 0 && i + 1 < argc)
			orphan_ms = atol(argv[++i]);
		else if (strcmp(argv[i], "--spin") == 0 && i + 1 < argc)
			return spin(argv[++i]);
		else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
			bench = atol(argv[++i]);
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			nthreads = atoi(argv[++i]);
		else {
			fprintf(stderr, "record_workload: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	if (bench) {
		if (nthreads <= 1) {
			for (long i = 0; i < bench; i++)
				syscall(SYS_getppid);
			return 0;
		}
		return threads(nthreads) == 0 ? 0 : 1;
	}
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	if (threads(nthreads) != 0 || fork_exec_self() != 0)
		return 1;
	if (sockets) {
		int a = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int b = socket(AF_INET, SOCK_DGRAM, 0);
		if (a < 0 || b < 0)
			return 4;
		close(a);
		close(b);
	}
	if (inet6) {
		int c = socket(AF_INET6, SOCK_STREAM, 0);
		if (c < 0 && errno != EAFNOSUPPORT)
			return 5;
		if (c >= 0)
			close(c);
	}
	if (extra)
		getpriority(PRIO_PROCESS, 0);
	if (i386 && i386_getpid() != (long)getpid())
		return 6;
	if (x32)
		syscall(0x40000000L | 39);  /* getpid as x32 numbers it */
	if (orphan_ms >= 0 && orphan(orphan_ms) != 0)
		return 7;
	printf("workload done\n");
	return 0;
}
