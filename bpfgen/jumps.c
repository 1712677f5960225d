/* Stage 6: resolve jumps. Works on a private copy of the instruction list
 * in which every jump target is an instruction index, repeating until no
 * conditional branch is out of reach: inserting a trampoline moves later
 * instructions, which can push another branch out of reach. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/jumps.h"
#include "bpfgen/util.h"

#define MAX_COND_JUMP 255

struct insn {
	uint16_t code;
	uint32_t k;
	size_t jt, jf;     /* absolute targets */
};

struct list {
	struct insn *v;
	size_t n, cap;
};

static int is_cond_jump(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

static int is_ja(uint16_t code)
{
	return code == (BPF_JMP | BPF_JA);
}

static int is_ret(uint16_t code)
{
	return BPF_CLASS(code) == BPF_RET;
}

/* Index of the instruction a label names, skipping over plain "ja" chains
 * so that jumps go straight to their final target. */
static size_t target_of(const struct ir *ir, int label)
{
	size_t pos = (size_t)ir->label_pos[label];
	size_t hops = 0;

	while (pos < ir->n && is_ja(ir->insns[pos].code) && hops++ < ir->n)
		pos = (size_t)ir->label_pos[ir->insns[pos].jt];
	return pos;
}

/* Code generation only ever jumps forward; anything else is a bug that
 * must not reach a filter. */
static void check_forward(size_t from, size_t to)
{
	if (to <= from) {
		fprintf(stderr, "bpfgen: internal error: jump from %zu back to %zu\n",
			from, to);
		abort();
	}
}

static struct list from_ir(const struct ir *ir)
{
	struct list l = { xcalloc(ir->n, sizeof(struct insn)), ir->n, ir->n };

	for (size_t i = 0; i < ir->n; i++) {
		const struct ir_insn *s = &ir->insns[i];
		struct insn *d = &l.v[i];

		d->code = s->code;
		d->k = s->k;
		if (is_cond_jump(s->code)) {
			d->jt = target_of(ir, s->jt);
			d->jf = target_of(ir, s->jf);
			check_forward(i, d->jt);
			check_forward(i, d->jf);
			/* Both ways to one place: the test decides nothing. */
			if (d->jt == d->jf) {
				d->code = BPF_JMP | BPF_JA;
				d->k = 0;
			}
		} else if (is_ja(s->code)) {
			d->jt = target_of(ir, s->jt);
			check_forward(i, d->jt);
		}
		if (is_ja(d->code) && is_ret(ir->insns[d->jt].code)) {
			/* A jump to a return is the return itself. */
			d->code = ir->insns[d->jt].code;
			d->k = ir->insns[d->jt].k;
		}
	}
	return l;
}

/* Insert COPY at index AT, shifting every target beyond it. COPY's own
 * target is numbered as before the insertion too, so it shifts as well. */
static void insert(struct list *l, size_t at, struct insn copy)
{
	if (l->n == l->cap) {
		l->cap *= 2;
		l->v = xrealloc(l->v, l->cap * sizeof(struct insn));
	}
	memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof(struct insn));
	l->v[at] = copy;
	l->n++;
	for (size_t i = 0; i < l->n; i++) {
		struct insn *x = &l->v[i];

		if (is_ja(x->code) || is_cond_jump(x->code)) {
			if (x->jt >= at)
				x->jt++;
			if (is_cond_jump(x->code) && x->jf >= at)
				x->jf++;
		}
	}
}

/* The instruction that takes a far branch to TARGET: the return itself
 * when TARGET is a return, else a ja. */
static struct insn trampoline(const struct list *l, size_t target)
{
	struct insn t = { BPF_JMP | BPF_JA, 0, target, 0 };

	if (is_ret(l->v[target].code)) {
		t.code = l->v[target].code;
		t.k = l->v[target].k;
	}
	return t;
}

/* An instruction within reach of I that already does what a trampoline
 * to TARGET would (a ja to it, or the same return), the farthest one so
 * that later branches can share it too; 0 if there is none. */
static size_t shared_trampoline(const struct list *l, size_t i, size_t target)
{
	const struct insn *t = &l->v[target];
	size_t j = i + 1 + MAX_COND_JUMP;

	if (j >= l->n)
		j = l->n - 1;
	for (; j > i; j--) {
		const struct insn *y = &l->v[j];

		if ((is_ja(y->code) && y->jt == target) ||
		    (is_ret(t->code) && y->code == t->code && y->k == t->k))
			return j;
	}
	return 0;
}

