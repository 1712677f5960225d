/* syscall-scan's data flow (tools/scan/flow.c) on hand-built functions:
 * instructions are written as struct insn directly (what decode.c would
 * give), the state before one of them is captured and checked. */
#include <criterion/criterion.h>
#include <string.h>

#include "tools/scan/scan.h"

#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RSP 4
#define RSI 6
#define RDI 7

struct fn {
	struct insn in[64];
	size_t n;
	uint64_t pc;
};

static struct insn *emit(struct fn *f, uint8_t op)
{
	cr_assert_lt(f->n, 64);
	struct insn *in = &f->in[f->n++];
	memset(in, 0, sizeof *in);
	in->addr = f->pc;
	in->len = 4;
	f->pc += 4;
	in->op = op;
	in->dst = in->src = in->dst2 = in->src2 = REG_NONE;
	in->mbase = in->mindex = in->cmpreg = REG_NONE;
	in->bits = 64;
	return in;
}

static void movi(struct fn *f, uint8_t dst, uint64_t imm)
{
	struct insn *in = emit(f, OP_MOVI);
	in->dst = dst;
	in->imm = imm;
}

static void copy(struct fn *f, uint8_t dst, uint8_t src)
{
	struct insn *in = emit(f, OP_COPY);
	in->dst = dst;
	in->src = src;
}

static void addi(struct fn *f, uint8_t dst, uint8_t src, int64_t imm)
{
	struct insn *in = emit(f, OP_ADDI);
	in->dst = dst;
	in->src = src;
	in->imm = (uint64_t)imm;
}

static struct insn *load(struct fn *f, uint8_t dst, uint8_t base, int64_t disp, int width)
{
	struct insn *in = emit(f, OP_LOAD);
	in->dst = dst;
	in->mem = MEM_R;
	in->mbase = base;
	in->disp = disp;
	in->mwidth = (uint8_t)width;
	in->bits = width == 8 ? 64 : 32;
	return in;
}

static struct insn *store(struct fn *f, uint8_t base, int64_t disp, int width, uint8_t src)
{
	struct insn *in = emit(f, OP_STORE);
	in->src = src;
	in->mem = MEM_R | MEM_W;
	in->mbase = base;
	in->disp = disp;
	in->mwidth = (uint8_t)width;
	return in;
}

static void call(struct fn *f, uint64_t target)
{
	emit(f, OP_CALL)->imm = target;
}

/* The state before instruction AT of F, from the data flow on M. */
struct capture {
	size_t at;
	int seen;
	struct fstate st;
};

static void grab(void *ctx, const struct func *fn, size_t i, const struct fstate *st)
{
	struct capture *c = ctx;
	(void)fn;
	if (i == c->at) {
		c->st = *st;
		c->seen = 1;
	}
}

static struct fstate before(struct fn *f, size_t at, enum scan_machine m)
{
	struct func fn = { .start = 0x1000, .end = f->pc, .insns = f->in, .n = f->n,
			   .wrap_reg = -1 };
	struct flow_cfg cfg;
	struct capture c = { .at = at };
	flow_cfg_init(&cfg, m);
	cr_assert_eq(flow_run(&fn, &cfg, grab, &c), 0);
	cr_assert(c.seen, "instruction %zu not reached", at);
	return c.st;
}

static struct fn start(void)
{
	struct fn f;
	memset(&f, 0, sizeof f);
	f.pc = 0x1000;
	return f;
}

static void assert_const(const struct val *v, uint64_t want)
{
	cr_assert_eq(v->kind, V_CONST, "kind %d, not a constant", v->kind);
	cr_assert_eq(v->n, 1);
	cr_assert_eq(v->v[0], want, "0x%llx, not 0x%llx", (unsigned long long)v->v[0],
		     (unsigned long long)want);
}

static int has_const(const struct val *v, uint64_t c)
{
	for (int i = 0; v->kind == V_CONST && i < v->n; i++)
		if (v->v[i] == c)
			return 1;
	return 0;
}

Test(scan_flow, constant_copied_then_added)
{
	struct fn f = start();
	movi(&f, RCX, 38);
	copy(&f, RAX, RCX);
	addi(&f, RAX, RAX, 1);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	assert_const(&st.r[RAX], 39);
}

