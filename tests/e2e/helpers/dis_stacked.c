/* Test helper for bpfdis --pid: writes two hand-made filters as raw files
 * (argv[1] first, argv[2] second), installs both (stacked), prints "ready"
 * and waits to be inspected and killed. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf/seccomp.h"

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "dis_stacked: unsupported architecture"
#endif

/* First filter: acct() fails with EPERM, everything else passes. */
static const struct sock_filter first[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_acct, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, ACT_ERRNO | EPERM),
	BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),
};

/* Second filter: checks the architecture, makes swapoff() fail with
 * ENOSYS and logs an argument test, so its listing differs in every way. */
static const struct sock_filter second[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARCH),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, ACT_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_swapoff, 0, 3),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARG_HI(0)),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x80000000u, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, ACT_ERRNO | ENOSYS),
	BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),
};

static int save(const char *path, const struct sock_filter *prog, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(prog, sizeof(*prog), n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "dis_stacked: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int install(const struct sock_filter *prog, size_t n)
{
	struct sock_fprog fprog = {
		.len = (unsigned short)n,
		.filter = (struct sock_filter *)prog,
	};

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
		fprintf(stderr, "dis_stacked: seccomp: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: dis_stacked FIRST.bpf SECOND.bpf\n");
		return 2;
	}
	if (save(argv[1], first, sizeof(first) / sizeof(first[0])) ||
	    save(argv[2], second, sizeof(second) / sizeof(second[0])))
		return 1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "dis_stacked: no_new_privs: %s\n", strerror(errno));
		return 1;
	}
	if (install(first, sizeof(first) / sizeof(first[0])) ||
	    install(second, sizeof(second) / sizeof(second[0])))
		return 1;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
