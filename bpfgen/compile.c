/* The pipeline in one place: resolve -> decide -> tree -> codegen ->
 * jumps. Each stage's output is the next one's only input. */
#include <stdlib.h>
#include <string.h>

#include "bpfgen/argtests.h"
#include "bpfgen/codegen.h"
#include "bpfgen/compile.h"
#include "bpfgen/decide.h"
#include "bpfgen/jumps.h"
#include "bpfgen/lint.h"
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
		    const struct argtests *args, int flags,
		    struct sock_filter **out, size_t *len, struct compile_stats *stats)
{
	struct ir ir = { 0 };
	struct codegen_stats cs = { 0 };
	int rc = -1;

	*out = NULL;
	*len = 0;
	/* Resolving the jumps of a huge program takes quadratic time; one
	 * that cannot fit anyway is refused before. */
	if (codegen_with(d, t, args, flags, &ir, &cs) == 0 &&
	    ir_min_len(&ir) <= BPF_MAXINSNS_SECCOMP) {
		*len = resolve_jumps(&ir, out);
		rc = 0;
	}
	stats->layout_steps += cs.layout_steps;
	stats->candidate_steps += ir.n;
	if (flags & CODEGEN_THOROUGH)
		stats->layout_budget_out = cs.layout_capped;
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

static size_t tree_compares(const struct tree *t)
{
	return t->leaf ? 0 : 1 + tree_compares(t->left) + tree_compares(t->right);
}

/* Instructions every program has before the search tree: load and check
 * the architecture, load the number, and on x86_64 the x32 guard. */
static size_t prologue_len(const struct decision *d)
{
	uint32_t deflt = d->nodes[d->default_node].action;

	if (!d->arch->x32_bit)
		return 3;
	return deflt == d->x32 ? 4 : 5;
}

/* Specialising argument tests and searching equality runs shorten paths
 * but can cost code, and so can the shapes of search tree (tree.h). Keep,
 * among the programs that fit, the one with the least length +
 * PATH_WEIGHT x longest path: one instruction off the worst path is worth
 * that many instructions of code. The tree is chosen first, each built
 * with specialised tests (which never cost code), then the other ways on
 * that tree; the first listed wins a tie, so the choice is deterministic.
 * Each way's tests are built once and serve every tree. Candidates get a
 * quick layout (layout.c); the one chosen is laid out again, more
 * thoroughly. A candidate whose lower bound (its tests, the tree's
 * compares, the prologue) cannot fit, or cannot beat the best so far
 * even with the shortest path any tree has, is not generated. */
#define PATH_WEIGHT 16

static const int ways[] = {
	ARGTESTS_SPECIALISE,
	ARGTESTS_SPECIALISE | ARGTESTS_LO_FIRST,
	ARGTESTS_SPECIALISE | ARGTESTS_SEARCH,
	ARGTESTS_SPECIALISE | ARGTESTS_SEARCH | ARGTESTS_LO_FIRST,
	ARGTESTS_SEARCH, 0,
};
#define NWAYS (sizeof(ways) / sizeof(ways[0]))
#define SPECIALISE_CAP(plain) (2 * (plain) + 64)

struct way {
	struct argtests a;
	int tried;              /* built (it may have been too long) */
	size_t size;            /* instructions of its tests, at least */
};

struct candidate {
	struct sock_filter *prog;
	size_t len, cost;
	size_t tree;
	size_t way;
};

struct chooser {
	const struct decision *d;
	struct tree *const *trees;
	size_t ntrees;
	size_t *compares;       /* per tree */
	size_t *depth;
	struct way w[NWAYS];
	struct candidate best;
	struct compile_stats *stats;
};

/* The lower bound of a candidate's length. */
static size_t lower_bound(const struct chooser *c, size_t tree, size_t way)
{
	return prologue_len(c->d) + c->compares[tree] + c->w[way].size;
}

static void try_one(struct chooser *c, size_t tree, size_t way, int flags)
{
	struct candidate x = { .tree = tree, .way = way };
	const struct way *w = &c->w[way];
	size_t lb = lower_bound(c, tree, way);

	if (!w->tried || w->a.too_long || w->a.over_cap || lb > BPF_MAXINSNS_SECCOMP)
		return;
	/* The longest path goes through the loads, the check of the
	 * architecture, the x32 guard's first test, the tree, and a return. */
	if (!(flags & CODEGEN_THOROUGH) && c->best.prog &&
	    lb + PATH_WEIGHT * (3 + !!c->d->arch->x32_bit + c->depth[tree] + 1) >=
	    c->best.cost)
		return;
	c->stats->candidates++;
	if (generate(c->d, c->trees[tree], &w->a, ways[way] | flags, &x.prog, &x.len,
		     c->stats) < 0)
		return;
	x.cost = x.len + PATH_WEIGHT * longest_path(x.prog, x.len);
	if (c->best.prog && x.cost >= c->best.cost) {
		free(x.prog);
		return;
	}
	free(c->best.prog);
	c->best = x;
}

static size_t way_index(int flags)
{
	size_t w = 0;

	while (w < NWAYS && ways[w] != flags)
		w++;
	return w;
}

/* The tests of WAY: a walk of the chains, or for SEARCH a copy of the
 * same walk's tests, searched. A walk that makes more than SIZE_CAP
 * instructions of tests (0: no cap) is given up. */
static void build_way(struct chooser *c, size_t way, size_t size_cap)
{
	struct way *w = &c->w[way];
	const struct way *walk = &c->w[way_index(ways[way] & ~ARGTESTS_SEARCH)];
	const struct decision *d = c->d;
	int *roots;

	w->tried = 1;
	if ((ways[way] & ARGTESTS_SEARCH) && walk->tried) {
		if (walk->a.too_long || walk->a.over_cap) {
			w->a.too_long = walk->a.too_long;
			w->a.over_cap = walk->a.over_cap;
			return;
		}
		argtests_copy(&w->a, &walk->a);
		argtests_search(&w->a);
	} else {
		argtests_build(&w->a, d, ways[way], size_cap);
		c->stats->walk_points += w->a.points;
		c->stats->walk_budget_out |= w->a.budget_out;
	}
	if (!w->a.too_long && !w->a.over_cap) {
		roots = xmalloc((d->nranges + 1) * sizeof(int));
		for (size_t i = 0; i < d->nranges; i++)
			roots[i] = w->a.root_of[d->ranges[i].node];
		w->size = argtests_code_size(&w->a, roots, d->nranges);
		free(roots);
	}
}

/* 0 with the program, or -1 with *AT_LEAST: the length no candidate can
 * go under (0 when the tests alone are more than the kernel takes). */
static int choose_program(const struct decision *d, struct tree *const *trees,
			  size_t ntrees, struct program *out, size_t *at_least)
{
	struct chooser c = { .d = d, .trees = trees, .ntrees = ntrees,
			     .stats = &out->stats };
	size_t pick = 0, min_compares = SIZE_MAX, lb = SIZE_MAX;
	int order_matters = argtests_order_matters(d), rc = -1;

	c.compares = xmalloc((ntrees + 1) * sizeof(size_t));
	c.depth = xmalloc((ntrees + 1) * sizeof(size_t));
	for (size_t i = 0; i < ntrees; i++) {
		c.compares[i] = tree_compares(trees[i]);
		c.depth[i] = tree_depth(trees[i]);
		if (c.compares[i] < min_compares)
			min_compares = c.compares[i];
	}
	/* Every way's tests first: together they bound every candidate's
	 * length, and a policy that cannot fit stops here. The plain walk
	 * first: it is linear in the chains. Specialising costs code to
	 * shorten paths; a specialised walk making more than twice the
	 * plain walk's code is given up (SPECIALISE_CAP), as it would
	 * hardly win. */
	for (size_t i = 0; i < NWAYS; i++) {
		/* Ways without SPECIALISE first, each walk before its search. */
		static const size_t build_order[NWAYS] = { 5, 4, 0, 2, 1, 3 };
		size_t w = build_order[i];
		size_t plain = c.w[way_index(0)].size;

		if ((ways[w] & ARGTESTS_LO_FIRST) && !order_matters)
			continue;
		build_way(&c, w, (ways[w] & ARGTESTS_SPECIALISE) && plain &&
			  !c.w[way_index(0)].a.too_long ? SPECIALISE_CAP(plain) : 0);
		if (!c.w[w].a.too_long && !c.w[w].a.over_cap &&
		    prologue_len(d) + min_compares + c.w[w].size < lb)
			lb = prologue_len(d) + min_compares + c.w[w].size;
	}
	*at_least = lb == SIZE_MAX ? 0 : lb;
	if (lb > BPF_MAXINSNS_SECCOMP)
		goto out;
	for (size_t i = 0; i < ntrees; i++) {
		size_t before = c.best.cost;
		int had = c.best.prog != NULL;

		try_one(&c, i, 0, 0);
		if (c.best.prog && (!had || c.best.cost < before))
			pick = i;
	}
	for (size_t w = 1; w < NWAYS; w++)
		if (c.w[w].tried)
			try_one(&c, pick, w, 0);
	if (!c.best.prog)
		goto out;
	try_one(&c, c.best.tree, c.best.way, CODEGEN_THOROUGH);
	out->insns = c.best.prog;
	out->len = c.best.len;
	out->stats.chosen_budget_out = c.w[c.best.way].a.budget_out;
	out->stats.chosen_points = c.w[c.best.way].a.points;
	out->stats.way = ways[c.best.way];
	rc = 0;
out:
	for (size_t w = 0; w < NWAYS; w++)
		argtests_free(&c.w[w].a);
	free(c.compares);
	free(c.depth);
	return rc;
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
	size_t ntrees, at_least = 0;
	double *weights = NULL;
	int errors = diag->errors;

	memset(out, 0, sizeof(*out));
	out->arch = arch;
	r = resolve_policy(ast, arch, &ro, diag);
	if (!r)
		return -1;
	lint_policy(ast, r, diag);
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
	if (!weights && (t = tree_build_fewest(d, &out->stats.tree_cells)) != NULL)
		trees[ntrees++] = t;
	if (choose_program(d, trees, ntrees, out, &at_least) < 0) {
		if (at_least > BPF_MAXINSNS_SECCOMP)
			too_long(ast, arch, "at least ", at_least, diag);
		else
			too_long(ast, arch, "more than ", BPF_MAXINSNS_SECCOMP, diag);
	}
	out->stats.steps = out->stats.walk_points + out->stats.tree_cells +
			   out->stats.layout_steps + out->stats.candidate_steps;
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
