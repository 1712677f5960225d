/* Stage 3: the decision for every syscall number. Each number gets a chain:
 * the conditional rules that name it, in file order, ending in the action
 * of its first unconditional rule or the default. Chains are interned, so
 * numbers with the same chain, and chains with the same tail, share one
 * node; consecutive numbers with the same chain form one range. */
#ifndef BPFGEN_DECIDE_H
#define BPFGEN_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "bpfgen/resolve.h"

/* A chain node: "if CONDS then return ACTION else go to NEXT", or, for a
 * terminal node, "return ACTION". */
struct chain_node {
	int terminal;
	uint32_t action;
	const struct cond *conds;   /* points into the resolved rule */
	size_t nconds;
	int next;                   /* node index; -1 for terminals */
	unsigned hash;
};

struct range {
	uint32_t lo, hi;            /* inclusive */
	int node;
};

struct decision {
	const struct arch *arch;
	struct chain_node *nodes;
	size_t nnodes, nodes_cap;
	struct range *ranges;       /* sorted, covering base .. top */
	size_t nranges, ranges_cap;
	/* The numbers the search tree decides: on x86_64 those below the x32
	 * bit; for x32 (an ABI x86_64 accepts) the x32 bit and above, its
	 * table's numbers being base + n; else all. */
	uint32_t base, top;
	int default_node;
	uint32_t bad_arch, x32;
	int *index;                 /* intern table (open addressing) */
	size_t index_cap;
};

struct decision *decide(const struct resolved *r, struct diag *diag);
void decision_free(struct decision *d);

/* Index of the range holding syscall NR (base <= NR <= top). */
size_t decision_range_of(const struct decision *d, uint32_t nr);
/* The node deciding syscall NR (NR <= top). */
int decision_node_for(const struct decision *d, uint32_t nr);

#endif
