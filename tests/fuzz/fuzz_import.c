/* libFuzzer harness for the importer: any bytes as a container profile,
 * imported for both targets; whatever the importer accepts it must write
 * as policy text the parser accepts (it is bpfgen's own output), and the
 * compiler's programs must pass the kernel's checker.
 * The options come from the input's size, so each is reached. Until the
 * compiler has the multi-ABI syntax (branch abi of issue 16) the import is
 * native-only and without the ENOSYS stub: the text then stays within the
 * language this compiler parses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "bpf/sim.h"
#include "bpfgen/compile.h"
#include "bpfgen/diag.h"
#include "bpfgen/policy.h"
#include "import/import.h"

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
	struct import_options o = { 0 };
	struct import_result res[2];

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	o.native_only = 1;
	o.no_enosys_stub = 1;
	o.typed = size & 1;
	o.caps = size & 2 ? "all" : NULL;
	o.has_kernel = size & 4;
	o.kernel_major = 4;
	o.kernel_minor = 8;
	o.from = size % 3 == 0 ? IMPORT_DETECT : size % 3 == 1 ? IMPORT_OCI : IMPORT_DOCKER;
	if (import_profile("fuzz.json", (const char *)data, size, arch_targets,
			   arch_ntargets, &o, res, devnull) < 0)
		return 0;
	for (size_t i = 0; i < arch_ntargets; i++) {
		struct diag diag = { .out = devnull };
		struct policy_ast *ast = policy_parse_text(res[i].name, res[i].text,
							   res[i].len, &diag);
		struct compile_options copts = { 0 };
		struct program prog;

		if (!ast) {
			fprintf(stderr, "the importer wrote text the parser refuses:\n%s\n",
				res[i].text);
			abort();
		}
		if (compile_policies(ast, &arch_targets[i], 1, &copts, &prog, &diag) == 0) {
			check_program(&prog);
			program_free(&prog);
		}
		policy_free(ast);
		diag_free(&diag);
	}
	for (size_t i = 0; i < arch_ntargets; i++)
		import_result_free(&res[i]);
	return 0;
}
