/* bpfgen --check for Rust modules and Go packages' files, and what kind
 * of file a vendored FILE is. */
#ifndef BPFGEN_CHECK_LANG_H
#define BPFGEN_CHECK_LANG_H

#include <stddef.h>
#include <stdio.h>

enum source_format { SOURCE_UNKNOWN, SOURCE_C, SOURCE_RUST, SOURCE_GO };

/* What wrote TEXT, from its first line: bpfgen -f c, -f rust, -f go, or
 * none of them. */
enum source_format source_format(const char *text, size_t len);

/* 0 when HAVE is WANT as tokens (layout is not compared: spaces, line
 * breaks, a comma before a closing bracket; nor where each was generated
 * from: policy path, weights path, bpfgen version); else prints the first
 * difference to OUT -- in the filters first, by architecture and
 * instruction, then in the rest -- and returns 1. FORMAT: SOURCE_RUST or
 * SOURCE_GO. */
int source_diff(const char *path, enum source_format format,
		const char *have, size_t have_len,
		const char *want, size_t want_len, FILE *out);

#endif
