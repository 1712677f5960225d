/* The importer's entry points: one import per target (json.c -> select.c
 * -> write.c), the options bpfgen's command line hands over, and the
 * compiler's diagnostics about the text traced back to JSON paths. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import/plan.h"

int import_is_json(const char *buf, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)   /* a UTF-8 BOM */
		i = 3;
	for (; i < len; i++)
		if (!isspace((unsigned char)buf[i]))
			return buf[i] == '{' || buf[i] == '[';
	return 0;
}

const struct arch *import_host_target(const char *host)
{
	if (strcmp(host, "amd64") == 0 || strcmp(host, "x86_64") == 0)
		return arch_by_name("x86_64");
	if (strcmp(host, "arm64") == 0 || strcmp(host, "aarch64") == 0)
		return arch_by_name("aarch64");
	return NULL;
}

const char *import_target_host(const struct arch *t)
{
	return strcmp(t->name, "x86_64") == 0 ? "amd64" : "arm64";
}

int import_parse_kernel(const char *s, unsigned *major, unsigned *minor)
{
	unsigned long v[2];
	char *end;

	for (int i = 0; i < 2; i++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v[i] = strtoul(s, &end, 10);
		if (v[i] > 255)
			return -1;
		s = end;
		if (i == 0 && *s++ != '.')
			return -1;
	}
	/* "6.1" or a release such as "6.1.0-13-amd64": the rest is ignored,
	 * as moby ignores it. */
	if (*s && *s != '.' && *s != '-' && *s != '+' && *s != '_')
		return -1;
	if (v[0] == 0 && v[1] == 0)
		return -1;
	*major = (unsigned)v[0];
	*minor = (unsigned)v[1];
	return 0;
}

/* --caps LIST into CAPS (normalized, in A). "all", "none", "" too. */
static int parse_caps(const char *list, struct arena *a, const char ***caps,
		      size_t *n, FILE *diag)
{
	char buf[64];
	const char *p = list;

	*n = 0;
	*caps = ar_alloc(a, (ncap_names + 1) * sizeof(**caps));
	if (strcmp(list, "all") == 0) {
		for (size_t i = 0; i < ncap_names; i++)
			(*caps)[(*n)++] = cap_names[i];
		return 0;
	}
	if (strcmp(list, "none") == 0)
		return 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		char *one = ar_alloc(a, len + 1);
		int dup = 0;

		memcpy(one, p, len);
		if (cap_normalize(one, buf, sizeof(buf)) < 0) {
			if (diag)
				fprintf(diag, "bpfgen: --caps: no capability is called '%s' "
					"(e.g. CAP_SYS_ADMIN or sys_admin; 'all' or 'none')\n", one);
			return -1;
		}
		for (size_t i = 0; i < *n; i++)
			dup |= strcmp((*caps)[i], buf) == 0;
		if (!dup && *n < ncap_names)
			(*caps)[(*n)++] = ar_strdup(a, buf);
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int import_check_caps(const char *list, FILE *diag)
{
	struct arena a = { NULL };
	const char **caps;
	size_t n;
	int rc = parse_caps(list, &a, &caps, &n, diag);

	ar_free(&a);
	return rc;
}

static const char *caps_text(const struct import_options *o, const char *const *caps,
			     size_t n, struct arena *a)
{
	char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? ", " : "",
					caps[i]);
	if (!o->caps)
		return ar_printf(a, "%s (Docker's default set; --caps to change)", buf);
	return n ? ar_strdup(a, buf) : "none";
}

/* The options as bpfgen records them in its output: only those that
 * change something, canonical. */
static char *options_text(const struct import_options *o, const char *const *caps,
			  size_t ncaps, struct arena *a)
{
	char buf[2048];
	size_t n = 0;

	buf[0] = '\0';
#define ADD(...) (n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, __VA_ARGS__))
	if (o->from != IMPORT_DETECT)
		ADD(" --from %s", o->from == IMPORT_OCI ? "oci" : "docker");
	if (o->host_arch)
		ADD(" --host-arch %s", import_target_host(import_host_target(o->host_arch)));
	if (o->caps) {
		ADD(" --caps ");
		for (size_t i = 0; i < ncaps; i++)
			ADD("%s%s", i ? "," : "", caps[i]);
		if (!ncaps)
			ADD("none");
	}
	if (o->has_kernel)
		ADD(" --kernel %u.%u", o->kernel_major, o->kernel_minor);
	if (o->typed)
		ADD(" --typed");
	if (o->no_enosys_stub)
		ADD(" --no-enosys-stub");
	if (o->native_only)
		ADD(" --abi native");
	if (o->socketcall_open)
		ADD(" --socketcall fail-open");
#undef ADD
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	buf[n] = '\0';
	return ar_strdup(a, buf);
}

