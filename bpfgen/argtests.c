/* Stage 4b: argument tests. Walks each chain one 32-bit word test at a
 * time, carrying what the path has established about each argument word;
 * a point of the walk with the same facts is built once (memo), and equal
 * tests are shared (hash-consing), so specialising on facts costs code
 * only where it changes the code. The walk is iterative: chains may hold
 * thousands of tests. */
#include <linux/filter.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/argtests.h"
#include "bpf/seccomp.h"
#include "bpfgen/util.h"

#define NWORDS     12     /* arg0.lo .. arg5.hi */
#define MAX_EXCL   6      /* values a word is known to differ from */
#define MAX_STEPS         6       /* word tests per condition (a range) */
/* More tests than the kernel takes instructions: no program can fit. */
#define MAX_TESTS         4096
/* A walk past steps the facts decide keeps every SKIP_KEEP-th point. */
#define SKIP_KEEP         16

enum { SUCC = -1, FAIL = -2 };

/* One 32-bit test of a condition, and where each outcome leads: another
 * step of the same condition, SUCC or FAIL. */
enum word_op { W_EQ, W_GT, W_GE };

struct step {
	uint32_t off;
	enum word_op op;
	uint32_t mask;      /* (word & mask) OP k: 16-bit parameters are masked */
	uint32_t k;
	int on_true, on_false;
};

/* Keys are hashed and compared as bytes: no implicit padding anywhere. */
struct word_facts {
	uint8_t known;
	uint8_t nexcl;
	uint16_t unused;
	uint32_t value;
	uint32_t excl[MAX_EXCL];   /* sorted */
};

struct facts {
	int32_t a_holds;           /* offset of the word in A, or -1 */
	uint32_t a_mask;           /* ... and'ed with this mask */
	struct word_facts w[NWORDS];
};

/* A point of the walk: step STEP of condition COND of chain node NODE, or
 * (NODE == -1) "return ACTION". */
struct key {
	int32_t node, cond, step;
	uint32_t action;
	struct facts f;
};

/* The memo keeps keys packed: the point, and only the words with facts. */
#define PACKED_MAX (7 + NWORDS * (2 + MAX_EXCL))

struct packed {
	uint32_t w[PACKED_MAX];
	uint32_t n;
	unsigned hash;
};

struct memo_entry {
	uint32_t at, len;       /* in the arena */
	unsigned hash;
	int test;
};

struct memo {
	struct memo_entry *v;
	size_t n, cap;
	int *index;
	size_t index_cap;
	uint32_t *arena;
	size_t narena, arena_cap;
	/* Points the frames on the stack skip over, packed, each after its
	 * length. */
	uint32_t *skipped;
	size_t nskipped, skipped_cap;
	size_t skipped_keys;    /* how many keys are in it */
};

static unsigned hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0x9e3779b97f4a7c15u, w;

	/* Eight bytes at a time: keys are hundreds of bytes long. */
	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	for (; n > 0; b++, n--)
		h = (h ^ *b) * 0x100000001b3u;
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53u;
	return (unsigned)(h ^ (h >> 32));
}

/* --- conditions as word tests --------------------------------------- */

static struct step mk(uint32_t off, enum word_op op, uint32_t mask, uint32_t k,
		      int t, int f)
{
	struct step s = { off, op, mask, k, t, f };
	return s;
}

static int swap_outcome(int target)
{
	return target == SUCC ? FAIL : target == FAIL ? SUCC : target;
}

/* arg & mask == value: the high word's test, then the low word's; or,
 * LO_FIRST, the other way round (a run of rules on one argument then
 * tests the low word for each value and shares one test of the high). */
static int eq_steps(const struct cond *c, int lo_first, struct step *st)
{
	uint32_t mhi = (uint32_t)(c->mask >> 32), mlo = (uint32_t)c->mask;
	uint32_t hi = (uint32_t)(c->value >> 32), lo = (uint32_t)c->value;
	int n = 0;

	if (lo_first && !c->lo32 && mhi != 0 && mlo != 0) {
		st[0] = mk(SD_ARG_LO(c->arg), W_EQ, mlo, lo, 1, FAIL);
		st[1] = mk(SD_ARG_HI(c->arg), W_EQ, mhi, hi, SUCC, FAIL);
		return 2;
	}
	if (!c->lo32 && mhi != 0)
		st[n++] = mk(SD_ARG_HI(c->arg), W_EQ, mhi, hi, 1, FAIL);
	if (mlo != 0)
		st[n++] = mk(SD_ARG_LO(c->arg), W_EQ, mlo, lo, SUCC, FAIL);
	else
		st[n - 1].on_true = SUCC;  /* resolve.c: some mask bit is set */
	return n;
}

/* arg > value (STRICT) or arg >= value, unsigned. A lo32 condition
 * compares the low word and'ed with its mask (0xffff for 16-bit
 * parameters). */
static int greater_steps(const struct cond *c, int strict, uint64_t value,
			 struct step *st)
{
	enum word_op op = strict ? W_GT : W_GE;
	uint32_t hi = (uint32_t)(value >> 32), lo = (uint32_t)value;
	uint32_t h = SD_ARG_HI(c->arg), l = SD_ARG_LO(c->arg);

	if (c->lo32) {
		st[0] = mk(l, op, (uint32_t)c->mask, lo, SUCC, FAIL);
		return 1;
	}
	if (!strict && lo == 0) {            /* >= hi:0 iff high word >= hi */
		st[0] = mk(h, W_GE, 0xffffffffu, hi, SUCC, FAIL);
		return 1;
	}
	if (hi == 0xffffffffu) {             /* the high word cannot exceed it */
		st[0] = mk(h, W_EQ, 0xffffffffu, hi, 1, FAIL);
		st[1] = mk(l, op, 0xffffffffu, lo, SUCC, FAIL);
		return 2;
	}
	if (hi == 0) {                       /* not > 0 means == 0 */
		st[0] = mk(h, W_GT, 0xffffffffu, 0, SUCC, 1);
		st[1] = mk(l, op, 0xffffffffu, lo, SUCC, FAIL);
		return 2;
	}
	st[0] = mk(h, W_GT, 0xffffffffu, hi, SUCC, 1);
	st[1] = mk(h, W_EQ, 0xffffffffu, hi, 2, FAIL);
	st[2] = mk(l, op, 0xffffffffu, lo, SUCC, FAIL);
	return 3;
}

static void negate(struct step *st, int n)
{
	for (int i = 0; i < n; i++) {
		st[i].on_true = swap_outcome(st[i].on_true);
		st[i].on_false = swap_outcome(st[i].on_false);
	}
}

/* value <= arg <= value2: arg >= value, then not (arg > value2). */
static int range_steps(const struct cond *c, struct step *st)
{
	int n = greater_steps(c, 0, c->value, st);
	int m = greater_steps(c, 1, c->value2, st + n);

	negate(st + n, m);
	for (int i = 0; i < n; i++) {
		if (st[i].on_true == SUCC)
			st[i].on_true = n;
		if (st[i].on_false == SUCC)
			st[i].on_false = n;
	}
	for (int i = n; i < n + m; i++) {
		if (st[i].on_true >= 0)
			st[i].on_true += n;
		if (st[i].on_false >= 0)
			st[i].on_false += n;
	}
	return n + m;
}

