/* syscall-scan: a pointer published in a file's private global. A
 * function F that stores its argument, a pointer to an object its caller
 * owns, in a global word G, and code elsewhere that reads G and then the
 * object, is how glibc broadcasts a set*id call to its threads
 * (__nptl_setxid and its signal handler). This file decides whether every
 * access to such an object is known, so that a field of it keeps the
 * value the caller stored:
 *   - G is a pointer-sized object of the symbol table (the file's own or
 *     its separate debug file's) that no other file can name;
 *   - no code or data of the file takes G's address (every access to it
 *     names its address directly);
 *   - F is the only code that stores in G (anything else stores zero);
 *   - every function that reads G writes the object only at known
 *     offsets, keeps the pointer in no other memory and gives it to no
 *     callee that could.
 * What F itself does with the object is its own data flow's business
 * (flow.c: once published, its fields read as unknown after F writes
 * them).
 * The result lists the offsets written, so that a caller can ask whether
 * one field is never written. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/scan/scan.h"

#define MARK_ADDR ((uint64_t)1 << 40)   /* G's address */
#define MARK_PTR  ((uint64_t)1 << 41)   /* the pointer G holds */

static void fail(struct gcheck *c, const char *fmt, const char *what)
{
	if (c->ok) {
		c->ok = 0;
		snprintf(c->why, sizeof c->why, fmt, what);
	}
}

static void wrote(struct gcheck *c, int64_t lo, int64_t hi)
{
	if (c->nwr == sizeof c->wr / sizeof c->wr[0]) {
		c->wr[0].lo = INT64_MIN;
		c->wr[0].hi = INT64_MAX;
		return;
	}
	c->wr[c->nwr].lo = lo;
	c->wr[c->nwr++].hi = hi;
}

int gcheck_written(const struct gcheck *c, int64_t off, int width)
{
	for (size_t i = 0; i < c->nwr; i++)
		if (c->wr[i].lo < off + width && off < c->wr[i].hi)
			return 1;
	return 0;
}

/* ---- pass 1: the whole file, for G's address and who accesses G ------ */

struct pass1 {
	struct gcheck *c;
	char name[300];     /* the function, for messages */
	const struct module *m;
	uint32_t fi;
	uint8_t *readers;
	enum scan_machine mach;
};

static int overlaps_g(uint64_t a, int width, uint64_t g)
{
	return a < g + 8 && (width == 0 || g < a + (uint64_t)width);
}

static uint64_t value_from(const struct fstate *st, uint8_t src)
{
	return src < NREG ? st->r[src].from : 0;
}

static int is_null(const struct fstate *st, uint8_t src, uint64_t imm)
{
	if (src == REG_NONE)
		return imm == 0;
	if (src == REG_ZERO)
		return 1;
	return src < NREG && st->r[src].kind == V_CONST && st->r[src].n == 1 &&
	       st->r[src].v[0] == 0;
}

static uint64_t caller_saved_from(const struct fstate *st, enum scan_machine m)
{
	uint64_t f = 0;
	uint32_t cs = flow_caller_saved(m);
	for (uint8_t r = 0; r < NREG; r++)
		if (cs & (1u << r))
			f |= st->r[r].from;
	return f;
}

static int leaves(const struct func *fn, const struct insn *in)
{
	switch (in->op) {
	case OP_JMP: case OP_JCC:
		return in->imm < fn->start || in->imm >= fn->end;
	case OP_JMPM: case OP_JMPR:
		return 1;
	}
	return 0;
}

