/* bpfgen: the command line. Parses options, runs the pipeline for each
 * requested architecture, and writes the output only when everything
 * succeeded. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch/types.h"
#include "bpfgen/compile.h"
#include "bpfgen/emit.h"
#include "bpfgen/emit_lang.h"
#include "bpfgen/gopkg.h"
#include "bpfgen/groups.h"
#include "bpfgen/policy.h"
#include "bpfgen/check.h"
#include "bpfgen/check_lang.h"
#include "bpfgen/stats.h"
#include "bpfgen/suggest.h"
#include "bpfgen/util.h"
#include "bpfgen/version.h"
#include "import/import.h"

enum format { FMT_C, FMT_RAW, FMT_ASM, FMT_RUST, FMT_GO, FMT_POLICY };
static const char *const format_names[] = { "c", "raw", "asm", "rust", "go", "policy" };

struct cli {
	const struct arch *archs[8];
	size_t narchs;
	enum format format;
	int format_given;     /* -f was on the command line */
	const char *name;
	const char *out;
	const char *policy;
	const char *check;
	const char *describe;
	int lint;             /* --lint: warnings only, no output */
	unsigned wdisabled;   /* -Wno-NAME */
	int werror;           /* -Werror */
	struct compile_options copts;
	struct stats_options stats;
	int verbose;
	struct import_options imp;   /* for a container profile (import/) */
	const char *imp_option;      /* an import option given, for a policy's error */
	char name_buf[128];
	char options[2560];
};

static void usage(FILE *f)
{
	fputs("usage: bpfgen [-a x86_64|aarch64]... [-f c|rust|go|raw|asm] [-n NAME] [-o OUT] POLICY\n"
	      "       bpfgen --check FILE [same options] POLICY\n"
	      "       bpfgen [same options] [-f policy] [IMPORT OPTIONS] PROFILE.json\n"
	      "\n"
	      "Compiles a seccomp policy, or a container's seccomp profile (OCI,\n"
	      "Docker, Podman JSON), into classic BPF filters.\n"
	      "  -a, --arch ARCH        target architecture; repeat for several\n"
	      "                         (default for -f c, rust, go: x86_64 and\n"
	      "                         aarch64)\n"
	      "  -f, --format FORMAT    c (header, default), rust (module), go\n"
	      "                         (package: -o DIR), raw (kernel bytes),\n"
	      "                         asm (listing); raw and asm take one -a;\n"
	      "                         policy: a profile as bpfgen policy text\n"
	      "  -n, --name NAME        identifier prefix, Go package name\n"
	      "                         (default: from POLICY)\n"
	      "  -o, --output OUT       output file ('-' or none: stdout), for -f go\n"
	      "                         a directory; written only when compilation\n"
	      "                         succeeds\n"
	      "      --log-only         every action except allow becomes log\n"
	      "      --weights FILE     syscall frequencies (NAME COUNT per line)\n"
	      "                         to put hot syscalls first in the search\n"
	      "      --check FILE       exit 0 if FILE (a header, Rust module or Go\n"
	      "                         package) is exactly what this policy and\n"
	      "                         these options produce, else show the\n"
	      "                         first difference and exit 1 (2 when it\n"
	      "                         cannot compare)\n"
	      "      --stats            print instruction counts per architecture\n"
	      "      --max-insns N      fail if a program is longer than N\n"
	      "      --max-insns-per-syscall N\n"
	      "                         fail if any syscall runs more than N\n"
	      "                         instructions\n"
	      "      --lint             only check the policy: print the warnings,\n"
	      "                         exit 1 if there are any\n"
	      "  -Werror                warnings are errors (no output is written)\n"
	      "  -Wno-NAME, -WNAME      turn warning NAME off / on (see bpfgen(1))\n"
	      "      --describe SYSCALL print the syscall's number and parameter\n"
	      "                         types on each target architecture\n"
	      "  -v, --verbose          print what the search did: its steps, and\n"
	      "                         whether a budget ran out\n"
	      "      --list-groups      print the @groups and their syscalls\n"
	      "      --version, --help\n"
	      "Importing a profile (what runc 1.1 installs for it; see bpfgen(1)):\n"
	      "      --from oci|docker  the profile's format (default: by content)\n"
	      "      --host-arch amd64|arm64\n"
	      "                         the host moby picks archMap entries and\n"
	      "                         includes/excludes for (default: each target's)\n"
	      "      --caps CAP,...     the container's capabilities (default: Docker's\n"
	      "                         default set; 'all', 'none')\n"
	      "      --kernel X.Y       the kernel minKernel is compared with\n"
	      "                         (default: every minKernel is met)\n"
	      "      --typed            compare what the kernel reads, not whole\n"
	      "                         registers (differs from runc: it says where)\n"
	      "      --no-enosys-stub   no runc-style ENOSYS for newer syscalls\n"
	      "      --abi native|profile\n"
	      "                         accept only the target's own ABI, or also the\n"
	      "                         32-bit ABIs the profile lists (default)\n"
	      "      --socketcall fail-open\n"
	      "                         let i386 socketcall through where an allow rule\n"
	      "                         has conditions (runc's behaviour; bypassable)\n", f);
}

