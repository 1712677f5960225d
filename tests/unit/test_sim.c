/* Unit tests of the emulator (bpf/sim.c): the kernel checker's
 * rules, the classic-BPF machine, errno clamping, const-allow analysis and
 * the raw file loader. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/seccomp.h"
#include "bpf/sim.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define RET_K(k) BPF_STMT(BPF_RET | BPF_K, (k))
#define RET_A BPF_STMT(BPF_RET | BPF_A, 0)
#define LD_ABS(k) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (k))
#define LD_IMM(k) BPF_STMT(BPF_LD | BPF_IMM, (k))
#define LDX_IMM(k) BPF_STMT(BPF_LDX | BPF_IMM, (k))
#define X86_64 0xc000003eu

static char err[256];

static int check(const struct sock_filter *p, size_t len)
{
	err[0] = '\0';
	return sim_check(p, len, err, sizeof(err));
}

/* Expects PROG to be refused with a reason starting "insn AT:". */
static void expect_refused_at(const struct sock_filter *p, size_t len,
			      size_t at)
{
	char prefix[32];

	cr_assert_eq(check(p, len), -1, "accepted a program the kernel refuses");
	snprintf(prefix, sizeof(prefix), "insn %zu: ", at);
	cr_assert(strncmp(err, prefix, strlen(prefix)) == 0,
		  "reason '%s' should start with '%s'", err, prefix);
}

static uint32_t run(const struct sock_filter *p, size_t len,
		    const struct sim_data *d, size_t *executed)
{
	cr_assert_eq(check(p, len), 0, "checker refused: %s", err);
	return sim_run(p, len, d, executed);
}

/* Result of "A = a; X = x; <op>; ret A". */
static uint32_t alu_result(uint16_t code, uint32_t a, uint32_t x, uint32_t k)
{
	struct sock_filter p[] = {
		LD_IMM(a), LDX_IMM(x), BPF_STMT(code, k), RET_A,
	};
	struct sim_data d = {0};

	return run(p, N(p), &d, NULL);
}

/* Which way "A = a; X = x; <jump> 0,1; ret 1; ret 2" goes: 1 taken. */
static uint32_t jump_result(uint16_t code, uint32_t a, uint32_t x, uint32_t k)
{
	struct sock_filter p[] = {
		LD_IMM(a), LDX_IMM(x), BPF_JUMP(code, k, 0, 1), RET_K(1), RET_K(2),
	};
	struct sim_data d = {0};

	return run(p, N(p), &d, NULL);
}

/* ---- the checker ---- */

Test(sim_check, length_zero_and_over_4096_refused)
{
	static struct sock_filter big[BPF_MAXINSNS + 1];
	size_t i;

	cr_assert_eq(check(big, 0), -1);
	cr_assert(strstr(err, "length 0") != NULL, "reason: %s", err);
	for (i = 0; i < N(big); i++)
		big[i] = (struct sock_filter)RET_K(ACT_ALLOW);
	cr_assert_eq(check(big, BPF_MAXINSNS + 1), -1);
	cr_assert(strstr(err, "length 4097") != NULL, "reason: %s", err);
	cr_assert_eq(check(big, BPF_MAXINSNS), 0, "4096 must pass: %s", err);
	cr_assert_eq(check(big, 1), 0);
}

Test(sim_check, last_instruction_must_be_ret)
{
	struct sock_filter p[] = { RET_K(ACT_ALLOW), LD_ABS(SD_NR) };
	struct sock_filter ja_end[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 0), RET_A,
	};

	expect_refused_at(p, N(p), 1);
	cr_assert_eq(check(ja_end, N(ja_end)), 0, "%s", err);
}

Test(sim_check, unknown_opcodes_refused)
{
	struct sock_filter ret_x[] = { BPF_STMT(BPF_RET | BPF_X, 0) };
	struct sock_filter neg_x[] = { BPF_STMT(BPF_ALU | BPF_NEG | BPF_X, 0), RET_A };
	struct sock_filter junk[] = { LD_IMM(0), BPF_STMT(0xffff, 0), RET_A };
	struct sock_filter hi[] = { BPF_STMT(0x106, 0) };  /* ret k + stray bit */

	expect_refused_at(ret_x, 1, 0);
	expect_refused_at(neg_x, 2, 0);
	expect_refused_at(junk, 3, 1);
	expect_refused_at(hi, 1, 0);
}

