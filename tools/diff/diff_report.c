/* bpfdiff's driver and its words: which inputs to explore for one
 * architecture (each syscall alone, the unnumbered ranges, other
 * architectures), and the lines that describe each difference. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/seccomp.h"
#include "tools/diff/diff.h"

#define FULL 0xffffffffu
#define WORD_NR   (SD_NR / 4)
#define WORD_ARCH (SD_ARCH / 4)

/* --- conditions as text --- */

/* What the conditions of a path say about one word, simplified. */
struct word_facts {
	uint32_t lo, hi;           /* from ordered and exact comparisons */
	uint32_t fmask, fval;      /* bits fixed by masked equalities */
	const struct diff_cond *ne[64];  /* the inequalities left to say */
	size_t nne;
	const struct diff_cond *ord[16]; /* ordered comparisons of masks */
	size_t nord;
	int any;
};

static int popcount1(uint32_t m)
{
	return m && !(m & (m - 1));
}

static void fold_order(struct word_facts *f, const struct diff_cond *c)
{
	uint32_t v = c->value;

	switch (c->op) {
	case DIFF_GT: if (v < FULL && f->lo < v + 1) f->lo = v + 1; break;
	case DIFF_GE: if (f->lo < v) f->lo = v; break;
	case DIFF_LT: if (v > 0 && f->hi > v - 1) f->hi = v - 1; break;
	case DIFF_LE: if (f->hi > v) f->hi = v; break;
	default: break;
	}
}

/* Is inequality C implied by the other facts (or already listed)? */
static int ne_redundant(const struct word_facts *f, const struct diff_cond *c)
{
	if (f->fmask & c->mask & (f->fval ^ c->value))
		return 1;
	if (c->mask == FULL && (c->value < f->lo || c->value > f->hi))
		return 1;
	for (size_t i = 0; i < f->nne; i++)
		if (f->ne[i]->mask == c->mask && f->ne[i]->value == c->value)
			return 1;
	return 0;
}

/* "<= 1 and != 1" is "<= 0": holes at an end of the range move it. */
static void shrink_by_holes(const struct diff_cond *conds, size_t n,
			    unsigned word, struct word_facts *f)
{
	int moved = 1;

	while (moved && f->lo < f->hi) {
		moved = 0;
		for (size_t i = 0; i < n; i++) {
			const struct diff_cond *c = &conds[i];

			if (c->word != word || c->op != DIFF_NE ||
			    c->mask != FULL)
				continue;
			if (c->value == f->lo && f->lo < f->hi) {
				f->lo++;
				moved = 1;
			} else if (c->value == f->hi && f->lo < f->hi) {
				f->hi--;
				moved = 1;
			}
		}
	}
}

static void word_facts(const struct diff_cond *conds, size_t n,
		       unsigned word, struct word_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->hi = FULL;
	for (size_t i = 0; i < n; i++) {
		const struct diff_cond *c = &conds[i];

		if (c->word != word)
			continue;
		f->any = 1;
		if (c->op == DIFF_EQ && c->mask == FULL) {
			f->lo = f->hi = c->value;
		} else if (c->op == DIFF_EQ) {
			f->fmask |= c->mask;
			f->fval |= c->value;
		} else if (c->mask == FULL) {
			fold_order(f, c);
		} else if (c->op != DIFF_NE && f->nord < 16) {
			f->ord[f->nord++] = c;
		}
	}
	shrink_by_holes(conds, n, word, f);
	for (size_t i = 0; i < n; i++) {
		const struct diff_cond *c = &conds[i];

		if (c->word == word && c->op == DIFF_NE && f->nne < 64 &&
		    !ne_redundant(f, c))
			f->ne[f->nne++] = c;
	}
}

struct text {
	char *buf;
	size_t len, used;
	int total;
};

static void put(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->used < t->len ? t->buf + t->used : NULL,
		      t->used < t->len ? t->len - t->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		t->used += (size_t)n;
		t->total += n;
	}
}

static void put_and(struct text *t)
{
	if (t->total)
		put(t, " and ");
}

/* "(i386)" after an architecture token the tables know. */
static const char *arch_note(unsigned word, uint32_t v)
{
	const struct arch *a = word == WORD_ARCH ? arch_by_audit(v) : NULL;

	return a ? a->name : NULL;
}

