/* Import stage 3: the plan in bpfgen's policy language. Every rule follows
 * a comment with the JSON path it comes from, and every name and
 * condition is remembered with its own path (spans), so that what the
 * compiler says about the text can name the place in the profile. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/types.h"
#include "import/plan.h"

#define WIDTH 78

struct text {
	char *buf;
	size_t len, cap;
	int line, col;               /* where the next byte goes, from 1 */
	struct import_span *spans;
	size_t nspans, spans_cap;
};

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? 2 * *cap : 256;
	v = realloc(v, *cap * size);
	if (!v) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	return v;
}

static void put(struct text *t, const char *s)
{
	for (; *s; s++) {
		t->buf = grow(t->buf, &t->cap, t->len + 1, 1);
		t->buf[t->len++] = *s;
		if (*s == '\n') {
			t->line++;
			t->col = 1;
		} else {
			t->col++;
		}
	}
}

static void putf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct text *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(t, buf);
}

/* TOKEN, remembered as coming from PATH. */
static void put_token(struct text *t, const char *token, const char *path)
{
	struct import_span *s;

	t->spans = grow(t->spans, &t->spans_cap, t->nspans, sizeof(*t->spans));
	s = &t->spans[t->nspans++];
	s->line = t->line;
	s->col = t->col;
	put(t, token);
	s->end_col = t->col;
	s->path = path;
}

/* A comment's text comes from the profile: it must stay one line. */
static void put_comment_text(struct text *t, const char *s)
{
	char buf[8];
	size_t n = 0;

	for (; *s && n < 4000; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f) {
			snprintf(buf, sizeof(buf), "\\x%02x", c);
			put(t, buf);
		} else {
			buf[0] = (char)c;
			buf[1] = '\0';
			put(t, buf);
		}
	}
	if (*s)
		put(t, "...");
}

/* "# PATH: TEXT", TEXT wrapped at spaces into "#   ..." lines. */
static void comment(struct text *t, const char *path, const char *text)
{
	put(t, "# ");
	if (path)
		put_comment_text(t, path);
	if (path && text)
		put(t, ": ");
	for (int first = 1; text && *text; first = 0) {
		size_t word = strcspn(text, " ");
		char *w = strndup(text, word);

		if (!w) {
			fputs("bpfgen: out of memory\n", stderr);
			exit(2);
		}
		if (!first)
			put(t, t->col > 12 && t->col + 1 + (int)word > WIDTH ? "\n#   " : " ");
		put_comment_text(t, w);
		free(w);
		text += word;
		while (*text == ' ')
			text++;
	}
	put(t, "\n");
}

/* ---- words --------------------------------------------------------------------- */

static int errno_alias(const char *name)
{
	return strncmp(name, "EPOLL", 5) == 0 || strcmp(name, "EWOULDBLOCK") == 0 ||
	       strcmp(name, "EDEADLOCK") == 0 || strcmp(name, "ENOTSUP") == 0;
}

