/* bpfgen --check: is a vendored header exactly what the policy produces? */
#ifndef BPFGEN_CHECK_H
#define BPFGEN_CHECK_H

#include <stddef.h>
#include <stdio.h>

/* 0 when HAVE is WANT (apart from where each was generated from: policy
 * path, weights path, bpfgen version); else prints the first difference to
 * OUT -- in the filters first, by architecture and instruction, then in
 * the other lines -- and returns 1. */
int header_diff(const char *path, const char *have, size_t have_len,
		const char *want, size_t want_len, FILE *out);

#endif
