/* syscall-scan: the data flow of one function. Splits the function into
 * basic blocks, then computes for every block what each register may hold
 * on entry (struct val) and what is known of memory (struct fstate: the
 * words of the stack frame and of the caller's objects the function wrote,
 * and which objects other code may reach), joined over every path that
 * reaches it. Control flow the analysis cannot follow is
 * over-approximated: an indirect jump may go to any block of the
 * function, a block no edge reaches starts with nothing known.
 *
 * Memory is modelled only where a pointer's origin is known: the frame
 * (entry SP + offset) and objects reached through an entry register plus
 * an offset. A write through any other pointer can reach only objects
 * whose address escaped (was stored, passed to a call, or published);
 * those are never trusted. Above its entry stack pointer a function
 * writes only its own stack arguments (or, for a block a jump reaches,
 * its jumper's frame): the objects a caller passes by address are reached
 * through those addresses, not through the stack pointer. Provenance bits follow every value so that an
 * object's address is seen to escape however it was computed. */
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/types.h"
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
	[W_ESC] = "loaded from memory other code may change",
	[W_ALIAS] = "in a structure whose address the call also passes in another "
		    "register, or in one the analysis does not follow",
};

#define MAX_VISITS 64   /* per block, before its state is widened to unknown */

uint8_t flow_sp(enum scan_machine m)
{
	return m == MACH_X86_64 ? X86_RSP : 31;
}

uint32_t flow_arg_regs(enum scan_machine m)
{
	if (m == MACH_X86_64)   /* rdi rsi rdx rcx r8 r9, r10 (static chain) */
		return 1u << 7 | 1u << 6 | 1u << 2 | 1u << 1 | 1u << 8 | 1u << 9 | 1u << 10;
	return 0x1ffu;          /* x0..x7, x8 (indirect result) */
}

uint32_t flow_caller_saved(enum scan_machine m)
{
	if (m == MACH_X86_64)
		return 1u << 0 | 1u << 1 | 1u << 2 | 1u << 6 | 1u << 7 | 1u << 8 |
		       1u << 9 | 1u << 10 | 1u << 11;
	return 0x7ffffu | 1u << 30;   /* x0..x18, x30 */
}

void flow_cfg_init(struct flow_cfg *cfg, enum scan_machine m)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->m = m;
}

/* ---- values ---------------------------------------------------------- */

static void set_top(struct val *v, uint8_t why, uint64_t from)
{
	v->kind = V_TOP;
	v->n = 0;
	v->why = why;
	v->from = from;
}

static uint64_t cbits(const struct flow_cfg *cfg, uint64_t c)
{
	uint64_t b = 0;
	for (size_t i = 0; i < cfg->nranges; i++)
		if (c >= cfg->ranges[i].lo && c < cfg->ranges[i].hi)
			b |= cfg->ranges[i].cbit;
	return b;
}

static uint64_t lbits(const struct flow_cfg *cfg, uint64_t a, int width)
{
	uint64_t b = 0;
	uint64_t end = a + (uint64_t)(width ? width : 1);
	for (size_t i = 0; i < cfg->nranges; i++)
		if (a < cfg->ranges[i].hi && end > cfg->ranges[i].lo)
			b |= cfg->ranges[i].lbit;
	return b;
}

static void set_const(struct val *v, uint64_t c, const struct flow_cfg *cfg)
{
	memset(v, 0, sizeof *v);
	v->kind = V_CONST;
	v->n = 1;
	v->v[0] = c;
	v->from = cbits(cfg, c);
}

/* Adds C to the constant set V; too many makes it unknown. */
static void add_const(struct val *v, uint64_t c)
{
	for (int i = 0; i < v->n; i++)
		if (v->v[i] == c)
			return;
	if (v->n == VMAX) {
		set_top(v, W_MANY, v->from);
		return;
	}
	v->v[v->n++] = c;
}

static uint64_t mask(uint64_t v, uint8_t bits)
{
	return bits == 32 ? v & 0xffffffffu : v;
}

/* The value of WIDTH bytes V, as a register of BITS holds it after a load
 * that sign-extends them or not. */
static uint64_t extend(uint64_t v, int width, int sext, int bits)
{
	if (width > 0 && width < 8) {
		uint64_t m = ((uint64_t)1 << (8 * width)) - 1;
		v &= m;
		if (sext && (v >> (8 * width - 1) & 1))
			v |= ~m;
	}
	return mask(v, (uint8_t)bits);
}

/* An entry register or a word loaded from a fixed address, whole: what
 * an offset can be added to and an address formed from. */
static int full_pointer(const struct val *v)
{
	return (v->kind == V_ARG && v->width == 0) ||
	       (v->kind == V_MEM && (v->width == 8 || v->width == 0));
}

static int same_val(const struct val *a, const struct val *b)
{
	if (a->kind != b->kind || a->from != b->from)
		return 0;
	switch (a->kind) {
	case V_BOT:
		return 1;
	case V_TOP:
		return a->why == b->why;
	case V_CONST:
		if (a->n != b->n)
			return 0;
		for (int i = 0; i < a->n; i++) {
			int found = 0;
			for (int k = 0; k < b->n; k++)
				found |= a->v[i] == b->v[k];
			if (!found)
				return 0;
		}
		return 1;
	case V_ARG:
		return a->reg == b->reg && a->off == b->off && a->width == b->width;
	case V_MEM:
	case V_LDG:
		return a->v[0] == b->v[0] && a->off == b->off && a->width == b->width &&
		       a->sext == b->sext;
	case V_LD:
		return a->reg == b->reg && a->off == b->off && a->width == b->width &&
		       a->sext == b->sext && a->pub == b->pub;
	}
	return 0;
}

/* *DST = *DST join *SRC. */
static void join(struct val *dst, const struct val *src)
{
	if (src->kind == V_BOT)
		return;
	if (dst->kind == V_BOT) {
		*dst = *src;
		return;
	}
	uint64_t from = dst->from | src->from;
	if (dst->kind == V_TOP) {
		dst->from = from;
		return;
	}
	if (src->kind == V_TOP) {
		set_top(dst, src->why, from);
		return;
	}
	if (dst->kind != src->kind) {
		set_top(dst, W_MERGE, from);
		return;
	}
	if (dst->kind == V_CONST) {
		dst->from = from;
		for (int i = 0; i < src->n && dst->kind == V_CONST; i++)
			add_const(dst, src->v[i]);
		return;
	}
	struct val a = *dst, b = *src;
	a.from = b.from = 0;
	if (!same_val(&a, &b)) {
		set_top(dst, dst->kind == V_ARG ? W_MERGE : W_LOAD, from);
		return;
	}
	dst->from = from;
}

