/* syscall-record: runs a command under seccomp user notification and
 * writes the allow-list policy (or the raw record as JSON) its run needed. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfgen/version.h"
#include "tools/record/policy_out.h"
#include "tools/record/supervise.h"
#ifndef RECORD_NO_JSON
#include "tools/record/record_json.h"
#endif

/* Exit statuses of our own, as env(1) and timeout(1) use them. */
#define EXIT_RECORDER 125
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND 127

struct options {
	const char *out;        /* -o, NULL for stdout */
	const char *deflt;
	const char *merge;
	int args, json, quiet;
	long linger_ms;
	char **command;
};

static void usage(FILE *f)
{
	fputs("usage: syscall-record [OPTIONS] -- COMMAND [ARGS...]\n"
	      "Runs COMMAND under a seccomp filter that notifies this program of\n"
	      "every system call (its threads and descendants too), lets each\n"
	      "call run, and writes the allow-list policy the run needed.\n"
	      "  -o FILE            write the policy (or JSON) to FILE (default stdout)\n"
	      "  --args             record argument values (socket family and type,\n"
	      "                     ioctl request, fcntl cmd, prctl option, clone flags,\n"
	      "                     personality, mmap/mprotect PROT_EXEC, futex op,\n"
	      "                     setsockopt/getsockopt level) and write rules on them\n"
	      "  --default ACTION   the policy's default action (default kill-process)\n"
	      "  --merge OLD        write OLD with only the rules it lacks added\n"
	      "  --json             write the raw record as JSON instead of a policy\n"
	      "  --linger SECONDS   after COMMAND exits, record its descendants for at\n"
	      "                     most SECONDS more (default: until none is left;\n"
	      "                     0: stop when COMMAND exits)\n"
	      "  -q, --quiet        no summary on stderr\n"
	      "Exit status: COMMAND's (128+N if killed by signal N); 125 when\n"
	      "recording failed, 126/127 when COMMAND could not be run.\n", f);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_ARGS = 256, OPT_DEFAULT, OPT_MERGE, OPT_JSON, OPT_LINGER,
	       OPT_HELP, OPT_VERSION };
	static const struct option longopts[] = {
		{ "args", no_argument, NULL, OPT_ARGS },
		{ "default", required_argument, NULL, OPT_DEFAULT },
		{ "merge", required_argument, NULL, OPT_MERGE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "linger", required_argument, NULL, OPT_LINGER },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};
	int c;
	char *end;

	memset(o, 0, sizeof(*o));
	o->deflt = "kill-process";
	o->linger_ms = -1;
	while ((c = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case OPT_ARGS:
			o->args = 1;
			break;
		case OPT_DEFAULT:
			if (!policy_action_ok(optarg)) {
				fprintf(stderr, "syscall-record: --default: '%s' is no action "
					"(allow, log, kill-process, kill-thread, trap, "
					"errno(N), trace(N))\n", optarg);
				return -1;
			}
			o->deflt = optarg;
			break;
		case OPT_MERGE:
			o->merge = optarg;
			break;
		case OPT_JSON:
#ifdef RECORD_NO_JSON
			fprintf(stderr, "syscall-record: --json: this build has no json-c\n");
			return -1;
#endif
			o->json = 1;
			break;
		case OPT_LINGER:
			errno = 0;
			double s = strtod(optarg, &end);
			if (end == optarg || *end || errno || s < 0 || s > 1e6) {
				fprintf(stderr, "syscall-record: --linger: '%s' is no number "
					"of seconds\n", optarg);
				return -1;
			}
			o->linger_ms = (long)(s * 1000);
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("syscall-record (bpfgen) %s\n", BPFGEN_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "syscall-record: no command given\n");
		usage(stderr);
		return -1;
	}
	if (o->json && o->merge) {
		fprintf(stderr, "syscall-record: --json and --merge do not go together\n");
		return -1;
	}
	o->command = argv + optind;
	return 0;
}

/* ARG as a shell would need it quoted; control characters as $'\xHH' so
 * that the policy's comment stays on one line. */