static void list_groups(void)
{
	for (size_t i = 0; i < nsyscall_groups; i++) {
		const struct syscall_group *g = &syscall_groups[i];

		printf("@%s: %s\n   ", g->name, g->doc);
		for (const char *const *m = g->members; *m; m++)
			printf(" %s", *m);
		printf("\n");
	}
}

static void describe_on(const struct arch *a, const char *name)
{
	const struct syscall_proto *p = arch_syscall_proto(a, name);
	long nr = arch_syscall_nr(a, name);

	if (nr < 0) {
		printf("%s: %s: no such syscall on %s\n", a->name, name, a->name);
		return;
	}
	printf("%s: %s (%ld)\n", a->name, name, nr);
	if (!p || !p->known) {
		printf("  parameter types unknown: %s\n",
		       p ? p->source : "no entry in the type tables");
		return;
	}
	if (p->nparams == 0)
		printf("  no parameters\n");
	for (int k = 0; k < p->nparams; k++) {
		const struct syscall_param *q = &p->params[k];
		printf("  arg%d %s: %s (%u-bit, %s%s)\n", k, q->name, q->ctype,
		       (unsigned)q->width, q->is_signed ? "signed" : "unsigned",
		       q->is_pointer ? ", pointer" : "");
	}
	printf("  source: %s\n", p->source);
}

/* --describe NAME: 0 if NAME exists on one of the architectures, else -1
 * after suggesting the closest name. */
static int describe(const struct cli *c, const char *name)
{
	const struct arch *const *archs = c->narchs ? c->archs : arch_targets;
	size_t narchs = c->narchs ? c->narchs : arch_ntargets;
	struct suggestion s = { 0 };
	char lower[64];
	const char *best;
	size_t i, found = 0;

	for (i = 0; i < narchs; i++)
		found += arch_syscall_nr(archs[i], name) >= 0;
	if (found) {
		for (i = 0; i < narchs; i++)
			describe_on(archs[i], name);
		return 0;
	}
	/* Syscall names are lower case: SOCKET is one edit from nothing. */
	for (i = 0; name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	for (i = 0; i < narchs; i++)
		for (size_t j = 0; j < archs[i]->nsyscalls; j++)
			suggest_consider(&s, lower, archs[i]->syscalls[j].name);
	best = suggest_result(&s, lower);
	if (best)
		fprintf(stderr, "bpfgen: unknown syscall '%s'; did you mean '%s'?\n", name, best);
	else
		fprintf(stderr, "bpfgen: unknown syscall '%s'\n", name);
	return -1;
}

static int parse_format(const char *s, enum format *f)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(s, format_names[i]) == 0) {
			*f = (enum format)i;
			return 0;
		}
	return -1;
}