static void pass1_visit(void *ctx, const struct func *fn, size_t i, const struct fstate *st)
{
	struct pass1 *v = ctx;
	char name[340];
	snprintf(name, sizeof name, "%s (at 0x%llx)", v->name,
		 (unsigned long long)fn->insns[i].addr);
	struct gcheck *c = v->c;
	const struct insn *in = &fn->insns[i];
	uint64_t g = c->g;
	uint8_t sp = flow_sp(v->mach);
	if (!c->ok)
		return;
	if (in->mem) {
		struct val a;
		flow_addr(st, in, &a);
		int width = in->op == OP_STORE2 || in->op == OP_LOAD2 ? 2 * in->mwidth :
			    flow_width(st, in);
		if (a.kind == V_CONST && overlaps_g(a.v[0], width, g)) {
			if (in->op == OP_STORE && a.v[0] == g && in->mwidth == 8 && !in->wb) {
				const struct val *s = in->src < NREG ? &st->r[in->src] : NULL;
				if (is_null(st, in->src, in->imm)) {
					/* clearing it */
				} else if (s && s->kind == V_ARG && s->off == 0 && s->width == 0 &&
					   s->reg != sp &&
					   (c->pubfn == UINT32_MAX ||
					    (c->pubfn == v->fi && c->pubreg == s->reg))) {
					c->pubfn = v->fi;
					c->pubreg = s->reg;
				} else {
					fail(c, "%s stores in the global something the analysis "
					     "cannot follow", name);
				}
			} else if (in->mem & MEM_W) {
				fail(c, "%s writes the global other than as one pointer", name);
			} else if (in->op == OP_CALLM || in->op == OP_JMPM) {
				fail(c, "%s calls through the global", name);
			} else {
				v->readers[v->fi] = 1;
			}
		} else if (a.from & MARK_ADDR) {
			fail(c, "%s takes the global's address", name);
		}
	}
	uint64_t stored = 0;
	switch (in->op) {
	case OP_STORE: case OP_PUSH:
		stored = value_from(st, in->src);
		break;
	case OP_STORE2:
		stored = value_from(st, in->src) | value_from(st, in->src2);
		break;
	case OP_OTHER:
		if (in->mem & MEM_W)
			for (uint8_t r = 0; r < NREG; r++)
				if (in->reads & (1u << r))
					stored |= st->r[r].from;
		break;
	case OP_CALL: case OP_CALLR: case OP_CALLM:
		stored = caller_saved_from(st, v->mach);
		break;
	case OP_RET:
		stored = st->r[v->mach == MACH_X86_64 ? X86_RAX : 0].from |
			 st->r[v->mach == MACH_X86_64 ? 2 : 1].from;
		break;
	case OP_SYSCALL: case OP_INT80: case OP_SVC:
		stored = caller_saved_from(st, v->mach);
		break;
	default:
		if (leaves(fn, in))
			stored = caller_saved_from(st, v->mach);
		break;
	}
	if ((in->op == OP_STORE || in->op == OP_STORE2 || in->op == OP_OTHER) && in->mem) {
		int w = in->op == OP_STORE2 ? 2 * in->mwidth : flow_width(st, in);
		if (w && w < 8)
			stored = 0;   /* fewer than 8 bytes hold no pointer */
	}
	if (stored & MARK_ADDR)
		fail(c, "%s passes the global's address on", name);
}

/* 1 if F names a constant address in [LO, HI) (an adrp: that page). */
static int names_section(const struct func *f, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct insn *in = &f->insns[i];
		uint64_t a;
		if (in->op == OP_ADR || in->op == OP_MOVI)
			a = in->imm;
		else if (in->mem && in->mbase == REG_NONE)
			a = (uint64_t)in->disp;
		else if (in->mindex == REG_UNK)
			return 1;          /* undecodable: anything */
		else
			continue;
		if (in->op == OP_ADR && in->page ? a + 0x1000 > (lo & ~(uint64_t)0xfff) && a < hi :
		    a >= lo && a < hi)
			return 1;
	}
	return 0;
}

/* ---- pass 2: the readers, for what they do with the pointer ----------- */

struct pass2 {
	struct gcheck *c;
	struct summaries *sums;
	uint32_t fi;
	enum scan_machine mach;
	const char *name;
};

/* The pointer plus an offset, if X is exactly that: the word loaded from
 * G, plus a constant. */
static int as_ptr(const struct pass2 *v, const struct fstate *st, const struct val *x,
		  int64_t *off)
{
	(void)st;
	if (x->kind == V_MEM && x->v[0] == v->c->g && (x->width == 8 || x->width == 0) &&
	    !x->sext) {
		*off = x->off;
		return 1;
	}
	return 0;
}

/* Provenance meaning "the pointer", or derived from it. */
static uint64_t ptr_bits(const struct pass2 *v, const struct fstate *st)
{
	(void)v;
	(void)st;
	return MARK_PTR;
}

static void callee_writes(struct pass2 *v, const struct fstate *st, const struct insn *in,
			  const struct func *fn)
{
	uint64_t pb = ptr_bits(v, st);
	uint32_t cs = flow_caller_saved(v->mach);
	int passes = 0;
	for (uint8_t r = 0; r < NREG; r++)
		if ((cs & (1u << r)) && (st->r[r].from & pb))
			passes = 1;
	if (!passes)
		return;
	struct call_sum sum;
	if (sum_call(v->sums, fn, in, &sum)) {
		fail(v->c, "%s gives the pointer to a function the analysis cannot follow",
		     v->name);
		return;
	}
	for (uint8_t r = 0; r < NREG; r++) {
		if (!(cs & (1u << r)) || !(st->r[r].from & pb))
			continue;
		int64_t off;
		if (sum.esc & (1u << r)) {
			fail(v->c, "%s gives the pointer to a function that keeps it", v->name);
		} else if (sum.wr & (1u << r)) {
			if (sum.wrlo[r] != INT64_MIN && as_ptr(v, st, &st->r[r], &off))
				wrote(v->c, off + sum.wrlo[r], INT64_MAX);
			else
				fail(v->c, "%s gives the pointer to a function that writes "
				     "through it anywhere", v->name);
		}
	}
}