static int cond_steps(const struct cond *c, int lo_first, struct step *st)
{
	int n;

	switch (c->op) {
	case OP_EQ: return eq_steps(c, lo_first, st);
	case OP_GT: return greater_steps(c, 1, c->value, st);
	case OP_GE: return greater_steps(c, 0, c->value, st);
	case OP_IN: return range_steps(c, st);
	case OP_NE: n = eq_steps(c, lo_first, st); break;
	case OP_LE: n = greater_steps(c, 1, c->value, st); break;
	case OP_LT: n = greater_steps(c, 0, c->value, st); break;
	case OP_OUT: n = range_steps(c, st); break;
	default: abort();
	}
	negate(st, n);      /* the negations */
	return n;
}

/* --- facts ---------------------------------------------------------- */

static struct word_facts *facts_of(struct facts *f, uint32_t off)
{
	return &f->w[(off - SD_ARG_LO(0)) / 4];
}

/* 1 or 0 when FACTS decide step S, -1 when only running it can tell. */
static int implied(struct facts *f, const struct step *s)
{
	const struct word_facts *w = facts_of(f, s->off);

	if (w->known) {
		switch (s->op) {
		case W_EQ: return (w->value & s->mask) == s->k;
		case W_GT: return (w->value & s->mask) > s->k;
		case W_GE: return (w->value & s->mask) >= s->k;
		}
	}
	if (s->op == W_EQ && s->mask == 0xffffffffu)
		for (int i = 0; i < w->nexcl; i++)
			if (w->excl[i] == s->k)
				return 0;
	return -1;
}

static void learn(const struct argtests *g, struct facts *f,
		  const struct step *s, int outcome)
{
	struct word_facts *w = facts_of(f, s->off);
	int i;

	if (!g->specialise || s->op != W_EQ || s->mask != 0xffffffffu || w->known)
		return;
	if (outcome) {
		memset(w, 0, sizeof(*w));
		w->known = 1;
		w->value = s->k;
		return;
	}
	if (w->nexcl == MAX_EXCL)
		return;
	for (i = w->nexcl; i > 0 && w->excl[i - 1] > s->k; i--)
		w->excl[i] = w->excl[i - 1];
	w->excl[i] = s->k;
	w->nexcl++;
}

/* --- tests and the memo --------------------------------------------- */

static int tests_equal(const struct word_test *a, const struct word_test *b)
{
	return a->is_ret == b->is_ret && a->action == b->action &&
	       a->off == b->off && a->load == b->load &&
	       a->entry_mask == b->entry_mask &&
	       a->and_mask == b->and_mask && a->jop == b->jop && a->k == b->k &&
	       a->t == b->t && a->f == b->f;
}

static int intern_test(struct argtests *g, struct word_test t)
{
	size_t slot;

	t.hash = hash_bytes(&t.action, sizeof(t.action)) ^
		 hash_bytes(&t.k, sizeof(t.k)) * 31u ^
		 ((unsigned)t.t * 7919u + (unsigned)t.f * 104729u) ^
		 (unsigned)(t.off << 8 | (unsigned)t.load << 7 | (unsigned)t.is_ret) ^
		 hash_bytes(&t.and_mask, 4) * 17u ^ hash_bytes(&t.entry_mask, 4) ^ t.jop;
	if (2 * (g->ntests + 1) > g->test_index_cap)
		index_grow(&g->test_index, &g->test_index_cap, g->tests, g->ntests,
			   sizeof(*g->tests), offsetof(struct word_test, hash));
	for (slot = t.hash & (g->test_index_cap - 1); g->test_index[slot] >= 0;
	     slot = (slot + 1) & (g->test_index_cap - 1))
		if (tests_equal(&g->tests[g->test_index[slot]], &t))
			return g->test_index[slot];
	*(struct word_test *)vec_push(&g->tests, &g->ntests, &g->tests_cap,
				      sizeof(t)) = t;
	g->test_index[slot] = (int)(g->ntests - 1);
	if (!t.is_ret)
		g->size += 1 + !!t.load + !!t.and_mask;
	return (int)(g->ntests - 1);
}

static void pack(const struct key *k, struct packed *p)
{
	uint32_t n = 0;

	p->w[n++] = (uint32_t)k->node;
	p->w[n++] = (uint32_t)k->cond;
	p->w[n++] = (uint32_t)k->step;
	p->w[n++] = k->action;
	p->w[n++] = (uint32_t)k->f.a_holds;
	p->w[n++] = k->f.a_mask;
	for (uint32_t i = 0; i < NWORDS; i++) {
		const struct word_facts *w = &k->f.w[i];

		if (!w->known && !w->nexcl)
			continue;
		p->w[n++] = i | (uint32_t)w->known << 8 | (uint32_t)w->nexcl << 16;
		p->w[n++] = w->value;
		for (int j = 0; j < w->nexcl; j++)
			p->w[n++] = w->excl[j];
	}
	p->n = n;
	p->hash = hash_bytes(p->w, n * sizeof(uint32_t));
}

static void unpack(const uint32_t *w, uint32_t n, struct key *k)
{
	uint32_t i = 6;

	memset(k, 0, sizeof(*k));
	k->node = (int32_t)w[0];
	k->cond = (int32_t)w[1];
	k->step = (int32_t)w[2];
	k->action = w[3];
	k->f.a_holds = (int32_t)w[4];
	k->f.a_mask = w[5];
	while (i < n) {
		struct word_facts *f = &k->f.w[w[i] & 0xff];

		f->known = (uint8_t)(w[i] >> 8);
		f->nexcl = (uint8_t)(w[i] >> 16);
		f->value = w[i + 1];
		for (int j = 0; j < f->nexcl; j++)
			f->excl[j] = w[i + 2 + j];
		i += 2 + f->nexcl;
	}
}

/* The test built for the packed key P, or -1. */
static int memo_find(const struct memo *m, const struct packed *p)
{
	if (!m->index_cap)
		return -1;
	for (size_t slot = p->hash & (m->index_cap - 1); m->index[slot] >= 0;
	     slot = (slot + 1) & (m->index_cap - 1)) {
		const struct memo_entry *e = &m->v[m->index[slot]];

		if (e->hash == p->hash && e->len == p->n &&
		    memcmp(&m->arena[e->at], p->w, p->n * sizeof(uint32_t)) == 0)
			return e->test;
	}
	return -1;
}

static int memo_get(const struct memo *m, const struct key *k)
{
	struct packed p;

	pack(k, &p);
	return memo_find(m, &p);
}

static void memo_put_packed(struct memo *m, const struct packed *p, int test)
{
	struct memo_entry *e;
	size_t slot;

	if (2 * (m->n + 1) > m->index_cap)
		index_grow(&m->index, &m->index_cap, m->v, m->n, sizeof(*m->v),
			   offsetof(struct memo_entry, hash));
	if (m->narena + p->n > m->arena_cap) {
		m->arena_cap = 2 * (m->narena + p->n) + 1024;
		m->arena = xrealloc(m->arena, m->arena_cap * sizeof(uint32_t));
	}
	memcpy(&m->arena[m->narena], p->w, p->n * sizeof(uint32_t));
	e = vec_push(&m->v, &m->n, &m->cap, sizeof(*e));
	e->at = (uint32_t)m->narena;
	e->len = p->n;
	e->hash = p->hash;
	e->test = test;
	m->narena += p->n;
	for (slot = e->hash & (m->index_cap - 1); m->index[slot] >= 0;
	     slot = (slot + 1) & (m->index_cap - 1))
		;
	m->index[slot] = (int)(m->n - 1);
}

