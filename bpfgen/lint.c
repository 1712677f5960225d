/* The linter (lint.h): twins left open, clone filtered while clone3 is
 * allowed, networking denied while io_uring is allowed, allow-lists
 * without what every program needs, and rules an earlier rule always
 * decides first. Each check looks at every architecture's resolution and
 * reports once per policy token, naming a syscall with the architectures
 * it applies to where they are not all those it exists on; each warning
 * names the token to fix and says how (a fix-it note). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/types.h"
#include "bpf/seccomp.h"
#include "bpfgen/groups.h"
#include "bpfgen/lint.h"
#include "bpfgen/util.h"

/* One architecture's resolution, with the rules naming each number. */
struct view {
	const struct resolved *r;
	uint32_t max;       /* the table's highest number */
	uint32_t top;       /* the highest number a rule names (arm's table
			     * goes to 0x0f0006: no arrays that far) */
	size_t *start;      /* top + 2 offsets into idx */
	size_t *idx;        /* rule indexes, file order within a number */
};

struct linter {
	const struct policy_ast *ast;
	struct view *v;
	size_t n;
	struct diag *diag;
};

static int allowish(uint32_t action)
{
	return action == ACT_ALLOW || action == ACT_LOG;
}

static void view_init(struct view *v, const struct resolved *r)
{
	size_t *fill;

	v->r = r;
	v->max = arch_max_nr(r->arch);
	v->top = 0;
	for (size_t i = 0; i < r->nrules; i++)
		for (size_t j = 0; j < r->rules[i].nnrs; j++)
			if (r->rules[i].nrs[j] <= v->max && r->rules[i].nrs[j] > v->top)
				v->top = r->rules[i].nrs[j];
	v->start = xcalloc((size_t)v->top + 2, sizeof(size_t));
	for (size_t i = 0; i < r->nrules; i++)
		for (size_t j = 0; j < r->rules[i].nnrs; j++)
			if (r->rules[i].nrs[j] <= v->top)
				v->start[r->rules[i].nrs[j] + 1]++;
	for (size_t nr = 0; nr <= v->top; nr++)
		v->start[nr + 1] += v->start[nr];
	v->idx = xcalloc(v->start[v->top + 1] + 1, sizeof(size_t));
	fill = xcalloc((size_t)v->top + 1, sizeof(size_t));
	for (size_t i = 0; i < r->nrules; i++)
		for (size_t j = 0; j < r->rules[i].nnrs; j++) {
			uint32_t nr = r->rules[i].nrs[j];

			if (nr <= v->top)
				v->idx[v->start[nr] + fill[nr]++] = i;
		}
	free(fill);
}

/* The rules naming NR: idx[*LO .. *HI). */
static void rules_of(const struct view *v, long nr, size_t *lo, size_t *hi)
{
	*lo = *hi = 0;
	if (nr >= 0 && (uint32_t)nr <= v->top) {
		*lo = v->start[nr];
		*hi = v->start[nr + 1];
	}
}

static long nr_of(const struct view *v, const char *name)
{
	long nr = arch_syscall_nr(v->r->arch, name);

	return nr >= 0 && (uint32_t)nr <= v->max ? nr : -1;
}

/* The live rule that denies NR for some arguments before any rule allows
 * it for all (the rule to blame for denying it), or -1. */
static long deciding_deny(const struct view *v, long nr)
{
	size_t lo, hi;

	rules_of(v, nr, &lo, &hi);
	for (size_t k = lo; k < hi; k++) {
		const struct rule *rule = &v->r->rules[v->idx[k]];

		if (rule->never)
			continue;
		if (!allowish(rule->action))
			return (long)v->idx[k];
		if (rule->nconds == 0)
			return -1;
	}
	return -1;
}

/* Whether some arguments let NR run. */
static int allowed_somehow(const struct view *v, long nr)
{
	size_t lo, hi;

	rules_of(v, nr, &lo, &hi);
	for (size_t k = lo; k < hi; k++) {
		const struct rule *rule = &v->r->rules[v->idx[k]];

		if (rule->never)
			continue;
		if (allowish(rule->action))
			return 1;
		if (rule->nconds == 0)
			return 0;
	}
	return allowish(v->r->deflt);
}

