/* Unit tests of multi-ABI filters: the `abi` line (parser), each ABI's
 * resolution (resolve.c: socketcall/ipc rewriting, 32-bit low words,
 * on-newer), the decision of an x32 section (decide.c), the dispatch in
 * the prologue (codegen.c), and random policies run in the emulator
 * against a model of what each ABI's calls must get. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/seccomp.h"
#include "bpf/sim.h"
#include "bpfgen/compile.h"
#include "bpfgen/decide.h"
#include "bpfgen/policy.h"
#include "bpfgen/resolve.h"

/* ---- helpers ----------------------------------------------------------- */

struct parsed {
	struct policy_ast *ast;
	char msgs[4096];
	int errors;
};

static void parse_text(const char *text, struct parsed *p)
{
	struct diag diag = { .out = tmpfile() };
	char path[] = "/tmp/bpfgen-abi-XXXXXX";
	int fd = mkstemp(path);
	size_t got;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	p->ast = policy_parse_file(path, &diag);
	unlink(path);
	p->errors = diag.errors;
	rewind(diag.out);
	got = fread(p->msgs, 1, sizeof(p->msgs) - 1, diag.out);
	p->msgs[got] = '\0';
	fclose(diag.out);
	diag_free(&diag);
}

static struct resolved *resolve_as(const struct policy_ast *ast, const char *abi,
				   char *msgs, size_t size)
{
	struct diag diag = { .out = tmpfile() };
	struct resolve_options o = { 0 };
	struct resolved *r = resolve_policy(ast, arch_by_name(abi), &o, &diag);
	size_t got;

	rewind(diag.out);
	got = fread(msgs, 1, size - 1, diag.out);
	msgs[got] = '\0';
	fclose(diag.out);
	diag_free(&diag);
	cr_assert_not_null(r, "%s", msgs);
	return r;
}

/* The resolved rules that name NR. */
static size_t rules_naming(const struct resolved *r, uint32_t nr, const struct rule **out,
			   size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nrules; i++)
		for (size_t j = 0; j < r->rules[i].nnrs; j++)
			if (r->rules[i].nrs[j] == nr && n < max)
				out[n++] = &r->rules[i];
	return n;
}

struct compiled {
	struct program prog[2];
	int rc;
	char msgs[8192];
};

/* Compiles TEXT for x86_64 and aarch64 at once. */
static void compile_both(const char *text, struct compiled *c)
{
	struct compile_options opts = { 0 };
	struct parsed p;
	struct diag diag = { .out = tmpfile() };
	size_t got;
	char err[256];

	parse_text(text, &p);
	cr_assert_not_null(p.ast, "%s", p.msgs);
	c->rc = compile_policies(p.ast, arch_targets, arch_ntargets, &opts, c->prog, &diag);
	rewind(diag.out);
	got = fread(c->msgs, 1, sizeof(c->msgs) - 1, diag.out);
	c->msgs[got] = '\0';
	fclose(diag.out);
	diag_free(&diag);
	policy_free(p.ast);
	cr_assert_eq(c->rc, 0, "%s", c->msgs);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(sim_check(c->prog[i].insns, c->prog[i].len, err, sizeof(err)), 0,
			     "%s: %s", c->prog[i].arch->name, err);
}

static uint32_t run(const struct program *p, uint32_t audit, uint32_t nr,
		    uint64_t a0, uint64_t a1)
{
	struct sim_data d = { .nr = nr, .arch = audit, .args = { a0, a1 } };

	return sim_run(p->insns, p->len, &d, NULL);
}

#define I386 0x40000003u
#define ARM 0x40000028u
#define X86_64 0xc000003eu
#define AARCH64 0xc00000b7u
#define X32BIT 0x40000000u

/* ---- parser ------------------------------------------------------------ */