/* Keeps the packed key P in memo->skipped. */
static void skip_push_packed(struct memo *m, const struct packed *p)
{
	if (m->nskipped + p->n + 1 > m->skipped_cap) {
		m->skipped_cap = 2 * (m->nskipped + p->n + 1) + 1024;
		m->skipped = xrealloc(m->skipped, m->skipped_cap * sizeof(uint32_t));
	}
	m->skipped[m->nskipped++] = p->n;
	memcpy(&m->skipped[m->nskipped], p->w, p->n * sizeof(uint32_t));
	m->nskipped += p->n;
	m->skipped_keys++;
}

static void skip_push(struct memo *m, const struct key *k)
{
	struct packed p;

	pack(k, &p);
	skip_push_packed(m, &p);
}

/* Every point kept in memo->skipped from FROM on is TEST. */
static void skip_resolve(struct memo *m, size_t from, int test)
{
	struct packed p;

	for (size_t i = from; i < m->nskipped; i += 1 + m->skipped[i]) {
		p.n = m->skipped[i];
		memcpy(p.w, &m->skipped[i + 1], p.n * sizeof(uint32_t));
		p.hash = hash_bytes(p.w, p.n * sizeof(uint32_t));
		if (memo_find(m, &p) < 0)
			memo_put_packed(m, &p, test);
		m->skipped_keys--;
	}
	m->nskipped = from;
}

/* --- what the rest of a chain looks at ------------------------------- */

/* Per condition of each chain node: its steps (made once), and which
 * words the tests from this condition to the end of the chain look at,
 * with a Bloom filter of the values they test words for equality with.
 * A fact no later test can use is dropped from the walk's points, so that
 * points differing only in such facts are one. */
struct cond_info {
	struct step st[MAX_STEPS];
	int nsteps;
	uint16_t words;         /* bit i: word i is tested from here on */
	uint16_t other_words;   /* ... by a test other than word == value */
	uint64_t values;        /* word == value tests from here on (Bloom) */
};

/* Which chain nodes come after which: NEXT links make a forest (each
 * node's parent is its next node), numbered in depth-first order, so
 * that node M comes after node N on N's chain when M is an ancestor of
 * N. And every "word == value" test, by word, value and that order, so
 * that whether one comes later on a chain is a quick question
 * (tested_later). */
struct occurrence {
	uint32_t word, value;
	uint32_t tin;           /* of its node */
	int node;
	int last_cond;          /* the node's last condition testing it */
	int up;                 /* nearest occurrence on an ancestor, or -1 */
	uint32_t end;           /* the first of a (word, value): past its last */
};

struct chains {
	uint32_t *tin, *tout;   /* per node: its interval in the order */
	struct occurrence *occ; /* by word, value, tin */
	size_t nocc;
	int *index;             /* (word, value) -> its first occurrence */
	size_t index_cap;
};

static unsigned word_index(uint32_t off)
{
	return (off - SD_ARG_LO(0)) / 4;
}

static uint64_t value_bit(unsigned word, uint32_t k)
{
	uint64_t h = ((uint64_t)k << 4 | word) * 0x9e3779b97f4a7c15u;

	return (uint64_t)1 << (h >> 58);
}

static unsigned occ_hash(uint32_t word, uint32_t value)
{
	uint64_t h = ((uint64_t)value << 4 | word) * 0x9e3779b97f4a7c15u;

	return (unsigned)(h >> 32);
}

static int cmp_occ(const void *a, const void *b)
{
	const struct occurrence *x = a, *y = b;

	if (x->word != y->word)
		return x->word < y->word ? -1 : 1;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->tin != y->tin)
		return x->tin < y->tin ? -1 : 1;
	return (x->last_cond > y->last_cond) - (x->last_cond < y->last_cond);
}

