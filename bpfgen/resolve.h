/* Stage 2: the policy for one architecture. Syscall names become numbers,
 * groups are expanded, constants take this architecture's values and
 * actions become the 32-bit values a filter returns. */
#ifndef BPFGEN_RESOLVE_H
#define BPFGEN_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "bpfgen/policy.h"

/* One comparison on one argument, all values known, as the filter makes
 * it: unsigned, on (argument & MASK). For lo32 conditions only the low
 * word is compared and MASK/VALUE fit in 32 bits (a 16-bit parameter has
 * MASK within 0xffff). Typed signed compares become OP_IN / OP_OUT:
 * VALUE <= (arg & MASK) <= VALUE2, or not. */
struct cond {
	int arg;
	int lo32;
	enum cmp_op op;
	uint64_t mask;      /* all ones (of the width) when the condition has no mask */
	uint64_t value;
	uint64_t value2;    /* OP_IN / OP_OUT: the range's upper end */
};

struct rule {
	struct pos pos;
	size_t src;         /* index of the policy rule (ast->rules) it comes
			     * from: a rule whose syscalls differ in parameter
			     * types resolves to one rule per type signature */
	uint32_t action;
	uint32_t *nrs;      /* sorted, no duplicates */
	size_t nnrs;
	struct cond *conds;
	size_t nconds;
	int never;          /* a condition can never hold: the rule is dead */
};

struct resolved {
	const struct arch *arch;   /* a target, or an ABI it accepts */
	uint32_t deflt, bad_arch, x32;
	/* on-newer: numbers above NEWER_ABOVE (the highest any rule names
	 * here) get NEWER; has_newer is 0 without the line or names. */
	int has_newer;
	uint32_t newer, newer_above;
	struct rule *rules;
	size_t nrules, rules_cap;
	char **notes;        /* for the reader of the output */
	size_t nnotes, notes_cap;
};

struct resolve_options {
	int log_only;
	int x32_accepted;   /* `abi x86_64: ..., x32`: on-x32 is not used */
};

/* Returns NULL after reporting errors to DIAG. */
struct resolved *resolve_policy(const struct policy_ast *ast,
				const struct arch *arch,
				const struct resolve_options *opts,
				struct diag *diag);
void resolved_free(struct resolved *r);

#endif
