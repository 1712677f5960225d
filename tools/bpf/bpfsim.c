/* bpfsim: runs a raw seccomp filter on one syscall (or a batch of them) the
 * way the kernel would, and refuses what the kernel's checker refuses.
 * Prints "ACTION N": the effective action and the instructions executed. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "bpf/disasm.h"
#include "bpf/seccomp.h"
#include "bpf/sim.h"

#define EXIT_REFUSED 2   /* usage errors and programs the kernel refuses */
#define EXIT_IO      1   /* unreadable files, write errors */

struct opts {
	const struct arch *arch;
	const char *file;
	int have_token, x32, batch, check, trace, const_allow;
	uint32_t token;
	uint64_t ip;
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: bpfsim -a ARCH [options] FILE.bpf SYSCALL [ARG0 ... ARG5]\n"
"       bpfsim --batch [-a ARCH] FILE.bpf < CASES\n"
"       bpfsim --check FILE.bpf\n"
"       bpfsim --const-allow -a ARCH FILE.bpf\n"
"\n"
"Runs the raw seccomp filter FILE.bpf (8 little-endian bytes per\n"
"instruction) as the kernel would and prints one line, 'ACTION N': the\n"
"action the kernel takes (allow, errno(1), kill-process, trace(7), log...;\n"
"errno above 4095 clamped, unknown actions are kill-process) and the\n"
"number of instructions executed. A filter the kernel would refuse at\n"
"install time is reported on stderr and exits 2.\n"
"\n"
"  -a, --arch ARCH      architecture (x86_64, aarch64, i386, x32, arm):\n"
"                       names SYSCALL and gives seccomp_data.arch\n"
"  SYSCALL              a name in ARCH's table, or a number (decimal, 0x hex)\n"
"  ARGn                 64-bit: decimal, 0x hex, or negative decimal\n"
"                       (two's complement); missing arguments are 0\n"
"      --arch-token HEX seccomp_data.arch to present instead of ARCH's\n"
"      --x32            OR the x32 bit (0x40000000) into the number\n"
"                       (x86_64; with -a x32 the bit is always there)\n"
"      --ip HEX         seccomp_data.instruction_pointer (default 0)\n"
"      --trace          print each executed instruction and A, X to stderr\n"
"      --check          only run the kernel's checks; prints 'ok'\n"
"      --const-allow    list, one 'NR NAME' line each, the syscalls of ARCH's\n"
"                       table that the kernel's action cache finds always\n"
"                       allowed (it then skips the filter for them)\n"
"      --batch          read cases from stdin, one per line, and print one\n"
"                       'ACTION N' line for each:\n"
"                         NR ARCH ARG0 ARG1 ARG2 ARG3 ARG4 ARG5 [IP]\n"
"                       all hexadecimal (0x optional), whitespace separated;\n"
"                       empty lines and lines starting with # are skipped\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 done, 1 unreadable file, 2 usage error or refused filter.\n");
}

static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "bpfsim: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nTry 'bpfsim --help'.\n");
	return EXIT_REFUSED;
}

/* Hexadecimal with or without 0x, digits only (no sign, no spaces). */
static int parse_hex(const char *s, uint64_t *out)
{
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!((s[0] >= '0' && s[0] <= '9') || (s[0] >= 'a' && s[0] <= 'f') ||
	      (s[0] >= 'A' && s[0] <= 'F')))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 16);
	return (*end || errno) ? -1 : 0;
}

/* Decimal, 0x hex or negative decimal (as 64-bit two's complement). */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (s[0] == '-') {
		long long v = strtoll(s, &end, 10);

		if (s[1] < '0' || s[1] > '9' || *end || errno)
			return -1;
		*out = (uint64_t)v;
		return 0;
	}
	if (s[0] < '0' || s[0] > '9')
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_hex(s, out);
	*out = strtoull(s, &end, 10);
	return (*end || errno) ? -1 : 0;
}

/* SYSCALL as a name in ARCH's table or a 32-bit number. */
static int parse_syscall(const struct arch *a, const char *s, uint32_t *nr)
{
	uint64_t v;
	long found;

	if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-') {
		if (parse_u64(s, &v) < 0 ||
		    (v > UINT32_MAX && v < (uint64_t)INT32_MIN))
			return usage_error("'%s' is not a 32-bit syscall number", s);
		*nr = (uint32_t)v;
		return 0;
	}
	found = arch_syscall_nr(a, s);
	if (found < 0) {
		fprintf(stderr,
			"bpfsim: %s has no syscall named '%s' (give a number instead if it is right)\n",
			a->name, s);
		return EXIT_REFUSED;
	}
	*nr = (uint32_t)found;
	return 0;
}