/* The forest's order (iteratively: chains can be thousands long). */
static void chains_order(const struct decision *d, struct chains *c)
{
	size_t n = d->nnodes, *first = xcalloc(n + 2, sizeof(size_t));
	size_t *kids = xmalloc((n + 1) * sizeof(size_t)), *st = xmalloc((n + 1) * sizeof(size_t));
	size_t *at = xmalloc((n + 1) * sizeof(size_t));
	uint32_t clock = 0;

	c->tin = xcalloc(n + 1, sizeof(uint32_t));
	c->tout = xcalloc(n + 1, sizeof(uint32_t));
	/* Children of each node, grouped (counting sort by parent). */
	for (size_t i = 0; i < n; i++)
		if (!d->nodes[i].terminal && d->nodes[i].next >= 0 &&
		    !d->nodes[d->nodes[i].next].terminal)
			first[d->nodes[i].next + 1]++;
	for (size_t i = 0; i < n; i++)
		first[i + 1] += first[i];
	memcpy(at, first, n * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		if (!d->nodes[i].terminal && d->nodes[i].next >= 0 &&
		    !d->nodes[d->nodes[i].next].terminal)
			kids[at[d->nodes[i].next]++] = i;
	for (size_t r = 0; r < n; r++) {
		size_t nst = 0;

		if (d->nodes[r].terminal || (d->nodes[r].next >= 0 &&
					     !d->nodes[d->nodes[r].next].terminal))
			continue;       /* not the root of a tree */
		st[nst++] = r;
		at[r] = first[r];
		c->tin[r] = clock++;
		while (nst > 0) {
			size_t x = st[nst - 1];

			if (at[x] < first[x + 1]) {
				size_t y = kids[at[x]++];

				at[y] = first[y];
				c->tin[y] = clock++;
				st[nst++] = y;
			} else {
				c->tout[x] = clock;
				nst--;
			}
		}
	}
	free(first);
	free(kids);
	free(st);
	free(at);
}

static void chains_init(struct argtests *g)
{
	const struct decision *d = g->d;
	struct chains *c = xcalloc(1, sizeof(*c));
	size_t cap = 0, kept = 0, nst = 0;
	int *st;

	g->chains = c;
	chains_order(d, c);
	for (size_t i = 0; i < d->nnodes; i++) {
		const struct chain_node *n = &d->nodes[i];

		for (size_t k = 0; !n->terminal && k < n->nconds; k++) {
			const struct cond_info *ci = &g->info[g->info_start[i] + k];

			for (int j = 0; j < ci->nsteps; j++) {
				const struct step *s = &ci->st[j];
				struct occurrence *o;

				if (s->op != W_EQ || s->mask != 0xffffffffu)
					continue;
				o = vec_push(&c->occ, &c->nocc, &cap, sizeof(*o));
				o->word = word_index(s->off);
				o->value = s->k;
				o->tin = c->tin[i];
				o->node = (int)i;
				o->last_cond = (int)k;
			}
		}
	}
	if (c->nocc)
		qsort(c->occ, c->nocc, sizeof(*c->occ), cmp_occ);
	/* One per node: the last condition testing it. */
	for (size_t i = 0; i < c->nocc; i++) {
		if (kept > 0 && c->occ[kept - 1].word == c->occ[i].word &&
		    c->occ[kept - 1].value == c->occ[i].value &&
		    c->occ[kept - 1].node == c->occ[i].node)
			kept--;
		c->occ[kept++] = c->occ[i];
	}
	c->nocc = kept;
	/* Nearest occurrence on an ancestor: the intervals still open. */
	st = xmalloc((kept + 1) * sizeof(int));
	for (size_t i = 0; i < kept; i++) {
		struct occurrence *o = &c->occ[i];

		if (i == 0 || o[-1].word != o->word || o[-1].value != o->value)
			nst = 0;
		while (nst > 0 && c->tout[c->occ[st[nst - 1]].node] <= o->tin)
			nst--;
		o->up = nst > 0 ? st[nst - 1] : -1;
		st[nst++] = (int)i;
	}
	free(st);
	for (c->index_cap = 16; c->index_cap < 2 * kept + 2; c->index_cap *= 2)
		;
	c->index = xmalloc(c->index_cap * sizeof(int));
	for (size_t i = 0; i < c->index_cap; i++)
		c->index[i] = -1;
	for (size_t i = 0; i < kept; i++) {
		const struct occurrence *o = &c->occ[i];
		size_t slot;

		if (i > 0 && o[-1].word == o->word && o[-1].value == o->value)
			continue;
		c->occ[i].end = (uint32_t)(i + 1);
		while (c->occ[i].end < kept && c->occ[c->occ[i].end].word == o->word &&
		       c->occ[c->occ[i].end].value == o->value)
			c->occ[i].end++;
		for (slot = occ_hash(o->word, o->value) & (c->index_cap - 1);
		     c->index[slot] >= 0; slot = (slot + 1) & (c->index_cap - 1))
			;
		c->index[slot] = (int)i;
	}
}

static void chains_free(struct chains *c)
{
	if (!c)
		return;
	free(c->tin);
	free(c->tout);
	free(c->occ);
	free(c->index);
	free(c);
}

/* Whether "word WORD == VALUE" is tested at condition COND of node NODE
 * or later on its chain. 1 also when it cannot tell quickly. */
static int tested_later(const struct argtests *g, int node, int cond,
			uint32_t word, uint32_t value)
{
	const struct chains *c = g->chains;
	const struct occurrence *o = NULL;
	uint32_t tin = c->tin[node];
	size_t slot, lo, hi;
	int e;

	for (slot = occ_hash(word, value) & (c->index_cap - 1); c->index[slot] >= 0;
	     slot = (slot + 1) & (c->index_cap - 1)) {
		o = &c->occ[c->index[slot]];
		if (o->word == word && o->value == value)
			break;
		o = NULL;
	}
	if (!o)
		return 0;
	/* The last occurrence at or before NODE in the order, then its
	 * ancestors: an occurrence on NODE's chain is one of them. */
	lo = (size_t)(o - c->occ);
	hi = o->end;
	if (c->occ[lo].tin > tin)
		return 0;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->occ[mid].tin <= tin)
			lo = mid;
		else
			hi = mid;
	}
	e = (int)lo;
	for (int hops = 0; e >= 0; hops++, e = c->occ[e].up) {
		const struct occurrence *x = &c->occ[e];

		if (hops == 16)
			return 1;
		if (x->tin <= tin && tin < c->tout[x->node] &&
		    (x->node != node || x->last_cond >= cond))
			return 1;
	}
	return 0;
}

static void info_init(struct argtests *g)
{
	const struct decision *d = g->d;
	size_t total = 0, npath = 0, path_cap = 0;
	uint16_t *tail_words = xcalloc(d->nnodes + 1, sizeof(uint16_t));
	uint16_t *tail_other = xcalloc(d->nnodes + 1, sizeof(uint16_t));
	uint64_t *tail_values = xcalloc(d->nnodes + 1, sizeof(uint64_t));
	char *done = xcalloc(d->nnodes + 1, 1);
	size_t *path = NULL;

	g->info_start = xmalloc((d->nnodes + 1) * sizeof(size_t));
	for (size_t i = 0; i < d->nnodes; i++) {
		g->info_start[i] = total;
		total += d->nodes[i].terminal ? 0 : d->nodes[i].nconds;
	}
	g->info_start[d->nnodes] = total;
	g->info = xcalloc(total ? total : 1, sizeof(*g->info));
	for (size_t i = 0; i < d->nnodes; i++) {
		const struct chain_node *n = &d->nodes[i];

		for (size_t c = 0; !n->terminal && c < n->nconds; c++) {
			struct cond_info *ci = &g->info[g->info_start[i] + c];

			ci->nsteps = cond_steps(&n->conds[c], g->lo_first, ci->st);
			for (int j = 0; j < ci->nsteps; j++) {
				const struct step *s = &ci->st[j];

				ci->words |= (uint16_t)(1u << word_index(s->off));
				if (s->op == W_EQ && s->mask == 0xffffffffu)
					ci->values |= value_bit(word_index(s->off), s->k);
				else
					ci->other_words |= (uint16_t)(1u << word_index(s->off));
			}
		}
	}
	/* Tails: each node's conditions and everything after them. A chain
	 * is a path of NEXT links; collect the part not done yet, then sum
	 * it up from its end. */
	for (size_t i = 0; i < d->nnodes; i++) {
		size_t at = i;

		npath = 0;
		while (!done[at] && !d->nodes[at].terminal) {
			done[at] = 1;
			*(size_t *)vec_push(&path, &npath, &path_cap, sizeof(size_t)) = at;
			if (d->nodes[at].next < 0)
				break;
			at = (size_t)d->nodes[at].next;
		}
		while (npath > 0) {
			size_t n = path[--npath];
			const struct chain_node *node = &d->nodes[n];
			uint16_t words = 0, other = 0;
			uint64_t values = 0;

			if (node->next >= 0) {
				words = tail_words[node->next];
				other = tail_other[node->next];
				values = tail_values[node->next];
			}
			for (size_t c = node->nconds; c-- > 0;) {
				struct cond_info *ci = &g->info[g->info_start[n] + c];

				ci->words |= words;
				ci->other_words |= other;
				ci->values |= values;
				words = ci->words;
				other = ci->other_words;
				values = ci->values;
			}
			tail_words[n] = words;
			tail_other[n] = other;
			tail_values[n] = values;
		}
	}
	free(path);
	free(done);
	free(tail_words);
	free(tail_other);
	free(tail_values);
	chains_init(g);
}

/* A word's "known" when its value differs from every value the rest of
 * the chain tests it for equality with (and nothing else tests it): what
 * the value was no longer matters, so points that knew different such
 * values are one. implied() never sees it (decided() answers for it). */
#define KNOWN_NONE_LATER 2

