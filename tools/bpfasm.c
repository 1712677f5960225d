/* bpfasm: a listing (bpfgen -f asm, bpfdis, or written by hand) into a raw
 * BPF program, the bytes of struct sock_filter[] in host order. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/lib/asm.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfasm [-a ARCH] -o OUT.bpf LISTING\n"
		"  LISTING  listing text; '-' reads standard input\n"
		"  -a ARCH  architecture for __NR_<syscall> and constant names\n"
		"  -o OUT   raw program to write ('-' for standard output);\n"
		"           written to a temporary file, then renamed\n"
		"The syntax is described in tools/lib/asm.h.\n");
}

/* Reads all of F; returns a malloc'd buffer or NULL. */
static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap);

	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *p = realloc(buf, cap *= 2);

			if (!p)
				free(buf);
			buf = p;
		}
	}
	if (!buf || ferror(f)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static char *read_input(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *text;

	if (!f) {
		fprintf(stderr, "bpfasm: cannot open %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	text = slurp(f, len);
	if (!text)
		fprintf(stderr, "bpfasm: cannot read %s: %s\n", path,
			strerror(errno));
	if (f != stdin)
		fclose(f);
	return text;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Temp file next to OUT, then rename: readers never see half a program. */
static int write_atomic(const char *out, const void *data, size_t len)
{
	size_t n = strlen(out) + sizeof(".XXXXXX");
	char *tmp = malloc(n);
	int fd, rc = -1;

	if (!tmp)
		return -1;
	snprintf(tmp, n, "%s.XXXXXX", out);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "bpfasm: cannot create a temporary file next "
			"to %s: %s\n", out, strerror(errno));
		free(tmp);
		return -1;
	}
	mode_t mask = umask(0);

	umask(mask);  /* mkstemp made it 0600; give it the usual mode */
	if (write_all(fd, data, len) == 0 && fsync(fd) == 0 &&
	    fchmod(fd, 0666 & ~mask) == 0)
		rc = 0;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, out) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "bpfasm: cannot write %s: %s\n", out,
			strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct arch *arch = NULL;
	const char *out = NULL;
	struct sock_filter *prog;
	size_t len, n;
	char *text;
	int c, rc;

	while ((c = getopt_long(argc, argv, "a:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			arch = arch_by_name(optarg);
			if (!arch) {
				fprintf(stderr, "bpfasm: unknown architecture "
					"'%s' (try x86_64 or aarch64)\n", optarg);
				return 2;
			}
			break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || !out) {
		fprintf(stderr, "bpfasm: need one LISTING and -o OUT\n");
		usage(stderr);
		return 2;
	}
	text = read_input(argv[optind], &len);
	if (!text)
		return 1;
	rc = asm_assemble(text, len, argv[optind], arch, &prog, &n, stderr);
	free(text);
	if (rc != 0)
		return 1;
	if (strcmp(out, "-") == 0)
		rc = write_all(STDOUT_FILENO, prog, n * sizeof(*prog));
	else
		rc = write_atomic(out, prog, n * sizeof(*prog));
	free(prog);
	return rc ? 1 : 0;
}
