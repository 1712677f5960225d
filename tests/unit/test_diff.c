/* Unit tests of bpfdiff's engine (tools/diff/diff_*.c): the one-word solver
 * against brute force, the joint walk on planted differences and on random
 * programs checked point by point in the emulator, and the refusals. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/seccomp.h"
#include "tools/diff/diff.h"
#include "bpf/sim.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FULL 0xffffffffu
#define RET_K(k) BPF_STMT(BPF_RET | BPF_K, (k))
#define LD_ABS(k) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (k))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JGT(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (k), (t), (f))
#define JGE(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))
#define JSET(k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define AND(k) BPF_STMT(BPF_ALU | BPF_AND | BPF_K, (k))
#define W_ARG0 (SD_ARG_LO(0) / 4)
#define W_ARG1 (SD_ARG_LO(1) / 4)

/* xorshift: reproducible random numbers without global state. */
static uint32_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

static int holds(const struct diff_cond *c, uint32_t v)
{
	uint32_t x = v & c->mask;

	switch (c->op) {
	case DIFF_EQ: return x == c->value;
	case DIFF_NE: return x != c->value;
	case DIFF_GT: return x > c->value;
	case DIFF_GE: return x >= c->value;
	case DIFF_LT: return x < c->value;
	default:      return x <= c->value;
	}
}

static int all_hold(const struct diff_cond *c, size_t n, const uint32_t *w)
{
	for (size_t i = 0; i < n; i++)
		if (!holds(&c[i], w[c[i].word]))
			return 0;
	return 1;
}

/* --- the solver --- */

/* A random condition on word 0 about the low 12 bits. */
static struct diff_cond random_cond(uint64_t *s)
{
	struct diff_cond c = { .word = 0 };
	uint32_t r = next_rand(s);

	c.op = (uint8_t)(r % 6);
	c.mask = (r & 0x100) ? FULL : (next_rand(s) & 0xfff);
	c.value = next_rand(s) & 0xfff;
	if ((r & 0x200) && c.mask != FULL)
		c.value &= c.mask;
	return c;
}

/* Brute force over the values the bound leaves: smallest solution or -1. */
static long brute_min(const struct diff_cond *c, size_t n, uint32_t base,
		      uint32_t count)
{
	for (uint32_t v = base; v < base + count; v++) {
		uint32_t w[DIFF_NWORDS] = { v };

		if (all_hold(c, n, w))
			return v;
	}
	return -1;
}

static void solver_matches_brute(uint64_t seed, uint32_t high)
{
	struct diff_cond c[9];
	uint64_t s = seed;

	for (int round = 0; round < 3000; round++) {
		size_t n = 1 + next_rand(&s) % 8;
		uint32_t got = 0;
		long want;
		int r;

		/* The high bits are pinned, so the brute force is exact. */
		c[0] = (struct diff_cond){ 0, DIFF_EQ, 0xfffff000u, high };
		for (size_t i = 1; i < n + 1; i++)
			c[i] = random_cond(&s);
		if (high)
			for (size_t i = 1; i < n + 1; i++)
				if (c[i].mask == FULL)
					c[i].value |= high;
		want = brute_min(c, n + 1, high, 0x1000);
		r = diff_word_solve(c, n + 1, 0, &got);
		cr_assert_neq(r, -1, "budget exceeded in round %d", round);
		cr_assert_eq(r, want >= 0, "round %d: feasible %d, brute %ld",
			     round, r, want);
		if (r == 1)
			cr_assert_eq(got, (uint32_t)want,
				     "round %d: min 0x%x, brute 0x%lx", round,
				     got, want);
	}
}

Test(diff, solver_matches_brute_force_low_bits)
{
	solver_matches_brute(0x9e3779b97f4a7c15ull, 0);
}

Test(diff, solver_matches_brute_force_high_prefix)
{
	solver_matches_brute(0x243f6a8885a308d3ull, 0xabcde000u);
}

Test(diff, solver_other_words_are_ignored)
{
	struct diff_cond c[] = {
		{ 1, DIFF_EQ, FULL, 7 },
		{ 0, DIFF_GE, FULL, 0x180 },
		{ 0, DIFF_NE, 0x40, 0 },
	};
	uint32_t v;

	cr_assert_eq(diff_word_solve(c, N(c), 0, &v), 1);
	cr_assert_eq(v, 0x1c0, "smallest >= 0x180 with bit 6: 0x%x", v);
	cr_assert_eq(diff_word_solve(c, N(c), 1, &v), 1);
	cr_assert_eq(v, 7);
	cr_assert_eq(diff_word_solve(c, N(c), 2, &v), 1);
	cr_assert_eq(v, 0, "an unconstrained word's smallest value is 0");
}

