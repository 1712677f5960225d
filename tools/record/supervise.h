/* Runs a command under a seccomp filter that notifies every system call,
 * and records each notification before letting the call continue. */
#ifndef BPFGEN_SUPERVISE_H
#define BPFGEN_SUPERVISE_H

#include <stdio.h>

#include "tools/record/record.h"

struct supervise_opts {
	char *const *argv;      /* the command, NULL-terminated */
	long linger_ms;         /* after the command exits, how long to wait
				 * for its descendants: -1 until they are all
				 * gone, 0 not at all */
};

struct supervise_result {
	int reaped;             /* status holds the command's wait status */
	int status;
	int exec_errno;         /* the command could not be started */
	int incomplete;         /* an error stopped the recording early */
	int left_behind;        /* recording stopped while processes using
				 * the filter were still running */
};

/* Checks the kernel, starts the command and records its calls (and its
 * threads' and descendants') into R until no process uses the filter, or
 * linger_ms after the command exits. Problems go to ERR prefixed with
 * "syscall-record: ". Returns 0 once the command ran (whatever its
 * outcome), -1 when recording could not start. */
int supervise_run(const struct supervise_opts *o, struct record *r,
		  struct supervise_result *res, FILE *err);

#endif
