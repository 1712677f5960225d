/* syscall-scan: where the address of a wrapper called through a pointer
 * can go. A wrapper (a function whose number is a register its caller
 * sets) whose address is only in its own file's private data, and which
 * that file's code copies only within that data and its stack frames, can
 * be called only by the indirect calls whose target comes from there — so
 * the numbers those calls pass are all its numbers (libcap's psx hooks:
 * the syscall functions in a table its capset and prctl calls go through).
 *
 * The pointer flow is followed with two provenance marks: TA, the
 * wrapper's address or an address into the data that holds it; TV, a
 * word loaded through such an address (maybe the wrapper's address). Any
 * place a marked value could leave that flow — stored elsewhere, given
 * to a syscall or to a call the analysis cannot follow, returned by a
 * function others may call, data of another file pointing there — fails
 * the proof, and the wrapper stays "called through a pointer". A function
 * given a marked value is followed with that argument marked. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/scan/scan.h"

#define MARK_TA ((uint64_t)1 << 42)
#define MARK_TV ((uint64_t)1 << 43)
#define MARKS   (MARK_TA | MARK_TV)

struct job {
	uint32_t mod, fn;
	uint32_t args;          /* registers marked at entry */
};

struct cand {
	uint32_t mod, fn;
	uint64_t at;
	uint32_t w;             /* the wrapper (function of the module) */
	struct val v;           /* the wrapper's number register there */
};

struct ptrs {
	struct scan *p;
	uint32_t mod;
	const uint32_t *w;      /* the wrappers */
	size_t nw;
	const uint8_t *const *byptr;  /* functions reached through a pointer */
	struct flow_range *ranges;
	size_t nranges;
	struct summaries *sums;
	struct job *jobs;
	size_t njobs, capjobs;
	uint32_t **seen;        /* per module, per function: marked args followed */
	struct cand *cands;
	size_t ncands, capcands;
	uint32_t cur_mod, cur_fn, cur_args;
	uint64_t cur_at;
	int ok, oom;
	int structural;         /* failed before following any code */
	char why[512];
	int assumed;            /* ok only if this holds: */
	char assumption[768];
};

/* The proof fails at the current instruction: FMT's %s names it. */
static void fail(struct ptrs *t, const char *fmt, const char *what)
{
	if (!t->ok)
		return;
	t->ok = 0;
	char lab[300], where[340];
	if (!what) {
		const struct module *m = &t->p->mods[t->cur_mod];
		snprintf(where, sizeof where, "%s (at 0x%llx)",
			 func_label(m, &m->funcs[t->cur_fn], lab, sizeof lab),
			 (unsigned long long)t->cur_at);
		what = where;
	}
	snprintf(t->why, sizeof t->why, fmt, what);
}

static int in_ranges(const struct ptrs *t, uint64_t a, int data_only)
{
	for (size_t i = 0; i < t->nranges; i++)
		if ((!data_only || t->ranges[i].lbit) && a >= t->ranges[i].lo &&
		    a < t->ranges[i].hi)
			return 1;
	return 0;
}

static void enqueue(struct ptrs *t, uint32_t mod, uint32_t fn, uint32_t args)
{
	if ((t->seen[mod][fn] & args) == args && (args || t->seen[mod][fn] & 0x80000000u))
		return;
	t->seen[mod][fn] |= args | 0x80000000u;
	if (t->njobs == t->capjobs) {
		size_t nc = t->capjobs ? 2 * t->capjobs : 64;
		struct job *j = realloc(t->jobs, nc * sizeof *j);
		if (!j) {
			t->oom = 1;
			return;
		}
		t->jobs = j;
		t->capjobs = nc;
	}
	t->jobs[t->njobs++] = (struct job){ mod, fn, t->seen[mod][fn] & 0x7fffffffu };
}

static void candidate(struct ptrs *t, const struct fstate *st, uint64_t at)
{
	for (size_t k = 0; k < t->nw; k++) {
		const struct func *w = &t->p->mods[t->mod].funcs[t->w[k]];
		int dup = 0;
		for (size_t i = 0; i < t->ncands && !dup; i++)
			dup = t->cands[i].mod == t->cur_mod && t->cands[i].fn == t->cur_fn &&
			      t->cands[i].at == at && t->cands[i].w == t->w[k];
		if (dup)
			continue;
		if (t->ncands == t->capcands) {
			size_t nc = t->capcands ? 2 * t->capcands : 16;
			struct cand *c = realloc(t->cands, nc * sizeof *c);
			if (!c) {
				t->oom = 1;
				return;
			}
			t->cands = c;
			t->capcands = nc;
		}
		t->cands[t->ncands++] = (struct cand){ t->cur_mod, t->cur_fn, at, t->w[k],
						       st->r[(uint8_t)w->wrap_reg] };
	}
}

