/* Stage 7 for code bases in other languages: the programs as a Rust module
 * (-f rust) or a Go package (-f go), each with the C header's top comment,
 * one instruction per line with its listing, the program selected by
 * target, and an install function that sets no_new_privs and installs the
 * program on every thread (SECCOMP_FILTER_FLAG_TSYNC). */
#ifndef BPFGEN_EMIT_LANG_H
#define BPFGEN_EMIT_LANG_H

#include "bpfgen/emit.h"

/* 1 when -f rust and -f go can select A's program by target. */
int lang_has_arch(const struct arch *a);

/* 1 when NAME, a C identifier, can name a Go package (not a keyword). */
int lang_go_package_ok(const char *name);

/* The Rust module: one file. */
void emit_rust(FILE *out, const struct program *progs, size_t n,
	       const struct emit_info *info);

/* The Go package: several files in one directory, each with a build
 * constraint (the programs are plain data and have none). */
enum go_role { GO_FILTERS, GO_ARCH, GO_INSTALL, GO_OTHER };

struct go_file {
	char name[40];                /* in the package's directory */
	enum go_role role;
	const struct program *prog;   /* GO_ARCH: the architecture's program */
};

#define GO_MAX_FILES 16

/* The files for PROGS (N of them): fills FILES, returns how many. */
size_t go_files(const struct program *progs, size_t n, struct go_file *files);

/* Whether NAME is a file -f go writes for some set of architectures
 * (so a file left from an earlier set can be found). */
int go_file_name(const char *name);

void emit_go(FILE *out, const struct go_file *f, const struct program *progs,
	     size_t n, const struct emit_info *info);

#endif