Test(sim_check, classic_only_opcodes_refused_by_seccomp)
{
	static const uint16_t codes[] = {
		BPF_ALU | BPF_MOD | BPF_K, BPF_ALU | BPF_MOD | BPF_X,
		BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
		BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND,
		BPF_LD | BPF_B | BPF_IND, BPF_LDX | BPF_B | BPF_MSH,
	};
	size_t i;

	for (i = 0; i < N(codes); i++) {
		struct sock_filter p[] = { LD_IMM(1), BPF_STMT(codes[i], 4), RET_A };

		expect_refused_at(p, N(p), 1);
		cr_assert(strstr(err, "not allowed in seccomp") != NULL,
			  "0x%x: %s", codes[i], err);
	}
}

Test(sim_check, every_seccomp_opcode_accepted)
{
	struct sock_filter p[] = {
		LD_ABS(SD_NR), BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), LD_IMM(5), LDX_IMM(3),
		BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_STX, 15),
		BPF_STMT(BPF_LD | BPF_MEM, 0), BPF_STMT(BPF_LDX | BPF_MEM, 15),
		BPF_STMT(BPF_MISC | BPF_TAX, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1), BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 1), BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 1), BPF_STMT(BPF_ALU | BPF_MUL | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 1), BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 1), BPF_STMT(BPF_ALU | BPF_AND | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 1), BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 1), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 31), BPF_STMT(BPF_ALU | BPF_LSH | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 31), BPF_STMT(BPF_ALU | BPF_RSH | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_NEG, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 0), BPF_JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 0, 0),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 1, 0, 0), BPF_JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 0),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 0), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1),
		BPF_STMT(BPF_JMP | BPF_JA, 0), RET_A,
	};

	cr_assert_eq(check(p, N(p)), 0, "%s", err);
}

Test(sim_check, division_by_constant_zero_refused)
{
	struct sock_filter div0[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_A };
	struct sock_filter mod0[] = { BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), RET_A };
	struct sock_filter divx[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), RET_A };

	expect_refused_at(div0, 2, 0);
	cr_assert(strstr(err, "zero") != NULL, "%s", err);
	/* mod is refused by the generic checker for k == 0 before seccomp
	 * would refuse it anyway. */
	expect_refused_at(mod0, 2, 0);
	cr_assert(strstr(err, "zero") != NULL, "%s", err);
	cr_assert_eq(check(divx, 2), 0, "div by X is checked at run time: %s", err);
}

Test(sim_check, shift_by_constant_32_refused)
{
	struct sock_filter l32[] = { BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_A };
	struct sock_filter r40[] = { BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 40), RET_A };
	struct sock_filter l31[] = { BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 31), RET_A };

	expect_refused_at(l32, 2, 0);
	expect_refused_at(r40, 2, 0);
	cr_assert_eq(check(l31, 2), 0, "%s", err);
}

Test(sim_check, scratch_index_out_of_range_refused)
{
	struct sock_filter st16[] = { BPF_STMT(BPF_ST, 16), RET_A };
	struct sock_filter stx99[] = { BPF_STMT(BPF_STX, 99), RET_A };
	struct sock_filter ld16[] = { BPF_STMT(BPF_LD | BPF_MEM, 16), RET_A };

	expect_refused_at(st16, 2, 0);
	expect_refused_at(stx99, 2, 0);
	expect_refused_at(ld16, 2, 0);
}

