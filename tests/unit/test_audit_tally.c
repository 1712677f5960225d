/* seccomp-audit's tally (tools/audit/audit_tally.c): what --stats counts,
 * the kernel's loss reports, and journald's second copy of each record. */
#include <criterion/criterion.h>
#include <limits.h>
#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/seccomp.h"
#include "tools/audit/audit.h"

static struct audit_tally *tally(void)
{
	struct audit_tally *t = calloc(1, sizeof(*t));

	cr_assert_not_null(t);
	return t;
}

/* A stamped record as the kernel logs it (audit.log, kmsg, journal JSON). */
static struct audit_event stamped(int64_t sec, uint32_t msec, uint64_t serial,
				  int32_t pid)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.have = AUDIT_HAVE_STAMP;
	ev.sec = sec;
	ev.msec = msec;
	ev.serial = serial;
	ev.pid = pid;
	ev.arch = AUDIT_ARCH_X86_64;
	ev.syscall = 110;
	ev.code = ACT_LOG;
	return ev;
}

/* journald's own copy in journalctl's text output: the time of the
 * prefix (HAVE_MSEC when it had a fraction), no serial. */
static struct audit_event unserialled(int64_t sec, uint32_t msec, int precise,
				      int32_t pid)
{
	struct audit_event ev = stamped(sec, msec, 0, pid);

	ev.have = AUDIT_HAVE_WHEN | (precise ? AUDIT_HAVE_MSEC : 0);
	return ev;
}

static struct audit_event loss(uint32_t n, int since_boot)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.lost = n;
	ev.lost_since_boot = since_boot;
	return ev;
}

Test(audit_tally, counts_every_kind_of_line)
{
	struct audit_tally *t = tally();
	struct audit_event ev = stamped(1700000000, 1, 1, 5);

	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &ev), 1);
	cr_expect_eq(audit_tally_add(t, AUDIT_UNRELATED, NULL), 0);
	cr_expect_eq(audit_tally_add(t, AUDIT_MALFORMED, NULL), 0);
	ev = loss(3, 0);
	cr_expect_eq(audit_tally_add(t, AUDIT_LOSS, &ev), 0);
	cr_expect_eq(t->records, 4);
	cr_expect_eq(t->events, 1);
	cr_expect_eq(t->unrelated, 2, "a loss report is no seccomp record");
	cr_expect_eq(t->malformed, 1);
	cr_expect_eq(t->lost, 3);
	free(t);
}

/* journalctl -o json without auditd: the audit socket's entry (time from
 * _SOURCE_REALTIME_TIMESTAMP, serial from _AUDIT_ID) and the kernel log's
 * (its own stamp) are one record. */
Test(audit_tally, journald_copies_with_stamps_are_dropped)
{
	struct audit_tally *t = tally();
	struct audit_event a = stamped(1700000060, 120, 4310, 25570);
	struct audit_event k = a;

	a.have = AUDIT_HAVE_WHEN | AUDIT_HAVE_MSEC;
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &a), 1);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &k), 0);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &k), 0, "any repeat");
	cr_expect_eq(t->events, 1);
	cr_expect_eq(t->duplicates, 2);
	free(t);
}

Test(audit_tally, different_records_are_kept)
{
	struct audit_tally *t = tally();
	struct audit_event ev = stamped(1700000000, 5, 10, 7);

	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &ev), 1);
	ev.serial = 11; /* the same call again in the same millisecond */
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &ev), 1);
	ev = stamped(1700000000, 5, 10, 8);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &ev), 1, "other pid");
	ev = stamped(1700000000, 5, 10, 7);
	ev.syscall = 39;
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &ev), 1, "other call");
	ev = stamped(1700000000, 6, 10, 7);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &ev), 1, "other time");
	cr_expect_eq(t->events, 5);
	cr_expect_eq(t->duplicates, 0);
	free(t);
}

/* journalctl's text output: journald's copy has the prefix's time but no
 * serial. It pairs with one stamped copy, never with two, and two copies
 * without serial are never taken for one. */
Test(audit_tally, copies_without_serial_pair_once)
{
	struct audit_tally *t = tally();
	struct audit_event a1 = unserialled(1700000031, 500, 1, 9);
	struct audit_event k1 = stamped(1700000031, 500, 60, 9);
	struct audit_event k2 = stamped(1700000031, 500, 61, 9);

	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &a1), 1);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &a1), 1,
		     "two calls in one millisecond look alike without serial");
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &k1), 0);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &k2), 0);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &k1), 0, "exact repeat");
	/* A third stamped record finds no unpaired copy left. */
	k2.serial = 62;
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &k2), 1);
	cr_expect_eq(t->events, 3);
	cr_expect_eq(t->duplicates, 3);
	free(t);
}

Test(audit_tally, stamped_first_then_copy_without_serial)
{
	struct audit_tally *t = tally();
	struct audit_event k = stamped(1700000031, 500, 60, 9);
	struct audit_event whole = unserialled(1700000031, 0, 0, 9);
	struct audit_event other = unserialled(1700000031, 499, 1, 9);

	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &k), 1);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &other), 1,
		     "another millisecond is another record");
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &whole), 0,
		     "short-iso has whole seconds: the second must do");
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &whole), 1,
		     "the stamped copy is taken");
	free(t);
}

Test(audit_tally, events_without_time_are_never_copies)
{
	struct audit_tally *t = tally();
	struct audit_event ev = stamped(0, 0, 0, 9);

	ev.have = 0;
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &ev), 1);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &ev), 1);
	cr_expect_eq(t->duplicates, 0);
	free(t);
}

/* The memory is bounded: a copy further back than the window is new. */
Test(audit_tally, window_is_the_last_events)
{
	struct audit_tally *t = tally();
	struct audit_event first = stamped(1700000000, 0, 1, 9), ev;
	uint64_t i;

	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &first), 1);
	for (i = 0; i < AUDIT_RECENT_MAX - 1; i++) {
		ev = stamped(1700000000, 0, 2 + i, 9);
		cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &ev), 1);
	}
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &first), 0,
		     "still in the window");
	ev = stamped(1700000000, 0, 1000, 9);
	audit_tally_add(t, AUDIT_EVENT, &ev);
	cr_expect_eq(audit_tally_add(t, AUDIT_EVENT, &first), 1,
		     "pushed out of the window");
	free(t);
}

/* "callbacks suppressed" counts add up; audit_lost= is a running total
 * since boot, so only its growth is new, and a smaller one is a reboot. */
Test(audit_tally, kernel_losses)
{
	struct audit_tally *t = tally();
	static const struct { uint32_t n; int since_boot; long total; } steps[] = {
		{ 19, 0, 19 }, { 5, 1, 24 }, { 5, 1, 24 }, { 7, 1, 26 },
		{ 24, 0, 50 }, { 2, 1, 52 }, { 3, 1, 53 },
	};
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct audit_event ev = loss(steps[i].n, steps[i].since_boot);

		audit_tally_add(t, AUDIT_LOSS, &ev);
		cr_expect_eq(t->lost, steps[i].total, "step %zu", i);
	}
	free(t);
}

Test(audit_tally, losses_saturate)
{
	struct audit_tally *t = tally();
	struct audit_event ev = loss(UINT32_MAX, 0);

	t->lost = LONG_MAX - 5;
	audit_tally_add(t, AUDIT_LOSS, &ev);
	cr_expect_eq(t->lost, LONG_MAX);
	free(t);
}
