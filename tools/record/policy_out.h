/* A recording written as a policy in bpfgen's language: the allow rules
 * it needs, or (--merge) only those an existing policy lacks. Shared by
 * syscall-record and seccomp-audit --policy. */
#ifndef BPFGEN_POLICY_OUT_H
#define BPFGEN_POLICY_OUT_H

#include <stdio.h>

#include "tools/record/record.h"

struct policy_out_opts {
	const char *tool;           /* "syscall-record", "seccomp-audit" */
	const char *const *header;  /* comment lines for the top, NULL-ended */
	const char *deflt;          /* the default action, as written */
	const char *merge;          /* OLD.policy to extend, or NULL */
};

/* Writes the policy for R to OUT. Errors (OLD unreadable or not
 * compiling) and warnings (foreign ABIs, rules of OLD that block a
 * recorded call) go to ERR. Returns 0, or -1 after an error. */
int policy_write(FILE *out, const struct record *r,
		 const struct policy_out_opts *o, FILE *err);

/* Is TEXT an action the policy language accepts ("kill-process",
 * "errno(EPERM)", "trace(7)"...)? Checks the form only. */
int policy_action_ok(const char *text);

#endif
