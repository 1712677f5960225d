/* Unit tests of stages 5 and 6, code generation and jump resolution
 * (bpfgen/codegen.c, bpfgen/jumps.c): every program is checked by the
 * emulator's kernel checker and its decisions are compared, by running
 * it, with an independent model of the policy's meaning. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfgen/argtests.h"
#include "bpfgen/codegen.h"
#include "bpfgen/compile.h"
#include "bpfgen/decide.h"
#include "bpfgen/jumps.h"
#include "bpfgen/layout.h"
#include "bpfgen/policy.h"
#include "bpfgen/resolve.h"
#include "bpf/seccomp.h"
#include "bpfgen/tree.h"
#include "bpf/sim.h"

/* ---- The model: what a policy means, written without the compiler --- */

enum { M_EQ, M_NE, M_LT, M_LE, M_GT, M_GE };
static const char *const op_text[] = { "==", "!=", "<", "<=", ">", ">=" };

struct mcond {
	int arg, lo32, op, has_mask;
	uint64_t mask, value;
};

#define MAX_NAMES 4
#define MAX_CONDS 3

struct mrule {
	uint32_t action;
	uint32_t nrs[MAX_NAMES];
	size_t nnrs;
	struct mcond conds[MAX_CONDS];
	size_t nconds;
};

struct model {
	const struct arch *arch;
	uint32_t deflt, bad_arch, x32;
	struct mrule *rules;
	size_t nrules;
};

static int cond_holds(const struct mcond *c, const struct sim_data *d)
{
	uint64_t v = d->args[c->arg];

	if (c->lo32)
		v &= 0xffffffffu;
	if (c->has_mask)
		v &= c->mask;
	switch (c->op) {
	case M_EQ: return v == c->value;
	case M_NE: return v != c->value;
	case M_LT: return v < c->value;
	case M_LE: return v <= c->value;
	case M_GT: return v > c->value;
	default: return v >= c->value;
	}
}

static int rule_names(const struct mrule *r, uint32_t nr)
{
	for (size_t i = 0; i < r->nnrs; i++)
		if (r->nrs[i] == nr)
			return 1;
	return 0;
}

/* First matching rule in file order, else the default. */
static uint32_t model_eval(const struct model *m, const struct sim_data *d)
{
	if (d->arch != m->arch->audit_arch)
		return m->bad_arch;
	if (m->arch->x32_bit && d->nr >= m->arch->x32_bit)
		return d->nr == UINT32_MAX ? m->deflt : m->x32;
	for (size_t i = 0; i < m->nrules; i++) {
		const struct mrule *r = &m->rules[i];
		size_t k = 0;

		if (!rule_names(r, d->nr))
			continue;
		while (k < r->nconds && cond_holds(&r->conds[k], d))
			k++;
		if (k == r->nconds)
			return r->action;
	}
	return m->deflt;
}

/* ---- Writing the model as policy text ------------------------------ */

static void action_text(uint32_t a, char *buf, size_t n)
{
	cr_assert_gt(seccomp_action_format(a, buf, n), 0);
}

static size_t cond_text(const struct mcond *c, char *buf, size_t n)
{
	char operand[16], mask[32] = "";

	snprintf(operand, sizeof(operand), c->lo32 ? "lo32(arg%d)" : "arg64(arg%d)", c->arg);
	if (c->has_mask)
		snprintf(mask, sizeof(mask), " & 0x%llx", (unsigned long long)c->mask);
	return (size_t)snprintf(buf, n, "%s%s %s 0x%llx", operand, mask, op_text[c->op],
				(unsigned long long)c->value);
}

static char *model_text(const struct model *m)
{
	size_t cap = 256 + m->nrules * 512, n = 0;
	char *s = malloc(cap), act[64];

	cr_assert_not_null(s);
	action_text(m->deflt, act, sizeof(act));
	n += (size_t)snprintf(s + n, cap - n, "default %s\n", act);
	action_text(m->bad_arch, act, sizeof(act));
	n += (size_t)snprintf(s + n, cap - n, "on-bad-arch %s\n", act);
	if (m->arch->x32_bit) {
		action_text(m->x32, act, sizeof(act));
		n += (size_t)snprintf(s + n, cap - n, "on-x32 %s\n", act);
	}
	for (size_t i = 0; i < m->nrules; i++) {
		const struct mrule *r = &m->rules[i];

		action_text(r->action, act, sizeof(act));
		n += (size_t)snprintf(s + n, cap - n, "%s: ", act);
		for (size_t j = 0; j < r->nnrs; j++)
			n += (size_t)snprintf(s + n, cap - n, "%s%s", j ? ",\n    " : "",
					      arch_syscall_name(m->arch, r->nrs[j]));
		for (size_t j = 0; j < r->nconds; j++) {
			n += (size_t)snprintf(s + n, cap - n, j ? " &&\n    " : " if ");
			n += cond_text(&r->conds[j], s + n, cap - n);
		}
		n += (size_t)snprintf(s + n, cap - n, "\n");
		cr_assert_lt(n, cap);
	}
	return s;
}

