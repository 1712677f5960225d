/* syscall-scan: which system calls can a binary make? Finds them
 * statically (tools/scan/scan.h describes the stages), prints them with
 * one example call path each, as text, JSON or an allow-list policy, and
 * with --policy gates a policy on them: exit 1 if a reachable syscall is
 * not allowed, 2 if the scan is incomplete, 0 otherwise, 3 on errors. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "bpf/seccomp.h"
#include "bpf/sim.h"
#include "bpfgen/compile.h"
#include "tools/scan/scan.h"

#define EXIT_CLEAN      0
#define EXIT_DENIED     1
#define EXIT_INCOMPLETE 2
#define EXIT_ERROR      3

enum format { F_TEXT, F_JSON, F_POLICY };

struct options {
	struct scan_options scan;
	enum format format;
	const char *policy;
	const char *arch;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: syscall-scan [options] BINARY...\n"
"\n"
"Finds, without running it, every system call BINARY can make: the syscall\n"
"instructions and syscall-wrapper calls reachable from the places the\n"
"loader enters it, through its libraries, with each site's number found by\n"
"data flow. ELF executables and shared objects for x86_64 and aarch64.\n"
"\n"
"  -a, --arch ARCH     refuse binaries not for ARCH (x86_64, aarch64)\n"
"      --sysroot DIR   find libraries and the loader under DIR (default /)\n"
"      --dlopen LIB    the program also dlopens LIB (repeatable)\n"
"      --no-nss        do not add the NSS modules nsswitch.conf names\n"
"      --strict        make no assumption (see the notes): sites resolved\n"
"                      only under one stay unresolved\n"
"      --all-sites     every site in the files, reachable or not\n"
"  -f, --format FMT    text (default), json, or policy (an allow-list)\n"
"      --json          same as -f json\n"
"      --policy FILE   compile FILE for the binary's architecture and list\n"
"                      every reachable syscall it does not allow\n"
"  -h, --help\n"
"\n"
"Exit status: 0 complete (and, with --policy, everything allowed); 1 the\n"
"policy does not allow a reachable syscall; 2 the scan is incomplete (a\n"
"site whose number is unknown, a library not found...); 3 error.\n");
}

static const struct arch *abi_arch(uint8_t abi)
{
	static const char *const names[ABI_N] = { "x86_64", "x32", "i386", "aarch64" };
	return arch_by_name(names[abi]);
}

static const char *sys_name(uint8_t abi, uint32_t nr, char *buf, size_t len)
{
	const char *n = abi_arch(abi) ? arch_syscall_name(abi_arch(abi), nr) : NULL;
	if (n)
		return n;
	snprintf(buf, len, "#%u", nr);
	return buf;
}

/* Example path of a found syscall, ending at the wrapper if any. */
static const char *found_path(const struct scan *s, const struct found *f, char *buf,
			      size_t len)
{
	scan_path(s, f->mod, f->fn, buf, len);
	if (f->via) {
		char lab[300];
		size_t k = strlen(buf);
		const struct module *m = &s->mods[f->wmod];
		snprintf(buf + k, len - k, " → %s", func_label(m, &m->funcs[f->wfn], lab,
								 sizeof lab));
	}
	return buf;
}

/* Length of the valid UTF-8 sequence at P, or 0. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string. Names come from the files: bytes that are not UTF-8
 * are written as \u00XX. */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int n = *p >= 0x80 ? utf8_len(p) : 1;
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f || n == 0)
			fprintf(out, "\\u%04x", *p);
		else {
			fwrite(p, 1, (size_t)n, out);
			p += n - 1;
		}
	}
	fputc('"', out);
}

/* ---- --policy ------------------------------------------------------------- */

struct verdict {
	const struct found *f;
	uint32_t action;   /* what the filter does with the call (all args zero) */
	int conditional;   /* allowed for some arguments, not for others */
};

static int allows(uint32_t ret)
{
	uint32_t a = sim_effective(ret) & ACT_FULL_MASK;
	return a == ACT_ALLOW || a == ACT_LOG;
}

/* Runs each found syscall through the compiled policy with a few argument
 * patterns. Returns the number of denied ones in *OUT (malloc'ed). */
