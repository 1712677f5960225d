/* Stage 5: instructions with labels. Lays out the prologue (architecture
 * check, x32 guard), the search tree with each chain node's argument tests
 * next to the leaf that runs them, and one shared return instruction per
 * distinct action (codegen.c says where each goes). */
#ifndef BPFGEN_CODEGEN_H
#define BPFGEN_CODEGEN_H

#include "bpfgen/decide.h"
#include "bpfgen/ir.h"
#include "bpfgen/tree.h"

/* FLAGS: ARGTESTS_* (argtests.h), and CODEGEN_THOROUGH to search longer
 * for a layout that needs fewer copies (layout.h). Returns -1 when the
 * argument tests alone exceed the kernel's limit. */
#define CODEGEN_THOROUGH 0x100
int codegen(const struct decision *d, const struct tree *t, int flags,
	    struct ir *out);
/* The same with argument tests already built (argtests_build), which can
 * serve every tree over the same decision. */
struct argtests;
struct codegen_stats {
	size_t layout_steps;    /* the layout search's work (layout.h) */
	int layout_capped;      /* ... stopped by its cap */
};
int codegen_with(const struct decision *d, const struct tree *t,
		 const struct argtests *args, int flags, struct ir *out,
		 struct codegen_stats *stats);

/* One program for a target that accepts other ABIs: S[0] is the target's
 * own section, the others its ABIs' (x32: a decision from the x32 bit
 * up; i386, arm: their own audit arch), each with its tree and argument
 * tests. The prologue dispatches to them (codegen.c). */
struct codegen_section {
	const struct decision *d;
	const struct tree *t;
	const struct argtests *args;
};
int codegen_sections(const struct codegen_section *s, size_t n, int flags,
		     struct ir *out, struct codegen_stats *stats);

#endif
