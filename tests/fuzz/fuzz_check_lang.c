/* libFuzzer harness for --check's reader of Rust and Go sources
 * (bpfgen/check_lang.c), which reads whatever file it is pointed at.
 * Input: any text, compared with itself in both languages (always the
 * same) and, split at its first NUL byte, one part with the other (0 or 1,
 * never a crash or a read past the end). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/check_lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum source_format formats[] = { SOURCE_RUST, SOURCE_GO };
	static FILE *sink;
	char *copy, *nul;

	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	/* An exact-size heap copy, not NUL-terminated: ASan sees any read
	 * past SIZE. */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	source_format(copy, size);
	nul = memchr(copy, '\0', size);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (source_diff("f", formats[i], copy, size, copy, size, sink) != 0)
			abort();
		if (nul) {
			size_t a = (size_t)(nul - copy);
			int rc = source_diff("f", formats[i], copy, a, nul + 1, size - a - 1, sink);

			if (rc != 0 && rc != 1)
				abort();
		}
	}
	free(copy);
	return 0;
}