/* A twin left open: in a deny-list, one no rule denies (it has no rule
 * of its own that filters it); in an allow-list, one a rule allows. */
static int twin_open(const struct view *v, long nr)
{
	if (allowish(v->r->deflt))
		return deciding_deny(v, nr) < 0;
	return allowed_somehow(v, nr);
}

/* Syscall names, each with the architectures (bits) it was found on. */
struct named {
	const char *name;
	unsigned archs;
	int opaque;         /* a twin no condition reaches */
};

struct namelist {
	struct named *v;
	size_t n, cap;
};

static struct named *nl_add(struct namelist *l, const char *name, size_t arch)
{
	struct named *x;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0) {
			l->v[i].archs |= 1u << arch;
			return &l->v[i];
		}
	x = vec_push(&l->v, &l->n, &l->cap, sizeof(*x));
	x->name = name;
	x->archs = 1u << arch;
	return x;
}

static int nl_has(const struct namelist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return 1;
	return 0;
}

static void nl_free(struct namelist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Appends to BUF (of SIZE, holding *LEN characters), stopping with "..."
 * when it is full. */
static void put(char *buf, size_t size, size_t *len, const char *fmt, const char *s)
{
	int n;

	if (*len + 4 >= size)
		return;
	n = snprintf(buf + *len, size - *len, fmt, s);
	if (n < 0 || *len + (size_t)n + 4 >= size) {
		snprintf(buf + *len, size - *len, "...");
		*len = size;
		return;
	}
	*len += (size_t)n;
}

/* "open, openat2, creat": names joined by ", ". A name found on only some
 * of the architectures in WITHIN that have it says where: "open (on
 * x86_64)". */
static void nl_format(const struct linter *L, const struct namelist *l,
		      unsigned within, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		unsigned exist = 0, at = l->v[i].archs & within;

		for (size_t a = 0; a < L->n; a++)
			if ((within >> a & 1) && nr_of(&L->v[a], l->v[i].name) >= 0)
				exist |= 1u << a;
		put(buf, size, &len, i ? ", %s" : "%s", l->v[i].name);
		if (at == exist)
			continue;
		for (size_t a = 0, k = 0; a < L->n; a++)
			if (at >> a & 1)
				put(buf, size, &len, k++ ? ", %s" : " (on %s", L->v[a].r->arch->name);
		put(buf, size, &len, "%s", ")");
	}
}

/* Where rule SRC names NAME: the name itself, or the @group holding it. */
static struct pos name_pos(const struct policy_ast *ast, size_t src, const char *name)
{
	const struct rule_ast *ra = &ast->rules[src];

	for (size_t i = 0; i < ra->nnames; i++) {
		const struct name_ref *n = &ra->names[i];
		const struct syscall_group *g;

		if (!n->is_group) {
			if (strcmp(n->name, name) == 0)
				return n->pos;
			continue;
		}
		g = group_by_name(n->name);
		for (const char *const *m = g ? g->members : NULL; m && *m; m++)
			if (strcmp(*m, name) == 0)
				return n->pos;
	}
	return ra->pos;
}