/* ---- Compiling and running ---------------------------------------- */

struct compiled {
	struct program prog;
	int rc;
	char msgs[8192];
	char path[64];
};

static void compile_text(const char *text, const struct arch *arch, struct compiled *c)
{
	struct compile_options opts = { 0 };
	FILE *diag = tmpfile();
	size_t got;
	int fd;

	cr_assert_not_null(diag);
	strcpy(c->path, "/tmp/bpfgen-codegen-XXXXXX");
	fd = mkstemp(c->path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	c->rc = compile_policy_file(c->path, arch, &opts, &c->prog, diag);
	unlink(c->path);
	rewind(diag);
	got = fread(c->msgs, 1, sizeof(c->msgs) - 1, diag);
	c->msgs[got] = '\0';
	fclose(diag);
}

static void compile_ok(const char *text, const struct arch *arch, struct compiled *c)
{
	char err[256];

	compile_text(text, arch, c);
	cr_assert_eq(c->rc, 0, "compile failed: %s", c->msgs);
	cr_assert_eq(sim_check(c->prog.insns, c->prog.len, err, sizeof(err)), 0,
		     "the kernel would refuse the %s program: %s", arch->name, err);
}

static uint64_t rnd(uint64_t *state)
{
	/* xorshift64: deterministic, so a failure can be replayed. */
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static const uint64_t tricky[] = {
	0, 1, 2, 5, 0x7f, 0xff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	0x100000000ull, 0x100000001ull, 0x1ffffffffull, 0x200000000ull,
	0xffffffff00000000ull, 0xffffffff00000001ull, 0xfffffffffffffffeull,
	UINT64_MAX, 0x8000000000000000ull,
};
#define NTRICKY (sizeof(tricky) / sizeof(tricky[0]))

/* An argument value near something the policy compares with. */
static uint64_t near(uint64_t *st, uint64_t v)
{
	switch (rnd(st) % 6) {
	case 0: return v;
	case 1: return v + 1;
	case 2: return v - 1;
	case 3: return v ^ ((uint64_t)1 << (rnd(st) % 64));
	case 4: return tricky[rnd(st) % NTRICKY];
	default: return rnd(st);
	}
}

/* Runs the program on many inputs around the model's syscalls and
 * comparison values, and on the prologue's special cases. */
static void check_decisions(const struct model *m, const struct program *p, uint64_t seed,
			    int samples_per_nr)
{
	uint64_t st = seed;
	uint32_t max = arch_max_nr(m->arch);
	uint32_t extra[] = { 0, 1, max, max + 1, 1000, 0x3fffffff, 0x40000000,
			     0x40000001, 0x7fffffff, 0xfffffffe, UINT32_MAX };
	size_t checked = 0;

	for (size_t i = 0; i < m->nrules + 1; i++) {
		size_t nnrs = i < m->nrules ? m->rules[i].nnrs : sizeof(extra) / sizeof(extra[0]);

		for (size_t j = 0; j < nnrs; j++) {
			uint32_t nr = i < m->nrules ? m->rules[i].nrs[j] : extra[j];

			for (int s = 0; s < samples_per_nr; s++) {
				struct sim_data d = { .nr = nr, .arch = m->arch->audit_arch };
				const struct mrule *r = &m->rules[rnd(&st) % (m->nrules ? m->nrules : 1)];
				uint32_t want, got;

				if (s % 17 == 16)
					d.arch = m->arch->audit_arch ^ 0x40000000u;
				for (int a = 0; a < 6; a++)
					d.args[a] = tricky[rnd(&st) % NTRICKY];
				/* Bring some arguments near the values of a
				 * rule's conditions, so both outcomes occur. */
				for (size_t k = 0; m->nrules && k < r->nconds; k++)
					d.args[r->conds[k].arg] = near(&st, r->conds[k].value);
				want = model_eval(m, &d);
				got = sim_run(p->insns, p->len, &d, NULL);
				cr_assert_eq(got, want,
					     "%s nr %u args %llx %llx %llx %llx %llx %llx: got 0x%08x, want 0x%08x",
					     m->arch->name, nr,
					     (unsigned long long)d.args[0], (unsigned long long)d.args[1],
					     (unsigned long long)d.args[2], (unsigned long long)d.args[3],
					     (unsigned long long)d.args[4], (unsigned long long)d.args[5],
					     got, want);
				checked++;
			}
		}
	}
	cr_assert_gt(checked, 0);
}

static const uint32_t actions[] = {
	ACT_ALLOW, ACT_KILL_PROCESS, ACT_KILL_THREAD, ACT_LOG, ACT_TRAP,
	ACT_ERRNO | 1, ACT_ERRNO | 13, ACT_ERRNO | 4095, ACT_TRACE | 7,
	ACT_USER_NOTIF, ACT_TRAP | 9,
};
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

static void random_cond(uint64_t *st, struct mcond *c)
{
	memset(c, 0, sizeof(*c));
	c->arg = (int)(rnd(st) % 6);
	c->lo32 = rnd(st) % 4 == 0;
	c->has_mask = rnd(st) % 3 == 0;
	c->op = c->has_mask ? (int)(rnd(st) % 2) : (int)(rnd(st) % 6);
	c->value = rnd(st) % 2 ? tricky[rnd(st) % NTRICKY] : rnd(st) >> (rnd(st) % 64);
	if (c->has_mask) {
		c->mask = rnd(st) % 2 ? tricky[rnd(st) % NTRICKY] : rnd(st);
		if (rnd(st) % 2)
			c->value &= c->mask;    /* mostly satisfiable */
	}
	if (c->lo32) {
		c->value &= 0xffffffffu;
		c->mask &= 0xffffffffu;
	}
}

/* NRULES random rules over syscalls drawn from the first POOL of ARCH's
 * table, so that numbers collect chains of several rules. */
static struct model random_model(const struct arch *arch, uint64_t *st, size_t nrules,
				 size_t pool)
{
	struct model m = { .arch = arch };

	m.deflt = actions[rnd(st) % NACTIONS];
	m.bad_arch = actions[rnd(st) % NACTIONS];
	m.x32 = actions[rnd(st) % NACTIONS];
	m.rules = calloc(nrules ? nrules : 1, sizeof(struct mrule));
	cr_assert_not_null(m.rules);
	m.nrules = nrules;
	for (size_t i = 0; i < nrules; i++) {
		struct mrule *r = &m.rules[i];

		r->action = actions[rnd(st) % NACTIONS];
		r->nnrs = 1 + rnd(st) % MAX_NAMES;
		for (size_t j = 0; j < r->nnrs; j++) {
			r->nrs[j] = arch->syscalls[rnd(st) % pool].nr;
			for (size_t k = 0; k < j; k++)
				if (r->nrs[k] == r->nrs[j])
					r->nrs[j] = arch->syscalls[rnd(st) % pool].nr;
		}
		r->nconds = rnd(st) % 4 == 0 ? 0 : 1 + rnd(st) % MAX_CONDS;
		for (size_t j = 0; j < r->nconds; j++)
			random_cond(st, &r->conds[j]);
	}
	return m;
}

static void check_random_policies(const char *arch_name, uint64_t seed, int npolicies,
				  size_t nrules, size_t pool)
{
	const struct arch *arch = arch_by_name(arch_name);
	uint64_t st = seed;

	for (int i = 0; i < npolicies; i++) {
		struct model m = random_model(arch, &st, nrules, pool);
		char *text = model_text(&m);
		struct compiled c;

		compile_ok(text, arch, &c);
		check_decisions(&m, &c.prog, rnd(&st), 24);
		program_free(&c.prog);
		free(text);
		free(m.rules);
	}
}

Test(codegen, random_small_policies_x86_64)
{
	check_random_policies("x86_64", 0x9e3779b97f4a7c15ull, 150, 6, 12);
}

Test(codegen, random_small_policies_aarch64)
{
	check_random_policies("aarch64", 0xd1b54a32d192ed03ull, 150, 6, 12);
}

Test(codegen, random_medium_policies)
{
	check_random_policies("x86_64", 42, 20, 40, 60);
	check_random_policies("aarch64", 43, 20, 40, 60);
}

/* A jump of more than 255 instructions needs a trampoline: a program of
 * several thousand instructions whose search tree sits at the top and
 * whose chains are long has many. */
Test(codegen, long_jumps_are_resolved, .timeout = 60)
{
	const char *archs[] = { "x86_64", "aarch64" };

	for (size_t a = 0; a < 2; a++) {
		const struct arch *arch = arch_by_name(archs[a]);
		uint64_t st = 777 + a;
		struct model m = random_model(arch, &st, 450, 120);
		char *text = model_text(&m);
		struct compiled c;
		size_t far_ja = 0;

		compile_ok(text, arch, &c);
		cr_assert_gt(c.prog.len, 600, "%s: only %zu instructions", arch->name, c.prog.len);
		for (size_t i = 0; i < c.prog.len; i++)
			if (c.prog.insns[i].code == (BPF_JMP | BPF_JA) && c.prog.insns[i].k > 255)
				far_ja++;
		cr_assert_gt(far_ja, 0, "%s: no far jumps, so nothing tested trampolines",
			     arch->name);
		check_decisions(&m, &c.prog, 99 + a, 40);
		program_free(&c.prog);
		free(text);
		free(m.rules);
	}
}

Test(codegen, prologue_arch_and_x32)
{
	const struct arch *x86 = arch_by_name("x86_64");
	struct mrule r = { .action = ACT_ERRNO | 1, .nrs = { 0 }, .nnrs = 1 };
	struct model m = { x86, ACT_ALLOW, ACT_TRAP, ACT_KILL_THREAD, &r, 1 };
	struct compiled c;
	char *text = model_text(&m);
	struct sim_data d = { .arch = x86->audit_arch };

	compile_ok(text, x86, &c);
	d.nr = 0x40000000u;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_KILL_THREAD, "x32 read");
	d.nr = UINT32_MAX;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ALLOW,
		     "-1 (a tracer's skip) gets the default");
	d.nr = 0;
	d.arch = 0x40000003u;   /* i386 */
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_TRAP);
	d.arch = x86->audit_arch;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ERRNO | 1);
	check_decisions(&m, &c.prog, 5, 50);
	program_free(&c.prog);
	free(text);
}

