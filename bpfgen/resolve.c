/* Stage 2: resolve names and constants for one architecture. Everything
 * that can be wrong with a policy's words is reported here, with the
 * position of the word. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/groups.h"
#include "bpfgen/resolve.h"
#include "bpfgen/seccomp.h"
#include "bpfgen/suggest.h"
#include "bpfgen/util.h"

struct resolver {
	const struct arch *arch;
	const struct resolve_options *opts;
	struct resolved *out;
	struct diag *diag;
};

static void add_note(struct resolved *r, const char *text)
{
	char **slot;

	for (size_t i = 0; i < r->nnotes; i++)
		if (strcmp(r->notes[i], text) == 0)
			return;
	slot = vec_push(&r->notes, &r->nnotes, &r->notes_cap, sizeof(*slot));
	*slot = xstrdup(text);
}

static const struct arch *other_target_with_constant(const struct arch *a,
						      const char *name)
{
	uint64_t v;

	for (size_t i = 0; i < arch_ntargets; i++)
		if (arch_targets[i] != a && arch_constant(arch_targets[i], name, &v) == 0)
			return arch_targets[i];
	return NULL;
}

static int resolve_term(struct resolver *rs, const struct value_term *t,
			uint64_t *out)
{
	const struct arch *other;
	struct suggestion s = { 0 };
	const char *best;

	if (!t->is_name) {
		*out = t->num;
		return 0;
	}
	if (arch_constant(rs->arch, t->name, out) == 0)
		return 0;
	other = other_target_with_constant(rs->arch, t->name);
	if (other) {
		diag_error(rs->diag, t->pos, "constant '%s' is defined on %s but not on %s",
			   t->name, other->name, rs->arch->name);
		return -1;
	}
	for (size_t i = 0; i < rs->arch->nconsts; i++)
		suggest_consider(&s, t->name, rs->arch->consts[i].name);
	best = suggest_result(&s, t->name);
	if (best)
		diag_error(rs->diag, t->pos, "unknown constant '%s'; did you mean '%s'?",
			   t->name, best);
	else
		diag_error(rs->diag, t->pos, "unknown constant '%s'", t->name);
	return -1;
}

static int resolve_value(struct resolver *rs, const struct value_expr *v,
			 uint64_t *out)
{
	int rc = 0;

	*out = 0;
	for (size_t i = 0; i < v->nterms; i++) {
		uint64_t x;

		if (resolve_term(rs, &v->terms[i], &x) < 0)
			rc = -1;
		else
			*out |= x;
	}
	return rc;
}

static int action_value(struct resolver *rs, const struct action_ast *a,
			uint32_t *out)
{
	static const uint32_t base[] = {
		[A_ALLOW] = ACT_ALLOW, [A_LOG] = ACT_LOG,
		[A_KILL_PROCESS] = ACT_KILL_PROCESS,
		[A_KILL_THREAD] = ACT_KILL_THREAD, [A_TRAP] = ACT_TRAP,
		[A_NOTIFY] = ACT_USER_NOTIF, [A_ERRNO] = ACT_ERRNO,
		[A_TRACE] = ACT_TRACE,
	};
	uint64_t data = 0;
	uint64_t max = a->kind == A_ERRNO ? ERRNO_MAX : ACT_DATA_MASK;

	if (a->has_arg) {
		if (resolve_value(rs, &a->arg, &data) < 0)
			return -1;
		if (data > max) {
			diag_error(rs->diag, a->arg.pos, "%s value %llu is out of range (0..%llu)",
				   action_kind_name(a->kind), (unsigned long long)data,
				   (unsigned long long)max);
			return -1;
		}
	}
	*out = base[a->kind] | (uint32_t)data;
	if (rs->opts->log_only && *out != ACT_ALLOW)
		*out = ACT_LOG;
	return 0;
}

static void push_nr(struct rule *r, size_t *cap, uint32_t nr)
{
	*(uint32_t *)vec_push(&r->nrs, &r->nnrs, cap, sizeof(nr)) = nr;
}

static const struct arch *other_target_with_syscall(const struct arch *a,
						     const char *name)
{
	for (size_t i = 0; i < arch_ntargets; i++)
		if (arch_targets[i] != a && arch_syscall_nr(arch_targets[i], name) >= 0)
			return arch_targets[i];
	return NULL;
}

static void unknown_syscall(struct resolver *rs, const struct name_ref *n)
{
	struct suggestion s = { 0 };
	char lower[64];
	const char *best;
	size_t i;

	/* A group's name without its '@' (io_uring, not @io_uring). */
	for (i = 0; i < nsyscall_groups; i++)
		if (strcmp(n->name, syscall_groups[i].name) == 0) {
			diag_error(rs->diag, n->pos, "unknown syscall '%s'; did you mean "
				   "the group '@%s'?", n->name, n->name);
			return;
		}
	/* Syscall names are lower case: SOCKET is one edit from nothing. */
	for (i = 0; n->name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)n->name[i]);
	lower[i] = '\0';
	for (i = 0; i < arch_ntargets; i++)
		for (size_t j = 0; j < arch_targets[i]->nsyscalls; j++)
			suggest_consider(&s, lower, arch_targets[i]->syscalls[j].name);
	best = suggest_result(&s, lower);
	if (best)
		diag_error(rs->diag, n->pos, "unknown syscall '%s'; did you mean '%s'?",
			   n->name, best);
	else
		diag_error(rs->diag, n->pos, "unknown syscall '%s'", n->name);
}