Test(sim_check, scratch_read_before_write_refused)
{
	struct sock_filter unwritten[] = {
		BPF_STMT(BPF_ST, 1), BPF_STMT(BPF_LDX | BPF_MEM, 2), RET_A,
	};
	struct sock_filter written[] = {
		BPF_STMT(BPF_STX, 2), BPF_STMT(BPF_LD | BPF_MEM, 2), RET_A,
	};
	/* Written on the fall-through path only: the jump path reads it. */
	struct sock_filter one_path[] = {
		LD_ABS(SD_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		BPF_STMT(BPF_ST, 3),
		BPF_STMT(BPF_LD | BPF_MEM, 3),
		RET_A,
	};
	struct sock_filter both_paths[] = {
		BPF_STMT(BPF_ST, 3),
		LD_ABS(SD_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		BPF_STMT(BPF_ST, 4),
		BPF_STMT(BPF_LD | BPF_MEM, 3),
		RET_A,
	};
	/* The kernel lets the set of written cells flow past a ret, so a
	 * cell written before the ret counts as written after it, for the
	 * instruction after a ret that no jump reaches. */
	struct sock_filter after_ret[] = {
		BPF_STMT(BPF_ST, 0), RET_K(ACT_ALLOW),
		BPF_STMT(BPF_LD | BPF_MEM, 0), RET_A,
	};
	/* ...but after a ja the next instruction starts from "all". */
	struct sock_filter after_ja[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 1),
		BPF_STMT(BPF_LD | BPF_MEM, 5), RET_A,
	};

	expect_refused_at(unwritten, N(unwritten), 1);
	cr_assert(strstr(err, "M[2]") != NULL, "%s", err);
	cr_assert_eq(check(written, N(written)), 0, "%s", err);
	expect_refused_at(one_path, N(one_path), 3);
	cr_assert_eq(check(both_paths, N(both_paths)), 0, "%s", err);
	cr_assert_eq(check(after_ret, N(after_ret)), 0, "%s", err);
	cr_assert_eq(check(after_ja, N(after_ja)), 0, "%s", err);
}

Test(sim_check, jumps_must_stay_inside)
{
	struct sock_filter ja_out[] = { BPF_STMT(BPF_JMP | BPF_JA, 1), RET_A };
	struct sock_filter ja_huge[] = { BPF_STMT(BPF_JMP | BPF_JA, 0xffffffffu), RET_A };
	struct sock_filter jt_out[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), RET_A,
	};
	struct sock_filter jf_out[] = {
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 2), RET_A, RET_A,
	};
	struct sock_filter jf_last[] = {
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0, 0, 1), RET_A, RET_A,
	};

	expect_refused_at(ja_out, 2, 0);
	expect_refused_at(ja_huge, 2, 0);
	expect_refused_at(jt_out, 2, 0);
	expect_refused_at(jf_out, 3, 0);
	cr_assert_eq(check(jf_last, 3), 0, "%s", err);
}

Test(sim_check, loads_only_aligned_words_of_seccomp_data)
{
	uint32_t k;

	for (k = 0; k < 80; k++) {
		struct sock_filter p[] = { LD_ABS(k), RET_A };
		int ok = k < SD_SIZE && k % 4 == 0;

		cr_assert_eq(check(p, 2), ok ? 0 : -1, "ld [%u]: %s", k, err);
	}
}

Test(sim_check, ancillary_and_negative_offsets_refused)
{
	struct sock_filter anc[] = { LD_ABS((uint32_t)SKF_AD_OFF + SKF_AD_PROTOCOL), RET_A };
	struct sock_filter bad[] = { LD_ABS((uint32_t)SKF_AD_OFF + 1), RET_A };
	struct sock_filter net[] = { LD_ABS((uint32_t)SKF_NET_OFF), RET_A };

	expect_refused_at(anc, 2, 0);
	cr_assert(strstr(err, "seccomp_data") != NULL, "seccomp stage: %s", err);
	expect_refused_at(bad, 2, 0);
	cr_assert(strstr(err, "ancillary") != NULL, "classic stage: %s", err);
	expect_refused_at(net, 2, 0);
}

Test(sim_check, reason_names_first_failing_insn_in_kernel_order)
{
	/* mod (seccomp stage) at 1, bad jump (classic stage) at 2: the
	 * kernel's generic checker runs first and stops at 2. */
	struct sock_filter p[] = {
		LD_IMM(1), BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3),
		BPF_STMT(BPF_JMP | BPF_JA, 7), RET_A,
	};

	expect_refused_at(p, N(p), 2);
}

/* ---- the machine ---- */

