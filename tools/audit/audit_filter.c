/* seccomp-audit: which events the user asked for (--pid, --comm, --since,
 * and --run's audit session). Pure functions. */
#include <string.h>

#include "tools/audit/audit.h"

static int64_t event_ms(const struct audit_event *ev)
{
	return ev->sec * 1000 + (int64_t)ev->msec;
}

int audit_filter_match(const struct audit_filter *f,
		       const struct audit_event *ev)
{
	if (f->by_pid && ev->pid != f->pid)
		return 0;
	if (f->comm && (!(ev->have & AUDIT_HAVE_COMM) ||
			strcmp(ev->comm, f->comm) != 0))
		return 0;
	if (f->by_ses && (!(ev->have & AUDIT_HAVE_SES) || ev->ses != f->ses))
		return 0;
	if (f->by_since) {
		if (!(ev->have & (AUDIT_HAVE_STAMP | AUDIT_HAVE_WHEN)))
			return 0;
		if (event_ms(ev) < f->since_ms)
			return 0;
	}
	return 1;
}

/* Digits only, no sign, bounded so the arithmetic below cannot overflow. */
static int parse_count(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 12)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int64_t unit_ms(char u)
{
	switch (u) {
	case 's': return 1000;
	case 'm': return 60 * 1000;
	case 'h': return 3600 * 1000;
	case 'd': return 86400 * 1000;
	default:  return 0;
	}
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* An audit stamp as printed: "1700000000[.123]", also with its serial and
 * the audit( ) around it, "1700000000.123:42", "audit(1700000000.123:42)"
 * or "audit(1700000000.123:42):" as it stands in a log line. */
static int parse_stamp(const char *s, size_t n, int64_t *out_ms)
{
	const char *dot, *colon;
	int64_t v, frac = 0;

	if (n > 6 && memcmp(s, "audit(", 6) == 0) {
		s += 6;
		n -= 6;
		if (s[n - 1] == ':')
			n--;
		if (n == 0 || s[n - 1] != ')')
			return -1;
		n--;
	}
	colon = memchr(s, ':', n);
	if (colon) {
		if (!all_digits(colon + 1, n - (size_t)(colon + 1 - s)))
			return -1;
		n = (size_t)(colon - s);
	}
	dot = memchr(s, '.', n);
	if (dot) {
		size_t fl = n - (size_t)(dot + 1 - s);

		if (fl == 0 || fl > 3 || parse_count(dot + 1, fl, &frac) != 0)
			return -1;
		while (fl++ < 3)
			frac *= 10;
		n = (size_t)(dot - s);
	}
	/* Nine digits at least: a bare "10" is a forgotten unit, not 1970. */
	if (n < 9 || parse_count(s, n, &v) != 0)
		return -1;
	*out_ms = v * 1000 + frac;
	return 0;
}

int audit_parse_since(const char *text, int64_t now_ms, int64_t *out_ms)
{
	size_t n = strlen(text);
	int64_t v;

	if (n >= 2 && unit_ms(text[n - 1]) &&
	    parse_count(text, n - 1, &v) == 0) {
		*out_ms = now_ms - v * unit_ms(text[n - 1]);
		return 0;
	}
	return parse_stamp(text, n, out_ms);
}