/* *OUT = the low WIDTH bytes of a register holding V, extended (SEXT) to
 * a register of BITS. */
static void narrow(const struct val *v, int width, int sext, int bits, struct val *out)
{
	*out = *v;
	switch (v->kind) {
	case V_CONST:
		for (int i = 0; i < out->n; i++)
			out->v[i] = extend(v->v[i], width, sext, bits);
		return;
	case V_ARG:
		if (v->width == 0 && width == 8 && bits == 64)
			return;
		if (v->off == 0 && width >= 4 && !(width == 4 && sext)) {
			out->width = 4;
			return;
		}
		break;
	case V_LD: case V_LDG: case V_MEM: {
		int w0 = v->width ? v->width : 8;
		if (width == 8 && bits == 64)
			return;
		if (width < w0) {
			out->width = (uint8_t)width;
			out->sext = (uint8_t)(sext && bits == 64);
			if (!(sext && bits == 32 && width < 4))
				return;
		} else if (width == 4 && w0 == 4) {
			out->sext = (uint8_t)(sext && bits == 64);
			return;
		} else if (w0 < 4 && !v->sext) {
			return;   /* zero-extended either way */
		}
		break;
	}
	case V_TOP:
		return;
	}
	set_top(out, W_LOAD, v->from);
}

static void arith(struct val *d, const struct val *s, const struct insn *in,
		  const struct flow_cfg *cfg)
{
	if (s->kind == V_BOT) {
		d->kind = V_BOT;
		return;
	}
	if (full_pointer(s) && in->op == OP_ADDI && in->bits == 64) {
		*d = *s;
		d->off += (int64_t)in->imm;
		return;
	}
	if (s->kind == V_ARG && in->op == OP_ADDI && in->imm == 0) {
		*d = *s;
		if (in->bits == 32 && (d->off != 0 || d->width == 0))
			d->width = 4;
		if (d->off != 0 && in->bits == 32)
			set_top(d, W_OP, s->from);
		return;
	}
	if (s->kind != V_CONST) {
		set_top(d, s->kind == V_TOP ? s->why : s->kind == V_ARG ? W_OP : W_LOAD, s->from);
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
	memset(d, 0, sizeof *d);
	d->kind = V_CONST;
	d->from = s->from;
	for (int i = 0; i < r.n && d->kind == V_CONST; i++) {
		add_const(d, r.v[i]);
		d->from |= cbits(cfg, r.v[i]);
	}
}

/* ---- memory ------------------------------------------------------------ */

/* Width 0: to the end of the object. */
static int overlaps(int64_t a, int aw, int64_t b, int bw)
{
	return (!bw || a < b + bw) && (!aw || b < a + aw);
}

static uint64_t obj_bit(uint8_t r)
{
	return (uint64_t)1 << r;
}

/* Forgets cell I: its value may still be read (LOST keeps its provenance)
 * unless it was overwritten (dead). */
static void remove_cell(struct fstate *st, size_t i)
{
	memmove(&st->c[i], &st->c[i + 1], (st->nc - i - 1) * sizeof st->c[0]);
	st->nc--;
}

static void drop_cell(struct fstate *st, uint8_t sp, size_t i)
{
	if (st->c[i].base == sp)
		st->lost |= st->c[i].v.from;
	remove_cell(st, i);
}

/* Forgets every cell of object R. */
static void drop_object(struct fstate *st, uint8_t sp, uint8_t r)
{
	for (size_t i = st->nc; i-- > 0;)
		if (st->c[i].base == r)
			drop_cell(st, sp, i);
}

/* Object R's words are no longer known: a write the analysis cannot place. */
static void clobber(struct fstate *st, uint8_t sp, uint8_t r)
{
	drop_object(st, sp, r);
	st->clob |= (uint32_t)obj_bit(r);
}

/* OBJS and every object a pointer kept in one of them may point to. */
static uint64_t reachable(const struct fstate *st, uint8_t sp, uint64_t objs)
{
	objs &= PROV_REGS;
	for (uint64_t prev = 0; prev != objs;) {
		prev = objs;
		for (size_t i = 0; i < st->nc; i++)
			if (objs & obj_bit(st->c[i].base))
				objs |= st->c[i].v.from & PROV_REGS;
		if (objs & obj_bit(sp))
			objs |= st->lost & PROV_REGS;
	}
	return objs;
}

/* Other code may reach the objects OBJS (and what they point to) and
 * change them at any time from now on. */
static void escape(struct fstate *st, uint8_t sp, uint64_t objs)
{
	objs = reachable(st, sp, objs);
	for (uint8_t r = 0; r < NREG; r++)
		if (objs & obj_bit(r)) {
			clobber(st, sp, r);
			st->esc |= (uint32_t)obj_bit(r);
			st->pub &= ~(uint32_t)obj_bit(r);
		}
}

/* The objects OBJS (and what they point to) were written. */
static void clobber_deep(struct fstate *st, uint8_t sp, uint64_t objs)
{
	objs = reachable(st, sp, objs);
	for (uint8_t r = 0; r < NREG; r++)
		if (objs & obj_bit(r))
			clobber(st, sp, r);
}

void flow_addr(const struct fstate *st, const struct insn *in, struct val *out)
{
	struct val b;
	if (in->mbase == REG_NONE) {
		memset(&b, 0, sizeof b);
		b.kind = V_CONST;
		b.n = 1;
	} else if (in->mbase < NREG) {
		b = st->r[in->mbase];
	} else {
		set_top(&b, W_LOAD, 0);
	}
	int64_t disp = in->wb == WB_POST ? 0 : in->disp;
	if (in->mindex == REG_UNK) {
		/* An instruction the decoder does not know: any register may
		 * be its address. */
		uint64_t f = 0;
		for (int r = 0; r < NREG; r++)
			f |= st->r[r].from;
		set_top(out, W_LOAD, f);
		return;
	}
	if (in->mindex != REG_NONE) {
		uint64_t f = b.from | (in->mindex < NREG ? st->r[in->mindex].from : 0);
		set_top(out, W_LOAD, f);
		return;
	}
	if (b.kind == V_CONST && b.n == 1) {
		*out = b;
		out->v[0] += (uint64_t)disp;
	} else if (full_pointer(&b)) {
		*out = b;
		out->off += disp;
	} else {
		set_top(out, W_LOAD, b.kind == V_BOT ? 0 : b.from);
	}
}

/* Provenance of whatever objects with bits OBJS may hold. */
static uint64_t contents_from(const struct fstate *st, uint8_t sp, uint64_t objs)
{
	uint64_t f = 0;
	for (size_t i = 0; i < st->nc; i++)
		if (objs & obj_bit(st->c[i].base))
			f |= st->c[i].v.from;
	if (objs & obj_bit(sp))
		f |= st->lost;
	return f;
}

void flow_read(const struct fstate *st, const struct flow_cfg *cfg, const struct val *addr,
	       int width, int sext, int bits, struct val *out)
{
	uint8_t sp = flow_sp(cfg->m);
	/* Marks pass only to a word that can hold a pointer. */
	int word = width == 8 || width == 0;
	uint64_t sticky = word && (addr->from & cfg->load_if) ? cfg->load_add : 0;
	if (bits == 32 && sext && width > 0 && width < 4) {
		set_top(out, W_LOAD, sticky);   /* sign-extended to 32 bits only */
		return;
	}
	if (bits == 32 && width == 8)
		width = 4;
	if (bits == 32)
		sext = 0;
	if (cfg->registers_only && addr->kind != V_CONST && addr->kind != V_MEM) {
		set_top(out, W_LOAD, 0);
		return;
	}
	switch (addr->kind) {
	case V_CONST:
		memset(out, 0, sizeof *out);
		out->kind = V_MEM;
		out->v[0] = addr->v[0];
		out->width = (uint8_t)width;
		out->sext = (uint8_t)sext;
		out->from = sticky | (word ? lbits(cfg, addr->v[0], width) : 0);
		return;
	case V_MEM:
		memset(out, 0, sizeof *out);
		out->kind = V_LDG;
		out->v[0] = addr->v[0];
		out->off = addr->off;
		out->width = (uint8_t)width;
		out->sext = (uint8_t)sext;
		out->from = sticky;
		return;
	case V_ARG: {
		uint8_t r = addr->reg;
		for (size_t i = st->nc; i-- > 0;) {
			const struct cell *c = &st->c[i];
			if (c->base != r || !overlaps(c->off, c->width, addr->off, width ? width : 1))
				continue;
			if (width && c->width && c->off <= addr->off &&
			    addr->off + width <= c->off + c->width) {
				if (c->v.kind == V_CONST) {
					*out = c->v;
					out->n = 0;
					unsigned sh = (unsigned)(addr->off - c->off) * 8;
					for (int k = 0; k < c->v.n && out->kind == V_CONST; k++)
						add_const(out, extend(c->v.v[k] >> sh, width, sext, bits));
					out->from |= sticky;
					return;
				}
				if (c->off == addr->off) {
					narrow(&c->v, width, sext, bits, out);
					out->from |= sticky;
					return;
				}
			}
			set_top(out, W_LOAD, c->v.from | sticky);
			return;
		}
		if (r == sp && addr->off < 0) {
			set_top(out, (st->esc & obj_bit(sp)) ? W_ESC : W_LOAD, st->lost | sticky);
			return;
		}
		/* A word that may be a pointer the caller stored in its
		 * object: following it reaches what the object reaches. */
		if (r != sp && (width == 8 || width == 0))
			sticky |= obj_bit(r);
		if ((st->esc | st->clob) & obj_bit(r) || addr->width || !width) {
			set_top(out, (st->esc & obj_bit(r)) ? W_ESC : W_LOAD, sticky);
			return;
		}
		memset(out, 0, sizeof *out);
		out->kind = V_LD;
		out->reg = r;
		out->off = addr->off;
		out->width = (uint8_t)width;
		out->sext = (uint8_t)sext;
		out->pub = (st->pub & obj_bit(r)) != 0;
		out->from = sticky;
		return;
	}
	default: {
		uint64_t o = addr->kind == V_TOP ? addr->from & PROV_REGS : 0;
		if (width == 8 || width == 0)
			sticky |= o & ~obj_bit(sp);
		set_top(out, W_LOAD, sticky | contents_from(st, sp, o));
		return;
	}
	}
}

/* Adds the cell [base + off, +width) = V, newest. */
static void add_cell(struct fstate *st, uint8_t sp, uint8_t base, int64_t off, int width,
		     const struct val *v)
{
	/* Older cells the new one covers are dead. */
	for (size_t i = st->nc; i-- > 0;)
		if (st->c[i].base == base && st->c[i].off >= off &&
		    (!width || (st->c[i].width && st->c[i].off + st->c[i].width <= off + width)))
			remove_cell(st, i);
	if (st->nc == NCELL) {
		/* Out of room: forget the oldest; an object's word without a
		 * cell would read as its entry value, so the object is clobbered. */
		uint8_t b = st->c[0].base;
		drop_cell(st, sp, 0);
		if (b != sp)
			clobber(st, sp, b);
	}
	struct cell *c = &st->c[st->nc++];
	c->base = base;
	c->off = off;
	c->width = (uint8_t)width;
	c->v = *v;
	if (c->v.kind == V_CONST)
		for (int k = 0; k < c->v.n; k++)
			c->v.v[k] = extend(c->v.v[k], width, 0, 64);
}

/* A write of WIDTH bytes (0: unknown extent) holding V at ADDR. */
static void mem_write(struct fstate *st, const struct flow_cfg *cfg, const struct val *addr,
		      int width, const struct val *v)
{
	if (cfg->registers_only)
		return;
	uint8_t sp = flow_sp(cfg->m);
	/* The value: a pointer to an object stored anywhere but the
	 * frame's own cells lets other code reach the object (fewer than 8
	 * bytes hold no pointer). */
	uint64_t objs = width && width < 8 ? 0 : v->from & PROV_REGS;
	if (objs) {
		if (addr->kind == V_ARG && addr->reg == sp && !(st->esc & obj_bit(sp))) {
			/* kept in a cell of the frame */
		} else if (addr->kind == V_CONST && v->kind == V_ARG && v->off == 0 &&
			   v->width == 0 && width == 8 && v->reg != sp) {
			uint8_t r = v->reg;
			if ((st->pub & obj_bit(r)) && st->pubaddr != addr->v[0]) {
				escape(st, sp, obj_bit(r));
			} else if (!(st->esc & obj_bit(r))) {
				if (!st->pub)
					st->pubaddr = addr->v[0];
				if (st->pubaddr == addr->v[0]) {
					/* Published: the object's words may be
					 * written by whoever reads the global. */
					for (size_t i = 0; i < st->nc; i++)
						if (st->c[i].base == r)
							set_top(&st->c[i].v, W_ESC, st->c[i].v.from);
					st->pub |= (uint32_t)obj_bit(r);
				} else {
					escape(st, sp, obj_bit(r));
				}
			}
			escape(st, sp, objs & ~obj_bit(r));
		} else {
			escape(st, sp, objs);
		}
	}
	/* The place. */
	switch (addr->kind) {
	case V_ARG: {
		uint8_t r = addr->reg;
		if (addr->width) {
			escape(st, sp, obj_bit(r));   /* a truncated pointer: anywhere */
			break;
		}
		if (st->esc & obj_bit(r)) {
			if (r == sp)
				st->lost |= v->from;
			break;
		}
		if (!width || width > 64) {
			clobber(st, sp, r);
			if (r == sp)
				st->lost |= v->from;
			break;
		}
		struct val cv = *v;
		if ((st->pub & obj_bit(r)) || width > 8)
			set_top(&cv, W_ESC, v->from);
		add_cell(st, sp, r, addr->off, width, &cv);
		break;
	}
	case V_MEM:
		/* Through the pointer a global holds: if that is where an
		 * object was published, a write to that object. */
		if (st->pub && addr->v[0] == st->pubaddr)
			for (uint8_t r = 0; r < NREG; r++)
				if (st->pub & obj_bit(r))
					clobber(st, sp, r);
		break;
	case V_CONST:
		break;      /* a global: no object the caller passed */
	default: {
		/* Unknown offset: whatever object the address came from. */
		uint64_t o = addr->from & PROV_REGS;
		for (uint8_t r = 0; r < NREG; r++)
			if (o & obj_bit(r)) {
				clobber(st, sp, r);
				if (r == sp)
					st->lost |= v->from;
			}
		break;
	}
	}
}

int flow_width(const struct fstate *st, const struct insn *in)
{
	if (!in->rep)
		return in->mwidth;
	const struct val *n = &st->r[1];   /* rcx */
	if (n->kind == V_CONST && n->n == 1 && n->v[0] <= (1u << 24) / (in->mwidth ? in->mwidth : 1))
		return (int)n->v[0] * in->mwidth;
	return 0;
}

/* ---- one instruction --------------------------------------------------- */

/* Objects the pointers kept in the frame's cells point to. */
static uint64_t frame_from(const struct fstate *st, uint8_t sp)
{
	uint64_t f = 0;
	for (size_t i = 0; i < st->nc; i++)
		if (st->c[i].base == sp)
			f |= st->c[i].v.from;
	return f & PROV_REGS & ~obj_bit(sp);
}

/* The frame across a call: what is below the stack pointer goes (the
 * return address, the callee's frame). A callee that may use its stack
 * arguments (ARGS) may write them, with a value derived from what it was
 * given (F): the words the caller stored from the stack pointer up, as
 * far as they run without a gap (a compiler stores every stack argument
 * before the call; its locals are not the callee's). */
static void call_frame(struct fstate *st, uint8_t sp, int args, uint64_t f)
{
	const struct val *s = &st->r[sp];
	if (!(s->kind == V_ARG && s->reg == sp && s->width == 0)) {
		for (size_t i = st->nc; i-- > 0;)
			if (st->c[i].base == sp)
				drop_cell(st, sp, i);
		return;
	}
	for (size_t i = st->nc; i-- > 0;)
		if (st->c[i].base == sp && st->c[i].off < s->off)
			remove_cell(st, i);   /* overwritten by the call */
	if (!args)
		return;
	int64_t end = s->off;
	for (int grew = 1; grew;) {
		grew = 0;
		for (size_t i = 0; i < st->nc; i++) {
			struct cell *c = &st->c[i];
			if (c->base == sp && c->off <= end && (!c->width || c->off + c->width > end)) {
				set_top(&c->v, W_CALL, c->v.from | f);
				if (!c->width) {
					end = INT64_MAX;
					break;
				}
				end = c->off + c->width;
				grew = 1;
			}
		}
	}
}

/* 1 for the register a function returns a value in, 2 for the one a
 * second word of it comes back in (rdx, x1: a summary's "leave"), 0 for
 * the other scratch registers, which hold nothing a caller uses (the
 * ABI's promise; README, "Assumptions"). */
static int ret_reg(enum scan_machine m, uint32_t r)
{
	if (m == MACH_X86_64)
		return r == X86_RAX ? 1 : r == 2 ? 2 : 0;
	return r == 0 ? 1 : r == 1 ? 2 : 0;
}

static uint64_t regs_from(const struct fstate *st, uint32_t regs)
{
	uint64_t f = 0;
	for (uint8_t r = 0; r < NREG; r++)
		if (regs & (1u << r))
			f |= st->r[r].from;
	return f;
}

static void source(const struct fstate *st, uint8_t src, uint64_t imm, uint8_t bits,
		   const struct flow_cfg *cfg, struct val *out)
{
	if (src == REG_NONE) {
		set_const(out, imm, cfg);
	} else if (src == REG_ZERO) {
		set_const(out, 0, cfg);
	} else if (src < NREG) {
		*out = st->r[src];
		if (bits == 32 && out->kind == V_CONST)
			for (int i = 0; i < out->n; i++)
				out->v[i] = mask(out->v[i], 32);
	} else {
		set_top(out, W_OP, 0);
	}
}

/* Someone else (the kernel, a callee) writes at and after the pointer V
 * plus LO (INT64_MIN: anywhere in its object), and through the pointers
 * that memory holds. */
static void write_from(struct fstate *st, uint8_t sp, const struct val *v, int64_t lo)
{
	if (v->kind == V_ARG && v->width == 0 && lo != INT64_MIN &&
	    !(st->esc & obj_bit(v->reg))) {
		clobber_deep(st, sp, reachable(st, sp, obj_bit(v->reg)) & ~obj_bit(v->reg));
		if (v->reg == sp || v->off + lo < v->off - ((int64_t)1 << 40))
			clobber(st, sp, v->reg);
		else
			add_cell(st, sp, v->reg, v->off + lo, 0,
				 &(struct val){ .kind = V_TOP, .why = W_CALL });
	} else {
		clobber_deep(st, sp, v->from & PROV_REGS);
	}
}

/* Syscalls the kernel keeps a pointer from, to write through later
 * (robust lists, rseq, clear_child_tid, signal stacks, asynchronous I/O),
 * or whose arguments change memory otherwise (mappings) or mean anything
 * (ioctl, prctl, bpf). */
static int keeps_pointers(const char *name)
{
	static const char *const names[] = {
		"set_robust_list", "set_tid_address", "rseq", "clone", "clone3",
		"sigaltstack", "io_uring_setup", "io_uring_enter", "io_uring_register",
		"io_setup", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
		"prctl", "ioctl", "userfaultfd", "bpf", "perf_event_open", "shmat",
		"mmap", "munmap", "mremap", "madvise", "mprotect", "remap_file_pages",
		"process_madvise", "ptrace", "vmsplice", "fcntl", "futex_waitv",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* The registers syscall instruction IN passes on, by what the kernel may
 * do with them: keep a pointer or take anything (ESC: the number is not
 * known, the syscall keeps pointers, or the argument is a long), write
 * at and after a pointer (WR), or only read there (RD). */
void flow_syscall_args(const struct fstate *st, const struct insn *in, enum scan_machine m,
		       uint32_t *esc_regs, uint32_t *wr_regs, uint32_t *rd_regs)
{
	static const uint8_t x86[6] = { 7, 6, 2, 10, 8, 9 };
	static const uint8_t a64[6] = { 0, 1, 2, 3, 4, 5 };
	static const uint8_t i386[6] = { 3, 1, 2, 6, 7, 5 };
	const struct val *nr = &st->r[in->op == OP_SVC ? A64_X8 : X86_RAX];
	const uint8_t *regs = in->op == OP_SVC ? a64 : in->op == OP_INT80 ? i386 : x86;
	const struct arch *a = in->op == OP_INT80 ? NULL :
			       arch_by_name(m == MACH_X86_64 ? "x86_64" : "aarch64");
	uint8_t esc = 0, wr = 0, rd = 0;   /* bit per argument */
	if (nr->kind != V_CONST || !a) {
		esc = 0x3f;
	} else {
		for (int i = 0; i < nr->n; i++) {
			const char *name = nr->v[i] >> 32 ? NULL :
					   arch_syscall_name(a, (uint32_t)nr->v[i]);
			const struct syscall_proto *p = name ? arch_syscall_proto(a, name) : NULL;
			if (!p || !p->known || keeps_pointers(name)) {
				esc = 0x3f;
				break;
			}
			for (int k = 0; k < p->nparams && k < 6; k++) {
				const struct syscall_param *q = &p->params[k];
				if (q->is_pointer && strncmp(q->ctype, "const ", 6) == 0)
					rd |= (uint8_t)(1u << k);
				else if (q->is_pointer)
					wr |= (uint8_t)(1u << k);
				else if (q->width == 64)
					esc |= (uint8_t)(1u << k);   /* a long: maybe a pointer */
			}
		}
	}
	*esc_regs = *wr_regs = *rd_regs = 0;
	for (int k = 0; k < 6; k++) {
		uint32_t bit = 1u << regs[k];
		if (esc & (1u << k))
			*esc_regs |= bit;
		else if (wr & (1u << k))
			*wr_regs |= bit;
		else if (rd & (1u << k))
			*rd_regs |= bit;
	}
}

uint32_t flow_syscall_reads(const struct fstate *st, const struct insn *in, enum scan_machine m)
{
	static const uint8_t x86[6] = { 7, 6, 2, 10, 8, 9 };
	static const uint8_t i386[6] = { 3, 1, 2, 6, 7, 5 };
	const struct val *nr = &st->r[in->op == OP_SVC ? A64_X8 : X86_RAX];
	const struct arch *a = in->op == OP_INT80 ? NULL :
			       arch_by_name(m == MACH_X86_64 ? "x86_64" : "aarch64");
	int n = 0;
	if (nr->kind != V_CONST || !a) {
		n = 6;
	} else {
		for (int i = 0; i < nr->n && n < 6; i++) {
			const char *name = nr->v[i] >> 32 ? NULL :
					   arch_syscall_name(a, (uint32_t)nr->v[i]);
			const struct syscall_proto *p = name ? arch_syscall_proto(a, name) : NULL;
			if (!p || !p->known)
				n = 6;
			else if (p->nparams > n)
				n = p->nparams;
		}
	}
	uint32_t mask = 0;
	for (int k = 0; k < n && k < 6; k++)
		mask |= 1u << (in->op == OP_SVC ? k : in->op == OP_INT80 ? i386[k] : x86[k]);
	return mask;
}

/* What syscall instruction IN may do to memory: the kernel writes at and
 * after each pointer it is given (not before: a buffer or structure
 * starts there) and through the pointers that memory holds (iovecs,
 * msghdrs); const pointers are only read. */
static void syscall_memory(struct fstate *st, const struct insn *in,
			   const struct flow_cfg *cfg)
{
	uint8_t sp = flow_sp(cfg->m);
	uint32_t esc, wr, rd;
	flow_syscall_args(st, in, cfg->m, &esc, &wr, &rd);
	for (uint8_t r = 0; r < NREG; r++) {
		const struct val *v = &st->r[r];
		uint64_t objs = v->from & PROV_REGS;
		if (esc & (1u << r))
			escape(st, sp, objs);
		else if (wr & (1u << r))
			write_from(st, sp, v, 0);
		else if (rd & (1u << r))
			clobber_deep(st, sp, reachable(st, sp, objs) & ~objs);
	}
}

static void writeback(struct fstate *st, const struct insn *in, const struct flow_cfg *cfg)
{
	if (!in->wb || in->mbase >= NREG)
		return;
	struct insn add = { .op = OP_ADDI, .imm = (uint64_t)in->wbimm, .bits = 64 };
	struct val s = st->r[in->mbase];
	arith(&st->r[in->mbase], &s, &add, cfg);
}

static void do_load(struct fstate *st, const struct flow_cfg *cfg, const struct insn *in,
		    const struct val *addr, int64_t extra, uint8_t dst)
{
	if (dst >= NREG)
		return;
	struct val a = *addr;
	if (a.kind == V_CONST)
		a.v[0] += (uint64_t)extra;
	else if (a.kind == V_ARG || a.kind == V_MEM)
		a.off += extra;
	else if (extra)
		a.kind = V_TOP;
	flow_read(st, cfg, &a, in->mwidth, in->sext, in->bits ? in->bits : 64, &st->r[dst]);
}

static void do_store(struct fstate *st, const struct flow_cfg *cfg, const struct insn *in,
		     const struct val *addr, int64_t extra, const struct val *v)
{
	struct val a = *addr;
	if (a.kind == V_CONST)
		a.v[0] += (uint64_t)extra;
	else if (a.kind == V_ARG || a.kind == V_MEM)
		a.off += extra;
	mem_write(st, cfg, &a, in->mwidth, v);
}

static void transfer(struct fstate *st, const struct func *fn, const struct insn *in,
		     const struct flow_cfg *cfg)
{
	uint8_t sp = flow_sp(cfg->m);
	struct val addr = { 0 }, v;
	if (in->mem || in->op == OP_PUSH || in->op == OP_POP) {
		if (in->mem)
			flow_addr(st, in, &addr);
	}
	uint64_t rfrom = 0;
	if (in->op == OP_OTHER) {
		rfrom = regs_from(st, in->reads);
		if (in->mem & MEM_R) {
			struct val m;
			flow_read(st, cfg, &addr, in->mwidth ? in->mwidth : 8, 0, 64, &m);
			rfrom |= m.from;
			if (addr.kind != V_ARG && addr.kind != V_CONST)
				rfrom |= contents_from(st, sp, addr.from & PROV_REGS);
		}
		if (in->mem & MEM_W) {
			struct val w;
			set_top(&w, W_OP, rfrom);
			mem_write(st, cfg, &addr, flow_width(st, in), &w);
		}
	}
	for (uint32_t c = in->clobber, r = 0; c; c >>= 1, r++)
		if (c & 1)
			set_top(&st->r[r], W_OP, rfrom | st->r[r].from);
	struct val *d = in->dst < NREG ? &st->r[in->dst] : NULL;
	switch (in->op) {
	case OP_MOVI:
		if (d)
			set_const(d, mask(in->imm, in->bits), cfg);
		break;
	case OP_MOVK:
		if (!d)
			break;
		if (d->kind == V_CONST) {
			uint64_t chunk = ((uint64_t)1 << (in->kw ? in->kw : 16)) - 1;
			uint64_t keep = ~(chunk << in->shift);
			for (int i = 0; i < d->n; i++) {
				d->v[i] = mask((d->v[i] & keep) | in->imm << in->shift, in->bits);
				d->from |= cbits(cfg, d->v[i]);
			}
		} else if (d->kind != V_BOT) {
			set_top(d, d->kind == V_TOP ? d->why : W_OP, d->from);
		}
		break;
	case OP_COPY:
		if (d && in->src < NREG) {
			struct val s = st->r[in->src];
			if (in->bits == 32 && s.kind != V_BOT)
				narrow(&s, 4, 0, 32, d);
			else
				*d = s;
		}
		break;
	case OP_ADDI: case OP_ORI: case OP_ANDI: case OP_XORI:
		if (d && in->src < NREG) {
			struct val s = st->r[in->src];
			arith(d, &s, in, cfg);
		} else if (d) {
			set_top(d, W_OP, 0);
		}
		break;
	case OP_ADR:
		if (d)
			set_const(d, in->imm, cfg);
		break;
	case OP_LOAD:
		do_load(st, cfg, in, &addr, 0, in->dst);
		writeback(st, in, cfg);
		break;
	case OP_LOAD2:
		do_load(st, cfg, in, &addr, 0, in->dst);
		do_load(st, cfg, in, &addr, in->mwidth, in->dst2);
		writeback(st, in, cfg);
		break;
	case OP_STORE:
		source(st, in->src, in->imm, 64, cfg, &v);
		do_store(st, cfg, in, &addr, 0, &v);
		writeback(st, in, cfg);
		break;
	case OP_STORE2: {
		struct val v2;
		source(st, in->src, in->imm, 64, cfg, &v);
		source(st, in->src2, 0, 64, cfg, &v2);
		do_store(st, cfg, in, &addr, 0, &v);
		do_store(st, cfg, in, &addr, in->mwidth, &v2);
		writeback(st, in, cfg);
		break;
	}
	case OP_PUSH: {
		struct insn sub = { .op = OP_ADDI, .imm = (uint64_t)-8, .bits = 64 };
		struct val s = st->r[sp];
		source(st, in->src, in->imm, 64, cfg, &v);
		arith(&st->r[sp], &s, &sub, cfg);
		struct insn at = { .mbase = sp, .mindex = REG_NONE };
		flow_addr(st, &at, &addr);
		mem_write(st, cfg, &addr, 8, &v);
		break;
	}
	case OP_POP: {
		struct insn at = { .mbase = sp, .mindex = REG_NONE };
		struct insn add = { .op = OP_ADDI, .imm = 8, .bits = 64 };
		flow_addr(st, &at, &addr);
		flow_read(st, cfg, &addr, 8, 0, 64, &v);
		struct val s = st->r[sp];
		arith(&st->r[sp], &s, &add, cfg);
		if (d)
			*d = v;
		break;
	}
	case OP_SYSCALL:
	case OP_INT80:
	case OP_SVC: {
		syscall_memory(st, in, cfg);
		if (in->op == OP_SVC) {
			set_top(&st->r[0], W_SYSRET, 0);
		} else {
			set_top(&st->r[X86_RAX], W_SYSRET, 0);
			if (in->op == OP_SYSCALL) {
				set_top(&st->r[1], W_OP, 0);
				set_top(&st->r[11], W_OP, 0);
			}
		}
		break;
	}
	case OP_CALL: case OP_CALLR: case OP_CALLM: {
		uint32_t cs = flow_caller_saved(cfg->m);
		uint64_t f = regs_from(st, cs);
		struct call_sum sum;
		int known = cfg->call_sum ? cfg->call_sum(cfg->ctx, fn, in, &sum) : -1;
		if (known == 0) {
			/* What the callee is known to do with what it is given. */
			if (sum.stack)
				escape(st, sp, frame_from(st, sp));
			escape(st, sp, regs_from(st, sum.esc) & PROV_REGS);
			for (uint8_t r = 0; r < NREG; r++)
				if (sum.wr & (1u << r))
					write_from(st, sp, &st->r[r], sum.wrlo[r]);
			call_frame(st, sp, sum.stack, f);
			uint64_t rf = regs_from(st, (uint32_t)(sum.ret & PROV_REGS)) |
				      (sum.ret & ~PROV_REGS);
			/* The second return register: objects, not marks (a
			 * two-word value carrying what an analysis tracks is its
			 * business: pointers.c notes it). */
			uint64_t lf = regs_from(st, (uint32_t)(sum.leave & PROV_REGS)) & PROV_REGS;
			for (uint32_t r = 0; r < NREG; r++)
				if (cs & (1u << r))
					set_top(&st->r[r], W_CALL, ret_reg(cfg->m, r) == 1 ? rf :
						ret_reg(cfg->m, r) == 2 ? lf : 0);
			break;
		}
		/* A callee nothing is known of takes its arguments in the
		 * ABI's argument registers (and rax when it is called through
		 * the word a constant rax points to: a TLS descriptor). */
		f = regs_from(st, known == 1 ? sum.reads & cs :
			      flow_arg_regs(cfg->m) |
			      (in->op == OP_CALLM && in->mbase == X86_RAX &&
			       cfg->m == MACH_X86_64 && st->r[X86_RAX].kind != V_ARG &&
			       st->r[X86_RAX].kind != V_TOP ? 1u << X86_RAX : 0));
		/* What the callee is given may be kept anywhere, stack
		 * arguments too; it may write its stack arguments (and the
		 * red zone goes). */
		escape(st, sp, (f & PROV_REGS) | frame_from(st, sp));
		call_frame(st, sp, 1, f);
		for (uint32_t r = 0; r < NREG; r++)
			if (cs & (1u << r))
				set_top(&st->r[r], W_CALL, ret_reg(cfg->m, r) ? f : 0);
		break;
	}
	case OP_OTHER:
		if (in->wb)
			writeback(st, in, cfg);
		break;
	}
}

/* ---- states -------------------------------------------------------------- */

static void state_entry(struct fstate *st, const struct flow_cfg *cfg)
{
	memset(st, 0, sizeof *st);
	for (uint8_t r = 0; r < NREG; r++) {
		st->r[r].kind = V_ARG;
		st->r[r].reg = r;
		st->r[r].from = obj_bit(r) | cfg->entry[r];
	}
}

/* Nothing known: code no edge of its function reaches. Its registers may
 * point anywhere (but hold no analysis' mark: marks come from code, and
 * code that jumps here from elsewhere is checked where it jumps). */
static void state_unknown(struct fstate *st)
{
	memset(st, 0, sizeof *st);
	for (int r = 0; r < NREG; r++)
		set_top(&st->r[r], W_NOPRED, PROV_REGS);
	st->esc = st->clob = 0xffffffffu;
	st->lost = PROV_REGS;
	st->nopred = 1;
}

static int nregs(enum scan_machine m)
{
	return m == MACH_X86_64 ? 16 : NREG;
}

/* *DST = *SRC, the parts in use. */
static void state_copy(struct fstate *dst, const struct fstate *src, enum scan_machine m)
{
	memcpy(dst->r, src->r, (size_t)nregs(m) * sizeof src->r[0]);
	memcpy(dst->c, src->c, src->nc * sizeof src->c[0]);
	dst->nc = src->nc;
	dst->esc = src->esc;
	dst->clob = src->clob;
	dst->pub = src->pub;
	dst->pubaddr = src->pubaddr;
	dst->lost = src->lost;
	dst->nopred = src->nopred;
}

static int reached(const struct fstate *st)
{
	return st->r[0].kind != V_BOT || st->r[1].kind != V_BOT;
}

static int find_cell(const struct fstate *st, uint8_t base, int64_t off, int width)
{
	for (size_t i = 0; i < st->nc; i++)
		if (st->c[i].base == base && st->c[i].off == off && st->c[i].width == width)
			return (int)i;
	return -1;
}

static void read_key(const struct fstate *st, const struct flow_cfg *cfg,
		     const struct cell *k, struct val *out)
{
	struct val a = { .kind = V_ARG, .reg = k->base, .off = k->off };
	flow_read(st, cfg, &a, k->width, 0, 64, out);
	if (out->kind == V_LD)
		out->pub = 0;
}

/* *DST = *DST join *SRC; 1 if *DST changed. */
static int join_state(struct fstate *dst, const struct fstate *src,
		      const struct flow_cfg *cfg)
{
	if (!reached(src))
		return 0;
	if (!reached(dst)) {
		state_copy(dst, src, cfg->m);
		if (cfg->registers_only)
			for (int r = 0; r < NREG; r++)
				dst->r[r].from = 0;
		return 1;
	}
	uint8_t sp = flow_sp(cfg->m);
	int changed = 0;
	for (int r = 0; r < nregs(cfg->m); r++) {
		if (same_val(&dst->r[r], &src->r[r]))
			continue;
		struct val before = dst->r[r];
		join(&dst->r[r], &src->r[r]);
		if (cfg->registers_only)
			dst->r[r].from = 0;   /* nothing looks at provenance there */
		changed |= !same_val(&before, &dst->r[r]);
	}
	uint32_t esc = dst->esc | src->esc, clob = dst->clob | src->clob;
	uint32_t pub = dst->pub | src->pub;
	uint64_t pubaddr = dst->pub ? dst->pubaddr : src->pubaddr;
	uint64_t lost = dst->lost | src->lost;
	if (dst->pub && src->pub && dst->pubaddr != src->pubaddr) {
		esc |= pub;
		clob |= pub;
		pub = 0;
	}
	/* Cells: each key either side has, valued as both sides read it. */
	int same_cells = dst->nc == src->nc;
	for (size_t i = 0; same_cells && i < dst->nc; i++)
		same_cells = dst->c[i].base == src->c[i].base && dst->c[i].off == src->c[i].off &&
			     dst->c[i].width == src->c[i].width &&
			     same_val(&dst->c[i].v, &src->c[i].v);
	if (!same_cells || esc != dst->esc || clob != dst->clob || pub != dst->pub) {
		struct cell keys[2 * NCELL], out[NCELL];
		size_t nk = 0, no = 0;
		for (size_t i = 0; i < dst->nc; i++)
			keys[nk++] = dst->c[i];
		for (size_t i = 0; i < src->nc; i++)
			if (find_cell(dst, src->c[i].base, src->c[i].off, src->c[i].width) < 0)
				keys[nk++] = src->c[i];
		for (size_t i = 0; i < nk; i++) {
			uint8_t base = keys[i].base;
			if (esc & obj_bit(base)) {
				if (base == sp)
					lost |= keys[i].v.from;
				continue;
			}
			struct val a, b;
			read_key(dst, cfg, &keys[i], &a);
			read_key(src, cfg, &keys[i], &b);
			join(&a, &b);
			if (no == NCELL) {
				if (base == sp)
					lost |= a.from;
				else
					clob |= (uint32_t)obj_bit(base);
				continue;
			}
			out[no] = keys[i];
			out[no++].v = a;
		}
		int differ = no != dst->nc;
		for (size_t i = 0; !differ && i < no; i++)
			differ = out[i].base != dst->c[i].base || out[i].off != dst->c[i].off ||
				 out[i].width != dst->c[i].width || !same_val(&out[i].v, &dst->c[i].v);
		if (differ) {
			memcpy(dst->c, out, no * sizeof out[0]);
			dst->nc = (uint8_t)no;
			changed = 1;
		}
	}
	if (esc != dst->esc || clob != dst->clob || pub != dst->pub ||
	    pubaddr != dst->pubaddr || lost != dst->lost || (dst->nopred && !src->nopred))
		changed = 1;
	dst->nopred &= src->nopred;
	dst->esc = esc;
	dst->clob = clob;
	dst->pub = pub;
	dst->pubaddr = pubaddr;
	dst->lost = lost;
	return changed;
}

/* Widening: a block whose state keeps changing gets an unknown one. */
static void widen(struct fstate *st)
{
	uint64_t f = st->lost;
	for (int r = 0; r < NREG; r++)
		f |= st->r[r].from;
	for (size_t i = 0; i < st->nc; i++)
		f |= st->c[i].v.from;
	for (int r = 0; r < NREG; r++)
		set_top(&st->r[r], W_MANY, f);
	st->nc = 0;
	st->clob = 0xffffffffu;
	st->esc |= st->pub;
	st->pub = 0;
	st->lost = f;
}

/* ---- blocks ------------------------------------------------------------- */

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
			if (last->mbase == REG_NONE)
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

/* On the edge K -> T taken when a register equals a constant (je after a
 * 64-bit test or cmp with a constant, cbz...), the register is that
 * constant: *OUT is ST refined so; 0 when the edge says nothing. */
static int refine_edge(const struct func *fn, const struct blocks *b, size_t k, size_t t,
		       const struct fstate *st, struct fstate *out, const struct flow_cfg *cfg)
{
	size_t last = b->first[k + 1] - 1;
	const struct insn *j = &fn->insns[last];
	if (j->op != OP_JCC || !j->cc)
		return 0;
	const struct insn *c = j->cmpreg != REG_NONE ? j :
			       last > b->first[k] ? &fn->insns[last - 1] : NULL;
	if (!c || c->cmpreg >= NREG)
		return 0;
	long target = j->imm >= fn->start && j->imm < fn->end ? insn_at(fn, j->imm) : -1;
	if (target < 0 || b->blk_of[target] == k + 1)
		return 0;
	int taken = b->blk_of[target] == t;
	if (!taken && t != k + 1)
		return 0;
	if ((j->cc == CC_EQ) != taken)
		return 0;     /* the edge where the register differs */
	state_copy(out, st, cfg->m);
	set_const(&out->r[c->cmpreg], c->cmpimm, cfg);
	return 1;
}

/* Alignment padding between blocks is no entry point. */
static int all_nops(const struct func *fn, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (fn->insns[i].op != OP_NOP)
			return 0;
	return 1;
}

int flow_run(const struct func *fn, const struct flow_cfg *cfg, flow_visit_fn *visit,
	     void *ctx)
{
	if (fn->n == 0)
		return 0;
	struct blocks b;
	if (build_blocks(fn, &b))
		return -1;
	struct fstate *in = calloc(b.n, sizeof *in);
	size_t *work = malloc(b.n * sizeof(size_t));
	uint8_t *queued = calloc(b.n, 1);
	uint8_t *visits = calloc(b.n, 1);
	struct fstate *st = calloc(2, sizeof *st);
	if (!in || !work || !queued || !visits || !st) {
		free(in);
		free(work);
		free(queued);
		free(visits);
		free(st);
		blocks_free(&b);
		return -1;
	}
	size_t nwork = 0;
	state_entry(&in[0], cfg);
	work[nwork++] = 0;
	queued[0] = 1;
	for (size_t k = 1; k < b.n; k++)
		if (b.npred[k] == 0 && !all_nops(fn, b.first[k], b.first[k + 1])) {
			state_unknown(&in[k]);
			work[nwork++] = k;
			queued[k] = 1;
		}
	while (nwork) {
		size_t k = work[--nwork];
		queued[k] = 0;
		if (visits[k] < 255 && ++visits[k] > MAX_VISITS)
			widen(&in[k]);
		state_copy(&st[0], &in[k], cfg->m);
		for (size_t i = b.first[k]; i < b.first[k + 1]; i++)
			transfer(&st[0], fn, &fn->insns[i], cfg);
		for (size_t s = 0; s < b.nsucc[k]; s++) {
			size_t t = b.succ[k][s];
			const struct fstate *out = &st[0];
			if (refine_edge(fn, &b, k, t, &st[0], &st[1], cfg))
				out = &st[1];
			if (join_state(&in[t], out, cfg) && !queued[t]) {
				queued[t] = 1;
				work[nwork++] = t;
			}
		}
	}
	for (size_t k = 0; k < b.n; k++) {
		if (!reached(&in[k]))
			continue;   /* never reached */
		state_copy(&st[0], &in[k], cfg->m);
		for (size_t i = b.first[k]; i < b.first[k + 1]; i++) {
			visit(ctx, fn, i, &st[0]);
			transfer(&st[0], fn, &fn->insns[i], cfg);
		}
	}
	free(in);
	free(work);
	free(queued);
	free(visits);
	free(st);
	blocks_free(&b);
	return 0;
}


