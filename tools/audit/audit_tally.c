/* seccomp-audit, between parsing and reporting: counts what the parser
 * found (for --stats) and recognises a second copy of a record, which
 * journald stores when auditd is not running (once from the audit socket,
 * once from the kernel log). No I/O, no allocation. */
#include <limits.h>
#include <string.h>

#include "tools/audit/audit.h"

static void add_lost(struct audit_tally *t, uint32_t n)
{
	t->lost = n > LONG_MAX - t->lost ? LONG_MAX : t->lost + (long)n;
}

/* audit_lost= is a running total since boot: only its growth is new. A
 * smaller total than the last one means the kernel was restarted. */
static void count_loss(struct audit_tally *t, const struct audit_event *ev)
{
	if (!ev->lost_since_boot) {
		add_lost(t, ev->lost);
		return;
	}
	add_lost(t, ev->lost >= t->audit_lost ? ev->lost - t->audit_lost
					      : ev->lost);
	t->audit_lost = ev->lost;
}

static struct audit_recent recent_of(const struct audit_event *ev)
{
	struct audit_recent r;

	memset(&r, 0, sizeof(r));
	r.sec = ev->sec;
	r.msec = ev->msec;
	r.whole_sec = !(ev->have & (AUDIT_HAVE_STAMP | AUDIT_HAVE_MSEC));
	r.serial = ev->serial;
	r.pid = ev->pid;
	r.syscall = ev->syscall;
	r.arch = ev->arch;
	r.code = ev->code;
	return r;
}

static int same_time(const struct audit_recent *a, const struct audit_recent *b)
{
	return a->sec == b->sec &&
	       (a->whole_sec || b->whole_sec || a->msec == b->msec);
}

/* Is B a copy of the record A was read from? Copies share the stamp, but
 * journald's own copy in journalctl's text output has no serial: such a
 * copy is paired with at most one that has, and two copies without serial
 * are never taken for one (a loop can log one call twice in a millisecond). */
static int is_copy(struct audit_recent *a, const struct audit_recent *b)
{
	if (a->pid != b->pid || a->syscall != b->syscall ||
	    a->arch != b->arch || a->code != b->code || !same_time(a, b))
		return 0;
	if (a->serial && b->serial)
		return a->serial == b->serial;
	if ((!a->serial && !b->serial) || a->paired)
		return 0;
	a->paired = 1;
	if (!a->serial)
		a->serial = b->serial;
	return 1;
}

/* Remembers EV among the last AUDIT_RECENT_MAX; 1 when it is a copy of
 * one of them. An event without a time cannot be matched. */
static int seen_before(struct audit_tally *t, const struct audit_event *ev)
{
	struct audit_recent r;
	size_t i;

	if (!(ev->have & (AUDIT_HAVE_STAMP | AUDIT_HAVE_WHEN)))
		return 0;
	r = recent_of(ev);
	for (i = 0; i < t->nrecent; i++)
		if (is_copy(&t->recent[i], &r))
			return 1;
	t->recent[t->next] = r;
	t->next = (t->next + 1) % AUDIT_RECENT_MAX;
	if (t->nrecent < AUDIT_RECENT_MAX)
		t->nrecent++;
	return 0;
}

int audit_tally_add(struct audit_tally *t, int result,
		    const struct audit_event *ev)
{
	t->records++;
	switch (result) {
	case AUDIT_EVENT:
		if (seen_before(t, ev)) {
			t->duplicates++;
			return 0;
		}
		t->events++;
		return 1;
	case AUDIT_LOSS:
		count_loss(t, ev);
		t->unrelated++; /* not a seccomp record itself */
		return 0;
	case AUDIT_UNRELATED:
		t->unrelated++;
		return 0;
	default:
		t->malformed++;
		return 0;
	}
}
