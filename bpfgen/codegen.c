/* Stage 5: code generation. Every path starts with the architecture check
 * and, on x86_64, the x32 guard; the path of a syscall decided without
 * argument conditions uses only loads of nr/arch, jumps on constants and
 * ret, so the kernel's action cache can prove it constant.
 *
 * Layout, for few far jumps (a conditional jump reaches 255 ahead): the
 * prologue; the top of the search tree; then, one after another, its
 * subtrees in which no jump goes farther than CHUNK_MAX, each laid out
 * depth first with each leaf's own argument tests placed right where the
 * tree reaches the leaf; then the x32 guard, the argument tests several
 * leaves share, and the returns.
 * jumps.c copies returns (and adds a "ja") where a target is still too
 * far, so a path pays at most one "ja" to enter its subtree. */
#include <linux/filter.h>
#include <stdlib.h>

#include "bpfgen/argtests.h"
#include "bpfgen/codegen.h"
#include "bpfgen/seccomp.h"
#include "bpfgen/util.h"

#define LD_ABS   (BPF_LD | BPF_W | BPF_ABS)
#define JEQ      (BPF_JMP | BPF_JEQ | BPF_K)
#define JGE      (BPF_JMP | BPF_JGE | BPF_K)
#define AND      (BPF_ALU | BPF_AND | BPF_K)
#define RET      (BPF_RET | BPF_K)

struct ret_label {
	uint32_t action;
	int label;
};

struct codegen {
	const struct decision *d;
	struct ir *ir;
	struct argtests args;
	int *test_labels;       /* argument test -> label of its code */
	size_t ntest_labels, test_labels_cap;
	int *roots;             /* argument tests the tree jumps to */
	size_t nroots, roots_cap;
	struct ret_label *rets;
	size_t nrets, rets_cap;
	int too_long;
};

static int ret_label(struct codegen *cg, uint32_t action)
{
	struct ret_label *r;

	for (size_t i = 0; i < cg->nrets; i++)
		if (cg->rets[i].action == action)
			return cg->rets[i].label;
	r = vec_push(&cg->rets, &cg->nrets, &cg->rets_cap, sizeof(*r));
	r->action = action;
	r->label = ir_label(cg->ir);
	return r->label;
}

/* Label of argument test I: its code, or the shared return. */
static int test_label(struct codegen *cg, int i)
{
	const struct word_test *t = &cg->args.tests[i];

	if (t->is_ret)
		return ret_label(cg, t->action);
	while ((size_t)i >= cg->ntest_labels) {
		int *slot = vec_push(&cg->test_labels, &cg->ntest_labels,
				     &cg->test_labels_cap, sizeof(int));
		*slot = -1;
	}
	if (cg->test_labels[i] < 0)
		cg->test_labels[i] = ir_label(cg->ir);
	return cg->test_labels[i];
}

/* Leaf I of the tree (in depth-first order), the chain node it runs and
 * where its code starts. */
struct leaf {
	int node;
	int root;               /* its first argument test, or -1 */
};

/* Owner of a test: the one leaf whose block holds it, or SHARED when
 * tests of several leaves (or the x32 guard) jump to it. */
#define UNOWNED (-1)
#define SHARED  (-2)

struct layout {
	struct leaf *leaves;
	size_t nleaves, leaves_cap;
	int *order;             /* all tests, each before those it jumps to */
	size_t norder;
	int *owner;             /* test -> leaf index, SHARED or UNOWNED */
	int *block_start;       /* leaf -> first of its tests in BLOCK */
	int *block;             /* the owned tests, grouped by leaf, in ORDER */
	struct chunk *chunks;   /* subtrees laid out after the top of the tree */
	size_t nchunks, chunks_cap;
};

/* A subtree in which every jump is in reach. */
struct chunk {
	const struct tree *t;
	int label;
	size_t first_leaf;
};