/* K without the facts no test after it can use. */
static void prune(const struct argtests *g, struct key *k)
{
	const struct cond_info *ci;

	if (k->node < 0)
		return;
	ci = &g->info[g->info_start[k->node] + (size_t)k->cond];
	for (unsigned i = 0; i < NWORDS; i++) {
		struct word_facts *w = &k->f.w[i];
		int kept = 0;

		if (!w->known && !w->nexcl)
			continue;
		if (!(ci->words >> i & 1)) {
			memset(w, 0, sizeof(*w));
			continue;
		}
		if (w->known == 1 && !(ci->other_words >> i & 1) &&
		    (!(ci->values & value_bit(i, w->value)) ||
		     !tested_later(g, k->node, k->cond, i, w->value))) {
			w->known = KNOWN_NONE_LATER;
			w->value = 0;
		}
		if (w->known)
			continue;
		for (int j = 0; j < w->nexcl; j++)
			if ((ci->values & value_bit(i, w->excl[j])) &&
			    tested_later(g, k->node, k->cond, i, w->excl[j]))
				w->excl[kept++] = w->excl[j];
		for (int j = kept; j < w->nexcl; j++)
			w->excl[j] = 0;
		w->nexcl = (uint8_t)kept;
	}
}

/* Whether the facts F decide step S (1 or 0), or -1. */
static int decided(struct facts *f, const struct step *s)
{
	if (facts_of(f, s->off)->known == KNOWN_NONE_LATER)
		return s->op == W_EQ && s->mask == 0xffffffffu ? 0 : -1;
	return implied(f, s);
}

/* --- the walk ------------------------------------------------------- */

static struct key ret_key(uint32_t action)
{
	struct key k;

	memset(&k, 0, sizeof(k));
	k.node = -1;
	k.action = action;
	return k;
}

/* K, with its facts, becomes the start of chain node N. */
static void go_node(const struct argtests *g, struct key *k, int n)
{
	const struct chain_node *node = &g->d->nodes[n];

	if (node->terminal) {
		*k = ret_key(node->action);
		return;
	}
	k->node = n;
	k->cond = 0;
	k->step = 0;
	k->action = 0;
	prune(g, k);
}

/* K goes where TARGET (a step index, SUCC or FAIL) leads from it; its
 * facts are already those after the step. */
static void advance(const struct argtests *g, struct key *k, int target)
{
	const struct chain_node *node = &g->d->nodes[k->node];

	if (target == FAIL) {
		go_node(g, k, node->next);
		return;
	}
	if (target == SUCC && (size_t)k->cond + 1 == node->nconds) {
		*k = ret_key(node->action);
		return;
	}
	if (target == SUCC) {
		k->cond++;
		k->step = 0;
	} else {
		k->step = target;
	}
	prune(g, k);
}

static const struct step *step_at(const struct argtests *g, const struct key *k)
{
	return &g->info[g->info_start[k->node] + (size_t)k->cond].st[k->step];
}

#define FULL 0xffffffffu

/* The instruction(s) for step S entered with A holding word A_HOLDS and'ed
 * with A_MASK: a load only when A does not hold what the test needs, an
 * "and" only when the mask is not applied yet. */
static struct word_test test_for(const struct step *s, int32_t a_holds,
				 uint32_t a_mask)
{
	int whole = a_holds == (int32_t)s->off && a_mask == FULL;
	int masked = a_holds == (int32_t)s->off && a_mask == s->mask;
	struct word_test t;

	memset(&t, 0, sizeof(t));
	t.off = s->off;
	t.load = !whole;
	t.entry_mask = FULL;
	t.k = s->k;
	t.jop = s->op == W_GT ? BPF_JGT : s->op == W_GE ? BPF_JGE : BPF_JEQ;
	if (s->mask == FULL)
		return t;
	if (s->op != W_EQ) {                 /* a 16-bit parameter's order */
		if (masked) {
			t.load = 0;
			t.entry_mask = s->mask;
		} else {
			t.and_mask = s->mask;
		}
		return t;
	}
	if (s->k == 0 || (s->k == s->mask && !(s->mask & (s->mask - 1)))) {
		/* jset: no mask bit set / the one mask bit set */
		t.jop = BPF_JSET;
		t.k = s->mask;
		t.load = !whole && !masked;
		t.entry_mask = masked ? s->mask : FULL;
	} else if (masked) {
		t.load = 0;                      /* A is (word & mask) already */
		t.entry_mask = s->mask;
	} else {
		t.and_mask = s->mask;
	}
	return t;
}

/* What A holds after test T, entered with A_HOLDS/A_MASK. */
static void a_after(const struct word_test *t, int32_t *a_holds, uint32_t *a_mask)
{
	if (t->and_mask) {
		*a_holds = (int32_t)t->off;
		*a_mask = t->and_mask;
	} else if (t->load) {
		*a_holds = (int32_t)t->off;
		*a_mask = FULL;
	}
}

/* "jset" tests the opposite of "(word & mask) == 0". */
static int jset_inverts(const struct step *s)
{
	return s->op == W_EQ && s->mask != 0xffffffffu && s->k == 0;
}

/* A frame of the walk's stack: a point being built. Its key sits packed
 * on a stack of its own (KEYS), as most keys have few facts. */
struct frame {
	int phase;
	int checked;         /* the key is known not to be in the memo */
	int test[2];         /* the children's tests */
	int waiting;         /* the child whose test TEST[] awaits */
	size_t skip_from;    /* its points in memo->skipped, to the end */
	size_t key_at;       /* its key in KEYS */
	uint32_t key_len;
	unsigned key_hash;
};

struct walk_stack {
	struct frame *v;
	size_t n, cap;
	uint32_t *keys;
	size_t nkeys, keys_cap;
	struct key top;         /* the top frame's key, unpacked ... */
	size_t top_of;          /* ... when this is the stack's height */
};

/* Whether K carries facts about argument values. */
static int has_values(const struct key *k)
{
	for (int i = 0; i < NWORDS; i++)
		if (k->f.w[i].known || k->f.w[i].nexcl)
			return 1;
	return 0;
}

/* Whether the walk may bring facts about argument values to the point K
 * (and counts it): points with facts at one step of a condition are at
 * most ARGTESTS_VARIANTS, and all of them at most the walk's budget.
 * Otherwise the point forgets the values (keeping what A holds), and
 * the rest of the walk from it is linear in the chains. */
static int may_carry(struct argtests *g, const struct key *k)
{
	size_t at = (g->info_start[k->node] + (size_t)k->cond) * MAX_STEPS +
		    (size_t)k->step;

	if (g->memo->n + g->memo->skipped_keys >= g->budget ||
	    g->visits[at] >= ARGTESTS_VARIANTS) {
		g->budget_out = 1;
		return 0;
	}
	g->visits[at]++;
	return 1;
}

static void drop_values(struct key *k)
{
	memset(k->f.w, 0, sizeof(k->f.w));
}

/* From K, follow every step whose outcome the facts already decide; at
 * the test that must run, forget what A holds unless that test can use
 * it. The points passed on the way (with facts) are kept in
 * memo->skipped, to be made aliases of where the walk ends. K itself is
 * known not to be in the memo. */
static void skip_known(struct argtests *g, struct key *k)
{
	struct memo *m = g->memo;
	int first = 1;
	size_t passed = 0;

	while (k->node >= 0 && (first || memo_get(m, k) < 0)) {
		const struct step *s = step_at(g, k);
		int outcome;

		/* The start is counted by start(), if it is a point. */
		/* Every SKIP_KEEP-th point passed is kept (so that another
		 * walk through it stops soon), and counted. */
		if (!first && has_values(k) && ++passed % SKIP_KEEP == 0) {
			skip_push(m, k);
			if (!may_carry(g, k))
				drop_values(k);
		}
		first = 0;
		outcome = decided(&k->f, s);
		if (outcome < 0) {
			if (k->f.a_holds != (int32_t)s->off) {
				k->f.a_holds = -1;
				k->f.a_mask = FULL;
			}
			break;
		}
		advance(g, k, outcome ? s->on_true : s->on_false);
	}
}

