/* Stage 4: the search tree over syscall-number ranges. Each inner node is
 * one "jge #K" on the syscall number, or "jeq #K" singling out one number;
 * each leaf is a range's chain node. */
#ifndef BPFGEN_TREE_H
#define BPFGEN_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "bpfgen/decide.h"

struct tree {
	int leaf;
	int eq;                 /* inner: "jeq #k" rather than "jge #k" */
	int node;               /* leaf: the chain node deciding the range */
	uint32_t k;             /* inner: numbers >= k (eq: == k) go right */
	struct tree *left, *right;
};

/* Weight of each range (how often its syscalls are expected), or NULL for
 * a balanced tree. */
struct tree *tree_build(const struct decision *d, const double *range_weights);
/* Balanced over segments instead of ranges: a segment is a run of ranges
 * in which every range but those of one chain node is a single number, at
 * most CHAIN of them; it is decided by a chain of "jeq" on those numbers,
 * which takes one compare for each where a balanced tree takes about two.
 * NULL when some number would take more than one compare more than in the
 * balanced tree. */
struct tree *tree_build_chains(const struct decision *d, size_t chain);
/* The tree with the fewest compares (chains and splits mixed as needed)
 * in which no number takes more compares than the balanced tree plus
 * one; NULL for more than FEWEST_MAX_RANGES ranges, or when the search
 * for it would work out more than FEWEST_CELLS_PER_RANGE cells per
 * range (a deterministic budget). *CELLS: the cells it worked out. */
#define FEWEST_MAX_RANGES 512
#define FEWEST_CELLS_PER_RANGE 128
struct tree *tree_build_fewest(const struct decision *d, size_t *cells);
/* The chain node the tree decides for NR, and the compares on the way. */
int tree_decide(const struct tree *t, uint32_t nr, size_t *compares);
void tree_free(struct tree *t);
size_t tree_depth(const struct tree *t);
size_t tree_leaves(const struct tree *t);

#endif