static void quote_arg(FILE *f, const char *arg)
{
	int plain = *arg != 0, ctrl = 0;

	for (const unsigned char *p = (const unsigned char *)arg; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			ctrl = 1;
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_@%+=:,./-", *p))
			plain = 0;
	}
	if (plain) {
		fputs(arg, f);
	} else if (ctrl) {
		fputs("$'", f);
		for (const unsigned char *p = (const unsigned char *)arg; *p; p++) {
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\x%02x", *p);
			else if (*p == '\'' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else
				fputc(*p, f);
		}
		fputc('\'', f);
	} else {
		fputc('\'', f);
		for (const char *p = arg; *p; p++)
			if (*p == '\'')
				fputs("'\\''", f);
			else
				fputc(*p, f);
		fputc('\'', f);
	}
}

static char *command_line(char **argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("Command: ", f);
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			fputc(' ', f);
		quote_arg(f, argv[i]);
	}
	fclose(f);
	return buf;
}

static int write_output(FILE *f, const struct options *o, const struct record *r)
{
	char *cmd = command_line(o->command);
	const char *header[] = {
		"Allow-list recorded by syscall-record: review it before use.",
		cmd ? cmd : "Command: ?",
		"Only what this run did is here: error paths, signals and features",
		"it did not exercise are not. Record the program's tests too, and",
		"add later runs with --merge. Counts are approximate: a call",
		"interrupted while it waited is notified again.",
		NULL,
	};
	struct policy_out_opts po = { "syscall-record", header, o->deflt, o->merge };
	int rc;

#ifndef RECORD_NO_JSON
	if (o->json)
		rc = record_write_json(f, r, "syscall-record", o->command);
	else
#endif
		rc = policy_write(f, r, &po, stderr);
	free(cmd);
	return rc;
}

/* Written beside the target and renamed: a failure leaves OUT as it was
 * (and --merge OLD -o OLD reads OLD whole before it is replaced). */
static int write_record(const struct options *o, const struct record *r)
{
	char *tmp;
	FILE *f;
	int rc;

	if (!o->out)
		return write_output(stdout, o, r) == 0 && fflush(stdout) == 0 ? 0 : -1;
	if (asprintf(&tmp, "%s.tmp.%ld", o->out, (long)getpid()) < 0)
		return -1;
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "syscall-record: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	rc = write_output(f, o, r);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, o->out) != 0) {
		if (rc == 0)
			fprintf(stderr, "syscall-record: %s: %s\n", o->out, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	return rc;
}

static void summary(const struct options *o, const struct record *r,
		    const struct supervise_result *res)
{
	char buf[32];

	for (size_t i = 0; i < r->nabis; i++) {
		const struct rec_abi *a = &r->abis[i];
		fprintf(stderr, "syscall-record: %s: %zu system calls, %" PRIu64 " calls%s\n",
			record_abi_name(a, buf, sizeof(buf)), a->ncalls, a->total,
			record_target(a) ? "" : " -- FOREIGN ABI: the policy's on-bad-arch/"
			"on-x32 action decides these, not its rules");
	}
	if (res->left_behind)
		fprintf(stderr, "syscall-record: --linger ended the recording while "
			"descendants of the command were still running (or exiting); their "
			"calls from now on fail with ENOSYS\n");
	if (o->out)
		fprintf(stderr, "syscall-record: %s written to %s\n",
			o->json ? "record" : "policy", o->out);
}

int main(int argc, char **argv)
{
	struct options o;
	struct record r;
	struct supervise_result res;
	struct supervise_opts so;
	int status;

	if (parse_options(argc, argv, &o) != 0)
		return EXIT_RECORDER;
	record_init(&r, o.args);
	so.argv = o.command;
	so.linger_ms = o.linger_ms;
	if (supervise_run(&so, &r, &res, stderr) != 0) {
		record_free(&r);
		return EXIT_RECORDER;
	}
	if (res.exec_errno)
		fprintf(stderr, "syscall-record: %s: %s\n", o.command[0],
			strerror(res.exec_errno));
	if (res.incomplete)
		fprintf(stderr, "syscall-record: the record is incomplete (see above)\n");
	if (!o.quiet)
		summary(&o, &r, &res);
	if (WIFSIGNALED(res.status))
		status = 128 + WTERMSIG(res.status);
	else
		status = WEXITSTATUS(res.status);
	if (write_record(&o, &r) != 0) {
		fprintf(stderr, "syscall-record: the record could not be written\n");
		status = EXIT_RECORDER;
	}
	record_free(&r);
	return status;
}
