/* A recording written as a policy in bpfgen's language: one allow rule per
 * syscall (per argument tuple with --args), named constants where the
 * tables have one, sorted, with counts as comments; or, with --merge, only
 * what an existing policy does not allow yet, found by compiling it and
 * running each recorded call through the emulator. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/types.h"
#include "bpf/seccomp.h"
#include "bpf/sim.h"
#include "bpfgen/compile.h"
#include "bpfgen/diag.h"
#include "bpfgen/policy.h"
#include "tools/record/policy_out.h"

/* Allowed whether the run showed them or not: without them a program
 * cannot exit, return from a signal handler or resume an interrupted
 * sleep. */
static const char *const always[] = {
	"exit", "exit_group", "rt_sigreturn", "restart_syscall", NULL
};

#define COND_MAX 512
#define STR_(x) #x
#define STR(x) STR_(x)

/* One allow rule a recorded call needs. */
struct entry {
	const char *name;
	char cond[COND_MAX];    /* "" when unconditional */
	uint64_t count;
	const struct rec_abi *abi;
	uint32_t nr;
	uint64_t args[6];       /* the recorded values, for --merge */
	int has_vals;           /* args hold recorded values */
	const char *why;        /* why a syscall with an argspec has no conditions */
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static int is_always(const char *name)
{
	for (size_t i = 0; always[i]; i++)
		if (strcmp(always[i], name) == 0)
			return 1;
	return 0;
}

int policy_action_ok(const char *s)
{
	static const char *const plain[] = { "allow", "log", "kill-process",
		"kill-thread", "trap", "notify", NULL };
	size_t n;

	for (size_t i = 0; plain[i]; i++)
		if (strcmp(s, plain[i]) == 0)
			return 1;
	if (strncmp(s, "errno(", 6) == 0)
		s += 6;
	else if (strncmp(s, "trace(", 6) == 0)
		s += 6;
	else
		return 0;
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	return n > 0 && strcmp(s + n, ")") == 0;
}

static int name_skipped(const char *name, const char *const *skip)
{
	size_t len = strlen(name);

	for (size_t i = 0; skip && skip[i]; i++) {
		size_t sl = strlen(skip[i]);
		if (skip[i][0] == '_') { /* a suffix */
			if (len >= sl && strcmp(name + len - sl, skip[i]) == 0)
				return 1;
		} else if (strncmp(name, skip[i], sl) == 0) {
			return 1;
		}
	}
	return 0;
}

/* A constant every target knows: a policy names the same thing for both. */
static int on_every_target(const char *name)
{
	uint64_t v;

	for (size_t i = 0; i < arch_ntargets; i++)
		if (arch_constant(arch_targets[i], name, &v) != 0)
			return 0;
	return 1;
}

/* The first constant (prefixes in order, names in table order) whose
 * value is V in WIDTH bits, or NULL. */
static const char *constant_name(const struct arch *a, const struct rec_field *f,
				 uint64_t v)
{
	uint64_t mask = f->width == 32 ? 0xffffffffu : UINT64_MAX;

	for (size_t p = 0; f->prefixes && f->prefixes[p]; p++) {
		size_t pl = strlen(f->prefixes[p]);
		for (size_t i = 0; i < a->nconsts; i++) {
			const struct constant *c = &a->consts[i];
			if (strncmp(c->name, f->prefixes[p], pl) != 0 ||
			    (c->value & mask) != v || name_skipped(c->name, f->skip) ||
			    !on_every_target(c->name))
				continue;
			return c->name;
		}
	}
	return NULL;
}

/* clone flags as CLONE_A|CLONE_B when every bit has a name. */
static int flags_text(const struct arch *a, uint64_t v, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (int bit = 0; bit < 64; bit++) {
		const char *name = NULL;
		if (!(v & ((uint64_t)1 << bit)))
			continue;
		for (size_t i = 0; i < a->nconsts && !name; i++)
			if (strncmp(a->consts[i].name, "CLONE_", 6) == 0 &&
			    a->consts[i].value == ((uint64_t)1 << bit) &&
			    on_every_target(a->consts[i].name))
				name = a->consts[i].name;
		if (!name)
			return -1;
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s",
					len ? "|" : "", name);
	}
	return len < n ? 0 : -1;
}