/* Conditional jumps reach 255 instructions ahead; leave room for the
 * copies of returns jumps.c adds inside a chunk. A node of a chunk jumps
 * over its lower half to reach its upper half. */
#define CHUNK_MAX 240

static void collect_leaves(struct codegen *cg, struct layout *lo,
			   const struct tree *t)
{
	struct leaf *l;

	if (!t->leaf) {
		collect_leaves(cg, lo, t->left);
		collect_leaves(cg, lo, t->right);
		return;
	}
	l = vec_push(&lo->leaves, &lo->nleaves, &lo->leaves_cap, sizeof(*l));
	l->node = t->node;
	l->root = argtests_root(&cg->args, t->node);
	if (l->root < 0)
		cg->too_long = 1;
	else
		*(int *)vec_push(&cg->roots, &cg->nroots, &cg->roots_cap,
				 sizeof(int)) = l->root;
}

static void claim(struct layout *lo, int test, int who)
{
	if (lo->owner[test] == UNOWNED)
		lo->owner[test] = who;
	else if (lo->owner[test] != who)
		lo->owner[test] = SHARED;
}

/* Which tests belong to exactly one leaf. A test reached from two leaves
 * must come after both, so it stays in the shared part at the end; so do
 * the tests of a chain node that decides several ranges. */
static void assign_owners(struct codegen *cg, struct layout *lo, int x32_root)
{
	const struct word_test *tests = cg->args.tests;
	size_t ntests = cg->args.ntests, *count;

	lo->owner = xmalloc((ntests ? ntests : 1) * sizeof(int));
	for (size_t i = 0; i < ntests; i++)
		lo->owner[i] = UNOWNED;
	if (x32_root >= 0)
		lo->owner[x32_root] = SHARED;
	for (size_t i = 0; i < lo->nleaves; i++)
		if (lo->leaves[i].root >= 0 && !tests[lo->leaves[i].root].is_ret)
			claim(lo, lo->leaves[i].root, (int)i);
	for (size_t i = 0; i < lo->norder; i++) {
		const struct word_test *t = &tests[lo->order[i]];
		int who = lo->owner[lo->order[i]];

		if (!tests[t->t].is_ret)
			claim(lo, t->t, who);
		if (!tests[t->f].is_ret)
			claim(lo, t->f, who);
	}
	/* Group the owned tests by leaf, keeping ORDER within each. */
	count = xcalloc(lo->nleaves + 1, sizeof(*count));
	for (size_t i = 0; i < lo->norder; i++)
		if (lo->owner[lo->order[i]] >= 0)
			count[lo->owner[lo->order[i]] + 1]++;
	lo->block_start = xcalloc(lo->nleaves + 1, sizeof(int));
	for (size_t i = 0; i < lo->nleaves; i++) {
		count[i + 1] += count[i];
		lo->block_start[i + 1] = (int)count[i + 1];
	}
	lo->block = xmalloc((lo->norder ? lo->norder : 1) * sizeof(int));
	for (size_t i = 0; i < lo->norder; i++) {
		int who = lo->owner[lo->order[i]];

		if (who >= 0)
			lo->block[count[who]++] = lo->order[i];
	}
	free(count);
}

static size_t test_size(const struct word_test *t)
{
	return 1 + !!t->load + !!t->and_mask;
}

/* Instructions of subtree T with its leaves' blocks, laid out depth first;
 * *LEAF counts the leaves passed. Clears *IN_REACH when some node of T
 * would have to jump over more than CHUNK_MAX instructions (its lower
 * half) to reach its upper half. */
static size_t subtree_size(const struct codegen *cg, const struct layout *lo,
			   const struct tree *t, size_t *leaf, int *in_reach)
{
	size_t n = 0;

	if (!t->leaf) {
		size_t left = subtree_size(cg, lo, t->left, leaf, in_reach);

		if (left > CHUNK_MAX)
			*in_reach = 0;
		return 1 + left + subtree_size(cg, lo, t->right, leaf, in_reach);
	}
	for (int b = lo->block_start[*leaf]; b < lo->block_start[*leaf + 1]; b++)
		n += test_size(&cg->args.tests[lo->block[b]]);
	(*leaf)++;
	return n;
}

