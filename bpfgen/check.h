/* bpfgen --check: is a vendored header exactly what the policy produces? */
#ifndef BPFGEN_CHECK_H
#define BPFGEN_CHECK_H

#include <stddef.h>
#include <stdio.h>

/* 0 when HAVE equals WANT; else prints the first difference to OUT (with
 * the architecture and instruction index when it lies inside a filter
 * array) and returns 1. */
int header_diff(const char *path, const char *have, size_t have_len,
		const char *want, size_t want_len, FILE *out);

#endif
