/* The compiler as a library: policy file in, one BPF program per target
 * architecture out. bpfgen's main, bpfdiff and the benchmarks call this. */
#ifndef BPFGEN_COMPILE_H
#define BPFGEN_COMPILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/filter.h>

#include "arch/arch.h"

#define BPF_MAXINSNS_SECCOMP 4096

struct compile_options {
	int log_only;        /* every action except allow becomes log */
	const char *weights; /* optional syscall frequency file, or NULL */
};

/* What the search did: deterministic counts, never times. */
struct compile_stats {
	size_t steps;           /* the sum of the work below */
	size_t walk_points;     /* points of the argument-test walks (argtests.c) */
	size_t tree_cells;      /* cells of the fewest-compares search (tree.c) */
	size_t layout_steps;    /* layout: moves tried x instructions estimated */
	size_t candidates;      /* programs generated */
	size_t candidate_steps; /* their instructions before jump resolution */
	size_t chosen_points;   /* walk points of the way chosen */
	int walk_budget_out;    /* some walk dropped facts at its budget */
	int chosen_budget_out;  /* ... the one the program was built with */
	int layout_budget_out;  /* the layout search stopped at its budget */
	int way;                /* ARGTESTS_* of the program */
};

/* One compiled program and the notes a reader of it should see (syscalls
 * skipped on this architecture, log-only mode...). */
struct program {
	const struct arch *arch;
	struct sock_filter *insns;
	size_t len;
	char **notes;
	size_t nnotes;
	/* Facts about the policy the statistics need. */
	size_t nranges;      /* syscall-number ranges the search tree splits */
	uint32_t *named;     /* numbers the policy's rules name, sorted */
	size_t nnamed;
	uint32_t *allowed;   /* numbers allowed without any condition */
	size_t nallowed;
	struct compile_stats stats;
};

struct policy_ast;
struct diag;

/* Compile a parsed policy for ARCH. Returns 0 and fills OUT, or -1 after
 * reporting to DIAG (OUT is then empty). */
int compile_policy(const struct policy_ast *ast, const struct arch *arch,
		   const struct compile_options *opts, struct program *out,
		   struct diag *diag);

/* Parse and compile POLICY_PATH for ARCH. Diagnostics ("FILE:LINE:COL: error: ...",
 * warnings) go to DIAG. Returns 0 and fills OUT, or -1 on any error (OUT is
 * then empty). */
int compile_policy_file(const char *policy_path, const struct arch *arch,
			const struct compile_options *opts,
			struct program *out, FILE *diag);

void program_free(struct program *p);

#endif
