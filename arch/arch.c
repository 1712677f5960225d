/* Architecture descriptors and lookups over the generated syscall and
 * constant tables. Everything that needs an audit-arch value, the x32 bit or
 * a syscall number asks here. */
#include <string.h>

#include <linux/audit.h>

#include "arch/arch.h"
#include "arch/constants_gen.h"
#include "arch/syscalls_gen.h"

/* The AUDIT_ARCH_* values are UAPI facts; pin them so a broken header
 * cannot silently change what the filters compare against. */
_Static_assert(AUDIT_ARCH_X86_64 == 0xc000003eu, "AUDIT_ARCH_X86_64");
_Static_assert(AUDIT_ARCH_AARCH64 == 0xc00000b7u, "AUDIT_ARCH_AARCH64");
_Static_assert(AUDIT_ARCH_I386 == 0x40000003u, "AUDIT_ARCH_I386");
_Static_assert(AUDIT_ARCH_ARM == 0x40000028u, "AUDIT_ARCH_ARM");
#ifdef __X32_SYSCALL_BIT
_Static_assert(__X32_SYSCALL_BIT == ARCH_X32_SYSCALL_BIT, "x32 bit");
#endif

#define SYSCALLS(id, ID)                                              \
	.syscalls = syscalls_##id, .nsyscalls = SYSCALLS_##ID##_LEN, \
	.syscalls_by_name = syscalls_##id##_by_name

static const struct arch arch_x86_64, arch_aarch64, arch_x32, arch_i386, arch_arm;

/* The order a filter dispatches them in: x32 by its number bit, right
 * after the x86_64 check; i386 by its audit arch after that. */
static const struct arch *const x86_64_abis[] = { &arch_x32, &arch_i386, NULL };
static const struct arch *const aarch64_abis[] = { &arch_arm, NULL };

static const struct arch arch_x86_64 = {
	.name = "x86_64",
	.audit_arch = AUDIT_ARCH_X86_64,
	.x32_bit = ARCH_X32_SYSCALL_BIT,
	.compile_target = 1,
	SYSCALLS(x86_64, X86_64),
	.consts = constants_x86_64,
	.nconsts = CONSTANTS_X86_64_LEN,
	.abis = x86_64_abis,
};

static const struct arch arch_aarch64 = {
	.name = "aarch64",
	.audit_arch = AUDIT_ARCH_AARCH64,
	.compile_target = 1,
	SYSCALLS(aarch64, AARCH64),
	.consts = constants_aarch64,
	.nconsts = CONSTANTS_AARCH64_LEN,
	.abis = aarch64_abis,
};

/* The 32-bit ABIs take their host's constants: the flag, family and
 * errno values they share with it (ioctl numbers that encode a size which
 * differs on 32 bits are the exception; see the README). */

/* x32 shares x86_64's audit arch; its syscalls carry the x32 bit in nr.
 * The table stores numbers without that bit. */
static const struct arch arch_x32 = {
	.name = "x32",
	.audit_arch = AUDIT_ARCH_X86_64,
	.x32_bit = ARCH_X32_SYSCALL_BIT,
	SYSCALLS(x32, X32),
	.consts = constants_x86_64,
	.nconsts = CONSTANTS_X86_64_LEN,
	.word32 = 1,
	.host = &arch_x86_64,
};

static const struct arch arch_i386 = {
	.name = "i386",
	.audit_arch = AUDIT_ARCH_I386,
	SYSCALLS(i386, I386),
	.consts = constants_x86_64,
	.nconsts = CONSTANTS_X86_64_LEN,
	.word32 = 1,
	.host = &arch_x86_64,
};

static const struct arch arch_arm = {
	.name = "arm",
	.audit_arch = AUDIT_ARCH_ARM,
	SYSCALLS(arm, ARM),
	.consts = constants_aarch64,
	.nconsts = CONSTANTS_AARCH64_LEN,
	.word32 = 1,
	.host = &arch_aarch64,
};

const struct arch *const arch_targets[] = { &arch_x86_64, &arch_aarch64 };
const size_t arch_ntargets = sizeof arch_targets / sizeof arch_targets[0];

