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

/* Facts about one ABI's section of a program, for the statistics. */
struct abi_facts {
	const struct arch *abi;
	size_t nranges;      /* syscall-number ranges its search tree splits */
	uint32_t *named;     /* numbers its rules name, sorted, as seccomp sees them */
	size_t nnamed;
	uint32_t *allowed;   /* numbers allowed without any condition */
	size_t nallowed;
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
	/* The ABIs accepted besides the native one (policy `abi` line), in
	 * the order the program dispatches them. */
	struct abi_facts *abis;
	size_t nabis;
	struct compile_stats stats;
};

struct policy_ast;
struct diag;

/* Compile a parsed policy for each of ARCHS (OUT[i] for ARCHS[i]): resolve
 * it for all, lint it once for all (lint.h: each warning printed once),
 * then compile each. Returns 0 and fills OUT, or -1 after reporting to
 * DIAG (every OUT is then empty); with DIAG's werror a lint warning is an
 * error. */
int compile_policies(const struct policy_ast *ast, const struct arch *const *archs,
		     size_t narchs, const struct compile_options *opts,
		     struct program *out, struct diag *diag);

/* compile_policies for one architecture. */
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
