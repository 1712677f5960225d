/* Stage 4: build the binary search over ranges. Without weights it is
 * balanced, so every number is decided after ceil(log2(ranges)) compares.
 * With weights, heavy ranges move up, but no leaf may end up deeper than
 * the balanced depth plus one. */
#include <stdlib.h>
#include <string.h>

#include "bpfgen/tree.h"
#include "bpfgen/util.h"

static size_t ceil_log2(size_t n)
{
	size_t d = 0;

	while (((size_t)1 << d) < n)
		d++;
	return d;
}

/* Split point for ranges [lo, hi): the balanced middle, or with weights
 * the point that best halves the weight while both halves still fit in
 * DEPTH - 1 levels. */
static size_t split(const double *w, size_t lo, size_t hi, size_t depth)
{
	size_t n = hi - lo, mid = lo + n / 2;
	size_t cap = depth >= 1 ? (size_t)1 << (depth - 1) : 1;
	double total = 0, acc = 0, best_diff = -1;
	size_t best = mid;

	if (!w)
		return mid;
	for (size_t i = lo; i < hi; i++)
		total += w[i];
	for (size_t s = lo + 1; s < hi; s++) {
		double diff;

		acc += w[s - 1];
		if (s - lo > cap || hi - s > cap)
			continue;
		diff = acc * 2 > total ? acc * 2 - total : total - acc * 2;
		if (best_diff < 0 || diff < best_diff) {
			best_diff = diff;
			best = s;
		}
	}
	return best;
}

static struct tree *leaf(int node)
{
	struct tree *t = xcalloc(1, sizeof(*t));

	t->leaf = 1;
	t->node = node;
	return t;
}

static struct tree *build(const struct decision *d, const double *w,
			  size_t lo, size_t hi, size_t depth)
{
	struct tree *t;
	size_t s;

	if (hi - lo == 1)
		return leaf(d->ranges[lo].node);
	t = xcalloc(1, sizeof(*t));
	s = split(w, lo, hi, depth);
	t->k = d->ranges[s].lo;
	t->left = build(d, w, lo, s, depth ? depth - 1 : 0);
	t->right = build(d, w, s, hi, depth ? depth - 1 : 0);
	return t;
}

/* Ranges [lo, hi) of one segment, which starts at number START. */
struct segment {
	size_t lo, hi;
	uint32_t start;
	int base;               /* the node of every range but single numbers */
};

/* "jeq" on each single number of segment S whose node is not the base,
 * first number first; the base at the end. */
static struct tree *build_chain(const struct decision *d,
				const struct segment *s, size_t i)
{
	struct tree *t;

	while (i < s->hi && d->ranges[i].node == s->base)
		i++;
	if (i == s->hi)
		return leaf(s->base);
	t = xcalloc(1, sizeof(*t));
	t->eq = 1;
	t->k = d->ranges[i].lo;
	t->right = leaf(d->ranges[i].node);
	t->left = build_chain(d, s, i + 1);
	return t;
}

static struct tree *build_segments(const struct decision *d,
				   const struct segment *seg, size_t lo, size_t hi)
{
	struct tree *t;
	size_t mid = lo + (hi - lo) / 2;

	if (hi - lo == 1)
		return build_chain(d, &seg[lo], seg[lo].lo);
	t = xcalloc(1, sizeof(*t));
	t->k = seg[mid].start;
	t->left = build_segments(d, seg, lo, mid);
	t->right = build_segments(d, seg, mid, hi);
	return t;
}

static int single(const struct range *r)
{
	return r->lo == r->hi;
}

/* Extends segment S over ranges from I on while each is of the base node
 * or a single number, at most CHAIN of those; the base is the node of the
 * first range wider than one number (or, if none, of the last range).
 * Returns the end. */
static size_t extend(const struct decision *d, struct segment *s, size_t i,
		     size_t chain)
{
	size_t singles = 0;

	for (; i < d->nranges; i++) {
		const struct range *r = &d->ranges[i];

		if (s->base >= 0) {
			if (r->node != s->base && (!single(r) || singles == chain))
				break;
			singles += r->node != s->base;
		} else if (!single(r)) {
			/* The first wide range is the base; the single
			 * numbers before it must not be too many. */
			size_t n = 0;

			for (size_t j = s->lo; j < i; j++)
				n += d->ranges[j].node != r->node;
			if (n > chain)
				break;
			s->base = r->node;
			singles = n;
		} else if (i - s->lo == chain + 1) {
			break;
		}
	}
	if (s->base < 0)
		s->base = d->ranges[i - 1].node;  /* only single numbers */
	return i;
}

