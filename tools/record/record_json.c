/* The recording as JSON through json-c: syscalls sorted by name (unnamed
 * numbers last, by number), so the same set gives the same text. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "tools/record/record_json.h"

struct named_call {
	const struct rec_call *c;
	const char *name;
};

static int call_cmp(const void *pa, const void *pb)
{
	const struct named_call *a = pa, *b = pb;

	if (a->name && b->name)
		return strcmp(a->name, b->name);
	if (a->name || b->name)
		return a->name ? -1 : 1;
	return a->c->nr < b->c->nr ? -1 : a->c->nr > b->c->nr;
}

static json_object *call_json(const struct named_call *n)
{
	const struct rec_call *c = n->c;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", n->name ? json_object_new_string(n->name) : NULL);
	json_object_object_add(o, "nr", json_object_new_int64(c->nr));
	json_object_object_add(o, "count", json_object_new_uint64(c->count));
	if (!c->spec)
		return o;
	json_object *vals = json_object_new_array();
	for (size_t i = 0; i < c->nvals; i++) {
		json_object *v = json_object_new_object();
		for (int f = 0; f < c->spec->nfields; f++)
			json_object_object_add(v, c->spec->f[f].param,
					       json_object_new_uint64(c->vals[i].v[f]));
		json_object_object_add(v, "count", json_object_new_uint64(c->vals[i].count));
		json_object_array_add(vals, v);
	}
	json_object_object_add(o, "args", vals);
	json_object_object_add(o, "args_incomplete", json_object_new_boolean(c->too_many));
	return o;
}

static json_object *abi_json(const struct rec_abi *a)
{
	json_object *o = json_object_new_object(), *calls = json_object_new_array();
	struct named_call *v = calloc(a->ncalls ? a->ncalls : 1, sizeof(*v));
	char buf[32];

	if (!v)
		return NULL;
	json_object_object_add(o, "abi", json_object_new_string(record_abi_name(a, buf, sizeof(buf))));
	snprintf(buf, sizeof(buf), "0x%08x", a->audit_arch);
	json_object_object_add(o, "audit_arch", json_object_new_string(buf));
	json_object_object_add(o, "target", json_object_new_boolean(record_target(a) != NULL));
	json_object_object_add(o, "calls", json_object_new_uint64(a->total));
	for (size_t i = 0; i < a->ncalls; i++) {
		v[i].c = &a->calls[i];
		v[i].name = record_call_name(a, a->calls[i].nr);
	}
	qsort(v, a->ncalls, sizeof(*v), call_cmp);
	for (size_t i = 0; i < a->ncalls; i++)
		json_object_array_add(calls, call_json(&v[i]));
	free(v);
	json_object_object_add(o, "syscalls", calls);
	return o;
}

int record_write_json(FILE *out, const struct record *r, const char *tool,
		      char *const *command)
{
	json_object *o = json_object_new_object(), *abis = json_object_new_array();
	int rc = 0;

	json_object_object_add(o, "tool", json_object_new_string(tool));
	if (command) {
		json_object *cmd = json_object_new_array();
		for (size_t i = 0; command[i]; i++)
			json_object_array_add(cmd, json_object_new_string(command[i]));
		json_object_object_add(o, "command", cmd);
	}
	json_object_object_add(o, "args_recorded", json_object_new_boolean(r->with_args));
	for (size_t i = 0; i < r->nabis; i++) {
		json_object *a = abi_json(&r->abis[i]);
		if (!a)
			rc = -1;
		else
			json_object_array_add(abis, a);
	}
	json_object_object_add(o, "abis", abis);
	if (fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) < 0)
		rc = -1;
	json_object_put(o);
	return rc;
}