Test(scan_flow, two_branches_join_to_both_values)
{
	struct fn f = start();
	struct insn *j = emit(&f, OP_JCC);      /* to the second mov */
	movi(&f, RAX, 102);
	struct insn *over = emit(&f, OP_JMP);   /* to the syscall */
	j->imm = f.pc;
	movi(&f, RAX, 104);
	over->imm = f.pc;
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	cr_assert_eq(st.r[RAX].kind, V_CONST);
	cr_assert_eq(st.r[RAX].n, 2);
	cr_assert(has_const(&st.r[RAX], 102) && has_const(&st.r[RAX], 104));
}

Test(scan_flow, argument_register_is_the_callers)
{
	struct fn f = start();
	copy(&f, RAX, RDI);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	cr_assert_eq(st.r[RAX].kind, V_ARG);
	cr_assert_eq(st.r[RAX].reg, RDI);
	cr_assert_eq(st.r[RAX].off, 0);
}

Test(scan_flow, stack_slot_keeps_what_was_stored)
{
	struct fn f = start();
	addi(&f, RSP, RSP, -16);
	movi(&f, RCX, 60);
	store(&f, RSP, 8, 8, RCX);
	movi(&f, RCX, 0);
	load(&f, RAX, RSP, 8, 8);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	assert_const(&st.r[RAX], 60);
	cr_assert_eq(st.r[RSP].kind, V_ARG);
	cr_assert_eq(st.r[RSP].off, -16);
}

Test(scan_flow, callers_memory_at_entry)
{
	struct fn f = start();
	load(&f, RAX, RDI, 0, 4);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	cr_assert_eq(st.r[RAX].kind, V_LD);
	cr_assert_eq(st.r[RAX].reg, RDI);
	cr_assert_eq(st.r[RAX].off, 0);
	cr_assert_eq(st.r[RAX].width, 4);
	cr_assert_eq(st.r[RAX].pub, 0);
}

Test(scan_flow, pointer_stored_away_makes_the_object_untrusted)
{
	struct fn f = start();
	copy(&f, RCX, RDI);
	addi(&f, RCX, RCX, 8);
	store(&f, REG_NONE, 0x5000, 8, RCX);   /* a global now holds rdi+8 */
	load(&f, RAX, RDI, 0, 4);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	cr_assert_eq(st.r[RAX].kind, V_TOP);
	cr_assert_eq(st.r[RAX].why, W_ESC);
	cr_assert(st.esc & (1u << RDI));
}

Test(scan_flow, pointer_published_in_a_global)
{
	struct fn f = start();
	store(&f, REG_NONE, 0x5000, 8, RDI);   /* exactly the argument */
	load(&f, RAX, RDI, 0, 4);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	cr_assert_eq(st.r[RAX].kind, V_LD);
	cr_assert_eq(st.r[RAX].pub, 1);
	cr_assert(st.pub & (1u << RDI));
	cr_assert_eq(st.pubaddr, 0x5000);
	cr_assert_eq(st.esc & (1u << RDI), 0);
}

Test(scan_flow, write_at_unknown_offset_clobbers_the_object)
{
	struct fn f = start();
	struct insn *w = store(&f, RDI, 0, 4, REG_ZERO);
	w->mindex = RCX;                       /* [rdi + rcx] */
	load(&f, RAX, RDI, 0, 4);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	cr_assert_eq(st.r[RAX].kind, V_TOP);
	cr_assert(st.clob & (1u << RDI));
}

Test(scan_flow, one_path_writing_a_field_makes_only_that_field_unknown)
{
	struct fn f = start();
	struct insn *j = emit(&f, OP_JCC);
	movi(&f, RCX, 1);
	store(&f, RDI, 4, 4, RCX);
	j->imm = f.pc;
	load(&f, RAX, RDI, 4, 4);
	load(&f, RDX, RDI, 0, 4);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	cr_assert_eq(st.r[RAX].kind, V_TOP, "[rdi+4] is 1 or the caller's");
	cr_assert_eq(st.r[RDX].kind, V_LD, "[rdi+0] no path wrote");
}

Test(scan_flow, call_keeps_callee_saved_and_clobbers_scratch)
{
	struct fn f = start();
	movi(&f, RBX, 5);
	movi(&f, RCX, 6);
	call(&f, 0x9000);
	copy(&f, RAX, RBX);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	assert_const(&st.r[RAX], 5);
	cr_assert_eq(st.r[RCX].kind, V_TOP);
	cr_assert_eq(st.r[RCX].why, W_CALL);
}

