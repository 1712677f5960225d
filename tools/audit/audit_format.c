/* seccomp-audit, stage 2: name an event's architecture, syscall and action
 * (through arch/ and bpf/seccomp.h) and write it as text or JSON. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "arch/arch.h"
#include "bpf/seccomp.h"
#include "tools/audit/audit.h"

/* A number the filter could have seen as seccomp_data.nr. syscall(-1)
 * reaches the filter too, but as no syscall of any table. */
static int in_table_range(int64_t nr)
{
	return nr >= 0 && nr <= UINT32_MAX;
}

/* The x32 ABI shares x86_64's audit token; its syscalls carry the x32 bit. */
static const struct arch *event_arch(const struct audit_event *ev)
{
	const struct arch *a = arch_by_audit(ev->arch);

	if (a && a->x32_bit && in_table_range(ev->syscall) &&
	    ((uint64_t)ev->syscall & a->x32_bit))
		return arch_by_name("x32");
	if (a && strcmp(a->name, "x32") == 0)
		return arch_by_name("x86_64");
	return a;
}

static void action_name(uint32_t code, char *buf, size_t n)
{
	/* The kernel kills the process for a code it does not know. */
	if (seccomp_action_effective(code) == ACT_KILL_PROCESS &&
	    (code & ACT_FULL_MASK) != ACT_KILL_PROCESS) {
		snprintf(buf, n, "kill-process (unknown 0x%08" PRIx32 ")", code);
		return;
	}
	seccomp_action_format(code, buf, n);
	/* The kernel logs the action without its data (the errno value or
	 * trace message), so "errno(0)" would be an invention: keep the name. */
	if ((code & ACT_DATA_MASK) == 0 &&
	    ((code & ACT_FULL_MASK) == ACT_ERRNO ||
	     (code & ACT_FULL_MASK) == ACT_TRACE))
		buf[strcspn(buf, "(")] = '\0';
}

void audit_names(const struct audit_event *ev, struct audit_names *out)
{
	const struct arch *a = event_arch(ev);

	memset(out, 0, sizeof(*out));
	out->nr = ev->syscall;
	if (a && in_table_range(ev->syscall)) {
		uint32_t nr = (uint32_t)ev->syscall & ~a->x32_bit;

		out->nr = nr;
		out->syscall = arch_syscall_name(a, nr);
	}
	if (a)
		out->arch = a->name;
	action_name(ev->code, out->action, sizeof(out->action));
}

/* "2023-11-14T22:13:20.123Z", or "-" when the line carried no time. */
static void format_time(const struct audit_event *ev, char *buf, size_t n)
{
	struct tm tm;
	time_t t = (time_t)ev->sec;

	if (!(ev->have & (AUDIT_HAVE_STAMP | AUDIT_HAVE_WHEN)) ||
	    !gmtime_r(&t, &tm) ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, n, "-");
		return;
	}
	snprintf(buf + strlen(buf), n - strlen(buf), ".%03uZ", ev->msec % 1000);
}

/* Names come from untrusted processes: quote, and escape anything that
 * could fake a field or a line break. */
