/* Import stage 1: the JSON text to a profile as written (profile.h), with
 * the JSON path of everything. Types are checked as Go's encoding/json
 * checks them for runc's and moby's structs (numbers into uint fields must
 * be whole and not negative; null is "absent"; keys match case-insensitively,
 * exact spelling preferred); unknown keys are warned about and ignored, as
 * Go ignores them. Built without json-c (IMPORT_NO_JSON: the static
 * aarch64 bpfgen), profiles are refused with a clear message. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import/profile.h"

#ifdef IMPORT_NO_JSON

int profile_read(const char *json, size_t len, enum import_format from,
		 struct iprofile *p, struct arena *a, struct idiag *d)
{
	(void)json; (void)len; (void)from; (void)p; (void)a;
	idiag_error(d, NULL, "this bpfgen was built without json-c: it cannot "
		    "read container profiles");
	return -1;
}

#else

#include <json-c/json.h>

#define MAX_DEPTH 64

struct reader {
	struct arena *a;
	struct idiag *d;
	enum import_format format;
};

/* ---- paths ------------------------------------------------------------------- */

static int plain_key(const char *k)
{
	if (!*k || isdigit((unsigned char)*k))
		return 0;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_')
			return 0;
	return 1;
}

/* PARENT.KEY, or PARENT["K\"EY"] for a key that is no identifier. */
static const char *key_path(struct reader *r, const char *parent, const char *key)
{
	char buf[200];
	size_t n = 0;

	if (plain_key(key) && strlen(key) < 120)
		return ar_printf(r->a, "%s.%s", parent, key);
	for (const char *k = key; *k && n + 8 < sizeof(buf); k++) {
		unsigned char c = (unsigned char)*k;

		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return ar_printf(r->a, "%s[\"%s\"]", parent, buf);
}

static const char *index_path(struct reader *r, const char *parent, size_t i)
{
	return ar_printf(r->a, "%s[%zu]", parent, i);
}

static const char *type_name(json_type t)
{
	switch (t) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number with a fraction or exponent";
	case json_type_int: return "a number";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "something else";
}

/* ---- values ------------------------------------------------------------------ */

static int want(struct reader *r, json_object *o, json_type t, const char *path,
		const char *what)
{
	if (json_object_get_type(o) == t)
		return 0;
	idiag_error(r->d, path, "expected %s, not %s", what,
		    type_name(json_object_get_type(o)));
	return -1;
}

/* A string without NUL bytes; "" for null. */
static int get_string(struct reader *r, json_object *o, const char *path,
		      struct istr *out)
{
	const char *s;

	out->path = path;
	out->s = "";
	if (!o || json_object_get_type(o) == json_type_null)
		return 0;
	if (want(r, o, json_type_string, path, "a string") < 0)
		return -1;
	s = json_object_get_string(o);
	if (strlen(s) != (size_t)json_object_get_string_len(o)) {
		idiag_error(r->d, path, "the string contains a NUL character");
		return -1;
	}
	out->s = ar_strdup(r->a, s);
	return 0;
}

/* A whole number 0..MAX (Go's uint / uint64 fields). */
static int get_uint(struct reader *r, json_object *o, const char *path,
		    uint64_t max, uint64_t *out)
{
	if (json_object_get_type(o) == json_type_double) {
		idiag_error(r->d, path, "expected a whole number, not %s",
			    json_object_to_json_string(o));
		return -1;
	}
	if (want(r, o, json_type_int, path, "a number") < 0)
		return -1;
	if (json_object_get_int64(o) < 0) {
		idiag_error(r->d, path, "expected a number >= 0, not %lld",
			    (long long)json_object_get_int64(o));
		return -1;
	}
	*out = json_object_get_uint64(o);
	if (*out > max) {
		idiag_error(r->d, path, "%llu is too large (at most %llu)",
			    (unsigned long long)*out, (unsigned long long)max);
		return -1;
	}
	return 0;
}

/* An array of strings (null: empty; a null element: ""). */
static int get_strings(struct reader *r, json_object *o, const char *path,
		       struct istr **out, size_t *n)
{
	size_t len;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!o || json_object_get_type(o) == json_type_null)
		return 0;
	if (want(r, o, json_type_array, path, "an array of strings") < 0)
		return -1;
	len = json_object_array_length(o);
	*out = ar_alloc(r->a, (len ? len : 1) * sizeof(**out));
	for (size_t i = 0; i < len; i++)
		rc |= get_string(r, json_object_array_get_idx(o, i),
				 index_path(r, path, i), &(*out)[i]);
	*n = len;
	return rc;
}

