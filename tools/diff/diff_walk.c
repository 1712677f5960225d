/* bpfdiff's symbolic walk: run program A, forking at every comparison of a
 * loaded word whose outcome the path so far leaves open; at each of A's
 * returns run B the same way under A's path; report joint paths that end
 * in different actions, with a witness the emulator confirms. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/disasm.h"
#include "bpf/seccomp.h"
#include "tools/diff/diff.h"
#include "bpf/sim.h"

#define FULL 0xffffffffu
/* Joint paths per exploration: far above what a policy with hundreds of
 * argument rules produces; beyond it the walk gives up rather than guess. */
#define MAX_PATHS 2000000L

/* What a register holds: a constant, or a loaded word ANDed with a mask. */
struct sym {
	int is_word;
	uint8_t word;
	uint32_t v;     /* the constant, or the mask */
};

struct regs {
	struct sym a, x, mem[BPF_MEMWORDS];
};

struct walk {
	const struct diff_prog *prog[2];
	int phase;                  /* 0: walking A, 1: walking B */
	uint32_t act_a;
	struct diff_cond *conds;
	size_t n, cap;
	diff_found_fn *found;
	void *ctx;
	long ndiff, paths;
	char *err;
	size_t errlen;
};

static int fail(struct walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, w->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The walk cannot follow instruction PC of the current program. */
static int unsupported(struct walk *w, size_t pc, const char *why)
{
	const struct diff_prog *p = w->prog[w->phase];
	char text[96];

	disasm_insn_plain(&p->insns[pc], pc, text, sizeof(text));
	return fail(w, "%s: insn %zu (%s) %s; bpfdiff can only prove "
		    "programs that compare loaded words (optionally ANDed with "
		    "a constant) against constants, so it refuses to guess",
		    p->label, pc, text, why);
}

static struct sym constant(uint32_t v)
{
	return (struct sym){ .is_word = 0, .v = v };
}

/* Push a condition; returns 1 if the path stays feasible (the condition
 * then stays pushed), 0 if not, -1 on error. */
static int assume(struct walk *w, struct diff_cond c)
{
	uint32_t min;
	int r;

	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct diff_cond *n = realloc(w->conds, cap * sizeof(*n));

		if (!n)
			return fail(w, "out of memory");
		w->conds = n;
		w->cap = cap;
	}
	w->conds[w->n++] = c;
	r = diff_word_solve(w->conds, w->n, c.word, &min);
	if (r < 0) {
		w->n--;
		return fail(w, "the conditions on %s along one path are too "
			    "entangled to decide within the search budget",
			    seccomp_field_name(c.word * 4u));
	}
	if (r == 0)
		w->n--;
	return r;
}

static int walk_from(struct walk *w, size_t pc, struct regs r);

/* The smallest input on the current path, checked in the emulator. */
static int report(struct walk *w, uint32_t act_b)
{
	struct diff_found f = { .conds = w->conds, .nconds = w->n,
				.act_a = w->act_a, .act_b = act_b };
	uint32_t v[DIFF_NWORDS];

	for (unsigned i = 0; i < DIFF_NWORDS; i++)
		if (diff_word_solve(w->conds, w->n, i, &v[i]) != 1)
			return fail(w, "internal error: a feasible path has no "
				    "value for %s", seccomp_field_name(i * 4));
	f.witness.nr = v[SD_NR / 4];
	f.witness.arch = v[SD_ARCH / 4];
	f.witness.ip = (uint64_t)v[SD_IP_HI / 4] << 32 | v[SD_IP_LO / 4];
	for (unsigned k = 0; k < 6; k++)
		f.witness.args[k] = (uint64_t)v[SD_ARG_HI(k) / 4] << 32 |
				    v[SD_ARG_LO(k) / 4];
	if (sim_effective(sim_run(w->prog[0]->insns, w->prog[0]->len,
				  &f.witness, NULL)) != f.act_a ||
	    sim_effective(sim_run(w->prog[1]->insns, w->prog[1]->len,
				  &f.witness, NULL)) != f.act_b)
		return fail(w, "internal error: the emulator disagrees with "
			    "the symbolic walk on nr=0x%x; not trusting either",
			    f.witness.nr);
	w->ndiff++;
	w->found(w->ctx, &f);
	return 0;
}

/* A return with value V ends the current program's path. */
static int ret(struct walk *w, uint32_t v)
{
	struct regs fresh;
	int rc;

	if (++w->paths > MAX_PATHS)
		return fail(w, "more than %ld joint paths: too many to "
			    "explore exhaustively", MAX_PATHS);
	if (w->phase == 1)
		return sim_effective(v) != w->act_a ? report(w, sim_effective(v))
						     : 0;
	memset(&fresh, 0, sizeof(fresh));
	w->phase = 1;
	w->act_a = sim_effective(v);
	rc = walk_from(w, 0, fresh);
	w->phase = 0;
	return rc;
}

/* Operations that leave any value unchanged. */
static int is_identity(uint16_t op, uint32_t k)
{
	switch (op) {
	case BPF_ADD: case BPF_SUB: case BPF_OR: case BPF_XOR:
	case BPF_LSH: case BPF_RSH:
		return k == 0;
	case BPF_MUL: case BPF_DIV:
		return k == 1;
	case BPF_AND:
		return k == FULL;
	default:
		return 0;
	}
}


/* ALU instruction PC on R. Returns 0, 1 when the program ended (division
 * by zero returned 0), or -1. */
