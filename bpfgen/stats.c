/* --stats and budgets. Counts come from running the program in the
 * emulator for every syscall number, so they are exact, not estimates. */
#include <string.h>

#include "bpf/seccomp.h"
#include "bpfgen/stats.h"
#include "bpf/sim.h"

static size_t ceil_log2(size_t n)
{
	size_t d = 0;

	while (((size_t)1 << d) < n)
		d++;
	return d;
}

struct trace_ctx {
	const struct sock_filter *prog;
	int read_args;
};

static void watch_loads(void *ctx, size_t pc, uint32_t a, uint32_t x)
{
	struct trace_ctx *t = ctx;
	const struct sock_filter *f = &t->prog[pc];

	(void)a;
	(void)x;
	if (f->code == (BPF_LD | BPF_W | BPF_ABS) && f->k >= SD_ARG_LO(0))
		t->read_args = 1;
}

/* Instructions run for NR of AUDIT: with argument conditions the longer
 * of the all-zero and all-ones argument vectors. *BY_NR tells whether the
 * run read no argument at all. */
static size_t path_len(const struct program *p, uint32_t audit, uint32_t nr, int *by_nr)
{
	struct sim_data d = { .nr = nr, .arch = audit };
	struct trace_ctx t = { p->insns, 0 };
	size_t a = 0, b = 0;

	sim_run_traced(p->insns, p->len, &d, &a, watch_loads, &t);
	*by_nr = !t.read_args;
	if (t.read_args) {
		for (int i = 0; i < 6; i++)
			d.args[i] = UINT64_MAX;
		sim_run(p->insns, p->len, &d, &b);
	}
	return a > b ? a : b;
}

/* Instructions before the search tree of section ABI: the target's check
 * and nr (and x32 guard); an x32 section enters at that guard; another
 * audit arch is checked after the target's and those before it. */
static size_t prologue_of(const struct program *p, size_t abi)
{
	size_t n = p->arch->x32_bit ? 4 : 3, k = 0;

	if (abi == 0 || p->abis[abi - 1].abi->x32_bit)
		return n;
	for (size_t i = 0; i < abi; i++)
		k += !p->abis[i].abi->x32_bit;
	return 3 + k;
}

void program_stats_abi(const struct program *p, size_t abi, struct program_stats *s)
{
	const struct arch *a = abi ? p->abis[abi - 1].abi : p->arch;
	const struct abi_facts f = abi ? p->abis[abi - 1] : (struct abi_facts){
		p->arch, p->nranges, p->named, p->nnamed, p->allowed, p->nallowed };
	uint32_t max = arch_max_nr(a), base = abi && a->x32_bit ? a->x32_bit : 0;
	double total = 0, named = 0, count = 0;

	memset(s, 0, sizeof(*s));
	s->len = p->len;
	for (uint32_t nr = 0; nr <= max; nr++) {
		int by_nr;
		size_t n;

		/* arm's private calls sit at 0x0f0000: not the million between */
		if (nr > 0xffff && !arch_syscall_name(a, nr))
			continue;
		n = path_len(p, a->audit_arch, base + nr, &by_nr);
		total += (double)n;
		count++;
		if (n > s->max_path)
			s->max_path = n;
		if (by_nr && n > s->max_unconditional)
			s->max_unconditional = n;
	}
	s->mean_all = total / count;
	for (size_t i = 0; i < f.nnamed; i++) {
		int by_nr;

		named += (double)path_len(p, a->audit_arch, f.named[i], &by_nr);
	}
	s->mean_named = f.nnamed ? named / (double)f.nnamed : 0;
	s->lower_bound = prologue_of(p, abi) + ceil_log2(f.nranges) + 1;
	s->allowed = f.nallowed;
	for (size_t i = 0; i < f.nallowed; i++)
		s->const_allowed += (size_t)sim_const_allow(p->insns, p->len,
							    a->audit_arch,
							    f.allowed[i]);
}

void program_stats(const struct program *p, struct program_stats *s)
{
	program_stats_abi(p, 0, s);
}

int stats_report(const struct stats_options *o, const struct program *progs,
		 size_t n, FILE *out)
{
	int rc = 0;

	if (!o->print && !o->max_insns && !o->max_per_syscall)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct program_stats s;
		const char *arch = progs[i].arch->name;

		program_stats(&progs[i], &s);
		if (o->print)
			fprintf(out, "%s: %zu instructions; per syscall: max %zu, mean %.2f "
				"(all numbers), %.2f (named in the policy); lower bound %zu, "
				"max without argument checks %zu; %zu of %zu unconditionally "
				"allowed syscalls are constant for the kernel's action cache\n",
				arch, s.len, s.max_path, s.mean_all, s.mean_named,
				s.lower_bound, s.max_unconditional, s.const_allowed,
				s.allowed);
		if (o->max_insns && s.len > (size_t)o->max_insns) {
			fprintf(out, "bpfgen: error: %s filter has %zu instructions; the budget (--max-insns) is %ld\n",
				arch, s.len, o->max_insns);
			rc = -1;
		}
		if (o->max_per_syscall && s.max_path > (size_t)o->max_per_syscall) {
			fprintf(out, "bpfgen: error: a syscall runs %zu instructions of the %s filter; the budget (--max-insns-per-syscall) is %ld\n",
				s.max_path, arch, o->max_per_syscall);
			rc = -1;
		}
		for (size_t k = 1; (o->print || o->max_per_syscall) && k <= progs[i].nabis; k++) {
			program_stats_abi(&progs[i], k, &s);
			if (o->print)
				fprintf(out, "%s, %s section: per syscall: max %zu, mean %.2f "
				"(all numbers), %.2f (named in the policy); lower bound %zu, "
				"max without argument checks %zu; %zu of %zu unconditionally "
				"allowed syscalls are constant for the kernel's action cache\n",
				arch, progs[i].abis[k - 1].abi->name, s.max_path, s.mean_all,
				s.mean_named, s.lower_bound, s.max_unconditional,
				s.const_allowed, s.allowed);
			if (o->max_per_syscall && s.max_path > (size_t)o->max_per_syscall) {
				fprintf(out, "bpfgen: error: a %s syscall runs %zu instructions of the %s filter; the budget (--max-insns-per-syscall) is %ld\n",
					progs[i].abis[k - 1].abi->name, s.max_path, arch,
					o->max_per_syscall);
				rc = -1;
			}
		}
	}
	return rc;
}
