/* syscall-scan: one ELF file as functions. Function starts come from the
 * symbols, .eh_frame_hdr, the entry points the loader uses, then every
 * direct call target and every code address a jump leaves its function
 * for or an instruction takes; each function runs to the next start and
 * is decoded linearly. The data flow of each function then gives its
 * syscall sites (with the number register's values) and its edges: calls,
 * tail calls, calls through GOT slots (named imports), and addresses of
 * code it computes (which an indirect call may use). */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/scan/scan.h"

#define MAX_PASSES 8

void module_note(struct module *m, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **p = realloc(m->notes, (m->nnotes + 1) * sizeof *p);
	if (!p)
		return;
	m->notes = p;
	p[m->nnotes] = strdup(buf);
	if (p[m->nnotes])
		m->nnotes++;
}

#define GROW(arr, n, cap) do {                                           \
	if ((n) == (cap)) {                                              \
		size_t nc_ = (cap) ? (cap) * 2 : 4;                      \
		void *p_ = realloc((arr), nc_ * sizeof *(arr));          \
		if (!p_)                                                 \
			return -1;                                       \
		(arr) = p_;                                              \
		(cap) = nc_;                                             \
	}                                                                \
} while (0)

int func_add_edge(struct func *f, const struct edge *e)
{
	for (size_t i = 0; i < f->nedges; i++) {
		const struct edge *o = &f->edges[i];
		if (o->at == e->at && o->kind == e->kind && o->resolved == e->resolved &&
		    (e->import ? o->import && strcmp(o->import, e->import) == 0 :
		     !o->import && o->mod == e->mod && o->fn == e->fn))
			return 0;
	}
	GROW(f->edges, f->nedges, f->capedges);
	f->edges[f->nedges++] = *e;
	return 0;
}

int func_add_site(struct func *f, const struct site *s)
{
	for (size_t i = 0; i < f->nsites; i++) {
		struct site *o = &f->sites[i];
		if (o->at == s->at && o->kind == s->kind && o->via_wrapper == s->via_wrapper &&
		    (!s->via_wrapper || (o->wmod == s->wmod && o->wfn == s->wfn))) {
			o->num = s->num;   /* the same site analysed again */
			return 0;
		}
	}
	GROW(f->sites, f->nsites, f->capsites);
	f->sites[f->nsites++] = *s;
	return 0;
}

void func_wrapper(struct func *f, const struct val *v, uint8_t kind, uint64_t pubaddr)
{
	int mem;
	if (v->kind == V_ARG && v->off == 0)
		mem = 0;
	else if (v->kind == V_LD && v->width)
		mem = 1;
	else
		return;
	if (mem && v->pub) {
		if (f->wrap_pub && f->wrap_pub != pubaddr)
			f->wrap_conflict = 1;
		f->wrap_pub = pubaddr;
	}
	if (f->wrap_reg < 0) {
		f->wrap_reg = (int8_t)v->reg;
		f->wrap_kind = kind;
		f->wrap_mem = (uint8_t)mem;
		f->wrap_off = mem ? v->off : 0;
		f->wrap_width = mem ? v->width : 0;
		f->wrap_sext = mem ? v->sext : 0;
	} else if (f->wrap_reg != v->reg || f->wrap_kind != kind || f->wrap_mem != mem ||
		   (mem && (f->wrap_off != v->off || f->wrap_width != v->width ||
			    f->wrap_sext != v->sext))) {
		f->wrap_conflict = 1;
	}
}

long module_func_at(const struct module *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nfuncs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->funcs[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	const struct func *f = &m->funcs[lo - 1];
	return addr < f->end ? (long)(lo - 1) : -1;
}

const char *func_label(const struct module *m, const struct func *f, char *buf,
		       size_t len)
{
	if (f->name)
		snprintf(buf, len, "%s", f->name);
	else
		snprintf(buf, len, "fn_%llx", (unsigned long long)f->start);
	if (!m->is_main) {
		size_t k = strlen(buf);
		snprintf(buf + k, len - k, "@%s", m->name);
	}
	return buf;
}

/* ---- function starts ----------------------------------------------- */

struct u64s {
	uint64_t *v;
	size_t n, cap;
};

static int push(struct u64s *s, uint64_t x)
{
	GROW(s->v, s->n, s->cap);
	s->v[s->n++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void sort_unique(struct u64s *s)
{
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof *s->v, cmp_u64);
	size_t k = 1;
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i] != s->v[k - 1])
			s->v[k++] = s->v[i];
	s->n = k;
}