struct tree *tree_build_chains(const struct decision *d, size_t chain)
{
	struct segment *seg = xmalloc(d->nranges * sizeof(*seg));
	size_t nseg = 0;
	struct tree *t;

	/* Greedy, left to right. */
	for (size_t i = 0; i < d->nranges;) {
		struct segment *s = &seg[nseg++];

		s->lo = i;
		s->start = d->ranges[i].lo;
		s->base = -1;
		s->hi = i = extend(d, s, i, chain);
	}
	t = build_segments(d, seg, 0, nseg);
	free(seg);
	/* Numbers decided by the tree alone must stay within one compare of
	 * the balanced search (they pay the same trampolines). */
	if (tree_depth(t) > ceil_log2(d->nranges) + 1) {
		tree_free(t);
		return NULL;
	}
	return t;
}

/* The tree with the fewest compares in which no number takes more than
 * LIMIT: interval dynamic programming over the ranges. A piece of the
 * search is either a chain (jeq on each single number of other nodes,
 * then one base node for the rest) or a "jge" split into two pieces one
 * level deeper. */
struct fewest {
	const struct decision *d;
	size_t n, levels;
	int16_t *cost;          /* per cell (a, b, depth left): compares,
				   -1 not worked out yet */
	int16_t *pick;          /* split point, or -1 for a chain */
	size_t *off;            /* [depth left][a]: where a's cells start;
				   cells for b from a to reach[left][a] */
	size_t ncells;          /* cells worked out */
	size_t budget;          /* cells to work out at most */
	size_t *reach;          /* [depth][a]: the last b that ranges a .. b
				   can be decided within that depth */
	size_t *back;           /* [depth][b]: the first such a */
	int16_t *least;         /* [a][b]: distinct nodes in a .. b, less one:
				   no tree has fewer compares */
};

#define NO_TREE INT16_MAX       /* more compares than ranges */
/* Splits tried per cell: fewer for small policies, whose search is most of
 * their compile time; more for large ones, where fewer compares matter
 * most (bench/policies/large.policy fits under libseccomp's length by
 * them). */
#define SPLITS_TRIED(n) ((n) > 128 ? 16 : 8)

/* The cell of ranges A .. B within depth LEFT, which must be in reach. */
static size_t fewest_at(const struct fewest *f, size_t a, size_t b, size_t left)
{
	return f->off[left * f->n + a] + (b - a);
}

/* Compares of the chain deciding ranges [A, B], with its base in *BASE;
 * NO_TREE when two wide ranges of different nodes make it impossible. */
static int chain_cost(const struct decision *d, size_t a, size_t b, int *base)
{
	int count = 0;

	*base = -1;
	for (size_t i = a; i <= b; i++)
		if (!single(&d->ranges[i])) {
			if (*base >= 0 && d->ranges[i].node != *base)
				return NO_TREE;
			*base = d->ranges[i].node;
		}
	if (*base < 0)
		*base = d->ranges[b].node;  /* only single numbers */
	for (size_t i = a; i <= b; i++)
		count += d->ranges[i].node != *base;
	return count;
}

/* A chain fits in DEPTH compares: the last B for ranges A .. B (DIR 1),
 * or the first A for ranges A .. B (DIR -1), counted as chain_cost does
 * while the chain grows one range at a time. COUNT: zeroed scratch, one
 * slot per node, left zeroed. */
