/* bpfdis: show a BPF program as a listing (or a Graphviz graph), read from
 * a raw file, from the arrays of a generated C header, or from the
 * seccomp filters of a running process. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "bpfgen/util.h"
#include "bpf/disasm.h"
#include "bpf/asm_dot.h"
#include "bpf/header_read.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

struct options {
	const struct arch *arch;  /* -a, or NULL */
	int dot;
	long pid;                 /* --pid, or 0 */
	long filter;              /* --filter N: only that one, or -1 */
	const char *path;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfdis [-a ARCH] [--dot] FILE\n"
		"       bpfdis [-a ARCH] [--dot] --pid PID\n"
		"  FILE       a raw program (struct sock_filter bytes) or C\n"
		"             source with 'struct sock_filter NAME[] = {...};'\n"
		"             arrays (the arch then comes from NAME's _x86_64/\n"
		"             _aarch64 suffix); '-' reads standard input\n"
		"  --pid PID  the seccomp filters of a process, numbered as the\n"
		"             kernel does: 0 = installed first\n"
		"             (needs CAP_SYS_ADMIN and ptrace access)\n"
		"  -a ARCH    name syscalls and architectures in comments\n"
		"             (default for --pid: this machine's); of a header's\n"
		"             arrays, only that architecture's\n"
		"  --filter N only program N: the Nth array of a header, or\n"
		"             filter N of --pid (a listing of one program is\n"
		"             what bpfasm assembles)\n"
		"  --dot      Graphviz control-flow graph instead of a listing\n");
}

/* One program out: a listing, or a digraph named after the program. */
static int show(const struct options *o, const char *title, const char *gname,
		const struct arch *arch, const struct sock_filter *prog,
		size_t len)
{
	if (o->dot) {
		if (dot_program(stdout, gname, arch, prog, len) != 0) {
			fprintf(stderr, "bpfdis: out of memory\n");
			return -1;
		}
		return 0;
	}
	if (title)
		printf("; %s: %zu instructions%s%s\n", title, len,
		       arch ? ", " : "", arch ? arch->name : "");
	disasm_program(stdout, arch, prog, len);
	return 0;
}

/* Reads all of F; returns a malloc'd buffer or NULL. */
static char *slurp(FILE *f, size_t *len)
{
	char *buf;

	return read_stream(f, (size_t)256 << 20, &buf, len) == 0 ? buf : NULL;
}

static int show_header(const struct options *o, const char *data, size_t len)
{
	struct header_file h;
	size_t shown = 0;
	int rc = 0;

	if (header_read(data, len, o->path, &h, stderr) != 0)
		return -1;
	for (size_t i = 0; i < h.narrays && rc == 0; i++) {
		const struct header_array *a = &h.arrays[i];
		const struct arch *arch = a->arch ? a->arch : o->arch;

		/* -a picks the arrays of that architecture (and those
		 * whose name says none); --filter one by its index. */
		if ((o->arch && a->arch && a->arch != o->arch) ||
		    (o->filter >= 0 && (size_t)o->filter != i))
			continue;
		if (shown++ && !o->dot)
			putchar('\n');
		rc = show(o, a->name, a->name, arch, a->insns, a->len);
	}
	if (rc == 0 && !shown) {
		if (o->filter >= 0)
			fprintf(stderr, "bpfdis: %s: no array %ld%s%s (it has %zu, "
				"numbered from 0)\n", o->path, o->filter,
				o->arch ? " for " : "", o->arch ? o->arch->name : "",
				h.narrays);
		else
			fprintf(stderr, "bpfdis: %s: no %s array\n", o->path,
				o->arch->name);
		rc = -1;
	}
	header_file_free(&h);
	return rc;
}

static int show_raw(const struct options *o, const char *data, size_t len)
{
	struct sock_filter *prog;
	size_t n = len / sizeof(*prog);
	int rc;

	if (len == 0 || len % sizeof(*prog) != 0) {
		fprintf(stderr, "bpfdis: %s: %zu bytes is not a whole number of "
			"%zu-byte instructions, and it is not C source with a "
			"struct sock_filter array\n", o->path, len,
			sizeof(*prog));
		return -1;
	}
	prog = malloc(len);
	if (!prog) {
		fprintf(stderr, "bpfdis: out of memory\n");
		return -1;
	}
	memcpy(prog, data, len);  /* DATA need not be aligned */
	rc = show(o, NULL, "filter", o->arch, prog, n);
	free(prog);
	return rc;
}

static int show_file(const struct options *o)
{
	FILE *f = strcmp(o->path, "-") ? fopen(o->path, "rb") : stdin;
	size_t len = 0;
	char *data;
	int rc;

	if (!f) {
		fprintf(stderr, "bpfdis: cannot open %s: %s\n", o->path,
			strerror(errno));
		return -1;
	}
	data = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	if (!data) {
		fprintf(stderr, "bpfdis: cannot read %s: %s\n", o->path,
			strerror(errno));
		return -1;
	}
	rc = header_detect(data, len) ? show_header(o, data, len)
				      : show_raw(o, data, len);
	free(data);
	return rc;
}

/* --- --pid --- */

static const char *get_filter_error(int err)
{
	switch (err) {
	case EACCES:
		return "permission denied: needs CAP_SYS_ADMIN, and bpfdis "
		       "itself must not run under seccomp";
	case EINVAL:
		return "the process is not in seccomp filter mode";
	case EMEDIUMTYPE:
		return "the kernel kept no copy of this filter "
		       "(needs CONFIG_CHECKPOINT_RESTORE)";
	default:
		return strerror(err);
	}
}

