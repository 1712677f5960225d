/* Diagnostics: every message a user sees about a policy goes through here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/diag.h"
#include "bpfgen/util.h"

/* Returns 1 when the message was new (and printed), 0 for a repeat. */
static int report(struct diag *d, struct pos p, const char *kind,
		  const char *fmt, va_list ap)
{
	char msg[1024], line[1400];
	struct diag_seen *slot;
	unsigned h;
	size_t at;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (p.file)
		snprintf(line, sizeof(line), "%s:%d:%d: %s: %s", p.file, p.line,
			 p.col, kind, msg);
	else
		snprintf(line, sizeof(line), "bpfgen: %s: %s", kind, msg);
	h = 2166136261u;
	for (const char *c = line; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	if (2 * (d->nseen + 1) > d->seen_index_cap)
		index_grow(&d->seen_index, &d->seen_index_cap, d->seen, d->nseen,
			   sizeof(*d->seen), offsetof(struct diag_seen, hash));
	for (at = h & (d->seen_index_cap - 1); d->seen_index[at] >= 0;
	     at = (at + 1) & (d->seen_index_cap - 1)) {
		const struct diag_seen *e = &d->seen[d->seen_index[at]];

		if (e->hash == h && strcmp(e->text, line) == 0)
			return 0;
	}
	slot = vec_push(&d->seen, &d->nseen, &d->seen_cap, sizeof(*slot));
	slot->text = xstrdup(line);
	slot->hash = h;
	d->seen_index[at] = (int)(d->nseen - 1);
	if (d->out)
		fprintf(d->out, "%s\n", line);
	return 1;
}

static int report_fmt(struct diag *d, struct pos p, const char *kind,
		      const char *fmt, ...) BPFGEN_PRINTF(4, 5);
static int report_fmt(struct diag *d, struct pos p, const char *kind,
		      const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = report(d, p, kind, fmt, ap);
	va_end(ap);
	return r;
}

/* MSG with its warning's name appended. */
static int report_str(struct diag *d, struct pos p, const char *kind,
		      const char *msg, const char *name)
{
	return report_fmt(d, p, kind, "%s [-W%s]", msg, name);
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->nseen; i++)
		free(d->seen[i].text);
	free(d->seen);
	free(d->seen_index);
	d->seen = NULL;
	d->seen_index = NULL;
	d->nseen = d->seen_cap = d->seen_index_cap = 0;
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

static const char *const warn_names[W_COUNT] = {
	[W_TWIN] = "twin", [W_CLONE3] = "clone3", [W_IO_URING] = "io-uring",
	[W_ESSENTIAL] = "essential", [W_POINTER] = "pointer",
	[W_ARG64] = "arg64", [W_SHADOWED] = "shadowed", [W_NEVER] = "never",
	[W_ALWAYS] = "always", [W_UNKNOWN_TYPE] = "unknown-type",
	[W_OPEN_ARCH] = "open-arch", [W_UNUSED_ARG] = "unused-arg",
	[W_SOCKETCALL] = "socketcall",
};

const char *warn_name(enum warn_id w)
{
	return w < W_COUNT ? warn_names[w] : "?";
}

int warn_by_name(const char *name)
{
	for (int i = 0; i < W_COUNT; i++)
		if (strcmp(warn_names[i], name) == 0)
			return i;
	return -1;
}

int diag_warn(struct diag *d, enum warn_id w, struct pos p, const char *fmt, ...)
{
	char msg[1100];
	va_list ap;
	int fresh;

	if (d->disabled & (1u << w))
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->werror) {
		diag_error(d, p, "%s [-Werror=%s]", msg, warn_names[w]);
		return 1;
	}
	fresh = report_str(d, p, "warning", msg, warn_names[w]);
	if (fresh)
		d->warnings++;
	return fresh;
}

void diag_fixit(struct diag *d, struct pos p, const char *fmt, ...)
{
	char msg[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_note(d, p, "fix-it: %s", msg);
}