static int valid_c_name(const char *s)
{
	if (!*s || isdigit((unsigned char)*s) || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* "policies/pvf-worker.policy" -> "pvf_worker". */
static void default_name(struct cli *c)
{
	const char *base = strrchr(c->policy, '/');
	size_t n = 0;

	base = base ? base + 1 : c->policy;
	if (isdigit((unsigned char)*base))
		c->name_buf[n++] = '_';
	for (; *base && *base != '.' && n + 1 < sizeof(c->name_buf) && n < 64; base++)
		c->name_buf[n++] = isalnum((unsigned char)*base) ? *base : '_';
	c->name_buf[n] = '\0';
	if (n == 0)
		strcpy(c->name_buf, "filter");
	c->name = c->name_buf;
}

static int parse_count(const char *opt, const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || *end || *out < 1 || *out > 1000000) {
		fprintf(stderr, "bpfgen: %s wants a positive number, not '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

static int add_arch(struct cli *c, const char *name)
{
	const struct arch *a = arch_by_name(name);

	if (!a || !a->compile_target) {
		fprintf(stderr, "bpfgen: unknown target architecture '%s' (use x86_64 or aarch64)\n",
			name);
		return -1;
	}
	for (size_t i = 0; i < c->narchs; i++)
		if (c->archs[i] == a)
			return 0;
	c->archs[c->narchs++] = a;
	return 0;
}

/* Options as the output records them: canonical, in a fixed order;
 * IMPORT: the import's own, or NULL. */
static void describe_options(struct cli *c, const char *import)
{
	size_t n = 0;

	for (size_t i = 0; i < c->narchs; i++)
		n += (size_t)snprintf(c->options + n, sizeof(c->options) - n, "-a %s ",
				      c->archs[i]->name);
	n += (size_t)snprintf(c->options + n, sizeof(c->options) - n, "-f %s",
			      format_names[c->format]);
	if ((c->format == FMT_C || c->format == FMT_RUST || c->format == FMT_GO) &&
	    n < sizeof(c->options))
		n += (size_t)snprintf(c->options + n, sizeof(c->options) - n, " -n %s",
				      c->name);
	if (c->copts.log_only && n < sizeof(c->options))
		n += (size_t)snprintf(c->options + n, sizeof(c->options) - n, " --log-only");
	if (c->copts.weights && n < sizeof(c->options))
		n += (size_t)snprintf(c->options + n, sizeof(c->options) - n, " --weights %s",
				      c->copts.weights);
	if (import && n < sizeof(c->options))
		snprintf(c->options + n, sizeof(c->options) - n, "%s", import);
}

/* -Werror, -Wno-NAME, -WNAME. */
static int warning_option(struct cli *c, const char *arg)
{
	int no = strncmp(arg, "no-", 3) == 0;
	int w;

	if (strcmp(arg, "error") == 0) {
		c->werror = c->imp.werror = 1;
		return 0;
	}
	if (strcmp(arg, "no-error") == 0) {
		c->werror = c->imp.werror = 0;
		return 0;
	}
	w = warn_by_name(no ? arg + 3 : arg);
	if (w < 0 && (w = import_warn_by_name(no ? arg + 3 : arg)) >= 0) {
		if (no)
			c->imp.wdisabled |= 1u << w;
		else
			c->imp.wdisabled &= ~(1u << w);
		return 0;
	}
	if (w < 0) {
		fprintf(stderr, "bpfgen: unknown warning '-W%s'; the warnings are:", arg);
		for (int i = 0; i < W_COUNT; i++)
			fprintf(stderr, " %s", warn_name((enum warn_id)i));
		fprintf(stderr, "; importing profiles:");
		for (int i = 0; i < IW_COUNT; i++)
			fprintf(stderr, " %s", import_warn_name((enum import_warn)i));
		fprintf(stderr, " (and -Werror)\n");
		return -1;
	}
	if (no)
		c->wdisabled |= 1u << w;
	else
		c->wdisabled &= ~(1u << w);
	return 0;
}

static const char *format_what(enum format f)
{
	switch (f) {
	case FMT_C: return "a C header (-f c)";
	case FMT_RUST: return "a Rust module (-f rust)";
	case FMT_GO: return "a Go package (-f go)";
	default: return "raw bytes or a listing";
	}
}

/* --check FILE: what FILE is decides the format (-f, if given, must say
 * the same). A directory is a Go package; a file says on its first line
 * what wrote it. */
static int check_format(struct cli *c)
{
	static const enum format of_source[] = {
		[SOURCE_C] = FMT_C, [SOURCE_RUST] = FMT_RUST, [SOURCE_GO] = FMT_GO,
	};
	enum source_format src;
	char *text;
	size_t len;
	enum format f;

	if (c->format_given && c->format != FMT_C && c->format != FMT_RUST &&
	    c->format != FMT_GO) {
		fprintf(stderr, "bpfgen: --check compares what -f c, rust or go wrote, "
			"not -f %s\n", format_names[c->format]);
		return -1;
	}
	if (read_file(c->check, 64u << 20, &text, &len) < 0) {
		if (errno != EISDIR) {
			fprintf(stderr, "bpfgen: cannot read '%s': %s\n", c->check,
				strerror(errno));
			return -1;
		}
		src = SOURCE_GO;
	} else {
		src = source_format(text, len);
		free(text);
		if (src == SOURCE_UNKNOWN) {
			fprintf(stderr, "bpfgen: '%s' was not written by bpfgen -f c, rust or go "
				"(its first line does not say so)\n", c->check);
			return -1;
		}
	}
	f = of_source[src];
	if (c->format_given && c->format != f) {
		fprintf(stderr, "bpfgen: --check: '%s' is %s, not what -f %s writes\n",
			c->check, format_what(f), format_names[c->format]);
		return -1;
	}
	c->format = f;
	return 0;
}

/* -f rust and -f go: architectures they can select, and for Go an output
 * directory. */
static int lang_options(const struct cli *c)
{
	if (c->format != FMT_RUST && c->format != FMT_GO)
		return 0;
	for (size_t i = 0; i < c->narchs; i++)
		if (!lang_has_arch(c->archs[i])) {
			fprintf(stderr, "bpfgen: -f %s has no %s target; use -a x86_64 or "
				"-a aarch64\n", format_names[c->format], c->archs[i]->name);
			return -1;
		}
	if (c->format == FMT_GO && !c->check && (!c->out || strcmp(c->out, "-") == 0)) {
		fprintf(stderr, "bpfgen: -f go writes a package, several files: "
			"give -o DIRECTORY\n");
		return -1;
	}
	return 0;
}

static const char *format_name(enum format f)
{
	return format_names[f];
}

/* --from, --host-arch, --caps, --kernel, --typed, --no-enosys-stub, --abi,
 * --socketcall: how a container profile is read. */
static int import_option(struct cli *c, int opt, const char *arg)
{
	struct import_options *o = &c->imp;

	switch (opt) {
	case 'F':
		c->imp_option = "--from";
		if (strcmp(arg, "oci") == 0)
			o->from = IMPORT_OCI;
		else if (strcmp(arg, "docker") == 0 || strcmp(arg, "podman") == 0)
			o->from = IMPORT_DOCKER;
		else {
			fprintf(stderr, "bpfgen: --from wants oci or docker, not '%s'\n", arg);
			return -1;
		}
		return 0;
	case 'H':
		c->imp_option = "--host-arch";
		if (!import_host_target(arg)) {
			fprintf(stderr, "bpfgen: --host-arch wants amd64 or arm64 (the hosts "
				"of bpfgen's targets), not '%s'\n", arg);
			return -1;
		}
		o->host_arch = arg;
		return 0;
	case 'C':
		c->imp_option = "--caps";
		if (import_check_caps(arg, stderr) < 0)
			return -1;
		o->caps = arg;
		return 0;
	case 'K':
		c->imp_option = "--kernel";
		if (import_parse_kernel(arg, &o->kernel_major, &o->kernel_minor) < 0) {
			fprintf(stderr, "bpfgen: --kernel wants a version such as 5.10 (or "
				"a release such as 6.1.0-13-amd64), not '%s'\n", arg);
			return -1;
		}
		o->has_kernel = 1;
		return 0;
	case 'T': c->imp_option = "--typed"; o->typed = 1; return 0;
	case 'N': c->imp_option = "--no-enosys-stub"; o->no_enosys_stub = 1; return 0;
	case 'A':
		c->imp_option = "--abi";
		if (strcmp(arg, "native") == 0 || strcmp(arg, "profile") == 0) {
			o->native_only = arg[0] == 'n';
			return 0;
		}
		fprintf(stderr, "bpfgen: --abi wants native or profile, not '%s'\n", arg);
		return -1;
	case 'S':
		c->imp_option = "--socketcall";
		if (strcmp(arg, "fail-open") == 0 || strcmp(arg, "fail-closed") == 0) {
			o->socketcall_open = arg[5] == 'o';
			return 0;
		}
		fprintf(stderr, "bpfgen: --socketcall wants fail-open (or fail-closed, "
			"the default), not '%s'\n", arg);
		return -1;
	}
	return -1;
}

/* Returns -1 on error, 1 when the program should exit 0 now, 2 when it
 * should exit 1 now, 0 to go on. */
static int parse_args(struct cli *c, int argc, char **argv)
{
	enum { O_LOG_ONLY = 256, O_WEIGHTS, O_CHECK, O_STATS, O_MAX_INSNS,
	       O_MAX_PER_SYSCALL, O_LIST_GROUPS, O_VERSION, O_DESCRIBE, O_LINT,
	       O_FROM, O_HOST_ARCH, O_CAPS, O_KERNEL, O_TYPED, O_NO_ENOSYS, O_ABI,
	       O_SOCKETCALL };
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "log-only", no_argument, NULL, O_LOG_ONLY },
		{ "weights", required_argument, NULL, O_WEIGHTS },
		{ "check", required_argument, NULL, O_CHECK },
		{ "stats", no_argument, NULL, O_STATS },
		{ "max-insns", required_argument, NULL, O_MAX_INSNS },
		{ "max-insns-per-syscall", required_argument, NULL, O_MAX_PER_SYSCALL },
		{ "list-groups", no_argument, NULL, O_LIST_GROUPS },
		{ "describe", required_argument, NULL, O_DESCRIBE },
		{ "lint", no_argument, NULL, O_LINT },
		{ "from", required_argument, NULL, O_FROM },
		{ "host-arch", required_argument, NULL, O_HOST_ARCH },
		{ "caps", required_argument, NULL, O_CAPS },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "typed", no_argument, NULL, O_TYPED },
		{ "no-enosys-stub", no_argument, NULL, O_NO_ENOSYS },
		{ "abi", required_argument, NULL, O_ABI },
		{ "socketcall", required_argument, NULL, O_SOCKETCALL },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "a:f:n:o:hvW:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if (c->narchs == sizeof(c->archs) / sizeof(c->archs[0]) ||
			    add_arch(c, optarg) < 0)
				return -1;
			break;
		case 'f':
			if (parse_format(optarg, &c->format) < 0) {
				fprintf(stderr, "bpfgen: unknown format '%s' (use c, rust, go, raw, asm or policy)\n",
					optarg);
				return -1;
			}
			c->format_given = 1;
			break;
		case 'n':
			if (!valid_c_name(optarg)) {
				fprintf(stderr, "bpfgen: -n wants a C identifier (letters, digits, _; at most 64), not '%s'\n",
					optarg);
				return -1;
			}
			c->name = optarg;
			break;
		case 'o': c->out = optarg; break;
		case O_LOG_ONLY: c->copts.log_only = 1; break;
		case O_WEIGHTS: c->copts.weights = optarg; break;
		case O_CHECK: c->check = optarg; break;
		case O_STATS: c->stats.print = 1; break;
		case O_MAX_INSNS:
			if (parse_count("--max-insns", optarg, &c->stats.max_insns) < 0)
				return -1;
			break;
		case O_MAX_PER_SYSCALL:
			if (parse_count("--max-insns-per-syscall", optarg,
					&c->stats.max_per_syscall) < 0)
				return -1;
			break;
		case O_LIST_GROUPS: list_groups(); return 1;
		case O_DESCRIBE: c->describe = optarg; break;
		case O_LINT: c->lint = 1; break;
		case O_FROM:
		case O_HOST_ARCH:
		case O_CAPS:
		case O_KERNEL:
		case O_TYPED:
		case O_NO_ENOSYS:
		case O_ABI:
		case O_SOCKETCALL:
			if (import_option(c, "FHCKTNAS"[opt - O_FROM], optarg) < 0)
				return -1;
			break;
		case 'W':
			if (warning_option(c, optarg) < 0)
				return -1;
			break;
		case O_VERSION: printf("bpfgen %s\n", BPFGEN_VERSION); return 1;
		case 'h': usage(stdout); return 1;
		case 'v': c->verbose = 1; break;
		default: usage(stderr); return -1;
		}
	}
	if (c->describe) {
		if (optind != argc) {
			fprintf(stderr, "bpfgen: --describe takes no policy file\n");
			return -1;
		}
		return describe(c, c->describe) == 0 ? 1 : 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, optind == argc ? "bpfgen: no policy file given\n"
					       : "bpfgen: more than one policy file given\n");
		usage(stderr);
		return -1;
	}
	c->policy = argv[optind];
	if (c->lint) {          /* every target unless -a says otherwise */
		if (c->narchs == 0)
			for (size_t i = 0; i < arch_ntargets; i++)
				c->archs[c->narchs++] = arch_targets[i];
		return 0;
	}
	if (c->check && check_format(c) < 0)
		return -1;
	/* A profile for one host is for that host's target. */
	if (c->imp.host_arch && c->narchs == 0)
		c->archs[c->narchs++] = import_host_target(c->imp.host_arch);
	for (size_t i = 0; c->imp.host_arch && i < c->narchs; i++)
		if (c->archs[i] != import_host_target(c->imp.host_arch)) {
			fprintf(stderr, "bpfgen: --host-arch %s is an %s host: -a %s does "
				"not run there\n", c->imp.host_arch,
				import_host_target(c->imp.host_arch)->name, c->archs[i]->name);
			return -1;
		}
	if (c->narchs == 0) {
		if (c->format == FMT_RAW || c->format == FMT_ASM || c->format == FMT_POLICY) {
			fprintf(stderr, "bpfgen: -f %s needs exactly one -a ARCH%s\n",
				format_name(c->format), c->format == FMT_POLICY ?
				" (or --host-arch)" : "");
			return -1;
		}
		for (size_t i = 0; i < arch_ntargets; i++)
			if (c->format == FMT_C || lang_has_arch(arch_targets[i]))
				c->archs[c->narchs++] = arch_targets[i];
	}
	if ((c->format == FMT_RAW || c->format == FMT_ASM || c->format == FMT_POLICY) &&
	    c->narchs != 1) {
		fprintf(stderr, "bpfgen: -f %s takes exactly one -a ARCH\n",
			format_name(c->format));
		return -1;
	}
	if (lang_options(c) < 0)
		return -1;
	if (!c->name)
		default_name(c);
	if (c->format == FMT_GO && !lang_go_package_ok(c->name)) {
		fprintf(stderr, "bpfgen: -f go: '%s' cannot name a Go package; give -n NAME\n",
			c->name);
		return -1;
	}
	return 0;
}