Test(sim_run, alu_with_k_and_x)
{
	cr_assert_eq(alu_result(BPF_ALU | BPF_ADD | BPF_K, 0xffffffffu, 0, 2), 1);
	cr_assert_eq(alu_result(BPF_ALU | BPF_ADD | BPF_X, 40, 2, 0), 42);
	cr_assert_eq(alu_result(BPF_ALU | BPF_SUB | BPF_K, 1, 0, 2), 0xffffffffu);
	cr_assert_eq(alu_result(BPF_ALU | BPF_SUB | BPF_X, 50, 8, 0), 42);
	cr_assert_eq(alu_result(BPF_ALU | BPF_MUL | BPF_K, 0x10000, 0, 0x10001), 0x10000);
	cr_assert_eq(alu_result(BPF_ALU | BPF_MUL | BPF_X, 6, 7, 0), 42);
	cr_assert_eq(alu_result(BPF_ALU | BPF_DIV | BPF_K, 0xffffffffu, 0, 2), 0x7fffffffu);
	cr_assert_eq(alu_result(BPF_ALU | BPF_DIV | BPF_X, 85, 2, 0), 42);
	cr_assert_eq(alu_result(BPF_ALU | BPF_AND | BPF_K, 0xff0f, 0, 0xf0ff), 0xf00f);
	cr_assert_eq(alu_result(BPF_ALU | BPF_AND | BPF_X, 0xff0f, 0xf0ff, 0), 0xf00f);
	cr_assert_eq(alu_result(BPF_ALU | BPF_OR | BPF_K, 0x0f00, 0, 0x00f0), 0x0ff0);
	cr_assert_eq(alu_result(BPF_ALU | BPF_OR | BPF_X, 0x0f00, 0x00f0, 0), 0x0ff0);
	cr_assert_eq(alu_result(BPF_ALU | BPF_XOR | BPF_K, 0xff, 0, 0x0f), 0xf0);
	cr_assert_eq(alu_result(BPF_ALU | BPF_XOR | BPF_X, 0xff, 0xf0, 0), 0x0f);
	cr_assert_eq(alu_result(BPF_ALU | BPF_LSH | BPF_K, 0x80000001u, 0, 1), 2);
	cr_assert_eq(alu_result(BPF_ALU | BPF_LSH | BPF_X, 1, 31, 0), 0x80000000u);
	cr_assert_eq(alu_result(BPF_ALU | BPF_RSH | BPF_K, 0x80000000u, 0, 31), 1);
	cr_assert_eq(alu_result(BPF_ALU | BPF_RSH | BPF_X, 0x80000000u, 4, 0), 0x08000000u);
	cr_assert_eq(alu_result(BPF_ALU | BPF_NEG, 1, 0, 0), 0xffffffffu);
	cr_assert_eq(alu_result(BPF_ALU | BPF_NEG, 0, 0, 0), 0);
}

Test(sim_run, shift_by_x_uses_low_five_bits)
{
	/* Both JITs' 32-bit shifts take the count mod 32 (the e2e test checks
	 * this against the running kernel). */
	cr_assert_eq(alu_result(BPF_ALU | BPF_LSH | BPF_X, 1, 33, 0), 2);
	cr_assert_eq(alu_result(BPF_ALU | BPF_LSH | BPF_X, 1, 32, 0), 1);
	cr_assert_eq(alu_result(BPF_ALU | BPF_RSH | BPF_X, 0x100, 0xffffffe4u, 0), 0x10);
	cr_assert_eq(alu_result(BPF_ALU | BPF_RSH | BPF_X, 0x100, 36, 0), 0x10);
}

Test(sim_run, division_by_x_zero_returns_zero)
{
	struct sock_filter p[] = {
		LD_IMM(7), LDX_IMM(0), BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
		RET_K(ACT_ALLOW),
	};
	struct sim_data d = {0};
	size_t n = 0;

	cr_assert_eq(run(p, N(p), &d, &n), ACT_KILL_THREAD);
	cr_assert_eq(n, 3, "the div is the last instruction executed, got %zu", n);
}

Test(sim_run, conditional_jumps_k_and_x)
{
	cr_assert_eq(jump_result(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 5), 1);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 6), 2);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JEQ | BPF_X, 5, 5, 0), 1);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JEQ | BPF_X, 5, 4, 0), 2);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JGE | BPF_K, 5, 0, 5), 1);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JGE | BPF_K, 4, 0, 5), 2);
	/* unsigned: 0xffffffff is the largest value */
	cr_assert_eq(jump_result(BPF_JMP | BPF_JGE | BPF_K, 0xffffffffu, 0, 0), 1);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JGE | BPF_X, 4, 5, 0), 2);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JGT | BPF_K, 5, 0, 5), 2);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JGT | BPF_K, 0x80000000u, 0, 1), 1);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JGT | BPF_X, 6, 5, 0), 1);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JGT | BPF_X, 5, 5, 0), 2);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 0x30), 1);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 0x20), 2);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JSET | BPF_X, 0x10, 0x11, 0), 1);
	cr_assert_eq(jump_result(BPF_JMP | BPF_JSET | BPF_X, 0x10, 0x01, 0), 2);
}

