/* Import stage 2: what runc installs for one target. Docker/Podman rules
 * are kept or left out as moby 20.10's profile reader does (host
 * architecture, capabilities, kernel version); each name of a rule becomes
 * its own rule, as in runc 1.1's specconv and InitSeccomp, and several
 * rules on one name decide as libseccomp 2.5 merges them. The result is a
 * plan (plan.h): the text's lines in order, still without wording. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "import/plan.h"

/* ---- small lists ------------------------------------------------------------- */

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? 2 * *cap : 16;
	v = realloc(v, *cap * size);
	if (!v) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	return v;
}

static struct item *push(struct item_list *l, enum item_kind k, const char *path,
			 const char *text)
{
	struct item *it;

	l->v = grow(l->v, &l->cap, l->n, sizeof(*l->v));
	it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	it->kind = k;
	it->path = path;
	it->text = text;
	return it;
}

static void append(struct item_list *to, const struct item_list *from)
{
	for (size_t i = 0; i < from->n; i++)
		*push(to, IT_BLANK, NULL, NULL) = from->v[i];
}

static void add_line(char ***v, size_t *n, size_t *cap, struct arena *a,
		     const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	*v = grow(*v, cap, *n, sizeof(**v));
	(*v)[(*n)++] = ar_strdup(a, buf);
}

static void summary(struct iplan *p, struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void summary(struct iplan *p, struct arena *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&p->summary, &p->nsummary, &p->summary_cap, a, fmt, ap);
	va_end(ap);
}

static void note(struct iplan *p, struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(struct iplan *p, struct arena *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&p->notes, &p->nnotes, &p->notes_cap, a, fmt, ap);
	va_end(ap);
}

void plan_free(struct iplan *p)
{
	free(p->head.v);
	free(p->rules.v);
	free(p->tail.v);
	free(p->summary);
	free(p->notes);
	memset(p, 0, sizeof(*p));
}

/* ---- actions ------------------------------------------------------------------ */

int action_allows(enum imp_action a)
{
	return a == IA_ALLOW || a == IA_LOG;
}

/* An action as libseccomp-golang compares them (runc skips a rule whose
 * action equals the default): SCMP_ACT_KILL is KILL_THREAD, and ERRNO and
 * TRACE carry errnoRet, EPERM when it is absent. */
struct act {
	enum imp_action a;
	unsigned data;
};

static struct act act_of(enum imp_action a, int has_errno, unsigned errno_ret)
{
	struct act r = { a == IA_KILL ? IA_KILL_THREAD : a, 0 };

	if (r.a == IA_ERRNO || r.a == IA_TRACE)
		r.data = has_errno ? errno_ret : 1;
	return r;
}

static int act_eq(struct act x, struct act y)
{
	return x.a == y.a && x.data == y.data;
}

/* ERRNO's data is at most the kernel's MAX_ERRNO: larger values the
 * kernel caps at 4095, which a policy says plainly. */
static int check_errno(struct act x, const char *path, struct idiag *d)
{
	if (x.a == IA_ERRNO && x.data > 4095) {
		idiag_error(d, path, "errno %u: the kernel returns at most 4095 "
			    "(MAX_ERRNO); write 4095 or less", x.data);
		return -1;
	}
	return 0;
}

/* ---- which rules moby keeps ------------------------------------------------- */

struct host {
	const char *arch;           /* moby's name: amd64 */
	const char *const *caps;
	size_t ncaps;
	const struct import_options *o;
};

static int has_cap(const struct host *h, const char *cap)
{
	for (size_t i = 0; i < h->ncaps; i++)
		if (strcmp(h->caps[i], cap) == 0)
			return 1;
	return 0;
}

static int kernel_at_least(const struct host *h, unsigned major, unsigned minor)
{
	if (!h->o->has_kernel)        /* the newest kernel: every minKernel met */
		return 1;
	return h->o->kernel_major > major ||
	       (h->o->kernel_major == major && h->o->kernel_minor >= minor);
}

static const char *list_of(const struct istr *v, size_t n, struct arena *a)
{
	size_t len = 1, at = 0;
	char *buf;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i].s) + 2;
	buf = ar_alloc(a, len);
	for (size_t i = 0; i < n; i++)
		at += (size_t)sprintf(buf + at, "%s%s", i ? ", " : "", v[i].s);
	return buf;
}

/* Why moby leaves rule S out on host H (in moby's order of checks), or
 * NULL when it keeps it. */
static const char *left_out(const struct isyscall *s, const struct host *h,
			    struct arena *a)
{
	const struct ifilter *x = &s->excludes, *in = &s->includes;
	size_t i;