Test(codegen, consecutive_numbers_share_one_range)
{
	const struct arch *x86 = arch_by_name("x86_64");
	struct compiled few, many;

	compile_ok("default allow\nkill-process: read, write\n", x86, &few);
	compile_ok("default allow\nkill-process: read, write, open, close, stat, fstat, lstat,\n"
		   "  poll, lseek, mmap, mprotect, munmap, brk\n", x86, &many);
	cr_assert_eq(many.prog.nranges, 2, "numbers 0..12 form one range");
	cr_assert_eq(many.prog.len, few.prog.len,
		     "13 consecutive syscalls cost what 2 do (%zu vs %zu)",
		     many.prog.len, few.prog.len);
	program_free(&few.prog);
	program_free(&many.prog);
}

Test(codegen, unconditional_allows_stay_constant_for_the_kernel_cache)
{
	const struct arch *archs[] = { arch_by_name("x86_64"), arch_by_name("aarch64") };

	for (size_t a = 0; a < 2; a++) {
		struct compiled c;

		compile_ok("default allow\nerrno(1): openat if arg2 & 0x40 == 0x40\n"
			   "kill-process: socket\nallow: getppid if arg64(arg0) == 1\n", archs[a], &c);
		cr_assert_gt(c.prog.nallowed, 100);
		for (size_t i = 0; i < c.prog.nallowed; i++)
			cr_assert(sim_const_allow(c.prog.insns, c.prog.len, archs[a]->audit_arch,
						  c.prog.allowed[i]),
				  "%s: syscall %u is allowed unconditionally but not provably",
				  archs[a]->name, c.prog.allowed[i]);
		cr_assert_not(sim_const_allow(c.prog.insns, c.prog.len, archs[a]->audit_arch,
					      (uint32_t)arch_syscall_nr(archs[a], "openat")));
		program_free(&c.prog);
	}
}

