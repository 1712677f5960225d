/* bpfdiff's solver: is a conjunction of conditions on one 32-bit word of
 * seccomp_data satisfiable, and what is its smallest solution? */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/diff/diff.h"

#define FULL 0xffffffffu
#define NONE ((uint64_t)1 << 32)
/* Search nodes per solve. The memo keeps real programs far below it; a
 * word buried in contradictory masks fails closed instead of hanging. */
#define SOLVE_BUDGET 400000L

/* A condition on (word & mask) that the bounds and fixed bits cannot
 * hold: != value (satisfied as soon as one bit of MASK differs), or an
 * ordered comparison of a masked word. */
enum clause_kind { CL_NE, CL_GE, CL_LE };

struct clause {
	int kind;
	uint32_t mask, value;
};

/* A search state known to have no solution (see dfs). */
struct failed {
	int bit, tight_lo, tight_hi;
	uint64_t *sat;
};

struct problem {
	uint32_t lo, hi;        /* lo <= word <= hi */
	uint32_t fmask, fval;   /* word & fmask == fval */
	struct clause *cl;      /* masked inequalities */
	size_t ncl, nsat;       /* nsat: uint64_t per satisfied-set */
	uint32_t *excl;         /* word != value, sorted: kept apart, so that
				 * long chains of jeq on nr stay cheap */
	size_t nexcl;
	struct failed *fail;
	size_t nfail, capfail;
	long budget;
	long excl_fails;        /* leaves lost to exclusions alone: a state
				 * under one is not remembered as failed,
				 * since exclusions depend on the prefix */
	uint64_t *scratch;      /* satisfied-set of the current node */
};

/* Bits above P (all of them for P < 0). */
static uint32_t above(int p)
{
	if (p >= 31)
		return 0;
	if (p < 0)
		return FULL;
	return FULL << (p + 1);
}

/* Smallest y >= X with (y & M) == V, or NONE. Candidates keep X's bits
 * above some 0 bit P of X, set P, and fill below P as low as allowed; the
 * lowest valid P gives the smallest. */
static uint64_t next_fixed(uint32_t x, uint32_t m, uint32_t v)
{
	if (v & ~m)
		return NONE;
	if ((x & m) == v)
		return x;
	for (int p = 0; p < 32; p++) {
		uint32_t bit = 1u << p, hi = above(p);

		if ((x & bit) || ((m & bit) && !(v & bit)))
			continue;
		if ((x & m & hi) != (v & hi))
			continue;
		return (x & hi) | bit | (v & (bit - 1));
	}
	return NONE;
}

/* (word & MASK) OP V as a clause. Returns 0 if it can never hold. */
static int add_masked_order(struct problem *p, int op, uint32_t mask,
			    uint32_t v)
{
	int kind = op == DIFF_GT || op == DIFF_GE ? CL_GE : CL_LE;

	if ((op == DIFF_GT && v == FULL) || (op == DIFF_LT && v == 0))
		return 0;
	if (op == DIFF_GT)
		v++;
	if (op == DIFF_LT)
		v--;
	p->cl[p->ncl++] = (struct clause){ kind, mask, v };
	return 1;
}

/* word OP V, folded into the bounds. Returns 0 if it can never hold. */
static int add_order(struct problem *p, int op, uint32_t v)
{
	switch (op) {
	case DIFF_GT:
		if (v == FULL)
			return 0;
		v++;
		/* fall through */
	case DIFF_GE:
		p->lo = p->lo > v ? p->lo : v;
		return 1;
	case DIFF_LT:
		if (v == 0)
			return 0;
		v--;
		/* fall through */
	default: /* DIFF_LE */
		p->hi = p->hi < v ? p->hi : v;
		return 1;
	}
}

