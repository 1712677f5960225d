/* bpfasm: a listing (bpfgen -f asm, bpfdis, or written by hand) into a raw
 * BPF program, the bytes of struct sock_filter[] in host order. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfgen/util.h"
#include "bpf/asm.h"
#include "bpf/sim.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfasm [-a ARCH] [--unchecked] -o OUT.bpf LISTING\n"
		"  LISTING      listing text; '-' reads standard input\n"
		"  -a ARCH      architecture for __NR_<syscall> and constant names\n"
		"  -o OUT       raw program to write ('-' for standard output);\n"
		"               written to a temporary file, then renamed\n"
		"  --unchecked  write a program the kernel would refuse (for\n"
		"               testing checkers); without it that is an error\n"
		"The syntax is described in bpf/asm.h.\n");
}

/* Reads all of F; returns a malloc'd buffer or NULL. */
static char *slurp(FILE *f, size_t *len)
{
	char *buf;

	return read_stream(f, (size_t)256 << 20, &buf, len) == 0 ? buf : NULL;
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

/* Written through bpfgen's output files: a temporary file renamed into
 * place, so readers never see half a program (devices are written in
 * place). The bytes are the host's struct sock_filter: little-endian on
 * both targets. */
static int write_program(const char *out, const void *data, size_t len)
{
	struct outfile o;

	if (out_open(&o, out) < 0) {
		fprintf(stderr, "bpfasm: cannot create %s: %s\n", out, strerror(errno));
		return -1;
	}
	if (fwrite(data, 1, len, o.f) != len) {
		int e = errno;

		out_abort(&o);
		fprintf(stderr, "bpfasm: cannot write %s: %s\n", out, strerror(e));
		return -1;
	}
	if (out_commit(&o) < 0) {
		fprintf(stderr, "bpfasm: cannot write %s: %s\n", out, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "unchecked", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	char why[160];
	int unchecked = 0;
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
		case 'u': unchecked = 1; break;
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
	/* The same checks the kernel makes when the filter is installed. */
	if (!unchecked && sim_check(prog, n, why, sizeof(why)) != 0) {
		fprintf(stderr, "%s: error: the kernel would refuse this program: %s "
			"(--unchecked writes it anyway)\n", argv[optind], why);
		free(prog);
		return 1;
	}
	rc = write_program(out, prog, n * sizeof(*prog));
	free(prog);
	return rc ? 1 : 0;
}
