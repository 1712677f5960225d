/* Stage 7: compiled programs to text or bytes: a C header to vendor, the
 * raw bytes the kernel receives, or a listing for review (Rust and Go
 * sources: emit_lang.h). */
#ifndef BPFGEN_EMIT_H
#define BPFGEN_EMIT_H

#include <stdio.h>

#include "bpfgen/compile.h"

struct emit_info {
	const char *policy_path;   /* as given on the command line */
	const char *name;          /* C identifier prefix */
	const char *options;       /* the options that shaped the output */
};

/* How a format writes its top comment: FIRST opens it and starts the
 * line naming the bpfgen version and the policy, FIRST_END ends that line,
 * LINE starts every other line, CLOSE ends the comment. ASCII: escape
 * every byte outside printable ASCII in paths and notes. */
struct head_style {
	const char *first;
	const char *first_end;
	const char *line;
	const char *close;
	int ascii;
};

/* The top comment every text output starts with: where it came from, the
 * options, how to regenerate and check it, and the programs' notes. */
void emit_head(FILE *out, const struct head_style *st, const struct program *progs,
	       size_t n, const struct emit_info *info);
/* SRC in upper case, truncated to fit N bytes. */
void emit_upper(char *dst, size_t n, const char *src);

void emit_c(FILE *out, const struct program *progs, size_t n,
	    const struct emit_info *info);
void emit_raw(FILE *out, const struct program *p);
void emit_asm(FILE *out, const struct program *p, const struct emit_info *info);

#endif
