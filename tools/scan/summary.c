/* syscall-scan: what a call does to its caller's memory. The data flow of
 * one function (flow.c) asks, at each call, what the callee may do with
 * the registers it is given: a summary computed by running the callee's
 * own data flow (recursively, each function once; a function still being
 * summarised, an indirect call or a callee in no file counts as one that
 * may do anything the ABI allows). The summary says which of its entry
 * registers' objects the callee lets escape, writes, or returns something
 * derived from, and whether it uses its stack arguments. */
#include <stdlib.h>
#include <string.h>

#include "tools/scan/scan.h"

enum { S_NONE, S_BUSY, S_DONE, S_UNKNOWN };

struct summaries {
	struct scan *p;
	struct flow_cfg cfg;
	size_t *base;            /* global index of (module, 0) */
	uint8_t *state;
	struct call_sum *sum;
	uint8_t *lstate;         /* liveness: S_NONE, S_BUSY, S_DONE */
	uint32_t *livein;        /* registers a function may read before writing them */
	int oom;
};

struct summaries *sum_new(struct scan *p, const struct flow_cfg *tmpl)
{
	struct summaries *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->p = p;
	s->cfg = *tmpl;
	s->cfg.call_sum = sum_call;
	s->cfg.ctx = s;
	s->base = malloc((p->nmods + 1) * sizeof(size_t));
	size_t total = 0;
	if (s->base)
		for (size_t i = 0; i <= p->nmods; i++) {
			s->base[i] = total;
			if (i < p->nmods)
				total += p->mods[i].nfuncs;
		}
	s->state = calloc(total ? total : 1, 1);
	s->sum = calloc(total ? total : 1, sizeof *s->sum);
	s->lstate = calloc(total ? total : 1, 1);
	s->livein = calloc(total ? total : 1, sizeof *s->livein);
	if (!s->base || !s->state || !s->sum || !s->lstate || !s->livein) {
		sum_free(s);
		return NULL;
	}
	return s;
}

void sum_free(struct summaries *s)
{
	if (!s)
		return;
	free(s->base);
	free(s->state);
	free(s->sum);
	free(s->lstate);
	free(s->livein);
	free(s);
}

const struct flow_cfg *sum_cfg(const struct summaries *s)
{
	return &s->cfg;
}

int sum_failed(const struct summaries *s)
{
	return s->oom;
}

/* The module FN belongs to. */
static long module_of(const struct scan *p, const struct func *fn)
{
	for (size_t i = 0; i < p->nmods; i++)
		if (fn >= p->mods[i].funcs && fn < p->mods[i].funcs + p->mods[i].nfuncs)
			return (long)i;
	return -1;
}

static void note_write(struct call_sum *s, uint8_t r, int64_t off)
{
	if (!(s->wr & (1u << r)) || off < s->wrlo[r])
		s->wrlo[r] = off;
	s->wr |= 1u << r;
}

struct acc {
	struct summaries *s;
	uint32_t mod;
	struct call_sum sum;
	int unknown;
};

/* A jump that leaves the function: the callee's effects are the
 * function's own, its result the function's result. */
static void tail(struct acc *a, const struct func *fn, const struct insn *in,
		 const struct fstate *st)
{
	struct call_sum cs;
	if (sum_call(a->s, fn, in, &cs)) {
		a->unknown = 1;
		return;
	}
	for (uint8_t r = 0; r < NREG; r++) {
		uint64_t f = st->r[r].from & PROV_REGS;
		if (cs.esc & (1u << r))
			a->sum.esc |= (uint32_t)f;
		if (cs.wr & (1u << r)) {
			const struct val *v = &st->r[r];
			if (v->kind == V_ARG && v->width == 0 && cs.wrlo[r] != INT64_MIN)
				note_write(&a->sum, v->reg, v->off + cs.wrlo[r]);
			else
				for (uint8_t x = 0; x < NREG; x++)
					if (f & ((uint64_t)1 << x))
						note_write(&a->sum, x, INT64_MIN);
		}
		if (cs.ret & ((uint64_t)1 << r))
			a->sum.ret |= st->r[r].from;
		if (cs.leave & ((uint64_t)1 << r))
			a->sum.leave |= st->r[r].from;
		if (cs.callr & (1u << r))
			a->sum.callr |= (uint32_t)f;
	}
	a->sum.ret |= cs.ret & ~PROV_REGS;
	a->sum.leave |= cs.leave & ~PROV_REGS;
	a->sum.stack |= cs.stack;
}

