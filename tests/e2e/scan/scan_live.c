/* syscall-scan's check against the real arm64 kernel: the /init of the
 * aarch64 VM that tests/e2e/scan/aarch64_live.py boots (make check-aarch64).
 * Runs each test program (prog.c built static and dynamic) under
 * syscall-record, with and without an argument, and prints the policy the
 * run needed between marker lines on the console; the host compares its
 * allow-list with syscall-scan's static set of the same binary. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECORDER "/syscall-record"
#define POLICY   "/scan-live.policy"

/* Runs ARGV; its wait status, -1 if it could not be started. */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();
	if (pid == 0) {
		char *envp[] = { "PATH=/", NULL };
		execve(argv[0], argv, envp);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void print_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;
	if (fd < 0) {
		printf("scan-live: cannot open %s: %s\n", path, strerror(errno));
		return;
	}
	fflush(stdout);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write(1, buf, (size_t)n) != n)
			break;
	close(fd);
}

static void record(const char *prog, int with_arg)
{
	char *argv[] = { RECORDER, "-q", "-o", POLICY, "--", (char *)prog,
			 with_arg ? "/data" : NULL, NULL };
	struct stat st;
	if (stat(prog, &st) != 0)
		return;   /* not put into this VM */
	unlink(POLICY);
	int status = run(argv);
	printf("scan-live: BEGIN %s %s status %d\n", prog, with_arg ? "arg" : "noarg", status);
	print_file(POLICY);
	printf("scan-live: END\n");
	fflush(stdout);
}

int main(void)
{
	if (getpid() != 1) {
		fprintf(stderr, "scan_live: the aarch64 VM's /init, not to be run here\n");
		return 2;
	}
	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", 0, NULL) != 0)
		printf("scan-live: cannot mount /proc: %s\n", strerror(errno));
	int fd = open("/data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, "x\n", 2) != 2)
			printf("scan-live: cannot write /data\n");
		close(fd);
	}
	static const char *const progs[] = { "/prog-static", "/prog-dynamic" };
	for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
		record(progs[i], 1);
		record(progs[i], 0);
	}
	printf("scan-live: done\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