/* x86_64 before x32, so arch_by_audit(AUDIT_ARCH_X86_64) finds x86_64. */
const struct arch *const arch_known[] = {
	&arch_x86_64, &arch_aarch64, &arch_x32, &arch_i386, &arch_arm,
};
const size_t arch_nknown = sizeof arch_known / sizeof arch_known[0];

const struct arch *arch_by_name(const char *name)
{
	for (size_t i = 0; i < arch_nknown; i++)
		if (strcmp(arch_known[i]->name, name) == 0)
			return arch_known[i];
	return NULL;
}

const struct arch *arch_abi(const struct arch *t, const char *name)
{
	if (strcmp(name, "native") == 0)
		return t;
	for (const struct arch *const *a = t->abis; a && *a; a++)
		if (strcmp((*a)->name, name) == 0)
			return *a;
	return NULL;
}

const struct arch *arch_by_audit(uint32_t audit_arch)
{
	for (size_t i = 0; i < arch_nknown; i++)
		if (arch_known[i]->audit_arch == audit_arch)
			return arch_known[i];
	return NULL;
}

/* Index into a->syscalls of NAME, or -1. */
static long find_by_name(const struct arch *a, const char *name)
{
	if (!a->syscalls_by_name) {
		for (size_t i = 0; i < a->nsyscalls; i++)
			if (strcmp(a->syscalls[i].name, name) == 0)
				return (long)i;
		return -1;
	}
	size_t lo = 0, hi = a->nsyscalls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		size_t idx = a->syscalls_by_name[mid];
		int c = strcmp(name, a->syscalls[idx].name);
		if (c == 0)
			return (long)idx;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

long arch_syscall_nr(const struct arch *a, const char *name)
{
	long i = find_by_name(a, name);
	return i < 0 ? -1 : (long)a->syscalls[i].nr;
}

const char *arch_syscall_name(const struct arch *a, uint32_t nr)
{
	/* Lower bound: the first entry with this number (the table is sorted
	 * by number, then by name). */
	size_t lo = 0, hi = a->nsyscalls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->syscalls[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < a->nsyscalls && a->syscalls[lo].nr == nr)
		return a->syscalls[lo].name;
	return NULL;
}

uint32_t arch_max_nr(const struct arch *a)
{
	return a->nsyscalls ? a->syscalls[a->nsyscalls - 1].nr : 0;
}

/* linux/net.h SYS_* and linux/ipc.h (the kernel's ipc() switch). */
#define SOCK(name, code) { name, "socketcall", code, 0xffffffffu }
#define IPC(name, code)  { name, "ipc", code, 0xffffu }
const struct mux_call mux_calls[] = {
	SOCK("socket", 1), SOCK("bind", 2), SOCK("connect", 3),
	SOCK("listen", 4), SOCK("accept", 5), SOCK("getsockname", 6),
	SOCK("getpeername", 7), SOCK("socketpair", 8), SOCK("send", 9),
	SOCK("recv", 10), SOCK("sendto", 11), SOCK("recvfrom", 12),
	SOCK("shutdown", 13), SOCK("setsockopt", 14), SOCK("getsockopt", 15),
	SOCK("sendmsg", 16), SOCK("recvmsg", 17), SOCK("accept4", 18),
	SOCK("recvmmsg", 19), SOCK("sendmmsg", 20),
	IPC("semop", 1), IPC("semget", 2), IPC("semctl", 3),
	IPC("semtimedop", 4), IPC("msgsnd", 11), IPC("msgrcv", 12),
	IPC("msgget", 13), IPC("msgctl", 14), IPC("shmat", 21),
	IPC("shmdt", 22), IPC("shmget", 23), IPC("shmctl", 24),
};
const size_t nmux_calls = sizeof mux_calls / sizeof mux_calls[0];

const struct mux_call *arch_mux_call(const char *name)
{
	for (size_t i = 0; i < nmux_calls; i++)
		if (strcmp(mux_calls[i].name, name) == 0)
			return &mux_calls[i];
	return NULL;
}

int arch_constant(const struct arch *a, const char *name, uint64_t *out)
{
	size_t lo = 0, hi = a->nconsts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, a->consts[mid].name);
		if (c == 0) {
			*out = a->consts[mid].value;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}
