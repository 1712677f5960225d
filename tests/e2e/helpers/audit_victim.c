/* Test helper for seccomp-audit: installs a tiny hand-built filter that logs
 * or kills one unusual syscall, then makes that syscall, so the kernel emits
 * exactly one seccomp audit record for this process. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/seccomp.h"

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "audit_victim knows only x86_64 and aarch64"
#endif

/* The syscalls used are ones nothing else in the test calls, so an event
 * naming them can only come from this helper. */
#define LOG_NR   SYS_getppid
#define KILL_NR  SYS_sysinfo
#define ERRNO_NR SYS_getpgid

static void usage(void)
{
	fprintf(stderr,
		"usage: audit_victim [--fork] [--comm NAME] log|kill|errno\n"
		"  log    getppid() under RET_LOG\n"
		"  kill   sysinfo() under RET_KILL_PROCESS (dies with SIGSYS)\n"
		"  errno  getpgid() under RET_ERRNO(1), installed with FLAG_LOG\n"
		"  --fork the violation happens in a grandchild; waits for it\n"
		"  --comm set the task name first (e.g. one with a space)\n");
	exit(2);
}

/* Arch check, then one syscall gets ACTION, everything else is allowed. */
static int install(unsigned int nr, unsigned int action, unsigned int flags)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, ACT_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(insns) / sizeof(insns[0]),
		.filter = insns,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		perror("audit_victim: PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) != 0) {
		perror("audit_victim: seccomp(SET_MODE_FILTER)");
		return -1;
	}
	return 0;
}

static int violate(const char *mode)
{
	long r;

	if (strcmp(mode, "log") == 0) {
		if (install(LOG_NR, ACT_LOG, 0) != 0)
			return 1;
		r = syscall(LOG_NR);
		return r > 0 ? 0 : 1;
	}
	if (strcmp(mode, "kill") == 0) {
		if (install(KILL_NR, ACT_KILL_PROCESS, 0) != 0)
			return 1;
		syscall(KILL_NR, NULL);
		fprintf(stderr, "audit_victim: sysinfo survived the filter\n");
		return 1;
	}
	if (strcmp(mode, "errno") == 0) {
		if (install(ERRNO_NR, ACT_ERRNO | 1u, SECCOMP_FILTER_FLAG_LOG) != 0)
			return 1;
		r = syscall(ERRNO_NR, 0);
		return (r == -1 && errno == 1) ? 0 : 1;
	}
	usage();
	return 2;
}

/* Runs the violation in a grandchild and mirrors how it ended. */
static int violate_in_child(const char *mode)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("audit_victim: fork");
		return 1;
	}
	if (pid == 0)
		_exit(violate(mode));
	printf("%d\n", (int)pid);
	fflush(stdout);
	if (waitpid(pid, &status, 0) < 0) {
		perror("audit_victim: waitpid");
		return 1;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Leaves without exit handlers: under the sanitizers, LeakSanitizer's exit
 * check clones a helper that inherits the filter and calls getppid, which
 * would add records the tests do not expect. */
static _Noreturn void finish(int status)
{
	fflush(stdout);
	_exit(status);
}

int main(int argc, char **argv)
{
	int fork_first = 0;
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--fork") == 0) {
			fork_first = 1;
		} else if (strcmp(argv[i], "--comm") == 0 && i + 1 < argc - 1) {
			prctl(PR_SET_NAME, argv[++i], 0, 0, 0);
		} else {
			usage();
		}
	}
	if (i != argc - 1)
		usage();
	if (fork_first)
		finish(violate_in_child(argv[i]));
	printf("%d\n", (int)getpid());
	fflush(stdout);
	finish(violate(argv[i]));
}