static int leaves(const struct func *fn, const struct insn *in)
{
	switch (in->op) {
	case OP_JMP:
	case OP_JCC:
		return in->imm < fn->start || in->imm >= fn->end;
	case OP_JMPM:
		return in->mbase == REG_NONE;
	case OP_JMPR:
		return 1;    /* a tail call or a jump table: not known which */
	}
	return 0;
}

static void acc_visit(void *ctx, const struct func *fn, size_t i, const struct fstate *st)
{
	struct acc *a = ctx;
	const struct insn *in = &fn->insns[i];
	enum scan_machine m = a->s->p->machine;
	uint8_t sp = flow_sp(m);
	int64_t args = m == MACH_X86_64 ? 8 : 0;   /* entry SP + this: stack arguments */
	/* Code only a jump from elsewhere reaches is that jump's business
	 * (it is no exact edge: its jumper's summary is unknown). A PLT
	 * stub's lazy-binding half, reached through its GOT word, ends in
	 * the function the GOT word is bound to, like its first half. */
	if (st->nopred)
		return;
	a->sum.esc |= st->esc | st->pub;
	for (uint8_t r = 0; r < NREG; r++)
		if (st->clob & (1u << r))
			note_write(&a->sum, r, INT64_MIN);
	for (size_t k = 0; k < st->nc; k++)
		if (st->c[k].base != sp)
			note_write(&a->sum, st->c[k].base, st->c[k].off);
	if (in->mem) {
		struct val ad;
		flow_addr(st, in, &ad);
		if ((ad.kind == V_ARG && ad.reg == sp && ad.off >= args) ||
		    (ad.kind == V_TOP && (ad.from & ((uint64_t)1 << sp))))
			a->sum.stack = 1;
	}
	for (uint8_t r = 0; r < NREG; r++)
		if (r != sp && st->r[r].kind == V_ARG && st->r[r].reg == sp && st->r[r].off >= args &&
		    (in->op == OP_CALL || in->op == OP_CALLR || in->op == OP_CALLM ||
		     (in->mem & MEM_W)))
			a->sum.stack = 1;
	if (in->op == OP_CALLR || in->op == OP_JMPR) {
		if (in->src < NREG)
			a->sum.callr |= (uint32_t)(st->r[in->src].from & PROV_REGS);
	} else if (in->op == OP_CALLM || in->op == OP_JMPM) {
		struct val ad;
		flow_addr(st, in, &ad);
		a->sum.callr |= (uint32_t)(ad.from & PROV_REGS);
	}
	if (in->op == OP_RET) {
		a->sum.ret |= st->r[m == MACH_X86_64 ? X86_RAX : 0].from;
		a->sum.leave |= st->r[m == MACH_X86_64 ? 2 : 1].from;
	} else if (leaves(fn, in)) {
		if (in->op == OP_JCC || in->op == OP_JMP || in->op == OP_JMPM) {
			tail(a, fn, in, st);
		} else {
			a->unknown = 1;
		}
	}
}

static int summarise(struct summaries *s, uint32_t mod, uint32_t fi, struct call_sum *out)
{
	size_t g = s->base[mod] + fi;
	if (s->state[g] == S_DONE) {
		*out = s->sum[g];
		return 0;
	}
	if (s->state[g] != S_NONE)
		return -1;   /* being summarised (recursion), or unknown */
	s->state[g] = S_BUSY;
	struct acc a = { .s = s, .mod = mod };
	const struct func *f = &s->p->mods[mod].funcs[fi];
	if (flow_run(f, &s->cfg, acc_visit, &a)) {
		s->oom = 1;
		a.unknown = 1;
	}
	if (a.unknown) {
		s->state[g] = S_UNKNOWN;
		return -1;
	}
	uint8_t sp = flow_sp(s->p->machine);
	a.sum.esc &= ~(1u << sp);
	a.sum.wr &= ~(1u << sp);
	/* A pointer into its own frame returned: into the caller's stack
	 * arguments, or dangling. */
	if (a.sum.ret & ((uint64_t)1 << sp))
		a.sum.stack = 1;
	a.sum.ret &= ~((uint64_t)1 << sp);
	a.sum.leave &= ~((uint64_t)1 << sp);
	a.sum.callr &= ~(1u << sp);
	s->sum[g] = a.sum;
	s->state[g] = S_DONE;
	*out = a.sum;
	return 0;
}