/* -v: what the compiler's search did for P (deterministic counts). */
static void verbose_report(const struct program *p)
{
	const struct compile_stats *s = &p->stats;

	fprintf(stderr, "%s: search: %zu steps (argument-test walks %zu points, "
		"fewest-compares tree %zu cells, %zu programs generated with %zu "
		"instructions, layout %zu)\n", p->arch->name, s->steps, s->walk_points,
		s->tree_cells, s->candidates, s->candidate_steps, s->layout_steps);
	if (s->chosen_budget_out)
		fprintf(stderr, "%s: search: the argument-test walk of this program ran out "
			"of its budget after %zu points and stopped specialising on argument "
			"values: the program may be longer than it could be\n",
			p->arch->name, s->chosen_points);
	else if (s->walk_budget_out)
		fprintf(stderr, "%s: search: a specialising walk not chosen ran out of its "
			"budget\n", p->arch->name);
	if (s->layout_budget_out)
		fprintf(stderr, "%s: search: the layout search stopped at its budget: the "
			"program may be longer than it could be\n", p->arch->name);
}

static void emit(FILE *f, const struct cli *c, const struct program *progs)
{
	struct emit_info info = { c->policy, c->name, c->options };

	switch (c->format) {
	case FMT_C: emit_c(f, progs, c->narchs, &info); break;
	case FMT_RAW: emit_raw(f, &progs[0]); break;
	case FMT_ASM: emit_asm(f, &progs[0], &info); break;
	case FMT_RUST: emit_rust(f, progs, c->narchs, &info); break;
	case FMT_GO: break;     /* several files: gopkg_write */
	case FMT_POLICY: break;     /* written by write_text */
	}
}