static int get_action(struct reader *r, json_object *o, const char *path,
		      enum imp_action *out)
{
	struct istr s;

	if (get_string(r, o, path, &s) < 0)
		return -1;
	for (int i = 0; i < IA_COUNT; i++)
		if (strcmp(s.s, imp_action_names[i]) == 0) {
			*out = (enum imp_action)i;
			return 0;
		}
	idiag_error(r->d, path, "unknown action \"%s\" (runc knows SCMP_ACT_KILL, "
		    "_KILL_PROCESS, _KILL_THREAD, _TRAP, _ERRNO, _TRACE, _ALLOW, _LOG, "
		    "_NOTIFY)", s.s);
	return -1;
}

static int get_op(struct reader *r, json_object *o, const char *path,
		  enum imp_op *out)
{
	struct istr s;

	if (get_string(r, o, path, &s) < 0)
		return -1;
	for (int i = 0; i < IO_COUNT; i++)
		if (strcmp(s.s, imp_op_names[i]) == 0) {
			*out = (enum imp_op)i;
			return 0;
		}
	idiag_error(r->d, path, "unknown op \"%s\" (runc knows SCMP_CMP_NE, _LT, _LE, "
		    "_EQ, _GE, _GT, _MASKED_EQ)", s.s);
	return -1;
}

/* libseccomp's architecture names: anything else is an error. */
static int check_arches(struct reader *r, const struct istr *a, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (!scmp_arch_by_name(a[i].s)) {
			idiag_error(r->d, a[i].path, "unknown architecture \"%s\" (libseccomp's "
				    "names: SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, "
				    "SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, ...)", a[i].s);
			rc = -1;
		}
	return rc;
}

/* ---- objects: a table of keys per object ------------------------------------ */

enum { F_BOTH, F_DOCKER, F_OCI };

struct field {
	const char *key;
	int format;   /* F_DOCKER: Docker/Podman only; F_OCI: OCI only */
};

/* The field KEY means in FIELDS: exact spelling first, then (like Go)
 * any case, with a warning. -1: none (warned). */
static int field_of(struct reader *r, const struct field *fields, size_t n,
		    const char *key, const char *path, const char *what)
{
	int folded = -1;

	for (size_t i = 0; i < n; i++) {
		int ok = fields[i].format == F_BOTH ||
			 (fields[i].format == F_DOCKER) == (r->format == IMPORT_DOCKER);

		if (!ok)
			continue;
		if (strcmp(key, fields[i].key) == 0)
			return (int)i;
		if (folded < 0 && strcasecmp(key, fields[i].key) == 0)
			folded = (int)i;
	}
	if (folded >= 0) {
		idiag_warn(r->d, IW_UNKNOWN_KEY, path, "read as \"%s\": Go matches keys "
			   "regardless of case, so runc does too", fields[folded].key);
		return folded;
	}
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(key, fields[i].key) == 0) {
			idiag_warn(r->d, IW_UNKNOWN_KEY, path, "\"%s\" belongs to the %s "
				   "format; this profile is read as %s (--from): ignored",
				   fields[i].key,
				   fields[i].format == F_DOCKER ? "Docker/Podman" : "OCI",
				   r->format == IMPORT_DOCKER ? "Docker/Podman" : "OCI");
			return -1;
		}
	idiag_warn(r->d, IW_UNKNOWN_KEY, path, "unknown key in %s: ignored (as runc "
		   "ignores it)", what);
	return -1;
}

#define NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

static const struct field arg_fields[] = {
	{ "index", F_BOTH }, { "value", F_BOTH }, { "valueTwo", F_BOTH }, { "op", F_BOTH },
};

