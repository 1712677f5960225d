/* Stage 4b: argument tests. The conditional rules of each chain become a
 * DAG of tests on 32-bit words of seccomp_data. A test whose outcome
 * follows from what the path to it has established (a word known to equal
 * a value, or known to differ from some) is left out, and so is reloading
 * a word A still holds: rules on the same argument share their tests. */
#ifndef BPFGEN_ARGTESTS_H
#define BPFGEN_ARGTESTS_H

#include <stddef.h>
#include <stdint.h>

#include "bpfgen/decide.h"

/* One node of the DAG: "ret ACTION", or "[ld word] [and mask] jOP k". */
struct word_test {
	int is_ret;
	uint32_t action;
	uint32_t off;       /* seccomp_data offset of the word tested */
	int load;           /* A does not hold the word on entry */
	uint32_t entry_mask; /* without load: A is the word and'ed with it */
	uint32_t and_mask;  /* nonzero: A &= and_mask before the jump */
	uint16_t jop;       /* BPF_JEQ, BPF_JGT, BPF_JGE or BPF_JSET */
	uint32_t k;
	int t, f;           /* tests to go to when the jump is taken / not */
	unsigned hash;
};

struct memo;

struct argtests {
	const struct decision *d;
	int specialise;             /* learn argument values along paths */
	int search;                 /* binary search over equality runs */
	int lo_first;               /* 64-bit equality: low word first */
	struct word_test *tests;
	size_t ntests, tests_cap;
	int *test_index;            /* hash-consing of tests */
	size_t test_index_cap;
	struct memo *memo;
};

/* Ways to build the tests, each shortening paths at a cost in code:
 * SPECIALISE on the argument values earlier tests established (without
 * it, only on what A holds); SEARCH long equality runs in binary. */
#define ARGTESTS_SPECIALISE 1
#define ARGTESTS_SEARCH     2
/* LO_FIRST: test the low word of a 64-bit equality before the high one. */
#define ARGTESTS_LO_FIRST   4
void argtests_init(struct argtests *g, const struct decision *d, int flags);
/* Whether LO_FIRST can change anything: some condition tests both words
 * of an argument for equality. */
int argtests_order_matters(const struct decision *d);
/* The test that starts chain node N (a "ret" test for terminal nodes),
 * entered with A holding the syscall number; -1 when the tests would be
 * more than the kernel's 4096 instructions. */
int argtests_root(struct argtests *g, int node);
/* After the last root: long runs of equality tests on one word become
 * binary searches, and *ORDER (malloc'd) lists the tests reachable from
 * ROOTS, every test before the tests it jumps to (ret tests left out). */
void argtests_finish(struct argtests *g, const int *roots, size_t nroots,
		     int **order, size_t *norder);
void argtests_free(struct argtests *g);

#endif