Test(abi_parse, lines_settings_and_errors)
{
	struct parsed p;

	parse_text("default allow\nabi x86_64: native, x32,\n  i386\nabi aarch64: arm, native\n"
		   "on-newer errno(ENOSYS)\nsocketcall fail-open\n", &p);
	cr_assert_not_null(p.ast, "%s", p.msgs);
	cr_assert_eq(p.ast->nabis, 2);
	cr_assert_str_eq(p.ast->abis[0].target.name, "x86_64");
	cr_assert_eq(p.ast->abis[0].nabis, 3);
	cr_assert_str_eq(p.ast->abis[0].abis[2].name, "i386");
	cr_assert_eq(p.ast->abis[0].abis[2].pos.line, 3);
	cr_assert(p.ast->has_newer && p.ast->newer.kind == A_ERRNO);
	cr_assert(p.ast->socketcall_open);
	policy_free(p.ast);

	parse_text("default allow\nabi x86_64: i386\n", &p);
	cr_assert_null(p.ast);
	cr_assert(strstr(p.msgs, ":2:5: error: the ABIs of x86_64 must include 'native'"), "%s", p.msgs);
	parse_text("default allow\nabi x86_64: native, arm\n", &p);
	cr_assert(strstr(p.msgs, ":2:21: error: x86_64 runs no ABI 'arm' (its ABIs: native, x32, i386)"),
		  "%s", p.msgs);
	parse_text("default allow\nsocketcall fail-open\nsocketcall fail-open\n", &p);
	cr_assert(strstr(p.msgs, ":3:1: error: 'socketcall fail-open' is set twice"), "%s", p.msgs);
}

/* ---- resolve: socketcall and ipc -------------------------------------- */

Test(abi_resolve, socket_rules_also_govern_socketcall_on_i386)
{
	struct parsed p;
	char msgs[4096];
	const struct rule *r[8];
	struct resolved *res;

	parse_text("default allow\n"
		   "errno(EPERM): socket if family == AF_INET6\n"   /* deny, conditions */
		   "allow: bind if fd == 3\n"                       /* allow, conditions */
		   "errno(EACCES): connect, accept\n"               /* no conditions */
		   "errno(ENOTTY): semget, shmat\n", &p);
	cr_assert_not_null(p.ast, "%s", p.msgs);
	res = resolve_as(p.ast, "i386", msgs, sizeof(msgs));
	/* socketcall (102): SYS_SOCKET unconditionally (the deny applies),
	 * nothing for bind (the allow falls through), SYS_CONNECT and
	 * SYS_ACCEPT (accept exists on i386 only that way). */
	cr_assert_eq(rules_naming(res, 102, r, 8), 3);
	cr_assert_eq(r[0]->action, ACT_ERRNO | 1);
	cr_assert_eq(r[0]->nconds, 1);
	cr_assert(r[0]->conds[0].arg == 0 && r[0]->conds[0].lo32 && r[0]->conds[0].op == OP_EQ);
	cr_assert(r[0]->conds[0].mask == 0xffffffffu && r[0]->conds[0].value == 1);
	cr_assert_eq(r[1]->action, ACT_ERRNO | 13);
	cr_assert_eq(r[1]->conds[0].value, 3);
	cr_assert_eq(r[2]->conds[0].value, 5);
	/* ipc (117): its call is the low 16 bits */
	cr_assert_eq(rules_naming(res, 117, r, 8), 2);
	cr_assert(r[0]->conds[0].mask == 0xffffu && r[0]->conds[0].value == 2);
	cr_assert(r[1]->conds[0].mask == 0xffffu && r[1]->conds[0].value == 21);
	/* the direct call keeps its condition */
	cr_assert_eq(rules_naming(res, 359, r, 8), 1);
	cr_assert_eq(r[0]->nconds, 1);
	cr_assert(strstr(msgs, "warning: on i386, socketcall(socket)"), "%s", msgs);
	cr_assert(strstr(msgs, "warning: on i386, socketcall(bind)"), "%s", msgs);
	cr_assert(strstr(msgs, "this allow rule does not apply to them"), "%s", msgs);
	for (size_t i = 0; i < res->nnotes; i++)
		if (strstr(res->notes[i], "accept"))
			cr_assert(strstr(res->notes[i], "only as socketcall(5)"), "%s", res->notes[i]);
	resolved_free(res);

	/* arm has neither multiplexer; x86_64 neither */
	res = resolve_as(p.ast, "arm", msgs, sizeof(msgs));
	cr_assert_eq(strstr(msgs, "Wsocketcall"), NULL, "%s", msgs);
	resolved_free(res);
	policy_free(p.ast);
}