/* ---- liveness: what a callee whose summary is unknown may read ------- */

struct sysargs {
	enum scan_machine m;
	uint32_t *mask;          /* per instruction: syscall argument registers */
};

static void sysargs_visit(void *ctx, const struct func *fn, size_t i, const struct fstate *st)
{
	struct sysargs *a = ctx;
	const struct insn *in = &fn->insns[i];
	if (in->op == OP_SYSCALL || in->op == OP_INT80 || in->op == OP_SVC)
		a->mask[i] |= flow_syscall_reads(st, in, a->m);
}

static uint32_t livein(struct summaries *s, uint32_t mod, uint32_t fi);
static int bound(const struct func *fn, const struct edge *e);

/* Registers the call or jump IN of FN may read: the callee's live-in
 * registers, or the ABI's argument registers when it is not known. */
static uint32_t callee_reads(struct summaries *s, const struct func *fn, const struct insn *in)
{
	enum scan_machine m = s->p->machine;
	uint32_t r = 0;
	int any = 0;
	for (size_t k = 0; k < fn->nedges; k++) {
		const struct edge *e = &fn->edges[k];
		if (e->at != in->addr || e->kind == E_TAKEN)
			continue;
		if (!e->resolved && e->import && bound(fn, e))
			continue;
		if (!e->resolved || !e->exact)
			return flow_arg_regs(m);
		r |= livein(s, e->mod, e->fn);
		any = 1;
	}
	return any ? r : flow_arg_regs(m);
}

static uint32_t insn_reads(struct summaries *s, const struct func *fn, size_t i,
			   const uint32_t *sys)
{
	const struct insn *in = &fn->insns[i];
	enum scan_machine m = s->p->machine;
	uint32_t r = 0;
	if (in->mbase < NREG)
		r |= 1u << in->mbase;
	if (in->mindex < NREG)
		r |= 1u << in->mindex;
	else if (in->mindex == REG_UNK)
		r = 0xffffffffu;
	switch (in->op) {
	case OP_MOVK: r |= in->dst < NREG ? 1u << in->dst : 0; break;
	case OP_COPY: case OP_ADDI: case OP_ORI: case OP_ANDI: case OP_XORI:
		r |= in->src < NREG ? 1u << in->src : 0;
		break;
	case OP_STORE: case OP_STORE2: case OP_PUSH:
		r |= in->src < NREG ? 1u << in->src : 0;
		r |= in->src2 < NREG ? 1u << in->src2 : 0;
		if (in->op == OP_PUSH)
			r |= 1u << flow_sp(m);
		break;
	case OP_POP: r |= 1u << flow_sp(m); break;
	case OP_OTHER: r |= in->reads; break;
	case OP_SYSCALL: case OP_INT80: case OP_SVC:
		r |= sys[i] | 1u << (in->op == OP_SVC ? A64_X8 : X86_RAX);
		break;
	case OP_CALLR: case OP_JMPR:
		r |= in->src < NREG ? 1u << in->src : 0;
		/* fall through */
	case OP_CALL: case OP_CALLM: case OP_JMPM:
		if (in->op == OP_JMPR || in->op == OP_JMPM || in->op == OP_CALL ||
		    in->op == OP_CALLR || in->op == OP_CALLM)
			r |= callee_reads(s, fn, in);
		break;
	case OP_JMP: case OP_JCC:
		if (in->imm < fn->start || in->imm >= fn->end)
			r |= callee_reads(s, fn, in);
		break;
	case OP_RET:
		r |= m == MACH_X86_64 ? 1u << X86_RAX | 1u << 2 : 3u;
		break;
	}
	return r;
}

static uint32_t insn_writes(const struct insn *in, enum scan_machine m)
{
	uint32_t w = in->clobber;
	if (in->dst < NREG && in->op != OP_OTHER)
		w |= 1u << in->dst;
	if (in->dst2 < NREG)
		w |= 1u << in->dst2;
	if (in->op == OP_CALL || in->op == OP_CALLR || in->op == OP_CALLM)
		w |= flow_caller_saved(m);
	return w;
}