static int pos_before(struct pos a, struct pos b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

/* The action as written: "errno(EPERM)". */
static void action_text(const struct policy_ast *ast, size_t src, char *buf, int n)
{
	const struct action_ast *a = &ast->rules[src].action;

	snprintf(buf, (size_t)n, "%s", action_kind_name(a->kind));
	if (a->has_arg && a->arg.nterms == 1) {
		const struct value_term *t = &a->arg.terms[0];

		if (t->is_name)
			snprintf(buf, (size_t)n, "%s(%.*s)", action_kind_name(a->kind),
				 n / 2, t->name);
		else
			snprintf(buf, (size_t)n, "%s(%llu)", action_kind_name(a->kind),
				 (unsigned long long)t->num);
	}
}

/* "line 12", or "base.policy:12" for a rule in another file than AT's. */
static void where(struct pos p, struct pos at, char *buf, size_t size)
{
	if (p.file && at.file && strcmp(p.file, at.file) != 0)
		snprintf(buf, size, "%s:%d", p.file, p.line);
	else
		snprintf(buf, size, "line %d", p.line);
}

/* Whether a deny of DENIED under RULE's conditions can be walked around
 * through TWIN: TWIN is opaque (a condition cannot reach what it would
 * check there), or TWIN has every parameter the conditions test, by name.
 * Unknown types are taken as no bypass: better silent than wrong. */
static int conds_carry_over(const struct view *v, const char *denied,
			    const struct rule *rule, const struct twin *twin)
{
	const struct syscall_proto *pd, *pt;

	if (twin->opaque)
		return 1;
	pd = arch_syscall_proto(v->r->arch, denied);
	pt = arch_syscall_proto(v->r->arch, twin->name);
	if (!pd || !pt || !pd->known || !pt->known)
		return 0;
	for (size_t i = 0; i < rule->nconds; i++) {
		int arg = rule->conds[i].arg;

		if (arg < 0 || arg >= pd->nparams ||
		    syscall_param_index(pt, pd->params[arg].name) < 0)
			return 0;
	}
	return 1;
}

/* -Wtwin, for one deny rule of one twin set. */
struct twin_finding {
	size_t src;
	int cond;               /* the deny has conditions */
	unsigned archs;         /* where it holds */
	struct namelist denied, open;
};

static struct twin_finding *finding_for(struct twin_finding **f, size_t *n,
					size_t *cap, size_t src)
{
	for (size_t i = 0; i < *n; i++)
		if ((*f)[i].src == src)
			return &(*f)[i];
	struct twin_finding *x = vec_push(f, n, cap, sizeof(**f));

	x->src = src;
	return x;
}

static void report_twin(const struct linter *L, const struct twin_set *set,
			struct twin_finding *f)
{
	char denied[256], open[512], fix[512] = "", act[96];
	struct pos p = L->ast->rules[f->src].pos;
	int first = 1, plural_d = f->denied.n > 1, plural_o = f->open.n > 1;
	size_t len = 0;

	for (size_t i = 0; i < f->denied.n; i++) {
		struct pos q = name_pos(L->ast, f->src, f->denied.v[i].name);

		if (first || pos_before(q, p))
			p = q;
		first = 0;
	}
	nl_format(L, &f->denied, f->archs, denied, sizeof(denied));
	nl_format(L, &f->open, f->archs, open, sizeof(open));
	if (!f->cond) {
		if (!diag_warn(L->diag, W_TWIN, p, "%s %s denied, but %s %s allowed and "
			       "can %s as well: a program calls %s instead", denied,
			       plural_d ? "are" : "is", open, plural_o ? "are" : "is",
			       set->what, plural_o ? "those" : "that"))
			return;
		/* Every member named, in the table's order. */
		for (const struct twin *m = set->members; m->name; m++)
			if (nl_has(&f->denied, m->name) || nl_has(&f->open, m->name))
				put(fix, sizeof(fix), &len, len ? ", %s" : "%s", m->name);
		action_text(L->ast, f->src, act, (int)sizeof(act));
		diag_fixit(L->diag, p, "deny them together: '%s: %s'", act, fix);
		return;
	}
	if (!diag_warn(L->diag, W_TWIN, p, "%s %s denied under these conditions, but "
		       "%s %s allowed and can %s as well, unchecked by them: a program "
		       "calls %s instead", denied, plural_d ? "are" : "is", open,
		       plural_o ? "are" : "is", set->what, plural_o ? "those" : "that"))
		return;
	{
		char same[256] = "", outright[256] = "";
		size_t ns = 0, no = 0;

		for (size_t i = 0; i < f->open.n; i++) {
			if (f->open.v[i].opaque)
				put(outright, sizeof(outright), &no, no ? ", %s" : "%s",
				    f->open.v[i].name);
			else
				put(same, sizeof(same), &ns, ns ? ", %s" : "%s",
				    f->open.v[i].name);
		}
		action_text(L->ast, f->src, act, (int)sizeof(act));
		if (ns && no)
			diag_fixit(L->diag, p, "give %s a rule with the same conditions, and "
				   "deny %s outright ('%s: %s'): a filter cannot check "
				   "those conditions there", same, outright, act, outright);
		else if (ns)
			diag_fixit(L->diag, p, "give %s a rule with the same conditions",
				   same);
		else
			diag_fixit(L->diag, p, "deny %s outright ('%s: %s'): a filter "
				   "cannot check these conditions there", outright, act,
				   outright);
	}
}

/* -Wtwin: a syscall a rule denies while a twin is left open. Each deny
 * rule is reported once per set, naming the members it denies and the
 * twins open on any architecture. A deny with conditions counts where the
 * twin takes the same parameters (or cannot be checked at all), unless
 * the set is bypassed only by outright denies (TWINS_OUTRIGHT). */
static void lint_twins(const struct linter *L)
{
	for (size_t t = 0; t < ntwin_sets; t++) {
		const struct twin_set *set = &twin_sets[t];
		struct twin_finding *f = NULL;
		size_t nf = 0, capf = 0;

		for (size_t a = 0; a < L->n; a++) {
			const struct view *v = &L->v[a];

			for (const struct twin *m = set->members; m->name; m++) {
				long nr = nr_of(v, m->name), at;
				const struct rule *rule;
				struct twin_finding *x;
				int any = 0;

				if (nr < 0 || (at = deciding_deny(v, nr)) < 0)
					continue;
				rule = &v->r->rules[at];
				if (rule->nconds && (set->flags & TWINS_OUTRIGHT))
					continue;
				x = finding_for(&f, &nf, &capf, rule->src);
				for (const struct twin *o = set->members; o->name; o++) {
					long onr = nr_of(v, o->name);

					if (onr < 0 || !twin_of(set, m->name, o->name) ||
					    !twin_open(v, onr) ||
					    (rule->nconds && !conds_carry_over(v, m->name, rule, o)))
						continue;
					nl_add(&x->open, o->name, a)->opaque = o->opaque;
					any = 1;
				}
				if (!any)
					continue;
				nl_add(&x->denied, m->name, a);
				x->archs |= 1u << a;
				x->cond |= rule->nconds > 0;
			}
		}
		for (size_t i = 0; i < nf; i++) {
			if (f[i].denied.n && f[i].open.n)
				report_twin(L, set, &f[i]);
			nl_free(&f[i].denied);
			nl_free(&f[i].open);
		}
		free(f);
	}
}

/* -Wclone3: clone filtered (by flags, or denied) while clone3 runs. */
static void lint_clone3(const struct linter *L)
{
	for (size_t a = 0; a < L->n; a++) {
		const struct view *v = &L->v[a];
		long clone = nr_of(v, "clone"), clone3 = nr_of(v, "clone3");
		size_t lo, hi;

		if (clone < 0 || clone3 < 0 || !allowed_somehow(v, clone3))
			continue;
		rules_of(v, clone, &lo, &hi);
		for (size_t k = lo; k < hi; k++) {
			const struct rule *rule = &v->r->rules[v->idx[k]];
			struct pos p;

			if (rule->never)
				continue;
			if (rule->nconds == 0 && allowish(rule->action))
				break;      /* clone is allowed: nothing to bypass */
			p = name_pos(L->ast, rule->src, "clone");
			if (diag_warn(L->diag, W_CLONE3, p, "clone is %s, but clone3 is "
				      "allowed: clone3 passes its flags in memory that no "
				      "filter can read", rule->nconds ?
				      "filtered by its arguments" : "denied"))
				diag_fixit(L->diag, p, "add 'errno(ENOSYS): clone3' above "
					   "any rule that allows clone3: libc then falls "
					   "back to clone");
			break;
		}
	}
}

/* -Wio-uring: sockets denied while io_uring can run. */
static void lint_io_uring(const struct linter *L)
{
	const struct syscall_group *g = group_by_name("io_uring");

	for (size_t a = 0; g && a < L->n; a++) {
		const struct view *v = &L->v[a];
		long sock = nr_of(v, "socket"), at;
		char open[128] = "";
		size_t n = 0, count = 0;
		struct pos p;

		if (sock < 0 || (at = deciding_deny(v, sock)) < 0)
			continue;
		for (const char *const *m = g->members; *m; m++) {
			long nr = nr_of(v, *m);

			if (nr >= 0 && allowed_somehow(v, nr)) {
				put(open, sizeof(open), &n, count ? ", %s" : "%s", *m);
				count++;
			}
		}
		if (!count)
			continue;
		p = name_pos(L->ast, v->r->rules[at].src, "socket");
		if (diag_warn(L->diag, W_IO_URING, p, "socket is denied, but %s %s "
			      "allowed: io_uring's rings create, connect and use sockets "
			      "without system calls a filter could see", open,
			      count > 1 ? "are" : "is"))
			diag_fixit(L->diag, p, "add @io_uring to this rule");
	}
}

/* -Wessential: an allow-list must let a program exit and return from
 * signal handlers, and let the kernel restart interrupted calls. */
static void lint_essential(const struct linter *L)
{
	static const char *const needed[] = {
		"exit", "exit_group", "rt_sigreturn", "restart_syscall",
	};
	const struct action_ast *d = &L->ast->deflt;

	for (size_t a = 0; a < L->n; a++) {
		const struct view *v = &L->v[a];
		char missing[128] = "";
		size_t n = 0;

		if (allowish(v->r->deflt))
			continue;
		for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
			long nr = nr_of(v, needed[i]);

			if (nr >= 0 && !allowed_somehow(v, nr))
				put(missing, sizeof(missing), &n, n ? ", %s" : "%s", needed[i]);
		}
		if (n && diag_warn(L->diag, W_ESSENTIAL, d->pos, "this allow-list does "
				   "not allow %s: every program needs exit, exit_group and "
				   "rt_sigreturn to end and to return from signal handlers, "
				   "and restart_syscall to resume an interrupted call", missing))
			diag_fixit(L->diag, d->pos, "add 'allow: exit, exit_group, "
				   "rt_sigreturn, restart_syscall'");
	}
}

