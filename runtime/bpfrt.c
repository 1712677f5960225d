/* bpfrt: the installer behind bpfrt.h. Plain system calls only, so it
 * stays async-signal-safe and usable between fork() and exec(). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* syscall(): glibc hides it under a strict -std=c11 */
#endif
#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpfrt.h"

/* seccomp(2) itself; libc wrappers for it are recent, syscall() is not. */
static long seccomp_call(unsigned int op, unsigned int flags, void *arg)
{
#ifdef __NR_seccomp
	return syscall(__NR_seccomp, op, flags, arg);
#else
	(void)op; (void)flags; (void)arg;
	errno = ENOSYS;
	return -1;
#endif
}

static int load(const struct sock_fprog *prog, unsigned int flags)
{
	long r = seccomp_call(SECCOMP_SET_MODE_FILTER, flags, (void *)prog);

	if (r >= 0)
		return (int)r;
	/* Kernels before 3.17 have only prctl, which takes no flags. */
	if (errno == ENOSYS && flags == 0) {
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) == 0)
			return 0;
	}
	return -errno;
}

int bpfrt_load(const struct sock_fprog *prog, unsigned int flags)
{
	int saved = errno;
	int r = load(prog, flags);

	errno = saved;
	return r;
}

int bpfrt_install(const struct sock_fprog *prog, unsigned int flags)
{
	int saved = errno;
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		r = -errno;
	else
		r = load(prog, flags);
	errno = saved;
	return r;
}

int bpfrt_action_available(uint32_t action)
{
	int saved = errno;
	uint32_t act = action & SECCOMP_RET_ACTION_FULL;
	int r;

	if (seccomp_call(SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0)
		r = 1;
	else if (errno == EOPNOTSUPP)
		r = 0;
	else
		r = -errno;
	errno = saved;
	return r;
}
