/* syscall-scan: the data flow of one function. Splits the function into
 * basic blocks, then computes for every block the values each register
 * may hold on entry, joined over every path that reaches it (a set of up
 * to VMAX constants, "the caller's register R", "the word loaded from
 * address A", or unknown with the reason). Control flow the analysis
 * cannot follow is over-approximated: an indirect jump may go to any block
 * of the function, a block no edge reaches starts with nothing known. */
#include <stdlib.h>
#include <string.h>

#include "tools/scan/scan.h"

const char *const why_text[W_NWHY] = {
	[W_NONE] = "unknown",
	[W_ENTRY] = "value from the function's caller",
	[W_LOAD] = "loaded from memory",
	[W_CALL] = "result of a call",
	[W_OP] = "computed by an instruction the analysis does not model",
	[W_MANY] = "more than 8 possible values",
	[W_SYSRET] = "result of a system call",
	[W_NOPRED] = "in code no jump or call of its function reaches",
	[W_MERGE] = "paths bring values of different kinds",
};

static void set_top(struct val *v, uint8_t why)
{
	v->kind = V_TOP;
	v->why = why;
	v->n = 0;
}

static void set_const(struct val *v, uint64_t c)
{
	v->kind = V_CONST;
	v->n = 1;
	v->v[0] = c;
}

/* Adds C to the constant set V; too many makes it unknown. */
static void add_const(struct val *v, uint64_t c)
{
	for (int i = 0; i < v->n; i++)
		if (v->v[i] == c)
			return;
	if (v->n == VMAX) {
		set_top(v, W_MANY);
		return;
	}
	v->v[v->n++] = c;
}

/* *DST = *DST join *SRC; 1 if *DST changed. */
static int join(struct val *dst, const struct val *src)
{
	if (src->kind == V_BOT || dst->kind == V_TOP)
		return 0;
	if (dst->kind == V_BOT) {
		*dst = *src;
		return 1;
	}
	if (src->kind == V_TOP) {
		set_top(dst, src->why);
		return 1;
	}
	if (dst->kind != src->kind) {
		set_top(dst, W_MERGE);
		return 1;
	}
	switch (dst->kind) {
	case V_CONST: {
		uint8_t n = dst->n;
		for (int i = 0; i < src->n && dst->kind == V_CONST; i++)
			add_const(dst, src->v[i]);
		return dst->kind != V_CONST || dst->n != n;
	}
	case V_ARG:
		if (dst->reg == src->reg)
			return 0;
		set_top(dst, W_MERGE);
		return 1;
	case V_MEM:
		if (dst->v[0] == src->v[0])
			return 0;
		set_top(dst, W_LOAD);
		return 1;
	}
	return 0;
}

static uint64_t mask(uint64_t v, uint8_t bits)
{
	return bits == 32 ? v & 0xffffffffu : v;
}

/* Registers a call leaves unknown (the ABI's caller-saved ones). */
static uint32_t call_clobbers(enum scan_machine m)
{
	if (m == MACH_X86_64)
		return 1u << 0 | 1u << 1 | 1u << 2 | 1u << 6 | 1u << 7 | 1u << 8 |
		       1u << 9 | 1u << 10 | 1u << 11;
	return 0x7ffffu | 1u << 30;   /* x0..x18, x30 */
}

static void arith(struct val *d, const struct val *s, const struct insn *in)
{
	if (s->kind == V_BOT) {
		d->kind = V_BOT;
		return;
	}
	if (s->kind == V_ARG && in->op == OP_ADDI && in->imm == 0) {
		*d = *s;
		return;
	}
	if (s->kind != V_CONST) {
		set_top(d, s->kind == V_TOP ? s->why : s->kind == V_MEM ? W_LOAD : W_OP);
		return;
	}
	struct val r = *s;
	for (int i = 0; i < r.n; i++) {
		uint64_t x = r.v[i];
		switch (in->op) {
		case OP_ADDI: x += in->imm; break;
		case OP_ORI:  x |= in->imm; break;
		case OP_ANDI: x &= in->imm; break;
		case OP_XORI: x ^= in->imm; break;
		}
		r.v[i] = mask(x, in->bits);
	}
	/* Arithmetic may make equal values of different ones. */
	d->kind = V_CONST;
	d->n = 0;
	for (int i = 0; i < r.n; i++)
		add_const(d, r.v[i]);
}