/* -Wshadowed ---------------------------------------------------------- */

/* Conditions as a set: an order-free hash, and equality. */
static unsigned cond_hash(const struct cond *c)
{
	uint64_t h = (uint64_t)(c->arg + 1) * 0x9e3779b97f4a7c15u;

	h ^= (uint64_t)(c->lo32 | (int)c->op << 2) * 0xc2b2ae3d27d4eb4fu;
	h ^= c->mask * 0x165667b19e3779f9u;
	h = (h ^ (h >> 29)) + c->value * 0x27d4eb2f165667c5u;
	h = (h ^ (h >> 31)) + c->value2 * 0x94d049bb133111ebu;
	return (unsigned)(h ^ (h >> 32));
}

static int cond_eq(const struct cond *a, const struct cond *b)
{
	return a->arg == b->arg && a->lo32 == b->lo32 && a->op == b->op &&
	       a->mask == b->mask && a->value == b->value && a->value2 == b->value2;
}

static int cond_in(const struct cond *c, const struct cond *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cond_eq(c, set[i]))
			return 1;
	return 0;
}

/* Whether the conditions of RULE are, as a set, the SUB given. */
static int conds_are(const struct rule *rule, const struct cond *const *sub, size_t n)
{
	for (size_t i = 0; i < rule->nconds; i++)
		if (!cond_in(&rule->conds[i], sub, n))
			return 0;
	for (size_t i = 0; i < n; i++) {
		int found = 0;

		for (size_t j = 0; j < rule->nconds && !found; j++)
			found = cond_eq(sub[i], &rule->conds[j]);
		if (!found)
			return 0;
	}
	return 1;
}

