/* Stage 5: code generation. Every path starts with the architecture check
 * and, on x86_64, the x32 guard; the path of a syscall decided without
 * argument conditions uses only loads of nr/arch, jumps on constants and
 * ret, so the kernel's action cache can prove it constant. */
#include <linux/filter.h>
#include <stdlib.h>

#include "bpfgen/codegen.h"
#include "bpfgen/seccomp.h"
#include "bpfgen/util.h"

#define LD_ABS   (BPF_LD | BPF_W | BPF_ABS)
#define JEQ      (BPF_JMP | BPF_JEQ | BPF_K)
#define JGT      (BPF_JMP | BPF_JGT | BPF_K)
#define JGE      (BPF_JMP | BPF_JGE | BPF_K)
#define JSET     (BPF_JMP | BPF_JSET | BPF_K)
#define AND      (BPF_ALU | BPF_AND | BPF_K)
#define RET      (BPF_RET | BPF_K)

struct ret_label {
	uint32_t action;
	int label;
};

struct codegen {
	const struct decision *d;
	struct ir *ir;
	int *node_label;        /* chain node -> label of its code */
	int *lo_load;           /* chain node -> label of its first test's
				 * low-word load, once the high word passed */
	int *lo_test;           /* ... and of that test, A holding the word */
	struct ret_label *rets;
	size_t nrets, rets_cap;
	long a_holds;           /* seccomp_data offset in A, or -1 */
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

/* Where control goes to run chain node N. */
static int node_label(struct codegen *cg, int n)
{
	const struct chain_node *node = &cg->d->nodes[n];

	if (node->terminal)
		return ret_label(cg, node->action);
	if (cg->node_label[n] < 0)
		cg->node_label[n] = ir_label(cg->ir);
	return cg->node_label[n];
}

/* Lazily made label in TABLE[N]. */
static int table_label(struct codegen *cg, int *table, int n)
{
	if (table[n] < 0)
		table[n] = ir_label(cg->ir);
	return table[n];
}

/* Does condition B require what A's high-word test requires? Then after
 * A's high word passed, B's passes too, and after it failed, B fails. */
static int same_high_test(const struct cond *a, const struct cond *b)
{
	return a->op == OP_EQ && b->op == OP_EQ && a->arg == b->arg &&
	       !a->lo32 == !b->lo32 &&
	       (a->lo32 || ((a->mask >> 32) == (b->mask >> 32) &&
			    (a->value >> 32) == (b->value >> 32)));
}

/* The first test of node N is "arg & mask == value" sharing C's high-word
 * test (see same_high_test). */
static int shares_first_test(const struct codegen *cg, int n, const struct cond *c)
{
	const struct chain_node *node = &cg->d->nodes[n];

	return !node->terminal && same_high_test(c, &node->conds[0]);
}

/* Where to go when the high word of C, node N's first test, is not what
 * it must be: past every following node whose first test needs the same
 * high word, since they all fail. */
static int high_fail_target(struct codegen *cg, int n, const struct cond *c)
{
	int m = cg->d->nodes[n].next;

	while (shares_first_test(cg, m, c))
		m = cg->d->nodes[m].next;
	return node_label(cg, m);
}

/* Where to go when the low word of C, node N's first test, does not
 * match: the next node, but past its high-word test when it is C's, and
 * past its load too when A still holds the word (KEPT_A). */
static int low_fail_target(struct codegen *cg, int n, const struct cond *c,
			   int kept_a)
{
	int m = cg->d->nodes[n].next;

	if (!shares_first_test(cg, m, c))
		return node_label(cg, m);
	return kept_a ? table_label(cg, cg->lo_test, m)
		      : table_label(cg, cg->lo_load, m);
}

static void place(struct codegen *cg, int label)
{
	ir_place(cg->ir, label);
	cg->a_holds = -1;   /* other paths may arrive here */
}

static void load(struct codegen *cg, uint32_t off)
{
	if (cg->a_holds == (long)off)
		return;
	ir_stmt(cg->ir, LD_ABS, off);
	cg->a_holds = off;
}

static int is_single_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* (word & mask) == value ? succ : fail, for one 32-bit word. Leaves A
 * holding the word unless an AND was needed. */
static void word_eq(struct codegen *cg, uint32_t off, uint32_t mask,
		    uint32_t value, int succ, int fail)
{
	if (mask == 0) {        /* value is 0 too: resolve.c checked */
		ir_jump(cg->ir, BPF_JMP | BPF_JA, 0, succ, -1);
		return;
	}
	load(cg, off);
	if (mask == 0xffffffffu) {
		ir_jump(cg->ir, JEQ, value, succ, fail);
	} else if (value == 0) {
		ir_jump(cg->ir, JSET, mask, fail, succ);
	} else if (value == mask && is_single_bit(mask)) {
		ir_jump(cg->ir, JSET, mask, succ, fail);
	} else {
		ir_stmt(cg->ir, AND, mask);
		cg->a_holds = -1;
		ir_jump(cg->ir, JEQ, value, succ, fail);
	}
}

/* Does word_eq leave the tested word in A? Only the AND form does not. */
static int word_eq_keeps_a(uint32_t mask, uint32_t value)
{
	return mask == 0xffffffffu || value == 0 ||
	       (value == mask && is_single_bit(mask));
}

/* A node's first test when it is "arg & mask == value": like cond_eq, but
 * with entry points for the nodes before it in the chain. Consecutive
 * rules testing one argument for several values then share one high-word
 * test and one load of the low word, a jeq per value (see
 * high_fail_target and low_fail_target). */
static void first_eq(struct codegen *cg, int n, const struct cond *c, int succ)
{
	uint32_t mhi = (uint32_t)(c->mask >> 32), vhi = (uint32_t)(c->value >> 32);
	uint32_t mlo = (uint32_t)c->mask, vlo = (uint32_t)c->value;
	int lo_load = table_label(cg, cg->lo_load, n);

	if (!c->lo32 && mhi != 0)
		word_eq(cg, SD_ARG_HI(c->arg), mhi, vhi, lo_load,
			high_fail_target(cg, n, c));
	place(cg, lo_load);
	if (mlo != 0)
		load(cg, SD_ARG_LO(c->arg));
	/* Jumps arrive here only with A holding the low word. */
	ir_place(cg->ir, table_label(cg, cg->lo_test, n));
	word_eq(cg, SD_ARG_LO(c->arg), mlo, vlo, succ,
		low_fail_target(cg, n, c, word_eq_keeps_a(mlo, vlo)));
}

/* arg & mask == value over 64 bits (or only the low word). */
static void cond_eq(struct codegen *cg, const struct cond *c, int succ, int fail)
{
	uint32_t mhi = (uint32_t)(c->mask >> 32), vhi = (uint32_t)(c->value >> 32);
	int lo;

	if (c->lo32 || mhi == 0) {
		word_eq(cg, SD_ARG_LO(c->arg), (uint32_t)c->mask,
			(uint32_t)c->value, succ, fail);
		return;
	}
	lo = ir_label(cg->ir);
	word_eq(cg, SD_ARG_HI(c->arg), mhi, vhi, lo, fail);
	ir_place(cg->ir, lo);   /* only reached from the test above */
	word_eq(cg, SD_ARG_LO(c->arg), (uint32_t)c->mask, (uint32_t)c->value,
		succ, fail);
}

/* arg > value (STRICT) or arg >= value, unsigned, 64 bits or low word. */
static void cond_greater(struct codegen *cg, const struct cond *c, int strict,
			 int succ, int fail)
{
	uint16_t op = strict ? JGT : JGE;
	uint32_t hi = (uint32_t)(c->value >> 32), lo = (uint32_t)c->value;
	int eq, low;

	if (c->lo32) {
		load(cg, SD_ARG_LO(c->arg));
		ir_jump(cg->ir, op, lo, succ, fail);
		return;
	}
	load(cg, SD_ARG_HI(c->arg));
	if (!strict && lo == 0) {
		/* arg >= hi:0 exactly when the high word is >= hi. */
		ir_jump(cg->ir, JGE, hi, succ, fail);
		return;
	}
	low = ir_label(cg->ir);
	if (hi == 0xffffffffu) {
		ir_jump(cg->ir, JEQ, hi, low, fail);
	} else if (hi == 0) {
		/* hi word > 0 wins; otherwise it is 0 and the low word decides. */
		ir_jump(cg->ir, JGT, 0, succ, low);
	} else {
		eq = ir_label(cg->ir);
		ir_jump(cg->ir, JGT, hi, succ, eq);
		ir_place(cg->ir, eq);
		ir_jump(cg->ir, JEQ, hi, low, fail);
	}
	ir_place(cg->ir, low);
	cg->a_holds = -1;
	load(cg, SD_ARG_LO(c->arg));
	ir_jump(cg->ir, op, lo, succ, fail);
}

static void emit_cond(struct codegen *cg, const struct cond *c, int succ, int fail)
{
	switch (c->op) {
	case OP_EQ: cond_eq(cg, c, succ, fail); break;
	case OP_NE: cond_eq(cg, c, fail, succ); break;
	case OP_GT: cond_greater(cg, c, 1, succ, fail); break;
	case OP_GE: cond_greater(cg, c, 0, succ, fail); break;
	case OP_LE: cond_greater(cg, c, 1, fail, succ); break;
	case OP_LT: cond_greater(cg, c, 0, fail, succ); break;
	}
}

/* The code of chain node N: its conditions in order; all hold -> its
 * action, one fails -> the node it falls back to. */
static void emit_node(struct codegen *cg, int n)
{
	const struct chain_node *node = &cg->d->nodes[n];
	int fail = node_label(cg, node->next);
	int done = ret_label(cg, node->action);

	place(cg, node_label(cg, n));
	for (size_t i = 0; i < node->nconds; i++) {
		int succ = i + 1 == node->nconds ? done : ir_label(cg->ir);

		if (i == 0 && node->conds[0].op == OP_EQ)
			first_eq(cg, n, &node->conds[0], succ);
		else
			emit_cond(cg, &node->conds[i], succ, fail);
		if (i + 1 < node->nconds) {
			ir_place(cg->ir, succ);
			/* Only an equality test reaches its success label
			 * from a single jump, with A known. */
			if (node->conds[i].op != OP_EQ)
				cg->a_holds = -1;
		}
	}
}

static void emit_tree(struct codegen *cg, const struct tree *t)
{
	int left, right;

	if (t->leaf)
		return;
	left = t->left->leaf ? node_label(cg, t->left->node) : ir_label(cg->ir);
	right = t->right->leaf ? node_label(cg, t->right->node) : ir_label(cg->ir);
	ir_jump(cg->ir, JGE, t->k, right, left);
	if (!t->left->leaf) {
		ir_place(cg->ir, left);
		emit_tree(cg, t->left);
	}
	if (!t->right->leaf) {
		ir_place(cg->ir, right);
		emit_tree(cg, t->right);
	}
}

static void mark_reachable(const struct decision *d, const struct tree *t,
			   char *reach)
{
	if (!t->leaf) {
		mark_reachable(d, t->left, reach);
		mark_reachable(d, t->right, reach);
		return;
	}
	for (int n = t->node; n >= 0 && !reach[n]; n = d->nodes[n].next)
		reach[n] = 1;
}

/* Chain blocks, highest node first. decide.c interns a node only after
 * the node it falls back to, so in this order every block comes before
 * the blocks it jumps to: BPF jumps only forward. */
static void emit_blocks(struct codegen *cg, const struct tree *t)
{
	char *reach = xcalloc(cg->d->nnodes, 1);

	mark_reachable(cg->d, t, reach);
	for (size_t n = cg->d->nnodes; n-- > 0;)
		if (reach[n] && !cg->d->nodes[n].terminal)
			emit_node(cg, (int)n);
	free(reach);
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

/* Numbers at or above the x32 bit: x32 calls get on-x32; -1, which a
 * tracer uses to skip a call, gets the default. */
static void emit_x32_guard(struct codegen *cg, int x32_label)
{
	ir_place(cg->ir, x32_label);
	ir_jump(cg->ir, JEQ, UINT32_MAX, node_label(cg, cg->d->default_node),
		ret_label(cg, cg->d->x32));
}

void codegen(const struct decision *d, const struct tree *t, struct ir *out)
{
	struct codegen cg = { .d = d, .ir = out, .a_holds = -1 };
	int x32_label = ir_label(out);

	cg.node_label = xmalloc(d->nnodes * sizeof(int));
	cg.lo_load = xmalloc(d->nnodes * sizeof(int));
	cg.lo_test = xmalloc(d->nnodes * sizeof(int));
	for (size_t i = 0; i < d->nnodes; i++)
		cg.node_label[i] = cg.lo_load[i] = cg.lo_test[i] = -1;
	emit_prologue(&cg, x32_label);
	if (t->leaf)
		ir_jump(out, BPF_JMP | BPF_JA, 0, node_label(&cg, t->node), -1);
	emit_tree(&cg, t);
	emit_blocks(&cg, t);
	if (d->arch->x32_bit)
		emit_x32_guard(&cg, x32_label);
	for (size_t i = 0; i < cg.nrets; i++) {
		ir_place(out, cg.rets[i].label);
		ir_stmt(out, RET, cg.rets[i].action);
	}
	free(cg.node_label);
	free(cg.lo_load);
	free(cg.lo_test);
	free(cg.rets);
}
