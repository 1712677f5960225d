/* Architecture descriptions: the one place that knows each architecture's
 * audit token, x32 bit, syscall table and per-architecture constants. */
#ifndef BPFGEN_ARCH_H
#define BPFGEN_ARCH_H

#include <stddef.h>
#include <stdint.h>

struct syscall_entry {
	const char *name;
	uint32_t nr;
};

struct constant {
	const char *name;
	uint64_t value;
};

struct arch {
	const char *name;           /* "x86_64", "aarch64", "x32", "i386", "arm" */
	uint32_t audit_arch;        /* AUDIT_ARCH_* value found in seccomp_data.arch */
	uint32_t x32_bit;           /* 0x40000000 on x86_64 and x32, else 0 */
	int compile_target;         /* bpfgen can emit filters for it */
	const struct syscall_entry *syscalls; /* sorted by nr, then by name */
	size_t nsyscalls;
	const struct constant *consts;        /* sorted by name */
	size_t nconsts;
	/* Indices into syscalls in strcmp order of the names, for binary
	 * search by name; NULL means "search linearly". */
	const uint16_t *syscalls_by_name;
	/* The ABIs of 32-bit programs (i386, x32, arm): registers the kernel
	 * reads as 32 bits, so a filter compares low words only. */
	int word32;
	/* A compile target: the other ABIs its kernel runs and a filter for
	 * it may accept (`abi` in a policy), in the order a filter dispatches
	 * them. NULL-terminated; NULL for the ABIs themselves. */
	const struct arch *const *abis;
	/* An ABI: the target whose kernel runs it (NULL for targets). */
	const struct arch *host;
};

/* Bit set in seccomp_data.nr by x32 processes (x86_64 audit arch). */
#define ARCH_X32_SYSCALL_BIT 0x40000000u

/* Architectures bpfgen compiles for, in a fixed order (x86_64, aarch64). */
extern const struct arch *const arch_targets[];
extern const size_t arch_ntargets;
/* Every architecture known by name (targets plus x32, i386, arm). */
extern const struct arch *const arch_known[];
extern const size_t arch_nknown;

const struct arch *arch_by_name(const char *name);
/* The ABI called NAME that target T may accept (T itself for "native"),
 * or NULL. */
const struct arch *arch_abi(const struct arch *t, const char *name);
const struct arch *arch_by_audit(uint32_t audit_arch);

/* Syscall number for NAME on ARCH, or -1 when ARCH has no such syscall. */
long arch_syscall_nr(const struct arch *a, const char *name);
/* Name of syscall NR on ARCH (x32 bit already stripped), or NULL. */
const char *arch_syscall_name(const struct arch *a, uint32_t nr);
/* Highest syscall number in ARCH's table. */
uint32_t arch_max_nr(const struct arch *a);

/* Calls that 32-bit ABIs also reach through a multiplexer: socketcall's
 * first argument is the SYS_* number of linux/net.h; ipc's low 16 bits
 * are the call of linux/ipc.h (its high 16 bits a version the kernel
 * strips: ipc/syscall.c). */
struct mux_call {
	const char *name;       /* socket, bind, ... semop, shmat, ... */
	const char *mux;        /* "socketcall" or "ipc" */
	uint32_t code;          /* SYS_SOCKET = 1, ... / SEMOP = 1, ... */
	uint32_t code_mask;     /* the bits of arg0 the kernel takes as the call */
};

extern const struct mux_call mux_calls[];
extern const size_t nmux_calls;
/* The multiplexed form of syscall NAME, or NULL. */
const struct mux_call *arch_mux_call(const char *name);

/* Value of named constant NAME (errno, AF_, SOCK_, CLONE_, O_, PROT_, MAP_,
 * ...) as it is on ARCH. Returns 0 and sets *out, or -1 if unknown on ARCH. */
int arch_constant(const struct arch *a, const char *name, uint64_t *out);

#endif
