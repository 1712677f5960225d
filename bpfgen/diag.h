/* Source positions and diagnostics in the form "FILE:LINE:COL: error: ...",
 * so editors and people can jump to the offending token. */
#ifndef BPFGEN_DIAG_H
#define BPFGEN_DIAG_H

#include <stdio.h>

struct pos {
	const char *file;   /* owned by the source it points into */
	int line;
	int col;
};

struct diag {
	FILE *out;
	int errors;
	int warnings;
	/* Messages already printed: the same policy is resolved once per
	 * architecture, and a mistake should be reported once. */
	char **seen;
	size_t nseen, seen_cap;
};

void diag_free(struct diag *d);

#if defined(__GNUC__)
#define BPFGEN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BPFGEN_PRINTF(a, b)
#endif

void diag_error(struct diag *d, struct pos p, const char *fmt, ...) BPFGEN_PRINTF(3, 4);
void diag_warning(struct diag *d, struct pos p, const char *fmt, ...) BPFGEN_PRINTF(3, 4);
void diag_note(struct diag *d, struct pos p, const char *fmt, ...) BPFGEN_PRINTF(3, 4);

#endif
