/* Helpers shared by every stage; nothing here knows about seccomp. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfgen/util.h"

static void out_of_memory(void)
{
	fputs("bpfgen: out of memory\n", stderr);
	exit(70);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

void *vec_push(void *arr, size_t *n, size_t *cap, size_t elsize)
{
	void **parr = arr;
	char *elem;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;

		if (ncap > SIZE_MAX / elsize)
			out_of_memory();
		*parr = xrealloc(*parr, ncap * elsize);
		*cap = ncap;
	}
	elem = (char *)*parr + *n * elsize;
	memset(elem, 0, elsize);
	(*n)++;
	return elem;
}

void index_grow(int **index, size_t *cap, const void *items, size_t n,
		size_t stride, size_t hash_off)
{
	size_t c = *cap ? *cap * 2 : 1024;
	int *x = xmalloc(c * sizeof(*x));

	memset(x, -1, c * sizeof(*x));
	for (size_t i = 0; i < n; i++) {
		unsigned h;
		size_t slot;

		memcpy(&h, (const char *)items + i * stride + hash_off, sizeof(h));
		for (slot = h & (c - 1); x[slot] >= 0; slot = (slot + 1) & (c - 1))
			;
		x[slot] = (int)i;
	}
	free(*index);
	*index = x;
	*cap = c;
}

int read_stream(FILE *f, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap + 1);

	for (;;) {
		size_t got;

		if (n == cap) {
			if (cap >= max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f) || n > max) {
		free(buf);
		errno = ferror(f) ? EIO : EFBIG;
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	int rc, e;

	if (!f)
		return -1;
	/* fopen succeeds on a directory; reading it would fail with EIO. */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		errno = EISDIR;
		return -1;
	}
	rc = read_stream(f, max, out, len);
	e = errno;
	fclose(f);
	errno = e;
	return rc;
}

/* Devices, pipes and sockets (-o /dev/null, -o /dev/stdout, a FIFO) are
 * written in place: renaming a file over them would replace the device
 * node itself. */
static int open_in_place(struct outfile *o, const char *path)
{
	o->f = fopen(path, "wb");
	return o->f ? 0 : -1;
}

int out_open(struct outfile *o, const char *path)
{
	struct stat st;
	char *real = NULL;
	int fd;

	memset(o, 0, sizeof(*o));
	if (!path || strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return open_in_place(o, path);
	/* A symlink stays a symlink: the new file replaces its target. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		real = realpath(path, NULL);
		if (!real)
			return -1;
		path = real;
	}
	o->path = xstrdup(path);
	free(real);
	o->tmp = xmalloc(strlen(o->path) + 16);
	sprintf(o->tmp, "%s.tmp.XXXXXX", o->path);
	fd = mkstemp(o->tmp);
	if (fd >= 0 && !(o->f = fdopen(fd, "wb"))) {
		int e = errno;

		close(fd);
		unlink(o->tmp);
		errno = e;
		fd = -1;
	}
	if (fd < 0) {
		int e = errno;

		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

int out_commit(struct outfile *o)
{
	int rc = 0;

	if (!o->tmp) {
		rc = fflush(o->f) == 0 && !ferror(o->f) ? 0 : -1;
		if (o->f != stdout && fclose(o->f) != 0)
			rc = -1;
		o->f = NULL;
		return rc;
	}
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)
		rc = -1;
	/* mkstemp makes 0600 files; an output should look like any other. */
	if (rc == 0) {
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fileno(o->f), 0666 & ~mask);
	}
	if (fclose(o->f) != 0)
		rc = -1;
	o->f = NULL;
	if (rc == 0 && rename(o->tmp, o->path) != 0)
		rc = -1;
	if (rc != 0) {
		int e = errno;

		unlink(o->tmp);
		errno = e;
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return rc;
}

void out_abort(struct outfile *o)
{
	if (o->tmp) {
		fclose(o->f);
		unlink(o->tmp);
		free(o->tmp);
		free(o->path);
	} else if (o->f && o->f != stdout) {
		fclose(o->f);
	}
	memset(o, 0, sizeof(*o));
}