/* End of the code region (section) holding ADDR. */
static uint64_t region_end(const struct elf_file *ef, uint64_t addr)
{
	for (size_t i = 0; i < ef->nsects; i++) {
		const struct elf_sect *s = &ef->sects[i];
		if ((s->flags & SHF_EXECINSTR) && (s->flags & SHF_ALLOC) &&
		    s->type == SHT_PROGBITS && addr >= s->addr && addr - s->addr < s->size)
			return s->addr + s->size;
	}
	for (size_t i = 0; i < ef->nsegs; i++)
		if ((ef->segs[i].flags & PF_X) && addr >= ef->segs[i].vaddr &&
		    addr - ef->segs[i].vaddr < ef->segs[i].filesz)
			return ef->segs[i].vaddr + ef->segs[i].filesz;
	return addr;
}

/* Functions, and the untyped global labels of hand-written assembly. */
static int is_func_sym(const struct elf_sym *s)
{
	return s->type == STT_FUNC || s->type == STT_GNU_IFUNC ||
	       (s->type == STT_NOTYPE && s->bind != STB_LOCAL);
}

/* Starts every reader of the file agrees on, and the loader's roots. */
static int initial_starts(struct module *m, struct u64s *st, struct u64s *roots)
{
	const struct elf_file *ef = &m->ef;
	for (size_t i = 0; i < ef->nsects; i++) {
		const struct elf_sect *s = &ef->sects[i];
		if ((s->flags & SHF_EXECINSTR) && (s->flags & SHF_ALLOC) &&
		    s->type == SHT_PROGBITS && s->size && push(st, s->addr))
			return -1;
	}
	if (!ef->nsects)
		for (size_t i = 0; i < ef->nsegs; i++)
			if ((ef->segs[i].flags & PF_X) && push(st, ef->segs[i].vaddr))
				return -1;
	for (size_t i = 0; i < ef->nsyms; i++) {
		const struct elf_sym *s = &ef->syms[i];
		if (s->defined && is_func_sym(s) && elf_is_code(ef, s->value)) {
			if (push(st, s->value))
				return -1;
			if (s->type == STT_GNU_IFUNC && push(roots, s->value))
				return -1;
		}
	}
	for (size_t i = 0; i < ef->nfde; i++)
		if (elf_is_code(ef, ef->fde_starts[i]) && push(st, ef->fde_starts[i]))
			return -1;
	/* The loader's entry points into this file. */
	if (m->is_main || m->is_interp)
		if (elf_is_code(ef, ef->entry) && push(roots, ef->entry))
			return -1;
	if (ef->init && elf_is_code(ef, ef->init) && push(roots, ef->init))
		return -1;
	if (ef->fini && elf_is_code(ef, ef->fini) && push(roots, ef->fini))
		return -1;
	for (int a = 0; a < 3; a++) {
		uint64_t base = ef->init_array[a][0], size = ef->init_array[a][1];
		for (uint64_t off = 0; off + 8 <= size && off < (1u << 24); off += 8) {
			uint64_t v;
			if (elf_word(ef, base + off, &v) == 0 && elf_is_code(ef, v) &&
			    push(roots, v))
				return -1;
		}
	}
	/* Code addresses stored in data: relocations, and in a fixed-address
	 * executable any aligned word that holds one. The functions they
	 * point into may be called through a pointer. */
	for (size_t i = 0; i < ef->nrelocs; i++) {
		const struct elf_reloc *r = &ef->relocs[i];
		uint64_t v;
		if (r->kind == RK_RELATIVE || r->kind == RK_IRELATIVE)
			v = (uint64_t)r->addend;
		else if ((r->kind == RK_ABS || r->kind == RK_GLOB_DAT) && r->sym_defined)
			v = r->symval + (r->kind == RK_ABS ? (uint64_t)r->addend : 0);
		else
			continue;
		if (elf_is_code(ef, v) && push(roots, v))
			return -1;
	}
	/* Those are function starts; words that merely look like code
	 * addresses (jump tables of a fixed-address executable) only make the
	 * function holding them reachable. */
	for (size_t i = 0; i < roots->n; i++)
		if (push(st, roots->v[i]))
			return -1;
	if (ef->type == ET_EXEC) {
		for (size_t i = 0; i < ef->nsects; i++) {
			const struct elf_sect *s = &ef->sects[i];
			if (!(s->flags & SHF_ALLOC) || (s->flags & SHF_EXECINSTR) ||
			    s->type == SHT_NOBITS)
				continue;
			const uint8_t *p = elf_at(ef, s->addr, (size_t)s->size);
			if (!p)
				continue;
			uint64_t first = (s->addr + 7) & ~(uint64_t)7;
			for (uint64_t a = first; a + 8 <= s->addr + s->size; a += 8) {
				/* A GOT slot the loader fills with a symbol's
				 * address: its first value is the lazy-binding
				 * stub's, no function pointer. */
				const struct elf_reloc *rel = elf_reloc_at(ef, a);
				if (rel && (rel->kind == RK_JUMP_SLOT || rel->kind == RK_GLOB_DAT))
					continue;
				uint64_t v = 0;
				for (int k = 7; k >= 0; k--)
					v = v << 8 | p[a - s->addr + (uint64_t)k];
				if (elf_is_code(ef, v) && push(roots, v))
					return -1;
			}
		}
	}
	return 0;
}

