/* seccomp-audit's naming, writers and filters (tools/audit/audit_format.c,
 * audit_filter.c): architecture and syscall names per table, action names,
 * escaping of hostile names, and --pid/--comm/--since. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/seccomp.h"
#include "tools/audit/audit.h"

static struct audit_event event(uint32_t arch, int64_t nr, uint32_t code)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.have = AUDIT_HAVE_STAMP | AUDIT_HAVE_COMM | AUDIT_HAVE_EXE |
		  AUDIT_HAVE_SIG | AUDIT_HAVE_SES;
	ev.sec = 1700000000;
	ev.msec = 5;
	ev.serial = 9;
	ev.pid = 321;
	ev.ses = 4;
	strcpy(ev.comm, "w");
	strcpy(ev.exe, "/w");
	ev.arch = arch;
	ev.syscall = nr;
	ev.code = code;
	return ev;
}

static void expect_names(uint32_t arch, int64_t nr, const char *aname,
			 const char *sname, uint32_t plain_nr)
{
	struct audit_event ev = event(arch, nr, ACT_LOG);
	struct audit_names nm;

	audit_names(&ev, &nm);
	cr_assert_not_null(nm.arch, "arch 0x%x unnamed", arch);
	cr_expect_str_eq(nm.arch, aname);
	cr_assert_not_null(nm.syscall, "%s %lld unnamed", aname, (long long)nr);
	cr_expect_str_eq(nm.syscall, sname);
	cr_expect_eq(nm.nr, plain_nr);
}

Test(audit_format, syscalls_resolve_in_their_own_table)
{
	expect_names(AUDIT_ARCH_X86_64, 41, "x86_64", "socket", 41);
	expect_names(AUDIT_ARCH_X86_64, 0x40000000 + 41, "x32", "socket", 41);
	expect_names(AUDIT_ARCH_I386, 102, "i386", "socketcall", 102);
	expect_names(AUDIT_ARCH_AARCH64, 198, "aarch64", "socket", 198);
	expect_names(AUDIT_ARCH_ARM, 281, "arm", "socket", 281);
	/* The same number means different calls on different tables. */
	expect_names(AUDIT_ARCH_AARCH64, 41, "aarch64", "pivot_root", 41);
}

Test(audit_format, unknown_arch_and_syscall_stay_unnamed)
{
	struct audit_event ev = event(0xdeadbeef, 5, ACT_LOG);
	struct audit_names nm;

	audit_names(&ev, &nm);
	cr_expect_null(nm.arch);
	cr_expect_null(nm.syscall);
	ev = event(AUDIT_ARCH_X86_64, 99999, ACT_LOG);
	audit_names(&ev, &nm);
	cr_expect_null(nm.syscall);
	ev = event(AUDIT_ARCH_X86_64, -1, ACT_LOG);
	audit_names(&ev, &nm);
	cr_expect_null(nm.syscall);
	ev = event(AUDIT_ARCH_X86_64, 0x100000029ll, ACT_LOG);
	audit_names(&ev, &nm);
	cr_expect_null(nm.syscall, "a number past 32 bits is no syscall");
}

static void expect_action(uint32_t code, const char *name)
{
	struct audit_event ev = event(AUDIT_ARCH_X86_64, 1, code);
	struct audit_names nm;

	audit_names(&ev, &nm);
	cr_expect_str_eq(nm.action, name, "code 0x%08x", code);
}

Test(audit_format, actions_decoded_from_code)
{
	expect_action(ACT_KILL_PROCESS, "kill-process");
	expect_action(ACT_KILL_THREAD, "kill-thread");
	expect_action(ACT_TRAP, "trap");
	/* The kernel logs errno and trace without their data. */
	expect_action(ACT_ERRNO, "errno");
	expect_action(ACT_TRACE, "trace");
	/* Should a record carry the data, it is shown. */
	expect_action(ACT_ERRNO | 1, "errno(1)");
	expect_action(ACT_TRACE | 7, "trace(7)");
	expect_action(ACT_LOG, "log");
	expect_action(ACT_USER_NOTIF, "notify");
	/* The kernel kills the process for a code it does not know. */
	expect_action(0x12340000u, "kill-process (unknown 0x12340000)");
	expect_action(0x7ffe0000u, "kill-process (unknown 0x7ffe0000)");
}

static char *text_of(const struct audit_event *ev, int json)
{
	char *out;
	size_t n;
	FILE *f = open_memstream(&out, &n);

	if (json)
		audit_write_json(f, ev);
	else
		audit_write_text(f, ev);
	fclose(f);
	return out;
}

Test(audit_format, text_line_has_every_part)
{
	struct audit_event ev = event(AUDIT_ARCH_X86_64, 99, ACT_KILL_PROCESS);
	char *t;

	ev.sig = 31;
	t = text_of(&ev, 0);
	cr_expect_str_eq(t, "2023-11-14T22:13:20.005Z pid=321 comm=\"w\" "
			 "exe=\"/w\" arch=x86_64 syscall=sysinfo(99) "
			 "action=kill-process sig=31(SIGSYS)\n");
	free(t);
}