Test(codegen, too_long_programs_are_refused_clearly)
{
	const struct arch *x86 = arch_by_name("x86_64");
	size_t cap = 3000 * 80;
	char *text = malloc(cap), want[256];
	size_t n = (size_t)snprintf(text, cap, "default allow\n");
	struct compiled c;

	cr_assert_not_null(text);
	/* Two tests of distinct values per rule: at least 6000 jumps however
	 * clever the code generator gets. */
	for (int i = 0; i < 3000; i++)
		n += (size_t)snprintf(text + n, cap - n,
				      "errno(%d): read if lo32(arg0) == %d && lo32(arg1) == %d\n",
				      i % 4000 + 1, i, i);
	compile_text(text, x86, &c);
	cr_assert_eq(c.rc, -1);
	cr_assert_eq(c.prog.len, 0, "no program is handed out");
	cr_assert_null(c.prog.insns);
	snprintf(want, sizeof(want), "%s:1:1: error: the x86_64 filter needs ", c.path);
	cr_assert(strncmp(c.msgs, want, strlen(want)) == 0, "%s", c.msgs);
	cr_assert(strstr(c.msgs, " instructions; the kernel accepts at most 4096 "
			 "(split the policy, or merge rules)\n") != NULL, "%s", c.msgs);
	free(text);
}