static void emit_test(struct codegen *cg, int i)
{
	const struct word_test *t = &cg->args.tests[i];

	ir_place(cg->ir, test_label(cg, i));
	if (t->load)
		ir_stmt(cg->ir, LD_ABS, t->off);
	if (t->and_mask)
		ir_stmt(cg->ir, AND, t->and_mask);
	ir_jump(cg->ir, BPF_JMP | t->jop | BPF_K, t->k,
		test_label(cg, t->t), test_label(cg, t->f));
}

/* Where a tree edge to leaf I goes; its block, if it owns one, is placed
 * by place_child. */
static int leaf_label(struct codegen *cg, const struct layout *lo, size_t i)
{
	if (lo->leaves[i].root < 0)
		return ret_label(cg, cg->d->nodes[lo->leaves[i].node].action);
	return test_label(cg, lo->leaves[i].root);
}

/* Inner node T, whose leaves start at FIRST_LEAF: "jge #k" (or "jeq #k")
 * on the number, and the labels of its two children (a leaf's own code,
 * when a child is a leaf). */
static void emit_node(struct codegen *cg, const struct layout *lo,
		      const struct tree *t, size_t first_leaf, int *left, int *right)
{
	size_t right_leaf = first_leaf + tree_leaves(t->left);

	*left = t->left->leaf ? leaf_label(cg, lo, first_leaf) : ir_label(cg->ir);
	*right = t->right->leaf ? leaf_label(cg, lo, right_leaf) : ir_label(cg->ir);
	ir_jump(cg->ir, t->eq ? JEQ : JGE, t->k, *right, *left);
}

static void emit_subtree(struct codegen *cg, const struct layout *lo,
			 const struct tree *t, size_t *next_leaf);

/* Code for a child of a tree node: an inner node's subtree, or a leaf's
 * own block of tests right here, close to the jump that enters it. */
static void place_child(struct codegen *cg, const struct layout *lo,
			const struct tree *t, int label, size_t *next_leaf)
{
	size_t i;

	if (!t->leaf) {
		ir_place(cg->ir, label);
		emit_subtree(cg, lo, t, next_leaf);
		return;
	}
	i = (*next_leaf)++;
	for (int b = lo->block_start[i]; b < lo->block_start[i + 1]; b++)
		emit_test(cg, lo->block[b]);
}

/* The top of the tree, down to subtrees whose jumps are all in reach:
 * those are left for emit_chunks, so that a jump into one is the only far
 * jump on any path (jumps.c gives it a trampoline). */
static void emit_top(struct codegen *cg, struct layout *lo,
		     const struct tree *t, int label, size_t *next_leaf)
{
	size_t leaf = *next_leaf;
	int left, right, in_reach = 1;

	if (!t->leaf)
		subtree_size(cg, lo, t, &leaf, &in_reach);
	if (in_reach) {
		struct chunk *c = vec_push(&lo->chunks, &lo->nchunks,
					   &lo->chunks_cap, sizeof(*c));

		c->t = t;
		c->label = label;
		c->first_leaf = *next_leaf;
		*next_leaf += tree_leaves(t);
		return;
	}
	if (label >= 0)
		ir_place(cg->ir, label);
	emit_node(cg, lo, t, *next_leaf, &left, &right);
	emit_top(cg, lo, t->left, left, next_leaf);
	emit_top(cg, lo, t->right, right, next_leaf);
}

static void emit_chunks(struct codegen *cg, const struct layout *lo)
{
	for (size_t i = 0; i < lo->nchunks; i++) {
		const struct chunk *c = &lo->chunks[i];
		size_t next_leaf = c->first_leaf;

		/* The whole tree in one chunk enters by falling through. */
		if (c->label < 0)
			emit_subtree(cg, lo, c->t, &next_leaf);
		else
			place_child(cg, lo, c->t, c->label, &next_leaf);
	}
}

