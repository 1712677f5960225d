/* seccomp-audit: reports seccomp violations from the kernel's audit trail
 * (log files, /dev/kmsg, the audit netlink stream), or those of one command
 * run under it (--run). Informative only: the kernel may drop records. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/audit/audit.h"
#include "tools/audit/audit_live.h"
#include "tools/record/policy_out.h"

/* A line longer than this is no audit record (those are < 9000 bytes). */
#define LINE_MAX_BYTES (256 * 1024)
/* After --run's command exits, records still in flight through kauditd
 * get this long to arrive. */
#define DEFAULT_GRACE_MS 1000

enum source { SRC_FILES, SRC_KMSG, SRC_NETLINK, SRC_AUTO };

struct options {
	int json, stats, follow, grace_ms;
	int policy;       /* --policy: allow rules instead of events */
	const char *deflt, *merge;
	enum source source;
	struct audit_filter filter;
	char **files;     /* NULL-terminated */
	char **command;   /* --run: NULL-terminated argv */
};

/* Events kept back until --run's command has exited. */
struct event_list {
	struct audit_event *v;
	size_t n, cap;
};

struct report {
	const struct options *opt;
	struct audit_tally t;   /* what was read */
	long shown, undated;    /* printed; without a time under --since */
	int collect;            /* --run: keep events, print at the end */
	pid_t tree_root;        /* --run without a session: match this tree */
	struct event_list kept;
	int out_failed;
	struct record rec;      /* --policy: the events' syscalls per ABI */
};

static void usage(FILE *f)
{
	fputs("usage: seccomp-audit [OPTIONS] [FILE...]     (FILE '-' is stdin)\n"
	      "       seccomp-audit [OPTIONS] --kmsg|--netlink [--follow]\n"
	      "       seccomp-audit [OPTIONS] --run -- COMMAND [ARGS...]\n"
	      "Reports seccomp audit records from audit.log, syslog/kern.log,\n"
	      "dmesg, journalctl (text or -o json), /dev/kmsg or the audit\n"
	      "netlink stream. With no FILE it reads netlink if it may, else\n"
	      "/dev/kmsg.\n"
	      "  --pid PID     only events of this process id (exact)\n"
	      "  --comm NAME   only events of this command name (exact)\n"
	      "  --since T     only events at or after T: 30s, 10m, 2h, 1d ago,\n"
	      "                or an audit stamp like 1700000000.123 or\n"
	      "                audit(1700000000.123:42)\n"
	      "  --follow      keep reading the live source (not files)\n"
	      "  --json        one JSON object per event\n"
	      "  --stats       count events, skipped lines, dropped copies and\n"
	      "                the kernel's reported losses on stderr\n"
	      "  --grace MS    --run: wait MS ms for late records (default 1000)\n"
	      "  --policy      instead of events, print the allow rules a policy\n"
	      "                would need for every syscall they show, per\n"
	      "                architecture, in bpfgen's language\n"
	      "  --default ACTION  --policy: the default action (kill-process)\n"
	      "  --merge OLD   --policy: print OLD with only the rules it lacks added\n"
	      "The report is informative: the kernel rate-limits these records\n"
	      "and logs errno/trap only for filters installed with\n"
	      "SECCOMP_FILTER_FLAG_LOG.\n", f);
}

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum { OPT_PID = 256, OPT_COMM, OPT_SINCE, OPT_FOLLOW, OPT_JSON, OPT_STATS,
       OPT_KMSG, OPT_NETLINK, OPT_RUN, OPT_GRACE, OPT_HELP, OPT_POLICY,
       OPT_DEFAULT, OPT_MERGE };

