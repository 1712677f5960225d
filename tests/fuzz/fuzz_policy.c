/* libFuzzer harness for the compiler front to back: a policy file goes
 * through the parser and, when it parses, is compiled for every target;
 * every program produced must pass the kernel's checker (sim_check). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "bpfgen/compile.h"
#include "bpfgen/diag.h"
#include "bpfgen/policy.h"
#include "bpf/sim.h"

/* The parser reads a path. A per-process file in /dev/shm keeps parallel
 * fuzzers (-jobs) apart. */
static const char *input_path(void)
{
	static char path[64];

	if (!path[0])
		snprintf(path, sizeof(path), "/dev/shm/bpfgen-fuzz-%ld.policy",
			 (long)getpid());
	return path;
}

static int write_input(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static void check_program(const struct program *prog)
{
	char err[256];

	if (prog->len > BPF_MAXINSNS_SECCOMP ||
	    sim_check(prog->insns, prog->len, err, sizeof(err)) < 0) {
		fprintf(stderr, "bpfgen made a program the kernel refuses (%s, %zu insns): %s\n",
			prog->arch->name, prog->len, err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	const char *path = input_path();
	struct diag diag = { 0 };
	struct policy_ast *ast;

	/* An include could name any file, a FIFO or /dev/stdin and block;
	 * includes are covered by the e2e tests, not here. */
	if (memmem(data, size, "include", 7))
		return 0;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	if (write_input(path, data, size) < 0)
		abort();
	diag.out = devnull;
	ast = policy_parse_file(path, &diag);
	if (ast) {
		/* Both targets at once, as bpfgen compiles them: the linter
		 * sees every architecture's resolution together. */
		struct compile_options opts = { .log_only = size & 1 };
		struct program progs[8];

		if (compile_policies(ast, arch_targets, arch_ntargets, &opts, progs,
				     &diag) == 0)
			for (size_t i = 0; i < arch_ntargets; i++) {
				check_program(&progs[i]);
				program_free(&progs[i]);
			}
		policy_free(ast);
	}
	diag_free(&diag);
	unlink(path);
	return 0;
}