static void value_text(const struct arch *a, const struct rec_field *f,
		       uint64_t v, char *buf, size_t n)
{
	const char *name;

	if (v == 0 && (f->kind == RF_PROTEXEC || f->kind == RF_CLONEFLAGS)) {
		snprintf(buf, n, "0");
		return;
	}
	if (f->kind == RF_CLONEFLAGS && flags_text(a, v, buf, n) == 0)
		return;
	name = f->kind == RF_CLONEFLAGS ? NULL : constant_name(a, f, v);
	if (name)
		snprintf(buf, n, "%s", name);
	else if (f->hex)
		snprintf(buf, n, "0x%" PRIx64, v);
	else
		snprintf(buf, n, "%" PRIu64, v);
}

/* The parameter's name where the compiler's tables know the syscall's
 * prototype (a typed compare); otherwise lo32()/arg64() of the register,
 * which mean the same without the tables. */
static void operand_text(const struct arch *a, const char *sys,
			 const struct rec_field *f, char *buf, size_t n)
{
	const struct syscall_proto *p = arch_syscall_proto(a, sys);

	if (p && p->known && f->arg < p->nparams)
		snprintf(buf, n, "%s", p->params[f->arg].name);
	else
		snprintf(buf, n, "%s(arg%d)", f->width == 32 ? "lo32" : "arg64", f->arg);
}

static uint64_t constant_or(const struct arch *a, const char *name, uint64_t dflt)
{
	uint64_t v;

	return arch_constant(a, name, &v) == 0 ? v : dflt;
}

/* The mask a field's condition applies, as text ("" for none). */
static void mask_text(const struct arch *a, const struct rec_field *f,
		      uint64_t v, char *buf, size_t n)
{
	switch (f->kind) {
	case RF_PLAIN:
		buf[0] = 0;
		break;
	case RF_SOCKTYPE:
		/* SOCK_TYPE_MASK (0xf) when the value is a plain type. */
		if (v <= 0xf)
			snprintf(buf, n, "0xf");
		else
			snprintf(buf, n, "0x%" PRIx64, 0xffffffffu &
				 ~(constant_or(a, "SOCK_CLOEXEC", 02000000) |
				   constant_or(a, "SOCK_NONBLOCK", 04000)));
		break;
	case RF_PROTEXEC:
		snprintf(buf, n, "PROT_EXEC");
		break;
	case RF_FUTEXOP:
		snprintf(buf, n, "0x%" PRIx64, 0xffffffffu &
			 ~(constant_or(a, "FUTEX_PRIVATE_FLAG", 128) |
			   constant_or(a, "FUTEX_CLOCK_REALTIME", 256)));
		break;
	case RF_CLONEFLAGS:
		snprintf(buf, n, "0xffffffffffffff00");
		break;
	}
}

static int cond_text(const struct arch *a, const char *sys,
		     const struct rec_argspec *s, const struct rec_values *t,
		     char *buf, size_t n)
{
	size_t len = 0;

	for (int i = 0; i < s->nfields; i++) {
		char op[64], mask[64], val[256];
		operand_text(a, sys, &s->f[i], op, sizeof(op));
		mask_text(a, &s->f[i], t->v[i], mask, sizeof(mask));
		value_text(a, &s->f[i], t->v[i], val, sizeof(val));
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0,
					"%s%s%s%s == %s", i ? " && " : "", op,
					mask[0] ? " & " : "", mask, val);
	}
	return len < n ? 0 : -1;
}

static int clone3_seen(const struct rec_abi *abi)
{
	for (size_t i = 0; i < abi->ncalls; i++) {
		const char *n = record_call_name(abi, abi->calls[i].nr);
		if (n && strcmp(n, "clone3") == 0)
			return 1;
	}
	return 0;
}

static struct entry *add_entry(struct entries *e)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		struct entry *v = realloc(e->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		e->v = v;
		e->cap = cap;
	}
	memset(&e->v[e->n], 0, sizeof(e->v[0]));
	return &e->v[e->n++];
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return strcmp(a->cond, b->cond);
}

/* Every allow rule the record needs, sorted by name and condition, one per
 * distinct rule text (a syscall seen on both targets gets one rule). */