static char *xstrdup_(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	return d;
}

void import_result_free(struct import_result *r)
{
	if (r->arena) {
		ar_free(r->arena);
		free(r->arena);
	}
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->name);
	free(r->text);
	free(r->spans);
	free(r->summary);
	memset(r, 0, sizeof(*r));
}

/* One target: read (again: each result owns its strings), plan, write. */
static int import_one(const char *path, const char *json, size_t len,
		      const struct arch *target, const struct import_options *o,
		      struct import_result *out, struct idiag *d)
{
	struct arena *a = calloc(1, sizeof(*a));
	const char **caps;
	size_t ncaps;
	struct iprofile p;
	struct iplan plan;
	char name[4200];

	memset(out, 0, sizeof(*out));
	if (!a) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	out->arena = a;
	out->target = target;
	if (o->caps) {
		if (parse_caps(o->caps, a, &caps, &ncaps, d->out) < 0) {
			d->errors++;
			return -1;
		}
	} else {
		caps = ar_alloc(a, (ndocker_default_caps + 1) * sizeof(*caps));
		for (ncaps = 0; ncaps < ndocker_default_caps; ncaps++)
			caps[ncaps] = docker_default_caps[ncaps];
	}
	if (profile_read(json, len, o->from, &p, a, d) < 0)
		return -1;
	if (plan_build(&p, target, o, caps, ncaps, &plan, a, d) < 0) {
		plan_free(&plan);
		return -1;
	}
	plan.caps_text = caps_text(o, caps, ncaps, a);
	snprintf(name, sizeof(name), "%s[%s]", path, target->name);
	out->name = xstrdup_(name);
	plan_write(&plan, o, path, out, a);
	out->options = options_text(o, caps, ncaps, a);
	out->notes = calloc(plan.nnotes + 1, sizeof(*out->notes));
	if (!out->notes) {
		fputs("bpfgen: out of memory\n", stderr);
		exit(2);
	}
	for (size_t i = 0; i < plan.nnotes; i++)
		out->notes[out->nnotes++] = xstrdup_(plan.notes[i]);
	plan_free(&plan);
	return 0;
}

int import_profile(const char *path, const char *json, size_t len,
		   const struct arch *const *targets, size_t ntargets,
		   const struct import_options *o, struct import_result *out,
		   FILE *diag)
{
	struct idiag d;
	size_t done = 0;
	int failed = 0;

	memset(&d, 0, sizeof(d));
	d.out = diag;
	d.file = path;
	d.disabled = o->wdisabled;
	d.werror = o->werror;
	for (; done < ntargets; done++) {
		int rc = import_one(path, json, len, targets[done], o, &out[done], &d);

		if (rc < 0 || d.errors) {
			failed = 1;
			done++;
			break;
		}
	}
	if (failed) {
		while (done > 0)
			import_result_free(&out[--done]);
		idiag_free(&d);
		return -1;
	}
	for (size_t i = 0; diag && i < ntargets; i++)
		fputs(out[i].summary, diag);
	idiag_free(&d);
	return d.warnings;
}

/* ---- the compiler's diagnostics, traced to the profile -------------------------- */

/* The span that best names (LINE, COL): the last one starting at or
 * before it. */
static const struct import_span *span_at(const struct import_result *r, int line, int col)
{
	size_t lo = 0, hi = r->nspans;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct import_span *s = &r->spans[mid];

		if (s->line < line || (s->line == line && s->col <= col))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &r->spans[lo - 1] : NULL;
}

void import_annotate(const struct import_result *r, const char *line, FILE *out)
{
	size_t n = strlen(r->name);
	const struct import_span *s;
	const char *p;
	char *end;
	long l, c;

	if (strncmp(line, r->name, n) != 0 || line[n] != ':')
		goto plain;
	p = line + n + 1;
	l = strtol(p, &end, 10);
	if (end == p || *end != ':')
		goto plain;
	p = end + 1;
	c = strtol(p, &end, 10);
	if (end == p || *end != ':' || l < 1 || c < 1 || l > 1L << 30 || c > 1L << 30)
		goto plain;
	s = span_at(r, (int)l, (int)c);
	if (!s)
		goto plain;
	fprintf(out, "%.*s: %s:%s\n", (int)(end - line), line, s->path, end + 1);
	return;
plain:
	fprintf(out, "%s\n", line);
}