static int gate(const struct scan *s, const char *policy, struct verdict **out,
		size_t *nout)
{
	const struct arch *a = arch_by_name(s->machine == MACH_X86_64 ? "x86_64" : "aarch64");
	struct compile_options co = { 0 };
	struct program prog;
	if (compile_policy_file(policy, a, &co, &prog, stderr))
		return -1;
	static const uint64_t patterns[] = { 0, 1, 0xffffffffffffffffull, 0x80000000ull,
					     0x7fffffff, 2 };
	*out = calloc(s->nfound ? s->nfound : 1, sizeof **out);
	*nout = 0;
	if (!*out) {
		program_free(&prog);
		return -1;
	}
	for (size_t i = 0; i < s->nfound; i++) {
		const struct found *f = &s->found[i];
		struct sim_data d = { .nr = f->nr, .arch = a->audit_arch };
		if (f->abi == ABI_X32)
			d.nr |= ARCH_X32_SYSCALL_BIT;
		else if (f->abi == ABI_I386)
			d.arch = arch_by_name("i386")->audit_arch;
		int yes = 0, no = 0;
		uint32_t first = 0;
		for (size_t k = 0; k < sizeof patterns / sizeof *patterns; k++) {
			for (int j = 0; j < 6; j++)
				d.args[j] = patterns[k];
			uint32_t r = sim_run(prog.insns, prog.len, &d, NULL);
			if (k == 0)
				first = r;
			if (allows(r))
				yes++;
			else
				no++;
		}
		if (!no)
			continue;
		struct verdict *v = &(*out)[(*nout)++];
		v->f = f;
		v->action = first;
		v->conditional = yes > 0;
	}
	program_free(&prog);
	return 0;
}

static size_t ndenied(const struct verdict *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += !v[i].conditional;
	return k;
}

/* ---- output ------------------------------------------------------------------ */

/* How many of the notes are assumptions the result rests on. */
static size_t assumptions(const struct scan *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nnotes; i++)
		n += strncmp(s->notes[i], "assumed: ", 9) == 0;
	return n;
}

static void print_text(FILE *out, const char *bin, const struct scan *s,
		       const struct options *o, const struct verdict *v, size_t nv)
{
	char path[4096], nb[32], lab[300];
	size_t total = 0;
	for (size_t i = 0; i < s->nmods; i++)
		total += s->mods[i].nfuncs;
	fprintf(out, "%s: %s, %zu modules, %zu of %zu functions %s\n", bin,
		s->machine == MACH_X86_64 ? "x86_64" : "aarch64", s->nmods, s->nreach,
		total, o->scan.all_sites ? "(--all-sites: all counted)" : "reachable");
	for (size_t i = 0; i < s->nmods; i++)
		fprintf(out, "  module %s%s\n", s->mods[i].ef.path,
			s->mods[i].is_interp ? " (dynamic loader)" :
			s->mods[i].is_dlopen ? " (dlopen)" : "");
	for (int abi = 0; abi < ABI_N; abi++) {
		size_t n = 0;
		for (size_t i = 0; i < s->nfound; i++)
			n += s->found[i].abi == abi;
		if (!n)
			continue;
		fprintf(out, "%s: %zu syscalls\n", abi_name[abi], n);
		for (size_t i = 0; i < s->nfound; i++) {
			const struct found *f = &s->found[i];
			if (f->abi != abi)
				continue;
			fprintf(out, "  %-24s %4u  %s\n", sys_name(f->abi, f->nr, nb, sizeof nb),
				f->nr, found_path(s, f, path, sizeof path));
		}
	}
	if (s->nunres) {
		fprintf(out, "unresolved sites: %zu\n", s->nunres);
		for (size_t i = 0; i < s->nunres; i++) {
			const struct unresolved *u = &s->unres[i];
			const struct module *m = &s->mods[u->mod];
			fprintf(out, "  0x%llx in %s: %s\n    path: %s\n",
				(unsigned long long)u->at,
				func_label(m, &m->funcs[u->fn], lab, sizeof lab), u->reason,
				scan_path(s, u->mod, u->fn, path, sizeof path));
		}
	}
	for (size_t i = 0; i < s->nnotes; i++)
		fprintf(out, "note: %s\n", s->notes[i]);
	if (o->policy) {
		fprintf(out, "policy %s: %zu reachable syscalls not allowed\n", o->policy,
			ndenied(v, nv));
		for (size_t i = 0; i < nv; i++) {
			char act[64];
			seccomp_action_format(v[i].action, act, sizeof act);
			fprintf(out, "  %s %s (%u): %s%s\n    path: %s\n",
				v[i].conditional ? "conditional" : "DENIED",
				sys_name(v[i].f->abi, v[i].f->nr, nb, sizeof nb), v[i].f->nr, act,
				v[i].conditional ? " for some arguments (allowed for others)" : "",
				found_path(s, v[i].f, path, sizeof path));
		}
	}
	size_t nassumed = assumptions(s);
	if (!s->incomplete && nassumed)
		fprintf(out, "result: complete, under %zu assumption%s (the notes \"assumed:\"; "
			"--strict refuses them)\n", nassumed, nassumed == 1 ? "" : "s");
	else
		fprintf(out, "result: %s\n", s->incomplete ? "incomplete" : "complete");
}

