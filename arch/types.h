/* Parameter types of every syscall, per architecture: what the kernel's
 * entry point declares (include/linux/syscalls.h and the SYSCALL_DEFINEn
 * definitions), generated into arch/types_<arch>.c by tools/gentypes.py.
 * The compiler uses them to compare only the bits the kernel uses and to
 * take constants as the parameter's C type; the linter to know pointers. */
#ifndef BPFGEN_ARCH_TYPES_H
#define BPFGEN_ARCH_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"

struct syscall_param {
	const char *name;   /* the kernel's name, else the man page's; never NULL */
	const char *ctype;  /* as the kernel writes it: "unsigned int", "const char __user *" */
	uint8_t width;      /* bits the kernel uses: 16, 32 or 64 */
	uint8_t is_signed;  /* int, long, pid_t...: ordered compares are signed */
	uint8_t is_pointer; /* a __user pointer: only NULL is worth comparing */
};

struct syscall_proto {
	const char *name;   /* the syscall, as in the arch's syscall table */
	uint8_t known;      /* 0: the types are unknown (compared as 64 bits) */
	uint8_t nparams;    /* 0..6 */
	struct syscall_param params[6];
	const char *source; /* where the types come from, for --describe */
};

/* The prototype of syscall NAME on ARCH: NULL when ARCH has no such
 * syscall; known == 0 when the tables say the types are unknown. */
const struct syscall_proto *arch_syscall_proto(const struct arch *a, const char *name);

/* Index of the parameter called PARAM of P (0..5), or -1. */
int syscall_param_index(const struct syscall_proto *p, const char *param);

#endif