static int write_output(const struct cli *c, const struct program *progs)
{
	struct emit_info info = { c->policy, c->name, c->options };
	struct outfile o;

	if (c->format == FMT_GO)
		return gopkg_write(c->out, progs, c->narchs, &info);

	if (out_open(&o, c->out) < 0) {
		fprintf(stderr, "bpfgen: cannot create '%s': %s\n", c->out, strerror(errno));
		return -1;
	}
	emit(o.f, c, progs);
	if (out_commit(&o) < 0) {
		fprintf(stderr, "bpfgen: cannot write '%s': %s\n",
			c->out ? c->out : "stdout", strerror(errno));
		return -1;
	}
	return 0;
}

/* --check: regenerate in memory and compare with the vendored header,
 * Rust module or Go package. */
static int check_header(const struct cli *c, const struct program *progs)
{
	struct emit_info info = { c->policy, c->name, c->options };
	char *want = NULL, *have = NULL;
	size_t want_len = 0, have_len = 0;
	FILE *mem;
	int rc;

	if (c->format == FMT_GO)
		return gopkg_check(c->check, progs, c->narchs, &info, stdout);
	mem = open_memstream(&want, &want_len);
	if (!mem) {
		perror("bpfgen: open_memstream");
		return -1;
	}
	emit(mem, c, progs);
	fclose(mem);
	if (read_file(c->check, 64u << 20, &have, &have_len) < 0) {
		fprintf(stderr, "bpfgen: cannot read '%s': %s\n", c->check, strerror(errno));
		free(want);
		return -1;
	}
	if (c->format == FMT_RUST)
		rc = source_diff(c->check, SOURCE_RUST, have, have_len, want, want_len, stdout);
	else
		rc = header_diff(c->check, have, have_len, want, want_len, stdout);
	free(want);
	free(have);
	return rc;
}