enum { PH_START, PH_TRUE, PH_FALSE, PH_TEST };

/* Pushes a frame for the packed key P. */
static void push_frame(struct walk_stack *ws, const struct memo *m,
		       const struct packed *p, int checked)
{
	struct frame *fr;

	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? 2 * ws->cap : 64;
		ws->v = xrealloc(ws->v, ws->cap * sizeof(*ws->v));
	}
	if (ws->nkeys + p->n > ws->keys_cap) {
		ws->keys_cap = 2 * (ws->nkeys + p->n) + 1024;
		ws->keys = xrealloc(ws->keys, ws->keys_cap * sizeof(uint32_t));
	}
	fr = &ws->v[ws->n++];
	ws->top_of = 0;
	fr->phase = PH_START;
	fr->checked = checked;
	fr->skip_from = m->nskipped;
	fr->key_at = ws->nkeys;
	fr->key_len = p->n;
	fr->key_hash = p->hash;
	memcpy(&ws->keys[ws->nkeys], p->w, p->n * sizeof(uint32_t));
	ws->nkeys += p->n;
}

/* The top frame's key, packed, and unpacked (NULL: not needed). */
static const struct key *top_key(struct walk_stack *ws, struct packed *p,
				 int unpacked)
{
	const struct frame *fr = &ws->v[ws->n - 1];

	p->n = fr->key_len;
	p->hash = fr->key_hash;
	memcpy(p->w, &ws->keys[fr->key_at], fr->key_len * sizeof(uint32_t));
	if (!unpacked)
		return NULL;
	if (ws->top_of != ws->n) {
		unpack(p->w, p->n, &ws->top);
		ws->top_of = ws->n;
	}
	return &ws->top;
}

/* The top frame's key becomes P. */
static void set_top_key(struct walk_stack *ws, const struct packed *p)
{
	struct frame *fr = &ws->v[ws->n - 1];

	ws->nkeys = fr->key_at;
	if (ws->nkeys + p->n > ws->keys_cap) {
		ws->keys_cap = 2 * (ws->nkeys + p->n) + 1024;
		ws->keys = xrealloc(ws->keys, ws->keys_cap * sizeof(uint32_t));
	}
	memcpy(&ws->keys[ws->nkeys], p->w, p->n * sizeof(uint32_t));
	ws->nkeys += p->n;
	fr->key_len = p->n;
	fr->key_hash = p->hash;
	ws->top_of = 0;
}

/* The first phase of the top frame: the test when it is known, else -1
 * and the frame says what it needs. A point whose first steps the facts
 * decide is an alias of where they lead: the frame goes on with that
 * point, and its own key waits in memo->skipped for the test. */
static int start(struct argtests *g, struct walk_stack *ws)
{
	struct frame *fr = &ws->v[ws->n - 1];
	struct packed p;
	struct key cur, k;
	int test;

	top_key(ws, &p, 0);
	if (!fr->checked && (test = memo_find(g->memo, &p)) >= 0)
		return test;
	cur = *top_key(ws, &p, 1);
	if (cur.node < 0) {
		struct word_test r = { .is_ret = 1, .action = cur.action };

		test = intern_test(g, r);
		memo_put_packed(g->memo, &p, test);
		return test;
	}
	k = cur;
	skip_known(g, &k);
	if (memcmp(&k, &cur, sizeof(k)) == 0 && has_values(&k) && !may_carry(g, &k))
		drop_values(&k);
	if (memcmp(&k, &cur, sizeof(k)) != 0) {
		skip_push_packed(g->memo, &p);
		pack(&k, &p);
		set_top_key(ws, &p);
		fr->checked = 0;
		return -1;              /* PH_START again, with K */
	}
	fr->phase = PH_TRUE;
	return -1;
}

/* Child O (1: the step holds) of the real point CUR. */
static void child_key(const struct argtests *g, const struct key *cur, int o,
		      struct key *c)
{
	const struct step *s = step_at(g, cur);
	struct word_test t = test_for(s, cur->f.a_holds, cur->f.a_mask);

	*c = *cur;
	learn(g, &c->f, s, o);
	a_after(&t, &c->f.a_holds, &c->f.a_mask);
	advance(g, c, o ? s->on_true : s->on_false);
}

/* Build the test for K and everything after it. Returns -1 when the tests
 * alone would exceed the kernel's instruction limit. */
static int build(struct argtests *g, const struct key *k)
{
	struct walk_stack ws = { 0 };
	size_t real = 0;
	struct packed p;
	int result = -1;

	pack(k, &p);
	push_frame(&ws, g->memo, &p, 0);
	while (ws.n > 0) {
		struct frame *fr = &ws.v[ws.n - 1];
		const struct step *s;
		struct word_test t;
		const struct key *cur;
		struct key c;
		int test = -1, o;

		/* Every real test on the stack is a distinct instruction of
		 * one path, and so is every test made. */
		if (real > MAX_TESTS + 1 || g->ntests > MAX_TESTS)
			goto out;
		if (g->size_cap && g->size > g->size_cap) {
			g->over_cap = 1;
			goto out;
		}
		switch (fr->phase) {
		case PH_START:
			test = start(g, &ws);
			real += fr->phase == PH_TRUE;
			break;
		case PH_TRUE:           /* a real test: both outcomes first */
		case PH_FALSE:
			o = fr->phase == PH_TRUE;
			fr->phase++;
			cur = top_key(&ws, &p, 1);
			child_key(g, cur, o, &c);
			pack(&c, &p);
			fr->test[!o] = memo_find(g->memo, &p);
			if (fr->test[!o] < 0) {
				fr->waiting = !o;
				push_frame(&ws, g->memo, &p, 1);
			}
			continue;
		case PH_TEST:
			cur = top_key(&ws, &p, 1);
			s = step_at(g, cur);
			t = test_for(s, cur->f.a_holds, cur->f.a_mask);
			t.t = jset_inverts(s) ? fr->test[1] : fr->test[0];
			t.f = jset_inverts(s) ? fr->test[0] : fr->test[1];
			test = intern_test(g, t);
			memo_put_packed(g->memo, &p, test);
			real--;
			break;
		}
		if (test >= 0) {
			skip_resolve(g->memo, fr->skip_from, test);
			ws.nkeys = fr->key_at;
			ws.top_of = 0;
			if (--ws.n > 0)
				ws.v[ws.n - 1].test[ws.v[ws.n - 1].waiting] = test;
			else
				result = test;
		}
	}
out:
	free(ws.v);
	free(ws.keys);
	return result;
}

/* --- searching equality chains --------------------------------------- */

/* A run of "A == v1 ? T1 : A == v2 ? T2 : ... : D" on one word (several
 * rules testing one argument for different values) costs one jeq per value
 * on the longest path. Past SWITCH_MIN values, a binary search with small
 * linear groups at its leaves decides in about log2(n / SWITCH_GROUP) +
 * SWITCH_GROUP tests, for n / SWITCH_GROUP more instructions. */
