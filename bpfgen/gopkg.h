/* -f go's output, a package in a directory: written file by file, each
 * under its final name only when complete, and checked as such. */
#ifndef BPFGEN_GOPKG_H
#define BPFGEN_GOPKG_H

#include <stdio.h>

#include "bpfgen/emit.h"

/* Writes the package's files into DIR (created if missing), then removes
 * the files bpfgen wrote there earlier that this package has no more (a
 * program for an architecture no longer asked for). 0, or -1 after
 * saying why on stderr; no file is then replaced unless the failure came
 * while renaming the files into place. */
int gopkg_write(const char *dir, const struct program *progs, size_t n,
		const struct emit_info *info);

/* --check PATH: PATH is the package's directory or one of the files bpfgen
 * wrote in it; every file of the package is compared (check_lang.h).
 * 0 when all are what the policy produces, 1 (the first difference
 * printed to OUT) when not, -1 when they cannot be read. */
int gopkg_check(const char *path, const struct program *progs, size_t n,
		const struct emit_info *info, FILE *out);

#endif