static void unknown_group(struct resolver *rs, const struct name_ref *n)
{
	struct suggestion s = { 0 };
	const char *best;

	for (size_t i = 0; i < nsyscall_groups; i++)
		suggest_consider(&s, n->name, syscall_groups[i].name);
	best = suggest_result(&s, n->name);
	if (best)
		diag_error(rs->diag, n->pos, "unknown group '@%s'; did you mean '@%s'?",
			   n->name, best);
	else
		diag_error(rs->diag, n->pos, "unknown group '@%s' (see bpfgen --list-groups)",
			   n->name);
}

static int resolve_name(struct resolver *rs, const struct name_ref *n,
			struct rule *r, size_t *cap)
{
	long nr;

	if (n->is_group) {
		const struct syscall_group *g = group_by_name(n->name);

		if (!g) {
			unknown_group(rs, n);
			return -1;
		}
		for (const char *const *m = g->members; *m; m++)
			if ((nr = arch_syscall_nr(rs->arch, *m)) >= 0)
				push_nr(r, cap, (uint32_t)nr);
		return 0;
	}
	nr = arch_syscall_nr(rs->arch, n->name);
	if (nr >= 0) {
		push_nr(r, cap, (uint32_t)nr);
		return 0;
	}
	if (other_target_with_syscall(rs->arch, n->name)) {
		char note[512];

		snprintf(note, sizeof(note), "%s (%s:%d) does not exist on %s: skipped",
			 n->name, n->pos.file, n->pos.line, rs->arch->name);
		add_note(rs->out, note);
		return 0;
	}
	unknown_syscall(rs, n);
	return -1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_unique(struct rule *r)
{
	size_t k = 0;

	if (r->nnrs == 0)   /* every name skipped here: nrs is NULL */
		return;
	qsort(r->nrs, r->nnrs, sizeof(r->nrs[0]), cmp_u32);
	for (size_t i = 0; i < r->nnrs; i++)
		if (k == 0 || r->nrs[k - 1] != r->nrs[i])
			r->nrs[k++] = r->nrs[i];
	r->nnrs = k;
}

/* 1: always true, -1: never true, 0: depends on the argument. */
static int cond_truth(const struct cond *c)
{
	uint64_t max = c->lo32 ? 0xffffffffu : UINT64_MAX;

	if (c->value & ~c->mask)
		return c->op == OP_EQ ? -1 : c->op == OP_NE ? 1 : 0;
	if (c->mask == 0)       /* arg & 0 is 0, and so is the value */
		return c->op == OP_EQ ? 1 : c->op == OP_NE ? -1 : 0;
	if (c->mask != max)
		return 0;
	switch (c->op) {
	case OP_LT: return c->value == 0 ? -1 : 0;
	case OP_GE: return c->value == 0 ? 1 : 0;
	case OP_GT: return c->value == max ? -1 : 0;
	case OP_LE: return c->value == max ? 1 : 0;
	default: return 0;
	}
}

static int resolve_cond(struct resolver *rs, const struct cond_ast *ca,
			struct rule *r, size_t *cap)
{
	struct cond c = { .arg = ca->arg, .lo32 = ca->lo32, .op = ca->op };
	uint64_t max = ca->lo32 ? 0xffffffffu : UINT64_MAX;
	int truth;