static size_t chain_reach(const struct decision *d, size_t from, size_t n,
			  size_t depth, int dir, size_t *count)
{
	size_t best = from, seen = 0;
	int wide = -1;          /* node of the wide ranges; -2: two of them */

	while (seen < 2 * depth + 2 && (dir > 0 ? from + seen < n : seen <= from)) {
		size_t i = dir > 0 ? from + seen : from - seen;
		const struct range *r = &d->ranges[i];
		int base;

		seen++;
		count[r->node]++;
		if (!single(r))
			wide = wide == -1 || wide == r->node ? r->node : -2;
		if (wide == -2)
			break;
		/* Only single numbers: the base is the last range's node. */
		base = wide >= 0 ? wide : d->ranges[dir > 0 ? i : from].node;
		if (seen - count[base] <= depth)
			best = i;
	}
	while (seen--)
		count[d->ranges[dir > 0 ? from + seen : from - seen].node] = 0;
	return best;
}

/* Each tree has a leaf for each node it decides: at least that many
 * less one compares. */
static void fewest_least(struct fewest *f)
{
	size_t n = f->n, *seen = xcalloc(f->d->nnodes + 1, sizeof(size_t));

	for (size_t a = 0; a < n; a++) {
		int16_t distinct = 0;

		for (size_t b = a; b < n; b++) {
			size_t node = (size_t)f->d->ranges[b].node;

			if (seen[node] != a + 1) {
				seen[node] = a + 1;
				distinct++;
			}
			f->least[a * n + b] = (int16_t)(distinct - 1);
		}
	}
	free(seen);
}

/* How far ranges can be decided within each depth, from each start (and
 * back from each end): a chain, or two halves one level deeper, the first
 * as long as it can be (a part of what fits also fits). */
static void fewest_reach(struct fewest *f)
{
	size_t n = f->n, *count = xcalloc(f->d->nnodes + 1, sizeof(size_t));

	for (size_t i = 0; i < n; i++)
		f->reach[i] = f->back[i] = i;
	for (size_t dep = 1; dep < f->levels; dep++) {
		const size_t *r = &f->reach[(dep - 1) * n], *k = &f->back[(dep - 1) * n];

		for (size_t i = 0; i < n; i++) {
			size_t c = chain_reach(f->d, i, n, dep, 1, count);
			size_t two = r[i] + 1 < n ? r[r[i] + 1] : r[i];

			f->reach[dep * n + i] = c > two ? c : two;
			c = chain_reach(f->d, i, n, dep, -1, count);
			two = k[i] > 0 ? k[k[i] - 1] : k[i];
			f->back[dep * n + i] = c < two ? c : two;
		}
	}
	free(count);
}

static int fewest(struct fewest *f, size_t a, size_t b, size_t left);

/* fewest(), answered here when the cell is known or out of reach. */
static inline int fewest_cell(struct fewest *f, size_t a, size_t b, size_t left)
{
	int16_t c;

	if (b > f->reach[left * f->n + a])
		return NO_TREE;
	c = f->cost[fewest_at(f, a, b, left)];
	return c >= 0 ? c : fewest(f, a, b, left);
}

static int fewest(struct fewest *f, size_t a, size_t b, size_t left)
{
	size_t at, lo, hi;
	int best = NO_TREE, pick = -1, base;

	/* Out of reach: no tree of that depth decides these ranges. */
	if (b > f->reach[left * f->n + a])
		return NO_TREE;
	at = fewest_at(f, a, b, left);
	if (f->cost[at] >= 0)
		return f->cost[at];
	/* Past the budget, no more cells: no tree (compile.c has others). */
	if (f->ncells >= f->budget)
		return NO_TREE;
	f->ncells++;
	if (a == b) {
		best = 0;
	} else {
		/* A chain decides 2c + 1 ranges at most with c compares,
		 * so it is short enough to scan; and no tree does better. */
		int c = b - a <= 2 * left + 1 ? chain_cost(f->d, a, b, &base) : NO_TREE;
		int bound = f->least[a * f->n + b];

		if (c <= (int)left)
			best = c;
		/* Splits after K: both halves must fit one level deeper. The
		 * best is near the middle of those; try the SPLITS_TRIED()
		 * closest to it, nearest first. */
		lo = left ? f->back[(left - 1) * f->n + b] : b;
		lo = lo > a ? lo - 1 : a;
		hi = left ? f->reach[(left - 1) * f->n + a] : a;
		if (hi >= b)
			hi = b - 1;
		for (size_t i = 0; left > 0 && best > bound && lo <= hi &&
				   i <= hi - lo && i < SPLITS_TRIED(f->n); i++) {
			size_t mid = lo + (hi - lo) / 2;
			size_t k = i % 2 ? mid + (i + 1) / 2 : mid - i / 2;
			int x, y;

			if (k < lo || k > hi)
				continue;
			x = fewest_cell(f, a, k, left - 1);
			if (x >= NO_TREE || 1 + x + f->least[(k + 1) * f->n + b] >= best)
				continue;
			y = fewest_cell(f, k + 1, b, left - 1);
			if (y < NO_TREE && 1 + x + y < best) {
				best = 1 + x + y;
				pick = (int)k;
			}
		}
	}
	f->cost[at] = (int16_t)best;
	f->pick[at] = (int16_t)pick;
	return best;
}

