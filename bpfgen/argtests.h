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
struct cond_info;
struct chains;

struct argtests {
	const struct decision *d;
	int specialise;             /* learn argument values along paths */
	int search;                 /* binary search over equality runs */
	int lo_first;               /* 64-bit equality: low word first */
	struct word_test *tests;
	size_t ntests, tests_cap;
	int *test_index;            /* hash-consing of tests */
	size_t test_index_cap;
	int *root_of;               /* chain node -> its first test */
	/* The walk (argtests.c): what it looks at, and what it did. */
	struct memo *memo;
	struct cond_info *info;
	size_t *info_start;
	struct chains *chains;
	uint16_t *visits;           /* per step of a condition: points with facts */
	size_t steps;               /* word tests in all the chains */
	size_t budget;              /* points of the walk that may carry facts */
	size_t points;              /* points the walk made */
	int budget_out;             /* facts were dropped when it ran out */
	size_t size;                /* instructions of the tests the walk made */
	size_t size_cap;            /* stop when SIZE exceeds it (0: never) */
	int over_cap;               /* ... which happened */
	int too_long;
};

/* Ways to build the tests, each shortening paths at a cost in code:
 * SPECIALISE on the argument values earlier tests established (without
 * it, only on what A holds); SEARCH long equality runs in binary. */
#define ARGTESTS_SPECIALISE 1
#define ARGTESTS_SEARCH     2
/* LO_FIRST: test the low word of a 64-bit equality before the high one. */
#define ARGTESTS_LO_FIRST   4
/* Points of the walk (one per test made, and per place where the facts
 * let it skip tests) that may carry facts about argument values: a
 * budget proportional to the chains' word tests, within bounds. Past it,
 * the walk carries only what A holds, which makes the rest linear in the
 * chains (the program may then be longer than it could be). */
#define ARGTESTS_VARIANTS        128
#define ARGTESTS_BUDGET_PER_STEP 4
#define ARGTESTS_BUDGET_MIN      1024
#define ARGTESTS_BUDGET_MAX      (1 << 16)
size_t argtests_budget(size_t steps);

/* Builds the tests of every chain node the ranges of D start (0), or
 * returns -1 when they would be more than the kernel's 4096 instructions
 * (TOO_LONG) or more than SIZE_CAP (OVER_CAP; 0: no cap). FLAGS:
 * ARGTESTS_*. Afterwards ROOT_OF[node] is the node's first test (a "ret"
 * test for terminal nodes), entered with A holding the syscall number.
 * The tests can serve any tree over D's ranges. Free with
 * argtests_free, also after a failure. */
int argtests_build(struct argtests *g, const struct decision *d, int flags,
		   size_t size_cap);
/* DST: a copy of SRC's tests (built, not failed), to search (below). */
void argtests_copy(struct argtests *dst, const struct argtests *src);
/* Long runs of equality tests on one word become binary searches
 * (ARGTESTS_SEARCH, given to argtests_build, does this). */
void argtests_search(struct argtests *g);
/* Whether LO_FIRST can change anything: some condition tests both words
 * of an argument for equality. */
int argtests_order_matters(const struct decision *d);
/* *ORDER (malloc'd) lists the tests reachable from ROOTS, every test
 * before the tests it jumps to (ret tests left out). */
void argtests_order(const struct argtests *g, const int *roots, size_t nroots,
		    int **order, size_t *norder);
/* Instructions the tests reachable from ROOTS take at the least (jumps
 * whose two ways meet are dropped later). */
size_t argtests_code_size(const struct argtests *g, const int *roots, size_t nroots);
void argtests_free(struct argtests *g);

#endif