static void put_value(struct text *t, unsigned word, const char *name,
		      const char *op, uint32_t v)
{
	const char *note = arch_note(word, v);

	put_and(t);
	put(t, "%s %s 0x%x", name, op, v);
	if (note)
		put(t, " (%s)", note);
}

static void put_masked(struct text *t, const char *name, uint32_t m,
		       uint32_t v, int equal)
{
	put_and(t);
	if (popcount1(m) && (v == 0 || v == m))
		put(t, "%s & 0x%x %s 0", name, m,
		    (v == m) == equal ? "!=" : "==");
	else
		put(t, "%s & 0x%x %s 0x%x", name, m, equal ? "==" : "!=", v);
}

/* NAME is the word's name, or the whole argument's when its high word is
 * known to be 0 (then every fact about the low word is one about it). */
static void put_word(struct text *t, const struct word_facts *f,
		     unsigned word, const char *name, int whole)
{

	if (f->lo == f->hi) {
		put_value(t, word, name, "==", f->lo);
		return;
	}
	/* A whole argument's upper bound is always said: the high word being
	 * 0 is part of the region. */
	if (f->lo > 0 && (f->hi < FULL || whole)) {
		put_and(t);
		put(t, "%s in 0x%x..0x%x", name, f->lo, f->hi);
	} else if (f->lo > 0) {
		put_value(t, word, name, ">=", f->lo);
	} else if (f->hi < FULL || whole) {
		put_value(t, word, name, "<=", f->hi);
	}
	if (f->fmask)
		put_masked(t, name, f->fmask, f->fval, 1);
	for (size_t i = 0; i < f->nord; i++) {
		static const char *const ops[] = {
			[DIFF_GT] = ">", [DIFF_GE] = ">=",
			[DIFF_LT] = "<", [DIFF_LE] = "<=",
		};

		put_and(t);
		put(t, "%s & 0x%x %s 0x%x", name, f->ord[i]->mask,
		    ops[f->ord[i]->op], f->ord[i]->value);
	}
	for (size_t i = 0; i < f->nne; i++) {
		if (f->ne[i]->mask == FULL)
			put_value(t, word, name, "!=", f->ne[i]->value);
		else
			put_masked(t, name, f->ne[i]->mask, f->ne[i]->value, 0);
	}
}

/* Is the high word of the argument whose low word is LO pinned to 0? */
static int high_is_zero(const struct diff_cond *conds, size_t n,
			uint32_t hide, unsigned lo)
{
	struct word_facts f;

	if (lo < SD_ARG_LO(0) / 4 || (lo - SD_ARG_LO(0) / 4) % 2 ||
	    (hide & (1u << (lo + 1))))
		return 0;
	word_facts(conds, n, lo + 1, &f);
	return f.any && f.lo == 0 && f.hi == 0;
}

/* One argument's set when it is a 64-bit interval [*LO, *HI]: the high
 * word a single value and the low word a range, or the high word a range
 * and the low word free. Masks or holes make it no interval (0). */
static int arg_interval(const struct diff_cond *conds, size_t n, unsigned k,
			uint64_t *lo, uint64_t *hi)
{
	struct word_facts h, l;

	word_facts(conds, n, SD_ARG_HI(k) / 4, &h);
	word_facts(conds, n, SD_ARG_LO(k) / 4, &l);
	if (h.fmask || h.nne || h.nord || l.fmask || l.nne || l.nord)
		return 0;
	if (h.lo != h.hi && (l.lo != 0 || l.hi != FULL))
		return 0;
	*lo = (uint64_t)h.lo << 32 | l.lo;
	*hi = (uint64_t)h.hi << 32 | l.hi;
	return 1;
}

/* "arg3 >= 0x180", or nothing when the interval is every value. */
static void put_interval(struct text *t, unsigned k, uint64_t lo, uint64_t hi)
{
	unsigned long long a = lo, b = hi;

	if (lo == 0 && hi == UINT64_MAX)
		return;
	put_and(t);
	if (lo == hi)
		put(t, "arg%u == 0x%llx", k, a);
	else if (lo == 0)
		put(t, "arg%u <= 0x%llx", k, b);
	else if (hi == UINT64_MAX)
		put(t, "arg%u >= 0x%llx", k, a);
	else
		put(t, "arg%u in 0x%llx..0x%llx", k, a, b);
}