static void pass2_visit(void *ctx, const struct func *fn, size_t i, const struct fstate *st)
{
	struct pass2 *v0 = ctx, vv = *v0, *v = &vv;
	char name[340];
	snprintf(name, sizeof name, "%s (at 0x%llx)", v0->name,
		 (unsigned long long)fn->insns[i].addr);
	v->name = name;
	struct gcheck *c = v->c;
	const struct insn *in = &fn->insns[i];
	uint8_t sp = flow_sp(v->mach);
	uint64_t pb = ptr_bits(v, st);
	if (!c->ok)
		return;
	/* The frame may hold the pointer while nobody else can see it. */
	if ((st->esc & (1u << sp)) && (st->lost & pb))
		fail(c, "%s keeps the pointer in a stack frame others may read", v->name);
	struct val a = { 0 };
	if (in->mem)
		flow_addr(st, in, &a);
	int64_t off;
	if ((in->mem & MEM_W) && (a.from & pb || as_ptr(v, st, &a, &off))) {
		int width = in->op == OP_STORE2 ? 2 * in->mwidth : flow_width(st, in);
		if (as_ptr(v, st, &a, &off))
			wrote(c, off, width ? off + width : INT64_MAX);
		else
			fail(c, "%s writes through the pointer at offsets the analysis "
			     "does not know", v->name);
	}
	uint64_t stored = 0;
	switch (in->op) {
	case OP_STORE: case OP_PUSH: case OP_STORE2:
		stored = value_from(st, in->src) |
			 (in->op == OP_STORE2 ? value_from(st, in->src2) : 0);
		/* In the frame it stays visible to this function only. */
		if (in->op == OP_PUSH || (a.kind == V_ARG && a.reg == sp))
			stored = (st->esc & (1u << sp)) ? stored : 0;
		break;
	case OP_OTHER:
		if (in->mem & MEM_W)
			for (uint8_t r = 0; r < NREG; r++)
				if (in->reads & (1u << r))
					stored |= st->r[r].from;
		break;
	case OP_CALL: case OP_CALLR: case OP_CALLM:
		callee_writes(v, st, in, fn);
		break;
	case OP_RET:
		/* Left in a return register: a void function's leftover, or
		 * a value its caller uses. Nothing tells which. */
		if ((st->r[v->mach == MACH_X86_64 ? X86_RAX : 0].from |
		     st->r[v->mach == MACH_X86_64 ? 2 : 1].from) & pb && !c->assumed) {
			c->assumed = 1;
			snprintf(c->assumption, sizeof c->assumption, "%s returns with the "
				 "pointer in a return register, which its callers do not use "
				 "to write the structure", v->name);
		}
		break;
	case OP_SYSCALL: case OP_INT80: case OP_SVC: {
		uint32_t esc, wr, rd;
		const struct val *nr = &st->r[in->op == OP_SVC ? A64_X8 : X86_RAX];
		uint32_t all = flow_syscall_reads(st, in, v->mach);
		int passes = 0;
		for (uint8_t r = 0; r < NREG; r++)
			if ((all & (1u << r)) && (st->r[r].from & pb))
				passes = 1;
		if (!passes)
			break;
		if (nr->kind == V_LDG && nr->v[0] == c->g) {
			/* The syscall the structure itself names (the set*id
			 * call the reader repeats): its numbers are the
			 * publisher's callers', which the analysis finds. */
			if (!c->assumed) {
				c->assumed = 1;
				snprintf(c->assumption, sizeof c->assumption, "the syscall %s "
					 "makes with the structure's own number keeps no pointer "
					 "(it is one of the numbers the structure's writers store)",
					 v->name);
			}
			break;
		}
		flow_syscall_args(st, in, v->mach, &esc, &wr, &rd);
		for (uint8_t r = 0; r < NREG; r++) {
			if (!(st->r[r].from & pb))
				continue;
			if (esc & (1u << r))
				fail(c, "%s gives the pointer to a syscall that may keep it",
				     v->name);
			else if ((wr & (1u << r)) && as_ptr(v, st, &st->r[r], &off))
				wrote(c, off, INT64_MAX);
			else if (wr & (1u << r))
				fail(c, "%s lets the kernel write through the pointer "
				     "anywhere", v->name);
		}
		break;
	}
	default:
		if (leaves(fn, in))
			callee_writes(v, st, in, fn);
		break;
	}
	if (in->mem && in->op != OP_PUSH) {
		int w = in->op == OP_STORE2 ? 2 * in->mwidth : flow_width(st, in);
		if (w && w < 8)
			stored = 0;   /* fewer than 8 bytes hold no pointer */
	}
	if (stored & pb)
		fail(c, "%s stores the pointer in memory", v->name);
}

