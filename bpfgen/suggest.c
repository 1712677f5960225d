/* Edit distance for suggestions; names are short, so the quadratic
 * algorithm with one row is plenty. */
#include <string.h>

#include "bpfgen/suggest.h"

#define MAX_NAME 64

static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[MAX_NAME + 1];

	if (la > MAX_NAME || lb > MAX_NAME)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

void suggest_consider(struct suggestion *s, const char *word, const char *candidate)
{
	size_t d = distance(word, candidate);

	if (!s->best || d < s->dist) {
		s->best = candidate;
		s->dist = d;
	}
}

const char *suggest_result(const struct suggestion *s, const char *word)
{
	size_t len = strlen(word);
	size_t limit = len < 4 ? 1 : len / 3 + 1;

	if (!s->best || s->dist > limit)
		return NULL;
	return s->best;
}