Test(abi_resolve, fail_open_lets_conditional_allows_through)
{
	struct parsed p;
	char msgs[4096];
	const struct rule *r[4];
	struct resolved *res;

	parse_text("default kill-process\nsocketcall fail-open\n"
		   "allow: socket if family == AF_UNIX\n", &p);
	res = resolve_as(p.ast, "i386", msgs, sizeof(msgs));
	cr_assert_eq(rules_naming(res, 102, r, 4), 1);
	cr_assert_eq(r[0]->action, ACT_ALLOW);
	cr_assert(strstr(msgs, "'socketcall fail-open' lets them through unchecked"), "%s", msgs);
	resolved_free(res);
	policy_free(p.ast);
}

/* ---- resolve: low words on 32-bit ABIs ---------------------------------- */

Test(abi_resolve, thirty_two_bit_abis_compare_low_words)
{
	struct parsed p;
	char msgs[4096];
	const struct rule *r[4];
	struct resolved *res;

	parse_text("default allow\n"
		   "errno(EPERM): lseek if offset < 0\n"             /* off_t: 64 on x86_64 */
		   "errno(EPERM): getpgid if arg64(arg0) == 0x100000005\n"
		   "errno(EPERM): read if count == 0x100000000\n", &p);
	cr_assert_not_null(p.ast, "%s", p.msgs);
	res = resolve_as(p.ast, "i386", msgs, sizeof(msgs));
	cr_assert_eq(rules_naming(res, 19, r, 4), 1);          /* lseek: signed low word */
	cr_assert(r[0]->conds[0].lo32 && r[0]->conds[0].mask == 0xffffffffu);
	cr_assert_eq(r[0]->conds[0].op, OP_GT);          /* offset < 0: above 0x7fffffff */
	cr_assert_eq(r[0]->conds[0].value, 0x7fffffffu);
	cr_assert_eq(rules_naming(res, 132, r, 4), 1);         /* getpgid: libseccomp's low word */
	cr_assert(r[0]->conds[0].lo32 && r[0]->conds[0].value == 5);
	cr_assert_eq(rules_naming(res, 3, r, 4), 1);           /* read: no i386 count is 2^32 */
	cr_assert(r[0]->never);
	resolved_free(res);
	res = resolve_as(p.ast, "x86_64", msgs, sizeof(msgs));
	cr_assert_eq(rules_naming(res, 0, r, 4), 1);
	cr_assert(!r[0]->never && !r[0]->conds[0].lo32);
	resolved_free(res);
	res = resolve_as(p.ast, "x32", msgs, sizeof(msgs));
	cr_assert_eq(rules_naming(res, 8, r, 4), 1);           /* x32 lseek is 8 */
	cr_assert(r[0]->conds[0].lo32);
	resolved_free(res);
	policy_free(p.ast);
}

/* ---- decide: an x32 section and on-newer -------------------------------- */

Test(abi_decide, x32_section_starts_at_the_bit_and_on_newer_caps_it)
{
	struct parsed p;
	char msgs[4096];
	struct resolved *res;
	struct decision *d;

	parse_text("default allow\non-newer errno(ENOSYS)\nerrno(EPERM): getpid\n", &p);
	res = resolve_as(p.ast, "x32", msgs, sizeof(msgs));
	cr_assert(res->has_newer && res->newer_above == 39);
	d = decide(res, NULL);
	cr_assert_eq(d->base, X32BIT);
	cr_assert_eq(d->top, UINT32_MAX);
	cr_assert_eq(d->ranges[0].lo, X32BIT);
	cr_assert_eq(d->nodes[decision_node_for(d, X32BIT | 39)].action, ACT_ERRNO | 1);
	cr_assert_eq(d->nodes[decision_node_for(d, X32BIT | 38)].action, ACT_ALLOW);
	cr_assert_eq(d->nodes[decision_node_for(d, X32BIT | 40)].action, ACT_ERRNO | 38);
	cr_assert_eq(d->nodes[decision_node_for(d, UINT32_MAX)].action, ACT_ERRNO | 38);
	decision_free(d);
	resolved_free(res);
	res = resolve_as(p.ast, "x86_64", msgs, sizeof(msgs));
	d = decide(res, NULL);
	cr_assert_eq(d->base, 0);
	cr_assert_eq(d->top, X32BIT - 1);
	decision_free(d);
	resolved_free(res);
	policy_free(p.ast);
}

