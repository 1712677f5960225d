/* Stage 2: resolve names and constants for one architecture. Everything
 * that can be wrong with a policy's words is reported here, with the
 * position of the word. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "arch/types.h"
#include "bpfgen/groups.h"
#include "bpfgen/resolve.h"
#include "bpf/seccomp.h"
#include "bpfgen/suggest.h"
#include "bpfgen/util.h"

struct resolver {
	const struct arch *arch;
	const struct resolve_options *opts;
	struct resolved *out;
	struct diag *diag;
	const struct policy_ast *ast;
	/* The current rule's calls this ABI also reaches through socketcall
	 * or ipc (mux_calls), in the order named. */
	const struct mux_call **mux;
	size_t nmux, mux_cap;
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

/* Another target, or an ABI a target may accept (socketcall, mmap2...),
 * that has syscall NAME. */
static const struct arch *other_target_with_syscall(const struct arch *a,
						     const char *name)
{
	for (size_t i = 0; i < arch_nknown; i++)
		if (arch_known[i] != a && arch_syscall_nr(arch_known[i], name) >= 0)
			return arch_known[i];
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

/* NAME's multiplexed form, when this ABI has the multiplexer: the rule
 * governs it too (push_mux_rules). Returns it, or NULL. */
static const struct mux_call *note_mux(struct resolver *rs, const char *name)
{
	const struct mux_call *m = arch_mux_call(name);

	if (!m || arch_syscall_nr(rs->arch, m->mux) < 0)
		return NULL;
	for (size_t i = 0; i < rs->nmux; i++)
		if (rs->mux[i] == m)
			return m;
	*(const struct mux_call **)vec_push(&rs->mux, &rs->nmux, &rs->mux_cap,
					    sizeof(m)) = m;
	return m;
}

static int resolve_name(struct resolver *rs, const struct name_ref *n,
			struct rule *r, size_t *cap)
{
	const struct mux_call *m;
	long nr;

	if (n->is_group) {
		const struct syscall_group *g = group_by_name(n->name);

		if (!g) {
			unknown_group(rs, n);
			return -1;
		}
		for (const char *const *mem = g->members; *mem; mem++) {
			note_mux(rs, *mem);
			if ((nr = arch_syscall_nr(rs->arch, *mem)) >= 0)
				push_nr(r, cap, (uint32_t)nr);
		}
		return 0;
	}
	m = note_mux(rs, n->name);
	nr = arch_syscall_nr(rs->arch, n->name);
	if (nr >= 0) {
		push_nr(r, cap, (uint32_t)nr);
		return 0;
	}
	if (other_target_with_syscall(rs->arch, n->name)) {
		char note[512];

		if (m)
			snprintf(note, sizeof(note), "%s (%s:%d) exists on %s only as "
				 "%s(%u): governed there", n->name, n->pos.file,
				 n->pos.line, rs->arch->name, m->mux, m->code);
		else
			snprintf(note, sizeof(note), "%s (%s:%d) does not exist on %s: "
				 "skipped", n->name, n->pos.file, n->pos.line,
				 rs->arch->name);
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

/* 1: always true, -1: never true, 0: depends on the argument. (arg &
 * MASK) takes every value from 0 to MASK that MASK's bits allow, 0 and
 * MASK included. */
static int cond_truth(const struct cond *c)
{
	uint64_t m = c->mask;

	switch (c->op) {
	case OP_EQ:
	case OP_NE:
		if (c->value & ~m)
			return c->op == OP_EQ ? -1 : 1;
		if (m == 0)       /* arg & 0 is 0, and so is the value */
			return c->op == OP_EQ ? 1 : -1;
		return 0;
	case OP_LT: return c->value == 0 ? -1 : c->value > m ? 1 : 0;
	case OP_GE: return c->value == 0 ? 1 : c->value > m ? -1 : 0;
	case OP_GT: return c->value >= m ? -1 : 0;
	case OP_LE: return c->value >= m ? 1 : 0;
	case OP_IN:
	case OP_OUT: {
		int t = c->value > c->value2 || c->value > m ? -1 :
			c->value == 0 && c->value2 >= m ? 1 : 0;
		return c->op == OP_IN ? t : -t;
	}
	}
	return 0;
}

/* What a condition compares for one syscall: which argument, how many of
 * its bits, and in which order. */
struct operand {
	int arg;
	int width;          /* 16, 32 or 64 */
	int is_signed;
	int capped;         /* on a 32-bit ABI: at most the low word */
	const struct syscall_param *param;  /* NULL: untyped */
};

static int operands_equal(const struct operand *a, const struct operand *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].arg != b[i].arg || a[i].width != b[i].width ||
		    a[i].is_signed != b[i].is_signed || a[i].capped != b[i].capped)
			return 0;
	return 1;
}

static void param_list(const struct syscall_proto *p, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < p->nparams && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
				      p->params[i].name);
	if (p->nparams == 0)
		snprintf(buf, size, "none");
}

