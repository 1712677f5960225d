/* Reading BPF programs back out of C source: every
 * "struct sock_filter NAME[...] = { ... };" array in a generated header
 * (bpfgen -f c) or a hand-written one. Used by bpfdis. */
#ifndef BPFGEN_TOOLS_HEADER_READ_H
#define BPFGEN_TOOLS_HEADER_READ_H

#include <stddef.h>
#include <stdio.h>
#include <linux/filter.h>

#include "arch/arch.h"

struct header_array {
	char *name;
	const struct arch *arch;  /* from the name's _x86_64/_aarch64... suffix, or NULL */
	struct sock_filter *insns;
	size_t len;
};

struct header_file {
	struct header_array *arrays;
	size_t narrays;
};

/* Whether TEXT looks like C source holding sock_filter arrays (as opposed
 * to a raw program). */
int header_detect(const char *text, size_t len);

/* Parse every sock_filter array in TEXT. Elements may be written
 *   { CODE, JT, JF, K }   BPF_STMT(CODE, K)   BPF_JUMP(CODE, K, JT, JF)
 * where each field is a C integer literal, a BPF_* or SECCOMP_RET_* name,
 * or several joined by '|' or '+'. Errors go to DIAG as
 * "FILE:LINE:COL: error: ...". Returns 0 (OUT filled, at least one array)
 * or -1. */
int header_read(const char *text, size_t len, const char *file,
		struct header_file *out, FILE *diag);

void header_file_free(struct header_file *h);

#endif
