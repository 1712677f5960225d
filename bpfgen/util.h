/* Small helpers: allocation that reports and exits on exhaustion, growable
 * arrays, whole-file reads, atomic output files. */
#ifndef BPFGEN_UTIL_H
#define BPFGEN_UTIL_H

#include <stddef.h>
#include <stdio.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Make room for one more element in *ARR (of *N, capacity *CAP) and return
 * a pointer to the new, zeroed element; *N is incremented. */
void *vec_push(void *arr, size_t *n, size_t *cap, size_t elsize);

/* Intern tables: an open-addressing index (slots hold item positions, -1
 * when empty) over an array of N items of STRIDE bytes, each with its
 * unsigned hash HASH_OFF bytes in. Rebuilds *INDEX at twice *CAP (at
 * least 1024); call it before an insert would make the index half full. */
void index_grow(int **index, size_t *cap, const void *items, size_t n,
		size_t stride, size_t hash_off);

/* Read all of F (at most MAX bytes) into a NUL-terminated buffer. Returns
 * 0, or -1 with errno set (EFBIG when there is more than MAX). */
int read_stream(FILE *f, size_t max, char **out, size_t *len);

/* Read a whole file (at most MAX bytes). Returns 0, or -1 with errno set
 * (EFBIG when the file is larger than MAX, EISDIR for a directory). */
int read_file(const char *path, size_t max, char **out, size_t *len);

/* Output that appears under its final name only when complete: writes go
 * to a temporary file beside PATH, renamed over PATH by out_commit (over
 * a symlink's target, when PATH is a symlink). PATH "-" or NULL means
 * stdout; an existing device, pipe or socket is written in place. */
struct outfile {
	FILE *f;
	char *path;
	char *tmp;
};
int out_open(struct outfile *o, const char *path);
int out_commit(struct outfile *o);   /* 0 on success, -1 (errno) */
void out_abort(struct outfile *o);   /* removes the temporary file */

#endif
