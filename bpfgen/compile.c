/* The pipeline in one place: resolve -> decide -> tree -> codegen ->
 * jumps. Each stage's output is the next one's only input. */
#include <stdlib.h>
#include <string.h>

#include "bpfgen/argtests.h"
#include "bpfgen/codegen.h"
#include "bpfgen/compile.h"
#include "bpfgen/decide.h"
#include "bpfgen/jumps.h"
#include "bpfgen/policy.h"
#include "bpfgen/resolve.h"
#include "bpf/seccomp.h"
#include "bpfgen/tree.h"
#include "bpfgen/util.h"
#include "bpfgen/weights.h"

static void take_notes(struct program *p, struct resolved *r)
{
	p->notes = r->notes;
	p->nnotes = r->nnotes;
	r->notes = NULL;
	r->nnotes = r->notes_cap = 0;
}

/* Every number some rule names, and every number allowed outright. */
static void collect_facts(struct program *p, const struct resolved *r,
			  const struct decision *d)
{
	uint32_t max = arch_max_nr(d->arch);
	char *named = xcalloc((size_t)max + 1, 1);
	size_t cap = 0;

	for (size_t i = 0; i < r->nrules; i++)
		for (size_t j = 0; j < r->rules[i].nnrs; j++)
			named[r->rules[i].nrs[j]] = 1;
	for (uint32_t nr = 0; nr <= max; nr++)
		if (named[nr])
			*(uint32_t *)vec_push(&p->named, &p->nnamed, &cap, 4) = nr;
	cap = 0;
	for (uint32_t nr = 0; nr <= max; nr++) {
		const struct chain_node *n = &d->nodes[decision_node_for(d, nr)];

		if (n->terminal && n->action == ACT_ALLOW &&
		    arch_syscall_name(d->arch, nr))
			*(uint32_t *)vec_push(&p->allowed, &p->nallowed, &cap, 4) = nr;
	}
	p->nranges = d->nranges;
	free(named);
}

/* Instructions of IR that survive jump resolution, which removes "ja"
 * and code no path reaches, and adds trampolines: a lower bound of the
 * program's length. Jumps only go forward, so one pass marks them all. */
static size_t ir_min_len(const struct ir *ir)
{
	char *reach = xcalloc(ir->n + 1, 1);
	size_t n = 0;

	reach[0] = 1;
	for (size_t i = 0; i < ir->n; i++) {
		const struct ir_insn *x = &ir->insns[i];

		if (!reach[i])
			continue;
		if (BPF_CLASS(x->code) == BPF_RET)
			continue;
		if (x->code == (BPF_JMP | BPF_JA)) {
			reach[ir->label_pos[x->jt]] = 1;
			continue;
		}
		n++;
		if (BPF_CLASS(x->code) == BPF_JMP) {
			reach[ir->label_pos[x->jt]] = 1;
			reach[ir->label_pos[x->jf]] = 1;
		} else {
			reach[i + 1] = 1;
		}
	}
	for (size_t i = 0; i < ir->n; i++)
		n += reach[i] && BPF_CLASS(ir->insns[i].code) == BPF_RET;
	free(reach);
	return n;
}

/* One program for the tree: 0 with *OUT and *LEN, or -1 when it cannot
 * fit in the kernel's limit. */
static int generate(const struct decision *d, const struct tree *t,
		    int flags, struct sock_filter **out, size_t *len)
{
	struct ir ir = { 0 };
	int rc = -1;

	*out = NULL;
	*len = 0;
	/* Resolving the jumps of a huge program takes quadratic time; one
	 * that cannot fit anyway is refused before. */
	if (codegen(d, t, flags, &ir) == 0 &&
	    ir_min_len(&ir) <= BPF_MAXINSNS_SECCOMP) {
		*len = resolve_jumps(&ir, out);
		rc = 0;
	}
	ir_free(&ir);
	return rc;
}

/* Instructions on the longest path through PROG (jumps go forward only,
 * so one pass from the end sees every successor first). */
static size_t longest_path(const struct sock_filter *prog, size_t len)
{
	size_t *lp = xcalloc(len + 1, sizeof(*lp)), best;

	for (size_t i = len; i-- > 0;) {
		const struct sock_filter *f = &prog[i];
		size_t next = 0;

		if (BPF_CLASS(f->code) == BPF_RET)
			next = 0;
		else if (f->code == (BPF_JMP | BPF_JA))
			next = lp[i + 1 + f->k];
		else if (BPF_CLASS(f->code) == BPF_JMP)
			next = lp[i + 1 + f->jt] > lp[i + 1 + f->jf] ?
			       lp[i + 1 + f->jt] : lp[i + 1 + f->jf];
		else
			next = lp[i + 1];
		lp[i] = 1 + next;
	}
	best = len ? lp[0] : 0;
	free(lp);
	return best;
}

/* Specialising argument tests and searching equality runs shorten paths
 * but can cost code, and so can the shapes of search tree (tree.h). Keep,
 * among the programs that fit, the one with the least length +
 * PATH_WEIGHT x longest path: one instruction off the worst path is worth
 * that many instructions of code. The tree is chosen first, each built
 * with specialised tests (which never cost code), then the other ways on
 * that tree; the first listed wins a tie, so the choice is deterministic.
 * Candidates get a quick layout (layout.c); the one chosen is laid out
 * again, more thoroughly. */
