/* bpfdiff: do two seccomp filters act the same on every input? Reads raw
 * programs, generated C headers or policies (compiled on the spot) and
 * prints, per architecture, every syscall and argument region where the
 * actions differ, with a witness. Exit 0 same, 1 different, 2 error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfgen/compile.h"
#include "tools/diff/diff.h"
#include "bpf/header_read.h"

#define EXIT_SAME  0
#define EXIT_DIFF  1
#define EXIT_ERROR 2
#define MAX_PROGS  8

struct one_prog {
	const struct arch *arch;
	struct sock_filter *insns;
	size_t len;
	char label[256];
};

/* Everything read from one input file: a program per architecture. */
struct input {
	const char *path;
	struct one_prog progs[MAX_PROGS];
	size_t n;
};

struct options {
	const struct arch *arch;   /* -a, or NULL for all common ones */
	const char *weights;       /* --weights, for policies */
	int log_only, quiet;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: bpfdiff [-a ARCH] [options] A B\n"
"\n"
"Compares two seccomp filters on every possible input and prints one line\n"
"per difference:\n"
"  x86_64: socket (41): kill-process -> allow\n"
"  x86_64: openat (257): when arg2.lo & 0x40 != 0: trace(7) -> allow (e.g. arg2=0x40)\n"
"Each syscall of the architecture's table (and x32's on x86_64) is\n"
"compared on its own, then the unnamed numbers and other architectures.\n"
"Conditions are on 32-bit words (arg2.lo, arg2.hi...); the example is the\n"
"smallest input of the region, checked in the emulator.\n"
"\n"
"A and B may each be:\n"
"  a policy (name ends in .policy)  compiled for each target architecture\n"
"  a C header (holds 'struct sock_filter')  the architecture comes from the\n"
"                                   array names' _x86_64/_aarch64 suffix\n"
"  a raw program (anything else)    needs -a\n"
"\n"
"  -a, --arch ARCH   compare only ARCH (default: every architecture both\n"
"                    inputs have)\n"
"      --weights F   compile policies with these syscall weights\n"
"      --log-only    compile policies in log-only mode\n"
"  -q, --quiet       print nothing; the exit status tells\n"
"  -h, --help        this text\n"
"\n"
"The comparison is exact for programs that compare loaded words (possibly\n"
"ANDed with a constant) against constants, which is what bpfgen and\n"
"hand-written filters do; anything else is refused rather than guessed.\n"
"\n"
"Exit status: 0 the same on every input, 1 different, 2 error.\n");
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static struct one_prog *add_prog(struct input *in, const struct arch *arch)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->progs[i].arch == arch) {
			fprintf(stderr, "bpfdiff: %s: two programs for %s; "
				"bpfdiff compares one per architecture (use "
				"-a or split the file)\n", in->path,
				arch->name);
			return NULL;
		}
	if (in->n == MAX_PROGS) {
		fprintf(stderr, "bpfdiff: %s: more than %d programs\n",
			in->path, MAX_PROGS);
		return NULL;
	}
	in->progs[in->n].arch = arch;
	return &in->progs[in->n++];
}

static int load_policy(struct input *in, const struct options *o)
{
	struct compile_options copts = { .log_only = o->log_only,
					 .weights = o->weights };

	if (o->arch && !o->arch->compile_target) {
		fprintf(stderr, "bpfdiff: %s: bpfgen cannot compile for %s\n",
			in->path, o->arch->name);
		return -1;
	}
	for (size_t i = 0; i < arch_ntargets; i++) {
		const struct arch *a = arch_targets[i];
		struct program p;
		struct one_prog *op;

		if (o->arch && o->arch != a)
			continue;
		if (compile_policy_file(in->path, a, &copts, &p, stderr) != 0) {
			fprintf(stderr, "bpfdiff: %s: does not compile for %s\n",
				in->path, a->name);
			return -1;
		}
		op = add_prog(in, a);
		if (!op) {
			program_free(&p);
			return -1;
		}
		op->insns = p.insns;
		op->len = p.len;
		p.insns = NULL;
		program_free(&p);
		snprintf(op->label, sizeof(op->label), "%s (%s)", in->path,
			 a->name);
	}
	return 0;
}

static int load_header(struct input *in, const struct options *o,
		       const char *text, size_t len)
{
	struct header_file h;
	int rc = 0;

	if (header_read(text, len, in->path, &h, stderr) != 0)
		return -1;
	for (size_t i = 0; i < h.narrays && rc == 0; i++) {
		struct header_array *a = &h.arrays[i];
		const struct arch *arch = a->arch ? a->arch : o->arch;
		struct one_prog *op;

		if (!arch) {
			fprintf(stderr, "bpfdiff: %s: array %s does not name "
				"its architecture (no _x86_64/_aarch64... "
				"suffix); give -a ARCH\n", in->path, a->name);
			rc = -1;
			break;
		}
		if (o->arch && arch != o->arch)
			continue;
		op = add_prog(in, arch);
		if (!op) {
			rc = -1;
			break;
		}
		op->insns = a->insns;
		op->len = a->len;
		a->insns = NULL;
		snprintf(op->label, sizeof(op->label), "%s (%s)", in->path,
			 a->name);
	}
	header_file_free(&h);
	return rc;
}

