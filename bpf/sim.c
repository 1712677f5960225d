/* The emulator's core: the kernel's seccomp filter checker, its classic-BPF
 * machine and its action-cache analysis, redone from the kernel's rules
 * (net/core/filter.c, kernel/seccomp.c) so that aarch64 output can be
 * checked on any machine and instruction counts are exact. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/seccomp.h"
#include "bpf/sim.h"

/* Writes "insn PC: <message>" into ERR and returns -1. */
static int insn_fail(char *err, size_t n, size_t pc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int insn_fail(char *err, size_t n, size_t pc, const char *fmt, ...)
{
	va_list ap;
	int used;

	if (n == 0)
		return -1;
	used = snprintf(err, n, "insn %zu: ", pc);
	if (used >= 0 && (size_t)used < n) {
		va_start(ap, fmt);
		vsnprintf(err + used, n - (size_t)used, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A short name for opcodes the messages mention, or NULL. */
static const char *opcode_name(uint16_t code)
{
	switch (code) {
	case BPF_ALU | BPF_MOD | BPF_K:    return "mod #k";
	case BPF_ALU | BPF_MOD | BPF_X:    return "mod x";
	case BPF_LD | BPF_H | BPF_ABS:     return "ldh [k]";
	case BPF_LD | BPF_B | BPF_ABS:     return "ldb [k]";
	case BPF_LD | BPF_W | BPF_IND:     return "ld [x + k]";
	case BPF_LD | BPF_H | BPF_IND:     return "ldh [x + k]";
	case BPF_LD | BPF_B | BPF_IND:     return "ldb [x + k]";
	case BPF_LDX | BPF_B | BPF_MSH:    return "ldxb 4*([k]&0xf)";
	default:                           return NULL;
	}
}

/* The opcodes classic BPF knows at all (the kernel's chk_code_allowed):
 * exact 16-bit values, so stray bits in an otherwise valid opcode fail. */
static int classic_code_known(uint16_t code)
{
	switch (code) {
	case BPF_ALU | BPF_ADD | BPF_K:  case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K:  case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K:  case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K:  case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_MOD | BPF_K:  case BPF_ALU | BPF_MOD | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K:  case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:   case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K:  case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K:  case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K:  case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_W | BPF_ABS:   case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:   case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LD | BPF_W | BPF_IND:   case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:   case BPF_LD | BPF_IMM:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_W | BPF_LEN:  case BPF_LDX | BPF_B | BPF_MSH:
	case BPF_LDX | BPF_IMM:          case BPF_LDX | BPF_MEM:
	case BPF_ST:                     case BPF_STX:
	case BPF_MISC | BPF_TAX:         case BPF_MISC | BPF_TXA:
	case BPF_RET | BPF_K:            case BPF_RET | BPF_A:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K:  case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:  case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:  case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		return 1;
	default:
		return 0;
	}
}

static int is_cond_jump(uint16_t code)
{
	switch (code) {
	case BPF_JMP | BPF_JEQ | BPF_K:  case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:  case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:  case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		return 1;
	default:
		return 0;
	}
}

/* Socket filters' ancillary loads live at SKF_AD_OFF + a multiple of 4
 * below SKF_AD_MAX; the generic checker lets those through (seccomp then
 * refuses them) and refuses any other load at or above SKF_AD_OFF. */
static int is_ancillary(uint32_t k)
{
	uint32_t off = k - (uint32_t)SKF_AD_OFF;

	return k >= (uint32_t)SKF_AD_OFF && off < SKF_AD_MAX && off % 4 == 0;
}

/* The per-instruction checks of the kernel's bpf_check_classic. */
static int classic_insn_check(const struct sock_filter *prog, size_t len,
			      size_t pc, char *err, size_t n)
{
	const struct sock_filter *in = &prog[pc];

	if (!classic_code_known(in->code))
		return insn_fail(err, n, pc,
				 "opcode 0x%04x is not a classic BPF instruction",
				 in->code);
	switch (in->code) {
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K:
		if (in->k == 0)
			return insn_fail(err, n, pc, "division by constant zero");
		break;
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		if (in->k >= 32)
			return insn_fail(err, n, pc,
					 "shift by %u (must be below 32)", in->k);
		break;
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		if (in->k >= BPF_MEMWORDS)
			return insn_fail(err, n, pc,
					 "scratch memory M[%u] does not exist (M[0]..M[%d])",
					 in->k, BPF_MEMWORDS - 1);
		break;
	case BPF_JMP | BPF_JA:
		if (in->k >= len - pc - 1)
			return insn_fail(err, n, pc,
					 "ja +%u jumps past the last instruction", in->k);
		break;
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
		if (in->k >= (uint32_t)SKF_AD_OFF && !is_ancillary(in->k))
			return insn_fail(err, n, pc,
					 "load from offset 0x%08x is neither data nor a known ancillary field",
					 in->k);
		break;
	default:
		if (is_cond_jump(in->code) &&
		    (pc + in->jt + 1 >= len || pc + in->jf + 1 >= len))
			return insn_fail(err, n, pc,
					 "jump (jt %u, jf %u) goes past the last instruction",
					 in->jt, in->jf);
		break;
	}
	return 0;
}

/* The kernel's check_load_and_stores: one forward pass in which each
 * instruction knows the scratch cells written on every way into it. A
 * jump hands its set to its targets and the instruction after it starts
 * from "all" (it can only be entered by jumps); after a ret the set just
 * flows on, which is conservative, as in the kernel. */
static int scratch_check(const struct sock_filter *prog, size_t len,
			 char *err, size_t n)
{
	uint16_t masks[BPF_MAXINSNS];
	uint16_t valid = 0;
	size_t pc;

	for (pc = 0; pc < len; pc++)
		masks[pc] = 0xffff;
	for (pc = 0; pc < len; pc++) {
		const struct sock_filter *in = &prog[pc];

		valid &= masks[pc];
		switch (in->code) {
		case BPF_ST:
		case BPF_STX:
			valid |= (uint16_t)(1u << in->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(valid & (1u << in->k)))
				return insn_fail(err, n, pc,
						 "reads M[%u], which is not written on every path to it",
						 in->k);
			break;
		case BPF_JMP | BPF_JA:
			masks[pc + 1 + in->k] &= valid;
			valid = 0xffff;
			break;
		default:
			if (is_cond_jump(in->code)) {
				masks[pc + 1 + in->jt] &= valid;
				masks[pc + 1 + in->jf] &= valid;
				valid = 0xffff;
			}
			break;
		}
	}
	return 0;
}

/* The kernel's seccomp_check_filter: the instructions seccomp allows, and
 * loads only of whole aligned words inside struct seccomp_data. */
static int seccomp_insn_check(const struct sock_filter *in, size_t pc,
			      char *err, size_t n)
{
	const char *name;

	switch (in->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		if (in->k >= SD_SIZE)
			return insn_fail(err, n, pc,
					 "ld [%u] is outside struct seccomp_data (%u bytes)",
					 in->k, SD_SIZE);
		if (in->k % 4 != 0)
			return insn_fail(err, n, pc,
					 "ld [%u] is not 4-byte aligned", in->k);
		return 0;
	case BPF_LD | BPF_W | BPF_LEN:  case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K:           case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:  case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM:          case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX:        case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM:          case BPF_LDX | BPF_MEM:
	case BPF_ST:                    case BPF_STX:
	case BPF_JMP | BPF_JA:
		return 0;
	default:
		if (is_cond_jump(in->code))
			return 0;
		name = opcode_name(in->code);
		return insn_fail(err, n, pc,
				 "opcode 0x%04x%s%s%s is not allowed in seccomp filters",
				 in->code, name ? " (" : "", name ? name : "",
				 name ? ")" : "");
	}
}

int sim_check(const struct sock_filter *prog, size_t len, char *err,
	      size_t errlen)
{
	size_t pc;

	if (len == 0 || len > BPF_MAXINSNS) {
		if (errlen > 0)
			snprintf(err, errlen,
				 "length %zu: a filter must have 1 to %d instructions",
				 len, BPF_MAXINSNS);
		return -1;
	}
	for (pc = 0; pc < len; pc++)
		if (classic_insn_check(prog, len, pc, err, errlen) < 0)
			return -1;
	if (prog[len - 1].code != (BPF_RET | BPF_K) &&
	    prog[len - 1].code != (BPF_RET | BPF_A))
		return insn_fail(err, errlen, len - 1,
				 "the last instruction must be a ret, not opcode 0x%04x",
				 prog[len - 1].code);
	if (scratch_check(prog, len, err, errlen) < 0)
		return -1;
	for (pc = 0; pc < len; pc++)
		if (seccomp_insn_check(&prog[pc], pc, err, errlen) < 0)
			return -1;
	return 0;
}

/* seccomp_data as the 16 words ld [k] reads. */
static void data_words(const struct sim_data *d, uint32_t w[SD_SIZE / 4])
{
	int i;

	w[SD_NR / 4] = d->nr;
	w[SD_ARCH / 4] = d->arch;
	w[SD_IP_LO / 4] = (uint32_t)d->ip;
	w[SD_IP_HI / 4] = (uint32_t)(d->ip >> 32);
	for (i = 0; i < 6; i++) {
		w[SD_ARG_LO(i) / 4] = (uint32_t)d->args[i];
		w[SD_ARG_HI(i) / 4] = (uint32_t)(d->args[i] >> 32);
	}
}

int sim_alu(uint16_t op, uint32_t *a, uint32_t v)
{
	switch (op) {
	case BPF_ADD: *a += v; break;
	case BPF_SUB: *a -= v; break;
	case BPF_MUL: *a *= v; break;
	case BPF_DIV:
		if (v == 0)
			return -1;
		*a /= v;
		break;
	case BPF_AND: *a &= v; break;
	case BPF_OR:  *a |= v; break;
	case BPF_XOR: *a ^= v; break;
	/* Shifts by X use the low 5 bits, as the 32-bit shift instructions
	 * of both JITs and the interpreter do (K is checked below 32). */
	case BPF_LSH: *a <<= (v & 31); break;
	case BPF_RSH: *a >>= (v & 31); break;
	case BPF_NEG: *a = 0u - *a; break;
	}
	return 0;
}

int sim_jump_taken(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_JEQ:  return a == v;
	case BPF_JGE:  return a >= v;
	case BPF_JGT:  return a > v;
	default:       return (a & v) != 0;  /* BPF_JSET */
	}
}

uint32_t sim_run_traced(const struct sock_filter *prog, size_t len,
			const struct sim_data *d, size_t *executed,
			sim_trace_fn *trace, void *ctx)
{
	uint32_t w[SD_SIZE / 4], mem[BPF_MEMWORDS] = {0};
	uint32_t a = 0, x = 0, ret = ACT_KILL_PROCESS;
	size_t pc = 0, count = 0;

	data_words(d, w);
	while (pc < len) {
		const struct sock_filter *in = &prog[pc];
		size_t next = pc + 1;
		int done = 0;

		count++;
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k >= SD_SIZE || in->k % 4 != 0)
				goto invalid;
			a = w[in->k / 4];
			break;
		case BPF_LD | BPF_W | BPF_LEN:  a = SD_SIZE; break;
		case BPF_LDX | BPF_W | BPF_LEN: x = SD_SIZE; break;
		case BPF_LD | BPF_IMM:          a = in->k; break;
		case BPF_LDX | BPF_IMM:         x = in->k; break;
		case BPF_LD | BPF_MEM:
			if (in->k >= BPF_MEMWORDS)
				goto invalid;
			a = mem[in->k];
			break;
		case BPF_LDX | BPF_MEM:
			if (in->k >= BPF_MEMWORDS)
				goto invalid;
			x = mem[in->k];
			break;
		case BPF_ST:
			if (in->k >= BPF_MEMWORDS)
				goto invalid;
			mem[in->k] = a;
			break;
		case BPF_STX:
			if (in->k >= BPF_MEMWORDS)
				goto invalid;
			mem[in->k] = x;
			break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_MISC | BPF_TXA: a = x; break;
		case BPF_ALU | BPF_NEG:  sim_alu(BPF_NEG, &a, 0); break;
		case BPF_ALU | BPF_DIV | BPF_X:
		case BPF_ALU | BPF_ADD | BPF_X: case BPF_ALU | BPF_SUB | BPF_X:
		case BPF_ALU | BPF_MUL | BPF_X: case BPF_ALU | BPF_AND | BPF_X:
		case BPF_ALU | BPF_OR | BPF_X:  case BPF_ALU | BPF_XOR | BPF_X:
		case BPF_ALU | BPF_LSH | BPF_X: case BPF_ALU | BPF_RSH | BPF_X:
			if (sim_alu(BPF_OP(in->code), &a, x) < 0) {
				ret = 0;  /* division by X == 0 */
				done = 1;
			}
			break;
		case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_K:
			if (in->k >= 32)
				goto invalid;
			sim_alu(BPF_OP(in->code), &a, in->k);
			break;
		case BPF_ALU | BPF_DIV | BPF_K:
		case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_SUB | BPF_K:
		case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_AND | BPF_K:
		case BPF_ALU | BPF_OR | BPF_K:  case BPF_ALU | BPF_XOR | BPF_K:
			if (sim_alu(BPF_OP(in->code), &a, in->k) < 0)
				goto invalid;
			break;
		case BPF_JMP | BPF_JA:
			next = pc + 1 + in->k;
			if (next < pc)
				goto invalid;
			break;
		case BPF_RET | BPF_K: ret = in->k; done = 1; break;
		case BPF_RET | BPF_A: ret = a; done = 1; break;
		default:
			if (!is_cond_jump(in->code))
				goto invalid;
			next = pc + 1 + (sim_jump_taken(BPF_OP(in->code), a,
						    BPF_SRC(in->code) == BPF_X ? x : in->k)
					 ? in->jt : in->jf);
			break;
		}
		if (trace)
			trace(ctx, pc, a, x);
		if (done)
			goto out;
		pc = next;
	}
invalid:
	ret = ACT_KILL_PROCESS;
out:
	if (executed)
		*executed = count;
	return ret;
}

uint32_t sim_run(const struct sock_filter *prog, size_t len,
		 const struct sim_data *d, size_t *executed)
{
	return sim_run_traced(prog, len, d, executed, NULL, NULL);
}

uint32_t sim_effective(uint32_t ret)
{
	return seccomp_action_effective(ret);
}

int sim_const_allow(const struct sock_filter *prog, size_t len,
		    uint32_t audit_arch, uint32_t nr)
{
	uint32_t reg = 0;
	size_t pc;

	/* The kernel walks the program once, knowing only nr and arch; any
	 * instruction that needs more makes the syscall non-constant. */
	for (pc = 0; pc < len; pc++) {
		const struct sock_filter *in = &prog[pc];

		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k == SD_NR)
				reg = nr;
			else if (in->k == SD_ARCH)
				reg = audit_arch;
			else
				return 0;
			break;
		case BPF_RET | BPF_K:
			return in->k == ACT_ALLOW;
		case BPF_JMP | BPF_JA:
			pc += in->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += sim_jump_taken(BPF_OP(in->code), reg, in->k)
				? in->jt : in->jf;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			reg &= in->k;
			break;
		default:
			return 0;
		}
	}
	return 0;  /* ran off the end: only for a program the checker refuses */
}

