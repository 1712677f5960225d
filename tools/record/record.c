/* The recording: calls counted per ABI and syscall, with the argument
 * values that make good rules, masked to what decides their meaning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/record/record.h"

static const char *const af[] = { "AF_", NULL };
static const char *const af_skip[] = { "AF_FILE", "AF_LOCAL", "AF_ROUTE", "AF_MAX", NULL };
static const char *const sock[] = { "SOCK_", NULL };
static const char *const sock_skip[] = { "SOCK_CLOEXEC", "SOCK_NONBLOCK", NULL };
static const char *const ioc[] = { "TC", "TIOC", "FIO", NULL };
static const char *const ioc_skip[] = { "TIOCM_", "TIOCPKT_", "TIOCSER_", NULL };
static const char *const fcntl_cmd[] = { "F_", NULL };
static const char *const fcntl_skip[] = { "F_OK", "F_RDLCK", "F_WRLCK", "F_UNLCK",
	"F_EXLCK", "F_SHLCK", "F_LOCK", "F_TLOCK", "F_ULOCK", "F_TEST", "F_SEAL_", NULL };
/* prctl options; the other PR_ names are values of their second argument. */
static const char *const pr[] = { "PR_SET_", "PR_GET_", "PR_CAPBSET_", "PR_CAP_AMBIENT",
	"PR_MCE_KILL", "PR_TASK_", "PR_MPX_", "PR_SCHED_CORE", "PR_PAC_RESET_KEYS",
	"PR_PAC_SET_ENABLED_KEYS", "PR_PAC_GET_ENABLED_KEYS", "PR_SVE_SET_VL",
	"PR_SVE_GET_VL", "PR_SME_SET_VL", "PR_SME_GET_VL", NULL };
static const char *const pr_skip[] = { "PR_SET_MM_", "PR_SET_VMA_", "PR_SET_PTRACER_ANY",
	"PR_CAP_AMBIENT_", "PR_MCE_KILL_CLEAR", "PR_MCE_KILL_DEFAULT", "PR_MCE_KILL_EARLY",
	"PR_MCE_KILL_LATE", "PR_MCE_KILL_SET", "PR_SCHED_CORE_", "PR_SVE_SET_VL_",
	"PR_SME_SET_VL_", NULL };
static const char *const futex[] = { "FUTEX_", NULL };
static const char *const futex_skip[] = { "FUTEX_32", "FUTEX_BITSET", "FUTEX_CLOCK",
	"FUTEX_CMD", "FUTEX_OP_", "FUTEX_OWNER", "FUTEX_PRIVATE", "FUTEX_TID",
	"FUTEX_WAITERS", "FUTEX_WAITV", "_PRIVATE", NULL };
/* SOL_SOCKET first: IPPROTO_ICMP has its value too. */
static const char *const level[] = { "SOL_SOCKET", "IPPROTO_", "SOL_", NULL };
static const char *const level_skip[] = { "IPPROTO_HOPOPTS", NULL };
static const char *const prot[] = { "PROT_EXEC", NULL };
static const char *const clone_fl[] = { "CLONE_", NULL };

#define FAMILY { 0, "family", 32, RF_PLAIN, af, af_skip, 0 }
#define SOCKTYPE { 1, "type", 32, RF_SOCKTYPE, sock, sock_skip, 1 }
#define LEVEL { 1, "level", 32, RF_PLAIN, level, level_skip, 0 }

/* Sorted by name. Widths are those of the kernel's SYSCALL_DEFINE types;
 * the compiler's own tables decide again when the policy is compiled. */
static const struct rec_argspec specs[] = {
	{ "clone", 1, { { 0, "clone_flags", 64, RF_CLONEFLAGS, clone_fl, NULL, 1 } } },
	{ "fcntl", 1, { { 1, "cmd", 32, RF_PLAIN, fcntl_cmd, fcntl_skip, 0 } } },
	{ "futex", 1, { { 1, "op", 32, RF_FUTEXOP, futex, futex_skip, 0 } } },
	{ "getsockopt", 1, { LEVEL } },
	{ "ioctl", 1, { { 1, "cmd", 32, RF_PLAIN, ioc, ioc_skip, 1 } } },
	{ "mmap", 1, { { 2, "prot", 64, RF_PROTEXEC, prot, NULL, 1 } } },
	{ "mprotect", 1, { { 2, "prot", 64, RF_PROTEXEC, prot, NULL, 1 } } },
	{ "personality", 1, { { 0, "personality", 32, RF_PLAIN, NULL, NULL, 1 } } },
	{ "prctl", 1, { { 0, "option", 32, RF_PLAIN, pr, pr_skip, 0 } } },
	{ "setsockopt", 1, { LEVEL } },
	{ "socket", 2, { FAMILY, SOCKTYPE } },
	{ "socketpair", 2, { FAMILY, SOCKTYPE } },
};

const struct rec_argspec *record_argspec(const char *name)
{
	size_t lo = 0, hi = sizeof(specs) / sizeof(specs[0]);

	if (!name)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, specs[mid].syscall);
		if (c == 0)
			return &specs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void record_init(struct record *r, int with_args)
{
	memset(r, 0, sizeof(*r));
	r->with_args = with_args;
}

void record_free(struct record *r)
{
	for (size_t i = 0; i < r->nabis; i++) {
		for (size_t j = 0; j < r->abis[i].ncalls; j++)
			free(r->abis[i].calls[j].vals);
		free(r->abis[i].calls);
	}
	free(r->abis);
	memset(r, 0, sizeof(*r));
}

