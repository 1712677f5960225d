/* seccomp-audit's parser, tally and text writer on the fixture corpus: one
 * file per log format (tests/unit/fixtures/audit), each with an .expect twin
 * holding the counts and the report a reader should get. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/audit/audit.h"

/* Fixtures live next to this file; the suite runs from the repo root. */
#define FIXTURES "tests/unit/fixtures/audit/"

/* The counts an .expect file starts with. */
struct counts {
	long events, unrelated, malformed, duplicates, lost;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert_not_null(f, "cannot open %s (run from the repo root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Reads FIXTURE as seccomp-audit does: every line parsed and counted,
 * copies dropped, the events written as text into a string. */
static char *report_of(const char *fixture, struct counts *c)
{
	size_t len, start = 0, i, outlen;
	char *in = slurp(fixture, &len), *out;
	FILE *mem = open_memstream(&out, &outlen);
	struct audit_tally *t = calloc(1, sizeof(*t));

	cr_assert_not_null(t);
	for (i = 0; i <= len; i++) {
		struct audit_event ev;
		int r;

		if (i < len && in[i] != '\n')
			continue;
		if (i > start || i < len) {
			r = audit_parse_line(in + start, i - start, &ev);
			if (audit_tally_add(t, r, &ev))
				audit_write_text(mem, &ev);
		}
		start = i + 1;
	}
	c->events = t->events;
	c->unrelated = t->unrelated;
	c->malformed = t->malformed;
	c->duplicates = t->duplicates;
	c->lost = t->lost;
	fclose(mem);
	free(t);
	free(in);
	return out;
}

static void expect_count(const char *name, const char *what, long got,
			 long want)
{
	cr_expect_eq(got, want, "%s: %ld %s, expected %ld", name, got, what,
		     want);
}

static void check_fixture(const char *name, const char *expect_name)
{
	char path[256], epath[256];
	struct counts t, want;
	size_t elen;
	char *got, *expect, *body;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	snprintf(epath, sizeof(epath), FIXTURES "%s", expect_name);
	got = report_of(path, &t);
	expect = slurp(epath, &elen);
	cr_assert_eq(sscanf(expect, "%ld %ld %ld %ld %ld", &want.events,
			    &want.unrelated, &want.malformed, &want.duplicates,
			    &want.lost), 5,
		     "%s: first line must be 'events unrelated malformed "
		     "duplicates lost'", epath);
	body = strchr(expect, '\n');
	cr_assert_not_null(body);
	body++;
	expect_count(name, "events", t.events, want.events);
	expect_count(name, "unrelated", t.unrelated, want.unrelated);
	expect_count(name, "malformed", t.malformed, want.malformed);
	expect_count(name, "duplicates", t.duplicates, want.duplicates);
	expect_count(name, "lost", t.lost, want.lost);
	cr_expect_str_eq(got, body, "%s: report differs", name);
	free(got);
	free(expect);
}

Test(audit_corpus, auditd_raw_enriched_and_node)
{
	check_fixture("auditd.log", "auditd.expect");
}

Test(audit_corpus, syslog_kern_log)
{
	check_fixture("syslog.log", "syslog.expect");
}

Test(audit_corpus, dmesg_with_and_without_time)
{
	check_fixture("dmesg.log", "dmesg.expect");
}

Test(audit_corpus, journalctl_text)
{
	check_fixture("journal.log", "journal.expect");
}

Test(audit_corpus, journalctl_json)
{
	check_fixture("journal.json", "journal.json.expect");
}

Test(audit_corpus, dev_kmsg_records)
{
	check_fixture("kmsg.log", "kmsg.expect");
}
