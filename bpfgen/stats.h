/* bpfgen --stats and the cost budgets: how many instructions each syscall
 * runs through, measured by running the program in the emulator. */
#ifndef BPFGEN_STATS_H
#define BPFGEN_STATS_H

#include <stdio.h>

#include "bpfgen/compile.h"

struct stats_options {
	int print;
	long max_insns;        /* 0: no budget */
	long max_per_syscall;  /* 0: no budget */
};

struct program_stats {
	size_t len;
	size_t max_path;       /* most instructions any native number runs */
	double mean_all;       /* mean over 0 .. highest table number */
	double mean_named;     /* mean over the numbers the policy names */
	size_t lower_bound;    /* prologue + ceil(log2 ranges) + ret */
	size_t max_unconditional; /* most run by a syscall decided by nr alone */
	size_t allowed;        /* syscalls allowed without conditions */
	size_t const_allowed;  /* ... of which the kernel's cache proves constant */
};

void program_stats(const struct program *p, struct program_stats *s);
/* The same for section ABI of P: 0 the target's own (program_stats), i
 * the i-th ABI it accepts besides (p->abis[i - 1]); the numbers are that
 * ABI's, under its audit arch. */
void program_stats_abi(const struct program *p, size_t abi, struct program_stats *s);

/* Prints (when asked) and checks the budgets. -1 when one is exceeded. */
int stats_report(const struct stats_options *o, const struct program *progs,
		 size_t n, FILE *out);

#endif