static int parse_option(int c, struct options *o, int *run)
{
	long v;

	switch (c) {
	case OPT_PID:
		if (parse_int(optarg, 1, INT32_MAX, &v) != 0) {
			fprintf(stderr, "seccomp-audit: --pid wants a process id, "
				"got '%s'\n", optarg);
			return -1;
		}
		o->filter.by_pid = 1;
		o->filter.pid = (int32_t)v;
		return 0;
	case OPT_COMM:
		o->filter.comm = optarg;
		return 0;
	case OPT_SINCE:
		if (audit_parse_since(optarg, now_ms(), &o->filter.since_ms)) {
			fprintf(stderr, "seccomp-audit: --since wants 30s, 10m, "
				"2h, 1d or an audit stamp like 1700000000.123 "
				"or audit(1700000000.123:42), got '%s'\n",
				optarg);
			return -1;
		}
		o->filter.by_since = 1;
		return 0;
	case OPT_GRACE:
		if (parse_int(optarg, 0, 600000, &v) != 0) {
			fprintf(stderr, "seccomp-audit: --grace wants "
				"milliseconds (0-600000), got '%s'\n", optarg);
			return -1;
		}
		o->grace_ms = (int)v;
		return 0;
	case OPT_DEFAULT:
		if (!policy_action_ok(optarg)) {
			fprintf(stderr, "seccomp-audit: --default: '%s' is no action "
				"(allow, log, kill-process, kill-thread, trap, "
				"errno(N), trace(N))\n", optarg);
			return -1;
		}
		o->deflt = optarg;
		o->policy = 1;
		return 0;
	case OPT_MERGE:   o->merge = optarg; o->policy = 1; return 0;
	case OPT_POLICY:  o->policy = 1; return 0;
	case OPT_FOLLOW:  o->follow = 1; return 0;
	case OPT_JSON:    o->json = 1; return 0;
	case OPT_STATS:   o->stats = 1; return 0;
	case OPT_KMSG:    o->source = SRC_KMSG; return 0;
	case OPT_NETLINK: o->source = SRC_NETLINK; return 0;
	case OPT_RUN:     *run = 1; return 0;
	case OPT_HELP:    usage(stdout); exit(0);
	default:          usage(stderr); return -1;
	}
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "kmsg", no_argument, NULL, OPT_KMSG },
		{ "netlink", no_argument, NULL, OPT_NETLINK },
		{ "run", no_argument, NULL, OPT_RUN },
		{ "grace", required_argument, NULL, OPT_GRACE },
		{ "policy", no_argument, NULL, OPT_POLICY },
		{ "default", required_argument, NULL, OPT_DEFAULT },
		{ "merge", required_argument, NULL, OPT_MERGE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c, run = 0;

	memset(o, 0, sizeof(*o));
	o->source = SRC_AUTO;
	o->grace_ms = DEFAULT_GRACE_MS;
	o->deflt = "kill-process";
	/* '+': stop at the first operand, so --run's command keeps its own
	 * options. */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1)
		if (parse_option(c == 'h' ? OPT_HELP : c, o, &run) != 0)
			return -1;
	if (o->policy && o->json) {
		fprintf(stderr, "seccomp-audit: --policy and --json do not go together\n");
		return -1;
	}
	if (run) {
		if (optind >= argc) {
			fprintf(stderr, "seccomp-audit: --run needs a command: "
				"seccomp-audit --run -- CMD ARGS...\n");
			return -1;
		}
		o->command = argv + optind;
		return 0;
	}
	o->files = argv + optind;
	if (*o->files && o->source != SRC_AUTO) {
		fprintf(stderr, "seccomp-audit: give files or --kmsg/--netlink, "
			"not both\n");
		return -1;
	}
	if (*o->files)
		o->source = SRC_FILES;
	if (*o->files && o->follow)
		fprintf(stderr, "seccomp-audit: warning: --follow is for --kmsg "
			"and --netlink, ignored with files: they are read to "
			"their end\n");
	return 0;
}

static int keep_event(struct event_list *l, const struct audit_event *ev)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct audit_event *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *ev;
	return 0;
}

static void print_event(struct report *r, const struct audit_event *ev)
{
	int rc;

	r->shown++;
	if (r->opt->policy) {
		/* Every event is a call that was logged or blocked. */
		if (ev->syscall >= 0 && ev->syscall <= UINT32_MAX &&
		    record_add(&r->rec, ev->arch, (uint32_t)ev->syscall, NULL, 1) != 0)
			r->out_failed = 1;
		return;
	}
	rc = r->opt->json ? audit_write_json(stdout, ev) : audit_write_text(stdout, ev);
	if (rc != 0)
		r->out_failed = 1;
}

/* Audit records carry what a policy needs only in part: said in the
 * policy and on stderr. */
static const char *const policy_caveats[] = {
	"Allow rules for the system calls seccomp's audit events show as logged",
	"or blocked, written by seccomp-audit --policy: review them before use.",
	"Caveats: audit records carry no arguments, so the rules have no",
	"conditions; the kernel rate-limits the records, so calls can be",
	"missing (seccomp-audit --stats counts the losses it is told of); and",
	"only logged actions appear (kill-process, kill-thread and log; errno,",
	"trap, trace and notify only under SECCOMP_FILTER_FLAG_LOG).",
	NULL,
};

static int print_policy(struct report *r)
{
	struct policy_out_opts po = { "seccomp-audit", policy_caveats, r->opt->deflt,
				      r->opt->merge };

	fprintf(stderr, "seccomp-audit: --policy: %ld events; audit records carry no "
		"arguments, the kernel rate-limits them and only logged actions "
		"appear: the rules can be incomplete\n", r->shown);
	return policy_write(stdout, &r->rec, &po, stderr);
}

