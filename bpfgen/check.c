/* --check: line-by-line comparison of a vendored header with the header
 * the policy produces now, reported in the reader's terms. */
#include <string.h>

#include "bpfgen/check.h"

/* Length of the line starting at S (without its newline). */
static size_t line_len(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));

	return (size_t)((nl ? nl : end) - s);
}

/* Tracks which filter array a line belongs to, from the expected text. */
static void note_array(const char *line, size_t n, char *arch, size_t archsz)
{
	static const char decl[] = "static const struct sock_filter ";

	if (n > sizeof(decl) && memcmp(line, decl, sizeof(decl) - 1) == 0) {
		const char *br = memchr(line, '[', n);
		const char *us;
		size_t k;

		if (!br)
			return;
		/* NAME_ARCH[]: the architecture is after the name's last '_'
		 * that starts a known suffix. */
		us = strstr(line, "_x86_64[");
		if (!us)
			us = strstr(line, "_aarch64[");
		if (!us || us > br)
			return;
		k = (size_t)(br - us - 1);
		if (k >= archsz)
			k = archsz - 1;
		memcpy(arch, us + 1, k);
		arch[k] = '\0';
	} else if (n >= 2 && line[0] == '}' && line[1] == ';') {
		arch[0] = '\0';
	}
}

int header_diff(const char *path, const char *have, size_t have_len,
		const char *want, size_t want_len, FILE *out)
{
	const char *h = have, *w = want, *hend = have + have_len, *wend = want + want_len;
	char arch[32] = "";
	int line = 1;

	while (h < hend || w < wend) {
		size_t hn = h < hend ? line_len(h, hend) : 0;
		size_t wn = w < wend ? line_len(w, wend) : 0;
		unsigned insn;

		if (h >= hend || w >= wend || hn != wn || memcmp(h, w, hn) != 0) {
			fprintf(out, "%s:%d: differs from what the policy produces\n", path, line);
			if (arch[0] && w < wend && sscanf(w, "\t/* %u */", &insn) == 1)
				fprintf(out, "%s:%d: first difference: %s filter, instruction %u\n",
					path, line, arch, insn);
			fprintf(out, "  expected: %.*s\n", (int)(w < wend ? wn : 10),
				w < wend ? w : "(end of file)");
			fprintf(out, "  found:    %.*s\n", (int)(h < hend ? hn : 10),
				h < hend ? h : "(end of file)");
			return 1;
		}
		note_array(w, wn, arch, sizeof(arch));
		h += hn + 1;
		w += wn + 1;
		line++;
	}
	return 0;
}
