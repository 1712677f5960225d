/* Unit tests of stage 3, decide (bpfgen/decide.c: chains, interning, range
 * merging, dead rules) and stage 4, the search tree (bpfgen/tree.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfgen/decide.h"
#include "bpf/seccomp.h"
#include "bpfgen/tree.h"

struct decided {
	struct resolved *r;
	struct decision *d;
	int warnings;
	char msgs[8192];
	char path[64];
};

static void decide_text(const char *text, const char *arch_name, struct decided *out)
{
	struct diag diag = { .out = tmpfile() };
	struct resolve_options opts = { 0 };
	struct policy_ast *ast;
	size_t got;
	int fd;

	cr_assert_not_null(diag.out);
	strcpy(out->path, "/tmp/bpfgen-decide-XXXXXX");
	fd = mkstemp(out->path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ast = policy_parse_file(out->path, &diag);
	cr_assert_not_null(ast, "the test policy does not parse");
	out->r = resolve_policy(ast, arch_by_name(arch_name), &opts, &diag);
	cr_assert_not_null(out->r, "the test policy does not resolve");
	out->d = decide(out->r, &diag);
	policy_free(ast);
	unlink(out->path);
	out->warnings = diag.warnings;
	rewind(diag.out);
	got = fread(out->msgs, 1, sizeof(out->msgs) - 1, diag.out);
	out->msgs[got] = '\0';
	fclose(diag.out);
	diag_free(&diag);
}

static void decided_free(struct decided *x)
{
	decision_free(x->d);
	resolved_free(x->r);
}

static int node_of(const struct decided *x, const char *name)
{
	long nr = arch_syscall_nr(x->d->arch, name);

	cr_assert_geq(nr, 0, "no syscall %s", name);
	return decision_node_for(x->d, (uint32_t)nr);
}

/* Ranges must cover 0 .. top without gaps, and neighbours must differ
 * (otherwise they were not merged). */
static void check_ranges(const struct decision *d)
{
	cr_assert_gt(d->nranges, 0);
	cr_assert_eq(d->ranges[0].lo, 0);
	cr_assert_eq(d->ranges[d->nranges - 1].hi, d->top);
	for (size_t i = 0; i < d->nranges; i++) {
		cr_assert_leq(d->ranges[i].lo, d->ranges[i].hi);
		if (i == 0)
			continue;
		cr_assert_eq(d->ranges[i].lo, d->ranges[i - 1].hi + 1, "gap before range %zu", i);
		cr_assert_neq(d->ranges[i].node, d->ranges[i - 1].node,
			      "ranges %zu and %zu share a node but were not merged", i - 1, i);
	}
}

Test(decide, consecutive_numbers_merge_into_ranges)
{
	struct decided x;

	decide_text("default allow\nkill-process: open, read, write\n", "x86_64", &x);
	check_ranges(x.d);
	cr_assert_eq(x.d->nranges, 2);
	cr_assert_eq(x.d->ranges[0].hi, 2);
	cr_assert_eq(x.d->top, ARCH_X32_SYSCALL_BIT - 1, "x32 numbers are the prologue's");
	cr_assert(x.d->nodes[x.d->ranges[0].node].terminal);
	cr_assert_eq(x.d->nodes[x.d->ranges[0].node].action, ACT_KILL_PROCESS);
	cr_assert_eq(x.d->ranges[1].node, x.d->default_node);
	decided_free(&x);

	decide_text("default allow\nkill-process: open, read, write\n", "aarch64", &x);
	check_ranges(x.d);
	cr_assert_eq(x.d->top, UINT32_MAX, "no x32 bit on aarch64");
	/* read 63, write 64 merge; open does not exist there. */
	cr_assert_eq(x.d->nranges, 3);
	cr_assert_eq(x.d->ranges[1].lo, 63);
	cr_assert_eq(x.d->ranges[1].hi, 64);
	decided_free(&x);
}

Test(decide, identical_chains_are_interned)
{
	struct decided x;

	decide_text("default allow\n"
		    "errno(1): read if arg0 == 5\n"
		    "errno(1): close if arg0 == 5\n"
		    "errno(2): read, close if arg64(arg1) == 1\n"
		    "errno(1): write if arg0 == 5\n", "x86_64", &x);
	check_ranges(x.d);
	/* read and close: the same two conditions in the same order. */
	cr_assert_eq(node_of(&x, "read"), node_of(&x, "close"));
	cr_assert_neq(node_of(&x, "read"), node_of(&x, "write"));
	/* write's test equals read's first one but falls back elsewhere,
	 * so the nodes differ; the terminal default is shared by all. */
	cr_assert_eq(x.d->nodes[node_of(&x, "write")].next, x.d->default_node);
	cr_assert_eq(x.d->nodes[x.d->nodes[node_of(&x, "read")].next].next,
		     x.d->default_node);
	/* default, write's node, read's two nodes. */
	cr_assert_eq(x.d->nnodes, 4, "%zu nodes", x.d->nnodes);
	decided_free(&x);
}

