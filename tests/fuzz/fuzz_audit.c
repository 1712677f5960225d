/* libFuzzer harness for seccomp-audit's parser: one log line of any
 * format (audit.log, syslog, dmesg, kmsg, journal text or JSON) in, and
 * when it is a seccomp event, its names and both output forms out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "tools/audit/audit.h"

static void check_event(const struct audit_event *ev, FILE *sink)
{
	struct audit_names names;

	/* Bounded strings must stay terminated inside their buffers. */
	if (!memchr(ev->comm, '\0', sizeof(ev->comm)) ||
	    !memchr(ev->exe, '\0', sizeof(ev->exe)))
		abort();
	audit_names(ev, &names);
	if (!memchr(names.action, '\0', sizeof(names.action)))
		abort();
	audit_write_text(sink, ev);
	audit_write_json(sink, ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct audit_event ev;
	char *copy;

	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	/* An exact-size heap copy: ASan sees any read past LEN. */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	memset(&ev, 0, sizeof(ev));
	if (audit_parse_line(copy, size, &ev) == AUDIT_EVENT)
		check_event(&ev, sink);
	memset(&ev, 0, sizeof(ev));
	if (audit_parse_message(copy, size, &ev) == AUDIT_EVENT)
		check_event(&ev, sink);
	memset(&ev, 0, sizeof(ev));
	if (audit_parse_record(AUDIT_SECCOMP, copy, size, &ev) == AUDIT_EVENT)
		check_event(&ev, sink);
	free(copy);
	return 0;
}