	for (i = 0; i < x->narches; i++)
		if (strcmp(x->arches[i].s, h->arch) == 0)
			return ar_printf(a, "excludes.arches names %s", h->arch);
	for (i = 0; i < x->ncaps; i++)
		if (has_cap(h, x->caps[i].s))
			return ar_printf(a, "excludes.caps: %s is given", x->caps[i].s);
	if (x->has_min_kernel && kernel_at_least(h, x->kmajor, x->kminor))
		return ar_printf(a, "excludes.minKernel: the kernel is %u.%u or later",
				 x->kmajor, x->kminor);
	if (in->narches) {
		for (i = 0; i < in->narches; i++)
			if (strcmp(in->arches[i].s, h->arch) == 0)
				break;
		if (i == in->narches)
			return ar_printf(a, "includes.arches (%s) does not name %s",
					 list_of(in->arches, in->narches, a), h->arch);
	}
	for (i = 0; i < in->ncaps; i++)
		if (!has_cap(h, in->caps[i].s))
			return ar_printf(a, "includes.caps: %s is not given", in->caps[i].s);
	if (in->has_min_kernel && !kernel_at_least(h, in->kmajor, in->kminor))
		return ar_printf(a, "includes.minKernel: needs kernel %u.%u", in->kmajor,
				 in->kminor);
	return NULL;
}

/* ---- architectures ----------------------------------------------------------- */

/* The ABIs a target's kernel runs besides its own, in the order a filter
 * dispatches them. */
static const char *const x86_abis[] = { "i386", "x32", NULL };
static const char *const arm_abis[] = { "arm", NULL };

static const char *const *target_abis(const struct arch *t)
{
	return strcmp(t->name, "x86_64") == 0 ? x86_abis : arm_abis;
}

static const char *scmp_native(const struct arch *t)
{
	return strcmp(t->name, "x86_64") == 0 ? "SCMP_ARCH_X86_64" : "SCMP_ARCH_AARCH64";
}

/* The architectures runc adds to the filter: "architectures", or the
 * archMap entry of the host with its subArchitectures (moby). */
static int pick_arches(const struct iprofile *p, const struct arch *t,
		       const struct import_options *o, struct iplan *plan,
		       struct arena *a, struct idiag *d)
{
	const struct istr *list = p->archs;
	size_t n = p->narchs, i;
	int want[4] = { 0 }, dropped[4] = { 0 };
	const char *const *abis = target_abis(t);

	if (p->narchs && p->narchmap) {
		idiag_error(d, p->root, "both \"architectures\" and \"archMap\" are given: "
			    "moby takes one or the other");
		return -1;
	}
	plan->arch_path = ar_printf(a, "%s.architectures", p->root);
	if (p->narchmap) {
		const char *native = scmp_native(t);
		struct istr *all;

		list = NULL;
		n = 0;
		for (i = 0; i < p->narchmap && !list; i++) {
			const struct iarchmap *m = &p->archmap[i];

			if (strcmp(m->arch.s, native) != 0)
				continue;
			all = ar_alloc(a, (m->nsubs + 1) * sizeof(*all));
			all[0] = m->arch;
			if (m->nsubs)
				memcpy(all + 1, m->subs, m->nsubs * sizeof(*all));
			list = all;
			n = m->nsubs + 1;
			plan->arch_path = m->path;
		}
		if (!list)
			push(&plan->head, IT_COMMENT, ar_printf(a, "%s.archMap", p->root),
			     ar_printf(a, "no entry for %s: runc adds no architecture, "
				       "libseccomp keeps the host's own", native));
	}
	for (i = 0; i < n; i++) {
		const struct scmp_arch *s = scmp_arch_by_name(list[i].s);

		if (!s->target || strcmp(s->target, t->name) != 0) {
			push(&plan->head, IT_COMMENT, list[i].path,
			     ar_printf(a, "%s: no ABI of an %s kernel: left out", s->name,
				       t->name));
			continue;
		}
		if (strcmp(s->abi, "native") == 0) {
			plan->native_listed = 1;
			continue;
		}
		if (o->native_only) {
			push(&plan->head, IT_COMMENT, list[i].path,
			     ar_printf(a, "%s: left out (--abi native): its calls get "
				       "on-bad-arch", s->name));
			for (size_t k = 0; abis[k]; k++)
				if (strcmp(abis[k], s->abi) == 0)
					dropped[k] = 1;
			continue;
		}
		for (size_t k = 0; abis[k]; k++)
			if (strcmp(abis[k], s->abi) == 0)
				want[k] = 1;
	}
	for (size_t k = 0; abis[k]; k++) {
		if (want[k])
			plan->abis[plan->nabis++] = arch_by_name(abis[k]);
		if (dropped[k])
			plan->dropped_abis = plan->dropped_abis ?
				ar_printf(a, "%s, %s", plan->dropped_abis, abis[k]) : abis[k];
	}
	return 0;
}