#define SWITCH_MIN   8
#define SWITCH_GROUP 4
#define SEARCH_MAX_TESTS (4 * MAX_TESTS)
#define SEARCH_RUN_STEPS 8      /* steps along runs, per test */

struct case_ {
	uint32_t value;
	int target;
	size_t at;              /* position in the run */
};

/* By value, then by position: the first of equal values comes first. */
static int cmp_case(const void *a, const void *b)
{
	const struct case_ *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return (x->at > y->at) - (x->at < y->at);
}

/* What A holds after test T: the word, and'ed with the returned mask. */
static uint32_t mask_after(const struct word_test *t)
{
	return t->and_mask ? t->and_mask : t->load ? FULL : t->entry_mask;
}

/* Whether Y, reached when X's jump is not taken, continues X's run of
 * equality tests on the word A holds (and'ed with MASK). */
static int continues_run(const struct word_test *x, const struct word_test *y,
			 uint32_t mask)
{
	return !y->is_ret && y->jop == BPF_JEQ && !y->load && !y->and_mask &&
	       y->off == x->off && y->entry_mask == mask;
}

/* The equality run starting at T: its cases sorted by value, first
 * occurrence of a value only (a later test of the same value is never
 * reached with A equal to it), and where a value matching none goes. */
static size_t run_cases(const struct argtests *g, int t, struct case_ **cases,
			int *dflt, char *covered, size_t *budget)
{
	const struct word_test *x = &g->tests[t];
	uint32_t mask = mask_after(x);
	size_t n = 0, cap = 0, kept = 0;
	int cur = t;

	*cases = NULL;
	for (;;) {
		const struct word_test *y = &g->tests[cur];

		*(struct case_ *)vec_push(cases, &n, &cap, sizeof(**cases)) =
			(struct case_){ y->k, y->t, n };
		/* Runs that share their rest are walked once each: past the
		 * budget, a run ends early (its default is the rest of it,
		 * which means the same). */
		if (*budget == 0 || !continues_run(x, &g->tests[y->f], mask))
			break;
		(*budget)--;
		cur = y->f;
		covered[cur] = 1;
	}
	*dflt = g->tests[cur].f;
	qsort(*cases, n, sizeof(**cases), cmp_case);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || (*cases)[i].value != (*cases)[kept - 1].value)
			(*cases)[kept++] = (*cases)[i];
	return kept;
}

static int case_test(struct argtests *g, const struct word_test *proto,
		     uint16_t jop, uint32_t k, int t, int f)
{
	struct word_test x = *proto;

	x.jop = jop;
	x.k = k;
	x.t = t;
	x.f = f;
	return intern_test(g, x);
}

/* Binary search over the sorted CASES; PROTO gives word and A's state. */
static int search(struct argtests *g, const struct word_test *proto,
		  const struct case_ *cases, size_t n, int dflt)
{
	size_t mid = n / 2;
	int left, right;

	if (n <= SWITCH_GROUP) {
		int f = dflt;

		for (size_t i = n; i-- > 0;)
			f = case_test(g, proto, BPF_JEQ, cases[i].value, cases[i].target, f);
		return f;
	}
	left = search(g, proto, cases, mid, dflt);
	right = search(g, proto, cases + mid, n - mid, dflt);
	return case_test(g, proto, BPF_JGE, cases[mid].value, right, left);
}

/* Turn test T, if it starts a long equality run, into the root of a
 * search; T keeps its own load and "and", the rest assume A ready. The
 * rest of the run is marked COVERED. */
static void searchify(struct argtests *g, int t, char *covered, size_t *budget)
{
	struct word_test proto, root;
	struct case_ *cases;
	int dflt, r;
	size_t n;

	if (g->tests[t].is_ret || g->tests[t].jop != BPF_JEQ)
		return;
	n = run_cases(g, t, &cases, &dflt, covered, budget);
	if (n >= SWITCH_MIN) {
		proto = g->tests[t];
		proto.entry_mask = mask_after(&proto);
		proto.load = 0;
		proto.and_mask = 0;
		r = search(g, &proto, cases, n, dflt);  /* may move g->tests */
		root = g->tests[r];
		root.load = g->tests[t].load;
		root.and_mask = g->tests[t].and_mask;
		root.entry_mask = g->tests[t].entry_mask;
		g->tests[t] = root;
	}
	free(cases);
}

/* Tests reachable from ROOTS, and which of them sit inside a run of
 * equality tests only: reached only from the test before them in the
 * run. Searching the run from its start leaves those unreached, so they
 * need no search of their own (which would make a run of n tests cost
 * n^2 / 2 tests). */
static void reach_runs(const struct argtests *g, const int *roots, size_t nroots,
		       char *reach, char *inside)
{
	size_t n = g->ntests, nst = 0, cap = 0;
	int *refs = xcalloc(n + 1, sizeof(int)), *st = NULL, *from = xmalloc((n + 1) * sizeof(int));

	for (size_t i = 0; i < n; i++)
		from[i] = -1;
	for (size_t r = 0; r < nroots; r++) {
		if (roots[r] < 0)
			continue;
		refs[roots[r]]++;
		if (!reach[roots[r]]) {
			reach[roots[r]] = 1;
			*(int *)vec_push(&st, &nst, &cap, sizeof(int)) = roots[r];
		}
	}
	while (nst > 0) {
		const struct word_test *t = &g->tests[st[--nst]];
		int to[2] = { t->t, t->f };

		if (t->is_ret)
			continue;
		for (int k = 0; k < 2; k++) {
			refs[to[k]]++;
			if (!reach[to[k]]) {
				reach[to[k]] = 1;
				*(int *)vec_push(&st, &nst, &cap, sizeof(int)) = to[k];
			}
		}
		if (t->t != t->f && t->jop == BPF_JEQ &&
		    continues_run(t, &g->tests[t->f], mask_after(t)))
			from[t->f] = (int)(t - g->tests);
	}
	for (size_t i = 0; i < n; i++)
		inside[i] = reach[i] && refs[i] == 1 && from[i] >= 0;
	free(refs);
	free(from);
	free(st);
}

/* --- building, and the order of emission ------------------------------ */

struct visit {
	int test;
	int state;
};

static void push_visit(struct visit **st, size_t *n, size_t *cap, int test)
{
	*(struct visit *)vec_push(st, n, cap, sizeof(**st)) = (struct visit){ test, 0 };
}

void argtests_order(const struct argtests *g, const int *roots, size_t nroots,
		    int **order, size_t *norder)
{
	size_t total = g->ntests, nst = 0, cap = 0, npost = 0;
	struct visit *st = NULL;
	char *seen = xcalloc(total + 1, 1);
	int *post = xmalloc((total + 1) * sizeof(*post));

	for (size_t r = 0; r < nroots; r++) {
		if (roots[r] < 0 || seen[roots[r]])
			continue;
		push_visit(&st, &nst, &cap, roots[r]);
		while (nst > 0) {
			struct visit *v = &st[nst - 1];
			const struct word_test *t = &g->tests[v->test];
			int next;

			if (v->state == 0 && seen[v->test]) {
				nst--;
				continue;
			}
			seen[v->test] = 1;
			if (t->is_ret || v->state == 2) {
				post[npost++] = v->test;
				nst--;
				continue;
			}
			next = v->state == 0 ? t->t : t->f;
			v->state++;
			if (!seen[next])
				push_visit(&st, &nst, &cap, next);
		}
	}
	/* Reversed post-order: every test before the tests it jumps to. */
	*order = xmalloc((npost ? npost : 1) * sizeof(int));
	*norder = 0;
	for (size_t i = npost; i-- > 0;)
		if (!g->tests[post[i]].is_ret)
			(*order)[(*norder)++] = post[i];
	free(st);
	free(post);
	free(seen);
}