/* The state after instruction IN. */
static void transfer(struct val *regs, const struct insn *in, enum scan_machine m)
{
	for (uint32_t c = in->clobber, r = 0; c; c >>= 1, r++)
		if (c & 1)
			set_top(&regs[r], W_OP);
	struct val *d = in->dst < NREG ? &regs[in->dst] : NULL;
	switch (in->op) {
	case OP_MOVI:
		if (d)
			set_const(d, mask(in->imm, in->bits));
		break;
	case OP_MOVK:
		if (!d)
			break;
		if (d->kind == V_CONST) {
			uint64_t keep = ~((uint64_t)0xffff << in->shift);
			for (int i = 0; i < d->n; i++)
				d->v[i] = mask((d->v[i] & keep) | in->imm << in->shift, in->bits);
		} else if (d->kind != V_BOT) {
			set_top(d, d->kind == V_TOP ? d->why : W_OP);
		}
		break;
	case OP_COPY:
		if (d && in->src < NREG) {
			*d = regs[in->src];
			if (d->kind == V_CONST)
				for (int i = 0; i < d->n; i++)
					d->v[i] = mask(d->v[i], in->bits);
		}
		break;
	case OP_ADDI: case OP_ORI: case OP_ANDI: case OP_XORI:
		if (d && in->src < NREG) {
			struct val s = regs[in->src];
			arith(d, &s, in);
		} else if (d) {
			set_top(d, W_OP);
		}
		break;
	case OP_ADR:
		if (d)
			set_const(d, in->imm);
		break;
	case OP_LOAD:
		if (!d)
			break;
		if (in->src == REG_NONE) {
			d->kind = V_MEM;
			d->v[0] = in->imm;
		} else if (in->src < NREG && regs[in->src].kind == V_CONST &&
			   regs[in->src].n == 1) {
			uint64_t a = regs[in->src].v[0] + in->imm;
			d->kind = V_MEM;
			d->v[0] = a;
		} else {
			set_top(d, W_LOAD);
		}
		break;
	case OP_SYSCALL:
		set_top(&regs[X86_RAX], W_SYSRET);
		set_top(&regs[1], W_OP);
		set_top(&regs[11], W_OP);
		break;
	case OP_INT80:
		set_top(&regs[X86_RAX], W_SYSRET);
		break;
	case OP_SVC:
		set_top(&regs[0], W_SYSRET);
		break;
	case OP_CALL: case OP_CALLR: case OP_CALLM:
		for (uint32_t c = call_clobbers(m), r = 0; c; c >>= 1, r++)
			if (c & 1)
				set_top(&regs[r], W_CALL);
		break;
	}
}