/* ---- the check --------------------------------------------------------------- */

int global_check(struct scan *p, uint32_t mod, uint64_t g, struct gcheck *c)
{
	const struct module *m = &p->mods[mod];
	const struct elf_file *ef = &m->ef;
	memset(c, 0, sizeof *c);
	c->ok = 1;
	c->g = g;
	c->mod = mod;
	c->pubfn = UINT32_MAX;
	const struct elf_sym *obj = elf_object_at(ef, g);
	if (!obj || obj->value != g || obj->size != 8) {
		fail(c, "%s: no symbol table (install the file's debug symbols) says the "
		     "global is one pointer", m->name);
		return 0;
	}
	for (size_t i = 0; i < ef->nsyms; i++) {
		const struct elf_sym *s = &ef->syms[i];
		if (s->dynamic && s->defined && s->bind != STB_LOCAL &&
		    g + 8 > s->value && g < s->value + (s->size ? s->size : 1))
			fail(c, "%s is exported", obj->name);
	}
	/* Its first value is zero, and no data holds its address. */
	uint64_t first;
	if (elf_reloc_at(ef, g) || (elf_at(ef, g, 8) && elf_word(ef, g, &first) == 0 && first))
		fail(c, "%s starts with a value", obj->name);
	for (size_t i = 0; i < ef->nrelocs; i++) {
		const struct elf_reloc *r = &ef->relocs[i];
		uint64_t v = r->kind == RK_RELATIVE || r->kind == RK_IRELATIVE ?
			     (uint64_t)r->addend : r->sym_defined ? r->symval + (uint64_t)r->addend : 0;
		if ((r->kind == RK_RELATIVE || r->sym_defined) && v >= g && v < g + 8)
			fail(c, "data holds the address of %s", obj->name);
	}
	if (ef->type == ET_EXEC)
		for (size_t i = 0; i < ef->nsects; i++) {
			const struct elf_sect *s = &ef->sects[i];
			if (!(s->flags & SHF_ALLOC) || s->type == SHT_NOBITS)
				continue;
			const uint8_t *d = elf_at(ef, s->addr, (size_t)s->size);
			for (uint64_t k = 0; d && k + 8 <= s->size; k += 8) {
				uint64_t w;
				memcpy(&w, d + k, 8);
				if (w >= g && w < g + 8)
					fail(c, "data holds the address of %s", obj->name);
			}
		}
	if (!c->ok)
		return 0;

	struct flow_range r1 = { .lo = g, .hi = g + 8, .cbit = MARK_ADDR };
	struct flow_cfg cfg;
	flow_cfg_init(&cfg, p->machine);
	cfg.ranges = &r1;
	cfg.nranges = 1;
	struct pass1 v1 = { .c = c, .m = m, .mach = p->machine };
	v1.readers = calloc(m->nfuncs ? m->nfuncs : 1, 1);
	if (!v1.readers)
		return -1;
	/* Only code that names an address in G's section can form G's
	 * address or reach G (from another object's address it would be
	 * out of bounds; data pointing at G was checked above). */
	uint64_t lo = g, hi = g + 8;
	for (size_t i = 0; i < ef->nsects; i++) {
		const struct elf_sect *sec = &ef->sects[i];
		if ((sec->flags & SHF_ALLOC) && g >= sec->addr && g - sec->addr < sec->size) {
			lo = sec->addr;
			hi = sec->addr + sec->size;
		}
	}
	for (size_t fi = 0; fi < m->nfuncs && c->ok; fi++) {
		if (!names_section(&m->funcs[fi], lo, hi))
			continue;
		v1.fi = (uint32_t)fi;
		func_label(m, &m->funcs[fi], v1.name, sizeof v1.name);
		if (flow_run(&m->funcs[fi], &cfg, pass1_visit, &v1)) {
			free(v1.readers);
			return -1;
		}
	}

	struct flow_range r2 = { .lo = g, .hi = g + 8, .lbit = MARK_PTR };
	cfg.ranges = &r2;
	struct summaries *sums = c->ok ? sum_new(p, &cfg) : NULL;
	if (c->ok && !sums) {
		free(v1.readers);
		return -1;
	}
	int rc = 0;
	for (size_t fi = 0; fi < m->nfuncs && c->ok; fi++) {
		if (!v1.readers[fi])
			continue;
		char lab[300];
		struct pass2 v2 = { .c = c, .sums = sums, .fi = (uint32_t)fi, .mach = p->machine,
				    .name = func_label(m, &m->funcs[fi], lab, sizeof lab) };
		if (flow_run(&m->funcs[fi], sum_cfg(sums), pass2_visit, &v2) || sum_failed(sums)) {
			rc = -1;
			break;
		}
		c->nreaders++;
	}
	sum_free(sums);
	free(v1.readers);
	return rc;
}