/* Splits the functions at the sorted starts NEW (none of them a start
 * yet), decoding again where a start is not an instruction boundary. */
static int split(struct module *m, struct decoder *dec, const struct u64s *nw)
{
	size_t total = m->nfuncs + nw->n;
	struct func *out = calloc(total ? total : 1, sizeof *out);
	if (!out)
		return -1;
	size_t k = 0, j = 0;
	for (size_t i = 0; i < m->nfuncs; i++) {
		struct func *f = &m->funcs[i];
		while (j < nw->n && nw->v[j] < f->start)
			j++;
		size_t j0 = j;
		while (j < nw->n && nw->v[j] < f->end)
			j++;
		if (j == j0) {
			out[k++] = *f;
			continue;
		}
		/* Pieces [b_0 = start, b_1) ... [b_last, end). */
		size_t ins = 0;
		for (size_t p = j0; p <= j; p++) {
			uint64_t lo = p == j0 ? f->start : nw->v[p - 1];
			uint64_t hi = p < j ? nw->v[p] : f->end;
			struct func *g = &out[k++];
			memset(g, 0, sizeof *g);
			g->start = lo;
			g->end = hi;
			g->wrap_reg = -1;
			while (ins < f->n && f->insns[ins].addr < lo)
				ins++;
			if (ins < f->n && f->insns[ins].addr == lo) {
				size_t e = ins;
				while (e < f->n && f->insns[e].addr + f->insns[e].len <= hi)
					e++;
				g->n = g->cap = e - ins;
				g->insns = malloc((g->n ? g->n : 1) * sizeof *g->insns);
				if (!g->insns)
					return -1;
				memcpy(g->insns, f->insns + ins, g->n * sizeof *g->insns);
			} else {
				m->misaligned++;
				if (decode_range(dec, &m->ef, lo, hi, &g->insns, &g->n, &g->cap))
					return -1;
			}
		}
		free(f->insns);
	}
	free(m->funcs);
	m->funcs = out;
	m->nfuncs = k;
	return 0;
}

/* Direct targets and code addresses the instructions name that are not
 * function starts yet. */