/* An argument given as a 64-bit interval instead of by its conditions. */
struct arg_override {
	int arg;                /* -1: none */
	uint64_t lo, hi;
};

/* Argument K as a whole, if its words can be said that way: an override,
 * or an interval its conditions make (unless they say nothing about the
 * high word, which reads better per word). */
static int whole_arg(const struct diff_cond *conds, size_t n, unsigned k,
		     const struct arg_override *o, uint64_t *lo, uint64_t *hi)
{
	struct word_facts h;

	if (o && o->arg == (int)k) {
		*lo = o->lo;
		*hi = o->hi;
		return 1;
	}
	word_facts(conds, n, SD_ARG_HI(k) / 4, &h);
	return h.any && arg_interval(conds, n, k, lo, hi);
}

static int format_conds(const struct diff_cond *conds, size_t n,
			uint32_t hide, const struct arg_override *o,
			char *buf, size_t len)
{
	/* High words before low ones: "arg0.hi == 0x2 and arg0.lo >= 0x1". */
	static const uint8_t order[DIFF_NWORDS] = {
		0, 1, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14,
	};
	struct text t = { .buf = buf, .len = len };
	struct word_facts f;
	uint32_t said = hide;

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < DIFF_NWORDS; i++) {
		unsigned w = order[i], k = (w - SD_ARG_LO(0) / 4) / 2;
		uint64_t lo, hi;
		char name[16];

		if (said & (1u << w))
			continue;
		if (w >= SD_ARG_LO(0) / 4 && !(hide & (3u << (SD_ARG_LO(k) / 4))) &&
		    whole_arg(conds, n, k, o, &lo, &hi)) {
			put_interval(&t, k, lo, hi);
			said |= 3u << (SD_ARG_LO(k) / 4);
			continue;
		}
		word_facts(conds, n, w, &f);
		if (high_is_zero(conds, n, hide, w)) {
			/* The high word is 0 (and was left unsaid): name
			 * the whole argument instead. */
			snprintf(name, sizeof(name), "arg%u", k);
			put_word(&t, &f, w, name, 1);
		} else if (f.any && !(w > 0 && high_is_zero(conds, n, hide, w - 1))) {
			put_word(&t, &f, w, seccomp_field_name(w * 4), 0);
		}
	}
	return t.total;
}

int diff_format_conds(const struct diff_cond *conds, size_t n, uint32_t hide,
		      char *buf, size_t len)
{
	return format_conds(conds, n, hide, NULL, buf, len);
}

/* --- one architecture --- */

/* One difference to print: a joint path, perhaps with one argument
 * widened to a 64-bit interval by merging neighbouring paths (64-bit
 * comparisons take several paths, one per word case). */
struct region {
	struct diff_cond *conds;
	size_t n;
	uint32_t act_a, act_b;
	struct sim_data witness;   /* the region's smallest input */
	struct arg_override o;
};

struct run {
	const struct arch *arch;
	uint32_t audit;     /* the ABI being explored: its audit arch */
	const char *abi;    /* "" for the target's own, else "i386 " ... */
	FILE *out;
	const char *what;   /* "socket (41)", "nrs 0x1c0..0x3fffffff"... */
	uint32_t hide;      /* words the heading already pins down */
	size_t ninit;       /* conditions the heading stands for */
	int show_nr;        /* the heading leaves nr open: give it */
	struct region *regs;
	size_t nregs, capregs;
	int oom;
};

/* Does the region say anything about word W (other than what is hidden)? */
static int mentions(const struct region *g, uint32_t hide, unsigned w)
{
	if (hide & (1u << w))
		return 0;
	for (size_t i = 0; i < g->n; i++)
		if (g->conds[i].word == w)
			return 1;
	return 0;
}

/* Words the line leaves unsaid: the heading's, and nr when the heading's
 * range is all the path says about it. */
static uint32_t region_hide(const struct run *r, const struct region *g)
{
	if (r->show_nr) {
		for (size_t i = r->ninit; i < g->n; i++)
			if (g->conds[i].word == WORD_NR)
				return r->hide;
		return r->hide | 1u << WORD_NR;
	}
	return r->hide;
}