/* ---- names -------------------------------------------------------------------- */

enum nstatus { N_KEEP, N_DEFAULT, N_UNKNOWN, N_ELSEWHERE, N_OVERRIDDEN };

struct cand {
	size_t entry;             /* index into the profile's syscalls */
	const struct istr *name;
	enum nstatus st;
	size_t by;                /* N_OVERRIDDEN: the entry that decides */
	struct act act;
	int uncond;
};

static int on_plan(const struct iplan *p, const char *name)
{
	if (arch_syscall_nr(p->target, name) >= 0)
		return 1;
	for (size_t i = 0; i < p->nabis; i++)
		if (arch_syscall_nr(p->abis[i], name) >= 0)
			return 1;
	return 0;
}

static int in_any_table(const char *name)
{
	for (size_t i = 0; i < arch_nknown; i++)
		if (arch_syscall_nr(arch_known[i], name) >= 0)
			return 1;
	return 0;
}

/* An open-addressing index of names: the first rule without conditions
 * that decides each. */
struct name_slot {
	const char *name;
	long uncond;              /* candidate index, or -1 */
	long first;               /* the first kept candidate */
};

struct name_index {
	struct name_slot *v;
	size_t cap;
};

static struct name_slot *slot_of(struct name_index *ix, const char *name)
{
	unsigned h = 2166136261u;
	size_t at;