	c.mask = max;
	if (ca->has_mask && resolve_value(rs, &ca->mask, &c.mask) < 0)
		return -1;
	if (resolve_value(rs, &ca->value, &c.value) < 0)
		return -1;
	if (c.mask > max || c.value > max) {
		diag_error(rs->diag, c.mask > max ? ca->mask.pos : ca->value.pos,
			   "lo32(arg%d) compares the low 32 bits; 0x%llx does not fit",
			   ca->arg, (unsigned long long)(c.mask > max ? c.mask : c.value));
		return -1;
	}
	truth = cond_truth(&c);
	if (truth > 0) {
		diag_warning(rs->diag, ca->pos, "this condition is always true; it is ignored");
		return 0;
	}
	if (truth < 0) {
		diag_warning(rs->diag, ca->pos,
			     "this condition can never be true; the rule never applies");
		r->never = 1;
	}
	*(struct cond *)vec_push(&r->conds, &r->nconds, cap, sizeof(c)) = c;
	return 0;
}

static int resolve_rule(struct resolver *rs, const struct rule_ast *ra, size_t src)
{
	struct rule r;
	size_t nrs_cap = 0, conds_cap = 0;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.pos = ra->pos;
	r.src = src;
	if (action_value(rs, &ra->action, &r.action) < 0)
		rc = -1;
	for (size_t i = 0; i < ra->nnames; i++)
		if (resolve_name(rs, &ra->names[i], &r, &nrs_cap) < 0)
			rc = -1;
	for (size_t i = 0; i < ra->nconds; i++)
		if (resolve_cond(rs, &ra->conds[i], &r, &conds_cap) < 0)
			rc = -1;
	if (rc < 0) {
		free(r.nrs);
		free(r.conds);
		return -1;
	}
	sort_unique(&r);
	*(struct rule *)vec_push(&rs->out->rules, &rs->out->nrules,
				 &rs->out->rules_cap, sizeof(r)) = r;
	return 0;
}

static int resolve_settings(struct resolver *rs, const struct policy_ast *ast)
{
	struct resolved *out = rs->out;
	int rc = 0;

	/* Without a line for them, foreign-architecture and x32 calls kill the
	 * process: failing closed is the default. */
	out->bad_arch = out->x32 = ACT_KILL_PROCESS;
	if (action_value(rs, &ast->deflt, &out->deflt) < 0)
		rc = -1;
	if (ast->has_bad_arch && action_value(rs, &ast->bad_arch, &out->bad_arch) < 0)
		rc = -1;
	if (ast->has_x32 && action_value(rs, &ast->x32, &out->x32) < 0)
		rc = -1;
	/* Legal, and sometimes meant, but it opens exactly the holes the
	 * architecture check exists to close: say so. */
	if (ast->has_bad_arch && out->bad_arch == ACT_ALLOW)
		diag_warning(rs->diag, ast->bad_arch.pos, "on-bad-arch allow lets every "
			     "other architecture's calls through unchecked (i386 'int 0x80' "
			     "on x86_64, 32-bit ARM on aarch64): none of the rules apply to them");
	if (ast->has_x32 && out->x32 == ACT_ALLOW)
		diag_warning(rs->diag, ast->x32.pos, "on-x32 allow lets x32-numbered calls "
			     "through unchecked on x86_64: they reach the same kernel code "
			     "as the calls the rules deny");
	if (rs->opts->log_only) {
		out->bad_arch = out->bad_arch == ACT_ALLOW ? ACT_ALLOW : ACT_LOG;
		out->x32 = out->x32 == ACT_ALLOW ? ACT_ALLOW : ACT_LOG;
		add_note(out, "log-only: every action except allow was replaced by log "
			 "(including on-bad-arch and on-x32); this filter blocks nothing");
	}
	return rc;
}

struct resolved *resolve_policy(const struct policy_ast *ast,
				const struct arch *arch,
				const struct resolve_options *opts,
				struct diag *diag)
{
	struct resolver rs = { arch, opts, xcalloc(1, sizeof(struct resolved)), diag };
	int rc;

	rs.out->arch = arch;
	rc = resolve_settings(&rs, ast);
	for (size_t i = 0; i < ast->nrules; i++)
		if (resolve_rule(&rs, &ast->rules[i], i) < 0)
			rc = -1;
	if (rc < 0) {
		resolved_free(rs.out);
		return NULL;
	}
	return rs.out;
}

void resolved_free(struct resolved *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrules; i++) {
		free(r->rules[i].nrs);
		free(r->rules[i].conds);
	}
	free(r->rules);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r);
}