/* Parent pid of PID from /proc/PID/stat, or -1 once it is gone. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *close_paren;
	long ppid;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The name may hold ')' itself: the last one ends it. */
	close_paren = strrchr(buf, ')');
	if (!close_paren || sscanf(close_paren + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/* Fallback descendant test when the command has no audit session of its
 * own: walk /proc upwards. A process already reaped is not found. */
static int in_tree(pid_t pid, pid_t root)
{
	int steps;

	for (steps = 0; steps < 4096 && pid > 1; steps++) {
		if (pid == root || pid == getpid())
			return 1;
		pid = parent_of(pid);
	}
	return 0;
}

static void on_record(void *ctx, int result, const struct audit_event *ev)
{
	struct report *r = ctx;

	if (!audit_tally_add(&r->t, result, ev))
		return;
	if (r->opt->filter.by_since &&
	    !(ev->have & (AUDIT_HAVE_STAMP | AUDIT_HAVE_WHEN)))
		r->undated++;
	if (!audit_filter_match(&r->opt->filter, ev))
		return;
	if (r->tree_root > 0 && !in_tree(ev->pid, r->tree_root))
		return;
	if (!r->collect) {
		print_event(r, ev);
	} else if (keep_event(&r->kept, ev) != 0) {
		fprintf(stderr, "seccomp-audit: out of memory keeping events\n");
		r->out_failed = 1;
	}
}

static void on_record_line(struct report *r, const char *line, size_t len)
{
	struct audit_event ev;
	int result = audit_parse_line(line, len, &ev);

	on_record(r, result, &ev);
}

/* Reads FILE line by line in a fixed buffer, so that no input can make us
 * allocate without bound. Overlong lines are counted as malformed. */
static int read_stream(FILE *f, struct report *r)
{
	static const size_t cap = LINE_MAX_BYTES;
	char *line = malloc(cap);
	size_t len = 0;
	int overlong = 0, c;

	if (!line) {
		fprintf(stderr, "seccomp-audit: out of memory\n");
		return -1;
	}
	while ((c = getc_unlocked(f)) != EOF) {
		if (c != '\n') {
			if (len < cap)
				line[len++] = (char)c;
			else
				overlong = 1;
			continue;
		}
		if (overlong)
			on_record(r, AUDIT_MALFORMED, NULL);
		else
			on_record_line(r, line, len);
		len = 0;
		overlong = 0;
	}
	if (overlong)
		on_record(r, AUDIT_MALFORMED, NULL);
	else if (len > 0)
		on_record_line(r, line, len);
	free(line);
	return ferror(f) ? -1 : 0;
}

static int read_files(char **files, struct report *r)
{
	int rc = 0;

	for (; *files; files++) {
		int is_stdin = strcmp(*files, "-") == 0;
		FILE *f = is_stdin ? stdin : fopen(*files, "r");

		if (!f) {
			fprintf(stderr, "seccomp-audit: cannot open %s: %s\n",
				*files, strerror(errno));
			rc = -1;
			continue;
		}
		if (read_stream(f, r) != 0) {
			fprintf(stderr, "seccomp-audit: error reading %s: %s\n",
				is_stdin ? "stdin" : *files, strerror(errno));
			rc = -1;
		}
		if (!is_stdin)
			fclose(f);
	}
	return rc;
}

struct live {
	enum source kind;
	int fd;
};

/* Opens the live source the user picked, or netlink if we may and
 * /dev/kmsg if not, and says which on stderr. --run skips kmsg history. */
static int live_open(enum source want, int skip_history, struct live *lv)
{
	char err[256], err2[256];

	if (want == SRC_NETLINK || want == SRC_AUTO) {
		lv->fd = audit_netlink_open(err, sizeof(err));
		lv->kind = SRC_NETLINK;
		if (lv->fd >= 0) {
			fprintf(stderr, "seccomp-audit: reading the audit netlink "
				"stream (live only, no history)\n");
			return 0;
		}
		if (want == SRC_NETLINK) {
			fprintf(stderr, "seccomp-audit: %s\n", err);
			return -1;
		}
	}
	lv->fd = audit_kmsg_open(skip_history, err2, sizeof(err2));
	lv->kind = SRC_KMSG;
	if (lv->fd < 0) {
		if (want == SRC_AUTO)
			fprintf(stderr, "seccomp-audit: %s; and %s\n", err, err2);
		else
			fprintf(stderr, "seccomp-audit: %s\n", err2);
		return -1;
	}
	if (want == SRC_AUTO)
		fprintf(stderr, "seccomp-audit: reading /dev/kmsg (netlink "
			"unavailable: %s)\n", err);
	else
		fprintf(stderr, "seccomp-audit: reading /dev/kmsg\n");
	return 0;
}

static int live_read(struct live *lv, struct report *r)
{
	char err[256];
	int rc = lv->kind == SRC_NETLINK
		 ? audit_netlink_read(lv->fd, on_record, r, &r->t.lost, err,
				      sizeof(err))
		 : audit_kmsg_read(lv->fd, on_record, r, &r->t.lost, err,
				   sizeof(err));
	if (rc < 0)
		fprintf(stderr, "seccomp-audit: %s\n", err);
	return rc;
}

/* SIGINT/SIGTERM/SIGCHLD arrive as readable data on a signalfd, so the
 * main loop handles them without handlers or shared flags. */
static int signals_open(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, old) != 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Next signal number waiting on SFD, or 0. */
static int next_signal(int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

/* --kmsg/--netlink: print as records come; without --follow, /dev/kmsg
 * stops at the end of what is logged. */
static int follow_live(struct live *lv, struct report *r, int follow)
{
	sigset_t old;
	int sfd = signals_open(&old);

	if (sfd < 0) {
		fprintf(stderr, "seccomp-audit: signalfd: %s\n", strerror(errno));
		return -1;
	}
	if (lv->kind == SRC_NETLINK && !follow)
		fprintf(stderr, "seccomp-audit: netlink has no history: "
			"waiting for new events until interrupted\n");
	for (;;) {
		struct pollfd p[2] = { { lv->fd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		int rc = live_read(lv, r);
		int sig;

		fflush(stdout);
		if (rc < 0)
			return -1;
		if (lv->kind == SRC_KMSG && !follow)
			return 0;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return -1;
		while ((sig = next_signal(sfd)) != 0)
			if (sig != SIGCHLD)
				return 0;
	}
}

/* Gives the calling process a fresh audit session: the kernel copies the
 * session id to every descendant and prints it as ses= in each record, so
 * it names the whole process tree. Writing loginuid starts a new session;
 * the current auid is kept, or set to our uid when it was unset. */
static int new_audit_session(uint32_t *ses, char *err, size_t errlen)
{
	char buf[32];
	unsigned long auid;
	int fd, n;

	fd = open("/proc/self/loginuid", O_RDWR | O_CLOEXEC);
	if (fd < 0 || (n = (int)read(fd, buf, sizeof(buf) - 1)) <= 0) {
		snprintf(err, errlen, "/proc/self/loginuid: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	buf[n] = '\0';
	auid = strtoul(buf, NULL, 10);
	if (auid == 4294967295ul)
		auid = (unsigned long)getuid();
	n = snprintf(buf, sizeof(buf), "%lu", auid);
	if (pwrite(fd, buf, (size_t)n, 0) != n) {
		snprintf(err, errlen, "starting an audit session (writing "
			 "/proc/self/loginuid): %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	fd = open("/proc/self/sessionid", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = (int)read(fd, buf, sizeof(buf) - 1)) <= 0) {
		snprintf(err, errlen, "/proc/self/sessionid: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	*ses = (uint32_t)strtoul(buf, NULL, 10);
	if (*ses == UINT32_MAX) {
		snprintf(err, errlen, "the kernel gave no audit session");
		return -1;
	}
	return 0;
}

/* What the child tells the parent before exec'ing the command. */
struct session_note {
	int ok;
	uint32_t ses;
	char err[200];
};

static void run_child(char **command, const sigset_t *old, int note_fd)
{
	struct session_note note;

	memset(&note, 0, sizeof(note));
	note.ok = new_audit_session(&note.ses, note.err, sizeof(note.err)) == 0;
	if (write(note_fd, &note, sizeof(note)) != (ssize_t)sizeof(note))
		_exit(127);
	close(note_fd);
	sigprocmask(SIG_SETMASK, old, NULL);
	execvp(command[0], command);
	fprintf(stderr, "seccomp-audit: cannot run %s: %s\n", command[0],
		strerror(errno));
	_exit(127);
}

/* Starts the command; afterwards R matches its session or, failing that,
 * its process tree. Returns the child's pid or -1. */
static pid_t start_command(char **command, const sigset_t *old,
			   struct report *r, struct audit_filter *filter)
{
	struct session_note note;
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		fprintf(stderr, "seccomp-audit: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "seccomp-audit: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(command, old, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &note, sizeof(note)) != (ssize_t)sizeof(note))
		memset(&note, 0, sizeof(note));
	close(fds[0]);
	if (note.ok) {
		filter->by_ses = 1;
		filter->ses = note.ses;
		return pid;
	}
	note.err[sizeof(note.err) - 1] = '\0';
	fprintf(stderr, "seccomp-audit: warning: cannot give the command its "
		"own audit session (%s); matching its process tree through "
		"/proc instead, which misses descendants already reaped when "
		"their record arrives\n", note.err[0] ? note.err : "no reply");
	r->tree_root = pid;
	return pid;
}

/* Reaps what exited; sets *status once the command itself has. As a
 * subreaper we also collect orphaned descendants. */
static void reap(pid_t child, int *done, int *status)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == child) {
			*done = 1;
			*status = st;
		}
	}
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* --run: the live source is open before the command starts, so no record
 * of it can be missed by us (the kernel may still drop it). */
static int run_command(const struct options *o, struct report *r,
		       struct audit_filter *filter)
{
	struct live lv;
	sigset_t old;
	int sfd, done = 0, status = 0;
	int64_t deadline = 0;
	pid_t child;

	if (live_open(o->source == SRC_FILES ? SRC_AUTO : o->source, 1,
		      &lv) != 0)
		return -1;
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	sfd = signals_open(&old);
	if (sfd < 0) {
		fprintf(stderr, "seccomp-audit: signalfd: %s\n", strerror(errno));
		return -1;
	}
	child = start_command(o->command, &old, r, filter);
	if (child < 0)
		return -1;
	for (;;) {
		struct pollfd p[2] = { { lv.fd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		int timeout = -1, sig;

		if (live_read(&lv, r) < 0)
			break;
		if (done) {
			int64_t left = deadline - monotonic_ms();
			if (left <= 0)
				break;
			timeout = (int)left;
		}
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		while ((sig = next_signal(sfd)) != 0) {
			if (sig != SIGCHLD)
				kill(child, sig); /* the supervisor meant it */
			else if (!done) {
				reap(child, &done, &status);
				if (done)
					deadline = monotonic_ms() + o->grace_ms;
			}
		}
	}
	if (!done) {
		fprintf(stderr, "seccomp-audit: lost the audit source; the "
			"command still runs, waiting for it\n");
		waitpid(child, &status, 0);
	}
	return exit_code(status);
}

static void print_stats(const struct report *r)
{
	fprintf(stderr, "seccomp-audit: %ld records read: %ld seccomp events "
		"(%ld shown), %ld unrelated, %ld malformed skipped",
		r->t.records, r->t.events, r->shown, r->t.unrelated,
		r->t.malformed);
	if (r->t.duplicates)
		fprintf(stderr, ", %ld duplicates dropped", r->t.duplicates);
	if (r->t.lost)
		fprintf(stderr, ", %ld lost by the kernel's count", r->t.lost);
	fputc('\n', stderr);
}

/* Said even without --stats: --since must not drop events silently. */
static void print_undated(const struct report *r)
{
	if (r->undated)
		fprintf(stderr, "seccomp-audit: %ld events had no time and were "
			"left out by --since (journalctl's short and "
			"short-precise formats have no year: use -o short-iso, "
			"short-unix or json)\n", r->undated);
}

int main(int argc, char **argv)
{
	struct options o;
	struct report r;
	struct live lv;
	int rc;

	if (parse_args(argc, argv, &o) != 0)
		return 2;
	memset(&r, 0, sizeof(r));
	r.opt = &o;
	record_init(&r.rec, 0);
	if (o.command) {
		r.collect = 1;
		rc = run_command(&o, &r, &o.filter);
		for (size_t i = 0; i < r.kept.n; i++)
			print_event(&r, &r.kept.v[i]);
		free(r.kept.v);
		if (rc < 0)
			rc = 125; /* our own failure, not the command's */
	} else if (o.source == SRC_FILES) {
		rc = read_files(o.files, &r) == 0 ? 0 : 1;
	} else {
		rc = live_open(o.source, 0, &lv) == 0 &&
		     follow_live(&lv, &r, o.follow) == 0 ? 0 : 1;
	}
	if (o.policy && print_policy(&r) != 0)
		rc = o.command ? 125 : 1;
	record_free(&r.rec);
	if (fflush(stdout) != 0 || r.out_failed) {
		fprintf(stderr, "seccomp-audit: writing the report failed\n");
		if (rc == 0)
			rc = 1;
	}
	if (o.stats)
		print_stats(&r);
	print_undated(&r);
	return rc;
}
