/* seccomp-audit, stage 1: find the seccomp audit record inside one log line
 * (audit.log, syslog, dmesg, /dev/kmsg, journalctl text) and read its fields,
 * or the kernel's report that records were lost.
 * Pure: no I/O, no allocation, every read bounded by the given length. */
#include <linux/audit.h>
#include <string.h>
#include <time.h>

#include "tools/audit/audit.h"

/* A read-only window into the line; never NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

static struct span span_from(const char *p, size_t n)
{
	struct span s = { p, n };
	return s;
}

static struct span span_skip(struct span s, size_t k)
{
	if (k > s.n)
		k = s.n;
	return span_from(s.p + k, s.n - k);
}

static int span_starts(struct span s, const char *lit)
{
	size_t k = strlen(lit);
	return s.n >= k && memcmp(s.p, lit, k) == 0;
}

static int span_eq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* Offset of LIT in S, or -1. */
static long span_find(struct span s, const char *lit)
{
	const char *hit = memmem(s.p, s.n, lit, strlen(lit));
	return hit ? (long)(hit - s.p) : -1;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whole-span unsigned decimal, at most MAX. */
static int parse_dec(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s.n == 0 || s.n > 20)
		return -1;
	for (i = 0; i < s.n; i++) {
		uint64_t d = (uint64_t)(s.p[i] - '0');

		if (!is_digit(s.p[i]) || d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	*out = v;
	return 0;
}

/* Whole-span hexadecimal with an optional 0x, at most MAX. */
static int parse_hex(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (span_starts(s, "0x"))
		s = span_skip(s, 2);
	if (s.n == 0 || s.n > 16)
		return -1;
	for (i = 0; i < s.n; i++) {
		int d = hex_value(s.p[i]);

		if (d < 0 || (uint64_t)d > max || v > (max - (uint64_t)d) / 16)
			return -1;
		v = v * 16 + (uint64_t)d;
	}
	*out = v;
	return 0;
}

static int parse_u32(struct span s, uint32_t *out)
{
	uint64_t v;

	if (parse_dec(s, UINT32_MAX, &v) != 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Signed decimal that fits in [-MAX-1, MAX]. */
static int parse_signed(struct span s, uint64_t max, int64_t *out)
{
	uint64_t v;
	int neg = span_starts(s, "-");

	if (neg)
		s = span_skip(s, 1);
	if (parse_dec(s, max + (uint64_t)neg, &v) != 0)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* Copy a value into a fixed buffer, noting when it did not fit. */
static void copy_value(char *dst, size_t cap, const char *src, size_t n,
		       int *cut)
{
	if (n >= cap) {
		n = cap - 1;
		*cut = 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The kernel writes an untrusted string quoted when it is plain printable
 * ASCII without quotes or spaces, and as bare hex otherwise. A decoded NUL
 * would end the C string early, so it becomes '?'. */
static int parse_name(struct span v, char *dst, size_t cap, int *cut)
{
	size_t i, k = 0;

	if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"') {
		copy_value(dst, cap, v.p + 1, v.n - 2, cut);
		return 0;
	}
	if (span_eq(v, "(null)") || span_eq(v, "?")) {
		copy_value(dst, cap, v.p, v.n, cut);
		return 0;
	}
	if (v.n == 0 || v.n % 2 != 0)
		return -1;
	for (i = 0; i < v.n; i += 2) {
		int hi = hex_value(v.p[i]), lo = hex_value(v.p[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		if (k + 1 >= cap) {
			*cut = 1;
			continue;
		}
		dst[k] = (char)(hi * 16 + lo);
		if (dst[k] == '\0')
			dst[k] = '?';
		k++;
	}
	dst[k] = '\0';
	return 0;
}

/* Field bits for duplicate and required-field checks. */
enum {
	F_AUID = 1 << 0, F_UID = 1 << 1, F_GID = 1 << 2, F_SES = 1 << 3,
	F_PID = 1 << 4, F_COMM = 1 << 5, F_EXE = 1 << 6, F_SIG = 1 << 7,
	F_ARCH = 1 << 8, F_SYSCALL = 1 << 9, F_COMPAT = 1 << 10,
	F_IP = 1 << 11, F_CODE = 1 << 12, F_SUBJ = 1 << 13,
};
#define F_REQUIRED (F_PID | F_ARCH | F_SYSCALL | F_CODE)

static int field_bit(struct span key)
{
	static const struct { const char *name; int bit; } keys[] = {
		{ "auid", F_AUID }, { "uid", F_UID }, { "gid", F_GID },
		{ "ses", F_SES }, { "pid", F_PID }, { "comm", F_COMM },
		{ "exe", F_EXE }, { "sig", F_SIG }, { "arch", F_ARCH },
		{ "syscall", F_SYSCALL }, { "compat", F_COMPAT },
		{ "ip", F_IP }, { "code", F_CODE }, { "subj", F_SUBJ },
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (span_eq(key, keys[i].name))
			return keys[i].bit;
	return 0;
}

static int store_number(int bit, struct span v, struct audit_event *ev)
{
	uint64_t u;
	int64_t s;

	switch (bit) {
	case F_AUID:
		ev->have |= AUDIT_HAVE_AUID;
		return parse_u32(v, &ev->auid);
	case F_UID:
		ev->have |= AUDIT_HAVE_UID;
		return parse_u32(v, &ev->uid);
	case F_GID:
		ev->have |= AUDIT_HAVE_GID;
		return parse_u32(v, &ev->gid);
	case F_SES:
		ev->have |= AUDIT_HAVE_SES;
		return parse_u32(v, &ev->ses);
	case F_PID:
		if (parse_dec(v, INT32_MAX, &u) != 0 || u == 0)
			return -1;
		ev->pid = (int32_t)u;
		return 0;
	case F_SIG:
		if (parse_signed(v, INT32_MAX, &s) != 0)
			return -1;
		ev->sig = (int32_t)s;
		ev->have |= AUDIT_HAVE_SIG;
		return 0;
	case F_ARCH:
		if (parse_hex(v, UINT32_MAX, &u) != 0)
			return -1;
		ev->arch = (uint32_t)u;
		return 0;
	case F_SYSCALL:
		return parse_signed(v, INT64_MAX, &ev->syscall);
	case F_COMPAT:
		if (parse_dec(v, 1, &u) != 0)
			return -1;
		ev->compat = (int)u;
		ev->have |= AUDIT_HAVE_COMPAT;
		return 0;
	case F_IP:
		ev->have |= AUDIT_HAVE_IP;
		return parse_hex(v, UINT64_MAX, &ev->ip);
	case F_CODE:
		if (!span_starts(v, "0x") || parse_hex(v, UINT32_MAX, &u) != 0)
			return -1;
		ev->code = (uint32_t)u;
		return 0;
	}
	return 0;
}

static int store_field(int bit, struct span v, struct audit_event *ev)
{
	switch (bit) {
	case F_COMM:
		ev->have |= AUDIT_HAVE_COMM;
		return parse_name(v, ev->comm, sizeof(ev->comm), &ev->comm_cut);
	case F_EXE:
		ev->have |= AUDIT_HAVE_EXE;
		return parse_name(v, ev->exe, sizeof(ev->exe), &ev->exe_cut);
	case F_SUBJ:
		return 0; /* LSM label: not reported */
	default:
		return store_number(bit, v, ev);
	}
}

/* Length of the value at the start of S: a quoted string runs to its closing
 * quote, anything else to the next space. The kernel hex-encodes any string
 * holding a quote or a space, so a quoted value never has either: -1 for
 * one that does, or that never ends (a truncated line). */
static long value_length(struct span s)
{
	size_t i;

	if (s.n > 0 && s.p[0] == '"') {
		for (i = 1; i < s.n && s.p[i] != ' '; i++)
			if (s.p[i] == '"')
				return (long)i + 1;
		return -1;
	}
	for (i = 0; i < s.n && s.p[i] != ' '; i++)
		;
	return (long)i;
}

/* Does S start with "key=" (letters, digits, '_' or '-', then '=')? */
static int starts_with_key(struct span s)
{
	size_t i;

	for (i = 0; i < s.n; i++) {
		char c = s.p[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !is_digit(c) && c != '_' && c != '-')
			break;
	}
	return i > 0 && i < s.n && s.p[i] == '=';
}

/* The LSM label in subj= is printed as the LSM gives it, unquoted, and
 * AppArmor's holds spaces: "docker-default (enforce)", "=snap.x.y
 * (complain)", even "a (enforce)//&b (complain)" for a stack. It runs to
 * the next " key=" (the kernel writes pid= next). */
static long label_length(struct span s)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (s.p[i] == ' ' && starts_with_key(span_skip(s, i + 1)))
			break;
	return (long)i;
}

/* The "key=value key=value ..." part of the record. Stops at the 0x1d byte
 * that starts auditd's enriched (interpreted) fields: those are auditd's
 * reading of the same numbers, and this tool does its own. */
static int parse_fields(struct span s, struct audit_event *ev)
{
	long sep = span_find(s, "\x1d");
	int seen = 0;

	if (sep >= 0)
		s.n = (size_t)sep;
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	while (s.n > 0) {
		long eq, vlen;
		struct span key, val;
		int bit;

		while (s.n > 0 && s.p[0] == ' ')
			s = span_skip(s, 1);
		if (s.n == 0)
			break;
		eq = span_find(s, "=");
		key = span_from(s.p, eq < 0 ? 0 : (size_t)eq);
		if (eq <= 0 || memchr(key.p, ' ', key.n))
			return AUDIT_MALFORMED;
		bit = field_bit(key);
		val = span_skip(s, (size_t)eq + 1);
		vlen = bit == F_SUBJ ? label_length(val) : value_length(val);
		if (vlen < 0)
			return AUDIT_MALFORMED;
		val.n = (size_t)vlen;
		s = span_skip(s, (size_t)eq + 1 + (size_t)vlen);
		if (s.n > 0 && s.p[0] != ' ')
			return AUDIT_MALFORMED; /* "a="x"y" */
		if (bit & seen)
			return AUDIT_MALFORMED; /* two pid= fields: trust neither */
		seen |= bit;
		if (bit && store_field(bit, val, ev) != 0)
			return AUDIT_MALFORMED;
	}
	if ((seen & F_REQUIRED) != F_REQUIRED)
		return AUDIT_MALFORMED;
	return AUDIT_EVENT;
}

/* "audit(1700000000.123:42): " -> stamp; returns bytes used or -1. */
static long parse_stamp(struct span s, struct audit_event *ev)
{
	long dot, colon, close;
	uint64_t sec, msec, serial;

	if (!span_starts(s, "audit("))
		return -1;
	s = span_skip(s, 6);
	close = span_find(s, "):");
	if (close < 0 || close > 64)
		return -1;
	s.n = (size_t)close;
	dot = span_find(s, ".");
	colon = span_find(s, ":");
	if (dot < 0 || colon < dot)
		return -1;
	if (parse_dec(span_from(s.p, (size_t)dot), AUDIT_SEC_MAX, &sec) != 0 ||
	    parse_dec(span_from(s.p + dot + 1, (size_t)(colon - dot - 1)), 999,
		      &msec) != 0 ||
	    parse_dec(span_skip(s, (size_t)colon + 1), UINT64_MAX, &serial) != 0)
		return -1;
	ev->sec = (int64_t)sec;
	ev->msec = (uint32_t)msec;
	ev->serial = serial;
	ev->have |= AUDIT_HAVE_STAMP;
	return 6 + close + 2;
}

static void event_clear(struct audit_event *ev)
{
	memset(ev, 0, sizeof(*ev));
}

int audit_parse_record(int type, const char *body, size_t len,
		       struct audit_event *ev)
{
	struct span s = span_from(body, len);
	long used;

	event_clear(ev);
	if (type != AUDIT_SECCOMP)
		return AUDIT_UNRELATED;
	used = parse_stamp(s, ev);
	if (used < 0)
		return AUDIT_MALFORMED;
	return parse_fields(span_skip(s, (size_t)used), ev);
}

/* Where the record starts after a "type=" marker: "SECCOMP msg=audit(",
 * "1326 audit(" (printk), "1326 msg=audit(" (raw auditd). */
static int record_after_type(struct span s, struct span *body)
{
	if (span_starts(s, "SECCOMP"))
		s = span_skip(s, 7);
	else if (span_starts(s, "1326"))
		s = span_skip(s, 4);
	else
		return 0;
	if (span_starts(s, " msg="))
		s = span_skip(s, 5);
	else if (span_starts(s, " "))
		s = span_skip(s, 1);
	else
		return 0;
	*body = s;
	return 1;
}

/* Length of a "[123]" at the start of S, or 0. */
static size_t pid_bracket_length(struct span s)
{
	size_t k;

	if (!span_starts(s, "["))
		return 0;
	for (k = 1; k < s.n && is_digit(s.p[k]); k++)
		;
	if (k == 1 || k >= s.n || s.p[k] != ']')
		return 0;
	return k + 1;
}

/* "audit[123]: SECCOMP " or "audit: SECCOMP " (journalctl's text output);
 * returns the offset just past it, or -1. */
static long journal_marker(struct span s)
{
	size_t base = 0;
	long at;

	while ((at = span_find(span_skip(s, base), "audit")) >= 0) {
		size_t pos = base + (size_t)at + 5;
		struct span rest = span_skip(s, pos);
		size_t k = pid_bracket_length(rest);

		if (span_starts(span_skip(rest, k), ": SECCOMP "))
			return (long)(pos + k + 10);
		base = pos;
	}
	return -1;
}

/* Any "type=" that opens a seccomp record, wherever the log put it. */
static int parse_typed(struct span s, struct audit_event *ev)
{
	long at;

	while ((at = span_find(s, "type=")) >= 0) {
		struct span body;

		s = span_skip(s, (size_t)at + 5);
		if (record_after_type(s, &body))
			return audit_parse_record(AUDIT_SECCOMP, body.p, body.n,
						  ev);
	}
	return AUDIT_UNRELATED;
}

/* Fixed-width decimal field at P (N digits). */
static int digits(const char *p, size_t n, int *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		*out = *out * 10 + (p[i] - '0');
	}
	return 0;
}

/* "+01:00", "+0100", "+01" or "Z": offset in seconds; *USED says how many
 * bytes it took. */
static int parse_zone(struct span s, long *off, size_t *used)
{
	int hh, mm = 0;

	if (span_starts(s, "Z")) {
		*off = 0;
		*used = 1;
		return 0;
	}
	if (s.n < 3 || (s.p[0] != '+' && s.p[0] != '-') ||
	    digits(s.p + 1, 2, &hh) != 0)
		return -1;
	*used = 3;
	if (s.n >= 6 && s.p[3] == ':' && digits(s.p + 4, 2, &mm) == 0)
		*used = 6;
	else if (s.n >= 5 && digits(s.p + 3, 2, &mm) == 0)
		*used = 5;
	if (hh > 23 || mm > 59)
		return -1;
	*off = (s.p[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
	return 0;
}

/* "2023-11-14?22:13:20" with SEP between date and time, read as UTC. */
static int parse_civil(struct span s, char sep, int64_t *sec)
{
	struct tm tm;
	int y, mo, d, h, mi, se;

	if (s.n < 19 || s.p[4] != '-' || s.p[7] != '-' || s.p[10] != sep ||
	    s.p[13] != ':' || s.p[16] != ':' ||
	    digits(s.p, 4, &y) || digits(s.p + 5, 2, &mo) ||
	    digits(s.p + 8, 2, &d) || digits(s.p + 11, 2, &h) ||
	    digits(s.p + 14, 2, &mi) || digits(s.p + 17, 2, &se) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*sec = (int64_t)timegm(&tm);
	return 0;
}

/* A time read from a line's prefix. */
struct when {
	int64_t sec;
	uint32_t msec;
	int has_msec;
};

/* ".123456" at the start of S: the milliseconds, and its length (0 when
 * there is none). */
static size_t parse_fraction(struct span s, struct when *w)
{
	size_t i, k;

	if (!span_starts(s, ".") || s.n < 2 || !is_digit(s.p[1]))
		return 0;
	w->msec = 0;
	for (i = 1; i < s.n && is_digit(s.p[i]); i++)
		if (i <= 3)
			w->msec = w->msec * 10 + (uint32_t)(s.p[i] - '0');
	for (k = i; k <= 3; k++)
		w->msec *= 10;
	w->has_msec = 1;
	return i;
}

/* A prefix ends with the space before the host name. */
static int ends_word(struct span s, size_t at)
{
	return at < s.n && s.p[at] == ' ' ? 0 : -1;
}

/* short-iso[-precise] and rsyslog: "2023-11-14T22:13:20[.123456]+01:00". */
static int iso_time(struct span s, struct when *w)
{
	size_t i, k;
	long off;

	if (parse_civil(s, 'T', &w->sec) != 0)
		return -1;
	i = 19 + parse_fraction(span_skip(s, 19), w);
	if (parse_zone(span_skip(s, i), &off, &k) != 0)
		return -1;
	w->sec -= off;
	return ends_word(s, i + k);
}

/* short-full: "Tue 2023-11-14 22:13:20 UTC". journalctl prints the local
 * zone's abbreviation, which names no offset unless it is UTC or GMT (or
 * numeric, "+03", for zones without one); others leave the time unknown. */
static int full_time(struct span s, struct when *w)
{
	struct span zone = span_skip(s, 24);
	size_t k;
	long off;

	if (s.n < 24 || s.p[3] != ' ' || s.p[23] != ' ' ||
	    parse_civil(span_skip(s, 4), ' ', &w->sec) != 0)
		return -1;
	if (span_starts(zone, "UTC ") || span_starts(zone, "GMT "))
		return 0;
	if (parse_zone(zone, &off, &k) != 0)
		return -1;
	w->sec -= off;
	return ends_word(zone, k);
}

/* short-unix: "1700000000.123456". */
static int unix_time(struct span s, struct when *w)
{
	uint64_t sec;
	size_t i;

	for (i = 0; i < s.n && is_digit(s.p[i]); i++)
		;
	if (parse_dec(span_from(s.p, i), AUDIT_SEC_MAX, &sec) != 0)
		return -1;
	w->sec = (int64_t)sec;
	return ends_word(s, i + parse_fraction(span_skip(s, i), w));
}

/* journalctl's audit lines have no stamp of their own, only the time the
 * output format puts first, which counts where it is whole. short and
 * short-precise ("Nov 14 22:13:20") have no year, so their time is left
 * unknown rather than guessed. */
static void parse_prefix_time(struct span s, struct audit_event *ev)
{
	static int (*const forms[])(struct span, struct when *) = {
		iso_time, full_time, unix_time,
	};
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct when w = { 0, 0, 0 };

		if (forms[i](s, &w) != 0)
			continue;
		ev->sec = w.sec;
		ev->msec = w.msec;
		ev->have |= AUDIT_HAVE_WHEN | (w.has_msec ? AUDIT_HAVE_MSEC : 0);
		return;
	}
}

/* A count at the start of S followed by END; returns the bytes used, or 0. */
static size_t count_then(struct span s, const char *end, uint32_t *n)
{
	size_t i;

	for (i = 0; i < s.n && is_digit(s.p[i]); i++)
		;
	if (parse_u32(span_from(s.p, i), n) != 0 ||
	    !span_starts(span_skip(s, i), end))
		return 0;
	return i + strlen(end);
}

/* The kernel's own word that records were dropped, in any framing:
 * "kauditd_printk_skb: 12 callbacks suppressed" (printk's rate limit held
 * back that many messages, of any audit type) and "audit: audit_lost=5
 * audit_rate_limit=0 audit_backlog_limit=64" (the running total of records
 * the audit subsystem dropped since boot). */
static int parse_loss(struct span s, struct audit_event *ev)
{
	static const struct {
		const char *mark, *end;
		int since_boot;
	} forms[] = {
		{ "kauditd_printk_skb: ", " callbacks suppressed", 0 },
		{ "audit: audit_lost=", " audit_rate_limit=", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		long at = span_find(s, forms[i].mark);

		/* The message starts the line or follows the log's prefix. */
		if (at < 0 || (at > 0 && !memchr(" ;]", s.p[at - 1], 3)))
			continue;
		if (count_then(span_skip(s, (size_t)at + strlen(forms[i].mark)),
			       forms[i].end, &ev->lost) == 0)
			continue;
		ev->lost_since_boot = forms[i].since_boot;
		return AUDIT_LOSS;
	}
	return AUDIT_UNRELATED;
}

int audit_parse_message(const char *msg, size_t len, struct audit_event *ev)
{
	struct span s = span_from(msg, len);
	long jm;
	int r;

	event_clear(ev);
	while (s.n > 0 && (s.p[s.n - 1] == '\n' || s.p[s.n - 1] == '\r'))
		s.n--;
	/* journald's MESSAGE for its audit transport: "SECCOMP auid=...". */
	if (span_starts(s, "SECCOMP "))
		return parse_fields(span_skip(s, 8), ev);
	r = parse_typed(s, ev);
	if (r != AUDIT_UNRELATED)
		return r;
	event_clear(ev);
	jm = journal_marker(s);
	if (jm < 0)
		return parse_loss(s, ev);
	r = parse_fields(span_skip(s, (size_t)jm), ev);
	if (r == AUDIT_EVENT)
		parse_prefix_time(s, ev);
	return r;
}

int audit_parse_line(const char *line, size_t len, struct audit_event *ev)
{
	size_t i;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i < len && line[i] == '{')
		return audit_parse_journal_json(line, len, ev);
	return audit_parse_message(line, len, ev);
}