static int read_arg(struct reader *r, json_object *o, const char *path, struct iarg *a)
{
	int rc = 0, has_op = 0, has_index = 0;
	uint64_t v;

	a->path = path;
	if (want(r, o, json_type_object, path, "an argument condition (an object)") < 0)
		return -1;
	json_object_object_foreach(o, key, val) {
		const char *p = key_path(r, path, key);
		int f = field_of(r, arg_fields, NFIELDS(arg_fields), key, p,
				 "an argument condition");

		if (f < 0 || json_object_get_type(val) == json_type_null)
			continue;
		switch (f) {
		case 0:
			/* libseccomp-golang's MakeCondition refuses 6 and above. */
			if (get_uint(r, val, p, UINT32_MAX, &v) < 0) {
				rc = -1;
			} else if (v > 5) {
				idiag_error(r->d, p, "argument index %llu: system calls have "
					    "arguments 0 to 5", (unsigned long long)v);
				rc = -1;
			} else {
				a->index = (unsigned)v;
				has_index = 1;
			}
			break;
		case 1: rc |= get_uint(r, val, p, UINT64_MAX, &a->value); break;
		case 2:
			rc |= get_uint(r, val, p, UINT64_MAX, &a->value2);
			a->has_value2 = 1;
			break;
		case 3:
			if (get_op(r, val, p, &a->op) < 0)
				rc = -1;
			else
				has_op = 1;
			break;
		}
	}
	if (!has_op && rc == 0) {
		/* Go leaves op "", which runc refuses as no valid operator. */
		idiag_error(r->d, path, "the condition has no \"op\"");
		rc = -1;
	}
	(void)has_index;   /* absent: 0, as Go leaves it */
	return rc;
}

/* moby's KernelVersion: "<kernel>.<major>", each 0..255, not 0.0. */
static int read_min_kernel(struct reader *r, json_object *o, const char *path,
			   struct ifilter *f)
{
	struct istr s;
	unsigned v[2] = { 0, 0 };
	const char *c;
	int part = 0, digits = 0;

	if (get_string(r, o, path, &s) < 0)
		return -1;
	if (!s.s[0])
		return 0;
	for (c = s.s; *c; c++) {
		if (*c == '.' && digits && part == 0) {
			part = 1;
			digits = 0;
		} else if (isdigit((unsigned char)*c) && v[part] * 10 + (unsigned)(*c - '0') <= 255) {
			v[part] = v[part] * 10 + (unsigned)(*c - '0');
			digits++;
		} else {
			break;
		}
	}
	if (*c || part != 1 || !digits || (v[0] == 0 && v[1] == 0)) {
		idiag_error(r->d, path, "invalid kernel version \"%s\": expected "
			    "\"<kernel>.<major>\" such as \"4.8\" (each 0..255, not 0.0)", s.s);
		return -1;
	}
	f->has_min_kernel = 1;
	f->kmajor = v[0];
	f->kminor = v[1];
	f->min_kernel_path = path;
	return 0;
}

static const struct field filter_fields[] = {
	{ "caps", F_BOTH }, { "arches", F_BOTH }, { "minKernel", F_BOTH },
};

static int read_filter(struct reader *r, json_object *o, const char *path,
		       struct ifilter *f)
{
	int rc = 0;

	if (json_object_get_type(o) == json_type_null)
		return 0;
	if (want(r, o, json_type_object, path, "an object (caps, arches, minKernel)") < 0)
		return -1;
	json_object_object_foreach(o, key, val) {
		const char *p = key_path(r, path, key);

		switch (field_of(r, filter_fields, NFIELDS(filter_fields), key, p,
				 "includes/excludes")) {
		case 0:
			rc |= get_strings(r, val, p, &f->caps, &f->ncaps);
			for (size_t i = 0; rc == 0 && i < f->ncaps; i++)
				if (!cap_known(f->caps[i].s))
					idiag_warn(r->d, IW_UNKNOWN_VALUE, f->caps[i].path,
						   "no capability is called \"%s\": moby "
						   "compares the name as it is", f->caps[i].s);
			break;
		case 1:
			rc |= get_strings(r, val, p, &f->arches, &f->narches);
			for (size_t i = 0; rc == 0 && i < f->narches; i++)
				if (!go_arch_known(f->arches[i].s))
					idiag_warn(r->d, IW_UNKNOWN_VALUE, f->arches[i].path,
						   "no architecture is called \"%s\" (moby "
						   "compares Go's names: amd64, arm64, x86, "
						   "arm, ...)", f->arches[i].s);
			break;
		case 2: rc |= read_min_kernel(r, val, p, f); break;
		}
	}
	return rc;
}

/* Podman's "errno"/"defaultErrno" (a number or an errno name) beside
 * errnoRet: containers/common prefers it, moby and runc never read it.
 * Silent when both say the same. */