static void print_result(uint32_t ret, size_t executed)
{
	char buf[64];

	seccomp_action_format(sim_effective(ret), buf, sizeof(buf));
	printf("%s %zu\n", buf, executed);
}

struct trace_ctx {
	const struct arch *arch;
	const struct sock_filter *prog;
	size_t len;
};

static void trace_insn(void *vctx, size_t pc, uint32_t a, uint32_t x)
{
	const struct trace_ctx *t = vctx;
	char text[160];

	disasm_insn(t->arch, t->prog, t->len, pc, text, sizeof(text));
	fprintf(stderr, "%4zu: %-44s A=0x%08" PRIx32 " X=0x%08" PRIx32 "\n",
		pc, text, a, x);
}

static int run_one(const struct opts *o, const struct sock_filter *prog,
		   size_t len, char **argv, int argc)
{
	struct sim_data d = {0};
	struct trace_ctx t = { o->arch, prog, len };
	size_t executed = 0;
	uint32_t ret;
	int i, rc;

	if (argc < 1)
		return usage_error("%s", "missing SYSCALL after the filter file");
	if (argc > 7)
		return usage_error("%s", "at most 6 syscall arguments");
	rc = parse_syscall(o->arch, argv[0], &d.nr);
	if (rc)
		return rc;
	for (i = 1; i < argc; i++)
		if (parse_u64(argv[i], &d.args[i - 1]) < 0)
			return usage_error("argument '%s' is not a 64-bit number "
					   "(decimal, 0x hex or negative decimal)",
					   argv[i]);
	/* Every syscall of the x32 ABI carries the bit; on x86_64 it is asked. */
	if (o->x32 || strcmp(o->arch->name, "x32") == 0)
		d.nr |= o->arch->x32_bit;
	d.arch = o->have_token ? o->token : o->arch->audit_arch;
	d.ip = o->ip;
	ret = sim_run_traced(prog, len, &d, &executed,
			     o->trace ? trace_insn : NULL, &t);
	print_result(ret, executed);
	return 0;
}

/* Line reader over read(2) that flushes stdout before it would block, so
 * a caller may feed cases one at a time or all at once. */
struct reader {
	char buf[1 << 16];
	size_t start, end;
};

static char *next_line(struct reader *r)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		ssize_t got;

		if (nl) {
			char *line = r->buf + r->start;

			*nl = '\0';
			r->start = (size_t)(nl - r->buf) + 1;
			return line;
		}
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		if (r->end == sizeof(r->buf) - 1)
			return NULL;  /* line too long: caller reports */
		fflush(stdout);
		got = read(STDIN_FILENO, r->buf + r->end, sizeof(r->buf) - 1 - r->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (r->end == 0)
				return NULL;
			r->buf[r->end] = '\0';  /* last line without newline */
			r->start = r->end = 0;
			return r->buf;
		}
		r->end += (size_t)got;
	}
}

