/* Stage 3: decision per syscall number, then ranges of numbers that share
 * a decision. The tree and the code generator only ever see ranges. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/decide.h"
#include "bpfgen/util.h"

static unsigned mix(unsigned h, uint64_t v)
{
	h ^= (unsigned)(v ^ (v >> 32));
	h *= 0x01000193u;
	return h ^ (h >> 15);
}

static unsigned node_hash(const struct chain_node *n)
{
	unsigned h = mix(2166136261u, (uint64_t)n->terminal);

	h = mix(h, n->action);
	h = mix(h, (uint64_t)(int64_t)n->next);
	for (size_t i = 0; i < n->nconds; i++) {
		const struct cond *c = &n->conds[i];

		h = mix(h, (uint64_t)(c->arg | c->lo32 << 4 | (int)c->op << 8));
		h = mix(h, c->mask);
		h = mix(h, c->value);
		h = mix(h, c->value2);
	}
	return h;
}

static int conds_equal(const struct cond *a, const struct cond *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].arg != b[i].arg || a[i].lo32 != b[i].lo32 ||
		    a[i].op != b[i].op || a[i].mask != b[i].mask ||
		    a[i].value != b[i].value || a[i].value2 != b[i].value2)
			return 0;
	return 1;
}

static int nodes_equal(const struct chain_node *a, const struct chain_node *b)
{
	return a->terminal == b->terminal && a->action == b->action &&
	       a->next == b->next && a->nconds == b->nconds &&
	       conds_equal(a->conds, b->conds, a->nconds);
}

static int intern(struct decision *d, struct chain_node n)
{
	size_t slot;

	n.hash = node_hash(&n);
	if (2 * (d->nnodes + 1) > d->index_cap)
		index_grow(&d->index, &d->index_cap, d->nodes, d->nnodes,
			   sizeof(*d->nodes), offsetof(struct chain_node, hash));
	for (slot = n.hash & (d->index_cap - 1); d->index[slot] >= 0;
	     slot = (slot + 1) & (d->index_cap - 1))
		if (nodes_equal(&d->nodes[d->index[slot]], &n))
			return d->index[slot];
	*(struct chain_node *)vec_push(&d->nodes, &d->nnodes, &d->nodes_cap,
				       sizeof(n)) = n;
	d->index[slot] = (int)(d->nnodes - 1);
	return (int)(d->nnodes - 1);
}

static int terminal(struct decision *d, uint32_t action)
{
	struct chain_node n = { .terminal = 1, .action = action, .next = -1 };

	return intern(d, n);
}

/* "if CONDS return ACTION else NEXT": when NEXT already returns ACTION the
 * test cannot change the outcome and is left out, which keeps syscalls
 * that end up allowed either way constant-allow for the kernel's cache. */
static int conditional(struct decision *d, const struct rule *r, int next)
{
	struct chain_node n = {
		.action = r->action, .conds = r->conds, .nconds = r->nconds,
		.next = next,
	};

	if (d->nodes[next].terminal && d->nodes[next].action == r->action)
		return next;
	return intern(d, n);
}

/* Every (number, rule) a rule names, sorted by number, then rule: the
 * rules of each number in file order. Sparse, because a table can have
 * far numbers (arm's private calls at 0x0f0000). */
struct named_by_rule {
	uint32_t nr;
	size_t rule;
};

static int cmp_named(const void *x, const void *y)
{
	const struct named_by_rule *a = x, *b = y;

	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

static struct named_by_rule *index_rules(const struct resolved *r, size_t *n)
{
	struct named_by_rule *v = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < r->nrules; i++)
		for (size_t j = 0; j < r->rules[i].nnrs; j++)
			*(struct named_by_rule *)vec_push(&v, n, &cap, sizeof(*v)) =
				(struct named_by_rule){ r->rules[i].nrs[j], i };
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_named);
	return v;
}

/* Chain for the number of IX[0..N): built from its last rule backwards. */
static int chain_for(struct decision *d, const struct resolved *r,
		     const struct named_by_rule *ix, size_t n)
{
	int node = d->default_node;

	for (size_t k = n; k-- > 0;) {
		const struct rule *rule = &r->rules[ix[k].rule];

		if (rule->never)
			continue;
		if (rule->nconds == 0)
			node = terminal(d, rule->action);
		else
			node = conditional(d, rule, node);
	}
	return node;
}

static void add_range(struct decision *d, uint32_t lo, uint32_t hi, int node)
{
	struct range *last = d->nranges ? &d->ranges[d->nranges - 1] : NULL;

	if (last && last->node == node && last->hi + 1 == lo) {
		last->hi = hi;
		return;
	}
	*(struct range *)vec_push(&d->ranges, &d->nranges, &d->ranges_cap,
				  sizeof(struct range)) =
		(struct range){ lo, hi, node };
}

/* Numbers LO..HI that no rule names: the default, or on-newer above the
 * highest number named. */
static void add_unnamed(struct decision *d, const struct resolved *r, int newer,
			uint32_t lo, uint32_t hi)
{
	uint32_t split;

	if (lo > hi)
		return;
	if (newer < 0 || hi <= r->newer_above) {
		add_range(d, d->base + lo, d->base + hi, d->default_node);
		return;
	}
	split = lo > r->newer_above ? lo : r->newer_above + 1;
	if (split > lo)
		add_range(d, d->base + lo, d->base + split - 1, d->default_node);
	add_range(d, d->base + split, d->base + hi, newer);
}

struct decision *decide(const struct resolved *r, struct diag *diag)
{
	struct decision *d = xcalloc(1, sizeof(*d));
	size_t n, i = 0;
	struct named_by_rule *ix = index_rules(r, &n);
	uint32_t next = 0;          /* lowest number not decided yet */
	int newer = -1;

	d->arch = r->arch;
	/* On x86_64 the prologue decides every number with the x32 bit or
	 * above it; the tree only sees the numbers below. An x32 section
	 * sees those. */
	d->base = r->arch->x32_bit && r->arch->host ? r->arch->x32_bit : 0;
	d->top = r->arch->x32_bit && !r->arch->host ? r->arch->x32_bit - 1 : UINT32_MAX;
	d->bad_arch = r->bad_arch;
	d->x32 = r->x32;
	d->default_node = terminal(d, r->deflt);
	/* on-newer: runc's stub, numbers no rule can name (above the
	 * highest one named) get its action instead of the default. */
	if (r->has_newer)
		newer = terminal(d, r->newer);
	while (i < n) {
		size_t j = i;
		uint32_t nr = ix[i].nr;

		while (j < n && ix[j].nr == nr)
			j++;
		if (nr > next)
			add_unnamed(d, r, newer, next, nr - 1);
		add_range(d, d->base + nr, d->base + nr, chain_for(d, r, ix + i, j - i));
		next = nr + 1;
		i = j;
	}
	add_unnamed(d, r, newer, next, d->top - d->base);
	(void)diag;   /* rules that never apply: the linter (lint.c) says so */
	free(ix);
	return d;
}

size_t decision_range_of(const struct decision *d, uint32_t nr)
{
	size_t lo = 0, hi = d->nranges;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->ranges[mid].lo <= nr)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int decision_node_for(const struct decision *d, uint32_t nr)
{
	return d->ranges[decision_range_of(d, nr)].node;
}

void decision_free(struct decision *d)
{
	if (!d)
		return;
	free(d->nodes);
	free(d->ranges);
	free(d->index);
	free(d);
}