static void put_witness(struct text *t, const struct region *g,
			uint32_t hide, int show_nr)
{
	const struct sim_data *d = &g->witness;
	int n = 0;

	if (show_nr)
		put(t, "%snr=0x%x", n++ ? " " : "", d->nr);
	if (mentions(g, hide, WORD_ARCH))
		put(t, "%sarch=0x%x", n++ ? " " : "", d->arch);
	if (mentions(g, hide, SD_IP_LO / 4) || mentions(g, hide, SD_IP_HI / 4))
		put(t, "%sip=0x%llx", n++ ? " " : "",
		    (unsigned long long)d->ip);
	for (unsigned k = 0; k < 6; k++)
		if (mentions(g, hide, SD_ARG_LO(k) / 4) ||
		    mentions(g, hide, SD_ARG_HI(k) / 4))
			put(t, "%sarg%u=0x%llx", n++ ? " " : "", k,
			    (unsigned long long)d->args[k]);
}

static void print_region(const struct run *r, const struct region *g)
{
	char conds[2048], wit[512] = "", a[40], b[40];
	struct text t = { .buf = wit, .len = sizeof(wit) };
	uint32_t hide = region_hide(r, g);

	format_conds(g->conds, g->n, hide, &g->o, conds, sizeof(conds));
	put_witness(&t, g, hide, r->show_nr);
	seccomp_action_format(g->act_a, a, sizeof(a));
	seccomp_action_format(g->act_b, b, sizeof(b));
	fprintf(r->out, "%s: %s: %s%s%s%s -> %s%s%s%s\n", r->arch->name,
		r->what, conds[0] ? "when " : "", conds, conds[0] ? ": " : "",
		a, b, t.total ? " (e.g. " : "", wit, t.total ? ")" : "");
}

static void collect(void *ctx, const struct diff_found *f)
{
	struct run *r = ctx;
	struct region *g;

	if (r->oom)
		return;
	if (r->nregs == r->capregs) {
		size_t cap = r->capregs ? 2 * r->capregs : 16;
		struct region *n = realloc(r->regs, cap * sizeof(*n));

		if (!n) {
			r->oom = 1;
			return;
		}
		r->regs = n;
		r->capregs = cap;
	}
	g = &r->regs[r->nregs];
	g->conds = malloc((f->nconds ? f->nconds : 1) * sizeof(*g->conds));
	if (!g->conds) {
		r->oom = 1;
		return;
	}
	memcpy(g->conds, f->conds, f->nconds * sizeof(*f->conds));
	g->n = f->nconds;
	g->act_a = f->act_a;
	g->act_b = f->act_b;
	g->witness = f->witness;
	g->o.arg = -1;
	r->nregs++;
}

/* Argument K of G as a 64-bit interval, if it is one. */
static int region_interval(const struct region *g, unsigned k, uint64_t *lo,
			   uint64_t *hi)
{
	if (g->o.arg == (int)k) {
		*lo = g->o.lo;
		*hi = g->o.hi;
		return 1;
	}
	return arg_interval(g->conds, g->n, k, lo, hi);
}

/* Do G and H say the same about everything but argument K? */
static int same_but_arg(const struct run *r, const struct region *g,
			const struct region *h, unsigned k)
{
	uint32_t arg_words = 3u << (SD_ARG_LO(k) / 4);
	char x[2048], y[2048];

	if (region_hide(r, g) != region_hide(r, h))
		return 0;
	if (format_conds(g->conds, g->n, region_hide(r, g) | arg_words, NULL,
			 x, sizeof(x)) >= (int)sizeof(x))
		return 0;
	format_conds(h->conds, h->n, region_hide(r, h) | arg_words, NULL, y,
		     sizeof(y));
	return !strcmp(x, y);
}

/* Fold H into G when they differ only in argument K and together cover
 * one 64-bit interval of it. */
static int try_merge(const struct run *r, struct region *g,
		     const struct region *h)
{
	if (g->act_a != h->act_a || g->act_b != h->act_b)
		return 0;
	for (unsigned k = 0; k < 6; k++) {
		uint64_t gl, gh, hl, hh;

		if ((g->o.arg >= 0 && g->o.arg != (int)k) ||
		    (h->o.arg >= 0 && h->o.arg != (int)k))
			continue;
		if (!region_interval(g, k, &gl, &gh) ||
		    !region_interval(h, k, &hl, &hh))
			continue;
		/* Overlapping or touching. */
		if ((gh != UINT64_MAX && gh + 1 < hl) ||
		    (hh != UINT64_MAX && hh + 1 < gl))
			continue;
		if (!same_but_arg(r, g, h, k))
			continue;
		g->o.arg = (int)k;
		g->o.lo = gl < hl ? gl : hl;
		g->o.hi = gh > hh ? gh : hh;
		/* The other words are alike, so the smaller of the two
		 * smallest inputs is the merged region's smallest. */
		if (h->witness.args[k] < g->witness.args[k])
			g->witness = h->witness;
		return 1;
	}
	return 0;
}