Test(sim_run, loads_every_field_little_endian)
{
	struct sim_data d = {
		.nr = 59, .arch = X86_64, .ip = 0x1122334455667788ull,
		.args = { 0x0000000100000002ull, 3, 4, 5, 6, 0xdeadbeefcafef00dull },
	};
	static const struct { uint32_t off, want; } cases[] = {
		{ SD_NR, 59 }, { SD_ARCH, X86_64 },
		{ SD_IP_LO, 0x55667788u }, { SD_IP_HI, 0x11223344u },
		{ SD_ARG_LO(0), 2 }, { SD_ARG_HI(0), 1 },
		{ SD_ARG_LO(3), 5 }, { SD_ARG_HI(3), 0 },
		{ SD_ARG_LO(5), 0xcafef00du }, { SD_ARG_HI(5), 0xdeadbeefu },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct sock_filter p[] = { LD_ABS(cases[i].off), RET_A };

		cr_assert_eq(run(p, 2, &d, NULL), cases[i].want,
			     "offset %u", cases[i].off);
	}
}

Test(sim_run, ld_len_is_size_of_seccomp_data)
{
	struct sock_filter a[] = { BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), RET_A };
	struct sock_filter x[] = {
		BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0),
		RET_A,
	};
	struct sim_data d = {0};

	cr_assert_eq(run(a, N(a), &d, NULL), 64);
	cr_assert_eq(run(x, N(x), &d, NULL), 64);
}

Test(sim_run, scratch_memory_and_register_moves)
{
	struct sock_filter p[] = {
		LD_ABS(SD_ARG_LO(0)), BPF_STMT(BPF_ST, 7),       /* M[7] = arg0 */
		LD_ABS(SD_ARG_LO(1)), BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_STX, 8),                            /* M[8] = arg1 */
		LD_IMM(0), LDX_IMM(0),
		BPF_STMT(BPF_LD | BPF_MEM, 7), BPF_STMT(BPF_LDX | BPF_MEM, 8),
		BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0),          /* arg0 - arg1 */
		BPF_STMT(BPF_MISC | BPF_TAX, 0), LD_IMM(0),
		BPF_STMT(BPF_MISC | BPF_TXA, 0), RET_A,
	};
	struct sim_data d = { .args = { 100, 58 } };
	size_t n = 0;

	cr_assert_eq(run(p, N(p), &d, &n), 42);
	cr_assert_eq(n, N(p));
}

Test(sim_run, counts_instructions_along_the_path)
{
	struct sock_filter p[] = {
		LD_ABS(SD_ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, X86_64, 1, 0),
		RET_K(ACT_KILL_PROCESS),
		LD_ABS(SD_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 102, 1, 0),
		BPF_STMT(BPF_JMP | BPF_JA, 1),
		RET_K(ACT_ALLOW),
		RET_K(ACT_ERRNO | 1),
	};
	struct sim_data d = { .nr = 39, .arch = X86_64 };
	size_t n = 0;

	cr_assert_eq(run(p, N(p), &d, &n), ACT_ALLOW);
	cr_assert_eq(n, 5);
	d.nr = 102;
	cr_assert_eq(run(p, N(p), &d, &n), ACT_ALLOW);
	cr_assert_eq(n, 6);
	d.nr = 1;
	cr_assert_eq(run(p, N(p), &d, &n), ACT_ERRNO | 1);
	cr_assert_eq(n, 7);
	d.arch = 0x40000003u;
	cr_assert_eq(run(p, N(p), &d, &n), ACT_KILL_PROCESS);
	cr_assert_eq(n, 3);
}

Test(sim_run, ret_a_returns_the_accumulator)
{
	struct sock_filter p[] = { LD_ABS(SD_ARG_LO(2)), RET_A };
	struct sim_data d = { .args = { 0, 0, ACT_TRACE | 7 } };

	cr_assert_eq(run(p, N(p), &d, NULL), ACT_TRACE | 7);
}

