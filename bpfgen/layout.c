/* Stage 5a: the order of the pieces of code (layout.h). A local search:
 * starting from the tree's own order, try swapping two pieces or flipping
 * which child of a node comes first, and keep every change that does not
 * make the estimate worse. The estimate walks the order once: for each
 * target, the jumps to it in order of position, and one copy for each run
 * of them that one copy placed after the run can serve. */
#include <stdint.h>
#include <stdlib.h>

#include "bpfgen/layout.h"
#include "bpfgen/util.h"

/* A jump reaches 255 instructions past the next one; keep some room for
 * the copies the jump resolver inserts in between. */
#define REACH 248

/* At most this many moves, however large the program. */
#define TRIES_MAX  40000

struct walk {
	const struct lay_problem *p;
	size_t *leaf_start;     /* leaf -> where its block starts */
	size_t *leaf_order;     /* leaves in layout order */
	size_t nordered;
	size_t *bucket_start;   /* target -> its first slot in SPANS */
	size_t *fill;
	size_t (*spans)[2];     /* per target, the jumps' first and last */
};

static size_t place(struct walk *w, int n, size_t pos)
{
	const struct lay_node *x = &w->p->nodes[n];

	if (x->child[0] < 0) {
		w->leaf_start[x->leaf] = pos;
		w->leaf_order[w->nordered++] = x->leaf;
		return pos + x->size;
	}
	pos = place(w, x->child[x->first], pos + 1);
	return place(w, x->child[!x->first], pos);
}

/* Instructions the targets' copies take in the current order. */
static size_t estimate(struct walk *w)
{
	const struct lay_problem *p = w->p;
	size_t pos = p->start, total = 0;

	w->nordered = 0;
	for (size_t i = 0; i < p->npieces; i++)
		pos = place(w, p->pieces[i], pos);
	for (size_t t = 0; t < p->ntargets; t++)
		w->fill[t] = w->bucket_start[t];
	/* Refs are sorted by leaf: the refs of a leaf are a run. */
	for (size_t i = 0; i < w->nordered; i++) {
		size_t leaf = w->leaf_order[i], base = w->leaf_start[leaf];
		size_t r = w->bucket_start[p->ntargets + 1 + leaf];

		for (; r < p->nrefs && p->refs[r].leaf == leaf; r++) {
			const struct lay_ref *ref = &p->refs[r];
			size_t *slot = w->spans[w->fill[ref->target]++];

			slot[0] = base + ref->first;
			slot[1] = base + ref->last;
		}
	}
	for (size_t t = 0; t < p->ntargets; t++) {
		size_t i = w->bucket_start[t], end = w->fill[t], runs = 0;

		while (i < end) {
			size_t from = w->spans[i][0], last = w->spans[i][1];

			runs++;
			for (i++; i < end; i++) {
				size_t l = w->spans[i][1] > last ? w->spans[i][1] : last;

				if (l + 1 - from > REACH)
					break;
				last = l;
			}
		}
		if (runs)
			total += p->target_size[t] + runs - 1;
	}
	return total;
}

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The refs to targets that some but not most leaves jump to: only their
 * copies can come out fewer in another order (a target every block jumps
 * to needs a copy every REACH instructions whatever the order). Refs stay
 * sorted by leaf. */
static struct lay_ref *shared_refs(const struct lay_problem *p, size_t *n)
{
	size_t *last = xmalloc((p->ntargets + 1) * sizeof(size_t));
	size_t *leaves = xcalloc(p->ntargets + 1, sizeof(size_t));
	struct lay_ref *v = xmalloc((p->nrefs ? p->nrefs : 1) * sizeof(*v));

	for (size_t t = 0; t < p->ntargets; t++)
		last[t] = SIZE_MAX;
	for (size_t r = 0; r < p->nrefs; r++) {
		size_t t = p->refs[r].target;

		if (last[t] != p->refs[r].leaf) {
			last[t] = p->refs[r].leaf;
			leaves[t]++;
		}
	}
	*n = 0;
	for (size_t r = 0; r < p->nrefs; r++) {
		size_t k = leaves[p->refs[r].target];

		if (k == 2 || (k > 2 && 2 * k <= p->nleaves))
			v[(*n)++] = p->refs[r];
	}
	free(last);
	free(leaves);
	return v;
}

