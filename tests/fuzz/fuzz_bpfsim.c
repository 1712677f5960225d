/* libFuzzer harness for bpfsim's side: the raw-program loader, the
 * kernel's checker, the emulator, the const-allow analysis and the
 * disassembler. Input: a raw program file (8 bytes per instruction). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "bpf/disasm.h"
#include "bpf/seccomp.h"
#include "bpf/sim.h"

static const char *input_path(void)
{
	static char path[64];

	if (!path[0])
		snprintf(path, sizeof(path), "/dev/shm/bpfgen-fuzz-%ld.bpf",
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

/* seccomp_data from the input's first bytes, so the fuzzer steers the run
 * as well as the program. */
static void data_from(const uint8_t *data, size_t size, const struct arch *a,
		      struct sim_data *d)
{
	uint8_t raw[sizeof(d->args) + 8] = { 0 };

	memcpy(raw, data, size < sizeof(raw) ? size : sizeof(raw));
	memcpy(&d->nr, raw, 4);
	d->arch = (raw[4] & 1) ? a->audit_arch : (uint32_t)raw[5] << 24 | raw[6];
	d->ip = raw[7];
	memcpy(d->args, raw + 8, sizeof(d->args));
}

static void run(const struct sock_filter *prog, size_t len,
		const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < arch_ntargets; i++) {
		const struct arch *a = arch_targets[i];
		struct sim_data d;
		size_t executed = 0;
		char text[160];

		data_from(data, size, a, &d);
		(void)sim_effective(sim_run(prog, len, &d, &executed));
		if (executed == 0 || executed > len) {
			fprintf(stderr, "sim_run executed %zu of %zu instructions\n",
				executed, len);
			abort();
		}
		(void)sim_const_allow(prog, len, a->audit_arch, d.nr & 0x3ff);
		for (size_t pc = 0; pc < len; pc++)
			disasm_insn(a, prog, len, pc, text, sizeof(text));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = input_path();
	struct sock_filter *prog = NULL;
	size_t len = 0;
	char err[256];

	if (write_input(path, data, size) < 0)
		abort();
	if (sim_load_raw(path, &prog, &len, err, sizeof(err)) == 0) {
		if (sim_check(prog, len, err, sizeof(err)) == 0)
			run(prog, len, data, size);
		else if (len)  /* refused programs must still run memory-safe */
			(void)sim_run(prog, len, &(struct sim_data){ 0 }, NULL);
		free(prog);
	}
	unlink(path);
	return 0;
}