Test(audit_format, hostile_names_cannot_fake_fields_or_lines)
{
	struct audit_event ev = event(AUDIT_ARCH_X86_64, 99, ACT_LOG);
	char *t;

	strcpy(ev.comm, "a\" pid=1\nX");
	t = text_of(&ev, 0);
	cr_expect_str_eq(t, "2023-11-14T22:13:20.005Z pid=321 comm=\"a\\\" "
			 "pid=1\\x0aX\" exe=\"/w\" arch=x86_64 "
			 "syscall=sysinfo(99) action=log sig=0\n");
	cr_expect_eq(strchr(t, '\n'), t + strlen(t) - 1);
	free(t);
}

Test(audit_format, unknown_action_is_what_the_kernel_does)
{
	struct audit_event ev = event(AUDIT_ARCH_X86_64, 99, 0x12340000u);
	struct json_object *o, *v;
	char *t;

	ev.sig = 31;
	t = text_of(&ev, 0);
	cr_expect_str_eq(t, "2023-11-14T22:13:20.005Z pid=321 comm=\"w\" "
			 "exe=\"/w\" arch=x86_64 syscall=sysinfo(99) "
			 "action=kill-process (unknown 0x12340000) "
			 "sig=31(SIGSYS)\n");
	free(t);
	t = text_of(&ev, 1);
	o = json_tokener_parse(t);
	cr_assert_not_null(o, "not JSON: %s", t);
	cr_assert(json_object_object_get_ex(o, "action", &v));
	cr_expect_str_eq(json_object_get_string(v),
			 "kill-process (unknown 0x12340000)");
	cr_assert(json_object_object_get_ex(o, "code", &v));
	cr_expect_str_eq(json_object_get_string(v), "0x12340000");
	json_object_put(o);
	free(t);
}

/* syscall(-1) reaches the filter and is logged as syscall=-1: it is no
 * call of any table, and its high bits must not make it x32. */
Test(audit_format, syscall_minus_one_stays_minus_one)
{
	struct audit_event ev = event(AUDIT_ARCH_X86_64, -1, ACT_LOG);
	struct json_object *o, *v;
	struct audit_names nm;
	char *t;

	audit_names(&ev, &nm);
	cr_expect_str_eq(nm.arch, "x86_64");
	cr_expect_null(nm.syscall);
	cr_expect_eq(nm.nr, -1);
	t = text_of(&ev, 0);
	cr_expect_str_eq(t, "2023-11-14T22:13:20.005Z pid=321 comm=\"w\" "
			 "exe=\"/w\" arch=x86_64 syscall=-1 action=log sig=0\n");
	free(t);
	t = text_of(&ev, 1);
	o = json_tokener_parse(t);
	cr_assert_not_null(o, "not JSON: %s", t);
	cr_assert(json_object_object_get_ex(o, "syscall", &v));
	cr_expect_eq(json_object_get_int64(v), -1);
	cr_assert(json_object_object_get_ex(o, "syscall_raw", &v));
	cr_expect_eq(json_object_get_int64(v), -1);
	cr_assert(json_object_object_get_ex(o, "syscall_name", &v));
	cr_expect_null(v);
	json_object_put(o);
	free(t);
	ev = event(AUDIT_ARCH_X86_64, 0x100000029ll, ACT_LOG);
	t = text_of(&ev, 0);
	cr_expect(strstr(t, " arch=x86_64 syscall=?(4294967337) "), "%s", t);
	free(t);
}

/* json-c is the oracle: every object must parse back to the same values. */
Test(audit_format, json_is_valid_and_round_trips)
{
	struct audit_event ev = event(AUDIT_ARCH_X86_64, 0x40000000 + 41,
				      ACT_ERRNO);
	struct json_object *o, *v;
	char *t;

	strcpy(ev.comm, "q\"\\\x01\xff\xc3\xa9");
	t = text_of(&ev, 1);
	o = json_tokener_parse(t);
	cr_assert_not_null(o, "not JSON: %s", t);
	cr_assert(json_object_object_get_ex(o, "comm", &v));
	cr_expect_str_eq(json_object_get_string(v), "q\"\\\x01\xef\xbf\xbd\xc3\xa9",
			 "invalid UTF-8 becomes U+FFFD, valid stays");
	cr_assert(json_object_object_get_ex(o, "arch", &v));
	cr_expect_str_eq(json_object_get_string(v), "x32");
	cr_assert(json_object_object_get_ex(o, "syscall_name", &v));
	cr_expect_str_eq(json_object_get_string(v), "socket");
	cr_assert(json_object_object_get_ex(o, "syscall", &v));
	cr_expect_eq(json_object_get_int(v), 41);
	cr_assert(json_object_object_get_ex(o, "action", &v));
	cr_expect_str_eq(json_object_get_string(v), "errno");
	cr_assert(json_object_object_get_ex(o, "pid", &v));
	cr_expect_eq(json_object_get_int(v), 321);
	cr_assert(json_object_object_get_ex(o, "time", &v));
	cr_expect_str_eq(json_object_get_string(v), "2023-11-14T22:13:20.005Z");
	json_object_put(o);
	free(t);
}