static struct tree *fewest_tree(const struct fewest *f, size_t a, size_t b,
				size_t left)
{
	int pick = f->pick[fewest_at(f, a, b, left)];
	struct tree *t;

	if (a == b)
		return leaf(f->d->ranges[a].node);
	if (pick < 0) {
		struct segment s = { a, b + 1, f->d->ranges[a].lo, -1 };

		chain_cost(f->d, a, b, &s.base);
		return build_chain(f->d, &s, a);
	}
	t = xcalloc(1, sizeof(*t));
	t->k = f->d->ranges[pick + 1].lo;
	t->left = fewest_tree(f, a, (size_t)pick, left - 1);
	t->right = fewest_tree(f, (size_t)pick + 1, b, left - 1);
	return t;
}

struct tree *tree_build_fewest(const struct decision *d, size_t *cells)
{
	size_t limit = ceil_log2(d->nranges) + 1, ntotal = 0;
	struct fewest f = { .d = d, .n = d->nranges, .levels = limit + 1 };
	struct tree *t = NULL;

	*cells = 0;
	if (d->nranges > FEWEST_MAX_RANGES)
		return NULL;
	f.budget = FEWEST_CELLS_PER_RANGE * f.n + 1024;
	f.reach = xmalloc(f.n * f.levels * sizeof(size_t));
	f.back = xmalloc(f.n * f.levels * sizeof(size_t));
	fewest_reach(&f);
	f.least = xmalloc(f.n * f.n * sizeof(*f.least));
	fewest_least(&f);
	f.off = xmalloc(f.n * f.levels * sizeof(size_t));
	for (size_t l = 0, total = 0; l < f.levels; l++)
		for (size_t a = 0; a < f.n; a++) {
			f.off[l * f.n + a] = total;
			total += f.reach[l * f.n + a] - a + 1;
			ntotal = total;
		}
	f.cost = xmalloc(ntotal * sizeof(*f.cost));
	f.pick = xmalloc(ntotal * sizeof(*f.pick));
	memset(f.cost, 0xff, ntotal * sizeof(*f.cost));   /* -1 */
	if (fewest(&f, 0, f.n - 1, limit) < NO_TREE)
		t = fewest_tree(&f, 0, f.n - 1, limit);
	*cells = f.ncells;
	free(f.cost);
	free(f.pick);
	free(f.off);
	free(f.reach);
	free(f.back);
	free(f.least);
	return t;
}

int tree_decide(const struct tree *t, uint32_t nr, size_t *compares)
{
	*compares = 0;
	while (!t->leaf) {
		t = (t->eq ? nr == t->k : nr >= t->k) ? t->right : t->left;
		(*compares)++;
	}
	return t->node;
}

struct tree *tree_build(const struct decision *d, const double *range_weights)
{
	size_t depth = ceil_log2(d->nranges);

	/* Weighted trees may be one level deeper than balanced ones. */
	return build(d, range_weights, 0, d->nranges,
		     range_weights ? depth + 1 : depth);
}

void tree_free(struct tree *t)
{
	if (!t)
		return;
	tree_free(t->left);
	tree_free(t->right);
	free(t);
}

size_t tree_depth(const struct tree *t)
{
	size_t l, r;

	if (t->leaf)
		return 0;
	l = tree_depth(t->left);
	r = tree_depth(t->right);
	return 1 + (l > r ? l : r);
}

size_t tree_leaves(const struct tree *t)
{
	return t->leaf ? 1 : tree_leaves(t->left) + tree_leaves(t->right);
}
