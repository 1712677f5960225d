/* Finds the kernel's seccomp audit records (type=1326) for one process, so
 * the demo and the live tests can show that log actions were logged. */
#ifndef BPFGEN_AUDITLOG_H
#define BPFGEN_AUDITLOG_H

#include <stdint.h>
#include <sys/types.h>

/* Open the kernel log positioned at its end, before the calls to watch.
 * Returns an fd, or minus an errno (e.g. -EPERM without CAP_SYSLOG). */
int auditlog_open(void);

/* Did the kernel log, after auditlog_open(), a seccomp record for PID with
 * action CODE (a SECCOMP_RET_* value)? When auditd runs, records go to
 * /var/log/audit/audit.log instead, which is searched too. Waits up to a
 * second for kauditd, which writes records asynchronously. Returns 1 or 0.
 * The kernel rate-limits these lines, so a caller that gets 0 may wait a
 * few seconds and trigger the call again. */
int auditlog_find(int fd, pid_t pid, uint32_t code);

#endif