static int more_starts(struct module *m, struct u64s *nw)
{
	const struct elf_file *ef = &m->ef;
	for (size_t i = 0; i < m->nfuncs; i++) {
		const struct func *f = &m->funcs[i];
		for (size_t k = 0; k < f->n; k++) {
			const struct insn *in = &f->insns[k];
			uint64_t t;
			if (in->op == OP_CALL)
				t = in->imm;
			else if ((in->op == OP_JMP || in->op == OP_JCC ||
				  (in->op == OP_ADR && !in->page)) &&
				 (in->imm < f->start || in->imm >= f->end))
				t = in->imm;
			else
				continue;
			if (!elf_is_code(ef, t))
				continue;
			long fi = module_func_at(m, t);
			if (fi >= 0 && m->funcs[fi].start == t)
				continue;
			if (push(nw, t))
				return -1;
		}
	}
	sort_unique(nw);
	return 0;
}

static int build_funcs(struct module *m, struct decoder *dec, struct u64s *roots)
{
	struct u64s st = { 0 };
	if (initial_starts(m, &st, roots))
		goto oom;
	sort_unique(&st);
	sort_unique(roots);
	m->funcs = calloc(st.n ? st.n : 1, sizeof *m->funcs);
	if (!m->funcs)
		goto oom;
	for (size_t i = 0; i < st.n; i++) {
		uint64_t end = region_end(&m->ef, st.v[i]);
		if (i + 1 < st.n && st.v[i + 1] < end)
			end = st.v[i + 1];
		struct func *f = &m->funcs[m->nfuncs++];
		f->start = st.v[i];
		f->end = end;
		f->wrap_reg = -1;
		if (decode_range(dec, &m->ef, f->start, f->end, &f->insns, &f->n, &f->cap))
			goto oom;
	}
	free(st.v);
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		struct u64s nw = { 0 };
		if (more_starts(m, &nw)) {
			free(nw.v);
			return -1;
		}
		if (!nw.n) {
			free(nw.v);
			break;
		}
		int rc = split(m, dec, &nw);
		free(nw.v);
		if (rc)
			return -1;
	}
	/* Names: prefer a global symbol over a local one; the debug file
	 * names the local functions of a stripped file. */
	for (size_t i = 0; i < m->ef.nsyms; i++) {
		const struct elf_sym *s = &m->ef.syms[i];
		if (!s->defined || !is_func_sym(s))
			continue;
		long fi = module_func_at(m, s->value);
		if (fi < 0 || m->funcs[fi].start != s->value)
			continue;
		struct func *f = &m->funcs[fi];
		if (!f->name || (s->bind == STB_GLOBAL && s->name[0] != '_'))
			f->name = s->name;
	}
	for (size_t i = 0; m->ef.debug && i < m->ef.debug->nsyms; i++) {
		const struct elf_sym *s = &m->ef.debug->syms[i];
		long fi = s->defined && s->type == STT_FUNC ? module_func_at(m, s->value) : -1;
		if (fi >= 0 && m->funcs[fi].start == s->value && !m->funcs[fi].name)
			m->funcs[fi].name = s->name;
	}
	return 0;
oom:
	free(st.v);
	return -1;
}

/* ---- sites and edges ----------------------------------------------- */

struct visit_ctx {
	struct module *m;
	uint32_t fi;
	int oom;
};

static void add_local_edge(struct visit_ctx *c, uint64_t at, uint64_t target,
			   uint8_t kind, int exact)
{
	long t = module_func_at(c->m, target);
	if (t < 0)
		return;
	struct edge e = { .at = at, .mod = UINT32_MAX, .fn = (uint32_t)t, .kind = kind,
			  .exact = (uint8_t)(exact && c->m->funcs[t].start == target) };
	if (func_add_edge(&c->m->funcs[c->fi], &e))
		c->oom = 1;
}

/* A call or jump through the word at SLOT. */
static void slot_edge(struct visit_ctx *c, uint64_t at, uint64_t slot, uint8_t kind)
{
	const struct elf_file *ef = &c->m->ef;
	const struct elf_reloc *r = elf_reloc_at(ef, slot);
	if (r && r->sym && (r->kind == RK_GLOB_DAT || r->kind == RK_JUMP_SLOT ||
			    r->kind == RK_ABS)) {
		struct edge e = { .at = at, .import = r->sym, .slot = slot,
				  .mod = UINT32_MAX, .fn = UINT32_MAX, .kind = kind, .exact = 1 };
		if (func_add_edge(&c->m->funcs[c->fi], &e))
			c->oom = 1;
		return;
	}
	uint64_t v;
	if (elf_word(ef, slot, &v) == 0 && elf_is_code(ef, v))
		add_local_edge(c, at, v, kind, 0);   /* the word may change */
}

