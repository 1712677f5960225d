/* The listing: classic BPF instructions as text that bpfasm reads back to
 * the same bytes, with comments naming syscalls and architectures.
 *
 * Spelling rules (bpf/asm.h documents the grammar):
 *  - every constant K is hex ("#0x29", "ld [0x41]"); memory slots ("M[3]")
 *    and jump targets are decimal, and jump targets are absolute indexes;
 *  - a field the mnemonic does not show must be zero; any instruction that
 *    breaks that, or has no mnemonic, prints as "raw CODE, JT, JF, K" so
 *    that the text always reassembles to identical bytes. */
#include <stdlib.h>
#include <string.h>

#include "bpf/disasm.h"
#include "bpf/seccomp.h"

/* What a forward scan knows about A before an instruction. */
#define A_UNREACHED (-2L)  /* no path seen yet */
#define A_UNKNOWN   (-1L)  /* anything else; >= 0 means "field at offset" */

static const char *const alu_names[16] = {
	[BPF_ADD >> 4] = "add", [BPF_SUB >> 4] = "sub", [BPF_MUL >> 4] = "mul",
	[BPF_DIV >> 4] = "div", [BPF_OR >> 4] = "or",   [BPF_AND >> 4] = "and",
	[BPF_LSH >> 4] = "lsh", [BPF_RSH >> 4] = "rsh", [BPF_MOD >> 4] = "mod",
	[BPF_XOR >> 4] = "xor",
};

static const char *const jmp_names[16] = {
	[BPF_JEQ >> 4] = "jeq", [BPF_JGT >> 4] = "jgt",
	[BPF_JGE >> 4] = "jge", [BPF_JSET >> 4] = "jset",
};

static int raw_form(const struct sock_filter *f, char *buf, size_t n)
{
	return snprintf(buf, n, "raw 0x%02x, %u, %u, 0x%x",
			f->code, f->jt, f->jf, f->k);
}

static int no_jumps(const struct sock_filter *f)
{
	return f->jt == 0 && f->jf == 0;
}

/* "[nr]", "[arg2.lo]", or "[0x41]" when the offset names no field. */
static int abs_operand(uint32_t k, char *buf, size_t n)
{
	const char *name = seccomp_field_name(k);

	return name ? snprintf(buf, n, "[%s]", name)
		    : snprintf(buf, n, "[0x%x]", k);
}

static int fmt_ld(const struct sock_filter *f, char *buf, size_t n)
{
	static const char *const sized[4] = {
		[BPF_W >> 3] = "ld", [BPF_H >> 3] = "ldh", [BPF_B >> 3] = "ldb",
	};
	const char *op = sized[BPF_SIZE(f->code) >> 3];
	char field[32];

	if (!op || !no_jumps(f))
		return raw_form(f, buf, n);
	switch (BPF_MODE(f->code)) {
	case BPF_ABS:
		abs_operand(f->k, field, sizeof(field));
		return snprintf(buf, n, "%s %s", op, field);
	case BPF_IND:
		return snprintf(buf, n, "%s [x+0x%x]", op, f->k);
	}
	/* The remaining modes have no size: only the BPF_W spelling exists. */
	if (BPF_SIZE(f->code) != BPF_W)
		return raw_form(f, buf, n);
	switch (BPF_MODE(f->code)) {
	case BPF_IMM: return snprintf(buf, n, "ld #0x%x", f->k);
	case BPF_MEM: return snprintf(buf, n, "ld M[%u]", f->k);
	case BPF_LEN:
		return f->k ? raw_form(f, buf, n) : snprintf(buf, n, "ld len");
	}
	return raw_form(f, buf, n);
}

static int fmt_ldx(const struct sock_filter *f, char *buf, size_t n)
{
	if (BPF_SIZE(f->code) != BPF_W || !no_jumps(f))
		return raw_form(f, buf, n);
	switch (BPF_MODE(f->code)) {
	case BPF_IMM: return snprintf(buf, n, "ldx #0x%x", f->k);
	case BPF_MEM: return snprintf(buf, n, "ldx M[%u]", f->k);
	case BPF_LEN:
		return f->k ? raw_form(f, buf, n) : snprintf(buf, n, "ldx len");
	}
	return raw_form(f, buf, n);
}

