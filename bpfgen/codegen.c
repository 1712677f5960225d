/* Stage 5: code generation. Every path starts with the architecture check
 * and, on x86_64, the x32 guard; the path of a syscall decided without
 * argument conditions uses only loads of nr/arch, jumps on constants and
 * ret, so the kernel's action cache can prove it constant.
 *
 * Layout, for few far jumps (a conditional jump reaches 255 ahead): the
 * prologue; the top of the search tree; then its subtrees in which no
 * jump goes farther than CHUNK_MAX ("chunks"), each laid out depth first
 * with each leaf's own argument tests placed right where the tree reaches
 * the leaf; then the returns. layout.c chooses the order of the chunks and
 * which child of each node comes first, so that blocks jumping to the
 * same return sit close and can share one copy of it; a test several
 * leaves share goes after the last of them.
 * jumps.c copies returns (and adds a "ja") where a target is still too
 * far, so a path pays at most one "ja" to enter its subtree. */
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/argtests.h"
#include "bpfgen/codegen.h"
#include "bpfgen/layout.h"
#include "bpf/seccomp.h"
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
	const struct argtests *args;
	int *test_labels;       /* argument test -> label of its code */
	size_t ntest_labels, test_labels_cap;
	int *roots;             /* argument tests the tree jumps to */
	size_t nroots, roots_cap;
	struct ret_label *rets;
	size_t nrets, rets_cap;
	int too_long;
	int thorough;           /* CODEGEN_THOROUGH */
	size_t layout_steps;    /* layout.c's work */
	int layout_capped;
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
	const struct word_test *t = &cg->args->tests[i];

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
 * tests of several leaves jump to it. */
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
	int *extra_start;       /* leaf -> first of the shared tests it holds */
	int *extra;             /* shared tests, grouped by the leaf holding them */
	struct chunk *chunks;   /* subtrees laid out after the top of the tree */
	size_t nchunks, chunks_cap;
	struct lay_node *lnodes;        /* the chunks' nodes, for layout.c */
	const struct tree **ltree;      /* lnode -> its tree node */
	size_t nlnodes, lnodes_cap, nltree, ltree_cap;
};