/* Give one far branch of instruction I a trampoline, shared with other
 * branches when one is in reach. Returns 1 if it changed anything. */
static int fix_one(struct list *l, size_t i)
{
	const struct insn *x = &l->v[i];
	int far_jt = x->jt - i - 1 > MAX_COND_JUMP;
	size_t shared;

	if (!far_jt && x->jf - i - 1 <= MAX_COND_JUMP)
		return 0;
	shared = shared_trampoline(l, i, far_jt ? x->jt : x->jf);
	if (shared) {
		*(far_jt ? &l->v[i].jt : &l->v[i].jf) = shared;
		return 1;
	}
	insert(l, i + 1, trampoline(l, far_jt ? x->jt : x->jf));
	/* insert() moved both targets past the trampoline (and may have moved
	 * the list: no pointers into it across the call); aim the far one at
	 * the trampoline itself. */
	*(far_jt ? &l->v[i].jt : &l->v[i].jf) = i + 1;
	return 1;
}

/* Instructions no path from the start reaches: the code generator leaves
 * a chain node's entry unused when every jump to it could go past its
 * first test (codegen.c, first_eq). Jumps only go forward, so one pass
 * in order marks everything. */
static void remove_unreachable(struct list *l)
{
	char *reach = xcalloc(l->n + 1, 1);
	size_t *new_index = xcalloc(l->n + 1, sizeof(size_t));
	size_t kept = 0;

	reach[0] = 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct insn *x = &l->v[i];

		if (!reach[i] || is_ret(x->code))
			continue;
		if (is_ja(x->code)) {
			reach[x->jt] = 1;
		} else if (is_cond_jump(x->code)) {
			reach[x->jt] = 1;
			reach[x->jf] = 1;
		} else {
			reach[i + 1] = 1;
		}
	}
	for (size_t i = 0; i <= l->n; i++) {
		new_index[i] = kept;
		if (i < l->n && reach[i])
			l->v[kept++] = l->v[i];
	}
	l->n = kept;
	for (size_t i = 0; i < l->n; i++) {
		struct insn *x = &l->v[i];

		if (is_ja(x->code) || is_cond_jump(x->code)) {
			x->jt = new_index[x->jt];
			if (is_cond_jump(x->code))
				x->jf = new_index[x->jf];
		}
	}
	free(reach);
	free(new_index);
}

/* Drop "ja" to the very next instruction; such jumps are left by the code
 * generator when a test turned out empty. */
static void drop_empty_jumps(struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (!is_ja(l->v[i].code) || l->v[i].jt != i + 1)
			continue;
		memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(struct insn));
		l->n--;
		for (size_t j = 0; j < l->n; j++) {
			struct insn *x = &l->v[j];

			if (is_ja(x->code) || is_cond_jump(x->code)) {
				if (x->jt > i)
					x->jt--;
				if (is_cond_jump(x->code) && x->jf > i)
					x->jf--;
			}
		}
		i--;
	}
}

size_t resolve_jumps(const struct ir *ir, struct sock_filter **out)
{
	struct list l = from_ir(ir);
	struct sock_filter *f;
	int changed = 1;

	remove_unreachable(&l);
	drop_empty_jumps(&l);
	while (changed) {
		changed = 0;
		/* Last to first, so that the trampolines of later branches
		 * already exist when earlier ones look for one to share. */
		for (size_t i = l.n; i-- > 0;)
			/* Both branches now: a trampoline placed for one
			 * in a later sweep would stretch jumps that earlier
			 * trampolines were chosen to reach. */
			while (is_cond_jump(l.v[i].code) && fix_one(&l, i))
				changed = 1;
	}
	/* Far branches now go to copies of returns; the originals may be
	 * left unused. Dropping code only brings targets closer. */
	remove_unreachable(&l);
	f = xcalloc(l.n, sizeof(*f));
	for (size_t i = 0; i < l.n; i++) {
		const struct insn *x = &l.v[i];

		f[i].code = x->code;
		f[i].k = x->k;
		if (is_ja(x->code))
			f[i].k = (uint32_t)(x->jt - i - 1);
		else if (is_cond_jump(x->code)) {
			f[i].jt = (uint8_t)(x->jt - i - 1);
			f[i].jf = (uint8_t)(x->jf - i - 1);
		}
	}
	*out = f;
	free(l.v);
	return l.n;
}