	for (const char *c = name; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	for (at = h & (ix->cap - 1); ix->v[at].name; at = (at + 1) & (ix->cap - 1))
		if (strcmp(ix->v[at].name, name) == 0)
			return &ix->v[at];
	ix->v[at].name = name;
	ix->v[at].uncond = -1;
	ix->v[at].first = -1;
	return &ix->v[at];
}

/* The calls i386 also reaches through socketcall or ipc.
 * TODO(abi merge): arch_mux_call() of the abi branch knows them; use it. */
static const char *mux_of(const char *name)
{
	static const char *const sock[] = {
		"socket", "bind", "connect", "listen", "accept", "getsockname",
		"getpeername", "socketpair", "send", "recv", "sendto", "recvfrom",
		"shutdown", "setsockopt", "getsockopt", "sendmsg", "recvmsg",
		"accept4", "recvmmsg", "sendmmsg", NULL,
	};
	static const char *const ipc[] = {
		"semop", "semget", "semctl", "semtimedop", "msgsnd", "msgrcv",
		"msgget", "msgctl", "shmat", "shmdt", "shmget", "shmctl", NULL,
	};

	for (size_t i = 0; sock[i]; i++)
		if (strcmp(name, sock[i]) == 0)
			return "socketcall";
	for (size_t i = 0; ipc[i]; i++)
		if (strcmp(name, ipc[i]) == 0)
			return "ipc";
	return NULL;
}

/* ---- when two conditional rules can both match --------------------------------- */

/* The values one condition lets through, as an interval when it is one. */
static int as_interval(const struct iarg *c, uint64_t *lo, uint64_t *hi)
{
	switch (c->op) {
	case IO_EQ: *lo = *hi = c->value; return 1;
	case IO_LT: *lo = 0; *hi = c->value - 1; return c->value > 0 ? 1 : -1;
	case IO_LE: *lo = 0; *hi = c->value; return 1;
	case IO_GT: *lo = c->value + 1; *hi = UINT64_MAX; return c->value < UINT64_MAX ? 1 : -1;
	case IO_GE: *lo = c->value; *hi = UINT64_MAX; return 1;
	default: return 0;
	}
}

/* 1 when no register value satisfies both X and Y (same index); 0 when
 * some may (or when it is too hard to tell). */
static int conds_disjoint(const struct iarg *x, const struct iarg *y)
{
	uint64_t xl = 0, xh = 0, yl = 0, yh = 0;
	int xi = as_interval(x, &xl, &xh), yi = as_interval(y, &yl, &yh);

	if (xi < 0 || yi < 0)               /* one never holds */
		return 1;
	if (xi && yi)
		return xh < yl || yh < xl;
	if (x->op == IO_MASKED_EQ && y->op == IO_MASKED_EQ)
		return ((x->value2 ^ y->value2) & x->value & y->value) != 0;
	if (x->op == IO_MASKED_EQ || y->op == IO_MASKED_EQ) {
		const struct iarg *m = x->op == IO_MASKED_EQ ? x : y, *o = m == x ? y : x;

		if (o->op == IO_EQ)
			return ((o->value ^ m->value2) & m->value) != 0;
		if (o->op == IO_NE)
			return m->value == UINT64_MAX && m->value2 == o->value;
		return 0;
	}
	/* One is !=: disjoint only from the interval that is its one value. */
	if (x->op == IO_NE && yi)
		return yl == yh && yl == x->value;
	if (y->op == IO_NE && xi)
		return xl == xh && xl == y->value;
	return 0;
}

static int rules_disjoint(const struct iarg *const *x, size_t nx,
			  const struct iarg *const *y, size_t ny)
{
	for (size_t i = 0; i < nx; i++)
		for (size_t j = 0; j < ny; j++)
			if (x[i]->index == y[j]->index && conds_disjoint(x[i], y[j]))
				return 1;
	return 0;
}

static int repeats_index(const struct isyscall *s)
{
	unsigned seen = 0;

	for (size_t i = 0; i < s->nargs; i++) {
		if (seen & (1u << s->args[i].index))
			return 1;
		seen |= 1u << s->args[i].index;
	}
	return 0;
}

/* The rules runc makes of entry S: one AND of all its conditions, or,
 * when an argument index repeats, one rule per condition. Rule K's
 * conditions in OUT (N of them); returns how many rules. */
static size_t rule_conds(const struct isyscall *s, size_t k, const struct iarg **out,
			 size_t *n)
{
	if (s->nargs && repeats_index(s)) {
		out[0] = &s->args[k];
		*n = 1;
		return s->nargs;
	}
	for (size_t i = 0; i < s->nargs; i++)
		out[i] = &s->args[i];
	*n = s->nargs;
	return 1;
}

/* Do two kept rules on one name (different actions) possibly both match?
 * Each may stand for several of runc's rules (repeated indexes). */
static int may_overlap(const struct isyscall *x, const struct isyscall *y)
{
	const struct iarg *cx[64], *cy[64];
	size_t nx, ny, rx, ry;

	if (x->nargs > 64 || y->nargs > 64)
		return 1;
	rx = rule_conds(x, 0, cx, &nx);
	ry = rule_conds(y, 0, cy, &ny);
	for (size_t i = 0; i < rx; i++)
		for (size_t j = 0; j < ry; j++) {
			rule_conds(x, i, cx, &nx);
			rule_conds(y, j, cy, &ny);
			if (!rules_disjoint(cx, nx, cy, ny))
				return 1;
		}
	return 0;
}

/* Candidates by name, then by place in the profile. */
static int by_name(const void *x, const void *y)
{
	const struct cand *a = *(const struct cand *const *)x;
	const struct cand *b = *(const struct cand *const *)y;
	int c = strcmp(a->name->s, b->name->s);

	return c ? c : (a < b ? -1 : a > b);
}

/* ---- the plan ----------------------------------------------------------------- */

static const char *action_word(struct act x, struct arena *a)
{
	switch (x.a) {
	case IA_KILL:
	case IA_KILL_THREAD: return "kill-thread";
	case IA_KILL_PROCESS: return "kill-process";
	case IA_TRAP: return "trap";
	case IA_ERRNO: return ar_printf(a, "errno(%u)", x.data);
	case IA_TRACE: return ar_printf(a, "trace(%u)", x.data);
	case IA_ALLOW: return "allow";
	case IA_LOG: return "log";
	case IA_NOTIFY: return "notify";
	case IA_COUNT: break;
	}
	return "?";
}

/* The rule(s) of entry S for NAMES (N of them) into L. */
static void push_rules(struct item_list *l, const struct isyscall *s, struct act x,
		       const struct istr *names, size_t n, struct arena *a)
{
	const struct iarg *tmp[64];
	size_t nc, count = s->nargs > 64 ? 1 : rule_conds(s, 0, tmp, &nc);

	if (s->nargs > 64 || (s->nargs && repeats_index(s))) {
		push(l, IT_COMMENT, s->path, "an argument index repeats: runc makes "
		     "each condition a rule of its own (any one of them matches)");
		count = s->nargs;
	}
	for (size_t k = 0; k < count; k++) {
		struct item *it = push(l, IT_RULE, NULL, NULL);
		struct irule *r = &it->rule;

		r->from = s;
		r->action = x.a;
		r->data = x.data;
		r->names = names;
		r->nnames = n;
		if (count > 1) {
			r->path = s->args[k].path;
			r->conds = ar_alloc(a, sizeof(*r->conds));
			r->conds[0] = &s->args[k];
			r->nconds = 1;
		} else {
			r->path = s->path;
			r->conds = ar_alloc(a, (s->nargs + 1) * sizeof(*r->conds));
			for (size_t i = 0; i < s->nargs; i++)
				r->conds[i] = &s->args[i];
			r->nconds = s->nargs;
		}
	}
}

/* Names of entry E with status ST (from C[lo..hi)), as a new array. */
static size_t names_with(const struct cand *c, size_t lo, size_t hi, enum nstatus st,
			 struct istr **out, struct arena *a)
{
	size_t n = 0;