size_t layout_order(struct lay_problem *p, size_t tries_each, int *capped)
{
	struct lay_problem q = *p;
	struct walk w = { .p = &q };
	size_t nfree = 0, *count, moves, tries, stall = 0, patience, best, least = 0;
	size_t estimates = 0, capped_at = 0;
	int *free_nodes;
	uint64_t seed = 0x2545f4914f6cdd1dull;

	q.refs = shared_refs(p, &q.nrefs);
	free_nodes = xmalloc((p->nnodes ? p->nnodes : 1) * sizeof(int));
	for (size_t j = 0; j < p->nnodes; j++)
		if (p->nodes[j].child[0] >= 0 && !p->nodes[j].fixed)
			free_nodes[nfree++] = (int)j;
	moves = nfree + (p->npieces > 1 ? p->npieces : 0);
	if (capped)
		*capped = 0;
	if (!q.nrefs || !moves) {
		free(free_nodes);
		free(q.refs);
		return 0;
	}

	/* Buckets: one run of slots per target, then per leaf where its
	 * refs start. */
	w.leaf_start = xcalloc(p->nleaves + 1, sizeof(size_t));
	w.leaf_order = xcalloc(p->nleaves + 1, sizeof(size_t));
	w.bucket_start = xcalloc(p->ntargets + 2 + p->nleaves, sizeof(size_t));
	w.fill = xcalloc(p->ntargets + 1, sizeof(size_t));
	w.spans = xcalloc(q.nrefs, sizeof(*w.spans));
	count = xcalloc(p->ntargets + 1, sizeof(size_t));
	for (size_t r = 0; r < q.nrefs; r++)
		count[q.refs[r].target]++;
	for (size_t t = 0; t < p->ntargets; t++)
		w.bucket_start[t + 1] = w.bucket_start[t] + count[t];
	for (size_t l = 0, r = 0; l < p->nleaves; l++) {
		while (r < q.nrefs && q.refs[r].leaf < l)
			r++;
		w.bucket_start[p->ntargets + 1 + l] = r;
	}
	free(count);

	/* One copy of each target is as good as it gets. */
	for (size_t t = 0; t < p->ntargets; t++)
		if (w.bucket_start[t + 1] > w.bucket_start[t])
			least += p->target_size[t];
	best = estimate(&w);
	estimates++;
	tries = tries_each * moves;
	if (tries > TRIES_MAX)
		tries = capped_at = TRIES_MAX;
	/* Give up after a while without a gain. */
	patience = moves * (tries_each > 8 ? tries_each / 4 : 2);
	while (best > least && tries-- && stall++ < patience) {
		uint64_t r = next_random(&seed);
		size_t pick = (size_t)(r >> 16) % moves, now;

		if (pick < nfree) {
			struct lay_node *x = &p->nodes[free_nodes[pick]];

			x->first = !x->first;
			now = estimate(&w);
			estimates++;
			if (now > best)
				x->first = !x->first;
		} else {
			size_t a = pick - nfree;
			size_t b = (size_t)(r >> 40) % p->npieces;
			int keep = p->pieces[a];

			if (a == b)
				continue;
			p->pieces[a] = p->pieces[b];
			p->pieces[b] = keep;
			now = estimate(&w);
			estimates++;
			if (now > best) {
				p->pieces[b] = p->pieces[a];
				p->pieces[a] = keep;
			}
		}
		if (now < best)
			stall = 0;
		if (now <= best)
			best = now;
	}
	free(free_nodes);
	free(q.refs);
	free(w.leaf_start);
	free(w.leaf_order);
	free(w.bucket_start);
	free(w.fill);
	free(w.spans);
	/* Stopped by the cap, not by finding nothing better for a while. */
	if (capped)
		*capped = capped_at && tries == (size_t)-1;
	return estimates * (p->nnodes + q.nrefs + p->ntargets + 1);
}