static int fmt_st(const struct sock_filter *f, char *buf, size_t n)
{
	const char *op = BPF_CLASS(f->code) == BPF_ST ? "st" : "stx";

	/* st and stx use no bits besides the class. */
	if (f->code != BPF_CLASS(f->code) || !no_jumps(f))
		return raw_form(f, buf, n);
	return snprintf(buf, n, "%s M[%u]", op, f->k);
}

static int fmt_alu(const struct sock_filter *f, char *buf, size_t n)
{
	const char *op = alu_names[BPF_OP(f->code) >> 4];

	if (!no_jumps(f))
		return raw_form(f, buf, n);
	if (f->code == (BPF_ALU | BPF_NEG))
		return f->k ? raw_form(f, buf, n) : snprintf(buf, n, "neg");
	if (!op)
		return raw_form(f, buf, n);
	if (BPF_SRC(f->code) == BPF_X)
		return f->k ? raw_form(f, buf, n) : snprintf(buf, n, "%s x", op);
	return snprintf(buf, n, "%s #0x%x", op, f->k);
}

static int fmt_jmp(const struct sock_filter *f, size_t i,
		   char *buf, size_t n)
{
	const char *op = jmp_names[BPF_OP(f->code) >> 4];
	size_t next = i + 1;

	if (f->code == (BPF_JMP | BPF_JA)) {
		if (!no_jumps(f))
			return raw_form(f, buf, n);
		return snprintf(buf, n, "ja %zu", next + f->k);
	}
	if (!op)
		return raw_form(f, buf, n);
	if (BPF_SRC(f->code) == BPF_X) {
		if (f->k)
			return raw_form(f, buf, n);
		return snprintf(buf, n, "%s x, %zu, %zu", op,
				next + f->jt, next + f->jf);
	}
	return snprintf(buf, n, "%s #0x%x, %zu, %zu", op, f->k,
			next + f->jt, next + f->jf);
}

/* "ret allow", "ret errno(1)"... only when the name reassembles to the
 * same value: data bits on an action that carries none would be lost. */
static int fmt_ret_k(uint32_t k, char *buf, size_t n)
{
	uint32_t action = k & ACT_FULL_MASK;
	int has_data = action == ACT_ERRNO || action == ACT_TRACE ||
		       action == ACT_TRAP;
	char name[48];

	if (!has_data && seccomp_action_effective(k) != k)
		return snprintf(buf, n, "ret #0x%x", k);
	seccomp_action_format(k, name, sizeof(name));
	return snprintf(buf, n, "ret %s", name);
}

static int fmt_ret(const struct sock_filter *f, char *buf, size_t n)
{
	if (!no_jumps(f))
		return raw_form(f, buf, n);
	switch (f->code) {
	case BPF_RET | BPF_K: return fmt_ret_k(f->k, buf, n);
	case BPF_RET | BPF_A:
		return f->k ? raw_form(f, buf, n) : snprintf(buf, n, "ret a");
	case BPF_RET | BPF_X:
		return f->k ? raw_form(f, buf, n) : snprintf(buf, n, "ret x");
	}
	return raw_form(f, buf, n);
}

static int fmt_misc(const struct sock_filter *f, char *buf, size_t n)
{
	if (!no_jumps(f) || f->k)
		return raw_form(f, buf, n);
	switch (f->code) {
	case BPF_MISC | BPF_TAX: return snprintf(buf, n, "tax");
	case BPF_MISC | BPF_TXA: return snprintf(buf, n, "txa");
	}
	return raw_form(f, buf, n);
}

