/* Stage 4: the search tree over syscall-number ranges. Each inner node is
 * one "jge #K" on the syscall number; each leaf is a range's chain node. */
#ifndef BPFGEN_TREE_H
#define BPFGEN_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "bpfgen/decide.h"

struct tree {
	int leaf;
	int node;               /* leaf: the chain node deciding the range */
	uint32_t k;             /* inner: numbers >= k go right */
	struct tree *left, *right;
};

/* Weight of each range (how often its syscalls are expected), or NULL for
 * a balanced tree. */
struct tree *tree_build(const struct decision *d, const double *range_weights);
void tree_free(struct tree *t);
size_t tree_depth(const struct tree *t);

#endif