Test(decide, shared_tails_are_shared_nodes)
{
	struct decided x;

	decide_text("default allow\n"
		    "errno(1): read if arg0 == 5\n"
		    "errno(2): read, write if arg1 == 1\n", "x86_64", &x);
	cr_assert_eq(x.d->nodes[node_of(&x, "read")].next, node_of(&x, "write"));
	decided_free(&x);
}

Test(decide, conditions_that_cannot_change_the_outcome_disappear)
{
	struct decided x;

	decide_text("default allow\nallow: read if arg0 == 1\n"
		    "errno(1): write if arg0 == 1\nerrno(1): write\n"
		    "kill-process: close if arg0 == 1\nkill-process: close\n", "x86_64", &x);
	cr_assert_eq(node_of(&x, "read"), x.d->default_node);
	cr_assert(x.d->nodes[node_of(&x, "write")].terminal);
	cr_assert_eq(x.d->nodes[node_of(&x, "write")].action, ACT_ERRNO | 1u);
	cr_assert(x.d->nodes[node_of(&x, "close")].terminal);
	cr_assert_eq(x.warnings, 0, "%s", x.msgs);
	decided_free(&x);

	/* A different fallback keeps the test. */
	decide_text("default allow\nallow: read if arg0 == 1\nkill-process: read\n",
		    "x86_64", &x);
	cr_assert_not(x.d->nodes[node_of(&x, "read")].terminal);
	decided_free(&x);
}

/* Rules that never apply are the linter's to report (test_lint.c). */
Test(decide, dead_rules_are_left_to_the_linter)
{
	struct decided x;

	decide_text("default allow\nkill-process: read, write\n"
		    "errno(1): read\n", "x86_64", &x);
	cr_assert_eq(x.warnings, 0, "%s", x.msgs);
	decided_free(&x);
}

Test(decide, never_true_rules_are_left_out)
{
	struct decided x;

	decide_text("default allow\nerrno(1): read if arg0 < 0\nerrno(2): write if arg0 & 1 == 2 && arg2 == 3\n",
		    "x86_64", &x);
	cr_assert_eq(node_of(&x, "read"), x.d->default_node);
	cr_assert_eq(node_of(&x, "write"), x.d->default_node);
	cr_assert_eq(x.d->nranges, 1);
	cr_assert_eq(x.warnings, 2, "one warning each, no dead-rule repeat: %s", x.msgs);
	decided_free(&x);
}

/* ---- Stage 4: the search tree ------------------------------------ */

static size_t ceil_log2(size_t n)
{
	size_t d = 0;

	while (((size_t)1 << d) < n)
		d++;
	return d;
}

static int tree_lookup(const struct tree *t, uint32_t nr, size_t *depth)
{
	return tree_decide(t, nr, depth);
}

/* The tree must decide every number exactly like the ranges do: both
 * ends of each range, the numbers next to them, and every number of a
 * short range. */
static void check_tree(const struct decision *d, const struct tree *t)
{
	size_t depth;

	for (size_t i = 0; i < d->nranges; i++) {
		const struct range *r = &d->ranges[i];
		uint32_t mid = r->lo + (r->hi - r->lo) / 2;
		uint32_t probe[6] = { r->lo, r->hi, r->lo + (r->lo < r->hi),
				      r->hi - (r->lo < r->hi), mid, mid + (mid < r->hi) };

		for (int p = 0; p < 6; p++)
			cr_assert_eq(tree_lookup(t, probe[p], &depth), r->node,
				     "range %zu (%u..%u) at %u", i, r->lo, r->hi, probe[p]);
		for (uint32_t nr = r->lo; r->hi - r->lo < 1024 && nr <= r->hi; nr++)
			cr_assert_eq(tree_lookup(t, nr, &depth), r->node, "range %zu at %u", i, nr);
	}
}

static size_t inner_nodes(const struct tree *t)
{
	return t->leaf ? 0 : 1 + inner_nodes(t->left) + inner_nodes(t->right);
}

/* The longest run of "jeq" nodes on any path. */
static size_t longest_chain(const struct tree *t, size_t run)
{
	size_t l, r;

	if (t->leaf)
		return run;
	l = longest_chain(t->left, t->eq ? run + 1 : 0);
	r = longest_chain(t->right, t->eq ? run + 1 : 0);
	if (t->eq && run + 1 > l)
		l = run + 1;
	return l > r ? l : r;
}

/* "kill-process" on every STEP-th number below LIMIT: many ranges. */
static void striped_policy(char *buf, size_t n, const char *arch, int step, int limit)
{
	size_t used = (size_t)snprintf(buf, n, "default allow\nkill-process: ");
	const struct arch *a = arch_by_name(arch);

	for (int nr = 0; nr < limit; nr += step) {
		const char *name = arch_syscall_name(a, (uint32_t)nr);

		if (name && used + 64 < n)
			used += (size_t)snprintf(buf + used, n - used, "%s,\n  ", name);
	}
	snprintf(buf + used, n - used, "read\n");
}