static int collect(const struct record *r, struct entries *out)
{
	for (size_t i = 0; i < r->nabis; i++) {
		const struct rec_abi *abi = &r->abis[i];
		const struct arch *a = record_target(abi);
		if (!a)
			continue;
		for (size_t j = 0; j < abi->ncalls; j++) {
			const struct rec_call *c = &abi->calls[j];
			const char *name = record_call_name(abi, c->nr);
			size_t nv = c->spec && !c->too_many ? c->nvals : 0;
			const char *why = c->too_many ? "more than " STR(REC_MAX_VALUES)
				" distinct argument values: no conditions" : NULL;
			if (!name || is_always(name))
				continue;
			/* clone3 passes its flags in memory no filter can read:
			 * while it is allowed, conditions on clone's flags would
			 * protect nothing (the linter's -Wclone3 says so too). */
			if (nv && strcmp(name, "clone") == 0 && clone3_seen(abi)) {
				nv = 0;
				why = "clone3 is allowed too, and no filter can read its "
				      "flags: no conditions";
			}
			for (size_t k = 0; k < (nv ? nv : 1); k++) {
				struct entry *e = add_entry(out);
				if (!e)
					return -1;
				e->name = name;
				e->abi = abi;
				e->nr = c->nr;
				e->count = nv ? c->vals[k].count : c->count;
				e->why = why;
				if (!nv)
					continue;
				e->has_vals = 1;
				for (int f = 0; f < c->spec->nfields; f++)
					e->args[c->spec->f[f].arg] = c->vals[k].v[f];
				if (cond_text(a, name, c->spec, &c->vals[k], e->cond,
					      sizeof(e->cond)) != 0)
					return -1;
			}
		}
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), entry_cmp);
	size_t w = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (w && entry_cmp(&out->v[w - 1], &out->v[i]) == 0) {
			out->v[w - 1].count += out->v[i].count;
			continue;
		}
		out->v[w++] = out->v[i];
	}
	out->n = w;
	return 0;
}

static void write_rule(FILE *out, const struct entry *e)
{
	char text[COND_MAX + 128];
	int n = snprintf(text, sizeof(text), "allow: %s%s%s", e->name,
			 e->cond[0] ? " if " : "", e->cond);

	fprintf(out, "%s%*s # %" PRIu64 "%s%s%s\n", text, n < 40 ? 40 - n : 0, "",
		e->count, e->why ? " (" : "", e->why ? e->why : "", e->why ? ")" : "");
}

/* Calls no rule can allow: foreign ABIs, which on-bad-arch / on-x32
 * decide, and numbers without a name. Said in the policy and on ERR. */
static void write_foreign(FILE *out, const struct record *r, const char *tool,
			  FILE *err)
{
	char buf[32];

	for (size_t i = 0; i < r->nabis; i++) {
		const struct rec_abi *abi = &r->abis[i];
		const char *an = record_abi_name(abi, buf, sizeof(buf));
		int target = record_target(abi) != NULL;
		if (!target) {
			fprintf(out, "\n# WARNING: %" PRIu64 " call%s of the %s ABI %s seen. "
				"No rule can allow them:\n# this policy's %s action "
				"(default kill-process) decides every one.\n",
				abi->total, abi->total == 1 ? "" : "s", an,
				abi->total == 1 ? "was" : "were",
				abi->x32 ? "on-x32" : "on-bad-arch");
			fprintf(err, "%s: WARNING: %" PRIu64 " call%s of the foreign "
				"%s ABI (%s decides them, not the rules)\n", tool, abi->total,
				abi->total == 1 ? "" : "s", an, abi->x32 ? "on-x32" : "on-bad-arch");
		}
		for (size_t j = 0; j < abi->ncalls; j++) {
			const struct rec_call *c = &abi->calls[j];
			const char *name = record_call_name(abi, c->nr);
			if (!target)
				fprintf(out, "#   %s %s (%" PRIu32 "): %" PRIu64 "\n", an,
					name ? name : "?", c->nr, c->count);
			else if (!name)
				fprintf(out, "# %s: syscall number %" PRIu32 " has no name, "
					"no rule can allow it: %" PRIu64 " call%s\n", an, c->nr,
					c->count, c->count == 1 ? "" : "s");
		}
	}
}