/* Contradictions among masks on low bits must not cost a search over
 * every high prefix (the memo of failed states). */
Test(diff, solver_low_bit_contradiction_is_fast)
{
	struct diff_cond c[] = {
		{ 0, DIFF_NE, 3, 0 }, { 0, DIFF_NE, 3, 1 },
		{ 0, DIFF_NE, 3, 2 }, { 0, DIFF_NE, 3, 3 },
	};
	uint32_t v;

	cr_assert_eq(diff_word_solve(c, N(c), 0, &v), 0);
	cr_assert_eq(diff_word_solve(c, 3, 0, &v), 1);
	cr_assert_eq(v, 3);
}

Test(diff, solver_many_exclusions)
{
	struct diff_cond c[102];
	uint32_t v;

	for (uint32_t i = 0; i < 101; i++)
		c[i] = (struct diff_cond){ 0, DIFF_NE, FULL, i };
	c[101] = (struct diff_cond){ 0, DIFF_LE, FULL, 100 };
	cr_assert_eq(diff_word_solve(c, 102, 0, &v), 0);
	cr_assert_eq(diff_word_solve(c, 101, 0, &v), 1);
	cr_assert_eq(v, 101);
	c[100] = (struct diff_cond){ 0, DIFF_GT, FULL, 0xfffffffe };
	cr_assert_eq(diff_word_solve(c, 101, 0, &v), 1);
	cr_assert_eq(v, FULL);
}

/* A linear chain of jeq on nr leaves hundreds of exclusions, mixed with a
 * masked condition: still exact and quick. */
Test(diff, solver_exclusions_with_masks)
{
	static struct diff_cond c[1002];
	uint32_t v;

	for (uint32_t i = 0; i < 1000; i++)
		c[i] = (struct diff_cond){ 0, DIFF_NE, FULL, i };
	c[1000] = (struct diff_cond){ 0, DIFF_NE, 1, 0 };
	cr_assert_eq(diff_word_solve(c, 1001, 0, &v), 1);
	cr_assert_eq(v, 1001);
	c[1001] = (struct diff_cond){ 0, DIFF_LE, FULL, 1000 };
	cr_assert_eq(diff_word_solve(c, 1002, 0, &v), 0);
	c[1001] = (struct diff_cond){ 0, DIFF_NE, 2, 0 };
	cr_assert_eq(diff_word_solve(c, 1002, 0, &v), 1);
	cr_assert_eq(v, 1003);
}

/* --- the walk --- */

struct found_list {
	struct diff_cond conds[64][32];
	size_t nconds[64];
	uint32_t act_a[64], act_b[64];
	struct sim_data witness[64];
	size_t n;
};

static void collect(void *ctx, const struct diff_found *f)
{
	struct found_list *l = ctx;

	cr_assert_lt(l->n, 64, "more differences than the test expects");
	cr_assert_leq(f->nconds, 32);
	memcpy(l->conds[l->n], f->conds, f->nconds * sizeof(*f->conds));
	l->nconds[l->n] = f->nconds;
	l->act_a[l->n] = f->act_a;
	l->act_b[l->n] = f->act_b;
	l->witness[l->n] = f->witness;
	l->n++;
}

static long explore(const struct sock_filter *a, size_t alen,
		    const struct sock_filter *b, size_t blen,
		    const struct diff_cond *init, size_t ninit,
		    struct found_list *l, char *err)
{
	struct diff_prog pa = { "A", a, alen }, pb = { "B", b, blen };

	memset(l, 0, sizeof(*l));
	err[0] = '\0';
	return diff_explore(&pa, &pb, init, ninit, collect, l, err, 512);
}

/* arg0 <= 0x17f (32-bit) allowed, above: errno(1). */
static const struct sock_filter by_order[] = {
	LD_ABS(SD_ARG_LO(0)),
	JGT(0x17f, 1, 0),
	RET_K(ACT_ALLOW),
	RET_K(ACT_ERRNO | 1),
};

Test(diff, planted_range_change_has_exact_witness)
{
	/* The same with the boundary moved to 0x1ff. */
	static const struct sock_filter moved[] = {
		LD_ABS(SD_ARG_LO(0)),
		JGE(0x200, 1, 0),
		RET_K(ACT_ALLOW),
		RET_K(ACT_ERRNO | 1),
	};
	struct found_list l;
	char err[512];

	cr_assert_eq(explore(by_order, N(by_order), moved, N(moved), NULL, 0,
			     &l, err), 1, "%s", err);
	cr_assert_eq(l.act_a[0], ACT_ERRNO | 1);
	cr_assert_eq(l.act_b[0], ACT_ALLOW);
	cr_assert_eq(l.witness[0].args[0], 0x180);
	cr_assert_eq(sim_effective(sim_run(by_order, N(by_order),
					   &l.witness[0], NULL)),
		     ACT_ERRNO | 1);
	cr_assert_eq(sim_effective(sim_run(moved, N(moved), &l.witness[0],
					   NULL)), ACT_ALLOW);
}