static int regular_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* -f policy: the imported text, written like any output. */
static int write_text(const struct cli *c, const struct import_result *r)
{
	struct outfile o;

	if (out_open(&o, c->out) < 0) {
		fprintf(stderr, "bpfgen: cannot create '%s': %s\n", c->out, strerror(errno));
		return -1;
	}
	fwrite(r->text, 1, r->len, o.f);
	if (out_commit(&o) < 0) {
		fprintf(stderr, "bpfgen: cannot write '%s': %s\n",
			c->out ? c->out : "stdout", strerror(errno));
		return -1;
	}
	return 0;
}

/* The compiler's diagnostics about R's text (in BUF), each naming the
 * profile's JSON path too. */
static void annotate(const struct import_result *r, char *buf)
{
	for (char *line = buf, *nl; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		import_annotate(r, line, stderr);
	}
}

/* Notes the import has for the output (the profile's flags...). */
static void take_import_notes(struct program *p, struct import_result *r)
{
	char **notes;

	if (r->nnotes == 0)
		return;
	notes = realloc(p->notes, (p->nnotes + r->nnotes) * sizeof(*notes));
	if (!notes) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	p->notes = notes;
	for (size_t i = 0; i < r->nnotes; i++)
		p->notes[p->nnotes++] = r->notes[i];
	r->nnotes = 0;
}