static void print_json(FILE *out, const char *bin, const struct scan *s,
		       const struct options *o, const struct verdict *v, size_t nv)
{
	char path[4096], nb[32], lab[300], addr[32];
	fprintf(out, "{\"binary\": ");
	json_str(out, bin);
	fprintf(out, ", \"arch\": \"%s\", \"complete\": %s, \"all_sites\": %s, "
		"\"reachable_functions\": %zu,\n  \"modules\": [",
		s->machine == MACH_X86_64 ? "x86_64" : "aarch64",
		s->incomplete ? "false" : "true", o->scan.all_sites ? "true" : "false", s->nreach);
	for (size_t i = 0; i < s->nmods; i++) {
		fprintf(out, "%s", i ? ", " : "");
		json_str(out, s->mods[i].ef.path);
	}
	fprintf(out, "],\n  \"syscalls\": [");
	for (size_t i = 0; i < s->nfound; i++) {
		const struct found *f = &s->found[i];
		fprintf(out, "%s\n    {\"abi\": \"%s\", \"nr\": %u, \"name\": ", i ? "," : "",
			abi_name[f->abi], f->nr);
		json_str(out, sys_name(f->abi, f->nr, nb, sizeof nb));
		fprintf(out, ", \"path\": ");
		json_str(out, found_path(s, f, path, sizeof path));
		fprintf(out, "}");
	}
	fprintf(out, "],\n  \"unresolved\": [");
	for (size_t i = 0; i < s->nunres; i++) {
		const struct unresolved *u = &s->unres[i];
		const struct module *m = &s->mods[u->mod];
		snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)u->at);
		fprintf(out, "%s\n    {\"address\": \"%s\", \"module\": ", i ? "," : "", addr);
		json_str(out, m->ef.path);
		fprintf(out, ", \"function\": ");
		json_str(out, func_label(m, &m->funcs[u->fn], lab, sizeof lab));
		fprintf(out, ", \"reason\": ");
		json_str(out, u->reason);
		fprintf(out, ", \"path\": ");
		json_str(out, scan_path(s, u->mod, u->fn, path, sizeof path));
		fprintf(out, "}");
	}
	fprintf(out, "],\n  \"notes\": [");
	for (size_t i = 0; i < s->nnotes; i++) {
		fprintf(out, "%s\n    ", i ? "," : "");
		json_str(out, s->notes[i]);
	}
	fprintf(out, "],\n  \"assumptions\": [");
	for (size_t i = 0, k = 0; i < s->nnotes; i++)
		if (strncmp(s->notes[i], "assumed: ", 9) == 0) {
			fprintf(out, "%s\n    ", k++ ? "," : "");
			json_str(out, s->notes[i] + 9);
		}
	fprintf(out, "]");
	if (o->policy) {
		fprintf(out, ",\n  \"policy\": {\"file\": ");
		json_str(out, o->policy);
		fprintf(out, ", \"denied\": [");
		for (size_t i = 0; i < nv; i++) {
			char act[64];
			seccomp_action_format(v[i].action, act, sizeof act);
			fprintf(out, "%s\n    {\"abi\": \"%s\", \"nr\": %u, \"name\": ", i ? "," : "",
				abi_name[v[i].f->abi], v[i].f->nr);
			json_str(out, sys_name(v[i].f->abi, v[i].f->nr, nb, sizeof nb));
			fprintf(out, ", \"action\": ");
			json_str(out, act);
			fprintf(out, ", \"conditional\": %s, \"path\": ",
				v[i].conditional ? "true" : "false");
			json_str(out, found_path(s, v[i].f, path, sizeof path));
			fprintf(out, "}");
		}
		fprintf(out, "]}");
	}
	fprintf(out, "}");
}

static void print_policy(FILE *out, const char *bin, const struct scan *s)
{
	char nb[32];
	int i386 = 0, x32 = 0;
	for (size_t i = 0; i < s->nfound; i++) {
		i386 |= s->found[i].abi == ABI_I386;
		x32 |= s->found[i].abi == ABI_X32;
	}
	fprintf(out, "# Generated by syscall-scan from %s: allows the %s syscalls\n"
		"# reachable from it%s.\n", bin,
		s->machine == MACH_X86_64 ? "x86_64" : "aarch64",
		s->incomplete ? " (the scan was INCOMPLETE: see its report)" : "");
	fprintf(out, "default kill-process\n");
	if (i386)
		fprintf(out, "on-bad-arch allow    # it makes i386 calls (int 0x80)\n");
	if (x32)
		fprintf(out, "on-x32 allow         # it makes x32 calls\n");
	uint8_t abi = s->machine == MACH_X86_64 ? ABI_X86_64 : ABI_AARCH64;
	size_t n = 0;
	for (size_t i = 0; i < s->nfound; i++) {
		const struct found *f = &s->found[i];
		const char *name = arch_syscall_name(abi_arch(abi), f->nr);
		if (f->abi != abi)
			continue;
		if (!name) {
			fprintf(out, "# number %u has no name in the table\n",
				f->nr);
			continue;
		}
		fprintf(out, "%s%s", n ? ",\n       " : "allow: ", sys_name(abi, f->nr, nb, sizeof nb));
		n++;
	}
	if (n)
		fprintf(out, "\n");
}