/* The operand of condition CA for syscall NAME as a 64-bit ABI sees it,
 * or -1 after an error. */
static int operand_for64(struct resolver *rs, const struct cond_ast *ca,
			 const char *name, struct operand *op)
{
	const struct syscall_proto *p = arch_syscall_proto(rs->arch, name);
	int known = p && p->known;
	char params[256];

	memset(op, 0, sizeof(*op));
	op->arg = ca->arg;
	if (ca->param[0]) {
		if (!known) {
			diag_error(rs->diag, ca->pos, "the parameters of %s are not known on %s, "
				   "so '%s' names nothing: write argK", name,
				   rs->arch->name, ca->param);
			return -1;
		}
		op->arg = syscall_param_index(p, ca->param);
		if (op->arg < 0) {
			param_list(p, params, sizeof(params));
			diag_error(rs->diag, ca->pos, "%s has no parameter '%s' (its "
				   "parameters: %s)", name, ca->param, params);
			return -1;
		}
	}
	if (ca->arg64 || ca->lo32) {
		op->width = ca->lo32 ? 32 : 64;
		if (known && op->arg < p->nparams)
			op->param = &p->params[op->arg];
		return 0;
	}
	if (!known && rs->arch->word32) {
		op->width = 32;     /* every register is 32 bits: nothing to guess */
		return 0;
	}
	if (!known) {
		diag_warn(rs->diag, W_UNKNOWN_TYPE, ca->pos, "the parameter types of %s "
			  "are not known on %s: arg%d is compared as the whole 64-bit "
			  "register", name, rs->arch->name, op->arg);
		diag_fixit(rs->diag, ca->pos, "write lo32(arg%d) if the kernel reads "
			   "an int or unsigned int there, arg64(arg%d) to keep 64 bits",
			   op->arg, op->arg);
		op->width = 64;
		return 0;
	}
	if (op->arg >= p->nparams) {
		param_list(p, params, sizeof(params));
		if (diag_warn(rs->diag, W_UNUSED_ARG, ca->pos, "%s takes %d parameter%s "
			      "(%s): the kernel never reads arg%d, so this only tests what "
			      "the caller left in the register", name, p->nparams,
			      p->nparams == 1 ? "" : "s", params, op->arg))
			diag_fixit(rs->diag, ca->pos, "drop the condition, or write "
				   "arg64(arg%d) to say the register is meant", op->arg);
		op->width = 64;
		return 0;
	}
	op->param = &p->params[op->arg];
	op->width = op->param->is_pointer ? 64 : op->param->width;
	op->is_signed = op->param->is_signed && !op->param->is_pointer;
	return 0;
}

/* The operand of condition CA for syscall NAME, or -1 after an error. A
 * 32-bit ABI (i386, arm, x32) compares the low word only, whatever the
 * type, and never takes the upper word for zero. */
static int operand_for(struct resolver *rs, const struct cond_ast *ca,
		       const char *name, struct operand *op)
{
	if (operand_for64(rs, ca, name, op) < 0)
		return -1;
	if (rs->arch->word32) {
		op->width = op->width > 32 ? 32 : op->width;
		op->capped = 1;
	}
	return 0;
}

/* X as a WIDTH-bit value: its low bits when the rest is zero, or a
 * sign extension (a negative constant such as AT_FDCWD); -1 otherwise. */
static int fit(uint64_t x, int width, uint64_t *out)
{
	uint64_t m = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
	uint64_t top = (m >> 1) + 1;

	if ((x & ~m) == 0 || ((x | m) == UINT64_MAX && (x & top))) {
		*out = x & m;
		return 0;
	}
	return -1;
}