	*out = ar_alloc(a, (hi - lo + 1) * sizeof(**out));
	for (size_t i = lo; i < hi; i++)
		if (c[i].st == st)
			(*out)[n++] = *c[i].name;
	return n;
}

static void name_comment(struct item_list *l, const char *path, const char *what,
			 const struct istr *names, size_t n, struct arena *a)
{
	if (n)
		push(l, IT_COMMENT, path, ar_printf(a, "%s: %s", what, list_of(names, n, a)));
}

static const char *abi_list(const struct iplan *p, struct arena *a)
{
	char buf[128];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "%s", p->target->name);

	for (size_t i = 0; i < p->nabis; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, ", %s", p->abis[i]->name);
	return ar_strdup(a, buf);
}

/* The profile's flags and listener are no part of a filter. */
static int flags_and_listener(const struct iprofile *p, struct iplan *plan,
			      struct arena *a, struct idiag *d)
{
	static const struct { const char *flag, *rt; } flags[] = {
		{ "SECCOMP_FILTER_FLAG_TSYNC", "BPFRT_TSYNC" },
		{ "SECCOMP_FILTER_FLAG_LOG", "BPFRT_LOG" },
		{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "BPFRT_SPEC_ALLOW" },
		{ "SECCOMP_FILTER_FLAG_NEW_LISTENER", "BPFRT_NEW_LISTENER" },
		{ "SECCOMP_FILTER_FLAG_TSYNC_ESRCH", "BPFRT_TSYNC_ESRCH" },
		{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL },
	};
	int rc = 0;

	for (size_t i = 0; i < p->nflags; i++) {
		size_t k;

		for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			if (strcmp(p->flags[i].s, flags[k].flag) == 0)
				break;
		if (k == sizeof(flags) / sizeof(flags[0])) {
			idiag_error(d, p->flags[i].path, "unknown flag \"%s\" (the runtime "
				    "spec's: SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW, "
				    "_WAIT_KILLABLE_RECV)", p->flags[i].s);
			rc = -1;
			continue;
		}
		if (flags[k].rt) {
			idiag_warn(d, IW_DROPPED, p->flags[i].path, "%s is no part of a "
				   "filter but of installing it: pass %s to bpfrt_install() "
				   "(the output notes it); runc 1.1 refuses profiles with "
				   "flags", flags[k].flag, flags[k].rt);
			note(plan, a, "the profile asks for %s: install with "
			     "bpfrt_install(prog, %s)", flags[k].flag, flags[k].rt);
		} else {
			idiag_warn(d, IW_DROPPED, p->flags[i].path, "%s is no part of a "
				   "filter, and bpfrt_install() has no flag for it: call "
				   "seccomp(2) yourself to use it", flags[k].flag);
			note(plan, a, "the profile asks for %s (seccomp(2) flag; "
			     "bpfrt_install() has none for it)", flags[k].flag);
		}
		push(&plan->head, IT_COMMENT, p->flags[i].path,
		     ar_printf(a, "%s: install the filter with it", flags[k].flag));
	}
	if (p->listener_path.s && p->listener_path.s[0])
		idiag_warn(d, IW_DROPPED, p->listener_path.path, "runc sends a notify "
			   "filter's listener to this socket; bpfrt_install(prog, "
			   "BPFRT_NEW_LISTENER) returns the listener, and passing it on "
			   "is up to the program that installs the filter");
	if (p->listener_metadata.s && p->listener_metadata.s[0])
		idiag_warn(d, IW_DROPPED, p->listener_metadata.path, "runc passes this "
			   "to the listener's agent; it is no part of a filter");
	return rc;
}

static int default_action(const struct iprofile *p, struct iplan *plan,
			  struct idiag *d)
{
	struct act x;