static int alu(struct walk *w, size_t pc, struct regs *r)
{
	const struct sock_filter *in = &w->prog[w->phase]->insns[pc];
	uint16_t op = BPF_OP(in->code);
	struct sym v = BPF_SRC(in->code) == BPF_X ? r->x : constant(in->k);

	if (op == BPF_NEG)
		v = constant(0);
	if (v.is_word)
		return unsupported(w, pc, "computes with a loaded word in X");
	if (!r->a.is_word) {
		if (sim_alu(op, &r->a.v, v.v) < 0)
			return ret(w, 0) < 0 ? -1 : 1;
		return 0;
	}
	if (op == BPF_AND) {
		r->a.v &= v.v;
		return 0;
	}
	if (op != BPF_NEG && is_identity(op, v.v))
		return 0;
	return unsupported(w, pc, "computes on a loaded word");
}

/* The conditions under which jump PC is taken and not taken. */
static int jump_conds(struct walk *w, size_t pc, struct sym a, uint32_t k,
		      struct diff_cond *yes, struct diff_cond *no)
{
	uint16_t op = BPF_OP(w->prog[w->phase]->insns[pc].code);

	*yes = (struct diff_cond){ .word = a.word, .mask = a.v, .value = k };
	*no = *yes;
	switch (op) {
	case BPF_JEQ:
		yes->op = DIFF_EQ;
		no->op = DIFF_NE;
		return 0;
	case BPF_JSET:
		yes->op = DIFF_NE;
		no->op = DIFF_EQ;
		yes->mask = no->mask = a.v & k;
		yes->value = no->value = 0;
		return 0;
	default:
		yes->op = op == BPF_JGT ? DIFF_GT : DIFF_GE;
		no->op = op == BPF_JGT ? DIFF_LE : DIFF_LT;
		return 0;
	}
}

/* Conditional jump PC: follow each way the path allows. */
static int branch(struct walk *w, size_t pc, const struct regs *r)
{
	const struct sock_filter *in = &w->prog[w->phase]->insns[pc];
	struct sym k = BPF_SRC(in->code) == BPF_X ? r->x : constant(in->k);
	struct diff_cond c[2];
	size_t to[2] = { pc + 1 + in->jt, pc + 1 + in->jf };

	if (k.is_word)
		return unsupported(w, pc, "compares against a loaded word in X");
	if (!r->a.is_word)
		return walk_from(w, sim_jump_taken(BPF_OP(in->code), r->a.v, k.v)
				 ? to[0] : to[1], *r);
	if (in->jt == in->jf)
		return walk_from(w, to[0], *r);
	if (jump_conds(w, pc, r->a, k.v, &c[0], &c[1]) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		int ok = assume(w, c[i]);

		if (ok < 0)
			return -1;
		if (ok) {
			int rc = walk_from(w, to[i], *r);

			w->n--;
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

/* Run the current program from PC with registers R to its returns. */
static int walk_from(struct walk *w, size_t pc, struct regs r)
{
	const struct diff_prog *p = w->prog[w->phase];

	for (;; pc++) {
		const struct sock_filter *in = &p->insns[pc];
		int rc;

		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			r.a = (struct sym){ 1, (uint8_t)(in->k / 4), FULL };
			break;
		case BPF_LD | BPF_W | BPF_LEN:  r.a = constant(SD_SIZE); break;
		case BPF_LDX | BPF_W | BPF_LEN: r.x = constant(SD_SIZE); break;
		case BPF_LD | BPF_IMM:          r.a = constant(in->k); break;
		case BPF_LDX | BPF_IMM:         r.x = constant(in->k); break;
		case BPF_LD | BPF_MEM:          r.a = r.mem[in->k]; break;
		case BPF_LDX | BPF_MEM:         r.x = r.mem[in->k]; break;
		case BPF_ST:                    r.mem[in->k] = r.a; break;
		case BPF_STX:                   r.mem[in->k] = r.x; break;
		case BPF_MISC | BPF_TAX:        r.x = r.a; break;
		case BPF_MISC | BPF_TXA:        r.a = r.x; break;
		case BPF_JMP | BPF_JA:          pc += in->k; break;
		case BPF_RET | BPF_K:           return ret(w, in->k);
		case BPF_RET | BPF_A:
			if (r.a.is_word)
				return unsupported(w, pc, "returns a loaded word");
			return ret(w, r.a.v);
		default:
			if (BPF_CLASS(in->code) == BPF_JMP)
				return branch(w, pc, &r);
			rc = alu(w, pc, &r);
			if (rc != 0)
				return rc < 0 ? -1 : 0;
			break;
		}
	}
}

long diff_explore(const struct diff_prog *a, const struct diff_prog *b,
		  const struct diff_cond *init, size_t ninit,
		  diff_found_fn *found, void *ctx, char *err, size_t errlen)
{
	struct walk w = { .prog = { a, b }, .found = found, .ctx = ctx,
			  .err = err, .errlen = errlen };
	char why[160];
	struct regs fresh;
	long rc = 0;

	for (int i = 0; i < 2; i++)
		if (sim_check(w.prog[i]->insns, w.prog[i]->len, why,
			      sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: the kernel would refuse "
				 "this filter: %s", w.prog[i]->label, why);
			return -1;
		}
	for (size_t i = 0; i < ninit && rc == 0; i++) {
		int ok = assume(&w, init[i]);

		if (ok <= 0)
			rc = ok < 0 ? -1 : 1;  /* 1: nothing to explore */
	}
	memset(&fresh, 0, sizeof(fresh));
	if (rc == 0)
		rc = walk_from(&w, 0, fresh);
	free(w.conds);
	if (rc < 0)
		return -1;
	return w.ndiff;
}