/* Depth-first: "jge k" on the number, then the lower half, then the
 * upper; a far jump to the upper half gets a trampoline in jumps.c. */
static void emit_subtree(struct codegen *cg, const struct layout *lo,
			 const struct tree *t, size_t *next_leaf)
{
	int left, right;

	if (t->leaf) {
		ir_jump(cg->ir, BPF_JMP | BPF_JA, 0, leaf_label(cg, lo, *next_leaf), -1);
		place_child(cg, lo, t, -1, next_leaf);
		return;
	}
	emit_node(cg, lo, t, *next_leaf, &left, &right);
	place_child(cg, lo, t->left, left, next_leaf);
	place_child(cg, lo, t->right, right, next_leaf);
}

static void emit_prologue(struct codegen *cg, int x32_label)
{
	const struct decision *d = cg->d;
	int nr = ir_label(cg->ir);

	ir_stmt(cg->ir, LD_ABS, SD_ARCH);
	ir_jump(cg->ir, JEQ, d->arch->audit_arch, nr, ret_label(cg, d->bad_arch));
	ir_place(cg->ir, nr);
	ir_stmt(cg->ir, LD_ABS, SD_NR);
	if (d->arch->x32_bit) {
		int tree = ir_label(cg->ir);

		ir_jump(cg->ir, JGE, d->arch->x32_bit, x32_label, tree);
		ir_place(cg->ir, tree);
	}
}

int codegen(const struct decision *d, const struct tree *t, int flags,
	    struct ir *out)
{
	struct codegen cg = { .d = d, .ir = out };
	struct layout lo = { 0 };
	int x32_label = ir_label(out), x32_root = -1, x32_same;
	size_t next_leaf = 0;

	argtests_init(&cg.args, d, flags);
	collect_leaves(&cg, &lo, t);
	if (d->arch->x32_bit) {
		x32_root = argtests_root(&cg.args, d->default_node);
		if (x32_root < 0)
			cg.too_long = 1;
		else
			*(int *)vec_push(&cg.roots, &cg.nroots, &cg.roots_cap,
					 sizeof(int)) = x32_root;
	}
	if (cg.too_long)
		goto out;
	argtests_finish(&cg.args, cg.roots, cg.nroots, &lo.order, &lo.norder);
	assign_owners(&cg, &lo, x32_root);

	/* When -1 gets the on-x32 action too, the guard decides nothing. */
	x32_same = x32_root >= 0 && cg.args.tests[x32_root].is_ret &&
		   cg.args.tests[x32_root].action == d->x32;
	if (x32_same)
		x32_label = ret_label(&cg, d->x32);
	emit_prologue(&cg, x32_label);
	emit_top(&cg, &lo, t, -1, &next_leaf);
	emit_chunks(&cg, &lo);
	if (d->arch->x32_bit && !x32_same) {
		/* Numbers at or above the x32 bit: x32 calls get on-x32; -1,
		 * which a tracer uses to skip a call, gets the default. */
		ir_place(out, x32_label);
		ir_jump(out, JEQ, UINT32_MAX, test_label(&cg, x32_root),
			ret_label(&cg, d->x32));
	}
	for (size_t i = 0; i < lo.norder; i++)
		if (lo.owner[lo.order[i]] < 0)
			emit_test(&cg, lo.order[i]);
	for (size_t i = 0; i < cg.nrets; i++) {
		ir_place(out, cg.rets[i].label);
		ir_stmt(out, RET, cg.rets[i].action);
	}
out:
	argtests_free(&cg.args);
	free(cg.test_labels);
	free(cg.roots);
	free(cg.rets);
	free(lo.leaves);
	free(lo.order);
	free(lo.owner);
	free(lo.block_start);
	free(lo.block);
	free(lo.chunks);
	return cg.too_long ? -1 : 0;
}