Test(audit_format, json_nulls_for_missing_fields)
{
	struct audit_event ev = event(0x1234, 7, ACT_LOG);
	struct json_object *o, *v;
	char *t;

	ev.have = 0;
	t = text_of(&ev, 1);
	o = json_tokener_parse(t);
	cr_assert_not_null(o, "not JSON: %s", t);
	cr_assert(json_object_object_get_ex(o, "time", &v));
	cr_expect_null(v);
	cr_assert(json_object_object_get_ex(o, "arch", &v));
	cr_expect_null(v);
	cr_assert(json_object_object_get_ex(o, "comm", &v));
	cr_expect_null(v);
	json_object_put(o);
	free(t);
}

Test(audit_filter, pid_comm_ses_since)
{
	struct audit_event ev = event(AUDIT_ARCH_X86_64, 1, ACT_LOG);
	struct audit_filter f;

	memset(&f, 0, sizeof(f));
	cr_expect(audit_filter_match(&f, &ev));
	f.by_pid = 1;
	f.pid = 32;
	cr_expect_not(audit_filter_match(&f, &ev), "pid 32 is not pid 321");
	f.pid = 3210;
	cr_expect_not(audit_filter_match(&f, &ev));
	f.pid = 321;
	cr_expect(audit_filter_match(&f, &ev));
	f.comm = "ww";
	cr_expect_not(audit_filter_match(&f, &ev));
	f.comm = "w";
	cr_expect(audit_filter_match(&f, &ev));
	f.by_ses = 1;
	f.ses = 5;
	cr_expect_not(audit_filter_match(&f, &ev));
	f.ses = 4;
	cr_expect(audit_filter_match(&f, &ev));
	f.by_since = 1;
	f.since_ms = 1700000000005;
	cr_expect(audit_filter_match(&f, &ev));
	f.since_ms = 1700000000006;
	cr_expect_not(audit_filter_match(&f, &ev));
	f.since_ms = 0;
	ev.have &= ~AUDIT_HAVE_STAMP;
	cr_expect_not(audit_filter_match(&f, &ev), "undated events fail --since");
}

Test(audit_filter, since_forms)
{
	int64_t ms;

	cr_assert_eq(audit_parse_since("10m", 1000000, &ms), 0);
	cr_expect_eq(ms, 1000000 - 600000);
	cr_assert_eq(audit_parse_since("2h", 10000000000, &ms), 0);
	cr_expect_eq(ms, 10000000000 - 7200000);
	cr_assert_eq(audit_parse_since("30s", 100000, &ms), 0);
	cr_expect_eq(ms, 70000);
	cr_assert_eq(audit_parse_since("1d", 100000000, &ms), 0);
	cr_expect_eq(ms, 100000000 - 86400000);
	cr_assert_eq(audit_parse_since("1700000000.123", 0, &ms), 0);
	cr_expect_eq(ms, 1700000000123);
	cr_assert_eq(audit_parse_since("1700000000.5", 0, &ms), 0);
	cr_expect_eq(ms, 1700000000500);
	cr_assert_eq(audit_parse_since("1700000000", 0, &ms), 0);
	cr_expect_eq(ms, 1700000000000);
	/* A stamp copied from a record, with its serial. */
	cr_assert_eq(audit_parse_since("1700000001.500:4250", 0, &ms), 0);
	cr_expect_eq(ms, 1700000001500);
	cr_assert_eq(audit_parse_since("audit(1700000001.500:4250)", 0, &ms), 0);
	cr_expect_eq(ms, 1700000001500);
	cr_assert_eq(audit_parse_since("audit(1700000001.500:4250):", 0, &ms),
		     0);
	cr_expect_eq(ms, 1700000001500);
	cr_assert_eq(audit_parse_since("audit(1700000001.500)", 0, &ms), 0);
	cr_expect_eq(ms, 1700000001500);
}

Test(audit_filter, since_rejects_garbage)
{
	static const char *const bad[] = {
		"", "m", "10", "-5m", "10x", "1.2.3", "17.1234", "abc", "10 m",
		"9999999999999m", "1700000000.",
		"1700000000.5:", "1700000000.5:x", "1700000000.5:1:2",
		"audit(1700000000.5:1", "audit(1700000000.5:1)x", "audit()",
		"audit(", "(1700000000.5:1)", "audit(10:1)", ":1",
	};
	size_t i;
	int64_t ms;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_neq(audit_parse_since(bad[i], 0, &ms), 0, "'%s'",
			      bad[i]);
}