static void set_range(struct cond *c, enum cmp_op op, uint64_t lo, uint64_t hi)
{
	uint64_t m = c->mask;

	c->op = op;
	c->value = lo;
	c->value2 = hi;
	if (lo == hi) {
		c->op = op == OP_IN ? OP_EQ : OP_NE;
	} else if (hi == m) {          /* [lo, max] */
		c->op = op == OP_IN ? OP_GE : OP_LT;
	} else if (lo == 0) {          /* [0, hi] */
		c->op = op == OP_IN ? OP_LE : OP_GT;
		c->value = hi;
	}
	if (c->op != OP_IN && c->op != OP_OUT)
		c->value2 = 0;
}

/* C's signed order on a WIDTH-bit parameter, as unsigned ranges of its
 * bits: x < s is "x outside [s, MAX]" for s >= 0 and "x within [MIN, s-1]"
 * for s < 0 (MIN and MAX as bit patterns: 0x80..0 and 0x7f..f). */
static void signed_order(struct cond *c, enum cmp_op op, uint64_t v)
{
	uint64_t m = c->mask, min = (m >> 1) + 1, max = m >> 1;
	int negate = op == OP_GE || op == OP_GT;

	if (op == OP_LE || op == OP_GT) {      /* x <= v is x < v + 1 */
		if (v == max) {               /* <= MAX always, > MAX never */
			c->op = negate ? OP_OUT : OP_IN;
			c->value = 0;
			c->value2 = m;
			return;
		}
		v = (v + 1) & m;
	}
	/* x < v */
	if (v == min) {                          /* nothing is below MIN */
		c->op = negate ? OP_OUT : OP_IN;
		c->value = 1;
		c->value2 = 0;
		return;
	}
	if (v & min)
		set_range(c, negate ? OP_OUT : OP_IN, min, v - 1);
	else
		set_range(c, negate ? OP_IN : OP_OUT, v, max);
}

static const char *param_desc(const struct operand *op, char *buf, size_t size)
{
	if (op->param)
		snprintf(buf, size, "'%s' (%s, %d bits)", op->param->name,
			 op->param->ctype, op->width);
	else
		snprintf(buf, size, "the low 32 bits");
	return buf;
}

/* Condition CA, whose MASK/VALUE are already resolved, on OP's operand. */
static int typed_cond(struct resolver *rs, const struct cond_ast *ca,
		      const struct operand *op, const char *name,
		      uint64_t mask, uint64_t value, struct cond *c)
{
	char desc[160];
	uint64_t v;

	memset(c, 0, sizeof(*c));
	c->arg = op->arg;
	c->lo32 = op->width < 64;
	c->op = ca->op;
	c->mask = op->width == 64 ? UINT64_MAX : (UINT64_C(1) << op->width) - 1;
	if (op->capped && ca->arg64) {
		/* libseccomp's meaning on a 32-bit ABI: the low words of the
		 * mask and value, against the low word of the argument. */
		mask &= 0xffffffffu;
		value &= 0xffffffffu;
	} else if (op->capped) {
		/* Bits the ABI's registers lack: the datum's are 0. */
		mask &= 0xffffffffu;
		if (fit(value, 32, &v) < 0 && (ca->op == OP_EQ || ca->op == OP_NE)) {
			c->mask = ca->has_mask ? mask : c->mask;
			c->value = value;       /* cond_truth: never (==), always (!=) */
			return 0;
		}
	}
	if (ca->lo32 && ((ca->has_mask && mask > 0xffffffffu) || value > 0xffffffffu)) {
		int bad_mask = ca->has_mask && mask > 0xffffffffu;

		diag_error(rs->diag, bad_mask ? ca->mask.pos : ca->value.pos,
			   "lo32(arg%d) compares the low 32 bits; 0x%llx does not fit",
			   op->arg, (unsigned long long)(bad_mask ? mask : value));
		return -1;
	}
	if (ca->has_mask) {
		if (fit(mask, op->width, &v) < 0) {
			diag_error(rs->diag, ca->mask.pos, "mask 0x%llx does not fit %s's "
				   "parameter %s", (unsigned long long)mask, name,
				   param_desc(op, desc, sizeof(desc)));
			return -1;
		}
		c->mask = v;
	}
	if (fit(value, op->width, &v) < 0) {
		diag_error(rs->diag, ca->value.pos, "0x%llx does not fit %s's parameter "
			   "%s: the kernel never sees the upper bits, so no call can "
			   "match it (write arg64(...) to compare the register)",
			   (unsigned long long)value, name, param_desc(op, desc, sizeof(desc)));
		return -1;
	}
	c->value = v;
	if (op->is_signed && ca->op != OP_EQ && ca->op != OP_NE)
		signed_order(c, ca->op, v);
	return 0;
}