#define PATH_WEIGHT 16

struct candidate {
	struct sock_filter *prog;
	size_t len, cost;
	const struct tree *t;
	int way;
};

static void try_one(const struct decision *d, const struct tree *t, int way,
		    struct candidate *best)
{
	struct candidate c = { .t = t, .way = way };

	if (generate(d, t, way, &c.prog, &c.len) < 0)
		return;
	c.cost = c.len + PATH_WEIGHT * longest_path(c.prog, c.len);
	if (best->prog && c.cost >= best->cost) {
		free(c.prog);
		return;
	}
	free(best->prog);
	*best = c;
}

static int choose_program(const struct decision *d, struct tree *const *trees,
			  size_t ntrees, struct program *out)
{
	static const int ways[] = {
		ARGTESTS_SPECIALISE,
		ARGTESTS_SPECIALISE | ARGTESTS_LO_FIRST,
		ARGTESTS_SPECIALISE | ARGTESTS_SEARCH,
		ARGTESTS_SPECIALISE | ARGTESTS_SEARCH | ARGTESTS_LO_FIRST,
		ARGTESTS_SEARCH, 0,
	};
	struct candidate best = { 0 };
	size_t pick = 0;

	for (size_t i = 0; i < ntrees; i++) {
		size_t before = best.cost;
		int had = best.prog != NULL;

		try_one(d, trees[i], ways[0], &best);
		if (best.prog && (!had || best.cost < before))
			pick = i;
	}
	for (size_t w = 1; w < sizeof(ways) / sizeof(ways[0]); w++)
		if (!(ways[w] & ARGTESTS_LO_FIRST) || argtests_order_matters(d))
			try_one(d, trees[pick], ways[w], &best);
	if (!best.prog)
		return -1;
	try_one(d, best.t, best.way | CODEGEN_THOROUGH, &best);
	out->insns = best.prog;
	out->len = best.len;
	return 0;
}

static void too_long(const struct policy_ast *ast, const struct arch *arch,
		     const char *at_least, size_t len, struct diag *diag)
{
	struct pos top = { ast->files[0], 1, 1 };

	diag_error(diag, top, "the %s filter needs %s%zu instructions; the kernel "
		   "accepts at most %d (split the policy, or merge rules)",
		   arch->name, at_least, len, BPF_MAXINSNS_SECCOMP);
}

int compile_policy(const struct policy_ast *ast, const struct arch *arch,
		   const struct compile_options *opts, struct program *out,
		   struct diag *diag)
{
	struct resolve_options ro = { .log_only = opts->log_only };
	struct resolved *r;
	struct decision *d;
	/* Longest chains of "jeq" to try besides the plain tree (tree.h). */
	static const size_t chains[] = { 1, 3 };
	struct tree *trees[2 + sizeof(chains) / sizeof(chains[0])], *t;
	size_t ntrees;
	double *weights = NULL;
	int errors = diag->errors;

	memset(out, 0, sizeof(*out));
	out->arch = arch;
	r = resolve_policy(ast, arch, &ro, diag);
	if (!r)
		return -1;
	d = decide(r, diag);
	if (opts->weights && weights_for_ranges(opts->weights, d, &weights, diag) < 0) {
		decision_free(d);
		resolved_free(r);
		return -1;
	}
	ntrees = 0;
	trees[ntrees++] = tree_build(d, weights);
	/* Weights shape the tree on their own; chains would undo that. */
	for (size_t i = 0; !weights && i < sizeof(chains) / sizeof(chains[0]); i++)
		if ((t = tree_build_chains(d, chains[i])) != NULL)
			trees[ntrees++] = t;
	if (!weights && (t = tree_build_fewest(d)) != NULL)
		trees[ntrees++] = t;
	if (choose_program(d, trees, ntrees, out) < 0)
		too_long(ast, arch, "more than ", BPF_MAXINSNS_SECCOMP, diag);
	take_notes(out, r);
	collect_facts(out, r, d);
	for (size_t i = 0; i < ntrees; i++)
		tree_free(trees[i]);
	free(weights);
	decision_free(d);
	resolved_free(r);
	if (out->len > BPF_MAXINSNS_SECCOMP)
		too_long(ast, arch, "", out->len, diag);
	if (diag->errors > errors) {
		program_free(out);
		return -1;
	}
	return 0;
}

int compile_policy_file(const char *policy_path, const struct arch *arch,
			const struct compile_options *opts,
			struct program *out, FILE *diag_out)
{
	struct diag diag = { .out = diag_out };
	struct policy_ast *ast = policy_parse_file(policy_path, &diag);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (ast)
		rc = compile_policy(ast, arch, opts, out, &diag);
	policy_free(ast);
	diag_free(&diag);
	return rc;
}

void program_free(struct program *p)
{
	free(p->insns);
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	free(p->named);
	free(p->allowed);
	memset(p, 0, sizeof(*p));
}