/* Conditional rules by (number, set of conditions): the first one. */
struct cset_entry {
	uint32_t nr;
	unsigned hash;
	size_t rule;
};

struct cset_table {
	struct cset_entry *e;
	size_t cap, n;      /* cap a power of two; e[i].hash == 0 && !used */
	unsigned char *used;
};

static unsigned set_hash(const struct cond *const *c, size_t n, uint32_t nr)
{
	unsigned h = 0;

	for (size_t i = 0; i < n; i++)
		h += cond_hash(c[i]);           /* order-free */
	h ^= nr * 0x9e3779b1u;
	return h ? h : 1;
}

static long cset_find(const struct cset_table *t, const struct resolved *r,
		      uint32_t nr, const struct cond *const *c, size_t n)
{
	unsigned h = set_hash(c, n, nr);

	if (!t->cap)
		return -1;
	for (size_t s = h & (t->cap - 1); t->used[s]; s = (s + 1) & (t->cap - 1))
		if (t->e[s].hash == h && t->e[s].nr == nr &&
		    conds_are(&r->rules[t->e[s].rule], c, n))
			return (long)t->e[s].rule;
	return -1;
}

static void cset_grow(struct cset_table *t)
{
	struct cset_table old = *t;

	t->cap = old.cap ? old.cap * 2 : 256;
	t->e = xcalloc(t->cap, sizeof(*t->e));
	t->used = xcalloc(t->cap, 1);
	t->n = 0;
	for (size_t s = 0; s < old.cap; s++)
		if (old.used[s]) {
			unsigned h = old.e[s].hash;
			size_t k = h & (t->cap - 1);

			while (t->used[k])
				k = (k + 1) & (t->cap - 1);
			t->e[k] = old.e[s];
			t->used[k] = 1;
			t->n++;
		}
	free(old.e);
	free(old.used);
}