/* A call or a jump out of the function at IN: through a marked target it
 * may call a wrapper; marked arguments go where the call goes. */
static void call(struct ptrs *t, const struct func *fn, const struct insn *in,
		 const struct fstate *st)
{
	enum scan_machine m = t->p->machine;
	uint64_t target = 0;
	struct val tv;
	if (in->op == OP_CALLR || in->op == OP_JMPR) {
		target = in->src < NREG ? st->r[in->src].from : 0;
	} else if (in->op == OP_CALLM || in->op == OP_JMPM) {
		struct val a;
		flow_addr(st, in, &a);
		flow_read(st, sum_cfg(t->sums), &a, 8, 0, 64, &tv);
		target = tv.from | (a.kind == V_CONST && in_ranges(t, a.v[0], 1) ? MARK_TV : 0);
	}
	/* Registers the callee may read: any scratch one when its code is
	 * followed, the ABI's argument registers when nothing is known of
	 * it. */
	uint32_t cs = flow_caller_saved(m), args = 0, abi = 0;
	for (uint8_t r = 0; r < NREG; r++)
		if ((cs & (1u << r)) && (st->r[r].from & MARKS)) {
			args |= 1u << r;
			if (flow_arg_regs(m) & (1u << r))
				abi |= 1u << r;
		}
	if (target & MARKS) {
		candidate(t, st, in->addr);
		if (abi)
			fail(t, "%s passes the wrapper's address to a call through a pointer",
			     NULL);
		return;
	}
	if (!args)
		return;
	/* Only what the callee may store, give on or call through needs
	 * following there. */
	struct call_sum sum;
	int known = sum_call(t->sums, fn, in, &sum);
	if (known == 0 && !t->assumed) {
		/* What comes back in the second return register is not
		 * followed (flow.c): a marked value there is an assumption. */
		uint64_t back = sum.leave & ~PROV_REGS;
		for (uint8_t r = 0; r < NREG; r++)
			if (sum.leave & ((uint64_t)1 << r))
				back |= st->r[r].from;
		if (back & MARKS) {
			char lab[300];
			const struct module *cm = &t->p->mods[t->cur_mod];
			t->assumed = 1;
			snprintf(t->assumption, sizeof t->assumption, "what the call at 0x%llx "
				 "in %s leaves in its second return register is no return value "
				 "(it may be the wrapper's address)", (unsigned long long)in->addr,
				 func_label(cm, &cm->funcs[t->cur_fn], lab, sizeof lab));
		}
	}
	if (known >= 0) {
		args &= known == 0 ? sum.esc | sum.callr : sum.reads;
		if (!args)
			return;
	}
	int any = 0;
	for (size_t k = 0; k < fn->nedges; k++) {
		const struct edge *e = &fn->edges[k];
		if (e->at != in->addr || e->kind == E_TAKEN || !e->resolved)
			continue;
		if (!e->exact) {
			any = -1;
			break;
		}
		enqueue(t, e->mod, e->fn, args);
		any = 1;
	}
	if (any <= 0 && abi)
		fail(t, "%s passes the wrapper's address to a call the analysis cannot "
		     "follow", NULL);
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

/* Can code outside this file call F (and so get what it returns)? */
static int callable_from_outside(const struct ptrs *t, uint32_t mod, uint32_t fi)
{
	const struct module *m = &t->p->mods[mod];
	const struct func *f = &m->funcs[fi];
	if (t->byptr[mod][fi] || mod != t->mod)
		return 1;
	for (size_t i = 0; i < m->ef.nsyms; i++) {
		const struct elf_sym *s = &m->ef.syms[i];
		if (s->dynamic && s->defined && s->bind != STB_LOCAL && s->value == f->start)
			return 1;
	}
	return 0;
}

static void visit(void *ctx, const struct func *fn, size_t i, const struct fstate *st)
{
	struct ptrs *t = ctx;
	const struct insn *in = &fn->insns[i];
	enum scan_machine m = t->p->machine;
	uint8_t sp = flow_sp(m);
	if (!t->ok)
		return;
	t->cur_at = in->addr;
	if ((st->esc & (1u << sp)) && (st->lost & MARKS))
		fail(t, "%s keeps the wrapper's address in a stack frame others may read",
		     NULL);
	uint64_t stored = 0;
	switch (in->op) {
	case OP_STORE: case OP_PUSH:
		stored = in->src < NREG ? st->r[in->src].from : 0;
		break;
	case OP_STORE2:
		stored = (in->src < NREG ? st->r[in->src].from : 0) |
			 (in->src2 < NREG ? st->r[in->src2].from : 0);
		break;
	case OP_OTHER:
		if (in->mem & MEM_W)
			for (uint8_t r = 0; r < NREG; r++)
				if (in->reads & (1u << r))
					stored |= st->r[r].from;
		break;
	case OP_CALL: case OP_CALLR: case OP_CALLM:
		call(t, fn, in, st);
		break;
	case OP_RET:
		/* Checked where the marks can only come from the function's own
		 * code (run without marked arguments): what a known caller gave
		 * it goes back to that caller, whose flow sees it returned. */
		if (t->cur_args)
			break;
		if ((st->r[m == MACH_X86_64 ? X86_RAX : 0].from & MARKS) &&
		    callable_from_outside(t, t->cur_mod, t->cur_fn))
			fail(t, "%s returns the wrapper's address to code the analysis "
			     "cannot see", NULL);
		else if ((st->r[m == MACH_X86_64 ? 2 : 1].from & MARKS) &&
			 callable_from_outside(t, t->cur_mod, t->cur_fn) && !t->assumed) {
			/* A leftover in the second return register: its callers
			 * use it only if it returns a two-word value. */
			const struct module *cm = &t->p->mods[t->cur_mod];
			char lab[300];
			t->assumed = 1;
			snprintf(t->assumption, sizeof t->assumption, "the callers of %s use "
				 "only its first return register (it returns with the "
				 "wrapper's address left in %s)",
				 func_label(cm, &cm->funcs[t->cur_fn], lab, sizeof lab),
				 m == MACH_X86_64 ? "rdx" : "x1");
		}
		break;
	case OP_SYSCALL: case OP_INT80: case OP_SVC: {
		uint32_t esc, wr, rd;
		flow_syscall_args(st, in, m, &esc, &wr, &rd);
		for (uint8_t r = 0; r < NREG; r++)
			if (((esc | wr | rd) & (1u << r)) && (st->r[r].from & MARKS))
				fail(t, "%s gives the wrapper's address to a syscall", NULL);
		break;
	}
	default:
		if (leaves(fn, in))
			call(t, fn, in, st);
		break;
	}
	/* Fewer than 8 bytes hold no pointer. */
	if (in->mem && in->op != OP_PUSH) {
		int w = in->op == OP_STORE2 ? 2 * in->mwidth : flow_width(st, in);
		if (w && w < 8)
			stored = 0;
	}
	if (stored & MARKS) {
		/* Within the data that holds it, or the frame's own cells. */
		struct val a;
		if (in->op == OP_PUSH) {
			struct insn at = { .mbase = sp, .mindex = REG_NONE, .disp = -8 };
			flow_addr(st, &at, &a);
		} else {
			flow_addr(st, in, &a);
		}
		int ok = (a.kind == V_CONST && in_ranges(t, a.v[0], 1)) ||
			 (a.kind != V_CONST && (a.from & MARK_TA)) ||
			 (a.kind == V_ARG && a.reg == sp && !(st->esc & (1u << sp)));
		if (!ok)
			fail(t, "%s stores the wrapper's address outside the data that "
			     "holds it", NULL);
	}
}

/* The fallback: every indirect call whose targets are not all known. */
static void any_call_visit(void *ctx, const struct func *fn, size_t i, const struct fstate *st)
{
	struct ptrs *t = ctx;
	const struct insn *in = &fn->insns[i];
	if (in->op != OP_CALLR && in->op != OP_CALLM && in->op != OP_JMPM)
		return;
	for (size_t k = 0; k < fn->nedges; k++) {
		const struct edge *e = &fn->edges[k];
		if (e->at == in->addr && e->kind != E_TAKEN && e->exact)
			return;   /* a call through a GOT slot, or to known code */
	}
	if (in->op != OP_CALLR) {
		/* Through a fixed word that held no wrapper address at load
		 * time (the loader's GOT words): not the wrapper, since its
		 * address is stored nowhere else (the assumption). */
		struct val a;
		flow_addr(st, in, &a);
		if (a.kind == V_CONST && !in_ranges(t, a.v[0], 1))
			return;
	}
	candidate(t, st, in->addr);
}

/* The sections of data words holding a wrapper's address; fails if other
 * files can read them or data outside them points into them. */
static void data_ranges(struct ptrs *t)
{
	const struct module *m = &t->p->mods[t->mod];
	const struct elf_file *ef = &m->ef;
	for (size_t k = 0; k < t->nw; k++) {
		const struct func *w = &m->funcs[t->w[k]];
		t->ranges[t->nranges++] = (struct flow_range){ w->start, w->end, MARK_TA, 0 };
	}
	size_t nw = t->nranges;
	for (size_t i = 0; i < ef->nrelocs; i++) {
		const struct elf_reloc *r = &ef->relocs[i];
		uint64_t v;
		if (r->kind == RK_RELATIVE || r->kind == RK_IRELATIVE)
			v = (uint64_t)r->addend;
		else if ((r->kind == RK_ABS || r->kind == RK_GLOB_DAT) && r->sym_defined)
			v = r->symval + (r->kind == RK_ABS ? (uint64_t)r->addend : 0);
		else
			continue;
		int holds = 0;
		for (size_t k = 0; k < nw; k++)
			holds |= v >= t->ranges[k].lo && v < t->ranges[k].hi;
		if (!holds)
			continue;
		for (size_t s = 0; s < ef->nsects; s++) {
			const struct elf_sect *sec = &ef->sects[s];
			if (!(sec->flags & SHF_ALLOC) || r->offset < sec->addr ||
			    r->offset - sec->addr >= sec->size || in_ranges(t, r->offset, 1))
				continue;
			if (t->nranges == 16) {
				fail(t, "%s: too many places hold the wrapper's address", m->name);
				return;
			}
			t->ranges[t->nranges++] = (struct flow_range){ sec->addr,
				sec->addr + sec->size, MARK_TA, MARK_TV };
		}
	}
	if (ef->type == ET_EXEC) {
		fail(t, "%s is a fixed-address executable (any word may be a pointer)",
		     m->name);
		return;
	}
	/* Nobody else may read those words or hold an address into them. */
	for (size_t i = 0; i < ef->nsyms; i++) {
		const struct elf_sym *s = &ef->syms[i];
		if (s->dynamic && s->defined && s->bind != STB_LOCAL &&
		    (in_ranges(t, s->value, 0)))
			fail(t, "%s exports a symbol where the wrapper's address is", s->name);
	}
	/* Data elsewhere in the file that points into those sections
	 * (crtstuff's __dso_handle points to itself) is loaded as TV like
	 * any word of them, or, outside them, checked nowhere: refuse it. */
	for (size_t i = 0; i < ef->nrelocs; i++) {
		const struct elf_reloc *r = &ef->relocs[i];
		uint64_t v;
		if (r->kind == RK_RELATIVE)
			v = (uint64_t)r->addend;
		else if (r->kind == RK_ABS && r->sym_defined)
			v = r->symval + (uint64_t)r->addend;
		else
			continue;
		if (in_ranges(t, v, 1) && !in_ranges(t, r->offset, 1))
			fail(t, "%s: data holds an address into the data that holds the "
			     "wrapper's address", m->name);
	}
}

int pointer_wrappers(struct scan *p, const uint8_t *const *byptr, uint32_t mod, int strict)
{
	char lab[300];
	struct module *m = &p->mods[mod];
	uint32_t w[16];
	size_t nw = 0;
	for (size_t fi = 0; fi < m->nfuncs && nw < 16; fi++) {
		const struct func *f = &m->funcs[fi];
		if (f->wrap_reg >= 0 && !f->wrap_mem && !f->wrap_conflict && byptr[mod][fi] &&
		    p->reached[mod][fi])
			w[nw++] = (uint32_t)fi;
	}
	if (!nw)
		return 0;
	struct flow_range ranges[16];
	struct ptrs t = { .p = p, .mod = mod, .w = w, .nw = nw, .byptr = byptr,
			  .ranges = ranges, .ok = 1 };
	for (size_t k = 0; k < nw; k++)
		for (size_t i = 0; i < m->ef.nsyms; i++) {
			const struct elf_sym *s = &m->ef.syms[i];
			if (s->dynamic && s->defined && s->bind != STB_LOCAL &&
			    s->value == m->funcs[w[k]].start)
				fail(&t, "%s is exported", s->name);
		}
	if (t.ok)
		data_ranges(&t);
	t.structural = !t.ok;
	int rc = 0;
	if (t.ok) {
		struct flow_cfg cfg;
		flow_cfg_init(&cfg, p->machine);
		cfg.ranges = ranges;
		cfg.nranges = t.nranges;
		cfg.load_if = MARKS;
		cfg.load_add = MARK_TV;
		t.sums = sum_new(p, &cfg);
		t.seen = calloc(p->nmods, sizeof *t.seen);
		if (!t.sums || !t.seen)
			t.oom = 1;
		for (size_t i = 0; !t.oom && i < p->nmods; i++)
			if (!(t.seen[i] = calloc(p->mods[i].nfuncs ? p->mods[i].nfuncs : 1,
						 sizeof(uint32_t))))
				t.oom = 1;
		for (size_t fi = 0; !t.oom && fi < m->nfuncs; fi++)
			enqueue(&t, mod, (uint32_t)fi, 0);
		for (size_t j = 0; !t.oom && t.ok && j < t.njobs; j++) {
			struct job jb = t.jobs[j];
			struct flow_cfg c2 = *sum_cfg(t.sums);
			for (uint8_t r = 0; r < NREG; r++)
				if (jb.args & (1u << r))
					c2.entry[r] = MARKS;
			t.cur_mod = jb.mod;
			t.cur_fn = jb.fn;
			t.cur_args = jb.args;
			if (flow_run(&p->mods[jb.mod].funcs[jb.fn], &c2, visit, &t) ||
			    sum_failed(t.sums))
				t.oom = 1;
		}
		rc = t.oom ? -1 : 0;
	}
	if (t.ok && t.assumed && strict)
		fail(&t, "%.500s", t.assumption);
	if (!t.ok && !t.oom && !t.structural && !strict) {
		/* The proof failed on the way; the over-approximation the
		 * structure still allows: any indirect call of the file whose
		 * target is not known may call the wrapper. */
		char why[400];
		snprintf(why, sizeof why, "%.399s", t.why);
		t.ncands = 0;
		for (size_t fi = 0; fi < m->nfuncs && !t.oom; fi++) {
			struct flow_cfg cfg;
			flow_cfg_init(&cfg, p->machine);
			t.cur_mod = mod;
			t.cur_fn = (uint32_t)fi;
			if (flow_run(&m->funcs[fi], &cfg, any_call_visit, &t))
				t.oom = 1;
		}
		t.ok = 1;
		t.assumed = 1;
		snprintf(t.assumption, sizeof t.assumption, "the wrapper's address is "
			 "only ever in the data words that hold it at load time and in the "
			 "registers and stack of its file's code, so that only that code's "
			 "indirect calls may call it (not proved: %s)", why);
		rc = t.oom ? -1 : 0;
	}
	if (t.ok && !t.oom) {
		for (size_t i = 0; i < t.ncands && !rc; i++) {
			const struct cand *c = &t.cands[i];
			const struct func *wf = &m->funcs[c->w];
			struct func *cf = &p->mods[c->mod].funcs[c->fn];
			struct site s = { .at = c->at, .num = c->v, .kind = wf->wrap_kind,
					  .via_wrapper = 1, .wmod = mod, .wfn = c->w };
			if (func_add_site(cf, &s))
				rc = -1;
			func_wrapper(cf, &c->v, wf->wrap_kind, 0);
		}
		for (size_t k = 0; k < nw; k++) {
			m->funcs[w[k]].ptr_ok = 1;
			scan_note(p, 0, "%s: wrapper %s is called through a pointer only by "
				  "the %zu indirect calls of its file's code that may reach "
				  "it%s%s%s",
				  t.assumed ? "assumed" : "proved",
				  func_label(m, &m->funcs[w[k]], lab, sizeof lab), t.ncands / nw,
				  t.assumed ? ", assuming that " : "",
				  t.assumed ? t.assumption : "",
				  t.assumed ? " (--strict refuses this)" : "");
		}
	} else if (!t.oom) {
		for (size_t k = 0; k < nw; k++) {
			free(m->funcs[w[k]].ptr_fail);
			m->funcs[w[k]].ptr_fail = strdup(t.why);
		}
	}
	for (size_t i = 0; t.seen && i < p->nmods; i++)
		free(t.seen[i]);
	free(t.seen);
	free(t.jobs);
	free(t.cands);
	sum_free(t.sums);
	return t.oom ? -1 : rc;
}