int disasm_insn_plain(const struct sock_filter *insn, size_t i,
		      char *buf, size_t n)
{
	if (insn->code > 0xff)  /* classic BPF opcodes are one byte */
		return raw_form(insn, buf, n);
	switch (BPF_CLASS(insn->code)) {
	case BPF_LD:   return fmt_ld(insn, buf, n);
	case BPF_LDX:  return fmt_ldx(insn, buf, n);
	case BPF_ST:
	case BPF_STX:  return fmt_st(insn, buf, n);
	case BPF_ALU:  return fmt_alu(insn, buf, n);
	case BPF_JMP:  return fmt_jmp(insn, i, buf, n);
	case BPF_RET:  return fmt_ret(insn, buf, n);
	default:       return fmt_misc(insn, buf, n);
	}
}

/* --- the forward scan: what A holds before each instruction --- */

static int writes_a(const struct sock_filter *f)
{
	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
	case BPF_ALU:
		return 1;
	case BPF_MISC:
		return BPF_MISCOP(f->code) == BPF_TXA;
	default:
		return 0;
	}
}

static long meet(long have, long incoming)
{
	if (have == A_UNREACHED)
		return incoming;
	return have == incoming ? have : A_UNKNOWN;
}

static long a_after(const struct sock_filter *f, long before)
{
	if (f->code == (BPF_LD | BPF_W | BPF_ABS) && seccomp_field_name(f->k))
		return (long)f->k;
	return writes_a(f) ? A_UNKNOWN : before;
}

/* What the scan knows before an instruction: A's content, and which
 * audit arch the path has established (a program that accepts several
 * ABIs dispatches on it; syscall numbers are named in that ABI's table). */
struct scan_state {
	long a;
	long audit;             /* A_UNREACHED, A_UNKNOWN, or the audit value */
};

static void flow_to(struct scan_state *state, size_t len, size_t target,
		    long a, long audit)
{
	if (target < len) {
		state[target].a = meet(state[target].a, a);
		state[target].audit = meet(state[target].audit, audit);
	}
}

/* Fills STATE[0..LEN) with what A holds before each instruction. BPF only
 * jumps forward, so one pass in order sees every predecessor first. */
static void scan_a(const struct sock_filter *prog, size_t len,
		   struct scan_state *state)
{
	for (size_t i = 0; i < len; i++)
		state[i].a = state[i].audit = A_UNREACHED;
	if (len) {
		state[0].a = A_UNKNOWN;  /* A starts as 0, which is no field */
		state[0].audit = A_UNKNOWN;
	}
	for (size_t i = 0; i < len; i++) {
		const struct sock_filter *f = &prog[i];
		long a, audit = state[i].audit;

		if (state[i].a == A_UNREACHED)
			continue;
		a = a_after(f, state[i].a);
		if (BPF_CLASS(f->code) == BPF_RET)
			continue;
		if (BPF_CLASS(f->code) != BPF_JMP) {
			flow_to(state, len, i + 1, a, audit);
		} else if (BPF_OP(f->code) == BPF_JA) {
			flow_to(state, len, i + 1 + (size_t)f->k, a, audit);
		} else {
			int is_arch = a == (long)SD_ARCH && f->code == (BPF_JMP | BPF_JEQ | BPF_K);

			flow_to(state, len, i + 1 + f->jt, a, is_arch ? (long)f->k : audit);
			flow_to(state, len, i + 1 + f->jf, a, audit);
		}
	}
}

/* The ABI whose numbers a path with audit arch AUDIT compares: TARGET's
 * own unless the path has checked for one of the ABIs TARGET accepts. */
static const struct arch *abi_of(const struct arch *target, long audit)
{
	const struct arch *a;

	if (audit < 0 || (uint32_t)audit == target->audit_arch)
		return target;
	a = arch_by_audit((uint32_t)audit);
	return a && a->host == target ? a : target;
}

/* "AUDIT_ARCH_X86_64" for the architecture owning audit value K. */
static int arch_comment(uint32_t k, char *buf, size_t n)
{
	const struct arch *a = arch_by_audit(k);
	char upper[32];
	size_t j = 0;

	if (!a)
		return snprintf(buf, n, "unknown architecture");
	for (const char *p = a->name; *p && j + 1 < sizeof(upper); p++)
		upper[j++] = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
	upper[j] = '\0';
	return snprintf(buf, n, "AUDIT_ARCH_%s", upper);
}