static void cset_add(struct cset_table *t, const struct resolved *r,
		     uint32_t nr, size_t rule)
{
	const struct rule *ru = &r->rules[rule];
	const struct cond *c[64];
	size_t n = ru->nconds < 64 ? ru->nconds : 64;
	unsigned h;
	size_t s;

	for (size_t i = 0; i < n; i++)
		c[i] = &ru->conds[i];
	/* A set once: duplicate conditions in a rule do not change it. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (c[j] && c[i] && cond_eq(c[i], c[j])) {
				c[i] = NULL;
				break;
			}
	{
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (c[i])
				c[k++] = c[i];
		n = k;
	}
	if (cset_find(t, r, nr, c, n) >= 0)
		return;         /* the earlier one stays */
	if (2 * (t->n + 1) > t->cap)
		cset_grow(t);
	h = set_hash(c, n, nr);
	for (s = h & (t->cap - 1); t->used[s]; s = (s + 1) & (t->cap - 1))
		;
	t->e[s] = (struct cset_entry){ nr, h, rule };
	t->used[s] = 1;
	t->n++;
}

/* At most this many conditions in a rule are combined into subsets
 * (2^6 lookups per syscall); a longer rule is compared as a whole. */
#define SUBSET_MAX 6

/* The earliest rule before RULE whose conditions are a subset of RULE's
 * for NR (so it matches first whenever RULE would), or -1. */
static long subset_shadow(const struct cset_table *t, const struct resolved *r,
			  uint32_t nr, size_t rule)
{
	const struct rule *ru = &r->rules[rule];
	const struct cond *c[SUBSET_MAX], *all[64];
	long best = -1;

	if (ru->nconds > SUBSET_MAX) {
		size_t n = ru->nconds < 64 ? ru->nconds : 64;

		for (size_t i = 0; i < n; i++)
			all[i] = &ru->conds[i];
		best = cset_find(t, r, nr, all, n);
		return best >= 0 && (size_t)best < rule ? best : -1;
	}
	for (unsigned mask = 1; mask < 1u << ru->nconds; mask++) {
		size_t n = 0;
		long e;

		for (size_t i = 0; i < ru->nconds; i++)
			if (mask >> i & 1)
				c[n++] = &ru->conds[i];
		e = cset_find(t, r, nr, c, n);
		if (e >= 0 && (size_t)e < rule && (best < 0 || e < best))
			best = e;
	}
	return best;
}

/* What one policy rule's parts leave to earlier rules, over every
 * architecture. */
struct shadow_acc {
	unsigned any, dead;     /* architectures where it names a live syscall;
				 * where every one is decided earlier */
	int has_by;
	struct pos by;          /* the first earlier rule found deciding one */
	struct namelist hidden;
};

