/* bpfdiff's engine: a symbolic walk of two seccomp programs side by side
 * that finds every input on which their effective actions differ. */
#ifndef BPFGEN_TOOLS_DIFF_H
#define BPFGEN_TOOLS_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/filter.h>

#include "arch/arch.h"
#include "bpf/sim.h"

/* The 16 32-bit words of seccomp_data a program can load (offset / 4). */
#define DIFF_NWORDS 16u

enum diff_op { DIFF_EQ, DIFF_NE, DIFF_GT, DIFF_GE, DIFF_LT, DIFF_LE };

/* One fact about a path: (word & mask) OP value, unsigned 32-bit. */
struct diff_cond {
	uint8_t word;   /* offset in seccomp_data / 4 */
	uint8_t op;     /* enum diff_op */
	uint32_t mask;
	uint32_t value;
};

/* Is there a value of WORD satisfying every condition of CONDS that is
 * about WORD? 1 and the smallest such value in *MIN; 0 if none; -1 if the
 * search exceeded its budget (the caller must then fail closed). */
int diff_word_solve(const struct diff_cond *conds, size_t n, unsigned word,
		    uint32_t *min);

/* A program to compare, named for messages. */
struct diff_prog {
	const char *label;
	const struct sock_filter *insns;
	size_t len;
};

/* One feasible joint path on which the two programs act differently. */
struct diff_found {
	const struct diff_cond *conds;  /* the path, starting conditions first */
	size_t nconds;
	uint32_t act_a, act_b;          /* effective actions (sim_effective) */
	struct sim_data witness;        /* smallest values on the path */
};

typedef void diff_found_fn(void *ctx, const struct diff_found *f);

/* Walk A and B jointly from the starting conditions INIT and call FOUND for
 * every feasible joint path whose actions differ; each witness has been
 * run through both programs in the emulator and checked. Both programs
 * must pass sim_check. Returns the number of differences, or -1 with ERR
 * (a program computes on loaded words in a way the walk cannot follow,
 * a budget ran out, or the emulator disagreed with the walk). */
long diff_explore(const struct diff_prog *a, const struct diff_prog *b,
		  const struct diff_cond *init, size_t ninit,
		  diff_found_fn *found, void *ctx, char *err, size_t errlen);

/* The conditions of COND about words outside HIDE (a bit per word),
 * simplified and joined by " and ", e.g. "arg2.lo & 0x40 != 0 and
 * arg3.lo >= 0x180". Empty when nothing is left. Returns snprintf's
 * result. */
int diff_format_conds(const struct diff_cond *conds, size_t n, uint32_t hide,
		      char *buf, size_t len);

/* Compare A and B as filters for ARCH over every input: each numbered
 * syscall of ARCH's table (and x32's, on x86_64) on its own, the
 * unnumbered ranges in between and beyond, and other architectures.
 * Writes one line per difference to OUT, e.g.
 *   "x86_64: socket (41): kill-process -> allow"
 * Returns the number of differences, or -1 with ERR. */
long diff_programs(const struct arch *arch, const struct diff_prog *a,
		   const struct diff_prog *b, FILE *out, char *err,
		   size_t errlen);

#endif