static int load_raw(struct input *in, const struct options *o)
{
	struct one_prog *op;
	char err[256];

	if (!o->arch) {
		fprintf(stderr, "bpfdiff: %s is a raw program, which does "
			"not say its architecture: give -a ARCH\n", in->path);
		return -1;
	}
	op = add_prog(in, o->arch);
	if (!op)
		return -1;
	if (sim_load_raw(in->path, &op->insns, &op->len, err,
			 sizeof(err)) != 0) {
		fprintf(stderr, "bpfdiff: %s: %s\n", in->path, err);
		in->n--;
		return -1;
	}
	snprintf(op->label, sizeof(op->label), "%s", in->path);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *p = realloc(buf, (cap *= 2) + 1);

			if (!p)
				free(buf);
			buf = p;
		}
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* Read PATH as a policy, a C header or a raw program. */
static int load(struct input *in, const struct options *o)
{
	size_t len = 0;
	char *text;
	int rc;

	if (ends_with(in->path, ".policy"))
		return load_policy(in, o);
	text = slurp(in->path, &len);
	if (!text) {
		fprintf(stderr, "bpfdiff: cannot read %s: %s\n", in->path,
			strerror(errno));
		return -1;
	}
	if (header_detect(text, len))
		rc = load_header(in, o, text, len);
	else
		rc = load_raw(in, o);
	free(text);
	if (rc == 0 && in->n == 0) {
		fprintf(stderr, "bpfdiff: %s has no program for %s\n",
			in->path, o->arch ? o->arch->name : "any architecture");
		rc = -1;
	}
	return rc;
}

static const struct one_prog *find(const struct input *in,
				   const struct arch *arch)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->progs[i].arch == arch)
			return &in->progs[i];
	return NULL;
}

/* Compare every architecture both have, in A's order. */
static int compare(const struct input *a, const struct input *b,
		   const struct options *o)
{
	FILE *out = o->quiet ? fopen("/dev/null", "w") : stdout;
	long total = 0;
	size_t common = 0;
	char err[512];

	if (!out) {
		fprintf(stderr, "bpfdiff: cannot open /dev/null: %s\n",
			strerror(errno));
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct one_prog *pa = &a->progs[i];
		const struct one_prog *pb = find(b, pa->arch);
		struct diff_prog da = { pa->label, pa->insns, pa->len };
		struct diff_prog db;
		long n;

		if (!pb)
			continue;
		common++;
		db = (struct diff_prog){ pb->label, pb->insns, pb->len };
		n = diff_programs(pa->arch, &da, &db, out, err, sizeof(err));
		if (n < 0) {
			fflush(out);
			fprintf(stderr, "bpfdiff: %s: %s\n", pa->arch->name, err);
			total = -1;
			break;
		}
		if (n == 0)
			fprintf(out, "%s: equivalent\n", pa->arch->name);
		total += n;
	}
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "bpfdiff: cannot write the report: %s\n",
			strerror(errno));
		total = -1;
	}
	if (o->quiet)
		fclose(out);
	if (total >= 0 && common == 0) {
		fprintf(stderr, "bpfdiff: %s and %s have no architecture in "
			"common\n", a->path, b->path);
		return EXIT_ERROR;
	}
	if (total < 0)
		return EXIT_ERROR;
	return total ? EXIT_DIFF : EXIT_SAME;
}

static void input_free(struct input *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->progs[i].insns);
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "weights", required_argument, NULL, 'w' },
		{ "log-only", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "a:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->arch = arch_by_name(optarg);
			if (!o->arch) {
				fprintf(stderr, "bpfdiff: unknown architecture "
					"'%s' (x86_64, aarch64, x32, i386, "
					"arm)\n", optarg);
				return -1;
			}
			break;
		case 'w': o->weights = optarg; break;
		case 'l': o->log_only = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(stdout); exit(EXIT_SAME);
		default:  return -1;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "bpfdiff: expected two inputs, A and B\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct input a = { 0 }, b = { 0 };
	int rc = EXIT_ERROR;

	if (parse_args(argc, argv, &o) != 0) {
		fprintf(stderr, "Try 'bpfdiff --help'.\n");
		return EXIT_ERROR;
	}
	a.path = argv[optind];
	b.path = argv[optind + 1];
	if (load(&a, &o) == 0 && load(&b, &o) == 0)
		rc = compare(&a, &b, &o);
	input_free(&a);
	input_free(&b);
	return rc;
}