static void write_header(FILE *out, const struct record *r,
			 const struct policy_out_opts *o)
{
	char buf[32];

	for (size_t i = 0; o->header && o->header[i]; i++)
		fprintf(out, "# %s\n", o->header[i]);
	for (size_t i = 0; i < r->nabis; i++)
		fprintf(out, "# %s: %zu system call%s, %" PRIu64 " call%s seen\n",
			record_abi_name(&r->abis[i], buf, sizeof(buf)), r->abis[i].ncalls,
			r->abis[i].ncalls == 1 ? "" : "s", r->abis[i].total,
			r->abis[i].total == 1 ? "" : "s");
}

static int write_new(FILE *out, const struct record *r,
		     const struct policy_out_opts *o, const struct entries *e,
		     FILE *err)
{
	write_header(out, r, o);
	fprintf(out, "\ndefault %s\n\n", o->deflt);
	fprintf(out, "# Every program needs these to exit and to survive signals, "
		"seen or not.\nallow: ");
	for (size_t i = 0; always[i]; i++)
		fprintf(out, "%s%s", i ? ", " : "", always[i]);
	fprintf(out, "\n\n# Seen (counts are approximate).\n");
	for (size_t i = 0; i < e->n; i++)
		write_rule(out, &e->v[i]);
	write_foreign(out, r, o->tool, err);
	return 0;
}

/* ---- --merge ------------------------------------------------------------ */