/* ---- codegen: the dispatch ---------------------------------------------- */

Test(abi_codegen, dispatch_native_first_then_each_abi)
{
	struct compiled c;
	const struct sock_filter *f;

	compile_both("default allow\nabi x86_64: native, i386, x32\nabi aarch64: native, arm\n"
		     "errno(EPERM): getpid\n", &c);
	f = c.prog[0].insns;
	cr_assert_eq(f[0].code, BPF_LD | BPF_W | BPF_ABS);
	cr_assert_eq(f[0].k, SD_ARCH);
	cr_assert(f[1].code == (BPF_JMP | BPF_JEQ | BPF_K) && f[1].k == X86_64 && f[1].jf == 0);
	cr_assert(f[2].code == (BPF_JMP | BPF_JEQ | BPF_K) && f[2].k == I386);
	cr_assert_eq(f[3].k, SD_NR);
	cr_assert(f[4].code == (BPF_JMP | BPF_JGE | BPF_K) && f[4].k == X32BIT);
	cr_assert_eq(c.prog[0].nabis, 2);
	cr_assert_str_eq(c.prog[0].abis[0].abi->name, "x32");
	cr_assert_str_eq(c.prog[0].abis[1].abi->name, "i386");
	cr_assert_eq(c.prog[1].nabis, 1);
	cr_assert(c.prog[1].insns[2].k == ARM);
	/* each ABI by its own number for getpid */
	cr_assert_eq(run(&c.prog[0], X86_64, 39, 0, 0), ACT_ERRNO | 1);
	cr_assert_eq(run(&c.prog[0], X86_64, X32BIT | 39, 0, 0), ACT_ERRNO | 1);
	cr_assert_eq(run(&c.prog[0], I386, 20, 0, 0), ACT_ERRNO | 1);
	cr_assert_eq(run(&c.prog[0], I386, 39, 0, 0), ACT_ALLOW);     /* i386 rmdir */
	cr_assert_eq(run(&c.prog[0], ARM, 20, 0, 0), ACT_KILL_PROCESS);
	cr_assert_eq(run(&c.prog[1], AARCH64, 172, 0, 0), ACT_ERRNO | 1);
	cr_assert_eq(run(&c.prog[1], ARM, 20, 0, 0), ACT_ERRNO | 1);
	cr_assert_eq(run(&c.prog[1], I386, 20, 0, 0), ACT_KILL_PROCESS);
	/* x32's -1 belongs to the x32 section: no rule, the default */
	cr_assert_eq(run(&c.prog[0], X86_64, UINT32_MAX, 0, 0), ACT_ALLOW);
	for (int i = 0; i < 2; i++)
		program_free(&c.prog[i]);
}

/* ---- random policies against a model ------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct mcond {
	int arg, arg64, has_mask;
	uint32_t mask, value;
	int op;         /* 0 ==, 1 !=, 2 <, 3 >= */
};

struct mrule {
	uint32_t action;
	const char *names[3];
	size_t nnames;
	struct mcond conds[2];
	size_t nconds;
};

#define NRULES 6
struct model {
	uint32_t deflt, bad_arch, x32;
	struct mrule rules[NRULES];
	int x32_ok, i386_ok, arm_ok;
};

/* The value a condition sees: on a 32-bit ABI always the low word; on the
 * target arg64() sees the whole register. */
static int mcond_holds(const struct mcond *c, uint64_t arg, int word32)
{
	uint64_t v = c->arg64 && !word32 ? arg : (uint32_t)arg;
	uint64_t m = c->has_mask ? c->mask : (c->arg64 && !word32 ? UINT64_MAX : 0xffffffffu);

	v &= m;
	switch (c->op) {
	case 0: return v == c->value;
	case 1: return v != c->value;
	case 2: return v < c->value;
	default: return v >= c->value;
	}
}

