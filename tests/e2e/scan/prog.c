/* syscall-scan test program: built dynamic and static, for x86_64 and
 * aarch64, by tests/e2e/test_scan.py. With an argument it also makes a
 * socket, reads a file and starts a thread, so that the scan of the same
 * binary must hold what strace sees in both runs. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void *worker(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	struct utsname u;
	struct timespec ts;
	uname(&u);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%d %s\n", (int)getpid(), u.machine);
	if (argc > 1) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0)
			close(s);
		int fd = open(argv[1], O_RDONLY);
		char buf[64];
		if (fd >= 0) {
			if (read(fd, buf, sizeof buf) < 0)
				perror("read");
			close(fd);
		}
		pthread_t t;
		if (pthread_create(&t, NULL, worker, NULL) == 0)
			pthread_join(t, NULL);
	}
	return 0;
}