static void write_quoted_text(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

int audit_write_text(FILE *f, const struct audit_event *ev)
{
	struct audit_names nm;
	char when[AUDIT_WHEN_MAX];

	audit_names(ev, &nm);
	format_time(ev, when, sizeof(when));
	fprintf(f, "%s pid=%" PRId32 " comm=", when, ev->pid);
	write_quoted_text(f, (ev->have & AUDIT_HAVE_COMM) ? ev->comm : "?");
	fputs(" exe=", f);
	write_quoted_text(f, (ev->have & AUDIT_HAVE_EXE) ? ev->exe : "?");
	if (nm.arch)
		fprintf(f, " arch=%s", nm.arch);
	else
		fprintf(f, " arch=?(0x%08" PRIx32 ")", ev->arch);
	if (ev->syscall < 0)
		fprintf(f, " syscall=%" PRId64, ev->syscall);
	else
		fprintf(f, " syscall=%s(%" PRId64 ")",
			nm.syscall ? nm.syscall : "?", nm.nr);
	fprintf(f, " action=%s", nm.action);
	if (ev->have & AUDIT_HAVE_SIG) {
		const char *sn = ev->sig > 0 ? sigabbrev_np(ev->sig) : NULL;
		fprintf(f, " sig=%" PRId32, ev->sig);
		if (sn)
			fprintf(f, "(SIG%s)", sn);
	}
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

/* Length of the valid UTF-8 sequence at P (at most N bytes), or 0. */
static size_t utf8_length(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* A JSON string. Bytes that are not valid UTF-8 become U+FFFD, so the
 * output is always valid JSON. */
static void write_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	fputc('"', f);
	while (i < n) {
		size_t k = utf8_length(p + i, n - i);

		if (k == 0) {
			fputs("\\ufffd", f);
			i++;
		} else if (k > 1) {
			fwrite(p + i, 1, k, f);
			i += k;
		} else if (p[i] == '"' || p[i] == '\\') {
			fprintf(f, "\\%c", p[i++]);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(f, "\\u%04x", p[i++]);
		} else {
			fputc(p[i++], f);
		}
	}
	fputc('"', f);
}

static void json_u32_or_null(FILE *f, const char *key, int have, uint32_t v)
{
	if (have)
		fprintf(f, ",\"%s\":%" PRIu32, key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

static void json_name_or_null(FILE *f, const char *key, const char *v)
{
	fprintf(f, ",\"%s\":", key);
	if (v)
		write_json_string(f, v);
	else
		fputs("null", f);
}

int audit_write_json(FILE *f, const struct audit_event *ev)
{
	struct audit_names nm;
	char when[AUDIT_WHEN_MAX];

	audit_names(ev, &nm);
	format_time(ev, when, sizeof(when));
	fputs("{\"time\":", f);
	if (strcmp(when, "-") == 0)
		fputs("null", f);
	else
		write_json_string(f, when);
	if (ev->serial)
		fprintf(f, ",\"serial\":%" PRIu64, ev->serial);
	else
		fputs(",\"serial\":null", f);
	fprintf(f, ",\"pid\":%" PRId32, ev->pid);
	json_name_or_null(f, "comm", (ev->have & AUDIT_HAVE_COMM) ? ev->comm : NULL);
	json_name_or_null(f, "exe", (ev->have & AUDIT_HAVE_EXE) ? ev->exe : NULL);
	json_u32_or_null(f, "auid", ev->have & AUDIT_HAVE_AUID, ev->auid);
	json_u32_or_null(f, "uid", ev->have & AUDIT_HAVE_UID, ev->uid);
	json_u32_or_null(f, "gid", ev->have & AUDIT_HAVE_GID, ev->gid);
	json_u32_or_null(f, "ses", ev->have & AUDIT_HAVE_SES, ev->ses);
	json_name_or_null(f, "arch", nm.arch);
	fprintf(f, ",\"audit_arch\":\"0x%08" PRIx32 "\"", ev->arch);
	fprintf(f, ",\"syscall\":%" PRId64 ",\"syscall_raw\":%" PRId64,
		nm.nr, ev->syscall);
	json_name_or_null(f, "syscall_name", nm.syscall);
	fprintf(f, ",\"code\":\"0x%08" PRIx32 "\"", ev->code);
	json_name_or_null(f, "action", nm.action);
	if (ev->have & AUDIT_HAVE_SIG)
		fprintf(f, ",\"sig\":%" PRId32, ev->sig);
	else
		fputs(",\"sig\":null", f);
	if (ev->have & AUDIT_HAVE_COMPAT)
		fprintf(f, ",\"compat\":%d", ev->compat);
	if (ev->have & AUDIT_HAVE_IP)
		fprintf(f, ",\"ip\":\"0x%" PRIx64 "\"", ev->ip);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}