static void podman_errno(struct reader *r, json_object *o, const char *path,
			 int has_ret, unsigned ret)
{
	struct istr s;
	uint64_t v = 0;
	char *end;

	if (get_string(r, o, path, &s) < 0 || !s.s[0])
		return;
	v = strtoull(s.s, &end, 10);
	if (*end && arch_constant(arch_targets[0], s.s, &v) < 0) {
		idiag_warn(r->d, IW_DROPPED, path, "Podman's errno \"%s\" is no errno "
			   "name, and runc never reads it", s.s);
		return;
	}
	if (has_ret && v == ret)
		return;
	idiag_warn(r->d, IW_DROPPED, path, "Podman reads errno \"%s\" here, runc and "
		   "moby do not: the import returns %u, from %s", s.s,
		   has_ret ? ret : 1u, has_ret ? "errnoRet" : "runc's default (EPERM)");
}

static const struct field syscall_fields[] = {
	{ "names", F_BOTH }, { "action", F_BOTH }, { "errnoRet", F_BOTH },
	{ "args", F_BOTH }, { "name", F_DOCKER }, { "comment", F_DOCKER },
	{ "includes", F_DOCKER }, { "excludes", F_DOCKER }, { "errno", F_DOCKER },
};

static int read_syscall(struct reader *r, json_object *o, const char *path,
			struct isyscall *s)
{
	json_object *podman = NULL;
	const char *podman_path = NULL;
	int rc = 0, has_action = 0;
	uint64_t v;

	s->path = path;
	if (want(r, o, json_type_object, path, "a syscall rule (an object)") < 0)
		return -1;
	json_object_object_foreach(o, key, val) {
		const char *p = key_path(r, path, key);
		int f = field_of(r, syscall_fields, NFIELDS(syscall_fields), key, p,
				 "a syscall rule");
		struct istr c;

		if (f < 0 || json_object_get_type(val) == json_type_null)
			continue;
		switch (f) {
		case 0: rc |= get_strings(r, val, p, &s->names, &s->nnames); break;
		case 1:
			if (get_action(r, val, p, &s->action) < 0)
				rc = -1;
			has_action = 1;
			s->action_path = p;
			break;
		case 2:
			/* At most 4095, the kernel's MAX_ERRNO; runc would pass a
			 * larger value on 16 bits and the kernel cap it. */
			if (get_uint(r, val, p, 65535, &v) < 0) {
				rc = -1;
				break;
			}
			s->has_errno = 1;
			s->errno_ret = (unsigned)v;
			s->errno_path = p;
			break;
		case 3: {
			size_t n;

			if (want(r, val, json_type_array, p, "an array of conditions") < 0) {
				rc = -1;
				break;
			}
			n = json_object_array_length(val);
			s->args = ar_alloc(r->a, (n ? n : 1) * sizeof(*s->args));
			for (size_t i = 0; i < n; i++)
				rc |= read_arg(r, json_object_array_get_idx(val, i),
					       index_path(r, p, i), &s->args[i]);
			s->nargs = n;
			break;
		}
		case 4:
			rc |= get_string(r, val, p, &s->name);
			s->has_name = s->name.s[0] != '\0';
			break;
		case 5:
			if (get_string(r, val, p, &c) == 0)
				s->comment = c.s;
			else
				rc = -1;
			break;
		case 6: rc |= read_filter(r, val, p, &s->includes); break;
		case 7: rc |= read_filter(r, val, p, &s->excludes); break;
		case 8: podman = val; podman_path = p; break;
		}
	}
	if (!has_action && rc == 0) {
		idiag_error(r->d, path, "the rule has no \"action\"");
		rc = -1;
	}
	if (podman && rc == 0)
		podman_errno(r, podman, podman_path, s->has_errno, s->errno_ret);
	return rc;
}

static const struct field archmap_fields[] = {
	{ "architecture", F_BOTH }, { "subArchitectures", F_BOTH },
};

static int read_archmap(struct reader *r, json_object *o, const char *path,
			struct iarchmap *m)
{
	int rc = 0;