Test(sim_run, unchecked_program_fails_closed)
{
	struct sock_filter off_end[] = { LD_IMM(ACT_ALLOW) };
	struct sock_filter bad_ld[] = { LD_ABS(2), RET_K(ACT_ALLOW) };
	struct sock_filter bad_ja[] = { BPF_STMT(BPF_JMP | BPF_JA, 9), RET_K(ACT_ALLOW) };
	struct sock_filter mod[] = { BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET_K(ACT_ALLOW) };
	struct sim_data d = {0};

	cr_assert_eq(sim_run(off_end, 1, &d, NULL), ACT_KILL_PROCESS);
	cr_assert_eq(sim_run(bad_ld, 2, &d, NULL), ACT_KILL_PROCESS);
	cr_assert_eq(sim_run(bad_ja, 2, &d, NULL), ACT_KILL_PROCESS);
	cr_assert_eq(sim_run(mod, 2, &d, NULL), ACT_KILL_PROCESS);
}

struct trace_log {
	size_t pcs[16];
	uint32_t as[16];
	size_t n;
};

static void record(void *ctx, size_t pc, uint32_t a, uint32_t x)
{
	struct trace_log *log = ctx;

	(void)x;
	if (log->n < 16) {
		log->pcs[log->n] = pc;
		log->as[log->n] = a;
	}
	log->n++;
}

Test(sim_run, trace_reports_each_executed_instruction)
{
	struct sock_filter p[] = {
		LD_IMM(5), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 5, 1, 0),
		RET_K(1), BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1), RET_A,
	};
	struct sim_data d = {0};
	struct trace_log log = {0};
	size_t n;

	cr_assert_eq(sim_run_traced(p, N(p), &d, &n, record, &log), 6);
	cr_assert_eq(log.n, 4);
	cr_assert_eq(n, 4);
	cr_assert_eq(log.pcs[0], 0);
	cr_assert_eq(log.pcs[1], 1);
	cr_assert_eq(log.pcs[2], 3);
	cr_assert_eq(log.as[2], 6);
	cr_assert_eq(log.pcs[3], 4);
}

/* ---- effective actions ---- */

Test(sim_effective, errno_clamped_unknown_is_kill_process)
{
	cr_assert_eq(sim_effective(ACT_ERRNO | 1), ACT_ERRNO | 1);
	cr_assert_eq(sim_effective(ACT_ERRNO | 4095), ACT_ERRNO | 4095);
	cr_assert_eq(sim_effective(ACT_ERRNO | 4096), ACT_ERRNO | 4095);
	cr_assert_eq(sim_effective(ACT_ERRNO | 0xffff), ACT_ERRNO | 4095);
	cr_assert_eq(sim_effective(ACT_ALLOW | 5), ACT_ALLOW);
	cr_assert_eq(sim_effective(ACT_KILL_THREAD | 9), ACT_KILL_THREAD);
	cr_assert_eq(sim_effective(ACT_TRACE | 0xffff), ACT_TRACE | 0xffff);
	cr_assert_eq(sim_effective(0x12340000u), ACT_KILL_PROCESS);
	cr_assert_eq(sim_effective(0x7fff0000u + 0x10000u), ACT_KILL_PROCESS);
	cr_assert_eq(sim_effective(0x00010000u), ACT_KILL_PROCESS);
}

/* ---- const-allow analysis ---- */

/* arch check, then nr 0 and 1 allowed, nr 2 checks arg0, others errno. */
static const struct sock_filter const_prog[] = {
	LD_ABS(SD_ARCH),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, X86_64, 1, 0),
	RET_K(ACT_KILL_PROCESS),
	LD_ABS(SD_NR),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 2, 1, 0),
	RET_K(ACT_ALLOW),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 2),
	LD_ABS(SD_ARG_LO(0)),
	RET_A,
	RET_K(ACT_ERRNO | 1),
};

Test(sim_const_allow, follows_nr_and_arch_only)
{
	size_t n = N(const_prog);

	cr_assert_eq(check(const_prog, n), 0, "%s", err);
	cr_assert_eq(sim_const_allow(const_prog, n, X86_64, 0), 1);
	cr_assert_eq(sim_const_allow(const_prog, n, X86_64, 1), 1);
	cr_assert_eq(sim_const_allow(const_prog, n, X86_64, 2), 0, "loads arg0");
	cr_assert_eq(sim_const_allow(const_prog, n, X86_64, 3), 0, "errno");
	cr_assert_eq(sim_const_allow(const_prog, n, 0x40000003u, 0), 0, "arch");
}

