/* Diagnostics: every message a user sees about a policy goes through here. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/diag.h"
#include "bpfgen/util.h"

/* Returns 1 when the message was new (and printed), 0 for a repeat. */
static int report(struct diag *d, struct pos p, const char *kind,
		  const char *fmt, va_list ap)
{
	char msg[1024], line[1400];
	char **slot;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (p.file)
		snprintf(line, sizeof(line), "%s:%d:%d: %s: %s", p.file, p.line,
			 p.col, kind, msg);
	else
		snprintf(line, sizeof(line), "bpfgen: %s: %s", kind, msg);
	for (size_t i = 0; i < d->nseen; i++)
		if (strcmp(d->seen[i], line) == 0)
			return 0;
	slot = vec_push(&d->seen, &d->nseen, &d->seen_cap, sizeof(*slot));
	*slot = xstrdup(line);
	if (d->out)
		fprintf(d->out, "%s\n", line);
	return 1;
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->nseen; i++)
		free(d->seen[i]);
	free(d->seen);
	d->seen = NULL;
	d->nseen = d->seen_cap = 0;
}

void diag_error(struct diag *d, struct pos p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, p, "error", fmt, ap);
	va_end(ap);
	d->errors++;   /* counted every time: each stage's caller checks it */
}

void diag_warning(struct diag *d, struct pos p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (report(d, p, "warning", fmt, ap))
		d->warnings++;
	va_end(ap);
}

void diag_note(struct diag *d, struct pos p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, p, "note", fmt, ap);
	va_end(ap);
}