struct rec_abi *record_abi(struct record *r, uint32_t audit_arch, uint32_t nr,
			   uint32_t *nr_out)
{
	const struct arch *a = arch_by_audit(audit_arch);
	int x32 = 0;

	if (a && a->x32_bit && (nr & a->x32_bit) && nr != 0xffffffffu) {
		x32 = 1;
		nr &= ~a->x32_bit;
		a = arch_by_name("x32");
	}
	*nr_out = nr;
	for (size_t i = 0; i < r->nabis; i++)
		if (r->abis[i].audit_arch == audit_arch && r->abis[i].x32 == x32)
			return &r->abis[i];
	if (r->nabis == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 4;
		struct rec_abi *v = realloc(r->abis, cap * sizeof(*v));
		if (!v)
			return NULL;
		r->abis = v;
		r->cap = cap;
	}
	struct rec_abi *abi = &r->abis[r->nabis++];
	memset(abi, 0, sizeof(*abi));
	abi->audit_arch = audit_arch;
	abi->x32 = x32;
	abi->arch = a;
	for (size_t i = 0; i < REC_FAST_NR; i++)
		abi->fast[i] = -1;
	return abi;
}

struct rec_call *record_find(struct rec_abi *a, uint32_t nr)
{
	if (nr < REC_FAST_NR)
		return a->fast[nr] < 0 ? NULL : &a->calls[a->fast[nr]];
	for (size_t i = 0; i < a->ncalls; i++)
		if (a->calls[i].nr == nr)
			return &a->calls[i];
	return NULL;
}

const char *record_call_name(const struct rec_abi *a, uint32_t nr)
{
	return a->arch ? arch_syscall_name(a->arch, nr) : NULL;
}

const struct arch *record_target(const struct rec_abi *a)
{
	return a->arch && a->arch->compile_target && !a->x32 ? a->arch : NULL;
}

const char *record_abi_name(const struct rec_abi *a, char *buf, size_t n)
{
	if (a->arch)
		return a->arch->name;
	snprintf(buf, n, "arch 0x%08x", a->audit_arch);
	return buf;
}

static struct rec_call *new_call(struct rec_abi *a, uint32_t nr)
{
	if (a->ncalls == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		struct rec_call *v = realloc(a->calls, cap * sizeof(*v));
		if (!v)
			return NULL;
		a->calls = v;
		a->cap = cap;
	}
	struct rec_call *c = &a->calls[a->ncalls];
	memset(c, 0, sizeof(*c));
	c->nr = nr;
	if (nr < REC_FAST_NR)
		a->fast[nr] = (int32_t)a->ncalls;
	a->ncalls++;
	return c;
}

static uint64_t constant_or(const struct arch *a, const char *name, uint64_t dflt)
{
	uint64_t v;

	return arch_constant(a, name, &v) == 0 ? v : dflt;
}

/* The value of field F of a call with registers ARGS, masked to the bits
 * the kernel reads and then to those that change the call's meaning. */
static uint64_t field_value(const struct arch *a, const struct rec_field *f,
			    const uint64_t *args)
{
	uint64_t v = args[f->arg];

	if (f->width == 32)
		v &= 0xffffffffu;
	switch (f->kind) {
	case RF_PLAIN:
		return v;
	case RF_SOCKTYPE:
		return v & ~(constant_or(a, "SOCK_CLOEXEC", 02000000) |
			     constant_or(a, "SOCK_NONBLOCK", 04000));
	case RF_PROTEXEC:
		return v & constant_or(a, "PROT_EXEC", 4);
	case RF_FUTEXOP:
		return v & ~(constant_or(a, "FUTEX_PRIVATE_FLAG", 128) |
			     constant_or(a, "FUTEX_CLOCK_REALTIME", 256));
	case RF_CLONEFLAGS:
		return v & ~(uint64_t)0xff; /* CSIGNAL: the signal sent at exit */
	}
	return v;
}

static int add_values(struct rec_call *c, const struct arch *a,
		      const uint64_t *args, uint64_t count)
{
	struct rec_values t = { .count = count };

	for (int i = 0; i < c->spec->nfields; i++)
		t.v[i] = field_value(a, &c->spec->f[i], args);
	for (size_t i = 0; i < c->nvals; i++)
		if (memcmp(c->vals[i].v, t.v, sizeof(t.v)) == 0) {
			c->vals[i].count += count;
			return 0;
		}
	if (c->nvals == REC_MAX_VALUES) {
		c->too_many = 1;
		return 0;
	}
	if (c->nvals == c->vcap) {
		size_t cap = c->vcap ? 2 * c->vcap : 4;
		struct rec_values *v = realloc(c->vals, cap * sizeof(*v));
		if (!v)
			return -1;
		c->vals = v;
		c->vcap = cap;
	}
	c->vals[c->nvals++] = t;
	return 0;
}

int record_add(struct record *r, uint32_t audit_arch, uint32_t nr,
	       const uint64_t *args, uint64_t count)
{
	struct rec_abi *a = record_abi(r, audit_arch, nr, &nr);
	struct rec_call *c;

	if (!a)
		return -1;
	c = record_find(a, nr);
	if (!c) {
		c = new_call(a, nr);
		if (!c)
			return -1;
		/* Arguments only where a rule can test them: the targets'
		 * native ABIs (foreign ABIs meet on-bad-arch / on-x32). */
		if (r->with_args && record_target(a))
			c->spec = record_argspec(record_call_name(a, nr));
	}
	c->count += count;
	a->total += count;
	if (c->spec && args)
		return add_values(c, a->arch, args, count);
	return 0;
}