Test(sim_const_allow, only_plain_allow_and_known_insns)
{
	struct sock_filter allow_data[] = { RET_K(ACT_ALLOW | 1) };
	struct sock_filter log[] = { RET_K(ACT_LOG) };
	struct sock_filter and_k[] = {
		LD_ABS(SD_NR), BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), RET_K(ACT_ALLOW),
		RET_K(ACT_KILL_PROCESS),
	};
	struct sock_filter add_k[] = {
		LD_ABS(SD_NR), BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 0), RET_K(ACT_ALLOW),
	};
	struct sock_filter jeq_x[] = {
		LD_ABS(SD_NR), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 0), RET_K(ACT_ALLOW),
	};
	struct sock_filter ld_imm[] = { LD_IMM(0), RET_K(ACT_ALLOW) };
	struct sock_filter ret_a[] = { LD_IMM(ACT_ALLOW), RET_A };
	struct sock_filter ja[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 1), RET_K(ACT_KILL_PROCESS), RET_K(ACT_ALLOW),
	};
	struct sock_filter jset[] = {
		LD_ABS(SD_NR), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000u, 1, 0),
		RET_K(ACT_ALLOW), RET_K(ACT_ERRNO | 38),
	};

	cr_assert_eq(sim_const_allow(allow_data, 1, X86_64, 0), 0);
	cr_assert_eq(sim_const_allow(log, 1, X86_64, 0), 0);
	cr_assert_eq(sim_const_allow(and_k, N(and_k), X86_64, 0x101), 1);
	cr_assert_eq(sim_const_allow(and_k, N(and_k), X86_64, 2), 0);
	cr_assert_eq(sim_const_allow(add_k, N(add_k), X86_64, 0), 0);
	cr_assert_eq(sim_const_allow(jeq_x, N(jeq_x), X86_64, 0), 0);
	cr_assert_eq(sim_const_allow(ld_imm, N(ld_imm), X86_64, 0), 0);
	cr_assert_eq(sim_const_allow(ret_a, N(ret_a), X86_64, 0), 0);
	cr_assert_eq(sim_const_allow(ja, N(ja), X86_64, 0), 1);
	cr_assert_eq(sim_const_allow(jset, N(jset), X86_64, 5), 1);
	cr_assert_eq(sim_const_allow(jset, N(jset), X86_64, 0x40000005u), 0);
}

/* ---- raw files ---- */

static void write_file(const char *path, const void *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(bytes, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

Test(sim_load_raw, reads_little_endian_instructions)
{
	static const unsigned char bytes[] = {
		0x20, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,   /* ld [4] */
		0x15, 0x00, 0x01, 0x02, 0x3e, 0x00, 0x00, 0xc0,   /* jeq */
		0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f,   /* ret allow */
	};
	char path[] = "/tmp/test_sim_rawXXXXXX";
	struct sock_filter *p = NULL;
	size_t len = 0;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	close(fd);
	write_file(path, bytes, sizeof(bytes));
	cr_assert_eq(sim_load_raw(path, &p, &len, err, sizeof(err)), 0, "%s", err);
	unlink(path);
	cr_assert_eq(len, 3);
	cr_assert_eq(p[0].code, BPF_LD | BPF_W | BPF_ABS);
	cr_assert_eq(p[0].k, 4);
	cr_assert_eq(p[1].code, BPF_JMP | BPF_JEQ | BPF_K);
	cr_assert_eq(p[1].jt, 1);
	cr_assert_eq(p[1].jf, 2);
	cr_assert_eq(p[1].k, X86_64);
	cr_assert_eq(p[2].k, ACT_ALLOW);
	free(p);
}

Test(sim_load_raw, refuses_partial_instruction_and_missing_file)
{
	static const unsigned char bytes[9] = { 0x06 };
	char path[] = "/tmp/test_sim_rawXXXXXX";
	struct sock_filter *p = NULL;
	size_t len = 0;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	close(fd);
	write_file(path, bytes, sizeof(bytes));
	cr_assert_eq(sim_load_raw(path, &p, &len, err, sizeof(err)), -1);
	cr_assert(strstr(err, "multiple of 8") != NULL, "%s", err);
	unlink(path);
	cr_assert_eq(sim_load_raw("/nonexistent/x.bpf", &p, &len, err, sizeof(err)), -1);
	cr_assert(strstr(err, "cannot open") != NULL, "%s", err);
}