/* Regression: a rule with 100,000 conditions used to spend minutes
 * resolving jumps of a program that could never fit. */
/* 100,000 conditions: distinct ones cannot fit and must be refused fast;
 * the same one repeated is decided once (argtests.c drops tests whose
 * outcome is known) and compiles to a few instructions. */
static void compile_many_conds(const char *fmt, struct compiled *c, long *secs)
{
	const struct arch *x86 = arch_by_name("x86_64");
	size_t cap = 100000 * 24 + 64;
	char *text = malloc(cap);
	size_t n;
	struct timespec t0, t1;

	cr_assert_not_null(text);
	n = (size_t)snprintf(text, cap, "default allow\nerrno(1): read if arg0 == 1");
	for (int i = 0; i < 100000; i++)
		n += (size_t)snprintf(text + n, cap - n, fmt, i + 1);
	snprintf(text + n, cap - n, "\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	compile_text(text, x86, c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*secs = (long)(t1.tv_sec - t0.tv_sec);
	free(text);
}

Test(codegen, huge_programs_fail_fast, .timeout = 30)
{
	struct compiled c;
	long secs;

	compile_many_conds(" && arg2 > %d", &c, &secs);
	cr_assert_eq(c.rc, -1);
	cr_assert(strstr(c.msgs, "error: the x86_64 filter needs more than 4096") ||
		  strstr(c.msgs, "error: the x86_64 filter needs at least "), "%s", c.msgs);
	cr_assert_lt(secs, 10, "took %ld s", secs);
}

Test(codegen, repeated_conditions_are_tested_once, .timeout = 30)
{
	struct compiled c;
	long secs;

	compile_many_conds(" && arg0 == 1", &c, &secs);  /* the count is ignored */
	cr_assert_eq(c.rc, 0, "%s", c.msgs);
	cr_assert_lt(c.prog.len, 20, "%zu instructions", c.prog.len);
	cr_assert_lt(secs, 10, "took %ld s", secs);
	program_free(&c.prog);
}

Test(codegen, a_program_just_under_the_limit_compiles)
{
	const struct arch *x86 = arch_by_name("x86_64");
	size_t cap = 1200 * 64;
	char *text = malloc(cap);
	size_t n = (size_t)snprintf(text, cap, "default allow\n");
	struct compiled c;

	cr_assert_not_null(text);
	/* lo32 equalities cost two instructions each (load, jeq) plus the
	 * shared return: about 2 * 1000 + trampolines. */
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(text + n, cap - n, "errno(%d): read if lo32(arg0) == %d\n",
				      i % 50 + 1, i);
	compile_ok(text, x86, &c);
	cr_assert_leq(c.prog.len, 4096);
	cr_assert_gt(c.prog.len, 1000);
	for (uint32_t v = 0; v < 1100; v++) {
		struct sim_data d = { .nr = 0, .arch = x86->audit_arch, .args = { v } };
		uint32_t want = v < 1000 ? ACT_ERRNO | (v % 50 + 1) : ACT_ALLOW;

		cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), want, "arg0 %u", v);
	}
	program_free(&c.prog);
	free(text);
}

/* ---- Every shape the compiler chooses between, not only the winner --- */

/* The program for one tree and one way of building argument tests, as
 * compile.c would make it; NULL when it does not fit. */