/* A container profile: import it for each target, then compile each
 * target's text as a policy (or, -f policy, print it). PROGS[0..*DONE)
 * are compiled; DIAG counts the warnings and errors. 0 or -1. */
static int compile_import(struct cli *c, const char *src, size_t len,
			  struct program *progs, size_t *done, struct diag *diag)
{
	struct import_result res[8];
	int rc = -1, warnings;

	warnings = import_profile(c->policy, src, len, c->archs, c->narchs, &c->imp,
				  res, stderr);
	if (warnings < 0) {
		diag->errors++;
		return -1;
	}
	diag->warnings += warnings;
	describe_options(c, res[0].options);
	if (c->format == FMT_POLICY && !c->lint) {
		rc = write_text(c, &res[0]);
		goto out;
	}
	for (size_t i = 0; i < c->narchs; i++) {
		struct diag d = { .disabled = diag->disabled, .werror = diag->werror };
		struct policy_ast *ast;
		char *buf = NULL;
		size_t size = 0;
		int ok;

		d.out = open_memstream(&buf, &size);
		if (!d.out) {
			perror("bpfgen: open_memstream");
			goto out;
		}
		ast = policy_parse_text(res[i].name, res[i].text, res[i].len, &d);
		ok = ast && compile_policies(ast, &c->archs[i], 1, &c->copts, &progs[i],
					     &d) == 0;
		fclose(d.out);
		annotate(&res[i], buf);
		if (buf && strstr(buf, "[-Warg64]") && !c->imp.typed)
			fprintf(stderr, "%s: note: runc compares whole registers, hence "
				"arg64(): --typed compares what the kernel reads instead\n",
				c->policy);
		free(buf);
		diag->warnings += d.warnings;
		diag->errors += d.errors;
		diag_free(&d);
		policy_free(ast);
		if (!ok)
			goto out;
		take_import_notes(&progs[i], &res[i]);
		(*done)++;
	}
	rc = 0;
out:
	for (size_t i = 0; i < c->narchs; i++)
		import_result_free(&res[i]);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli c;
	struct diag diag = { .out = stderr };
	struct policy_ast *ast = NULL;
	struct program progs[8];
	size_t done = 0, len = 0;
	char *src = NULL;
	int rc, status = 1, imported;

