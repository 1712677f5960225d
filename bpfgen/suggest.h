/* "did you mean ...?" for unknown names. */
#ifndef BPFGEN_SUGGEST_H
#define BPFGEN_SUGGEST_H

#include <stddef.h>

struct suggestion {
	const char *best;
	size_t dist;
};

/* Consider CANDIDATE for WORD, keeping the closest so far in S. */
void suggest_consider(struct suggestion *s, const char *word, const char *candidate);
/* The best candidate if it is close enough to be a likely typo, else NULL. */
const char *suggest_result(const struct suggestion *s, const char *word);

#endif