static struct sock_filter *build_one(const struct decision *d, const struct tree *t,
				     int flags, size_t *len)
{
	struct ir ir = { 0 };
	struct sock_filter *prog = NULL;

	*len = 0;
	if (codegen(d, t, flags, &ir) == 0)
		*len = resolve_jumps(&ir, &prog);
	ir_free(&ir);
	return prog;
}

static size_t tree_compares(const struct tree *t)
{
	return t->leaf ? 0 : 1 + tree_compares(t->left) + tree_compares(t->right);
}

static size_t ceil_log2(size_t n)
{
	size_t k = 0;

	while (((size_t)1 << k) < n)
		k++;
	return k;
}

/* Each tree shape (balanced, chains of 1 and 3, fewest compares) with
 * each way of building tests, and both layouts, decides like the model. */
static void check_every_shape(const struct model *m, uint64_t seed)
{
	char *text = model_text(m), path[] = "/tmp/bpfgen-shapes-XXXXXX", err[256];
	static const int ways[] = {
		0, ARGTESTS_SPECIALISE, ARGTESTS_SEARCH,
		ARGTESTS_SPECIALISE | ARGTESTS_SEARCH,
		ARGTESTS_SPECIALISE | ARGTESTS_LO_FIRST,
		ARGTESTS_SPECIALISE | ARGTESTS_SEARCH | ARGTESTS_LO_FIRST,
		ARGTESTS_LO_FIRST | CODEGEN_THOROUGH,
		ARGTESTS_SPECIALISE | ARGTESTS_LO_FIRST | CODEGEN_THOROUGH,
	};
	struct diag diag = { .out = tmpfile() };
	struct resolve_options ro = { 0 };
	struct policy_ast *ast;
	struct resolved *r;
	struct decision *d;
	struct tree *trees[4];
	size_t cells;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ast = policy_parse_file(path, &diag);
	unlink(path);
	cr_assert_not_null(ast);
	r = resolve_policy(ast, m->arch, &ro, &diag);
	cr_assert_not_null(r);
	d = decide(r, &diag);
	trees[0] = tree_build(d, NULL);
	trees[1] = tree_build_chains(d, 1);
	trees[2] = tree_build_chains(d, 3);
	trees[3] = tree_build_fewest(d, &cells);
	cr_assert_not_null(trees[3], "%zu ranges", d->nranges);
	cr_assert_leq(tree_depth(trees[3]), ceil_log2(d->nranges) + 1);
	for (size_t i = 1; i < 3; i++)
		if (trees[i])
			cr_assert_leq(tree_compares(trees[3]), tree_compares(trees[i]),
				      "chains of %zu have fewer compares", i == 1 ? (size_t)1 : 3);
	for (size_t i = 0; i < 4; i++) {
		for (size_t w = 0; trees[i] && w < sizeof(ways) / sizeof(ways[0]); w++) {
			size_t len;
			struct sock_filter *prog = build_one(d, trees[i], ways[w], &len);
			struct program p = { .insns = prog, .len = len };

			if (!prog)
				continue;       /* does not fit: refused, not wrong */
			cr_assert_eq(sim_check(prog, len, err, sizeof(err)), 0,
				     "tree %zu way %#x: %s", i, ways[w], err);
			check_decisions(m, &p, seed + i * 16 + w, 8);
			free(prog);
		}
		tree_free(trees[i]);
	}
	decision_free(d);
	resolved_free(r);
	policy_free(ast);
	fclose(diag.out);
	diag_free(&diag);
	free(text);
}

Test(codegen, every_tree_and_way_decides_alike)
{
	const char *archs[] = { "x86_64", "aarch64" };

	for (size_t a = 0; a < 2; a++) {
		const struct arch *arch = arch_by_name(archs[a]);
		uint64_t st = 0x5eed0000 + a;

		for (int i = 0; i < 40; i++) {
			struct model m = random_model(arch, &st, 2 + rnd(&st) % 40,
						      8 + rnd(&st) % 120);

			check_every_shape(&m, rnd(&st));
			free(m.rules);
		}
	}
}

/* Low word first: a 64-bit equality still needs both words, whichever
 * is tested first; and rules on one argument share the high word's test. */
