/* A 32-bit ARM program for the aarch64 VM, run under the multi-ABI filter
 * of tests/e2e/policies/rt_abi.policy (abi aarch64: native, arm): its
 * calls reach the rules under arm's own numbers. It prints one line per
 * call; the last call (ptrace) must kill it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *what, long r)
{
	if (r >= 0)
		printf("%s ok\n", what);
	else
		printf("%s errno %d\n", what, errno);
	fflush(stdout);
}

int main(void)
{
	report("arm32 socket-inet6", syscall(SYS_socket, AF_INET6, SOCK_STREAM, 0));
	report("arm32 socket-unix", syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0));
	report("arm32 connect", syscall(SYS_connect, -1, 0, 0));
	report("arm32 getppid", syscall(SYS_getppid));
	report("arm32 getpid", syscall(SYS_getpid) > 0 ? 0 : -1);
	report("arm32 ptrace", syscall(SYS_ptrace, 0, 0, 0, 0));
	return 0;
}
