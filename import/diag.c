/* The importer's memory (one arena per import) and its messages:
 * "FILE: $.json.path: error: ...", each printed once. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/profile.h"

/* A profile with thousands of unknown keys should not print thousands of
 * lines: past this many of one warning, one line says the rest are off. */
#define MAX_PER_WARNING 50
#define MAX_ERRORS 50

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

static void *must(void *p)
{
	if (!p) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

void *ar_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t align = sizeof(max_align_t);

	n = (n + align - 1) / align * align;
	if (!b || b->size - b->used < n) {
		size_t size = n > 65536 ? n : 65536;

		b = must(malloc(sizeof(*b) + size));
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	b->used += n;
	return memset((char *)b->data + b->used - n, 0, n);
}

char *ar_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(ar_alloc(a, n), s, n);
}

char *ar_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = ar_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void ar_free(struct arena *a)
{
	while (a->head) {
		struct arena_block *b = a->head;

		a->head = b->next;
		free(b);
	}
}

static const char *const warn_names[IW_COUNT] = {
	[IW_UNKNOWN_SYSCALL] = "unknown-syscall",
	[IW_UNKNOWN_KEY] = "unknown-key",
	[IW_UNKNOWN_VALUE] = "unknown-value",
	[IW_DROPPED] = "dropped",
	[IW_OVERLAP] = "overlap",
};

const char *import_warn_name(enum import_warn w)
{
	return warn_names[w];
}

int import_warn_by_name(const char *name)
{
	for (int i = 0; i < IW_COUNT; i++)
		if (strcmp(name, warn_names[i]) == 0)
			return i;
	return -1;
}

/* 1 when LINE was printed before (a message is printed once, however many
 * targets the profile is imported for); otherwise remembers it. */
static int seen(struct idiag *d, const char *line)
{
	for (size_t i = 0; i < d->nseen; i++)
		if (strcmp(d->seen[i], line) == 0)
			return 1;
	if (d->nseen == d->seen_cap) {
		d->seen_cap = d->seen_cap ? 2 * d->seen_cap : 64;
		d->seen = must(realloc(d->seen, d->seen_cap * sizeof(*d->seen)));
	}
	d->seen[d->nseen++] = must(strdup(line));
	return 0;
}

/* Returns 1 when printed. Each message is at most a few hundred bytes;
 * longer ones (a path through a hostile profile) are cut. */
static int report(struct idiag *d, const char *path, const char *kind,
		  const char *suffix, const char *fmt, va_list ap)
{
	char msg[1024], line[1600];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (path)
		snprintf(line, sizeof(line), "%s: %s: %s: %s%s", d->file, path, kind,
			 msg, suffix);
	else
		snprintf(line, sizeof(line), "%s: %s: %s%s", d->file, kind, msg, suffix);
	/* The seen list is searched linearly: keep it short. */
	if (d->nseen < 4 * MAX_PER_WARNING * IW_COUNT + MAX_ERRORS && seen(d, line))
		return 0;
	if (d->out)
		fprintf(d->out, "%s\n", line);
	return 1;
}

void idiag_error(struct idiag *d, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (d->errors >= MAX_ERRORS) {
		if (d->errors++ == MAX_ERRORS && d->out)
			fprintf(d->out, "%s: note: more than %d errors: the rest are not "
				"shown\n", d->file, MAX_ERRORS);
		return;
	}
	va_start(ap, fmt);
	d->errors += report(d, path, "error", "", fmt, ap);
	va_end(ap);
}

int idiag_warn(struct idiag *d, enum import_warn w, const char *path,
	       const char *fmt, ...)
{
	char suffix[64];
	va_list ap;

	if (d->disabled & (1u << w))
		return 0;
	if (d->counts[w] >= MAX_PER_WARNING) {
		if (d->counts[w]++ == MAX_PER_WARNING && d->out)
			fprintf(d->out, "%s: note: more than %d -W%s warnings: the rest "
				"are not shown\n", d->file, MAX_PER_WARNING, warn_names[w]);
		if (d->werror)
			d->errors++;
		return 0;
	}
	snprintf(suffix, sizeof(suffix), " [-W%s]", warn_names[w]);
	va_start(ap, fmt);
	if (!report(d, path, d->werror ? "error" : "warning", suffix, fmt, ap)) {
		va_end(ap);
		return 0;
	}
	va_end(ap);
	d->counts[w]++;
	if (d->werror)
		d->errors++;
	else
		d->warnings++;
	return 1;
}

void idiag_free(struct idiag *d)
{
	for (size_t i = 0; i < d->nseen; i++)
		free(d->seen[i]);
	free(d->seen);
	d->seen = NULL;
	d->nseen = d->seen_cap = 0;
}