/* The errno name of V on A ("EPERM"), or NULL. */
static const char *errno_name(const struct arch *a, unsigned v)
{
	for (size_t i = 0; i < a->nconsts; i++) {
		const char *n = a->consts[i].name;
		const char *c = n + 1;

		if (n[0] != 'E' || a->consts[i].value != v || errno_alias(n))
			continue;
		while ((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
			c++;
		if (!*c)
			return n;
	}
	return NULL;
}

static const char *action_text(const struct arch *a, enum imp_action k, unsigned data,
			       char *buf, size_t size)
{
	const char *e;

	switch (k) {
	case IA_KILL:
	case IA_KILL_THREAD: return "kill-thread";
	case IA_KILL_PROCESS: return "kill-process";
	case IA_TRAP: return "trap";
	case IA_ALLOW: return "allow";
	case IA_LOG: return "log";
	case IA_NOTIFY: return "notify";
	case IA_ERRNO:
		e = errno_name(a, data);
		if (e)
			snprintf(buf, size, "errno(%s)", e);
		else
			snprintf(buf, size, "errno(%u)", data);
		return buf;
	case IA_TRACE:
		snprintf(buf, size, "trace(%u)", data);
		return buf;
	case IA_COUNT: break;
	}
	return "?";
}

static void num(char *buf, size_t size, uint64_t v)
{
	if (v < 10)
		snprintf(buf, size, "%llu", (unsigned long long)v);
	else
		snprintf(buf, size, "0x%llx", (unsigned long long)v);
}

static const char *op_text(enum imp_op op)
{
	static const char *const ops[IO_COUNT] = {
		[IO_NE] = "!=", [IO_LT] = "<", [IO_LE] = "<=", [IO_EQ] = "==",
		[IO_GE] = ">=", [IO_GT] = ">", [IO_MASKED_EQ] = "==",
	};
	return ops[op];
}

/* ---- typed compares (--typed) -------------------------------------------------- */

/* X as a WIDTH-bit value without loss (its upper bits zero). */
static int fits(uint64_t x, int width)
{
	return width >= 64 || (x >> width) == 0;
}

/* The parameter condition C compares for syscall NAME on every ABI of
 * PLAN that has NAME, if all agree on a known type it can be typed by;
 * else NULL and why in *WHY. */
static const struct syscall_param *typed_param(const struct iplan *plan,
					       const char *name, const struct iarg *c,
					       const char **why)
{
	const struct syscall_param *found = NULL;
	const struct arch *abis[5];
	size_t n = 0;

	abis[n++] = plan->target;
	for (size_t i = 0; i < plan->nabis; i++)
		abis[n++] = plan->abis[i];
	for (size_t i = 0; i < n; i++) {
		const struct syscall_proto *p = arch_syscall_proto(abis[i], name);
		const struct syscall_param *q;
		int width;

		if (arch_syscall_nr(abis[i], name) < 0)
			continue;
		if (!p || !p->known) {
			*why = "its parameter types are unknown";
			return NULL;
		}
		if ((int)c->index >= p->nparams) {
			*why = "the kernel never reads that register";
			return NULL;
		}
		q = &p->params[c->index];
		width = q->is_pointer ? 64 : q->width;
		if (found && (strcmp(found->name, q->name) != 0 ||
			      found->width != q->width || found->is_signed != q->is_signed)) {
			*why = "its ABIs type the parameter differently";
			return NULL;
		}
		if (!fits(c->value, width) ||
		    (c->op == IO_MASKED_EQ && !fits(c->value & c->value2, width))) {
			*why = "the value does not fit the parameter";
			return NULL;
		}
		/* A signed order against a value with the top bit set would turn
		 * into a compare with a negative number: not what runc meant. */
		if (q->is_signed && !q->is_pointer && width < 64 && c->op != IO_EQ &&
		    c->op != IO_NE && c->op != IO_MASKED_EQ && (c->value >> (width - 1))) {
			*why = "the value is negative as the parameter's signed type";
			return NULL;
		}
		found = q;
	}
	if (!found)
		*why = "no accepted ABI has the syscall";
	return found;
}

/* Condition C of a rule on NAME, into BUF. Typed when asked and possible;
 * *TYPED then points at the parameter. */
static void cond_text(const struct iplan *plan, const struct import_options *o,
		      const char *name, const struct iarg *c, char *buf, size_t size,
		      const struct syscall_param **typed, const char **why)
{
	char v[32], m[32], operand[64];

	*typed = NULL;
	*why = NULL;
	if (o->typed)
		*typed = typed_param(plan, name, c, why);
	if (*typed)
		snprintf(operand, sizeof(operand), "%s", (*typed)->name);
	else
		snprintf(operand, sizeof(operand), "arg64(arg%u)", c->index);
	if (c->op == IO_MASKED_EQ) {
		/* libseccomp masks the datum too: (arg & value) == (valueTwo & value). */
		num(m, sizeof(m), c->value);
		num(v, sizeof(v), c->value2 & c->value);
		snprintf(buf, size, "%s & %s == %s", operand, m, v);
	} else {
		num(v, sizeof(v), c->value);
		snprintf(buf, size, "%s %s %s", operand, op_text(c->op), v);
	}
}

/* ---- rules ------------------------------------------------------------------- */

struct typed_note {
	const char *path, *name, *cond;
	const struct syscall_param *param;
};

struct writer {
	struct text t;
	const struct iplan *plan;
	const struct import_options *o;
	struct arena *a;
	struct typed_note *typed;     /* conditions --typed changed */
	size_t ntyped, typed_cap;
	char **untyped;               /* conditions --typed kept whole, and why */
	size_t nuntyped, untyped_cap;
};

/* One line of the text: the rule R for NAMES[IDX[0..N)], whose
 * conditions render as CONDS (NC of them). */
static void rule_line(struct writer *w, const struct irule *r, const size_t *idx, size_t n,
		      char conds[][160], size_t nc)
{
	struct text *t = &w->t;
	char abuf[64];
	const char *act = action_text(w->plan->target, r->action, r->data, abuf, sizeof(abuf));
	int indent;

	put_token(t, act, r->path);
	put(t, ": ");
	indent = t->col - 1;
	for (size_t i = 0; i < n; i++) {
		const struct istr *nm = &r->names[idx[i]];

		if (i) {
			put(t, ",");
			if (t->col + 1 + (int)strlen(nm->s) + 1 > WIDTH) {
				put(t, "\n");
				for (int k = 0; k < indent; k++)
					put(t, " ");
			} else {
				put(t, " ");
			}
		}
		put_token(t, nm->s, nm->path);
	}
	for (size_t i = 0; i < nc; i++) {
		if (i == 0) {
			put(t, " if ");
		} else if (t->col + 4 + (int)strlen(conds[i]) > WIDTH) {
			put(t, " &&\n");
			for (int k = 0; k < indent; k++)
				put(t, " ");
		} else {
			put(t, " && ");
		}
		put_token(t, conds[i], r->conds[i]->path);
	}
	put(t, "\n");
}

static void remember_typed(struct writer *w, const struct irule *r, const char *name,
			   const char *cond, const struct iarg *c,
			   const struct syscall_param *q, const char *why)
{
	if (!w->o->typed || r->nconds == 0)
		return;
	/* A 64-bit unsigned parameter is compared as runc compares it. */
	if (q && (q->is_pointer || (q->width == 64 && !q->is_signed)))
		return;
	if (q) {
		struct typed_note *n;

		w->typed = grow(w->typed, &w->typed_cap, w->ntyped, sizeof(*w->typed));
		n = &w->typed[w->ntyped++];
		n->path = c->path;
		n->name = name;
		n->cond = ar_strdup(w->a, cond);
		n->param = q;
	} else {
		w->untyped = grow(w->untyped, &w->untyped_cap, w->nuntyped,
				  sizeof(*w->untyped));
		w->untyped[w->nuntyped++] = ar_printf(w->a, "%s %s (%s): %s", name, cond,
						      c->path, why);
	}
}

/* Rule R: names whose conditions read alike share one line. */
static void write_rule(struct writer *w, const struct irule *r)
{
	size_t n = r->nnames, nc = r->nconds;
	char (*text)[6][160] = calloc(n ? n : 1, sizeof(*text));
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	int *done = calloc(n ? n : 1, sizeof(*done));

	if (!text || !idx || !done || r->nconds > 6) {
		/* More than 6 cannot be: a rule's indexes are distinct (0..5),
		 * or each condition is a rule of its own. */
		fputs(r->nconds > 6 ? "bpfgen: internal error: a rule with more than "
		      "6 conditions\n" : "bpfgen: out of memory\n", stderr);
		exit(2);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nc; k++) {
			const struct syscall_param *q;
			const char *why;

			cond_text(w->plan, w->o, r->names[i].s, r->conds[k], text[i][k],
				  sizeof(text[i][k]), &q, &why);
			remember_typed(w, r, r->names[i].s, text[i][k], r->conds[k], q, why);
		}
	for (size_t i = 0; i < n; i++) {
		size_t m = 0;

		if (done[i])
			continue;
		for (size_t j = i; j < n; j++) {
			size_t k;

			for (k = 0; k < nc && !done[j]; k++)
				if (strcmp(text[i][k], text[j][k]) != 0)
					break;
			if (!done[j] && k == nc) {
				idx[m++] = j;
				done[j] = 1;
			}
		}
		rule_line(w, r, idx, m, text[i], nc);
	}
	free(text);
	free(idx);
	free(done);
}

static void write_items(struct writer *w, const struct item_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct item *it = &l->v[i];

		if (it->kind == IT_BLANK)
			put(&w->t, "\n");
		else if (it->kind == IT_COMMENT)
			comment(&w->t, it->path, it->text);
		else
			write_rule(w, &it->rule);
	}
}

/* ---- the whole text ------------------------------------------------------------ */

static void header(struct writer *w, const char *file)
{
	const struct iplan *p = w->plan;
	const struct iprofile *pr = p->profile;
	struct text *t = &w->t;
	char abuf[64];

	put(t, "# Imported by bpfgen from ");
	put_comment_text(t, file);
	putf(t, ", %s profile%s,\n", pr->format == IMPORT_DOCKER ? "a Docker/Podman" :
	     "an OCI runtime-spec", strcmp(pr->root, "$") ? " (its linux.seccomp)" : "");
	putf(t, "# for %s hosts (target %s): what runc 1.1 installs for it (Docker's\n",
	     p->host, p->target->name);
	put(t, "# rules kept as moby 20.10 keeps them, several rules on one syscall\n"
	       "# deciding as libseccomp merges them).\n");
	if (pr->format == IMPORT_DOCKER) {
		put(t, "# Capabilities: ");
		put_comment_text(t, p->caps_text);
		put(t, "\n");
		if (w->o->has_kernel)
			putf(t, "# Kernel: %u.%u (minKernel).\n", w->o->kernel_major,
			     w->o->kernel_minor);
		else
			put(t, "# Kernel: newer than any minKernel (--kernel X.Y picks one).\n");
	}
	if (w->o->typed)
		put(t, "# Conditions compare what the kernel reads (--typed), where the\n"
		       "# parameter's type is known; elsewhere whole registers (arg64).\n");
	else
		put(t, "# Conditions compare whole 64-bit registers (arg64), as libseccomp does.\n");
	put(t, "# Each rule follows a comment with the JSON path it comes from.\n\n");

	comment(t, p->profile->default_path, NULL);
	put(t, "default ");
	put_token(t, action_text(p->target, p->deflt, p->ddata, abuf, sizeof(abuf)),
		  pr->has_default_errno ? pr->default_errno_path : pr->default_path);
	put(t, "\n");
	comment(t, NULL, "runc leaves libseccomp's action for calls of other "
		"architectures: kill-thread");
	put_token(t, "on-bad-arch", pr->root);
	put(t, " kill-thread\n");
	if (strcmp(p->target->name, "x86_64") == 0)
		put(t, "on-x32 kill-thread\n");
	if (p->nabis) {
		comment(t, p->arch_path, NULL);
		put_token(t, "abi", p->arch_path);
		putf(t, " %s: native", p->target->name);
		for (size_t i = 0; i < p->nabis; i++)
			putf(t, ", %s", p->abis[i]->name);
		put(t, "\n");
	}
	if (w->o->socketcall_open) {
		comment(t, NULL, "--socketcall fail-open: on i386, an allow rule with "
			"conditions lets socketcall(SYS_<CALL>) through unchecked, as "
			"runc does (its conditions cannot be checked there: bypassable)");
		put(t, "socketcall fail-open\n");
	}
	if (p->stub) {
		comment(t, NULL, "runc's -ENOSYS stub (patchbpf): on each ABI, numbers "
			"above the largest any rule names");
		put_token(t, "on-newer", p->arch_path);
		put(t, " errno(ENOSYS)\n");
	}
	write_items(w, &p->head);
}

/* The per-ABI summary of where the result differs from runc on purpose. */
static char *summary_text(const struct writer *w, const char *file)
{
	const struct iplan *p = w->plan;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char abis[128];
	size_t n = (size_t)snprintf(abis, sizeof(abis), "%s", p->target->name);

	if (!f) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	for (size_t i = 0; i < p->nabis; i++)
		n += (size_t)snprintf(abis + n, sizeof(abis) - n, ", %s", p->abis[i]->name);
	if (p->nsummary + w->ntyped + w->nuntyped == 0) {
		fprintf(f, "%s: note: %s (ABIs %s): no deliberate difference from runc\n",
			file, p->target->name, abis);
	} else {
		fprintf(f, "%s: note: %s (ABIs %s): where the filter differs from runc's "
			"on purpose:\n", file, p->target->name, abis);
		for (size_t i = 0; i < p->nsummary; i++)
			fprintf(f, "%s: note:   %s\n", file, p->summary[i]);
		for (size_t i = 0; i < w->ntyped; i++) {
			const struct typed_note *t = &w->typed[i];
			const struct syscall_param *q = t->param;

			fprintf(f, "%s: note:   %s: --typed: %s %s (%s) compares %s as the "
				"kernel reads it (%s, %d bits%s); runc compares the whole "
				"register, unsigned (its low word on 32-bit ABIs)\n", file,
				abis, t->name, t->cond, t->path, q->name, q->ctype,
				q->is_pointer ? 64 : q->width, q->is_signed && !q->is_pointer ?
				", signed order" : "");
		}
		for (size_t i = 0; i < w->nuntyped; i++)
			fprintf(f, "%s: note:   %s: --typed left it a whole-register "
				"compare, as runc: %s\n", file, abis, w->untyped[i]);
	}
	fclose(f);
	return buf;
}

void plan_write(const struct iplan *plan, const struct import_options *o,
		const char *file, struct import_result *out, struct arena *a)
{
	struct writer w;

	memset(&w, 0, sizeof(w));
	w.plan = plan;
	w.o = o;
	w.a = a;
	w.t.line = w.t.col = 1;
	header(&w, file);
	write_items(&w, &plan->rules);
	if (plan->tail.n) {
		put(&w.t, "\n");
		comment(&w.t, NULL, "Rules whose action is the default: runc skips them. "
			"They count for on-newer, and placed last they decide nothing.");
		write_items(&w, &plan->tail);
	}
	w.t.buf = grow(w.t.buf, &w.t.cap, w.t.len + 1, 1);
	w.t.buf[w.t.len] = '\0';
	out->text = w.t.buf;
	out->len = w.t.len;
	out->spans = w.t.spans;
	out->nspans = w.t.nspans;
	out->summary = summary_text(&w, file);
	free(w.typed);
	free(w.untyped);
}