/* Conditions that compile but protect nothing (the linter's warnings
 * that need the parameter's type). */
static void lint_operand(struct resolver *rs, const struct cond_ast *ca,
			 const struct operand *op, const char *name,
			 uint32_t action, uint64_t value)
{
	const struct syscall_param *p = op->param;
	const char *operand = ca->param[0] ? ca->param : p ? p->name : "";

	if (!p)
		return;
	if (p->is_pointer && !ca->lo32 &&
	    !((ca->op == OP_EQ || ca->op == OP_NE) && !ca->has_mask && value == 0)) {
		if (diag_warn(rs->diag, W_POINTER, ca->pos, "'%s' of %s is a pointer (%s): "
			      "the filter compares the address, never the memory behind it, "
			      "so this protects nothing; only NULL (0) means something",
			      p->name, name, p->ctype))
			diag_fixit(rs->diag, ca->pos, "compare %s with 0, or drop the "
				   "condition: a seccomp filter cannot read user memory", operand);
	}
	if (ca->arg64 && !p->is_pointer && p->width < 64 &&
	    action != ACT_ALLOW && action != ACT_LOG) {
		if (diag_warn(rs->diag, W_ARG64, ca->pos, "arg64() compares all 64 bits "
			      "of %s's %d-bit parameter '%s' (%s) in a deny rule: a caller "
			      "sets any upper bit, and the kernel, which reads only the low "
			      "%d, runs the call anyway", name, p->width, p->name, p->ctype,
			      p->width))
			diag_fixit(rs->diag, ca->pos, "write '%s' without arg64(): only the "
				   "bits the kernel reads are compared", p->name);
	}
}

/* Conditions CA[0..N) for the syscalls of R that share operands OPS: one
 * resolved rule. Returns -1 after an error. */
static int typed_rule(struct resolver *rs, const struct rule_ast *ra,
		      const struct operand *ops, const char *name, int say_name,
		      const uint64_t *masks, const uint64_t *values, struct rule *r)
{
	char for_name[96] = "";
	size_t cap = 0;

	if (say_name)     /* the rule's syscalls differ: say which one */
		snprintf(for_name, sizeof(for_name), " for %s", name);
	for (size_t i = 0; i < ra->nconds; i++) {
		const struct cond_ast *ca = &ra->conds[i];
		struct cond c;
		int truth;

		lint_operand(rs, ca, &ops[i], name, r->action, values[i]);
		if (typed_cond(rs, ca, &ops[i], name, masks[i], values[i], &c) < 0)
			return -1;
		truth = cond_truth(&c);
		if (truth > 0) {
			if (diag_warn(rs->diag, W_ALWAYS, ca->pos,
				      "this condition is always true%s; it is ignored", for_name))
				diag_fixit(rs->diag, ca->pos, "drop it, or check the value "
					   "against the parameter's type (bpfgen --describe %s)", name);
			continue;
		}
		if (truth < 0) {
			if (diag_warn(rs->diag, W_NEVER, ca->pos, "this condition can never "
				      "be true%s; the rule never applies%s", for_name,
				      say_name ? " to it" : ""))
				diag_fixit(rs->diag, ca->pos, "check the value and mask against "
					   "the parameter's type (bpfgen --describe %s)", name);
			r->never = 1;
		}
		*(struct cond *)vec_push(&r->conds, &r->nconds, &cap, sizeof(c)) = c;
	}
	return 0;
}

static void push_rule(struct resolver *rs, struct rule *r)
{
	*(struct rule *)vec_push(&rs->out->rules, &rs->out->nrules,
				 &rs->out->rules_cap, sizeof(*r)) = *r;
}