/* ---- main ---------------------------------------------------------------- */

static int parse(int argc, char **argv, struct options *o)
{
	enum { OPT_SYSROOT = 256, OPT_JSON, OPT_POLICY, OPT_ALL, OPT_DLOPEN, OPT_NONSS,
	       OPT_STRICT };
	static const struct option longs[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "format", required_argument, NULL, 'f' },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "all-sites", no_argument, NULL, OPT_ALL },
		{ "dlopen", required_argument, NULL, OPT_DLOPEN },
		{ "no-nss", no_argument, NULL, OPT_NONSS },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "a:f:h", longs, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (strcmp(optarg, "x86_64") && strcmp(optarg, "aarch64")) {
				fprintf(stderr, "syscall-scan: error: unknown architecture '%s' "
					"(x86_64 or aarch64)\n", optarg);
				return -1;
			}
			o->arch = optarg;
			break;
		case OPT_SYSROOT: o->scan.sysroot = optarg; break;
		case OPT_JSON: o->format = F_JSON; break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = F_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->format = F_JSON;
			else if (strcmp(optarg, "policy") == 0)
				o->format = F_POLICY;
			else {
				fprintf(stderr, "syscall-scan: error: unknown format '%s' "
					"(text, json, policy)\n", optarg);
				return -1;
			}
			break;
		case OPT_POLICY: o->policy = optarg; break;
		case OPT_ALL: o->scan.all_sites = 1; break;
		case OPT_NONSS: o->scan.no_nss = 1; break;
		case OPT_STRICT: o->scan.strict = 1; break;
		case OPT_DLOPEN: {
			const char **d = realloc(o->scan.dlopen, (o->scan.ndlopen + 1) * sizeof *d);
			if (!d)
				return -1;
			o->scan.dlopen = d;
			d[o->scan.ndlopen++] = optarg;
			break;
		}
		case 'h': usage(stdout); exit(EXIT_CLEAN);
		default: usage(stderr); return -1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .scan = { .sysroot = "/" } };
	if (parse(argc, argv, &o)) {
		free(o.scan.dlopen);
		return EXIT_ERROR;
	}
	int status = EXIT_CLEAN, denied = 0;
	if (o.format == F_JSON && argc - optind > 1)
		printf("[");
	for (int i = optind; i < argc; i++) {
		struct scan s;
		char err[600];
		if (scan_run(&s, argv[i], &o.scan, err, sizeof err)) {
			fprintf(stderr, "syscall-scan: error: %s\n", err);
			scan_free(&s);
			status = EXIT_ERROR;
			continue;
		}
		const char *want = s.machine == MACH_X86_64 ? "x86_64" : "aarch64";
		if (o.arch && strcmp(o.arch, want) != 0) {
			fprintf(stderr, "syscall-scan: error: %s: an %s binary, not %s\n",
				argv[i], want, o.arch);
			scan_free(&s);
			status = EXIT_ERROR;
			continue;
		}
		struct verdict *v = NULL;
		size_t nv = 0;
		if (o.policy && gate(&s, o.policy, &v, &nv)) {
			fprintf(stderr, "syscall-scan: error: policy %s does not compile\n", o.policy);
			scan_free(&s);
			free(o.scan.dlopen);
			return EXIT_ERROR;
		}
		if (o.format == F_JSON) {
			if (i > optind)
				printf(",\n");
			print_json(stdout, argv[i], &s, &o, v, nv);
			if (argc - optind == 1)
				printf("\n");
		} else if (o.format == F_POLICY) {
			print_policy(stdout, argv[i], &s);
		} else {
			print_text(stdout, argv[i], &s, &o, v, nv);
		}
		if (ndenied(v, nv))
			denied = 1;
		if (s.incomplete && status == EXIT_CLEAN)
			status = EXIT_INCOMPLETE;
		free(v);
		scan_free(&s);
	}
	if (o.format == F_JSON && argc - optind > 1)
		printf("]\n");
	free(o.scan.dlopen);
	if (status == EXIT_ERROR)
		return EXIT_ERROR;
	return denied ? EXIT_DENIED : status;
}
