/* libFuzzer harness for the two readers of filter text: bpfasm's listing
 * parser (labels, symbols, every mnemonic) and the C-header reader that
 * bpfdis and bpfdiff use for sock_filter arrays. Input: any text. What
 * either accepts must disassemble and, as a listing, assemble back to the
 * same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "bpf/disasm.h"
#include "bpf/asm.h"
#include "bpf/header_read.h"
#include "bpf/sim.h"

/* PROG, if the kernel would take it, as a listing assembled again: the
 * same bytes or a bug. */
static void round_trip(const struct arch *a, const struct sock_filter *prog,
		       size_t len, FILE *sink)
{
	char err[128], *text = NULL;
	size_t text_len = 0;
	struct sock_filter *again = NULL;
	size_t again_len = 0;
	FILE *mem;

	if (sim_check(prog, len, err, sizeof(err)) != 0)
		return;
	mem = open_memstream(&text, &text_len);
	if (!mem)
		abort();
	disasm_program(mem, a, prog, len);
	fclose(mem);
	if (asm_assemble(text, text_len, "listing", a, &again, &again_len, sink) != 0 ||
	    again_len != len || memcmp(again, prog, len * sizeof(*prog)) != 0) {
		fprintf(stderr, "listing does not assemble to the same bytes:\n%s", text);
		abort();
	}
	free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const struct arch *a = arch_targets[size ? data[0] % arch_ntargets : 0];
	FILE *sink = fopen("/dev/null", "w");  /* diagnostics: not wanted */
	struct sock_filter *prog = NULL;
	struct header_file h;
	size_t len = 0;

	if (!sink)
		abort();
	if (asm_assemble(text, size, "fuzz", a, &prog, &len, sink) == 0) {
		round_trip(a, prog, len, sink);
		free(prog);
	}
	if (header_read(text, size, "fuzz", &h, sink) == 0) {
		for (size_t i = 0; i < h.narrays; i++)
			round_trip(h.arrays[i].arch ? h.arrays[i].arch : a,
				   h.arrays[i].insns, h.arrays[i].len, sink);
		header_file_free(&h);
	}
	fclose(sink);
	return 0;
}
