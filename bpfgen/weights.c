/* Reads a frequency file and spreads it over the decision's ranges. Names
 * unknown on the architecture are ignored (a profile taken on x86_64 may
 * name calls aarch64 lacks); malformed lines are errors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/util.h"
#include "bpfgen/weights.h"

#define MAX_WEIGHTS_BYTES (4u << 20)

static int parse_line(char *line, int lineno, const char *path,
		      const struct decision *d, double *w, struct diag *diag)
{
	struct pos pos = { path, lineno, 1 };
	char *name, *count, *end, *rest;
	double v;
	long nr;

	if ((rest = strchr(line, '#')))
		*rest = '\0';
	name = strtok_r(line, " \t\r", &rest);
	if (!name)
		return 0;
	count = strtok_r(NULL, " \t\r", &rest);
	if (!count || strtok_r(NULL, " \t\r", &rest)) {
		diag_error(diag, pos, "expected 'SYSCALL COUNT'");
		return -1;
	}
	errno = 0;
	v = strtod(count, &end);
	if (errno || *end || !(v >= 0) || v > 1e300) {
		pos.col = (int)(count - line) + 1;
		diag_error(diag, pos, "'%s' is not a non-negative count", count);
		return -1;
	}
	nr = arch_syscall_nr(d->arch, name);
	if (nr >= 0)
		w[decision_range_of(d, d->base + (uint32_t)nr)] += v;
	return 0;
}

int weights_for_ranges(const char *path, const struct decision *d,
		       double **out, struct diag *diag)
{
	struct pos nowhere = { NULL, 0, 0 };
	char *text, *line, *save;
	size_t len;
	int lineno = 0, rc = 0;
	double *w;

	if (read_file(path, MAX_WEIGHTS_BYTES, &text, &len) < 0) {
		diag_error(diag, nowhere, "cannot read weights file '%s': %s", path,
			   strerror(errno));
		return -1;
	}
	if (memchr(text, '\0', len)) {
		diag_error(diag, nowhere, "weights file '%s' contains a NUL byte", path);
		free(text);
		return -1;
	}
	w = xcalloc(d->nranges, sizeof(*w));
	/* strtok_r would merge empty lines and lose line numbers: split by hand. */
	for (line = text; line && rc == 0; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		rc = parse_line(line, lineno, path, d, w, diag);
	}
	free(text);
	if (rc < 0) {
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}