	m->path = path;
	if (want(r, o, json_type_object, path, "an archMap entry (an object)") < 0)
		return -1;
	json_object_object_foreach(o, key, val) {
		const char *p = key_path(r, path, key);

		switch (field_of(r, archmap_fields, NFIELDS(archmap_fields), key, p,
				 "an archMap entry")) {
		case 0:
			if (get_string(r, val, p, &m->arch) < 0 || check_arches(r, &m->arch, 1) < 0)
				rc = -1;
			break;
		case 1:
			if (get_strings(r, val, p, &m->subs, &m->nsubs) < 0 ||
			    check_arches(r, m->subs, m->nsubs) < 0)
				rc = -1;
			break;
		}
	}
	if (!m->arch.s) {
		idiag_error(r->d, path, "the entry has no \"architecture\"");
		rc = -1;
	}
	return rc;
}

static const struct field top_fields[] = {
	{ "defaultAction", F_BOTH }, { "defaultErrnoRet", F_BOTH },
	{ "architectures", F_BOTH }, { "syscalls", F_BOTH }, { "flags", F_BOTH },
	{ "listenerPath", F_BOTH }, { "listenerMetadata", F_BOTH },
	{ "archMap", F_DOCKER }, { "defaultErrno", F_DOCKER },
};

static int read_top(struct reader *r, json_object *o, struct iprofile *p)
{
	json_object *podman = NULL;
	const char *podman_path = NULL;
	int rc = 0;
	uint64_t v;

	json_object_object_foreach(o, key, val) {
		const char *path = key_path(r, p->root, key);
		int f = field_of(r, top_fields, NFIELDS(top_fields), key, path, "the profile");
		size_t n;

		if (f < 0 || json_object_get_type(val) == json_type_null)
			continue;
		switch (f) {
		case 0: {
			struct istr s;

			/* "" is no action at all (runc: seccomp off, or an error). */
			if (get_string(r, val, path, &s) < 0) {
				rc = -1;
			} else if (s.s[0]) {
				if (get_action(r, val, path, &p->deflt) < 0)
					rc = -1;
				p->has_default = 1;
				p->default_path = path;
			}
			break;
		}
		case 1:
			if (get_uint(r, val, path, 65535, &v) < 0) {
				rc = -1;
				break;
			}
			p->has_default_errno = 1;
			p->default_errno = (unsigned)v;
			p->default_errno_path = path;
			break;
		case 2:
			if (get_strings(r, val, path, &p->archs, &p->narchs) < 0 ||
			    check_arches(r, p->archs, p->narchs) < 0)
				rc = -1;
			break;
		case 3:
			if (want(r, val, json_type_array, path, "an array of rules") < 0) {
				rc = -1;
				break;
			}
			n = json_object_array_length(val);
			p->syscalls = ar_alloc(r->a, (n ? n : 1) * sizeof(*p->syscalls));
			for (size_t i = 0; i < n; i++)
				rc |= read_syscall(r, json_object_array_get_idx(val, i),
						   index_path(r, path, i), &p->syscalls[i]);
			p->nsyscalls = n;
			break;
		case 4: rc |= get_strings(r, val, path, &p->flags, &p->nflags); break;
		case 5: rc |= get_string(r, val, path, &p->listener_path); break;
		case 6: rc |= get_string(r, val, path, &p->listener_metadata); break;
		case 7:
			if (want(r, val, json_type_array, path, "an array of architectures") < 0) {
				rc = -1;
				break;
			}
			n = json_object_array_length(val);
			p->archmap = ar_alloc(r->a, (n ? n : 1) * sizeof(*p->archmap));
			for (size_t i = 0; i < n; i++)
				rc |= read_archmap(r, json_object_array_get_idx(val, i),
						   index_path(r, path, i), &p->archmap[i]);
			p->narchmap = n;
			break;
		case 8: podman = val; podman_path = path; break;
		}
	}
	if (podman && rc == 0)
		podman_errno(r, podman, podman_path, p->has_default_errno,
			     p->default_errno);
	return rc;
}

/* ---- the document ------------------------------------------------------------- */

/* Go refuses what json-c lets through: whole numbers past 2^64 - 1
 * (json-c keeps 2^64 - 1) and strings in single quotes. Returns -1
 * after reporting the first, by line and column. */