/* A conditional rule: its syscalls grouped by what each condition
 * compares for them (parameter types differ between syscalls), one
 * resolved rule per group, in order of their lowest number. */
static int resolve_conds(struct resolver *rs, const struct rule_ast *ra,
			 struct rule *all)
{
	size_t n = ra->nconds, ngroups = 0;
	uint64_t *masks = xcalloc(n, sizeof(*masks));
	uint64_t *values = xcalloc(n, sizeof(*values));
	struct operand *ops = xcalloc(all->nnrs * n + 1, sizeof(*ops));
	size_t *group = xcalloc(all->nnrs + 1, sizeof(*group));
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const struct cond_ast *ca = &ra->conds[i];

		masks[i] = UINT64_MAX;
		/* One mistake, one error: the value is not read after a bad mask. */
		if ((ca->has_mask && resolve_value(rs, &ca->mask, &masks[i]) < 0) ||
		    resolve_value(rs, &ca->value, &values[i]) < 0)
			rc = -1;
	}
	for (size_t j = 0; j < all->nnrs && rc == 0; j++) {
		const char *name = arch_syscall_name(rs->arch, all->nrs[j]);

		for (size_t i = 0; i < n; i++)
			if (operand_for(rs, &ra->conds[i], name, &ops[j * n + i]) < 0)
				rc = -1;
		for (group[j] = 0; group[j] < j; group[j]++)
			if (group[group[j]] == group[j] &&
			    operands_equal(&ops[group[j] * n], &ops[j * n], n))
				break;
	}
	for (size_t j = 0; j < all->nnrs; j++)
		ngroups += group[j] == j;
	for (size_t j = 0; j < all->nnrs && rc == 0; j++) {
		struct rule r = *all;
		size_t cap = 0;

		if (group[j] != j)
			continue;
		r.nrs = NULL;
		r.nnrs = 0;
		r.conds = NULL;
		r.nconds = 0;
		for (size_t k = j; k < all->nnrs; k++)
			if (group[k] == j)
				push_nr(&r, &cap, all->nrs[k]);
		if (typed_rule(rs, ra, &ops[j * n], arch_syscall_name(rs->arch, all->nrs[j]),
			       ngroups > 1, masks, values, &r) < 0) {
			free(r.nrs);
			free(r.conds);
			rc = -1;
			break;
		}
		push_rule(rs, &r);
	}
	/* Every name skipped on this architecture: keep the rule, empty. */
	if (rc == 0 && all->nnrs == 0) {
		push_rule(rs, all);
		all->nrs = NULL;
	}
	free(all->nrs);
	free(masks);
	free(values);
	free(ops);
	free(group);
	return rc;
}

static int allowish(uint32_t action)
{
	return action == ACT_ALLOW || action == ACT_LOG;
}

/* The multiplexed forms of the rule's calls (rs->mux): "ACTION:
 * socketcall if arg0 == SYS_<CALL>" (ipc: its low 16 bits), right after
 * the rule, so that first-match order holds for them too. The rule's own
 * conditions are on arguments that socketcall and ipc pass in memory,
 * where no filter reads: a deny rule then denies every such call (fail
 * closed), an allow rule lets them fall to what follows, unless the
 * policy says `socketcall fail-open`. */