Test(diff, differently_shaped_programs_are_equivalent)
{
	/* arg0.lo <= 0x17f by an inverted jge; bit tests by and + jeq. */
	static const struct sock_filter inverted[] = {
		LD_ABS(SD_ARG_LO(0)),
		JGE(0x180, 0, 1),
		RET_K(ACT_ERRNO | 1),
		RET_K(ACT_ALLOW),
	};
	static const struct sock_filter by_jset[] = {
		LD_ABS(SD_ARG_LO(1)),
		JSET(0x40, 0, 2),
		LD_ABS(SD_ARG_LO(2)),
		JEQ(5, 1, 0),
		RET_K(ACT_ALLOW),
		RET_K(ACT_TRACE | 7),
	};
	static const struct sock_filter by_and[] = {
		LD_ABS(SD_ARG_LO(2)),
		JEQ(5, 0, 4),
		LD_ABS(SD_ARG_LO(1)),
		AND(0x41),
		AND(0x40),
		JEQ(0x40, 1, 0),
		RET_K(ACT_ALLOW),
		RET_K(ACT_TRACE | 7),
	};
	struct found_list l;
	char err[512];

	cr_assert_eq(explore(by_order, N(by_order), inverted, N(inverted),
			     NULL, 0, &l, err), 0, "%s", err);
	cr_assert_eq(explore(by_jset, N(by_jset), by_and, N(by_and), NULL, 0,
			     &l, err), 0, "%s", err);
}

Test(diff, computing_on_a_loaded_word_is_refused)
{
	static const struct sock_filter adds[] = {
		LD_ABS(SD_ARG_LO(0)),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
		JEQ(1, 0, 1),
		RET_K(ACT_ALLOW),
		RET_K(ACT_KILL_PROCESS),
	};
	static const struct sock_filter returns_word[] = {
		LD_ABS(SD_ARG_LO(0)),
		JEQ(1, 0, 1),
		BPF_STMT(BPF_RET | BPF_A, 0),
		RET_K(ACT_KILL_PROCESS),
	};
	struct found_list l;
	char err[512];

	cr_assert_eq(explore(by_order, N(by_order), adds, N(adds), NULL, 0,
			     &l, err), -1);
	cr_assert(strstr(err, "B: insn 1") && strstr(err, "refuses"),
		  "message: %s", err);
	cr_assert_eq(explore(returns_word, N(returns_word), by_order,
			     N(by_order), NULL, 0, &l, err), -1);
	cr_assert(strstr(err, "A: insn 2") && strstr(err, "returns a loaded word"),
		  "message: %s", err);
}

Test(diff, refused_filter_is_an_error)
{
	static const struct sock_filter no_ret[] = { LD_ABS(SD_NR) };
	struct found_list l;
	char err[512];

	cr_assert_eq(explore(by_order, N(by_order), no_ret, N(no_ret), NULL, 0,
			     &l, err), -1);
	cr_assert(strstr(err, "B: the kernel would refuse"), "message: %s",
		  err);
}

/* A random forward program over arg0.lo and arg1.lo with small constants. */
static size_t random_program(uint64_t *s, struct sock_filter *p)
{
	static const uint32_t acts[] = { ACT_ALLOW, ACT_ERRNO | 1,
					 ACT_KILL_PROCESS };
	size_t len = 4 + next_rand(s) % 16;

	for (size_t i = 0; i + 1 < len; i++) {
		uint32_t r = next_rand(s) % 10, k = next_rand(s) % 17;
		uint8_t jt = (uint8_t)(next_rand(s) % (len - i - 1));
		uint8_t jf = (uint8_t)(next_rand(s) % (len - i - 1));
		static const uint16_t jumps[] = { BPF_JEQ, BPF_JGT, BPF_JGE,
						  BPF_JSET };

		if (r < 3)
			p[i] = (struct sock_filter)LD_ABS(r % 2 ? SD_ARG_LO(1)
								: SD_ARG_LO(0));
		else if (r == 3)
			p[i] = (struct sock_filter)AND(k);
		else if (r < 9)
			p[i] = (struct sock_filter)BPF_JUMP(
				BPF_JMP | jumps[r % 4] | BPF_K, k, jt, jf);
		else
			p[i] = (struct sock_filter)RET_K(acts[k % 3]);
	}
	p[len - 1] = (struct sock_filter)RET_K(acts[next_rand(s) % 3]);
	return len;
}

