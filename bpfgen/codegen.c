/* Stage 5: code generation. Every path starts with the architecture check
 * and, on x86_64, the x32 guard; the path of a syscall decided without
 * argument conditions uses only loads of nr/arch, jumps on constants and
 * ret, so the kernel's action cache can prove it constant. */
#include <linux/filter.h>
#include <stdlib.h>

#include "bpfgen/argtests.h"
#include "bpfgen/codegen.h"
#include "bpfgen/seccomp.h"
#include "bpfgen/util.h"

#define LD_ABS   (BPF_LD | BPF_W | BPF_ABS)
#define JEQ      (BPF_JMP | BPF_JEQ | BPF_K)
#define JGT      (BPF_JMP | BPF_JGT | BPF_K)
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

/* Where control goes to run chain node N, or -1 when its tests cannot
 * fit in a program. */
static int node_label(struct codegen *cg, int n)
{
	int root = argtests_root(&cg->args, n);

	if (root < 0) {
		cg->too_long = 1;
		return ret_label(cg, cg->d->nodes[n].action);
	}
	*(int *)vec_push(&cg->roots, &cg->nroots, &cg->roots_cap, sizeof(int)) = root;
	return test_label(cg, root);
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

/* The argument tests, each before the tests it jumps to (BPF jumps only
 * forward). */
static void emit_tests(struct codegen *cg)
{
	int *order;
	size_t n;

	argtests_finish(&cg->args, cg->roots, cg->nroots, &order, &n);
	for (size_t i = 0; i < n; i++) {
		const struct word_test *t = &cg->args.tests[order[i]];

		ir_place(cg->ir, test_label(cg, order[i]));
		if (t->load)
			ir_stmt(cg->ir, LD_ABS, t->off);
		if (t->and_mask)
			ir_stmt(cg->ir, AND, t->and_mask);
		ir_jump(cg->ir, BPF_JMP | t->jop | BPF_K, t->k,
			test_label(cg, t->t), test_label(cg, t->f));
	}
	free(order);
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

int codegen(const struct decision *d, const struct tree *t, int flags,
	    struct ir *out)
{
	struct codegen cg = { .d = d, .ir = out };
	int x32_label = ir_label(out);

	argtests_init(&cg.args, d, flags);
	emit_prologue(&cg, x32_label);
	if (t->leaf)
		ir_jump(out, BPF_JMP | BPF_JA, 0, node_label(&cg, t->node), -1);
	emit_tree(&cg, t);
	if (d->arch->x32_bit)
		emit_x32_guard(&cg, x32_label);
	emit_tests(&cg);
	for (size_t i = 0; i < cg.nrets; i++) {
		ir_place(out, cg.rets[i].label);
		ir_stmt(out, RET, cg.rets[i].action);
	}
	argtests_free(&cg.args);
	free(cg.test_labels);
	free(cg.roots);
	free(cg.rets);
	return cg.too_long ? -1 : 0;
}
