/* The pipeline in one place: resolve (every architecture) -> lint (all
 * of them at once) -> decide -> tree -> codegen -> jumps, per
 * architecture. Each stage's output is the next one's only input. */
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

/* The notes of R (an ABI's after the target's), each once. */
static void take_notes(struct program *p, struct resolved *r)
{
	size_t cap = p->nnotes;

	for (size_t i = 0; i < r->nnotes; i++) {
		size_t j = 0;

		while (j < p->nnotes && strcmp(p->notes[j], r->notes[i]) != 0)
			j++;
		if (j < p->nnotes) {
			free(r->notes[i]);
			continue;
		}
		*(char **)vec_push(&p->notes, &p->nnotes, &cap, sizeof(char *)) =
			r->notes[i];
	}
	free(r->notes);
	r->notes = NULL;
	r->nnotes = r->notes_cap = 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Every number some rule names, and every number allowed outright, as
 * seccomp sees them (x32's with the x32 bit). By the rules and the table,
 * not by every number up to the highest: arm's private calls sit at
 * 0x0f0000. */
static void collect_facts(struct abi_facts *f, const struct resolved *r,
			  const struct decision *d)
{
	size_t cap = 0, k = 0;

	f->abi = d->arch;
	for (size_t i = 0; i < r->nrules; i++)
		for (size_t j = 0; j < r->rules[i].nnrs; j++)
			*(uint32_t *)vec_push(&f->named, &f->nnamed, &cap, 4) =
				d->base + r->rules[i].nrs[j];
	if (f->nnamed)
		qsort(f->named, f->nnamed, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < f->nnamed; i++)
		if (k == 0 || f->named[k - 1] != f->named[i])
			f->named[k++] = f->named[i];
	f->nnamed = k;
	cap = 0;
	/* The table is sorted by number (then name): each number once. */
	for (size_t i = 0; i < d->arch->nsyscalls; i++) {
		uint32_t nr = d->arch->syscalls[i].nr;
		const struct chain_node *n = &d->nodes[decision_node_for(d, d->base + nr)];

		if (i > 0 && d->arch->syscalls[i - 1].nr == nr)
			continue;
		if (n->terminal && n->action == ACT_ALLOW)
			*(uint32_t *)vec_push(&f->allowed, &f->nallowed, &cap, 4) = d->base + nr;
	}
	f->nranges = d->nranges;
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

	if (d->base)            /* an x32 section, sized on its own */
		return 4;
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

/* What choose_program picked for one section of a multi-ABI program. */
struct chosen {
	size_t tree;
	struct argtests args;   /* the way's tests, kept */
};

/* 0 with the program, or -1 with *AT_LEAST: the length no candidate can
 * go under (0 when the tests alone are more than the kernel takes).
 * KEEP, when not NULL, receives the tree and the tests chosen. */
static int choose_program(const struct decision *d, struct tree *const *trees,
			  size_t ntrees, struct program *out, size_t *at_least,
			  struct chosen *keep)
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
	if (keep) {
		keep->tree = c.best.tree;
		keep->args = c.w[c.best.way].a;
		memset(&c.w[c.best.way].a, 0, sizeof(c.w[c.best.way].a));
	}
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

/* One section of the program: an ABI's decision, its candidate trees and
 * what was chosen among them. */
struct section {
	struct decision *d;
	struct tree *trees[4];
	size_t ntrees;
	double *weights;
	struct chosen pick;
};

static void section_free(struct section *s)
{
	for (size_t i = 0; i < s->ntrees; i++)
		tree_free(s->trees[i]);
	free(s->weights);
	argtests_free(&s->pick.args);
	decision_free(s->d);
}

/* Stages 3 and 4 for one ABI's resolution R: its decision and the trees
 * to choose from. -1 after an error in the weights file. */
static int build_section(struct section *s, const struct resolved *r,
			 const struct compile_options *opts, struct compile_stats *stats,
			 struct diag *diag)
{
	/* Longest chains of "jeq" to try besides the plain tree (tree.h). */
	static const size_t chains[] = { 1, 3 };
	struct tree *t;

	memset(s, 0, sizeof(*s));
	s->d = decide(r, diag);
	if (opts->weights && weights_for_ranges(opts->weights, s->d, &s->weights, diag) < 0)
		return -1;
	s->trees[s->ntrees++] = tree_build(s->d, s->weights);
	/* Weights shape the tree on their own; chains would undo that. */
	for (size_t i = 0; !s->weights && i < sizeof(chains) / sizeof(chains[0]); i++)
		if ((t = tree_build_chains(s->d, chains[i])) != NULL)
			s->trees[s->ntrees++] = t;
	if (!s->weights && (t = tree_build_fewest(s->d, &stats->tree_cells)) != NULL)
		s->trees[s->ntrees++] = t;
	return 0;
}

/* The program of every section together: each section's tree and tests
 * as chosen alone, laid out again in one program (codegen_sections). */
static int generate_all(struct section *secs, size_t n, struct program *out)
{
	struct codegen_section *cs = xcalloc(n, sizeof(*cs));
	struct codegen_stats st = { 0 };
	struct ir ir = { 0 };
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		cs[i].d = secs[i].d;
		cs[i].t = secs[i].trees[secs[i].pick.tree];
		cs[i].args = &secs[i].pick.args;
	}
	if (codegen_sections(cs, n, CODEGEN_THOROUGH, &ir, &st) == 0 &&
	    ir_min_len(&ir) <= BPF_MAXINSNS_SECCOMP) {
		out->len = resolve_jumps(&ir, &out->insns);
		rc = 0;
	}
	out->stats.layout_steps += st.layout_steps;
	out->stats.candidate_steps += ir.n;
	out->stats.layout_budget_out |= st.layout_capped;
	ir_free(&ir);
	free(cs);
	return rc;
}

static void accepted_note(struct program *out, struct resolved *const *rs, size_t n)
{
	char note[256];
	size_t len, cap = out->nnotes;

	len = (size_t)snprintf(note, sizeof(note), "accepted ABIs: %s (native)",
			       rs[0]->arch->name);
	for (size_t i = 1; i < n && len < sizeof(note); i++)
		len += (size_t)snprintf(note + len, sizeof(note) - len, ", %s",
					rs[i]->arch->name);
	if (len < sizeof(note))
		snprintf(note + len, sizeof(note) - len, "; each has its own "
			 "search tree over its own numbers");
	*(char **)vec_push(&out->notes, &out->nnotes, &cap, sizeof(char *)) = xstrdup(note);
}

/* Stages 3 on for one target: RS[0] its own resolution, RS[1..N) those
 * of the ABIs it accepts. */
static int compile_resolved(const struct policy_ast *ast, struct resolved *const *rs,
			    size_t n, const struct compile_options *opts,
			    struct program *out, struct diag *diag)
{
	const struct arch *arch = rs[0]->arch;
	struct section *secs = xcalloc(n, sizeof(*secs));
	size_t at_least = 0, built = 0;
	int errors = diag->errors;

	memset(out, 0, sizeof(*out));
	out->arch = arch;
	if (n > 1)
		accepted_note(out, rs, n);
	for (size_t i = 0; i < n; i++, built++) {
		struct program alone = { 0 };

		if (build_section(&secs[i], rs[i], opts, &out->stats, diag) < 0) {
			built++;
			goto done;
		}
		if (choose_program(secs[i].d, secs[i].trees, secs[i].ntrees,
				   n > 1 ? &alone : out, &at_least,
				   n > 1 ? &secs[i].pick : NULL) < 0) {
			if (at_least > BPF_MAXINSNS_SECCOMP)
				too_long(ast, rs[i]->arch, "at least ", at_least, diag);
			else
				too_long(ast, rs[i]->arch, "more than ", BPF_MAXINSNS_SECCOMP, diag);
		}
		if (n > 1) {
			out->stats.walk_points += alone.stats.walk_points;
			out->stats.layout_steps += alone.stats.layout_steps;
			out->stats.candidate_steps += alone.stats.candidate_steps;
			out->stats.candidates += alone.stats.candidates;
			out->stats.walk_budget_out |= alone.stats.walk_budget_out;
			out->stats.chosen_budget_out |= alone.stats.chosen_budget_out;
			out->stats.chosen_points += alone.stats.chosen_points;
			free(alone.insns);
		}
	}
	if (n > 1 && diag->errors == errors && generate_all(secs, n, out) < 0)
		too_long(ast, arch, "more than ", BPF_MAXINSNS_SECCOMP, diag);
done:
	out->stats.steps = out->stats.walk_points + out->stats.tree_cells +
			   out->stats.layout_steps + out->stats.candidate_steps;
	for (size_t i = 0; i < n; i++)
		take_notes(out, rs[i]);
	if (n > 1) {
		out->abis = xcalloc(n - 1, sizeof(*out->abis));
		out->nabis = n - 1;
	}
	for (size_t i = 0; i < built && i < n; i++)
		if (secs[i].d) {
			struct abi_facts f = { 0 };

			collect_facts(i ? &out->abis[i - 1] : &f, rs[i], secs[i].d);
			if (!i) {
				out->nranges = f.nranges;
				out->named = f.named;
				out->nnamed = f.nnamed;
				out->allowed = f.allowed;
				out->nallowed = f.nallowed;
			}
		}
	for (size_t i = 0; i < n; i++)
		section_free(&secs[i]);
	free(secs);
	if (out->len > BPF_MAXINSNS_SECCOMP)
		too_long(ast, arch, "", out->len, diag);
	if (diag->errors > errors) {
		program_free(out);
		return -1;
	}
	return 0;
}

/* The ABIs POLICY accepts for target T, T first: *N of them. */
static size_t abis_of(const struct policy_ast *ast, const struct arch *t,
		      const struct arch **out)
{
	size_t n = 0;

	out[n++] = t;
	for (size_t i = 0; i < ast->nabis; i++) {
		const struct abi_ast *a = &ast->abis[i];

		if (strcmp(a->target.name, t->name) != 0)
			continue;
		/* In the order the filter dispatches them (arch.c). */
		for (const struct arch *const *o = t->abis; o && *o; o++)
			for (size_t j = 0; j < a->nabis; j++)
				if (arch_abi(t, a->abis[j].name) == *o)
					out[n++] = *o;
	}
	return n;
}

#define MAX_ABIS 4

int compile_policies(const struct policy_ast *ast, const struct arch *const *archs,
		     size_t narchs, const struct compile_options *opts,
		     struct program *out, struct diag *diag)
{
	struct resolve_options ro = { .log_only = opts->log_only };
	const struct arch *abis[MAX_ABIS];
	struct resolved **rs = xcalloc(narchs * MAX_ABIS + 1, sizeof(*rs));
	size_t *first = xcalloc(narchs + 1, sizeof(*first)), nrs = 0;
	int errors = diag->errors, rc = 0;
	size_t done = 0;

	for (size_t i = 0; i < narchs; i++)
		memset(&out[i], 0, sizeof(out[i]));
	for (size_t i = 0; i < narchs; i++) {
		size_t n = abis_of(ast, archs[i], abis);

		first[i] = nrs;
		ro.x32_accepted = 0;
		for (size_t j = 1; j < n; j++)
			ro.x32_accepted |= abis[j]->x32_bit != 0;
		for (size_t j = 0; j < n; j++, nrs++)
			if (!(rs[nrs] = resolve_policy(ast, abis[j], &ro, diag)))
				rc = -1;
	}
	first[narchs] = nrs;
	/* Every architecture's resolution at once: each warning once. With
	 * -Werror a warning is an error, and nothing is compiled. */
	if (rc == 0)
		lint_policy(ast, (const struct resolved *const *)rs, nrs, diag);
	if (diag->errors > errors)
		rc = -1;
	while (rc == 0 && done < narchs)
		if (compile_resolved(ast, &rs[first[done]], first[done + 1] - first[done],
				     opts, &out[done], diag) < 0)
			rc = -1;
		else
			done++;
	if (rc < 0)
		while (done > 0)
			program_free(&out[--done]);
	for (size_t i = 0; i < nrs; i++)
		resolved_free(rs[i]);
	free(rs);
	free(first);
	return rc;
}

int compile_policy(const struct policy_ast *ast, const struct arch *arch,
		   const struct compile_options *opts, struct program *out,
		   struct diag *diag)
{
	return compile_policies(ast, &arch, 1, opts, out, diag);
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
	for (size_t i = 0; i < p->nabis; i++) {
		free(p->abis[i].named);
		free(p->abis[i].allowed);
	}
	free(p->abis);
	free(p->insns);
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	free(p->named);
	free(p->allowed);
	memset(p, 0, sizeof(*p));
}
