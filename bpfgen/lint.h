/* The linter: policies that compile but do not protect what they seem to.
 * It reads the resolved policy of one architecture (after stage 2) and
 * warns through diag_warn; compile.c runs it on every compile, `bpfgen
 * --lint` alone. Warnings about conditions on parameters (-Wpointer,
 * -Warg64, -Wnever, -Walways, -Wunknown-type) come from resolve.c, which
 * knows each condition's parameter. */
#ifndef BPFGEN_LINT_H
#define BPFGEN_LINT_H

#include "bpfgen/policy.h"
#include "bpfgen/resolve.h"

void lint_policy(const struct policy_ast *ast, const struct resolved *r,
		 struct diag *diag);

#endif