static long insn_at(const struct func *fn, uint64_t addr)
{
	size_t lo = 0, hi = fn->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fn->insns[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < fn->n && fn->insns[lo].addr == addr ? (long)lo : -1;
}

static int ends_block(const struct insn *in)
{
	if (in->op == OP_CALL && in->noret)
		return 1;
	switch (in->op) {
	case OP_JCC: case OP_JMP: case OP_JMPR: case OP_JMPM: case OP_RET: case OP_STOP:
		return 1;
	}
	return 0;
}

struct blocks {
	size_t n;
	size_t *first;       /* first insn of each block; first[n] = fn->n */
	size_t *blk_of;      /* insn -> block */
	size_t **succ;       /* successors */
	size_t *nsucc;
	size_t *npred;
};

static void blocks_free(struct blocks *b)
{
	if (b->succ)
		for (size_t i = 0; i < b->n; i++)
			free(b->succ[i]);
	free(b->succ);
	free(b->nsucc);
	free(b->npred);
	free(b->first);
	free(b->blk_of);
}

static int add_succ(struct blocks *b, size_t from, size_t to)
{
	for (size_t i = 0; i < b->nsucc[from]; i++)
		if (b->succ[from][i] == to)
			return 0;
	size_t *p = realloc(b->succ[from], (b->nsucc[from] + 1) * sizeof *p);
	if (!p)
		return -1;
	b->succ[from] = p;
	p[b->nsucc[from]++] = to;
	b->npred[to]++;
	return 0;
}

static int build_blocks(const struct func *fn, struct blocks *b)
{
	memset(b, 0, sizeof *b);
	uint8_t *lead = calloc(fn->n + 1, 1);
	b->blk_of = malloc((fn->n + 1) * sizeof(size_t));
	if (!lead || !b->blk_of)
		goto oom;
	lead[0] = 1;
	for (size_t i = 0; i < fn->n; i++) {
		const struct insn *in = &fn->insns[i];
		if ((in->op == OP_JCC || in->op == OP_JMP) && in->imm >= fn->start &&
		    in->imm < fn->end) {
			long t = insn_at(fn, in->imm);
			if (t >= 0)
				lead[t] = 1;
		}
		if (ends_block(in))
			lead[i + 1] = 1;
	}
	for (size_t i = 0; i < fn->n; i++)
		b->n += lead[i];
	b->first = malloc((b->n + 1) * sizeof(size_t));
	b->succ = calloc(b->n, sizeof *b->succ);
	b->nsucc = calloc(b->n, sizeof(size_t));
	b->npred = calloc(b->n, sizeof(size_t));
	if (!b->first || !b->succ || !b->nsucc || !b->npred)
		goto oom;
	size_t k = 0;
	for (size_t i = 0; i < fn->n; i++) {
		if (lead[i])
			b->first[k++] = i;
		b->blk_of[i] = k - 1;
	}
	b->first[b->n] = fn->n;
	for (size_t k2 = 0; k2 < b->n; k2++) {
		const struct insn *last = &fn->insns[b->first[k2 + 1] - 1];
		int fall = 1;
		switch (last->op) {
		case OP_JMP:
			fall = 0;
			/* fall through */
		case OP_JCC:
			if (last->imm >= fn->start && last->imm < fn->end) {
				long t = insn_at(fn, last->imm);
				if (t >= 0 && add_succ(b, k2, b->blk_of[t]))
					goto oom;
			}
			break;
		case OP_JMPM:
			fall = 0;
			if (last->src == REG_NONE)
				break;      /* through a GOT slot: a tail call */
			/* fall through */
		case OP_JMPR:
			fall = 0;
			for (size_t t = 0; t < b->n; t++)
				if (add_succ(b, k2, t))
					goto oom;
			break;
		case OP_RET:
		case OP_STOP:
			fall = 0;
			break;
		case OP_CALL:
			fall = !last->noret;
			break;
		}
		if (fall && k2 + 1 < b->n && add_succ(b, k2, k2 + 1))
			goto oom;
	}
	free(lead);
	return 0;
oom:
	free(lead);
	blocks_free(b);
	return -1;
}

/* Alignment padding between blocks is no entry point. */
static int all_nops(const struct func *fn, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (fn->insns[i].op != OP_NOP)
			return 0;
	return 1;
}

int flow_run(const struct func *fn, enum scan_machine m, flow_visit_fn *visit,
	     void *ctx)
{
	if (fn->n == 0)
		return 0;
	struct blocks b;
	if (build_blocks(fn, &b))
		return -1;
	struct val *in = calloc(b.n * NREG, sizeof *in);
	size_t *work = malloc(b.n * sizeof(size_t));
	uint8_t *queued = calloc(b.n, 1);
	if (!in || !work || !queued) {
		free(in);
		free(work);
		free(queued);
		blocks_free(&b);
		return -1;
	}
	size_t nwork = 0;
	for (int r = 0; r < NREG; r++) {
		in[r].kind = V_ARG;
		in[r].reg = (uint8_t)r;
	}
	work[nwork++] = 0;
	queued[0] = 1;
	for (size_t k = 1; k < b.n; k++)
		if (b.npred[k] == 0 && !all_nops(fn, b.first[k], b.first[k + 1])) {
			for (int r = 0; r < NREG; r++)
				set_top(&in[k * NREG + r], W_NOPRED);
			work[nwork++] = k;
			queued[k] = 1;
		}
	struct val regs[NREG];
	while (nwork) {
		size_t k = work[--nwork];
		queued[k] = 0;
		memcpy(regs, &in[k * NREG], sizeof regs);
		for (size_t i = b.first[k]; i < b.first[k + 1]; i++)
			transfer(regs, &fn->insns[i], m);
		for (size_t s = 0; s < b.nsucc[k]; s++) {
			size_t t = b.succ[k][s];
			int changed = 0;
			for (int r = 0; r < NREG; r++)
				changed |= join(&in[t * NREG + r], &regs[r]);
			if (changed && !queued[t]) {
				queued[t] = 1;
				work[nwork++] = t;
			}
		}
	}
	for (size_t k = 0; k < b.n; k++) {
		if (in[k * NREG].kind == V_BOT && in[k * NREG + 1].kind == V_BOT)
			continue;   /* never reached */
		memcpy(regs, &in[k * NREG], sizeof regs);
		for (size_t i = b.first[k]; i < b.first[k + 1]; i++) {
			visit(ctx, fn, i, regs);
			transfer(regs, &fn->insns[i], m);
		}
	}
	free(in);
	free(work);
	free(queued);
	blocks_free(&b);
	return 0;
}