Test(tree, balanced_depth_is_ceil_log2_of_ranges)
{
	static char text[32768];
	const char *simple[] = {
		"default allow\n",
		"default allow\nkill-process: read\n",
		"default allow\nkill-process: write\n",
		"default allow\nkill-process: write\nerrno(1): close\n",
	};
	struct decided x;

	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		struct tree *t;

		decide_text(simple[i], "x86_64", &x);
		t = tree_build(x.d, NULL);
		cr_assert_eq(tree_depth(t), ceil_log2(x.d->nranges), "policy %zu", i);
		check_tree(x.d, t);
		tree_free(t);
		decided_free(&x);
	}
	for (int step = 2; step <= 7; step++) {
		struct tree *t;

		striped_policy(text, sizeof(text), step % 2 ? "x86_64" : "aarch64", step, 300);
		decide_text(text, step % 2 ? "x86_64" : "aarch64", &x);
		cr_assert_gt(x.d->nranges, 40);
		t = tree_build(x.d, NULL);
		cr_assert_eq(tree_depth(t), ceil_log2(x.d->nranges), "step %d: %zu ranges, depth %zu",
			     step, x.d->nranges, tree_depth(t));
		check_tree(x.d, t);
		tree_free(t);
		decided_free(&x);
	}
}

Test(tree, chains_decide_every_number_like_the_ranges)
{
	static char text[32768];
	const char *simple[] = {
		"default allow\n",
		"default allow\nkill-process: read\n",
		"default allow\nkill-process: write, close\nerrno(1): lseek\n",
		"default allow\nkill-process: read, write, open, close\n",
		"default kill-process\nallow: read, write, close, mmap, brk, exit_group\n"
		"errno(1): openat if arg2 == 0\n",
	};
	struct decided x;

	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]) + 12; i++) {
		const char *arch = i % 2 ? "x86_64" : "aarch64";
		size_t nsimple = sizeof(simple) / sizeof(simple[0]);

		if (i < nsimple) {
			decide_text(simple[i], arch, &x);
		} else {
			/* Every STEP-th number, 1 (adjacent) to 6 apart. */
			striped_policy(text, sizeof(text), arch, (int)(i - nsimple) / 2 + 1, 400);
			decide_text(text, arch, &x);
		}
		for (size_t chain = 1; chain <= 4; chain++) {
			struct tree *t = tree_build_chains(x.d, chain);
			size_t balanced = ceil_log2(x.d->nranges);

			if (!t) {
				/* Refused only when it would be deeper. */
				cr_assert_gt(chain, 1, "policy %zu: chains of 1 always fit", i);
				continue;
			}
			check_tree(x.d, t);
			cr_assert_leq(tree_depth(t), balanced + 1, "policy %zu chain %zu", i, chain);
			cr_assert_leq(longest_chain(t, 0), chain, "policy %zu chain %zu", i, chain);
			cr_assert_leq(inner_nodes(t), x.d->nranges ? x.d->nranges - 1 : 0,
				      "policy %zu chain %zu: never more compares than ranges", i, chain);
			tree_free(t);
		}
		decided_free(&x);
	}
}

Test(tree, chains_take_fewer_compares_for_lone_numbers)
{
	static char text[32768];
	struct decided x;
	struct tree *t;

	/* Every third number killed: allow, allow, kill, allow, allow, kill...
	 * Balanced, each range costs one compare, so each killed number two;
	 * in a chain of three a killed number costs one, plus one compare
	 * between chains. */
	striped_policy(text, sizeof(text), "x86_64", 3, 300);
	decide_text(text, "x86_64", &x);
	t = tree_build_chains(x.d, 3);
	cr_assert_not_null(t);
	check_tree(x.d, t);
	cr_assert_lt(inner_nodes(t) * 4, (x.d->nranges - 1) * 3,
		     "%zu compares for %zu ranges", inner_nodes(t), x.d->nranges);
	tree_free(t);
	decided_free(&x);
}

Test(tree, weighted_trees_are_at_most_one_level_deeper)
{
	static char text[32768];
	struct decided x;
	unsigned seed = 12345;

	striped_policy(text, sizeof(text), "x86_64", 3, 330);
	decide_text(text, "x86_64", &x);
	for (int round = 0; round < 50; round++) {
		double *w = calloc(x.d->nranges, sizeof(double));
		size_t balanced = ceil_log2(x.d->nranges), heavy = 0, depth;
		struct tree *t;

		cr_assert_not_null(w);
		for (size_t i = 0; i < x.d->nranges; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly skewed: a few very hot ranges, many cold. */
			w[i] = (seed >> 16) % 100 < 5 ? 1e6 * ((seed >> 8) % 7 + 1) : (seed >> 16) % 3;
		}
		heavy = (size_t)round % x.d->nranges;
		w[heavy] = 1e12;
		t = tree_build(x.d, w);
		cr_assert_leq(tree_depth(t), balanced + 1, "round %d: depth %zu, balanced %zu",
			      round, tree_depth(t), balanced);
		check_tree(x.d, t);
		tree_lookup(t, x.d->ranges[heavy].lo, &depth);
		cr_assert_lt(depth, balanced, "round %d: the hottest range sits at depth %zu",
			     round, depth);
		tree_free(t);
		free(w);
	}
	decided_free(&x);
}