static uint32_t model_eval(const struct model *m, const struct arch *target,
			   uint32_t audit, uint32_t nr, const uint64_t *args)
{
	const struct arch *abi = NULL;

	if (audit == target->audit_arch) {
		abi = target;
		if (target->x32_bit && nr >= X32BIT) {
			if (!m->x32_ok)
				return nr == UINT32_MAX ? m->deflt : m->x32;
			abi = arch_by_name("x32");
			nr -= X32BIT;
		}
	} else if (audit == I386 && m->i386_ok && target->x32_bit) {
		abi = arch_by_name("i386");
	} else if (audit == ARM && m->arm_ok && !target->x32_bit) {
		abi = arch_by_name("arm");
	}
	if (!abi)
		return m->bad_arch;
	for (size_t i = 0; i < NRULES; i++) {
		const struct mrule *r = &m->rules[i];
		int named = 0;
		size_t k = 0;

		for (size_t j = 0; j < r->nnames; j++)
			named |= arch_syscall_nr(abi, r->names[j]) == (long)nr;
		if (!named)
			continue;
		while (k < r->nconds && mcond_holds(&r->conds[k], args[r->conds[k].arg],
						    abi->word32))
			k++;
		if (k == r->nconds)
			return r->action;
	}
	return m->deflt;
}

/* Syscalls to draw from: on x86_64, i386 and arm under other numbers,
 * none of them reached through socketcall or ipc. */
static const char *const pool[] = {
	"read", "write", "close", "getpid", "kill", "ioctl", "dup", "fcntl",
	"getppid", "setpgid", "umask", "personality", "prctl", "madvise",
	"mprotect", "pipe2", "eventfd2", "getpgid", "unshare", "flock",
};

static const uint32_t acts[] = { ACT_ALLOW, ACT_ERRNO | 1, ACT_ERRNO | 13,
				 ACT_KILL_PROCESS, ACT_TRAP | 3, ACT_LOG };

static void random_model(struct model *m, uint64_t *st)
{
	memset(m, 0, sizeof(*m));
	m->deflt = acts[rnd(st) % 6];
	m->bad_arch = ACT_KILL_PROCESS;
	m->x32 = ACT_ERRNO | 18;
	m->x32_ok = rnd(st) & 1;
	m->i386_ok = rnd(st) & 1;
	m->arm_ok = rnd(st) & 1;
	for (size_t i = 0; i < NRULES; i++) {
		struct mrule *r = &m->rules[i];

		r->action = acts[rnd(st) % 6];
		r->nnames = 1 + rnd(st) % 3;
		for (size_t j = 0; j < r->nnames; j++)
			r->names[j] = pool[rnd(st) % (sizeof(pool) / sizeof(pool[0]))];
		r->nconds = rnd(st) % 3;
		for (size_t k = 0; k < r->nconds; k++) {
			struct mcond *c = &r->conds[k];

			c->arg = (int)(rnd(st) % 3);
			c->arg64 = rnd(st) & 1;
			c->has_mask = rnd(st) % 3 == 0;
			c->mask = c->has_mask ? (uint32_t)rnd(st) | 1 : 0;
			c->value = (uint32_t)(rnd(st) % 4 == 0 ? rnd(st) : rnd(st) % 8);
			if (c->has_mask)
				c->value &= c->mask;
			c->op = c->has_mask ? (int)(rnd(st) % 2) : (int)(rnd(st) % 4);
		}
	}
}