/* Little-endian struct sock_filter from 8 bytes. */
static struct sock_filter decode_insn(const unsigned char *b)
{
	struct sock_filter in;

	in.code = (uint16_t)(b[0] | b[1] << 8);
	in.jt = b[2];
	in.jf = b[3];
	in.k = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
	       (uint32_t)b[7] << 24;
	return in;
}

/* Files far beyond the kernel's limit are refused before reading them
 * whole; up to this size the checker explains what is wrong. */
#define RAW_MAX_INSNS (16 * BPF_MAXINSNS)

int sim_load_raw(const char *path, struct sock_filter **prog, size_t *len,
		 char *err, size_t errlen)
{
	unsigned char buf[8];
	struct sock_filter *p;
	size_t n = 0, got;
	FILE *f = fopen(path, "rb");

	if (!f) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	p = malloc(RAW_MAX_INSNS * sizeof(*p));
	if (!p) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) == sizeof(buf)) {
		if (n == RAW_MAX_INSNS) {
			snprintf(err, errlen,
				 "more than %d instructions: not a seccomp filter",
				 RAW_MAX_INSNS);
			goto fail;
		}
		p[n++] = decode_insn(buf);
	}
	if (ferror(f)) {
		snprintf(err, errlen, "read error: %s", strerror(errno));
		goto fail;
	}
	if (got != 0) {
		snprintf(err, errlen,
			 "size is not a multiple of 8 bytes (%zu trailing bytes): not a raw filter",
			 got);
		goto fail;
	}
	fclose(f);
	*prog = p;
	*len = n;
	return 0;
fail:
	fclose(f);
	free(p);
	return -1;
}