static int prescan(struct reader *r, const char *s, size_t len)
{
	int line = 1, col = 1, in_str = 0, esc = 0;

	for (size_t i = 0; i < len; i++, col++) {
		char c = s[i];

		if (c == '\n') {
			line++;
			col = 0;
		}
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '\'') {
			idiag_error(r->d, NULL, "line %d, column %d: invalid JSON: strings "
				    "are in double quotes", line, col);
			return -1;
		} else if (c == '-' || isdigit((unsigned char)c)) {
			/* One number token; only a whole one can overflow. */
			size_t j = i, start = i + (c == '-');
			int whole = 1;

			while (j < len && (isdigit((unsigned char)s[j]) || (s[j] && strchr("+-.eE", s[j])))) {
				if (s[j] && strchr(".eE", s[j]))
					whole = 0;
				j++;
			}
			if (whole && c != '-' && (j - start > 20 || (j - start == 20 &&
			    memcmp(s + start, "18446744073709551615", 20) > 0))) {
				idiag_error(r->d, NULL, "line %d, column %d: %.*s does not fit "
					    "64 bits", line, col,
					    (int)(j - start > 40 ? 40 : j - start), s + start);
				return -1;
			}
			col += (int)(j - i) - 1;
			i = j - 1;
		}
	}
	return 0;
}

static json_object *parse(struct reader *r, const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	enum json_tokener_error e;
	json_object *o;
	size_t end, i;

	if (!tok) {
		idiag_error(r->d, NULL, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (i = end; o && i < len && isspace((unsigned char)s[i]); i++)
		;
	if (!o || e != json_tokener_success || i < len) {
		int line = 1, col = 1;

		for (i = 0; i < end && i < len; i++, col++)
			if (s[i] == '\n') {
				line++;
				col = 0;
			}
		idiag_error(r->d, NULL, "line %d, column %d: invalid JSON: %s", line, col,
			    !o && e == json_tokener_continue ? "it ends too early" :
			    e != json_tokener_success ? json_tokener_error_desc(e) :
			    "something follows the object");
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *get_key(json_object *o, const char *key)
{
	json_object_object_foreach(o, k, v)
		if (strcasecmp(k, key) == 0)
			return v;
	return NULL;
}

/* Docker/Podman: an archMap, Podman's defaultErrno, or a rule with
 * name/includes/excludes/comment/errno. Everything else reads the same in
 * both formats, so OCI is as good a guess as any. */
static enum import_format detect(json_object *o)
{
	json_object *calls = get_key(o, "syscalls");

	if (get_key(o, "archMap") || get_key(o, "defaultErrno"))
		return IMPORT_DOCKER;
	if (calls && json_object_get_type(calls) == json_type_array)
		for (size_t i = 0; i < json_object_array_length(calls); i++) {
			json_object *c = json_object_array_get_idx(calls, i);

			if (json_object_get_type(c) != json_type_object)
				continue;
			if (get_key(c, "name") || get_key(c, "includes") ||
			    get_key(c, "excludes") || get_key(c, "comment") ||
			    get_key(c, "errno"))
				return IMPORT_DOCKER;
		}
	return IMPORT_OCI;
}

int profile_read(const char *json, size_t len, enum import_format from,
		 struct iprofile *p, struct arena *a, struct idiag *d)
{
	struct reader r = { a, d, from };
	json_object *doc, *o;
	int rc;

	memset(p, 0, sizeof(*p));
	p->root = "$";
	if (prescan(&r, json, len) < 0 || !(doc = parse(&r, json, len)))
		return -1;
	o = doc;
	if (json_object_get_type(o) != json_type_object) {
		idiag_error(d, "$", "expected a seccomp profile (an object), not %s",
			    type_name(json_object_get_type(o)));
		json_object_put(doc);
		return -1;
	}
	/* A whole config.json: its linux.seccomp. */
	if (!get_key(o, "defaultAction") && !get_key(o, "syscalls") && get_key(o, "linux")) {
		json_object *linux = get_key(o, "linux");

		o = json_object_get_type(linux) == json_type_object ?
			get_key(linux, "seccomp") : NULL;
		if (!o || json_object_get_type(o) == json_type_null) {
			idiag_error(d, "$.linux.seccomp", "this config.json has no seccomp "
				    "profile: runc would start the container without a filter");
			json_object_put(doc);
			return -1;
		}
		p->root = "$.linux.seccomp";
		if (want(&r, o, json_type_object, p->root, "a seccomp profile (an object)") < 0) {
			json_object_put(doc);
			return -1;
		}
		if (from == IMPORT_DETECT)
			from = IMPORT_OCI;
	}
	r.format = p->format = from == IMPORT_DETECT ? detect(o) : from;
	rc = read_top(&r, o, p);
	json_object_put(doc);
	return rc;
}

#endif