int argtests_order_matters(const struct decision *d)
{
	for (size_t i = 0; i < d->nnodes; i++)
		for (size_t j = 0; j < d->nodes[i].nconds; j++) {
			const struct cond *c = &d->nodes[i].conds[j];

			if ((c->op == OP_EQ || c->op == OP_NE) && !c->lo32 &&
			    (uint32_t)(c->mask >> 32) != 0 && (uint32_t)c->mask != 0)
				return 1;
		}
	return 0;
}

/* Roots, in the order of the ranges (which every tree keeps). */
static int build_roots(struct argtests *g)
{
	const struct decision *d = g->d;
	struct facts f;
	struct key k;

	memset(&f, 0, sizeof(f));
	f.a_holds = SD_NR;   /* the search tree leaves nr in A */
	f.a_mask = FULL;
	for (size_t i = 0; i < d->nranges; i++) {
		int n = d->ranges[i].node;

		if (g->root_of[n] >= 0)
			continue;
		memset(&k, 0, sizeof(k));
		k.f = f;
		go_node(g, &k, n);
		g->root_of[n] = build(g, &k);
		if (g->root_of[n] < 0)
			return -1;
	}
	return 0;
}

int argtests_build(struct argtests *g, const struct decision *d, int flags,
		   size_t size_cap)
{
	size_t steps = 0;
	int rc;

	memset(g, 0, sizeof(*g));
	g->d = d;
	g->specialise = !!(flags & ARGTESTS_SPECIALISE);
	g->lo_first = !!(flags & ARGTESTS_LO_FIRST);
	g->size_cap = size_cap;
	g->memo = xcalloc(1, sizeof(*g->memo));
	g->root_of = xmalloc((d->nnodes + 1) * sizeof(int));
	for (size_t i = 0; i < d->nnodes; i++)
		g->root_of[i] = -1;
	info_init(g);
	g->visits = xcalloc(g->info_start[d->nnodes] * MAX_STEPS + 1, sizeof(*g->visits));
	for (size_t i = 0; i < g->info_start[d->nnodes]; i++)
		steps += (size_t)g->info[i].nsteps;
	g->steps = steps;
	g->budget = argtests_budget(steps);
	rc = build_roots(g);
	g->points = g->memo->n;
	free(g->visits);
	g->visits = NULL;
	free(g->memo->v);
	free(g->memo->index);
	free(g->memo->arena);
	free(g->memo->skipped);
	free(g->memo);
	g->memo = NULL;
	if (rc < 0) {
		g->too_long = !g->over_cap;
		return -1;
	}
	if (flags & ARGTESTS_SEARCH)
		argtests_search(g);
	return 0;
}

void argtests_copy(struct argtests *dst, const struct argtests *src)
{
	const struct decision *d = src->d;

	*dst = *src;
	dst->tests = xmalloc((src->ntests + 1) * sizeof(*src->tests));
	memcpy(dst->tests, src->tests, src->ntests * sizeof(*src->tests));
	dst->tests_cap = src->ntests + 1;
	dst->test_index = xmalloc((src->test_index_cap + 1) * sizeof(int));
	memcpy(dst->test_index, src->test_index, src->test_index_cap * sizeof(int));
	dst->root_of = xmalloc((d->nnodes + 1) * sizeof(int));
	memcpy(dst->root_of, src->root_of, d->nnodes * sizeof(int));
	dst->info = NULL;
	dst->info_start = NULL;
	dst->chains = NULL;
	dst->visits = NULL;
	dst->memo = NULL;
}

void argtests_search(struct argtests *g)
{
	const struct decision *d = g->d;
	size_t total = g->ntests, nroots = 0;
	int *roots = xmalloc((d->nranges + 1) * sizeof(int));
	char *covered = xcalloc(total + 1, 1), *root = xcalloc(total + 1, 1);
	char *reach = xcalloc(total + 1, 1), *inside = xcalloc(total + 1, 1);
	size_t budget = SEARCH_RUN_STEPS * total + 1024;

	g->search = 1;
	for (size_t i = 0; i < d->nranges; i++)
		roots[nroots++] = g->root_of[d->ranges[i].node];
	reach_runs(g, roots, nroots, reach, inside);
	for (size_t i = 0; i < nroots; i++)
		if (roots[i] >= 0)
			root[roots[i]] = 1;
	/* Later tests first: a run's start before the rest of it. The rest
	 * of a run is searched again only where the tree enters it, and
	 * only while the searches have not made many more tests than the
	 * kernel takes instructions. */
	for (size_t i = total; i-- > 0 && g->ntests <= SEARCH_MAX_TESTS;)
		if (reach[i] && !inside[i] && (!covered[i] || root[i]))
			searchify(g, (int)i, covered, &budget);
	free(reach);
	free(inside);
	free(covered);
	free(root);
	free(roots);
}

size_t argtests_budget(size_t steps)
{
	size_t b = ARGTESTS_BUDGET_PER_STEP * steps + ARGTESTS_BUDGET_MIN;

	return b < ARGTESTS_BUDGET_MAX ? b : ARGTESTS_BUDGET_MAX;
}

size_t argtests_code_size(const struct argtests *g, const int *roots, size_t nroots)
{
	char *seen = xcalloc(g->ntests + 1, 1);
	int *st = NULL;
	size_t nst = 0, cap = 0, size = 0;

	for (size_t r = 0; r < nroots; r++)
		if (roots[r] >= 0 && !seen[roots[r]]) {
			seen[roots[r]] = 1;
			*(int *)vec_push(&st, &nst, &cap, sizeof(int)) = roots[r];
		}
	while (nst > 0) {
		const struct word_test *t = &g->tests[st[--nst]];
		int to[2] = { t->t, t->f };

		if (t->is_ret)
			continue;
		/* A jump whose two ways meet decides nothing: jumps.c
		 * drops it. */
		size += !!t->load + !!t->and_mask + (t->t != t->f);
		for (int k = 0; k < 2; k++)
			if (!seen[to[k]]) {
				seen[to[k]] = 1;
				*(int *)vec_push(&st, &nst, &cap, sizeof(int)) = to[k];
			}
	}
	free(st);
	free(seen);
	return size;
}

void argtests_free(struct argtests *g)
{
	free(g->tests);
	free(g->test_index);
	free(g->info);
	free(g->info_start);
	chains_free(g->chains);
	free(g->root_of);
	free(g->visits);
	if (g->memo) {
		free(g->memo->v);
		free(g->memo->index);
		free(g->memo->arena);
		free(g->memo->skipped);
		free(g->memo);
	}
	memset(g, 0, sizeof(*g));
}
