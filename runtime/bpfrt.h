/* bpfrt: installs a bpfgen-compiled seccomp filter in the calling process.
 * Vendorable as this header plus bpfrt.c; needs only libc and kernel UAPI.
 *
 * Usage, with a header made by `bpfgen -f c -n worker ...`:
 *
 *     #include "worker.h"
 *     #include "bpfrt.h"
 *     int r = bpfrt_install(&worker_prog, 0);
 *     if (r != 0) { report -r (an errno); _exit(127); }   // fail closed
 *
 * Every function is async-signal-safe, allocates nothing and leaves errno
 * as it found it, so it may run between fork() and exec(). */
#ifndef BPFRT_H
#define BPFRT_H

#include <stdint.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#error "bpfrt needs kernel UAPI headers from Linux 5.7 or later (linux/seccomp.h lacks SECCOMP_FILTER_FLAG_TSYNC_ESRCH)"
#endif

/* Flags for bpfrt_install()/bpfrt_load(); OR them together. */
enum {
	/* Install on every thread of the process, or on none. */
	BPFRT_TSYNC        = SECCOMP_FILTER_FLAG_TSYNC,
	/* Log every action except allow (see /proc/sys/kernel/seccomp). */
	BPFRT_LOG          = SECCOMP_FILTER_FLAG_LOG,
	/* Leave Speculative Store Bypass mitigation off. */
	BPFRT_SPEC_ALLOW   = SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	/* Return a user-notification listener fd (for notify rules). */
	BPFRT_NEW_LISTENER = SECCOMP_FILTER_FLAG_NEW_LISTENER,
	/* With TSYNC: fail with -ESRCH instead of returning a thread id. */
	BPFRT_TSYNC_ESRCH  = SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
};

/* Set no_new_privs, then install PROG with FLAGS. Returns:
 *   0           installed;
 *   > 0         with BPFRT_NEW_LISTENER: installed, and this is the
 *               listener fd (close-on-exec);
 *               with BPFRT_TSYNC (no NEW_LISTENER): NOT installed anywhere;
 *               the id of a thread that could not be synchronised (it
 *               runs another filter or is not in seccomp's filter mode);
 *   < 0         NOT installed; minus an errno: -EINVAL bad program or
 *               flags, -EFAULT bad pointer, -ENOMEM, -ESRCH (TSYNC_ESRCH),
 *               -EBUSY (NEW_LISTENER while an installed filter already
 *               has a listener),
 *               -ENOSYS kernel without seccomp() and FLAGS were asked,
 *               -EACCES only from bpfrt_load().
 * With no flags, kernels older than seccomp() (3.17) are served through
 * prctl(PR_SET_SECCOMP). */
int bpfrt_install(const struct sock_fprog *prog, unsigned int flags);

/* bpfrt_install() without setting no_new_privs. The kernel then accepts
 * the filter only from a caller with CAP_SYS_ADMIN in its user namespace;
 * everybody else gets -EACCES. For callers that set no_new_privs
 * themselves or must keep set-uid execs working. */
int bpfrt_load(const struct sock_fprog *prog, unsigned int flags);

/* Does the running kernel know seccomp action ACTION (a SECCOMP_RET_*
 * value, data bits ignored)? Returns 1 yes, 0 no, or minus an errno when
 * the kernel cannot tell (-ENOSYS: no seccomp(); -EINVAL: before 4.14).
 * A worker whose policy uses kill-process or log should refuse to start,
 * or load a fallback policy, unless this returns 1. */
int bpfrt_action_available(uint32_t action);

#endif