/* Attach without sending a signal, and wait until the tracee stops. */
static int seize(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0) {
		fprintf(stderr, "bpfdis: cannot attach to pid %d: %s\n",
			(int)pid, strerror(errno));
		return -1;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) != 0 ||
	    waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status)) {
		fprintf(stderr, "bpfdis: cannot stop pid %d: %s\n", (int)pid,
			strerror(errno));
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return -1;
	}
	return 0;
}

/* Filter INDEX of PID into *PROG; returns its length, 0 when there is no
 * such filter, or -1 on error. */
static long fetch_filter(pid_t pid, unsigned long index,
			 struct sock_filter **prog)
{
	long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)index, NULL);

	*prog = NULL;
	if (n < 0 && errno == ENOENT)
		return 0;
	if (n <= 0) {
		fprintf(stderr, "bpfdis: pid %d, filter %lu: %s\n", (int)pid,
			index, n < 0 ? get_filter_error(errno) : "empty");
		return -1;
	}
	*prog = calloc((size_t)n, sizeof(**prog));
	if (!*prog) {
		fprintf(stderr, "bpfdis: out of memory\n");
		return -1;
	}
	if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)index, *prog) != n) {
		fprintf(stderr, "bpfdis: pid %d, filter %lu changed while "
			"reading: %s\n", (int)pid, index, strerror(errno));
		free(*prog);
		*prog = NULL;
		return -1;
	}
	return n;
}

struct fetched {
	struct sock_filter *prog;
	size_t len;
};

/* Every filter of PID, oldest first: the kernel's index 0 is the filter
 * installed first (it walks back from the newest). Returns the count. */
static long fetch_all(pid_t pid, struct fetched **out)
{
	struct fetched *all = NULL, *p;
	struct sock_filter *prog;
	long n, count = 0;

	for (;;) {
		n = fetch_filter(pid, (unsigned long)count, &prog);
		if (n <= 0)
			break;
		p = realloc(all, (size_t)(count + 1) * sizeof(*p));
		if (!p) {
			fprintf(stderr, "bpfdis: out of memory\n");
			free(prog);
			n = -1;
			break;
		}
		all = p;
		all[count].prog = prog;
		all[count++].len = (size_t)n;
	}
	*out = all;
	return n < 0 ? -1 - count : count;
}

static const char *age(long i, long count)
{
	if (count == 1)
		return " (the only one)";
	if (i == 0)
		return " (installed first)";
	return i == count - 1 ? " (most recently installed)" : "";
}

static int show_filters(const struct options *o, pid_t pid)
{
	struct fetched *all;
	long count = fetch_all(pid, &all);
	long have = count < 0 ? -1 - count : count;
	char title[128], gname[32];

	if (count > 0 && o->filter >= count) {
		fprintf(stderr, "bpfdis: pid %d has %ld filter%s; no filter %ld\n",
			(int)pid, count, count == 1 ? "" : "s", o->filter);
		count = -1 - count;
	}
	for (long i = 0; i < have; i++) {
		if (count >= 0 && (o->filter < 0 || o->filter == i)) {
			snprintf(title, sizeof(title), "pid %d filter %ld%s",
				 (int)pid, i, age(i, count));
			snprintf(gname, sizeof(gname), "filter%ld", i);
			if (i && o->filter < 0 && !o->dot)
				putchar('\n');
			show(o, title, gname, o->arch, all[i].prog, all[i].len);
		}
		free(all[i].prog);
	}
	free(all);
	if (count == 0)
		fprintf(stderr, "bpfdis: pid %d has no seccomp filter\n",
			(int)pid);
	return count > 0 ? 0 : -1;
}

static int show_pid(const struct options *o)
{
	pid_t pid = (pid_t)o->pid;
	int rc;

	if (seize(pid) != 0)
		return -1;
	rc = show_filters(o, pid);
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) != 0) {
		fprintf(stderr, "bpfdis: detaching from pid %d: %s\n", (int)pid,
			strerror(errno));
		rc = -1;
	}
	return rc;
}

static const struct arch *native_arch(void)
{
#if defined(__x86_64__)
	return arch_by_name("x86_64");
#elif defined(__aarch64__)
	return arch_by_name("aarch64");
#else
	return NULL;
#endif
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "dot", no_argument, NULL, 'd' },
		{ "pid", required_argument, NULL, 'p' },
		{ "filter", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->arch = arch_by_name(optarg);
			if (!o->arch) {
				fprintf(stderr, "bpfdis: unknown architecture "
					"'%s' (try x86_64 or aarch64)\n", optarg);
				return 2;
			}
			break;
		case 'd': o->dot = 1; break;
		case 'p':
			o->pid = strtol(optarg, &end, 10);
			if (*end || o->pid <= 0) {
				fprintf(stderr, "bpfdis: bad pid '%s'\n", optarg);
				return 2;
			}
			break;
		case 'f':
			o->filter = strtol(optarg, &end, 10);
			if (*end || *optarg == '\0' || o->filter < 0) {
				fprintf(stderr, "bpfdis: bad filter number '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); exit(0);
		default:  usage(stderr); return 2;
		}
	}
	if (o->pid ? optind != argc : optind != argc - 1) {
		fprintf(stderr, "bpfdis: need exactly one FILE or --pid PID\n");
		usage(stderr);
		return 2;
	}
	o->path = o->pid ? NULL : argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .filter = -1 };
	int rc = parse_args(argc, argv, &o);

	if (rc)
		return rc;
	if (o.pid) {
		if (!o.arch)
			o.arch = native_arch();
		rc = show_pid(&o);
	} else {
		rc = show_file(&o);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "bpfdis: writing output: %s\n", strerror(errno));
		return 1;
	}
	return rc ? 1 : 0;
}