static char *read_text(const char *path, FILE *err)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f) {
		fprintf(err, "%s: error: cannot read: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 8192);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	buf[len] = 0;
	if (ferror(f)) {
		fprintf(err, "%s: error: cannot read: %s\n", path, strerror(errno));
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Where added rules go: before OLD's first rule or include, so that they
 * come first (the first matching rule decides) but after its header
 * comment and its default / on-bad-arch / on-x32 lines. */
static size_t insert_point(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *s = p + strspn(p, " \t");
		const char *nl = strchr(p, '\n');
		size_t next = nl ? (size_t)(nl - text) + 1 : strlen(text);
		if (*s && *s != '\n' && *s != '#' && strncmp(s, "default", 7) != 0 &&
		    strncmp(s, "on-bad-arch", 11) != 0 && strncmp(s, "on-x32", 6) != 0)
			return (size_t)(p - text);
		p = text + next;
	}
	return (size_t)(p - text);
}

static const enum action_kind sentinels[] = { A_NOTIFY, A_TRAP, A_KILL_THREAD, A_LOG };
static const uint32_t sentinel_ret[] = { ACT_USER_NOTIF, ACT_TRAP, ACT_KILL_THREAD, ACT_LOG };

/* OLD compiled twice per target: as written, and with a default action no
 * rule uses, so that the emulator tells "the default decided" from "a rule
 * decided". */
struct old_policy {
	struct program prog[8], probe[8];
	const struct arch *arch[8];
	size_t n;
	uint32_t sentinel;
};

static int compile_old(struct policy_ast *ast, const struct record *r,
		       struct old_policy *op, const char *path, FILE *err)
{
	struct compile_options copts = { 0 };
	struct diag diag = { .out = err };
	struct diag quiet = { .out = NULL };
	size_t s = 0;
	int rc = 0;

	for (; s < sizeof(sentinels) / sizeof(sentinels[0]); s++) {
		int used = ast->deflt.kind == sentinels[s];
		for (size_t i = 0; i < ast->nrules && !used; i++)
			used = ast->rules[i].action.kind == sentinels[s];
		if (!used)
			break;
	}
	if (s == sizeof(sentinels) / sizeof(sentinels[0])) {
		fprintf(err, "%s: error: --merge needs one of notify, trap, kill-thread "
			"or log unused by the policy\n", path);
		return -1;
	}
	op->sentinel = sentinel_ret[s];
	for (size_t i = 0; i < r->nabis && rc == 0; i++) {
		const struct arch *a = record_target(&r->abis[i]);
		size_t k = 0;
		while (k < op->n && op->arch[k] != a)
			k++;
		if (!a || k < op->n || op->n == 8)
			continue;
		if (compile_policy(ast, a, &copts, &op->prog[op->n], &diag) != 0) {
			rc = -1;
			break;
		}
		struct action_ast saved = ast->deflt;
		ast->deflt.kind = sentinels[s];
		ast->deflt.has_arg = 0;
		rc = compile_policy(ast, a, &copts, &op->probe[op->n], &quiet);
		ast->deflt = saved;
		op->arch[op->n++] = a;
		if (rc != 0)
			program_free(&op->prog[op->n - 1]);
	}
	if (rc != 0)
		fprintf(err, "%s: error: --merge: the policy does not compile\n", path);
	diag_free(&diag);
	diag_free(&quiet);
	return rc;
}

enum verdict { V_ALLOWED, V_ADD, V_RULE };

/* What OLD does with entry E: allows it already, leaves it to its default
 * (the rule is added), or decides it by a rule of its own (reported, not
 * overridden). A call recorded without arguments on a syscall OLD has
 * rules for is left to the reader too: which arguments it had is unknown. */
static enum verdict judge(const struct old_policy *op, const struct entry *e,
			  uint32_t *ret)
{
	const struct arch *a = record_target(e->abi);
	struct sim_data d = { .nr = e->nr, .arch = e->abi->audit_arch };
	size_t k = 0;

	while (k < op->n && op->arch[k] != a)
		k++;
	memcpy(d.args, e->args, sizeof(d.args));
	*ret = sim_effective(sim_run(op->prog[k].insns, op->prog[k].len, &d, NULL));
	if ((*ret & ACT_FULL_MASK) == ACT_ALLOW)
		return V_ALLOWED;
	if (!e->has_vals)
		for (size_t i = 0; i < op->prog[k].nnamed; i++)
			if (op->prog[k].named[i] == e->nr)
				return V_RULE;
	if (sim_run(op->probe[k].insns, op->probe[k].len, &d, NULL) == op->sentinel)
		return V_ADD;
	return V_RULE;
}

static int write_merged(FILE *out, const struct record *r,
			const struct policy_out_opts *o, const struct entries *e,
			FILE *err)
{
	struct diag diag = { .out = err };
	struct policy_ast *ast;
	struct old_policy op;
	char *text = read_text(o->merge, err);
	size_t at, added = 0, kept = 0;
	int rc = -1;

	memset(&op, 0, sizeof(op));
	if (!text)
		return -1;
	ast = policy_parse_file(o->merge, &diag);
	diag_free(&diag);
	if (!ast || compile_old(ast, r, &op, o->merge, err) != 0)
		goto out;
	at = insert_point(text);
	fwrite(text, 1, at, out);
	if (at && text[at - 1] != '\n')
		fputc('\n', out);
	fprintf(out, "# ---- added by %s: recorded calls %s did not allow ----\n",
		o->tool, o->merge);
	for (size_t i = 0; o->header && o->header[i]; i++)
		fprintf(out, "# %s\n", o->header[i]);
	for (size_t i = 0; i < e->n; i++) {
		char act[48];
		uint32_t ret;
		switch (judge(&op, &e->v[i], &ret)) {
		case V_ALLOWED:
			break;
		case V_ADD:
			write_rule(out, &e->v[i]);
			added++;
			break;
		case V_RULE:
			seccomp_action_format(ret, act, sizeof(act));
			fprintf(out, "# NOT ADDED, a rule below decides it (%s%s%s on %s: "
				"%s): review\n", e->v[i].name, e->v[i].cond[0] ? " if " : "",
				e->v[i].cond[0] ? e->v[i].cond : "",
				record_target(e->v[i].abi)->name, act);
			fprintf(err, "%s: warning: %s%s%s was recorded but a rule of the "
				"policy decides it (%s); not added\n", o->merge, e->v[i].name,
				e->v[i].cond[0] ? " if " : "", e->v[i].cond, act);
			kept++;
			break;
		}
	}
	write_foreign(out, r, o->tool, err);
	fprintf(out, "# ---- end of added rules (%zu added, %zu left to review) ----\n\n",
		added, kept);
	fputs(text + at, out);
	rc = 0;
out:
	for (size_t i = 0; i < op.n; i++) {
		program_free(&op.prog[i]);
		program_free(&op.probe[i]);
	}
	policy_free(ast);
	free(text);
	return rc;
}

int policy_write(FILE *out, const struct record *r,
		 const struct policy_out_opts *o, FILE *err)
{
	struct entries e = { 0 };
	int rc;

	if (collect(r, &e) != 0) {
		fprintf(err, "%s: error: out of memory\n", o->tool);
		free(e.v);
		return -1;
	}
	rc = o->merge ? write_merged(out, r, o, &e, err) : write_new(out, r, o, &e, err);
	free(e.v);
	return rc;
}