Test(scan_flow, frame_given_to_an_unknown_callee_escapes)
{
	struct fn f = start();
	addi(&f, RSP, RSP, -16);
	movi(&f, RCX, 60);
	store(&f, RSP, 8, 4, RCX);
	addi(&f, RDI, RSP, 8);                 /* its address goes to the call */
	call(&f, 0x9000);
	load(&f, RAX, RSP, 8, 4);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	cr_assert(st.esc & (1u << RSP));
	cr_assert_eq(st.r[RAX].kind, V_TOP);
}

Test(scan_flow, frame_slot_away_from_the_stack_pointer_survives_a_call)
{
	struct fn f = start();
	addi(&f, RSP, RSP, -32);
	movi(&f, RCX, 60);
	store(&f, RSP, 16, 4, RCX);            /* a gap at [rsp, rsp+16) */
	call(&f, 0x9000);
	load(&f, RAX, RSP, 16, 4);
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	assert_const(&st.r[RAX], 60);
}

Test(scan_flow, compare_and_branch_fixes_the_register)
{
	struct fn f = start();
	load(&f, RAX, RSP, 8, 8);              /* unknown: the caller's stack */
	struct insn *t = emit(&f, OP_OTHER);   /* test %rax, %rax */
	t->cmpreg = RAX;
	t->cmpimm = 0;
	struct insn *j = emit(&f, OP_JCC);
	j->cc = CC_NE;
	size_t at = f.n;
	emit(&f, OP_SYSCALL);                  /* reached when rax == 0 */
	j->imm = f.pc;
	size_t other = f.n;
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	assert_const(&st.r[RAX], 0);
	st = before(&f, other, MACH_X86_64);
	cr_assert_neq(st.r[RAX].kind, V_CONST);
}

Test(scan_flow, constant_into_the_low_byte)
{
	struct fn f = start();
	movi(&f, RAX, 0);
	struct insn *k = emit(&f, OP_MOVK);    /* mov $0x38, %al */
	k->dst = RAX;
	k->imm = 0x38;
	k->kw = 8;
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	assert_const(&st.r[RAX], 0x38);
}

Test(scan_flow, syscall_with_unknown_number_lets_its_arguments_escape)
{
	struct fn f = start();
	addi(&f, RSP, RSP, -16);
	addi(&f, RSI, RSP, 0);
	load(&f, RAX, RDI, 0, 4);              /* number unknown here */
	emit(&f, OP_SYSCALL);
	size_t at = f.n;
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	cr_assert(st.esc & (1u << RSP), "the kernel may keep the frame's address");
}

Test(scan_flow, aarch64_pair_store_and_load_with_writeback)
{
	const uint8_t SP = 31, X29 = 29, X30 = 30, X8 = 8;
	struct fn f = start();
	struct insn *p = emit(&f, OP_STORE2);  /* stp x29, x30, [sp, #-32]! */
	p->src = X29;
	p->src2 = X30;
	p->mem = MEM_R | MEM_W;
	p->mbase = SP;
	p->disp = -32;
	p->mwidth = 8;
	p->wb = WB_PRE;
	p->wbimm = -32;
	movi(&f, X29, 7);
	movi(&f, X30, 7);
	struct insn *l = emit(&f, OP_LOAD2);   /* ldp x29, x30, [sp], #32 */
	l->dst = X29;
	l->dst2 = X30;
	l->mem = MEM_R;
	l->mbase = SP;
	l->mwidth = 8;
	l->wb = WB_POST;
	l->wbimm = 32;
	movi(&f, X8, 172);
	size_t at = f.n;
	emit(&f, OP_SVC);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_AARCH64);
	cr_assert_eq(st.r[X29].kind, V_ARG);
	cr_assert_eq(st.r[X29].reg, X29);
	cr_assert_eq(st.r[X30].kind, V_ARG);
	cr_assert_eq(st.r[X30].reg, X30);
	cr_assert_eq(st.r[SP].kind, V_ARG);
	cr_assert_eq(st.r[SP].off, 0);
	assert_const(&st.r[X8], 172);
}

Test(scan_flow, flow_read_of_a_frame_cell_narrows)
{
	struct fn f = start();
	addi(&f, RSP, RSP, -16);
	movi(&f, RCX, 0x1122334455667788ull);
	store(&f, RSP, 0, 8, RCX);
	load(&f, RAX, RSP, 4, 4);              /* the high half, little-endian */
	size_t at = f.n;
	emit(&f, OP_SYSCALL);
	emit(&f, OP_RET);
	struct fstate st = before(&f, at, MACH_X86_64);
	assert_const(&st.r[RAX], 0x11223344);
}