/* Regions merge pairwise until none do; quadratic, so only for the usual
 * handful per syscall. */
#define MERGE_MAX 256

static void merge_regions(struct run *r)
{
	int changed = r->nregs <= MERGE_MAX;

	while (changed) {
		changed = 0;
		for (size_t i = 0; i < r->nregs; i++)
			for (size_t j = i + 1; j < r->nregs; j++) {
				if (!try_merge(r, &r->regs[i], &r->regs[j]))
					continue;
				free(r->regs[j].conds);
				memmove(&r->regs[j], &r->regs[j + 1],
					(r->nregs - j - 1) * sizeof(*r->regs));
				r->nregs--;
				j--;
				changed = 1;
			}
	}
}

static long explore(struct run *r, const struct diff_prog *a,
		    const struct diff_prog *b, const struct diff_cond *init,
		    size_t ninit, char *err, size_t errlen)
{
	long n = diff_explore(a, b, init, ninit, collect, r, err, errlen);

	if (n >= 0 && r->oom) {
		snprintf(err, errlen, "out of memory");
		n = -1;
	}
	if (n > 0) {
		merge_regions(r);
		for (size_t i = 0; i < r->nregs; i++)
			print_region(r, &r->regs[i]);
		n = (long)r->nregs;
	}
	for (size_t i = 0; i < r->nregs; i++)
		free(r->regs[i].conds);
	r->nregs = 0;
	return n;
}

/* A syscall number worth its own exploration. */
struct named {
	uint32_t nr;
	const char *name;
	int x32;
};

static int cmp_named(const void *x, const void *y)
{
	const struct named *p = x, *q = y;

	return p->nr < q->nr ? -1 : p->nr > q->nr;
}

/* Every number ARCH's table names (and x32's, when it shares ARCH's audit
 * token and ARCH is not itself an ABI of another), sorted, each once.
 * Returns the count, or -1. */
static long named_numbers(const struct arch *arch, struct named **out)
{
	const struct arch *x32 = arch_by_name("x32");
	int with_x32 = x32 && x32 != arch && arch->x32_bit && !arch->host &&
		       x32->audit_arch == arch->audit_arch;
	size_t total = arch->nsyscalls + (with_x32 ? x32->nsyscalls : 0), n = 0;
	struct named *v = malloc((total ? total : 1) * sizeof(*v));

	if (!v)
		return -1;
	for (size_t i = 0; i < arch->nsyscalls; i++)
		v[n++] = (struct named){ arch->syscalls[i].nr,
					 arch->syscalls[i].name, 0 };
	for (size_t i = 0; with_x32 && i < x32->nsyscalls; i++)
		v[n++] = (struct named){ x32->syscalls[i].nr | arch->x32_bit,
					 x32->syscalls[i].name, 1 };
	qsort(v, n, sizeof(*v), cmp_named);
	total = n;
	n = 0;
	for (size_t i = 0; i < total; i++)
		if (n == 0 || v[n - 1].nr != v[i].nr)
			v[n++] = v[i];
	*out = v;
	return (long)n;
}

static long explore_named(struct run *r, const struct named *s,
			  const struct diff_prog *a, const struct diff_prog *b,
			  char *err, size_t errlen)
{
	struct diff_cond init[2] = {
		{ WORD_ARCH, DIFF_EQ, FULL, r->audit },
		{ WORD_NR, DIFF_EQ, FULL, s->nr },
	};
	char what[96];

	if (s->x32)
		snprintf(what, sizeof(what), "x32 %s (0x%x)", s->name, s->nr);
	else
		snprintf(what, sizeof(what), "%s%s (%u)", r->abi, s->name, s->nr);
	r->what = what;
	r->hide = 1u << WORD_ARCH | 1u << WORD_NR;
	r->ninit = 2;
	r->show_nr = 0;
	return explore(r, a, b, init, 2, err, errlen);
}