	if (!p->has_default) {
		if (p->nsyscalls == 0)
			idiag_error(d, p->root, "no defaultAction and no syscalls: runc "
				    "would run the container without seccomp");
		else
			idiag_error(d, p->root, "no defaultAction (runc refuses the profile)");
		return -1;
	}
	if (p->deflt == IA_NOTIFY) {
		idiag_error(d, p->default_path, "SCMP_ACT_NOTIFY cannot be the default "
			    "action: runc refuses it (its own write of the listener would "
			    "wait for the agent)");
		return -1;
	}
	x = act_of(p->deflt, p->has_default_errno, p->default_errno);
	if (check_errno(x, p->has_default_errno ? p->default_errno_path : p->default_path,
			d) < 0)
		return -1;
	plan->deflt = x.a;
	plan->ddata = x.data;
	return 0;
}

/* The i386 filter and socketcall/ipc: which rules mean something else
 * there than under runc (the plan's summary). DECIDED[0] (socketcall),
 * [1] (ipc): the entry whose rule without conditions decides the
 * multiplexer outright, or -1. */
static void mux_summary(struct iplan *plan, const struct import_options *o,
			const long decided[2], struct arena *a)
{
	const struct arch *i386 = NULL;

	for (size_t i = 0; i < plan->nabis; i++)
		if (strcmp(plan->abis[i]->name, "i386") == 0)
			i386 = plan->abis[i];
	if (!i386)
		return;
	for (size_t i = 0; i < plan->rules.n; i++) {
		const struct irule *r = &plan->rules.v[i].rule;

		if (plan->rules.v[i].kind != IT_RULE || r->nconds == 0)
			continue;
		for (size_t j = 0; j < r->nnames; j++) {
			const char *m = mux_of(r->names[j].s);
			int k = m && strcmp(m, "ipc") == 0;

			if (!m || arch_syscall_nr(i386, m) < 0)
				continue;
			/* Decided outright by a rule placed first: as under runc. */
			if (decided[k] >= 0)
				continue;
			if (action_allows(r->action) && !o->socketcall_open) {
				summary(plan, a, "i386: %s(%s) (%s): the rule's conditions "
					"are on arguments %s passes in memory, so this allow "
					"rule does not apply to it (fail closed: later rules or "
					"the default decide); runc lets every such call through "
					"(as --socketcall fail-open does)", m, r->names[j].s,
					r->path, m);
			} else if (action_allows(r->action)) {
				summary(plan, a, "i386: %s(%s) (%s): let through unchecked "
					"(--socketcall fail-open), where runc also tests the "
					"rule's conditions on other arguments against %s's own "
					"registers", m, r->names[j].s, r->path, m);
			} else {
				summary(plan, a, "i386: %s(%s) (%s): this rule's action applies "
					"to every such call (fail closed); runc tests its "
					"conditions on %s's own registers instead", m,
					r->names[j].s, r->path, m);
			}
		}
	}
}

