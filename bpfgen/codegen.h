/* Stage 5: instructions with labels. Lays out the prologue (architecture
 * check, x32 guard), the search tree, one block per chain node, and one
 * shared return instruction per distinct action. */
#ifndef BPFGEN_CODEGEN_H
#define BPFGEN_CODEGEN_H

#include "bpfgen/decide.h"
#include "bpfgen/ir.h"
#include "bpfgen/tree.h"

/* FLAGS: ARGTESTS_* (argtests.h). Returns -1 when the argument tests
 * alone exceed the kernel's limit. */
int codegen(const struct decision *d, const struct tree *t, int flags,
	    struct ir *out);

#endif
