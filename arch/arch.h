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
const struct arch *arch_by_audit(uint32_t audit_arch);

/* Syscall number for NAME on ARCH, or -1 when ARCH has no such syscall. */
long arch_syscall_nr(const struct arch *a, const char *name);
/* Name of syscall NR on ARCH (x32 bit already stripped), or NULL. */
const char *arch_syscall_name(const struct arch *a, uint32_t nr);
/* Highest syscall number in ARCH's table. */
uint32_t arch_max_nr(const struct arch *a);

/* Value of named constant NAME (errno, AF_, SOCK_, CLONE_, O_, PROT_, MAP_,
 * ...) as it is on ARCH. Returns 0 and sets *out, or -1 if unknown on ARCH. */
int arch_constant(const struct arch *a, const char *name, uint64_t *out);

#endif