static void push_mux_rules(struct resolver *rs, const struct rule_ast *ra,
			   size_t src, uint32_t action)
{
	int open = rs->ast->socketcall_open;
	int skip = ra->nconds && allowish(action) && !open;

	if (rs->nmux == 0)
		return;
	if (ra->nconds) {
		const char *what = skip ? "this allow rule does not apply to them "
				   "(they get what the later rules or the default say)" :
				   allowish(action) ? "'socketcall fail-open' lets them "
				   "through unchecked" : "this rule applies to every one "
				   "of them, whatever its arguments";
		char names[256];
		size_t len = 0;

		names[0] = '\0';
		for (size_t i = 0; i < rs->nmux && len < sizeof(names); i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%s%s(%s)", i ? ", " : "", rs->mux[i]->mux,
						rs->mux[i]->name);
		if (diag_warn(rs->diag, W_SOCKETCALL, ra->pos, "on %s, %s: the "
			      "multiplexed call passes its arguments in memory, where "
			      "no filter can check this rule's conditions: %s",
			      rs->arch->name, names, what))
			diag_fixit(rs->diag, ra->pos, skip ? "deny the calls outright, "
				   "or allow them without conditions; 'socketcall "
				   "fail-open' lets them through (libseccomp's behaviour)" :
				   "split the rule: conditions only on the direct calls");
	}
	if (skip)
		goto out;
	for (size_t i = 0; i < rs->nmux; i++) {
		const struct mux_call *m = rs->mux[i];
		struct rule r;
		struct cond *c;
		size_t cap = 0;

		memset(&r, 0, sizeof(r));
		r.pos = ra->pos;
		r.src = src;
		r.action = action;
		push_nr(&r, &cap, (uint32_t)arch_syscall_nr(rs->arch, m->mux));
		cap = 0;
		c = vec_push(&r.conds, &r.nconds, &cap, sizeof(*c));
		memset(c, 0, sizeof(*c));
		c->arg = 0;
		c->lo32 = 1;
		c->op = OP_EQ;
		c->mask = m->code_mask;
		c->value = m->code;
		push_rule(rs, &r);
	}
out:
	rs->nmux = 0;
}

static int resolve_rule(struct resolver *rs, const struct rule_ast *ra, size_t src)
{
	struct rule r;
	size_t nrs_cap = 0;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.pos = ra->pos;
	r.src = src;
	rs->nmux = 0;
	if (action_value(rs, &ra->action, &r.action) < 0)
		rc = -1;
	for (size_t i = 0; i < ra->nnames; i++)
		if (resolve_name(rs, &ra->names[i], &r, &nrs_cap) < 0)
			rc = -1;
	if (rc < 0) {
		free(r.nrs);
		return -1;
	}
	sort_unique(&r);
	if (ra->nconds == 0)
		push_rule(rs, &r);
	else if (resolve_conds(rs, ra, &r) < 0)
		return -1;
	push_mux_rules(rs, ra, src, r.action);
	return 0;
}

/* on-newer: the highest number any rule names here, whatever its action. */
static int resolve_newer(struct resolver *rs, const struct policy_ast *ast)
{
	struct resolved *out = rs->out;
	int any = 0;

	if (!ast->has_newer)
		return 0;
	if (action_value(rs, &ast->newer, &out->newer) < 0)
		return -1;
	for (size_t i = 0; i < out->nrules; i++)
		for (size_t j = 0; j < out->rules[i].nnrs; j++)
			if (!any || out->rules[i].nrs[j] > out->newer_above) {
				out->newer_above = out->rules[i].nrs[j];
				any = 1;
			}
	out->has_newer = any;
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
	if (ast->has_bad_arch && out->bad_arch == ACT_ALLOW &&
	    diag_warn(rs->diag, W_OPEN_ARCH, ast->bad_arch.pos, "on-bad-arch allow lets every "
			     "other architecture's calls through unchecked (i386 'int 0x80' "
			     "on x86_64, 32-bit ARM on aarch64, unless an 'abi' line accepts "
			     "them): none of the rules apply to them"))
		diag_fixit(rs->diag, ast->bad_arch.pos, "write 'on-bad-arch kill-process' "
			   "(the default)");
	if (ast->has_x32 && out->x32 == ACT_ALLOW && !rs->opts->x32_accepted &&
	    diag_warn(rs->diag, W_OPEN_ARCH, ast->x32.pos, "on-x32 allow lets x32-numbered calls "
			     "through unchecked on x86_64: they reach the same kernel code "
			     "as the calls the rules deny"))
		diag_fixit(rs->diag, ast->x32.pos, "write 'on-x32 kill-process' (the default)");
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
	struct resolver rs = { arch, opts, xcalloc(1, sizeof(struct resolved)), diag,
			       ast, NULL, 0, 0 };
	int rc;

	rs.out->arch = arch;
	rc = resolve_settings(&rs, ast);
	for (size_t i = 0; i < ast->nrules; i++)
		if (resolve_rule(&rs, &ast->rules[i], i) < 0)
			rc = -1;
	if (rc == 0 && resolve_newer(&rs, ast) < 0)
		rc = -1;
	free(rs.mux);
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
