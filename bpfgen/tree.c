/* Stage 4: build the binary search over ranges. Without weights it is
 * balanced, so every number is decided after ceil(log2(ranges)) compares.
 * With weights, heavy ranges move up, but no leaf may end up deeper than
 * the balanced depth plus one. */
#include <stdlib.h>

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