static void shadow_arch(const struct linter *L, size_t a, struct shadow_acc *acc)
{
	const struct view *v = &L->v[a];
	const struct resolved *r = v->r;
	size_t *first = xcalloc((size_t)v->top + 1, sizeof(*first));
	struct cset_table t = { 0 };

	/* The first live unconditional rule of each number. */
	for (uint32_t nr = 0; nr <= v->top; nr++) {
		first[nr] = SIZE_MAX;
		for (size_t k = v->start[nr]; k < v->start[nr + 1]; k++) {
			const struct rule *rule = &r->rules[v->idx[k]];

			if (!rule->never && rule->nconds == 0) {
				first[nr] = v->idx[k];
				break;
			}
		}
	}
	for (size_t i = 0; i < r->nrules;) {
		size_t src = r->rules[i].src, end = i, total = 0, hidden = 0;

		while (end < r->nrules && r->rules[end].src == src)
			end++;
		for (size_t k = i; k < end; k++) {
			const struct rule *rule = &r->rules[k];

			if (rule->never)
				continue;
			for (size_t j = 0; j < rule->nnrs; j++) {
				uint32_t nr = rule->nrs[j];
				long by = -1;

				if (nr > v->top)
					continue;
				total++;
				if (first[nr] < k)
					by = (long)first[nr];
				else if (rule->nconds)
					by = subset_shadow(&t, r, nr, k);
				/* An earlier rule with the same action decides
				 * as this one would: redundant, not a surprise. */
				if (by < 0 || r->rules[by].action == rule->action)
					continue;
				hidden++;
				if (!acc[src].has_by) {
					acc[src].has_by = 1;
					acc[src].by = r->rules[by].pos;
				}
				nl_add(&acc[src].hidden, arch_syscall_name(r->arch, nr), a);
			}
		}
		/* This rule's conditions serve later rules once it is seen. */
		for (size_t k = i; k < end; k++) {
			const struct rule *rule = &r->rules[k];

			if (!rule->never && rule->nconds)
				for (size_t j = 0; j < rule->nnrs; j++)
					if (rule->nrs[j] <= v->top)
						cset_add(&t, r, rule->nrs[j], k);
		}
		if (total) {
			acc[src].any |= 1u << a;
			if (hidden == total)
				acc[src].dead |= 1u << a;
		}
		i = end;
	}
	free(t.e);
	free(t.used);
	free(first);
}

/* -Wshadowed: rules are first-match; a syscall an earlier rule always
 * decides first (one without conditions, or one whose conditions are
 * among this rule's) never reaches a later rule. An earlier rule with the
 * same action is left alone: the outcome is what this rule says. Parts of
 * one policy rule (one per parameter-type signature) and architectures
 * are reported together. */
static void lint_shadowed(const struct linter *L)
{
	size_t nsrc = L->ast->nrules;
	struct shadow_acc *acc = xcalloc(nsrc ? nsrc : 1, sizeof(*acc));

	for (size_t a = 0; a < L->n; a++)
		shadow_arch(L, a, acc);
	for (size_t src = 0; src < nsrc; src++) {
		struct shadow_acc *s = &acc[src];
		struct pos p = L->ast->rules[src].pos;
		char names[512], by[300];
		int printed;

		if (!s->hidden.n) {
			nl_free(&s->hidden);
			continue;
		}
		where(s->by, p, by, sizeof(by));
		nl_format(L, &s->hidden, s->any, names, sizeof(names));
		/* Only some: at the first of them as written. */
		for (size_t i = 0; s->dead != s->any && i < s->hidden.n; i++) {
			struct pos q = name_pos(L->ast, src, s->hidden.v[i].name);

			if (i == 0 || pos_before(q, p))
				p = q;
		}
		if (s->dead == s->any)
			printed = diag_warn(L->diag, W_SHADOWED, p, "this rule never "
					    "applies: every syscall it names is decided by "
					    "an earlier rule (%s)", by);
		else
			printed = diag_warn(L->diag, W_SHADOWED, p, "this rule never "
					    "applies to %s: an earlier rule (%s) decides %s "
					    "first", names, by, s->hidden.n == 1 ? "it" : "them");
		if (printed && s->dead == s->any)
			diag_fixit(L->diag, p, "rules are first-match in file order "
				   "(unlike libseccomp's): move this rule above %s, or "
				   "drop it", by);
		else if (printed)
			diag_fixit(L->diag, p, "rules are first-match in file order "
				   "(unlike libseccomp's): move this rule above %s, or "
				   "drop %s from it", by, names);
		nl_free(&s->hidden);
	}
	free(acc);
}

void lint_policy(const struct policy_ast *ast, const struct resolved *const *rs,
		 size_t n, struct diag *diag)
{
	struct linter L = { ast, NULL, n > 32 ? 32 : n, diag };

	if (!L.n)
		return;
	L.v = xcalloc(L.n, sizeof(*L.v));
	for (size_t a = 0; a < L.n; a++)
		view_init(&L.v[a], rs[a]);
	lint_twins(&L);
	lint_clone3(&L);
	lint_io_uring(&L);
	lint_essential(&L);
	lint_shadowed(&L);
	for (size_t a = 0; a < L.n; a++) {
		free(L.v[a].start);
		free(L.v[a].idx);
	}
	free(L.v);
}