static int nr_comment(const struct arch *arch, uint8_t op, uint32_t k,
		      char *buf, size_t n)
{
	const char *name;

	if (arch->x32_bit && k == arch->x32_bit)
		return snprintf(buf, n, "x32 bit");
	if (op == BPF_JSET)
		return 0;
	if (arch->x32_bit && (k & arch->x32_bit)) {
		/* an x32 syscall number, as seen on x86_64 kernels */
		const struct arch *x32 = arch_by_name("x32");

		name = x32 ? arch_syscall_name(x32, k & ~arch->x32_bit) : NULL;
		return name ? snprintf(buf, n, "x32 %s", name) : 0;
	}
	name = arch_syscall_name(arch, k);
	return name ? snprintf(buf, n, "%s", name) : 0;
}

/* Comment for a comparison of A against K, or 0 chars when none fits. */
static int comment_for(const struct arch *arch, const struct sock_filter *f,
		       long a, char *buf, size_t n)
{
	if (BPF_CLASS(f->code) != BPF_JMP || BPF_SRC(f->code) != BPF_K ||
	    BPF_OP(f->code) == BPF_JA)
		return 0;
	if (a == (long)SD_NR)
		return nr_comment(arch, BPF_OP(f->code), f->k, buf, n);
	if (a == (long)SD_ARCH && BPF_OP(f->code) == BPF_JEQ)
		return arch_comment(f->k, buf, n);
	return 0;
}

static int with_comment(const struct arch *arch, const struct sock_filter *f,
			size_t i, struct scan_state st, char *buf, size_t n)
{
	char note[96];
	int len = disasm_insn_plain(f, i, buf, n);

	if (!arch || comment_for(abi_of(arch, st.audit), f, st.a, note, sizeof(note)) <= 0)
		return len;
	return len + snprintf(buf + ((size_t)len < n ? (size_t)len : n),
			      (size_t)len < n ? n - (size_t)len : 0,
			      " ; %s", note);
}

int disasm_insn(const struct arch *arch, const struct sock_filter *prog,
		size_t len, size_t i, char *buf, size_t n)
{
	struct scan_state *state;
	int w;

	if (i >= len)
		return snprintf(buf, n, "%s", "");
	if (!arch)
		return disasm_insn_plain(&prog[i], i, buf, n);
	state = malloc(len * sizeof(*state));
	if (!state)  /* comments are a courtesy; the text stays exact */
		return disasm_insn_plain(&prog[i], i, buf, n);
	scan_a(prog, len, state);
	w = with_comment(arch, &prog[i], i, state[i], buf, n);
	free(state);
	return w;
}

void disasm_program(FILE *out, const struct arch *arch,
		    const struct sock_filter *prog, size_t len)
{
	struct scan_state *state = len ? malloc(len * sizeof(*state)) : NULL;
	struct scan_state none = { A_UNKNOWN, A_UNKNOWN };
	char line[160];

	if (state)
		scan_a(prog, len, state);
	for (size_t i = 0; i < len; i++) {
		with_comment(arch, &prog[i], i, state ? state[i] : none, line, sizeof(line));
		fprintf(out, "%4zu: %s\n", i, line);
	}
	free(state);
}

void disasm_each(const struct arch *arch, const struct sock_filter *prog,
		 size_t len, void (*fn)(void *ctx, size_t i, const char *text),
		 void *ctx)
{
	struct scan_state *state = len ? malloc(len * sizeof(*state)) : NULL;
	struct scan_state none = { A_UNKNOWN, A_UNKNOWN };
	char line[160];

	if (state)
		scan_a(prog, len, state);
	for (size_t i = 0; i < len; i++) {
		with_comment(arch, &prog[i], i, state ? state[i] : none,
			     line, sizeof(line));
		fn(ctx, i, line);
	}
	free(state);
}
