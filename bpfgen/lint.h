/* The linter: policies that compile but do not protect what they seem to.
 * It reads the resolved policy of every architecture being compiled at
 * once (after stage 2), so that each warning is printed once, naming the
 * architectures where it differs, and warns through diag_warn with a
 * fix-it; compile.c runs it on every compile, `bpfgen --lint` alone.
 * Warnings about conditions on parameters (-Wpointer, -Warg64, -Wnever,
 * -Walways, -Wunknown-type, -Wunused-arg) and -Wopen-arch come from
 * resolve.c, which knows each condition's parameter. */
#ifndef BPFGEN_LINT_H
#define BPFGEN_LINT_H

#include <stddef.h>

#include "bpfgen/policy.h"
#include "bpfgen/resolve.h"

/* Lint AST as resolved for N architectures (RS[0..N-1], at most 32). */
void lint_policy(const struct policy_ast *ast, const struct resolved *const *rs,
		 size_t n, struct diag *diag);

#endif
