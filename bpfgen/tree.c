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

static struct tree *build(const struct decision *d, const double *w,
			  size_t lo, size_t hi, size_t depth)
{
	struct tree *t = xcalloc(1, sizeof(*t));
	size_t s;

	if (hi - lo == 1) {
		t->leaf = 1;
		t->node = d->ranges[lo].node;
		return t;
	}
	s = split(w, lo, hi, depth);
	t->k = d->ranges[s].lo;
	t->left = build(d, w, lo, s, depth ? depth - 1 : 0);
	t->right = build(d, w, s, hi, depth ? depth - 1 : 0);
	return t;
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