static long explore_gap(struct run *r, uint32_t lo, uint32_t hi,
			const struct diff_prog *a, const struct diff_prog *b,
			char *err, size_t errlen)
{
	struct diff_cond init[3] = {
		{ WORD_ARCH, DIFF_EQ, FULL, r->audit },
		{ WORD_NR, DIFF_GE, FULL, lo },
		{ WORD_NR, DIFF_LE, FULL, hi },
	};
	char what[64];

	if (lo == hi)
		snprintf(what, sizeof(what), "%sunnamed nr 0x%x", r->abi, lo);
	else
		snprintf(what, sizeof(what), "%sunnamed nrs 0x%x..0x%x", r->abi, lo, hi);
	r->what = what;
	r->hide = 1u << WORD_ARCH;
	r->ninit = 3;
	r->show_nr = 1;
	return explore(r, a, b, init, 3, err, errlen);
}

/* Other architectures: any audit arch but the target's and those of the
 * ABIs explored on their own (AUDITS[0..N)). */
static long explore_foreign(struct run *r, const uint32_t *audits, size_t n,
			    const struct diff_prog *a, const struct diff_prog *b,
			    char *err, size_t errlen)
{
	struct diff_cond init[4];

	for (size_t i = 0; i < n && i < 4; i++)
		init[i] = (struct diff_cond){ WORD_ARCH, DIFF_NE, FULL, audits[i] };
	r->what = "other architectures";
	r->hide = 0;
	r->ninit = n;
	r->show_nr = 1;
	return explore(r, a, b, init, n, err, errlen);
}

/* Adds one exploration's count to *TOTAL; 0, or -1 on its error. */
static int add(long *total, long n)
{
	if (n < 0)
		return -1;
	*total += n;
	return 0;
}

/* Does P compare a word with K for equality (an audit arch it checks)? */
static int compares_with(const struct diff_prog *p, uint32_t k)
{
	for (size_t i = 0; i < p->len; i++)
		if (p->insns[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && p->insns[i].k == k)
			return 1;
	return 0;
}

/* Every numbered syscall of ABI (whose audit arch R says) on its own, and
 * the unnamed ranges between and beyond. */
static int explore_abi(struct run *r, const struct arch *abi, const struct diff_prog *a,
		       const struct diff_prog *b, long *total, char *err, size_t errlen)
{
	struct named *s;
	long n = named_numbers(abi, &s);
	uint64_t next = 0;  /* lowest number not explored yet */
	int rc = 0;

	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (long i = 0; i < n && rc == 0; i++) {
		if (s[i].nr > next)
			rc = add(total, explore_gap(r, (uint32_t)next, s[i].nr - 1, a, b,
						    err, errlen));
		if (rc == 0)
			rc = add(total, explore_named(r, &s[i], a, b, err, errlen));
		next = (uint64_t)s[i].nr + 1;
	}
	if (rc == 0 && next <= FULL)
		rc = add(total, explore_gap(r, (uint32_t)next, FULL, a, b, err, errlen));
	free(s);
	return rc;
}

long diff_programs(const struct arch *arch, const struct diff_prog *a,
		   const struct diff_prog *b, FILE *out, char *err,
		   size_t errlen)
{
	struct run r = { .arch = arch, .audit = arch->audit_arch, .abi = "", .out = out };
	uint32_t audits[4] = { arch->audit_arch };
	size_t naudits = 1;
	long total = 0;
	int rc;

	rc = explore_abi(&r, arch, a, b, &total, err, errlen);
	/* The ABIs of other audit archs a target accepts (i386, arm), each
	 * by its own numbers, when either program checks for it; otherwise
	 * they are among the other architectures. */
	for (const struct arch *const *o = arch->abis; rc == 0 && o && *o; o++) {
		char prefix[32];

		if ((*o)->audit_arch == arch->audit_arch ||
		    !(compares_with(a, (*o)->audit_arch) || compares_with(b, (*o)->audit_arch)))
			continue;
		snprintf(prefix, sizeof(prefix), "%s ", (*o)->name);
		r.audit = (*o)->audit_arch;
		r.abi = prefix;
		rc = explore_abi(&r, *o, a, b, &total, err, errlen);
		r.abi = "";
		audits[naudits++] = (*o)->audit_arch;
	}
	if (rc == 0)
		rc = add(&total, explore_foreign(&r, audits, naudits, a, b, err, errlen));
	free(r.regs);
	return rc < 0 ? -1 : total;
}
