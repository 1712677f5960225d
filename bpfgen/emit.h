/* Stage 7: compiled programs to text or bytes: a C header to vendor, the
 * raw bytes the kernel receives, or a listing for review. */
#ifndef BPFGEN_EMIT_H
#define BPFGEN_EMIT_H

#include <stdio.h>

#include "bpfgen/compile.h"

struct emit_info {
	const char *policy_path;   /* as given on the command line */
	const char *name;          /* C identifier prefix */
	const char *options;       /* the options that shaped the output */
};

void emit_c(FILE *out, const struct program *progs, size_t n,
	    const struct emit_info *info);
void emit_raw(FILE *out, const struct program *p);
void emit_asm(FILE *out, const struct program *p, const struct emit_info *info);

#endif
