/* Graphviz control-flow graph of a BPF program, for bpfdis --dot: one node
 * per basic block, labelled with its listing lines; edges true/false. */
#ifndef BPFGEN_TOOLS_ASM_DOT_H
#define BPFGEN_TOOLS_ASM_DOT_H

#include <stddef.h>
#include <stdio.h>
#include <linux/filter.h>

#include "arch/arch.h"

/* Writes "digraph NAME { ... }". NAME must be a C identifier. Returns 0,
 * or -1 when out of memory. */
int dot_program(FILE *out, const char *name, const struct arch *arch,
		const struct sock_filter *prog, size_t len);

#endif