Test(codegen, low_word_first_still_compares_both_words)
{
	const struct arch *x86 = arch_by_name("x86_64");
	struct mrule r[3] = {
		{ .action = ACT_ERRNO | 1, .nrs = { 0 }, .nnrs = 1, .nconds = 1,
		  .conds = { { .arg = 1, .op = M_EQ, .value = 0x700000010ull } } },
		{ .action = ACT_ERRNO | 1, .nrs = { 0 }, .nnrs = 1, .nconds = 1,
		  .conds = { { .arg = 1, .op = M_EQ, .value = 0x700000020ull } } },
		{ .action = ACT_ERRNO | 2, .nrs = { 0 }, .nnrs = 1, .nconds = 1,
		  .conds = { { .arg = 1, .op = M_NE, .value = 0x30ull } } },
	};
	struct model m = { x86, ACT_ALLOW, ACT_KILL_PROCESS, ACT_KILL_PROCESS, r, 3 };
	static const uint64_t probes[] = {
		0x700000010ull, 0x10, 0x800000010ull, 0x700000020ull, 0x20,
		0x30, 0x100000030ull, 0x700000030ull, 0,
	};

	check_every_shape(&m, 11);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct sim_data dt = { .nr = 0, .arch = x86->audit_arch, .args = { 0, probes[i] } };
		struct compiled c;
		char *text = model_text(&m);

		compile_ok(text, x86, &c);
		cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &dt, NULL), model_eval(&m, &dt),
			     "arg1 %#llx", (unsigned long long)probes[i]);
		program_free(&c.prog);
		free(text);
	}
}

/* ---- layout.c: blocks that jump to one return end up close ---------- */

/* Three pieces, each a lone leaf of 200 instructions. Leaf 0 jumps to
 * target 0 near its end, leaf 2 near its start: one copy after leaf 2
 * serves both only when leaf 2 comes right after leaf 0, which the tree's
 * order (0, 1, 2) does not have. */
Test(layout, blocks_sharing_a_target_become_neighbours)
{
	struct lay_node nodes[3] = {
		{ { -1, -1 }, 0, 200, 0, 0 },
		{ { -1, -1 }, 1, 200, 0, 0 },
		{ { -1, -1 }, 2, 200, 0, 0 },
	};
	int pieces[3] = { 0, 1, 2 };
	struct lay_ref refs[3] = {
		{ 0, 0, 150, 199 }, { 1, 1, 10, 199 }, { 2, 0, 10, 20 },
	};
	size_t sizes[2] = { 1, 1 };
	struct lay_problem p = { nodes, 3, pieces, 3, 3, refs, 3, 2, sizes, 10 };
	int where[3];

	layout_order(&p, LAYOUT_TRIES_THOROUGH, NULL);
	for (int i = 0; i < 3; i++)
		where[pieces[i]] = i;
	cr_assert_eq(where[2], where[0] + 1, "order %d %d %d",
		     pieces[0], pieces[1], pieces[2]);
}

/* Inside a piece, the child laid out first may change, unless it is fixed. */
Test(layout, children_swap_but_fixed_nodes_stay)
{
	/* Piece 0: node 0 over leaves 0 (node 1; jumps to target 0 late in
	 * its block) and 1 (node 2). Piece 3: node 3 over leaves 2 (node 4)
	 * and 3 (node 5; jumps to target 0 early), fixed with leaf 3 first. */
	struct lay_node nodes[6] = {
		{ { 1, 2 }, 0, 401, 0, 0 },
		{ { -1, -1 }, 0, 200, 0, 0 },
		{ { -1, -1 }, 1, 200, 0, 0 },
		{ { 4, 5 }, 0, 401, 1, 1 },
		{ { -1, -1 }, 2, 200, 0, 0 },
		{ { -1, -1 }, 3, 200, 0, 0 },
	};
	int pieces[2] = { 0, 3 };
	struct lay_ref refs[2] = { { 0, 0, 100, 199 }, { 3, 0, 0, 10 } };
	size_t sizes[1] = { 1 };
	struct lay_problem p = { nodes, 6, pieces, 2, 4, refs, 2, 1, sizes, 10 };

	layout_order(&p, LAYOUT_TRIES_THOROUGH, NULL);
	cr_assert_eq(nodes[3].first, 1, "a fixed node changed");
	/* Only one order lets one copy serve both: leaf 0 last in its piece,
	 * that piece first, right before leaf 3. */
	cr_assert_eq(pieces[0], 0);
	cr_assert_eq(nodes[0].first, 1, "leaf 0 should come second in its piece");
}