static char *model_text(const struct model *m)
{
	static const char *const ops[] = { "==", "!=", "<", ">=" };
	char *s = malloc(8192), act[64];
	size_t n = 0;

	cr_assert_not_null(s);
	seccomp_action_format(m->deflt, act, sizeof(act));
	n += (size_t)snprintf(s + n, 8192 - n, "default %s\non-x32 errno(18)\n", act);
	n += (size_t)snprintf(s + n, 8192 - n, "abi x86_64: native%s%s\n",
			      m->x32_ok ? ", x32" : "", m->i386_ok ? ", i386" : "");
	n += (size_t)snprintf(s + n, 8192 - n, "abi aarch64: native%s\n", m->arm_ok ? ", arm" : "");
	for (size_t i = 0; i < NRULES; i++) {
		const struct mrule *r = &m->rules[i];

		seccomp_action_format(r->action, act, sizeof(act));
		n += (size_t)snprintf(s + n, 8192 - n, "%s: ", act);
		for (size_t j = 0; j < r->nnames; j++)
			n += (size_t)snprintf(s + n, 8192 - n, "%s%s", j ? ", " : "", r->names[j]);
		for (size_t k = 0; k < r->nconds; k++) {
			const struct mcond *c = &r->conds[k];
			char mask[32] = "";

			if (c->has_mask)
				snprintf(mask, sizeof(mask), " & 0x%x", c->mask);
			n += (size_t)snprintf(s + n, 8192 - n, "%s%s(arg%d)%s %s 0x%x",
					      k ? " && " : " if ", c->arg64 ? "arg64" : "lo32",
					      c->arg, mask, ops[c->op], c->value);
		}
		n += (size_t)snprintf(s + n, 8192 - n, "\n");
	}
	cr_assert_lt(n, 8000);
	return s;
}

static const uint64_t tricky[] = {
	0, 1, 2, 3, 5, 7, 0xff, 0x7fffffff, 0x80000000, 0xffffffff,
	0x100000000ull, 0x100000001ull, 0xdead000000000003ull, 0xffffffff00000000ull,
	UINT64_MAX,
};

Test(abi_codegen, random_policies_match_the_model_on_every_abi, .timeout = 120)
{
	uint64_t st = 0x9e3779b97f4a7c15ull;
	static const uint32_t audits[] = { X86_64, I386, ARM, AARCH64, 0x12345678 };

	for (int iter = 0; iter < 60; iter++) {
		struct model m;
		struct compiled c;
		char *text;

		random_model(&m, &st);
		text = model_text(&m);
		compile_both(text, &c);
		for (int t = 0; t < 2; t++) {
			const struct program *p = &c.prog[t];

			for (int s = 0; s < 3000; s++) {
				uint32_t audit = audits[rnd(&st) % 5], nr;
				uint64_t args[6];
				const struct mrule *r = &m.rules[rnd(&st) % NRULES];
				const struct arch *abi = audit == I386 ? arch_by_name("i386") :
							 audit == ARM ? arch_by_name("arm") :
							 p->arch;
				long n = arch_syscall_nr(abi, r->names[0]);
				uint32_t want, got;
				struct sim_data d;

				nr = n >= 0 && rnd(&st) % 8 ? (uint32_t)n : (uint32_t)(rnd(&st) % 500);
				if (p->arch->x32_bit && audit == X86_64 && rnd(&st) % 3 == 0) {
					n = arch_syscall_nr(arch_by_name("x32"), r->names[0]);
					nr = (n >= 0 ? (uint32_t)n : (uint32_t)(rnd(&st) % 600)) | X32BIT;
					if (rnd(&st) % 10 == 0)
						nr = UINT32_MAX;
				}
				for (int a = 0; a < 6; a++)
					args[a] = tricky[rnd(&st) % (sizeof(tricky) / sizeof(tricky[0]))];
				for (size_t k = 0; k < r->nconds; k++)
					if (rnd(&st) & 1)
						args[r->conds[k].arg] = (rnd(&st) & 1 ? 0xabcd00000000ull : 0) |
									r->conds[k].value;
				memset(&d, 0, sizeof(d));
				d.nr = nr;
				d.arch = audit;
				memcpy(d.args, args, sizeof(args));
				want = model_eval(&m, p->arch, audit, nr, args);
				got = sim_run(p->insns, p->len, &d, NULL);
				cr_assert_eq(got, want, "%s audit 0x%x nr 0x%x args %llx %llx %llx: got "
					     "0x%x, want 0x%x\n%s", p->arch->name, audit, nr,
					     (unsigned long long)args[0], (unsigned long long)args[1],
					     (unsigned long long)args[2], got, want, text);
			}
		}
		for (int t = 0; t < 2; t++)
			program_free(&c.prog[t]);
		free(text);
	}
}