/* A subtree in which every jump is in reach. */
struct chunk {
	const struct tree *t;
	int label;
	size_t first_leaf;
	int lroot;              /* its root in LNODES */
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
	l->root = cg->args->root_of[t->node];
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
 * (say, of a chain node that decides several ranges) is SHARED: it must
 * come after both, and plan_layout gives it to the last of them. */
static void assign_owners(struct codegen *cg, struct layout *lo)
{
	const struct word_test *tests = cg->args->tests;
	size_t ntests = cg->args->ntests, *count;

	lo->owner = xmalloc((ntests ? ntests : 1) * sizeof(int));
	for (size_t i = 0; i < ntests; i++)
		lo->owner[i] = UNOWNED;
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

/* Instructions of subtree T, whose first leaf is LEAF, with its leaves'
 * blocks, laid out depth first with the smaller child first. Clears
 * *IN_REACH when some node of T would have to jump over more than
 * CHUNK_MAX instructions (its smaller child) to reach the other. */
static size_t subtree_size(const struct codegen *cg, const struct layout *lo,
			   const struct tree *t, size_t leaf, int *in_reach)
{
	size_t n = 0;

	if (!t->leaf) {
		size_t left = subtree_size(cg, lo, t->left, leaf, in_reach);
		size_t right = subtree_size(cg, lo, t->right,
					    leaf + tree_leaves(t->left), in_reach);

		if (left > CHUNK_MAX && right > CHUNK_MAX)
			*in_reach = 0;
		return 1 + left + right;
	}
	for (int b = lo->block_start[leaf]; b < lo->block_start[leaf + 1]; b++)
		n += test_size(&cg->args->tests[lo->block[b]]);
	return n;
}

static void emit_test(struct codegen *cg, int i)
{
	const struct word_test *t = &cg->args->tests[i];

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

/* Where a tree edge to CHILD, whose first leaf is LEAF, goes: a leaf's
 * own code, or a new label for an inner node. */
static int child_label(struct codegen *cg, const struct layout *lo,
		       const struct tree *child, size_t leaf)
{
	return child->leaf ? leaf_label(cg, lo, leaf) : ir_label(cg->ir);
}

/* "jge #k" (or "jeq #k") on the number: numbers it holds for go to the
 * right child. */
static void emit_compare(struct codegen *cg, const struct tree *t, int left,
			 int right)
{
	ir_jump(cg->ir, t->eq ? JEQ : JGE, t->k, right, left);
}

/* The top of the tree, down to subtrees whose jumps are all in reach:
 * those are left for emit_chunks, so that a jump into one is the only far
 * jump on any path (jumps.c gives it a trampoline). */
static void emit_top(struct codegen *cg, struct layout *lo,
		     const struct tree *t, int label, size_t leaf)
{
	size_t right_leaf;
	int left, right, in_reach = 1;

	if (!t->leaf)
		subtree_size(cg, lo, t, leaf, &in_reach);
	if (in_reach) {
		struct chunk *c = vec_push(&lo->chunks, &lo->nchunks,
					   &lo->chunks_cap, sizeof(*c));

		c->t = t;
		c->label = label;
		c->first_leaf = leaf;
		return;
	}
	if (label >= 0)
		ir_place(cg->ir, label);
	right_leaf = leaf + tree_leaves(t->left);
	left = child_label(cg, lo, t->left, leaf);
	right = child_label(cg, lo, t->right, right_leaf);
	emit_compare(cg, t, left, right);
	emit_top(cg, lo, t->left, left, leaf);
	emit_top(cg, lo, t->right, right, right_leaf);
}

/* Node T of a chunk, whose first leaf is LEAF, as layout.c sees it: its
 * index in LNODES. By default the smaller child comes first, so that the
 * jump over it reaches the other; when the larger is too big to jump
 * over, that order is fixed. */
static int add_lnode(struct codegen *cg, struct layout *lo,
		     const struct tree *t, size_t leaf)
{
	int at = (int)lo->nlnodes, c0, c1;
	struct lay_node *n;

	n = vec_push(&lo->lnodes, &lo->nlnodes, &lo->lnodes_cap, sizeof(*n));
	*(const struct tree **)vec_push(&lo->ltree, &lo->nltree, &lo->ltree_cap,
					sizeof(*lo->ltree)) = t;
	n->child[0] = n->child[1] = -1;
	n->leaf = leaf;
	n->first = 0;
	n->fixed = 0;
	if (t->leaf) {
		n->size = 0;
		for (int b = lo->block_start[leaf]; b < lo->block_start[leaf + 1]; b++)
			n->size += test_size(&cg->args->tests[lo->block[b]]);
		return at;
	}
	c0 = add_lnode(cg, lo, t->left, leaf);
	c1 = add_lnode(cg, lo, t->right, leaf + tree_leaves(t->left));
	n = &lo->lnodes[at];    /* the vector may have moved */
	n->child[0] = c0;
	n->child[1] = c1;
	n->size = 1 + lo->lnodes[c0].size + lo->lnodes[c1].size;
	n->first = lo->lnodes[c1].size < lo->lnodes[c0].size;
	n->fixed = lo->lnodes[c0].size > CHUNK_MAX || lo->lnodes[c1].size > CHUNK_MAX;
	return at;
}

/* A leaf's own block of tests, and the shared tests it holds. */
static void emit_block(struct codegen *cg, const struct layout *lo, size_t leaf)
{
	for (int b = lo->block_start[leaf]; b < lo->block_start[leaf + 1]; b++)
		emit_test(cg, lo->block[b]);
	for (int b = lo->extra_start[leaf]; b < lo->extra_start[leaf + 1]; b++)
		emit_test(cg, lo->extra[b]);
}

/* Chunk node N at LABEL: the compare, then its children in the order
 * layout.c chose, each leaf's block right where the compare reaches it. */
static void emit_lnode(struct codegen *cg, const struct layout *lo, int n,
		       int label)
{
	const struct lay_node *x = &lo->lnodes[n];
	int labels[2];

	if (x->child[0] < 0) {
		emit_block(cg, lo, x->leaf);
		return;
	}
	if (label >= 0)
		ir_place(cg->ir, label);
	for (int c = 0; c < 2; c++)
		labels[c] = child_label(cg, lo, lo->ltree[x->child[c]],
					lo->lnodes[x->child[c]].leaf);
	emit_compare(cg, lo->ltree[n], labels[0], labels[1]);
	emit_lnode(cg, lo, x->child[x->first], labels[x->first]);
	emit_lnode(cg, lo, x->child[!x->first], labels[!x->first]);
}

/* Jumps of leaf blocks to returns and to shared tests, for layout.c:
 * target numbers are the shared tests' first, then the actions'. */
struct refs {
	struct lay_ref *v;
	size_t n, cap;
	size_t leaf_first;      /* the current leaf's first ref */
	int *shared_id;         /* test -> its number among shared tests, or -1 */
	size_t nshared;
	uint32_t *actions;
	size_t nactions, actions_cap;
};

/* Leaf LEAF's block jumps to TEST from its instruction AT. */
static void add_ref(const struct codegen *cg, struct refs *r, size_t leaf,
		    int test, size_t at)
{
	const struct word_test *t = &cg->args->tests[test];
	size_t target, i;
	struct lay_ref *ref;

	if (t->is_ret) {
		for (i = 0; i < r->nactions && r->actions[i] != t->action; i++)
			;
		if (i == r->nactions)
			*(uint32_t *)vec_push(&r->actions, &r->nactions,
					      &r->actions_cap, 4) = t->action;
		target = r->nshared + i;
	} else if (r->shared_id[test] >= 0) {
		target = (size_t)r->shared_id[test];
	} else {
		return;         /* within the block */
	}
	for (i = r->leaf_first; i < r->n; i++)
		if (r->v[i].target == target) {
			r->v[i].last = at;
			return;
		}
	ref = vec_push(&r->v, &r->n, &r->cap, sizeof(*ref));
	ref->leaf = leaf;
	ref->target = target;
	ref->first = ref->last = at;
}

static void rank_leaves(const struct layout *lo, int n, size_t *rank, size_t *next)
{
	const struct lay_node *x = &lo->lnodes[n];

	if (x->child[0] < 0) {
		rank[x->leaf] = (*next)++;
		return;
	}
	rank_leaves(lo, x->child[x->first], rank, next);
	rank_leaves(lo, x->child[!x->first], rank, next);
}

/* Lets layout.c order the chunks and the children of their nodes, then
 * gives each shared test to the last leaf, in that order, whose tests
 * reach it: it must come after all of them, and close to them. */
static void plan_layout(struct codegen *cg, struct layout *lo)
{
	const struct word_test *tests = cg->args->tests;
	size_t ntests = cg->args->ntests, nleaves = lo->nleaves, next = 0;
	struct refs r = { 0 };
	struct lay_problem p = { 0 };
	struct chunk *chunks;
	size_t *tsize, *rank, *at_rank, *count;
	int *last;

	for (size_t i = 0; i < lo->nchunks; i++)
		lo->chunks[i].lroot = add_lnode(cg, lo, lo->chunks[i].t,
						lo->chunks[i].first_leaf);
	r.shared_id = xmalloc((ntests ? ntests : 1) * sizeof(int));
	for (size_t i = 0; i < ntests; i++)
		r.shared_id[i] = !tests[i].is_ret && lo->owner[i] == SHARED ?
				 (int)r.nshared++ : -1;
	for (size_t leaf = 0; leaf < nleaves; leaf++) {
		int root = lo->leaves[leaf].root;
		size_t off = 0;

		r.leaf_first = r.n;
		if (root >= 0)
			add_ref(cg, &r, leaf, root, 0);
		for (int b = lo->block_start[leaf]; b < lo->block_start[leaf + 1]; b++) {
			const struct word_test *t = &tests[lo->block[b]];

			off += test_size(t);
			add_ref(cg, &r, leaf, t->t, off - 1);
			add_ref(cg, &r, leaf, t->f, off - 1);
		}
	}
	tsize = xmalloc((r.nshared + r.nactions + 1) * sizeof(size_t));
	for (size_t i = 0; i < ntests; i++)
		if (r.shared_id[i] >= 0)
			tsize[r.shared_id[i]] = test_size(&tests[i]);
	for (size_t i = 0; i < r.nactions; i++)
		tsize[r.nshared + i] = 1;

	p.nodes = lo->lnodes;
	p.nnodes = lo->nlnodes;
	p.pieces = xmalloc((lo->nchunks ? lo->nchunks : 1) * sizeof(int));
	for (size_t i = 0; i < lo->nchunks; i++)
		p.pieces[i] = lo->chunks[i].lroot;
	p.npieces = lo->nchunks;
	p.nleaves = nleaves;
	p.refs = r.v;
	p.nrefs = r.n;
	p.ntargets = r.nshared + r.nactions;
	p.target_size = tsize;
	p.start = cg->ir->n;
	cg->layout_steps = layout_order(&p, cg->thorough ? LAYOUT_TRIES_THOROUGH :
					LAYOUT_TRIES_QUICK, &cg->layout_capped);

	/* The chunks in the order chosen. */
	chunks = xmalloc((lo->nchunks ? lo->nchunks : 1) * sizeof(*chunks));
	for (size_t i = 0; i < lo->nchunks; i++)
		for (size_t j = 0; j < lo->nchunks; j++)
			if (lo->chunks[j].lroot == p.pieces[i])
				chunks[i] = lo->chunks[j];
	free(lo->chunks);
	lo->chunks = chunks;
	lo->chunks_cap = lo->nchunks;

	/* Each shared test goes to the last leaf that reaches it. */
	rank = xcalloc(nleaves + 1, sizeof(size_t));
	at_rank = xcalloc(nleaves + 1, sizeof(size_t));
	for (size_t i = 0; i < lo->nchunks; i++)
		rank_leaves(lo, lo->chunks[i].lroot, rank, &next);
	for (size_t leaf = 0; leaf < nleaves; leaf++)
		at_rank[rank[leaf]] = leaf;
	last = xmalloc((ntests ? ntests : 1) * sizeof(int));
	for (size_t i = 0; i < ntests; i++)
		last[i] = -1;
	for (size_t leaf = 0; leaf < nleaves; leaf++) {
		int root = lo->leaves[leaf].root;

		if (root >= 0 && r.shared_id[root] >= 0 && last[root] < (int)rank[leaf])
			last[root] = (int)rank[leaf];
	}
	for (size_t i = 0; i < lo->norder; i++) {
		int x = lo->order[i], from[2] = { tests[x].t, tests[x].f };
		int v = lo->owner[x] >= 0 ? (int)rank[lo->owner[x]] : last[x];

		for (int k = 0; k < 2; k++)
			if (r.shared_id[from[k]] >= 0 && last[from[k]] < v)
				last[from[k]] = v;
	}
	count = xcalloc(nleaves + 1, sizeof(size_t));
	lo->extra_start = xcalloc(nleaves + 1, sizeof(int));
	lo->extra = xmalloc((r.nshared ? r.nshared : 1) * sizeof(int));
	for (size_t i = 0; i < lo->norder; i++) {
		int x = lo->order[i];

		if (r.shared_id[x] >= 0)
			count[at_rank[last[x] < 0 ? nleaves - 1 : (size_t)last[x]] + 1]++;
	}
	for (size_t leaf = 0; leaf < nleaves; leaf++) {
		count[leaf + 1] += count[leaf];
		lo->extra_start[leaf + 1] = (int)count[leaf + 1];
	}
	for (size_t i = 0; i < lo->norder; i++) {
		int x = lo->order[i];

		if (r.shared_id[x] >= 0)
			lo->extra[count[at_rank[last[x] < 0 ? nleaves - 1 :
						(size_t)last[x]]]++] = x;
	}
	free(count);
	free(last);
	free(rank);
	free(at_rank);
	free(p.pieces);
	free(tsize);
	free(r.v);
	free(r.shared_id);
	free(r.actions);
}

static void emit_chunks(struct codegen *cg, const struct layout *lo)
{
	for (size_t i = 0; i < lo->nchunks; i++) {
		const struct chunk *c = &lo->chunks[i];

		/* The whole tree in one chunk enters by falling through; a
		 * lone leaf there still needs its entry. */
		if (c->label < 0 && c->t->leaf)
			ir_jump(cg->ir, BPF_JMP | BPF_JA, 0,
				leaf_label(cg, lo, c->first_leaf), -1);
		emit_lnode(cg, lo, c->lroot, c->label);
	}
}

/* The architecture check and, on x86_64, the x32 guard: numbers at or
 * above the x32 bit get on-x32, but -1 (a tracer's way to skip a call)
 * gets the default (decide.c: always a plain action). The returns are
 * shared with the rest; jumps.c puts a copy close by when the shared one
 * is out of reach.
 *
 * With ABIs accepted besides the native one (sections 1..N-1 of S):
 * the native architecture is checked first, so its calls pay nothing;
 * each other audit arch is checked next, in order, and enters its
 * section, which loads nr; x32 enters its section at the x32 guard (a
 * section whose decision starts at the x32 bit), -1 included. ENTRY[i]
 * is where section i's search tree starts. */
/* The first section after I (of N) with an audit arch of its own (not
 * x32's), or N. */
static size_t next_audit(const struct codegen_section *s, size_t n, size_t i)
{
	while (++i < n && s[i].d->base)
		;
	return i;
}

static void emit_prologue(struct codegen *cg, const struct codegen_section *s,
			  size_t n, int *entry)
{
	const struct decision *d = s[0].d;
	uint32_t deflt = d->nodes[d->default_node].action;
	struct ir *ir = cg->ir;
	int nr = ir_label(ir), bad = ret_label(cg, d->bad_arch);
	int tree, minus_one, check = bad, x32 = -1;

	for (size_t i = 1; i < n; i++) {
		entry[i] = ir_label(ir);
		if (s[i].d->base)
			x32 = entry[i];
	}
	if (next_audit(s, n, 0) < n)
		check = ir_label(ir);
	ir_stmt(ir, LD_ABS, SD_ARCH);
	ir_jump(ir, JEQ, d->arch->audit_arch, nr, check);
	/* Each other audit arch: its section, or the next check, the last
	 * one on-bad-arch. */
	for (size_t i = next_audit(s, n, 0), j; i < n; i = j) {
		j = next_audit(s, n, i);
		ir_place(ir, check);
		check = j < n ? ir_label(ir) : bad;
		ir_jump(ir, JEQ, s[i].d->arch->audit_arch, entry[i], check);
	}
	ir_place(ir, nr);
	ir_stmt(ir, LD_ABS, SD_NR);
	entry[0] = ir_label(ir);
	if (d->base) {          /* x32 alone: how compile.c sizes a section */
		ir_jump(ir, JGE, d->base, entry[0], bad);
		ir_place(ir, entry[0]);
		return;
	}
	if (!d->arch->x32_bit) {
		ir_place(ir, entry[0]);
		return;
	}
	tree = entry[0];
	if (x32 >= 0) {
		ir_jump(ir, JGE, d->arch->x32_bit, x32, tree);
	} else if (deflt == d->x32) {
		ir_jump(ir, JGE, d->arch->x32_bit, ret_label(cg, d->x32), tree);
	} else {
		minus_one = ir_label(ir);
		ir_jump(ir, JGE, d->arch->x32_bit, minus_one, tree);
		ir_place(ir, minus_one);
		ir_jump(ir, JEQ, UINT32_MAX, ret_label(cg, deflt),
			ret_label(cg, d->x32));
	}
	ir_place(ir, tree);
}

static void free_layout(struct layout *lo)
{
	free(lo->leaves);
	free(lo->order);
	free(lo->owner);
	free(lo->block_start);
	free(lo->block);
	free(lo->extra_start);
	free(lo->extra);
	free(lo->chunks);
	free(lo->lnodes);
	free(lo->ltree);
	memset(lo, 0, sizeof(*lo));
}

/* One section: its search tree with each leaf's argument tests, laid out
 * (layout.c) on its own; returns shared with every section. A section
 * but the first starts at ENTRY, and one of another audit arch loads nr
 * first. */
static void emit_section(struct codegen *cg, const struct codegen_section *s,
			 int entry, int load_nr)
{
	struct layout lo = { 0 };

	cg->d = s->d;
	cg->args = s->args;
	cg->ntest_labels = 0;
	cg->nroots = 0;
	collect_leaves(cg, &lo, s->t);
	if (cg->too_long || s->args->too_long) {
		cg->too_long = 1;
		free_layout(&lo);
		return;
	}
	argtests_order(s->args, cg->roots, cg->nroots, &lo.order, &lo.norder);
	assign_owners(cg, &lo);
	if (entry >= 0)
		ir_place(cg->ir, entry);
	if (load_nr)
		ir_stmt(cg->ir, LD_ABS, SD_NR);
	emit_top(cg, &lo, s->t, -1, 0);
	plan_layout(cg, &lo);
	emit_chunks(cg, &lo);
	free_layout(&lo);
}

int codegen_sections(const struct codegen_section *s, size_t n, int flags,
		     struct ir *out, struct codegen_stats *stats)
{
	struct codegen cg = { .ir = out, .thorough = !!(flags & CODEGEN_THOROUGH) };
	int *entry = xcalloc(n + 1, sizeof(int));

	cg.d = s[0].d;
	emit_prologue(&cg, s, n, entry);
	for (size_t i = 0; i < n && !cg.too_long; i++)
		emit_section(&cg, &s[i], i ? entry[i] : -1, i && !s[i].d->base);
	if (!cg.too_long)
		for (size_t i = 0; i < cg.nrets; i++) {
			ir_place(out, cg.rets[i].label);
			ir_stmt(out, RET, cg.rets[i].action);
		}
	if (stats) {
		stats->layout_steps = cg.layout_steps;
		stats->layout_capped = cg.layout_capped;
	}
	free(entry);
	free(cg.test_labels);
	free(cg.roots);
	free(cg.rets);
	return cg.too_long ? -1 : 0;
}

int codegen_with(const struct decision *d, const struct tree *t,
		 const struct argtests *args, int flags, struct ir *out,
		 struct codegen_stats *stats)
{
	struct codegen_section s = { d, t, args };

	return codegen_sections(&s, 1, flags, out, stats);
}

int codegen(const struct decision *d, const struct tree *t, int flags,
	    struct ir *out)
{
	struct argtests args;
	int rc = -1;

	if (argtests_build(&args, d, flags & (ARGTESTS_SPECIALISE | ARGTESTS_SEARCH |
					      ARGTESTS_LO_FIRST), 0) == 0)
		rc = codegen_with(d, t, &args, flags, out, NULL);
	argtests_free(&args);
	return rc;
}