/* Backward liveness over FI's instructions in address order, jumps
 * inside the function followed; iterated to a fixed point. */
static uint32_t livein(struct summaries *s, uint32_t mod, uint32_t fi)
{
	size_t g = s->base[mod] + fi;
	enum scan_machine m = s->p->machine;
	if (s->lstate[g] == S_DONE)
		return s->livein[g];
	if (s->lstate[g] == S_BUSY)
		return flow_caller_saved(m);   /* recursion: anything */
	s->lstate[g] = S_BUSY;
	const struct func *f = &s->p->mods[mod].funcs[fi];
	uint32_t *sys = calloc(f->n ? f->n : 1, sizeof *sys);
	uint32_t *live = calloc(f->n + 1, sizeof *live);
	uint32_t result = flow_caller_saved(m);
	if (!sys || !live) {
		s->oom = 1;
		goto out;
	}
	struct sysargs sa = { m, sys };
	struct flow_cfg cfg;
	flow_cfg_init(&cfg, m);
	if (flow_run(f, &cfg, sysargs_visit, &sa)) {
		s->oom = 1;
		goto out;
	}
	/* live[i]: live before instruction i. An indirect jump inside may
	 * go anywhere: everything live anywhere. */
	for (int changed = 1, rounds = 0; changed && rounds < 64; rounds++) {
		changed = 0;
		uint32_t any = 0;
		for (size_t i = 0; i < f->n; i++)
			any |= live[i];
		for (size_t i = f->n; i-- > 0;) {
			const struct insn *in = &f->insns[i];
			uint32_t out = 0;
			int fall = 1;
			switch (in->op) {
			case OP_JMP: fall = 0; /* fall through */
			case OP_JCC:
				if (in->imm >= f->start && in->imm < f->end)
					for (size_t k = 0; k < f->n; k++)
						if (f->insns[k].addr == in->imm)
							out |= live[k];
				break;
			case OP_JMPM:
				fall = 0;
				if (in->mbase != REG_NONE)
					out |= any;   /* through a GOT slot: a tail call */
				break;
			case OP_JMPR:
				fall = 0;
				out |= any;
				break;
			case OP_RET: case OP_STOP:
				fall = 0;
				break;
			case OP_CALL:
				fall = !in->noret;
				break;
			}
			if (fall)
				out |= live[i + 1];
			uint32_t now = (out & ~insn_writes(in, m)) | insn_reads(s, f, i, sys);
			if (now != live[i]) {
				live[i] = now;
				changed = 1;
			}
		}
	}
	result = f->n ? live[0] : 0;
out:
	free(sys);
	free(live);
	s->livein[g] = result;
	s->lstate[g] = S_DONE;
	return result;
}

/* 1 if the import edge E has resolved copies. */
static int bound(const struct func *fn, const struct edge *e)
{
	for (size_t k = 0; k < fn->nedges; k++)
		if (fn->edges[k].at == e->at && fn->edges[k].resolved &&
		    fn->edges[k].kind == e->kind)
			return 1;
	return 0;
}

int sum_call(void *ctx, const struct func *fn, const struct insn *in, struct call_sum *out)
{
	struct summaries *s = ctx;
	long mi = module_of(s->p, fn);
	if (mi < 0)
		return -1;
	memset(out, 0, sizeof *out);
	int any = 0;
	for (size_t k = 0; k < fn->nedges; k++) {
		const struct edge *e = &fn->edges[k];
		if (e->at != in->addr || e->kind == E_TAKEN)
			continue;
		if (!e->resolved && e->import && bound(fn, e))
			continue;    /* its definitions are edges of their own */
		if (!e->resolved || !e->exact)
			return -1;
		struct call_sum cs;
		if (summarise(s, e->mod, e->fn, &cs)) {
			/* Anything the ABI allows, but only with what it reads. */
			memset(out, 0, sizeof *out);
			out->reads = callee_reads(s, fn, in);
			return 1;
		}
		out->esc |= cs.esc;
		for (uint8_t r = 0; r < NREG; r++)
			if (cs.wr & (1u << r))
				note_write(out, r, cs.wrlo[r]);
		out->ret |= cs.ret;
		out->leave |= cs.leave;
		out->callr |= cs.callr;
		out->stack |= cs.stack;
		any = 1;
	}
	return any ? 0 : -1;
}