static void visit(void *vctx, const struct func *fn, size_t i, const struct fstate *st)
{
	const struct val *regs = st->r;
	struct visit_ctx *c = vctx;
	const struct insn *in = &fn->insns[i];
	const struct elf_file *ef = &c->m->ef;
	struct func *f = &c->m->funcs[c->fi];
	switch (in->op) {
	case OP_SYSCALL:
	case OP_INT80:
	case OP_SVC: {
		struct site s = { .at = in->addr, .kind = in->op };
		s.num = regs[in->op == OP_SVC ? A64_X8 : X86_RAX];
		if (func_add_site(f, &s))
			c->oom = 1;
		func_wrapper(f, &s.num, in->op, st->pubaddr);
		break;
	}
	case OP_CALL:
		if (elf_is_code(ef, in->imm))
			add_local_edge(c, in->addr, in->imm, E_CALL, 1);
		break;
	case OP_JMP:
	case OP_JCC:
		if ((in->imm < fn->start || in->imm >= fn->end) && elf_is_code(ef, in->imm))
			add_local_edge(c, in->addr, in->imm, E_TAIL, 1);
		break;
	case OP_CALLR:
	case OP_JMPR: {
		uint8_t kind = in->op == OP_CALLR ? E_CALL : E_TAIL;
		const struct val *v = in->src < NREG ? &regs[in->src] : NULL;
		if (v && v->kind == V_MEM && v->off == 0)
			slot_edge(c, in->addr, v->v[0], kind);
		else if (v && v->kind == V_CONST)
			for (int k = 0; k < v->n; k++)
				if (elf_is_code(ef, v->v[k]) &&
				    (kind == E_CALL || v->v[k] < fn->start || v->v[k] >= fn->end))
					add_local_edge(c, in->addr, v->v[k], kind, 1);
		break;
	}
	case OP_CALLM:
	case OP_JMPM: {
		uint8_t kind = in->op == OP_CALLM ? E_CALL : E_TAIL;
		struct val a;
		flow_addr(st, in, &a);
		if (a.kind == V_CONST)
			slot_edge(c, in->addr, a.v[0], kind);
		break;
	}
	case OP_ADR:
		if (!in->page && elf_is_code(ef, in->imm) &&
		    (in->imm < fn->start || in->imm >= fn->end))
			add_local_edge(c, in->addr, in->imm, E_TAKEN, 0);
		break;
	case OP_ADDI:
		if (in->src < NREG && regs[in->src].kind == V_CONST)
			for (int k = 0; k < regs[in->src].n; k++) {
				uint64_t a = regs[in->src].v[k] + in->imm;
				if (elf_is_code(ef, a) && (a < fn->start || a >= fn->end))
					add_local_edge(c, in->addr, a, E_TAKEN, 0);
			}
		break;
	case OP_MOVI:
		if (ef->type == ET_EXEC && elf_is_code(ef, in->imm) &&
		    (in->imm < fn->start || in->imm >= fn->end))
			add_local_edge(c, in->addr, in->imm, E_TAKEN, 0);
		break;
	}
}

/* A function whose last instruction (padding aside) can fall through runs
 * into the next one. A final call is taken not to return (gcc ends
 * functions with calls of __stack_chk_fail, abort...). */
static int fall_off_edge(struct module *m, uint32_t fi)
{
	struct func *f = &m->funcs[fi];
	size_t i = f->n;
	while (i > 0 && f->insns[i - 1].op == OP_NOP)
		i--;
	if (i == 0)
		return 0;
	switch (f->insns[i - 1].op) {
	case OP_JMP: case OP_JMPR: case OP_JMPM: case OP_RET: case OP_STOP:
	case OP_CALL: case OP_CALLR: case OP_CALLM:
		return 0;
	}
	if (!elf_is_code(&m->ef, f->end))
		return 0;
	struct visit_ctx c = { .m = m, .fi = fi };
	add_local_edge(&c, f->insns[i - 1].addr, f->end, E_TAIL, 1);
	return c.oom ? -1 : 0;
}

