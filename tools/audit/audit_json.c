/* seccomp-audit, stage 1 for `journalctl -o json`: take MESSAGE (and the
 * journal's own timestamp and audit serial) out of one JSON object, then
 * hand the message to the text parser. No I/O. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tools/audit/audit.h"

/* Deep nesting is never needed for a journal entry; refusing it keeps
 * hostile input from costing stack. */
#define JSON_MAX_DEPTH 8
/* The kernel caps one audit record at 8970 bytes; allow generous slack. */
#define MESSAGE_MAX 65536

/* journald writes MESSAGE as a string, or as an array of byte values when
 * it is not valid UTF-8. Returns a malloc'ed copy and its length, or NULL. */
static char *message_bytes(struct json_object *m, size_t *len)
{
	char *out;
	size_t i, n;

	if (json_object_is_type(m, json_type_string)) {
		n = (size_t)json_object_get_string_len(m);
		if (n > MESSAGE_MAX || !(out = malloc(n + 1)))
			return NULL;
		memcpy(out, json_object_get_string(m), n);
		*len = n;
		return out;
	}
	if (!json_object_is_type(m, json_type_array))
		return NULL;
	n = json_object_array_length(m);
	if (n > MESSAGE_MAX || !(out = malloc(n + 1)))
		return NULL;
	for (i = 0; i < n; i++) {
		struct json_object *b = json_object_array_get_idx(m, i);
		int64_t v;

		if (!json_object_is_type(b, json_type_int) ||
		    (v = json_object_get_int64(b)) < 0 || v > 255) {
			free(out);
			return NULL;
		}
		out[i] = (char)v;
	}
	*len = n;
	return out;
}

/* A journal field holding a decimal number as a string ("1700000000123456"). */
static int field_u64(struct json_object *obj, const char *key, uint64_t *out)
{
	struct json_object *v;
	const char *s;
	char *end;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (*end || errno) ? -1 : 0;
}

/* Records from journald's audit transport lost their "audit(...)" stamp;
 * the journal keeps it in _SOURCE_REALTIME_TIMESTAMP and _AUDIT_ID. */
static void journal_stamp(struct json_object *obj, struct audit_event *ev)
{
	uint64_t usec, id;

	if (ev->have & AUDIT_HAVE_STAMP)
		return;
	if (field_u64(obj, "_SOURCE_REALTIME_TIMESTAMP", &usec) == 0 ||
	    field_u64(obj, "__REALTIME_TIMESTAMP", &usec) == 0) {
		ev->sec = (int64_t)(usec / 1000000u);
		ev->msec = (uint32_t)(usec / 1000u % 1000u);
		ev->have |= AUDIT_HAVE_WHEN | AUDIT_HAVE_MSEC;
	}
	if (field_u64(obj, "_AUDIT_ID", &id) == 0)
		ev->serial = id;
}

/* Any local user can put "audit: type=1326 ..." into the journal through
 * syslog(3); journald's own _TRANSPORT field says where it really came
 * from. Entries without it (hand-made JSON) are read as they are. */
static int trusted_transport(struct json_object *obj)
{
	struct json_object *v;
	const char *t;

	if (!json_object_object_get_ex(obj, "_TRANSPORT", &v))
		return 1;
	if (!json_object_is_type(v, json_type_string))
		return 0;
	t = json_object_get_string(v);
	return strcmp(t, "audit") == 0 || strcmp(t, "kernel") == 0;
}

static int only_space_after(const char *s, size_t from, size_t len)
{
	for (; from < len; from++)
		if (s[from] != ' ' && s[from] != '\t' && s[from] != '\r' &&
		    s[from] != '\n')
			return 0;
	return 1;
}

int audit_parse_journal_json(const char *line, size_t len,
			     struct audit_event *ev)
{
	struct json_tokener *tok;
	struct json_object *obj, *msg;
	char *text = NULL;
	size_t tlen = 0;
	int r = AUDIT_UNRELATED;

	memset(ev, 0, sizeof(*ev));
	if (len > INT_MAX)
		return AUDIT_UNRELATED;
	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (!tok)
		return AUDIT_UNRELATED;
	obj = json_tokener_parse_ex(tok, line, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
	    !only_space_after(line, json_tokener_get_parse_end(tok), len) ||
	    !json_object_is_type(obj, json_type_object)) {
		r = AUDIT_MALFORMED; /* a '{' line that is not one object */
		goto out;
	}
	if (!json_object_object_get_ex(obj, "MESSAGE", &msg) ||
	    !trusted_transport(obj))
		goto out;
	text = message_bytes(msg, &tlen);
	if (!text) {
		r = AUDIT_MALFORMED;
		goto out;
	}
	r = audit_parse_message(text, tlen, ev);
	if (r == AUDIT_EVENT)
		journal_stamp(obj, ev);
out:
	free(text);
	json_object_put(obj);
	json_tokener_free(tok);
	return r;
}
