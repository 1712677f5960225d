/* Stage 5a: the order in which the code generator lays out the pieces of
 * the search tree and the leaves' blocks of argument tests. A conditional
 * jump reaches only 255 instructions ahead, so blocks that jump to the
 * same return (or the same shared test) can share one copy of it only
 * when they sit close together; this stage orders the pieces (each
 * entered by a far jump, so in any order) and, inside each, which child
 * of a node comes first, so that as few copies as possible are needed.
 * It knows nothing of BPF: only sizes, and which blocks jump where. */
#ifndef BPFGEN_LAYOUT_H
#define BPFGEN_LAYOUT_H

#include <stddef.h>

/* A node of a piece: an inner node (one instruction, then its children's
 * code) or a leaf (its block). */
struct lay_node {
	int child[2];           /* inner: the two children; leaf: -1, -1 */
	size_t leaf;            /* leaf: its index */
	size_t size;            /* instructions of the whole subtree */
	int first;              /* inner: the child laid out first (0 or 1) */
	int fixed;              /* inner: FIRST may not change (the other
				   child is too big to jump over) */
};

/* Leaf LEAF's block jumps to TARGET from its instructions FIRST .. LAST
 * (offsets in the block). */
struct lay_ref {
	size_t leaf, target;
	size_t first, last;
};

struct lay_problem {
	struct lay_node *nodes;
	size_t nnodes;
	int *pieces;            /* the root node of each piece, in order */
	size_t npieces;
	size_t nleaves;
	struct lay_ref *refs;   /* sorted by leaf */
	size_t nrefs;
	size_t ntargets;
	const size_t *target_size;  /* instructions of one copy of a target */
	size_t start;           /* where the first piece starts */
};

/* Reorders P->pieces and sets the FIRST of the nodes that are not fixed,
 * for the fewest instructions of copies (an estimate: each copy serves
 * the jumps less than 255 instructions before it), trying TRIES_EACH
 * changes per piece and per free node, at most 40,000 in all (*CAPPED,
 * if not NULL, says whether that cap stopped it). Deterministic. Returns
 * its work: estimates made times the size of one. */
#define LAYOUT_TRIES_QUICK     2
#define LAYOUT_TRIES_THOROUGH  48
size_t layout_order(struct lay_problem *p, size_t tries_each, int *capped);

#endif