/* Functions that never return: no ret, no indirect jump, and every jump
 * out of them goes to such a function (the greatest fixed point, within
 * the file). Their calls end a block, so the registers a call clobbers on
 * that path do not reach the code after it. */
static void find_noreturn(struct module *m)
{
	for (size_t i = 0; i < m->nfuncs; i++) {
		struct func *f = &m->funcs[i];
		f->noreturn = f->n > 0;
		for (size_t k = 0; k < f->n && f->noreturn; k++) {
			uint8_t op = f->insns[k].op;
			if (op == OP_RET || op == OP_JMPR || op == OP_JMPM)
				f->noreturn = 0;
		}
	}
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < m->nfuncs; i++) {
			struct func *f = &m->funcs[i];
			if (!f->noreturn)
				continue;
			size_t last = f->n;
			while (last > 0 && f->insns[last - 1].op == OP_NOP)
				last--;
			for (size_t k = 0; k < last; k++) {
				const struct insn *in = &f->insns[k];
				uint64_t t;
				if ((in->op == OP_JMP || in->op == OP_JCC) &&
				    (in->imm < f->start || in->imm >= f->end))
					t = in->imm;
				else if (k + 1 == last && in->op != OP_JMP && in->op != OP_STOP &&
					 in->op != OP_CALL)
					t = f->end;   /* may run into the next function */
				else
					continue;
				long ti = module_func_at(m, t);
				if (ti < 0 || !m->funcs[ti].noreturn) {
					f->noreturn = 0;
					changed = 1;
					break;
				}
			}
		}
	}
	for (size_t i = 0; i < m->nfuncs; i++) {
		struct func *f = &m->funcs[i];
		for (size_t k = 0; k < f->n; k++) {
			struct insn *in = &f->insns[k];
			if (in->op != OP_CALL)
				continue;
			long ti = module_func_at(m, in->imm);
			in->noret = ti >= 0 && m->funcs[ti].noreturn && m->funcs[ti].start == in->imm;
		}
	}
}

int module_load(struct module *m, const char *path, const char *sysroot,
		struct decoder *dec, char *err, size_t errlen)
{
	struct u64s roots = { 0 };
	if (elf_open(path, &m->ef, err, errlen))
		return -1;
	if (elf_load_debug(&m->ef, sysroot))
		goto oom;
	const char *slash = strrchr(path, '/');
	m->name = strdup(slash ? slash + 1 : path);
	if (!m->name || build_funcs(m, dec, &roots))
		goto oom;
	m->roots = roots.v;
	m->nroots = roots.n;
	for (size_t i = 0; i < m->nroots; i++) {
		long fi = module_func_at(m, m->roots[i]);
		if (fi >= 0)
			m->funcs[fi].taken = 1;
	}
	find_noreturn(m);
	for (size_t i = 0; i < m->nfuncs; i++) {
		struct visit_ctx c = { .m = m, .fi = (uint32_t)i };
		struct flow_cfg cfg;
		flow_cfg_init(&cfg, m->ef.machine);
		cfg.registers_only = 1;
		if (flow_run(&m->funcs[i], &cfg, visit, &c) || c.oom ||
		    fall_off_edge(m, (uint32_t)i))
			goto oom;
	}
	if (m->ef.is_go)
		module_note(m, "a Go binary: the Go runtime's syscall stubs take the "
			    "number from the stack, which this analysis does not follow");
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void module_free(struct module *m)
{
	for (size_t i = 0; i < m->nfuncs; i++) {
		free(m->funcs[i].insns);
		free(m->funcs[i].sites);
		free(m->funcs[i].edges);
		free(m->funcs[i].wrap_fail);
		free(m->funcs[i].ptr_fail);
	}
	free(m->funcs);
	free(m->roots);
	for (size_t i = 0; i < m->nnotes; i++)
		free(m->notes[i]);
	free(m->notes);
	free(m->name);
	elf_close(&m->ef);
	memset(m, 0, sizeof *m);
}