/* "NR ARCH A0..A5 [IP]" in hex into D; -1 if malformed. */
static int parse_case(char *line, struct sim_data *d)
{
	uint64_t v[9];
	int n = 0;
	char *tok, *save;

	for (tok = strtok_r(line, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (n == 9 || parse_hex(tok, &v[n]) < 0)
			return -1;
		n++;
	}
	if (n < 8 || v[0] > UINT32_MAX || v[1] > UINT32_MAX)
		return -1;
	d->nr = (uint32_t)v[0];
	d->arch = (uint32_t)v[1];
	memcpy(d->args, &v[2], sizeof(d->args));
	d->ip = n == 9 ? v[8] : 0;
	return 0;
}

static int is_blank_or_comment(const char *s)
{
	s += strspn(s, " \t\r");
	return *s == '\0' || *s == '#';
}

static int run_batch(const struct sock_filter *prog, size_t len)
{
	static struct reader r;
	size_t lineno = 0, executed;
	struct sim_data d;
	uint32_t ret;
	char *line;

	while ((line = next_line(&r)) != NULL) {
		lineno++;
		if (is_blank_or_comment(line))
			continue;
		if (parse_case(line, &d) < 0) {
			fflush(stdout);
			fprintf(stderr,
				"bpfsim: stdin line %zu: expected 'NR ARCH ARG0 ... ARG5 [IP]' in hex "
				"(NR and ARCH 32-bit)\n", lineno);
			return EXIT_REFUSED;
		}
		ret = sim_run(prog, len, &d, &executed);
		print_result(ret, executed);
	}
	if (r.end == sizeof(r.buf) - 1) {
		fprintf(stderr, "bpfsim: stdin line %zu: line too long\n", lineno + 1);
		return EXIT_REFUSED;
	}
	return 0;
}

/* The syscalls the kernel's action cache would never run the filter for. */
static void list_const_allow(const struct arch *a, const struct sock_filter *prog,
			     size_t len)
{
	uint32_t nr, max = arch_max_nr(a);
	const char *name;

	for (nr = 0; nr <= max; nr++) {
		name = arch_syscall_name(a, nr);
		if (name && sim_const_allow(prog, len, a->audit_arch, nr))
			printf("%" PRIu32 " %s\n", nr, name);
	}
}

static int parse_opts(int argc, char **argv, struct opts *o, int *first)
{
	static const struct option longs[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "arch-token", required_argument, NULL, 'T' },
		{ "x32", no_argument, NULL, 'X' },
		{ "ip", required_argument, NULL, 'I' },
		{ "trace", no_argument, NULL, 't' },
		{ "check", no_argument, NULL, 'c' },
		{ "const-allow", no_argument, NULL, 'C' },
		{ "batch", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "+a:h", longs, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->arch = arch_by_name(optarg);
			if (!o->arch)
				return usage_error("unknown architecture '%s' "
						   "(x86_64, aarch64, i386, x32, arm)", optarg);
			break;
		case 'T':
			if (parse_hex(optarg, &v) < 0 || v > UINT32_MAX)
				return usage_error("--arch-token '%s' is not a 32-bit hex number", optarg);
			o->token = (uint32_t)v;
			o->have_token = 1;
			break;
		case 'I':
			if (parse_hex(optarg, &o->ip) < 0)
				return usage_error("--ip '%s' is not a 64-bit hex number", optarg);
			break;
		case 'X': o->x32 = 1; break;
		case 't': o->trace = 1; break;
		case 'c': o->check = 1; break;
		case 'C': o->const_allow = 1; break;
		case 'b': o->batch = 1; break;
		case 'h': usage(stdout); exit(0);
		default: return usage_error("%s", "bad option");
		}
	}
	*first = optind;
	return 0;
}

/* Combinations of options that cannot work, said before anything runs. */
static int validate(const struct opts *o, int nargs, char **args)
{
	if (nargs < 1)
		return usage_error("%s", "missing the filter file");
	if (o->check + o->batch + o->const_allow > 1)
		return usage_error("%s", "--check, --batch and --const-allow exclude each other");
	if (o->const_allow && !o->arch)
		return usage_error("%s", "--const-allow needs -a ARCH");
	if (o->check || o->batch || o->const_allow) {
		if (nargs > 1)
			return usage_error("unexpected '%s' after the filter file "
					   "with --check, --batch or --const-allow", args[1]);
		if (o->x32 || o->have_token || o->ip || o->trace)
			return usage_error("%s", "--x32, --arch-token, --ip and --trace are for "
					   "a single run (in --batch, each line gives nr, arch and ip)");
		return 0;
	}
	if (!o->arch)
		return usage_error("%s", "-a ARCH is needed to name the syscall");
	if (o->x32 && o->arch->x32_bit == 0)
		return usage_error("--x32 is meaningless on %s", o->arch->name);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct sock_filter *prog;
	size_t len;
	char err[256];
	int first = 0, rc;

	rc = parse_opts(argc, argv, &o, &first);
	if (rc == 0)
		rc = validate(&o, argc - first, argv + first);
	if (rc)
		return rc;
	o.file = argv[first];
	if (sim_load_raw(o.file, &prog, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "bpfsim: %s: %s\n", o.file, err);
		return EXIT_IO;
	}
	if (sim_check(prog, len, err, sizeof(err)) < 0) {
		fprintf(stderr, "bpfsim: %s: rejected by the kernel's checker: %s\n",
			o.file, err);
		free(prog);
		return EXIT_REFUSED;
	}
	if (o.check)
		printf("ok\n");
	else if (o.const_allow)
		list_const_allow(o.arch, prog, len);
	else if (o.batch)
		rc = run_batch(prog, len);
	else
		rc = run_one(&o, prog, len, argv + first + 1, argc - first - 1);
	free(prog);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "bpfsim: writing the result: %s\n", strerror(errno));
		return EXIT_IO;
	}
	return rc;
}