/* Does point W lie in a reported region with other actions than its own? */
static void check_point(const struct found_list *l, const uint32_t *w,
			uint32_t act_a, uint32_t act_b, int round)
{
	int covered = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (!all_hold(l->conds[i], l->nconds[i], w))
			continue;
		covered = 1;
		cr_assert_eq(l->act_a[i], act_a, "round %d: region %zu", round, i);
		cr_assert_eq(l->act_b[i], act_b, "round %d: region %zu", round, i);
	}
	cr_assert_eq(covered, act_a != act_b,
		     "round %d: arg0=%u arg1=%u: %s", round, w[W_ARG0],
		     w[W_ARG1], covered ? "reported but the same"
					: "differs but not reported");
}

/* Every point of a small domain: differs exactly where a region says. */
Test(diff, random_programs_agree_with_emulator_point_by_point)
{
	const struct diff_cond bound[] = {
		{ W_ARG0, DIFF_LE, FULL, 15 }, { W_ARG1, DIFF_LE, FULL, 15 },
	};
	uint64_t s = 0x0123456789abcdefull;
	struct found_list *l = malloc(sizeof(*l));
	int differing = 0;

	cr_assert_not_null(l);
	for (int round = 0; round < 400; round++) {
		struct sock_filter a[20], b[20];
		size_t alen = random_program(&s, a), blen = random_program(&s, b);
		char err[512];
		long n = explore(a, alen, b, blen, bound, N(bound), l, err);

		cr_assert_geq(n, 0, "round %d: %s", round, err);
		differing += n > 0;
		for (uint32_t v0 = 0; v0 < 16; v0++)
			for (uint32_t v1 = 0; v1 < 16; v1++) {
				struct sim_data d = { .args = { v0, v1 } };
				uint32_t w[DIFF_NWORDS] = { 0 };

				w[W_ARG0] = v0;
				w[W_ARG1] = v1;
				check_point(l, w,
					    sim_effective(sim_run(a, alen, &d, NULL)),
					    sim_effective(sim_run(b, blen, &d, NULL)),
					    round);
			}
	}
	cr_assert_gt(differing, 50, "the generator should produce differences");
	cr_assert_lt(differing, 390, "and equivalent pairs");
	free(l);
}

Test(diff, format_conditions)
{
	const struct diff_cond c[] = {
		{ SD_ARCH / 4, DIFF_EQ, FULL, 0xc000003eu },
		{ SD_ARG_LO(2) / 4, DIFF_NE, 0x40, 0 },
		{ SD_ARG_HI(3) / 4, DIFF_EQ, FULL, 0 },
		{ SD_ARG_LO(3) / 4, DIFF_GE, FULL, 0x180 },
		{ SD_ARG_LO(3) / 4, DIFF_NE, FULL, 0x181 },
		{ SD_ARG_LO(4) / 4, DIFF_GT, FULL, 1 },
		{ SD_ARG_LO(4) / 4, DIFF_LT, FULL, 9 },
	};
	char buf[256];

	diff_format_conds(c, N(c), 0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "arch == 0xc000003e (x86_64) and "
			 "arg2.lo & 0x40 != 0 and arg3 in 0x180..0xffffffff and "
			 "arg3 != 0x181 and arg4.lo in 0x2..0x8");
	diff_format_conds(c, N(c), 1u << (SD_ARCH / 4), buf, sizeof(buf));
	cr_assert(strncmp(buf, "arg2.lo", 7) == 0, "%s", buf);
}

/* The paths of a 64-bit comparison (one per high-word case) come out as
 * one line about the whole argument. */
Test(diff, whole_program_report_merges_64bit_paths)
{
	/* read: errno(1) when arg0 > 0x100000000 (64-bit), else allow. */
	static const struct sock_filter a[] = {
		LD_ABS(SD_ARCH),
		JEQ(0xc000003eu, 0, 8),
		LD_ABS(SD_NR),
		JEQ(0, 0, 6),
		LD_ABS(SD_ARG_HI(0)),
		JGT(1, 3, 0),
		JEQ(1, 0, 3),
		LD_ABS(SD_ARG_LO(0)),
		JGT(0, 0, 1),
		RET_K(ACT_ERRNO | 1),
		RET_K(ACT_ALLOW),
	};
	static const struct sock_filter b[] = { RET_K(ACT_ALLOW) };
	struct diff_prog pa = { "A", a, N(a) }, pb = { "B", b, N(b) };
	const struct arch *x86 = arch_by_name("x86_64");
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	long n;

	cr_assert_not_null(out);
	n = diff_programs(x86, &pa, &pb, out, err, sizeof(err));
	fclose(out);
	cr_assert_eq(n, 1, "%s\n%s", err, text);
	cr_assert_str_eq(text, "x86_64: read (0): when arg0 >= 0x100000001: "
			 "errno(1) -> allow (e.g. arg0=0x100000001)\n");
	free(text);
}