/* Fold one condition into P. Returns 0 if it can never hold, else 1. */
static int add_cond(struct problem *p, const struct diff_cond *c)
{
	uint32_t v = c->value;

	switch (c->op) {
	case DIFF_EQ:
		if ((v & ~c->mask) || (p->fmask & c->mask & (p->fval ^ v)))
			return 0;
		p->fmask |= c->mask;
		p->fval |= v;
		if (c->mask == FULL) {
			p->lo = p->lo > v ? p->lo : v;
			p->hi = p->hi < v ? p->hi : v;
		}
		return 1;
	case DIFF_NE:
		if (!(v & ~c->mask))
			p->cl[p->ncl++] = (struct clause){ CL_NE, c->mask, v };
		return 1;
	default:
		return c->mask == FULL ? add_order(p, c->op, v)
				       : add_masked_order(p, c->op, c->mask, v);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Drop clauses the fixed bits or the interval already satisfy; move the
 * plain exclusions to p->excl. Returns 0
 * if a clause is already violated. */
static int prune_clauses(struct problem *p)
{
	size_t keep = 0;

	for (size_t i = 0; i < p->ncl; i++) {
		struct clause c = p->cl[i];

		if (c.kind != CL_NE) {
			p->cl[keep++] = c;
			continue;
		}
		if (p->fmask & c.mask & (p->fval ^ c.value))
			continue;
		if (!(c.mask & ~p->fmask))
			return 0;
		if (c.mask == FULL) {
			if (c.value >= p->lo && c.value <= p->hi)
				p->excl[p->nexcl++] = c.value;
			continue;
		}
		p->cl[keep++] = c;
	}
	p->ncl = keep;
	qsort(p->excl, p->nexcl, sizeof(*p->excl), cmp_u32);
	return 1;
}

/* Is V one of the excluded values? */
static int excluded(const struct problem *p, uint32_t v)
{
	size_t lo = 0, hi = p->nexcl;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->excl[mid] == v)
			return 1;
		if (p->excl[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Smallest y >= FROM, y <= hi, with (y & M) == V and not excluded, or
 * NONE. Each excluded value can push y up at most once. */
static uint64_t first_allowed(const struct problem *p, uint32_t from,
			      uint32_t m, uint32_t v)
{
	uint64_t y = next_fixed(from, m, v);

	while (y != NONE && y <= p->hi && excluded(p, (uint32_t)y))
		y = y == FULL ? NONE : next_fixed((uint32_t)y + 1, m, v);
	return y == NONE || y > p->hi ? NONE : y;
}

static int find_failed(const struct problem *p, int bit, int tl, int th)
{
	for (size_t i = 0; i < p->nfail; i++) {
		const struct failed *f = &p->fail[i];

		if (f->bit == bit && f->tight_lo == tl && f->tight_hi == th &&
		    !memcmp(f->sat, p->scratch, p->nsat * sizeof(uint64_t)))
			return 1;
	}
	return 0;
}

static int remember_failed(struct problem *p, int bit, int tl, int th,
			   const uint64_t *sat)
{
	struct failed *f;

	if (p->nfail == p->capfail) {
		size_t cap = p->capfail ? 2 * p->capfail : 64;
		struct failed *n = realloc(p->fail, cap * sizeof(*n));

		if (!n)
			return -1;
		p->fail = n;
		p->capfail = cap;
	}
	f = &p->fail[p->nfail];
	f->sat = malloc(p->nsat * sizeof(uint64_t));
	if (!f->sat)
		return -1;
	memcpy(f->sat, sat, p->nsat * sizeof(uint64_t));
	f->bit = bit;
	f->tight_lo = tl;
	f->tight_hi = th;
	p->nfail++;
	return 0;
}

/* What PREFIX (the bits in DONE) makes of clause C: 1 satisfied whatever
 * the lower bits, -1 violated whatever they are, 0 still open. An open
 * ordered clause is one whose masked top bits equal its bound's, so its
 * remaining demand on the lower bits is the same for every such prefix. */
static int clause_status(const struct clause *c, uint32_t prefix,
			 uint32_t done)
{
	uint32_t top = prefix & c->mask & done, bound = c->value & done;

	switch (c->kind) {
	case CL_NE:
		if ((prefix ^ c->value) & c->mask & done)
			return 1;
		return (c->mask & ~done) ? 0 : -1;
	case CL_GE:
		if (top != bound)
			return top > bound ? 1 : -1;
		return done == FULL ? 1 : 0;
	default: /* CL_LE */
		if (top != bound)
			return top < bound ? 1 : -1;
		return done == FULL ? 1 : 0;
	}
}

/* Which clauses PREFIX (the bits in DONE) satisfies, into p->scratch.
 * Returns -1 if one is violated for good, else the number still open. */
static long clause_state(struct problem *p, uint32_t prefix, uint32_t done)
{
	long open = 0;

	memset(p->scratch, 0, p->nsat * sizeof(uint64_t));
	for (size_t i = 0; i < p->ncl; i++) {
		int st = clause_status(&p->cl[i], prefix, done);

		if (st < 0)
			return -1;
		if (st > 0)
			p->scratch[i / 64] |= (uint64_t)1 << (i % 64);
		else
			open++;
	}
	return open;
}

/* Smallest solution whose bits above BIT are PREFIX: 1 (in *OUT), 0 none,
 * -1 budget or memory. Bits are decided from the top, 0 before 1, so the
 * first solution found is the smallest. A node's future depends only on
 * BIT, whether PREFIX still equals lo's and hi's top bits, and which
 * clauses it satisfies: failed states are remembered by that key. */
static int dfs(struct problem *p, int bit, uint32_t prefix, uint32_t *out)
{
	uint32_t done = above(bit);
	uint32_t from = p->lo > prefix ? p->lo : prefix;
	uint32_t m = p->fmask | done, v = (p->fval & ~done) | (prefix & done);
	uint64_t y = next_fixed(from, m, v);
	int tl = !((prefix ^ p->lo) & done), th = !((prefix ^ p->hi) & done);
	long open, fails_before = p->excl_fails;
	uint64_t *sat;

	if (y == NONE || y > p->hi)
		return 0;
	open = clause_state(p, prefix, done);
	if (open < 0)
		return 0;
	if (open == 0) {
		y = first_allowed(p, from, m, v);
		if (y == NONE) {
			p->excl_fails++;
			return 0;
		}
		*out = (uint32_t)y;
		return 1;
	}
	if (find_failed(p, bit, tl, th))
		return 0;
	if (--p->budget < 0)
		return -1;
	sat = malloc(p->nsat * sizeof(uint64_t));
	if (!sat)
		return -1;
	memcpy(sat, p->scratch, p->nsat * sizeof(uint64_t));
	for (uint32_t b = 0; b <= 1; b++) {
		uint32_t one = 1u << bit;
		int r;

		if ((p->fmask & one) && ((p->fval & one) != (b ? one : 0)))
			continue;
		r = dfs(p, bit - 1, prefix | (b ? one : 0), out);
		if (r != 0) {
			free(sat);
			return r;
		}
	}
	if (p->excl_fails == fails_before &&
	    remember_failed(p, bit, tl, th, sat) < 0) {
		free(sat);
		return -1;
	}
	free(sat);
	return 0;
}

static void problem_free(struct problem *p)
{
	for (size_t i = 0; i < p->nfail; i++)
		free(p->fail[i].sat);
	free(p->fail);
	free(p->cl);
	free(p->excl);
	free(p->scratch);
}

int diff_word_solve(const struct diff_cond *conds, size_t n, unsigned word,
		    uint32_t *min)
{
	struct problem p = { .lo = 0, .hi = FULL, .budget = SOLVE_BUDGET };
	int rc = 1;

	p.cl = malloc((n ? n : 1) * sizeof(*p.cl));
	p.excl = malloc((n ? n : 1) * sizeof(*p.excl));
	if (!p.cl || !p.excl) {
		problem_free(&p);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 1; i++)
		if (conds[i].word == word)
			rc = add_cond(&p, &conds[i]);
	if (rc == 1 && (p.lo > p.hi || !prune_clauses(&p)))
		rc = 0;
	if (rc == 1) {
		p.nsat = p.ncl / 64 + 1;
		p.scratch = calloc(p.nsat, sizeof(uint64_t));
		rc = p.scratch ? dfs(&p, 31, 0, min) : -1;
	}
	problem_free(&p);
	return rc;
}