int plan_build(const struct iprofile *p, const struct arch *target,
	       const struct import_options *o, const char *const *caps,
	       size_t ncaps, struct iplan *plan, struct arena *a, struct idiag *d)
{
	struct host h = { NULL, caps, ncaps, o };
	struct act deflt;
	struct cand *c = NULL;
	size_t nc = 0, ccap = 0, *first = NULL;
	const char **why = NULL;
	struct name_index ix = { NULL, 0 };
	struct item_list hoist = { NULL, 0, 0 };
	long decided[2] = { -1, -1 };
	size_t pairs = 0, norder = 0;
	struct cand **order;
	int rc = 0;

	memset(plan, 0, sizeof(*plan));
	plan->profile = p;
	plan->target = target;
	if (o->host_arch && !import_host_target(o->host_arch)) {
		idiag_error(d, NULL, "no host is called '%s' (amd64 or arm64)", o->host_arch);
		return -1;
	}
	/* moby's name of the host ("x86_64" given is "amd64"). */
	plan->host = h.arch = import_target_host(o->host_arch ?
						 import_host_target(o->host_arch) : target);
	if (default_action(p, plan, d) < 0 || pick_arches(p, target, o, plan, a, d) < 0 ||
	    flags_and_listener(p, plan, a, d) < 0)
		return -1;
	deflt = (struct act){ plan->deflt, plan->ddata };

	/* Rules moby keeps, and each of their names. */
	first = calloc(p->nsyscalls + 1, sizeof(*first));
	why = calloc(p->nsyscalls + 1, sizeof(*why));
	if (!first || !why) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	for (size_t e = 0; e < p->nsyscalls; e++) {
		const struct isyscall *s = &p->syscalls[e];
		const struct istr *names = s->has_name ? &s->name : s->names;
		size_t n = s->has_name ? 1 : s->nnames;
		struct act x = act_of(s->action, s->has_errno, s->errno_ret);

		first[e] = nc;
		if (p->format == IMPORT_DOCKER && (why[e] = left_out(s, &h, a)))
			continue;
		if (s->has_name && s->nnames) {
			idiag_error(d, s->path, "both \"name\" and \"names\" are given: moby "
				    "takes one or the other");
			rc = -1;
			continue;
		}
		if (n && check_errno(x, s->errno_path ? s->errno_path : s->action_path, d) < 0)
			rc = -1;
		for (size_t j = 0; j < n; j++) {
			struct cand *k;

			if (!names[j].s[0]) {
				idiag_error(d, names[j].path, "an empty syscall name (runc "
					    "refuses it)");
				rc = -1;
				continue;
			}
			if (x.a == IA_NOTIFY && strcmp(names[j].s, "write") == 0) {
				idiag_error(d, names[j].path, "SCMP_ACT_NOTIFY cannot be used "
					    "for write: runc refuses it (it writes the listener "
					    "to its parent through write)");
				rc = -1;
				continue;
			}
			c = grow(c, &ccap, nc, sizeof(*c));
			k = &c[nc++];
			memset(k, 0, sizeof(*k));
			k->entry = e;
			k->name = &names[j];
			k->act = x;
			k->uncond = s->nargs == 0;
			if (!in_any_table(names[j].s)) {
				k->st = N_UNKNOWN;
				idiag_warn(d, IW_UNKNOWN_SYSCALL, names[j].path, "unknown "
					   "syscall \"%s\": no table of bpfgen has it (x86_64, "
					   "i386, x32, aarch64, arm); left out, as runc leaves "
					   "out what libseccomp cannot resolve", names[j].s);
			} else if (!on_plan(plan, names[j].s)) {
				k->st = N_ELSEWHERE;
			} else if (act_eq(x, deflt)) {
				k->st = N_DEFAULT;
			}
		}
	}
	first[p->nsyscalls] = nc;

	/* libseccomp: on each syscall the first rule without conditions
	 * decides everything; otherwise all the conditional ones count. */
	for (ix.cap = 16; ix.cap < 2 * nc + 2; ix.cap *= 2)
		;
	ix.v = calloc(ix.cap, sizeof(*ix.v));
	if (!ix.v) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	for (size_t i = 0; i < nc; i++) {
		struct name_slot *sl;

		if (c[i].st != N_KEEP)
			continue;
		sl = slot_of(&ix, c[i].name->s);
		if (sl->first < 0)
			sl->first = (long)i;
		if (c[i].uncond && sl->uncond < 0)
			sl->uncond = (long)i;
	}
	for (size_t i = 0; i < nc; i++) {
		struct name_slot *sl;

		if (c[i].st != N_KEEP)
			continue;
		sl = slot_of(&ix, c[i].name->s);
		if (sl->uncond >= 0 && sl->uncond != (long)i) {
			c[i].st = N_OVERRIDDEN;
			c[i].by = c[sl->uncond].entry;
		}
	}
	/* Conditional rules on one name with different actions that may both
	 * match: first match decides here, libseccomp's merge may not. */
	order = malloc((nc + 1) * sizeof(*order));
	if (!order) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	for (size_t i = 0; i < nc; i++)
		if (c[i].st == N_KEEP && !c[i].uncond)
			order[norder++] = &c[i];
	qsort(order, norder, sizeof(*order), by_name);
	for (size_t i = 0, j; i < norder; i = j) {
		int warned = 0;

		for (j = i + 1; j < norder && strcmp(order[j]->name->s, order[i]->name->s) == 0; j++)
			;
		for (size_t x = i + 1; x < j && !warned && pairs < 1000000; x++)
			for (size_t y = i; y < x && !warned && pairs < 1000000; y++) {
				const struct cand *later = order[x], *earlier = order[y];

				if (act_eq(later->act, earlier->act))
					continue;
				pairs++;
				if (!may_overlap(&p->syscalls[earlier->entry],
						 &p->syscalls[later->entry]))
					continue;
				warned = idiag_warn(d, IW_OVERLAP, p->syscalls[later->entry].path,
					   "%s: this rule (%s) and the one at %s (%s) may both "
					   "match a call: here the earlier decides; libseccomp "
					   "merges them its own way and may decide otherwise, "
					   "or refuse the profile", later->name->s,
					   action_word(later->act, a),
					   p->syscalls[earlier->entry].path,
					   action_word(earlier->act, a)) || 1;
			}
	}
	free(order);

	/* The text, rule by rule. */
	for (size_t e = 0; e < p->nsyscalls; e++) {
		const struct isyscall *s = &p->syscalls[e];
		struct act x = act_of(s->action, s->has_errno, s->errno_ret);
		struct istr *names;
		size_t n, lo = first[e], hi = first[e + 1];
		struct item_list *to = &plan->rules;

		push(&plan->rules, IT_BLANK, NULL, NULL);
		if (why[e]) {
			push(&plan->rules, IT_COMMENT, s->path, ar_printf(a, "left out: %s",
									why[e]));
			continue;
		}
		push(&plan->rules, IT_COMMENT, s->path, s->comment && s->comment[0] ?
		     s->comment : NULL);
		n = names_with(c, lo, hi, N_KEEP, &names, a);
		/* An unconditional rule on socketcall or ipc decides every call
		 * through it, before the rules on the calls it multiplexes. */
		for (size_t i = 0; s->nargs == 0 && i < n; i++) {
			const char *m = strcmp(names[i].s, "socketcall") == 0 ? "socketcall" :
					strcmp(names[i].s, "ipc") == 0 ? "ipc" : NULL;

			if (!m)
				continue;
			struct istr *one = ar_alloc(a, sizeof(*one));

			*one = names[i];
			decided[m[0] == 'i'] = (long)e;
			push(&hoist, IT_BLANK, NULL, NULL);
			push(&hoist, IT_COMMENT, s->path, ar_printf(a, "%s: a rule without "
			     "conditions decides every %s call, whatever the rules on the "
			     "calls it multiplexes say (libseccomp): so it comes first", m, m));
			push_rules(&hoist, s, x, one, 1, a);
			memmove(&names[i], &names[i + 1], (n - i - 1) * sizeof(*names));
			n--;
			i--;
		}
		if (n)
			push_rules(to, s, x, names, n, a);
		n = names_with(c, lo, hi, N_DEFAULT, &names, a);
		if (n) {
			push(&plan->tail, IT_COMMENT, s->path, ar_printf(a, "%s is the "
			     "default action: runc skips the rule, which still counts for "
			     "on-newer; placed last, it decides nothing",
			     action_word(x, a)));
			push_rules(&plan->tail, s, x, names, n, a);
		}
		n = names_with(c, lo, hi, N_ELSEWHERE, &names, a);
		name_comment(to, s->path, ar_printf(a, "not on %s", abi_list(plan, a)),
			     names, n, a);
		n = names_with(c, lo, hi, N_UNKNOWN, &names, a);
		name_comment(to, s->path, "unknown to bpfgen (warned), left out", names, n, a);
		for (size_t i = lo; i < hi; i++)
			if (c[i].st == N_OVERRIDDEN)
				push(to, IT_COMMENT, s->path, ar_printf(a, "%s: decided by the "
				     "rule without conditions at %s (libseccomp keeps the "
				     "first such rule)", c[i].name->s,
				     p->syscalls[c[i].by].path));
	}
	if (hoist.n) {
		struct item_list all = { NULL, 0, 0 };

		append(&all, &hoist);
		append(&all, &plan->rules);
		free(plan->rules.v);
		plan->rules = all;
	}
	free(hoist.v);

	/* runc's -ENOSYS stub: for the ABIs the profile lists, unless the
	 * default lets calls through (allow, log, trace). */
	if (deflt.a != IA_ALLOW && deflt.a != IA_LOG && deflt.a != IA_TRACE) {
		if (o->no_enosys_stub)
			summary(plan, a, "%s: no -ENOSYS stub (--no-enosys-stub): numbers "
				"above those the rules name get the default, where runc "
				"answers ENOSYS", abi_list(plan, a));
		else if (plan->native_listed)
			plan->stub = 1;
		else if (plan->nabis)
			summary(plan, a, "%s: no -ENOSYS stub: runc adds one only for the "
				"architectures the profile lists (not %s), and on-newer "
				"covers every accepted ABI or none", abi_list(plan, a),
				scmp_native(target));
		else
			push(&plan->head, IT_COMMENT, plan->arch_path, ar_printf(a,
			     "no on-newer: the profile lists no architecture for %s, and "
			     "runc's -ENOSYS stub covers only those listed", target->name));
	}
	if (plan->dropped_abis)
		summary(plan, a, "%s: not accepted (--abi native): their calls get "
			"on-bad-arch (kill-thread), where runc runs them under the "
			"profile", plan->dropped_abis);
	mux_summary(plan, o, decided, a);
	for (size_t i = 0; i < nc; i++)
		if (c[i].st == N_KEEP && c[i].act.a == IA_NOTIFY) {
			note(plan, a, "rules notify: install with bpfrt_install(prog, "
			     "BPFRT_NEW_LISTENER) and serve the listener (runc does)");
			break;
		}
	free(c);
	free(first);
	free(why);
	free(ix.v);
	return rc;
}