	memset(&c, 0, sizeof(c));
	/* Diagnostics are written in blocks, not one write(2) a line: a policy
	 * may earn tens of thousands of warnings. Exit flushes them. */
	setvbuf(stderr, NULL, _IOFBF, 1 << 16);
	rc = parse_args(&c, argc, argv);
	if (rc != 0)
		return rc == 1 ? 0 : rc == 2 ? 1 : 2;
	/* --check: 1 means "differs"; a policy that does not compile is 2. */
	if (c.check)
		status = 2;
	diag.disabled = c.wdisabled;
	diag.werror = c.werror;
	/* A container profile is JSON; a policy never starts with '{'. Only
	 * a regular file is read to tell (a FIFO can be read once). */
	imported = (regular_file(c.policy) || c.imp.from != IMPORT_DETECT) &&
		   read_file(c.policy, 64u << 20, &src, &len) == 0 &&
		   (import_is_json(src, len) || c.imp.from != IMPORT_DETECT);
	if (!imported && (c.imp_option || c.format == FMT_POLICY)) {
		fprintf(stderr, "bpfgen: %s is for container profiles (JSON); '%s' is a "
			"policy\n", c.imp_option ? c.imp_option : "-f policy", c.policy);
		free(src);
		return 2;
	}
	if (imported) {
		rc = compile_import(&c, src, len, progs, &done, &diag);
		if (c.format == FMT_POLICY && !c.lint) {
			status = rc == 0 ? 0 : 1;
			goto out;
		}
		if (rc < 0)
			goto out;
	} else {
		describe_options(&c, NULL);
		ast = policy_parse_file(c.policy, &diag);
		if (!ast)
			goto out;
		if (compile_policies(ast, c.archs, c.narchs, &c.copts, progs, &diag) < 0)
			goto out;
		done = c.narchs;
	}
	for (size_t i = 0; c.verbose && i < done; i++)
		verbose_report(&progs[i]);
	if (c.lint) {           /* clean: no warning, no error */
		status = diag.warnings || diag.errors ? 1 : 0;
		goto out;
	}
	if (stats_report(&c.stats, progs, c.narchs, stderr) < 0)
		goto out;
	if (c.check) {
		rc = check_header(&c, progs);
		status = rc == 0 ? 0 : rc > 0 ? 1 : 2;
	} else {
		status = write_output(&c, progs) == 0 ? 0 : 1;
	}
out:
	while (done > 0)
		program_free(&progs[--done]);
	policy_free(ast);
	diag_free(&diag);
	free(src);
	return status;
}
