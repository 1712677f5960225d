/* seccomp-audit's library: turns one line of any log format that carries the
 * kernel's seccomp audit record into a struct audit_event, and back out. */
#ifndef BPFGEN_AUDIT_H
#define BPFGEN_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* TASK_COMM_LEN is 16; a hostile line may claim more, which is cut off and
 * flagged rather than trusted. */
#define AUDIT_COMM_MAX 64
#define AUDIT_EXE_MAX  4096
#define AUDIT_WHEN_MAX 48
/* 9999-12-31T23:59:59Z: a later time is no real record, and keeping below
 * it lets every caller turn seconds into milliseconds without overflow. */
#define AUDIT_SEC_MAX  253402300799

enum audit_result {
	AUDIT_MALFORMED = -1, /* looked like a seccomp record, but is broken */
	AUDIT_UNRELATED = 0,  /* some other line: another record type, noise */
	AUDIT_EVENT = 1,      /* *ev holds a seccomp event */
	AUDIT_LOSS = 2,       /* the kernel says records were lost: ev->lost */
};

/* Field presence bits in audit_event.have. */
#define AUDIT_HAVE_STAMP  0x001u  /* sec, msec, serial from audit(...) */
#define AUDIT_HAVE_WHEN   0x002u  /* sec/msec from the log's own prefix */
#define AUDIT_HAVE_AUID   0x004u
#define AUDIT_HAVE_UID    0x008u
#define AUDIT_HAVE_GID    0x010u
#define AUDIT_HAVE_SES    0x020u
#define AUDIT_HAVE_COMM   0x040u
#define AUDIT_HAVE_EXE    0x080u
#define AUDIT_HAVE_SIG    0x100u
#define AUDIT_HAVE_COMPAT 0x200u
#define AUDIT_HAVE_IP     0x400u
#define AUDIT_HAVE_MSEC   0x800u  /* WHEN had a fraction: msec is real */

struct audit_event {
	unsigned have;
	int64_t sec;            /* seconds since the epoch (UTC) */
	uint32_t msec;
	uint64_t serial;        /* audit serial, 0 when unknown */
	uint32_t auid, uid, gid, ses;
	int32_t pid;            /* thread group id of the offender */
	char comm[AUDIT_COMM_MAX];
	char exe[AUDIT_EXE_MAX];
	int comm_cut, exe_cut;  /* value was longer than the buffer */
	int32_t sig;            /* signal sent (0 for log, errno...) */
	uint32_t arch;          /* AUDIT_ARCH_* */
	int64_t syscall;        /* as reported, x32 bit included */
	int compat;
	uint64_t ip;
	uint32_t code;          /* the filter's return value */
	uint32_t lost;          /* AUDIT_LOSS: records dropped, as reported */
	int lost_since_boot;    /* ...as the running total (audit_lost=) */
};

/* Parse one line of audit.log, syslog, dmesg, /dev/kmsg, journalctl's text
 * or JSON output. No I/O, no global state: safe to fuzz. LINE need not be
 * NUL-terminated; LEN bytes are read. */
int audit_parse_line(const char *line, size_t len, struct audit_event *ev);

/* The same without the JSON case: a plain text line or a journal MESSAGE. */
int audit_parse_message(const char *msg, size_t len, struct audit_event *ev);

/* Parse the body of a record whose type the transport already gave (the
 * netlink audit stream: TYPE is nlmsg_type, BODY starts at "audit("). */
int audit_parse_record(int type, const char *body, size_t len,
		       struct audit_event *ev);

/* journalctl -o json: pulls MESSAGE (and the journal's timestamp) out of one
 * JSON object and parses it. Used by audit_parse_line for lines that start
 * with '{'. */
int audit_parse_journal_json(const char *line, size_t len,
			     struct audit_event *ev);

/* Names for an event, resolved through arch/ and bpf/seccomp.h. */
struct audit_names {
	const char *arch;       /* "x86_64", "x32", ...; NULL if unknown */
	const char *syscall;    /* NULL if unknown in that table */
	int64_t nr;             /* syscall number, x32 bit removed; or as
				 * reported when outside 0..UINT32_MAX */
	char action[48];        /* "kill-process", "errno(1)", ... */
};
void audit_names(const struct audit_event *ev, struct audit_names *out);

/* One event as a line of text / as one JSON object, newline included. */
int audit_write_text(FILE *f, const struct audit_event *ev);
int audit_write_json(FILE *f, const struct audit_event *ev);

/* Filters from the command line. */
struct audit_filter {
	int by_pid;
	int32_t pid;
	const char *comm;       /* NULL: any */
	int by_since;
	int64_t since_ms;       /* milliseconds since the epoch */
	int by_ses;
	uint32_t ses;
};

/* Does EV pass F? Events without a time never pass a --since filter. */
int audit_filter_match(const struct audit_filter *f,
		       const struct audit_event *ev);

/* --since: "10m", "2h", "30s", "1d" before NOW_MS, or an audit stamp
 * "1700000000[.123]" (epoch seconds), also as printed with its serial:
 * "1700000000.123:42", "audit(1700000000.123:42)". Returns 0 and sets
 * *out_ms, or -1. */
int audit_parse_since(const char *text, int64_t now_ms, int64_t *out_ms);

/* Events remembered to recognise a second copy of the same record. */
#define AUDIT_RECENT_MAX 256

struct audit_recent {
	int64_t sec, syscall;
	uint64_t serial;        /* 0: this copy had none */
	uint32_t msec, arch, code;
	int32_t pid;
	int whole_sec;          /* only the second is known */
	int paired;             /* a copy without serial was matched to it */
};

/* What a reader has seen, as --stats reports it. Zero it to start. */
struct audit_tally {
	long records;           /* lines or netlink messages read */
	long events;            /* seccomp events, copies not included */
	long duplicates;        /* second copies of an event, dropped */
	long unrelated, malformed;
	long lost;              /* records the kernel said it dropped */
	uint32_t audit_lost;    /* last audit_lost= total seen */
	struct audit_recent recent[AUDIT_RECENT_MAX];
	size_t nrecent, next;   /* ring of the last events */
};

/* Counts one result of the parser (EV may be NULL when RESULT is neither
 * AUDIT_EVENT nor AUDIT_LOSS). Returns 1 when EV is an event to report:
 * a seccomp event that is not a copy of one among the last
 * AUDIT_RECENT_MAX. */
int audit_tally_add(struct audit_tally *t, int result,
		    const struct audit_event *ev);

#endif
