/* syscall-scan: the program as the loader builds it. Loads the binary,
 * its dynamic loader and every DT_NEEDED library (searched under the
 * sysroot as ld.so would), the modules the program may dlopen that the
 * analysis knows of (nsswitch.conf's NSS modules, --dlopen), binds imports
 * to definitions, resolves syscall numbers passed to wrapper functions at
 * their call sites, and walks the call graph from the loader's entry
 * points to the set of reachable syscalls. */
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "tools/scan/scan.h"

const char *const abi_name[ABI_N] = { "x86_64", "x32", "i386", "aarch64" };

void scan_note(struct scan *p, int incomplete, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < p->nnotes; i++)
		if (strcmp(p->notes[i], buf) == 0)
			return;
	char **n = realloc(p->notes, (p->nnotes + 1) * sizeof *n);
	if (!n)
		return;
	p->notes = n;
	if ((n[p->nnotes] = strdup(buf)))
		p->nnotes++;
	if (incomplete)
		p->incomplete = 1;
}

/* ---- finding libraries ------------------------------------------------ */

static const char *triplet(enum scan_machine m)
{
	return m == MACH_X86_64 ? "x86_64-linux-gnu" : "aarch64-linux-gnu";
}

/* 1 if PATH is a readable 64-bit ELF file for machine M. */
static int elf_matches(const char *path, enum scan_machine m)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_Ehdr eh;
	ssize_t n = read(fd, &eh, sizeof eh);
	close(fd);
	return n == (ssize_t)sizeof eh && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
	       eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	       eh.e_machine == (m == MACH_X86_64 ? EM_X86_64 : EM_AARCH64);
}

static void join_path(char *out, size_t len, const char *root, const char *path)
{
	if (!root || strcmp(root, "/") == 0 || !*root)
		snprintf(out, len, "%s", path);
	else
		snprintf(out, len, "%s%s%s", root, path[0] == '/' ? "" : "/", path);
}

/* Finds library NAME needed by module FROM (for its run path); 0 and OUT
 * on success. */
static int find_library(const struct scan *p, const struct module *from,
			const char *name, const char *sysroot, char *out, size_t len)
{
	if (strchr(name, '/')) {
		join_path(out, len, sysroot, name);
		return elf_matches(out, p->machine) ? 0 : -1;
	}
	if (from && from->ef.runpath) {
		char dirs[PATH_MAX];
		snprintf(dirs, sizeof dirs, "%s", from->ef.runpath);
		char origin[PATH_MAX];
		snprintf(origin, sizeof origin, "%s", from->ef.path);
		char *slash = strrchr(origin, '/');
		if (slash)
			*slash = 0;
		else
			snprintf(origin, sizeof origin, ".");
		for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
		     d = strtok_r(NULL, ":", &save)) {
			char dir[PATH_MAX];
			if (strncmp(d, "$ORIGIN", 7) == 0)
				snprintf(dir, sizeof dir, "%s%s", origin, d + 7);
			else if (strncmp(d, "${ORIGIN}", 9) == 0)
				snprintf(dir, sizeof dir, "%s%s", origin, d + 9);
			else
				join_path(dir, sizeof dir, sysroot, d);
			if (snprintf(out, len, "%s/%s", dir, name) < (int)len &&
			    elf_matches(out, p->machine))
				return 0;
		}
	}
	/* musl's loader searches its own path file's directories first. */
	for (size_t i = 0; i < p->nmusl; i++) {
		char full[PATH_MAX];
		join_path(full, sizeof full, sysroot, p->musl[i]);
		if (snprintf(out, len, "%s/%s", full, name) < (int)len &&
		    elf_matches(out, p->machine))
			return 0;
	}
	static const char *const fmts[] = {
		"/lib/%s", "/usr/lib/%s", "/usr/%s/lib", "/usr/local/lib/%s",
		"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib",
	};
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		char dir[PATH_MAX], full[PATH_MAX];
		snprintf(dir, sizeof dir, fmts[i], triplet(p->machine));
		join_path(full, sizeof full, sysroot, dir);
		if (snprintf(out, len, "%s/%s", full, name) < (int)len &&
		    elf_matches(out, p->machine))
			return 0;
	}
	return -1;
}

/* musl's dynamic loader (ld-musl-ARCH.so.1, which is its libc too) reads
 * its library path from /etc/ld-musl-ARCH.path (one directory a line, or
 * colon-separated), else uses /lib:/usr/local/lib:/usr/lib. */
static void musl_path(struct scan *p, const char *interp, const char *sysroot)
{
	const char *base = strrchr(interp, '/');
	base = base ? base + 1 : interp;
	if (strncmp(base, "ld-musl-", 8) != 0)
		return;
	char arch[64], file[PATH_MAX], path[PATH_MAX];
	snprintf(arch, sizeof arch, "%s", base + 8);
	char *dot = strstr(arch, ".so");
	if (dot)
		*dot = 0;
	snprintf(file, sizeof file, "/etc/ld-musl-%s.path", arch);
	join_path(path, sizeof path, sysroot, file);
	char buf[4096] = "/lib:/usr/local/lib:/usr/lib";
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	for (char *save = NULL, *d = strtok_r(buf, ":\n", &save); d;
	     d = strtok_r(NULL, ":\n", &save)) {
		if (!*d || p->nmusl == sizeof p->musl / sizeof p->musl[0])
			continue;
		if (!(p->musl[p->nmusl] = strdup(d)))
			return;
		p->nmusl++;
	}
}

/* ---- loading modules ---------------------------------------------------- */

static int loaded(const struct scan *p, const char *path)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		return 0;
	for (size_t i = 0; i < p->nmods; i++) {
		char other[PATH_MAX];
		if (realpath(p->mods[i].ef.path, other) && strcmp(real, other) == 0)
			return 1;
	}
	return 0;
}

static long add_module(struct scan *p, struct decoder *dec, const char *path,
		       int is_main, int is_interp, int is_dlopen, char *err, size_t errlen)
{
	if (!is_main && loaded(p, path))
		return 0;
	struct module *mods = realloc(p->mods, (p->nmods + 1) * sizeof *mods);
	if (!mods) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->mods = mods;
	struct module *m = &mods[p->nmods];
	memset(m, 0, sizeof *m);
	m->is_main = is_main;
	m->is_interp = is_interp;
	m->is_dlopen = is_dlopen;
	char why[256];
	if (module_load(m, path, p->sysroot, dec, why, sizeof why)) {
		module_free(m);
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if (m->ef.machine != p->machine) {
		module_free(m);
		snprintf(err, errlen, "%s: not for the program's architecture", path);
		return -1;
	}
	p->nmods++;
	return 1;
}

/* Loads every DT_NEEDED library of modules FROM.. (breadth first, as the
 * loader orders its search scope). */
static int load_needed(struct scan *p, struct decoder *dec, size_t from,
		       const char *sysroot, char *err, size_t errlen)
{
	char **names = NULL;
	size_t nnames = 0;
	for (size_t i = 0; i < p->nmods; i++) {
		char **nn = realloc(names, (nnames + 1) * sizeof *nn);
		if (!nn)
			goto oom;
		names = nn;
		names[nnames++] = strdup(p->mods[i].ef.soname ? p->mods[i].ef.soname :
					 p->mods[i].name);
	}
	for (size_t i = from; i < p->nmods; i++) {
		for (size_t k = 0; k < p->mods[i].ef.nneeded; k++) {
			const char *name = p->mods[i].ef.needed[k];
			int have = 0;
			for (size_t j = 0; j < nnames; j++)
				if (names[j] && strcmp(names[j], name) == 0)
					have = 1;
			if (have)
				continue;
			char path[PATH_MAX];
			if (find_library(p, &p->mods[i], name, sysroot, path, sizeof path)) {
				scan_note(p, 1, "library %s (needed by %s) not found under %s",
				     name, p->mods[i].name, sysroot);
			} else {
				char e2[512];
				if (add_module(p, dec, path, 0, 0, 0, e2, sizeof e2) < 0)
					scan_note(p, 1, "library %s: %s", name, e2);
			}
			char **nn = realloc(names, (nnames + 1) * sizeof *nn);
			if (!nn)
				goto oom;
			names = nn;
			names[nnames++] = strdup(name);
		}
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return 0;
oom:
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int file_contains(const struct module *m, const char *s)
{
	return memmem(m->ef.data, m->ef.size, s, strlen(s)) != NULL;
}

/* The NSS modules nsswitch.conf names: glibc dlopens libnss_SERVICE.so.2
 * for each service it consults. */
static void load_nss(struct scan *p, struct decoder *dec, const char *sysroot)
{
	char path[PATH_MAX];
	join_path(path, sizeof path, sysroot, "/etc/nsswitch.conf");
	FILE *f = fopen(path, "r");
	if (!f) {
		scan_note(p, 0, "no %s: no NSS modules modelled", path);
		return;
	}
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		for (char *save = NULL, *w = strtok_r(colon + 1, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			if (w[0] == '[')
				continue;
			char lib[300], lp[PATH_MAX];
			snprintf(lib, sizeof lib, "libnss_%s.so.2", w);
			if (find_library(p, NULL, lib, sysroot, lp, sizeof lp))
				continue;   /* built into libc, or not installed */
			char err[512];
			long rc = add_module(p, dec, lp, 0, 0, 1, err, sizeof err);
			if (rc < 0)
				scan_note(p, 1, "NSS module %s: %s", lib, err);
			else if (rc > 0)
				scan_note(p, 0, "modelled dlopen: NSS module %s (%s)", lib, path);
		}
	}
	fclose(f);
}

/* ---- binding imports ------------------------------------------------------ */

static int cmp_export(const void *a, const void *b, void *ctx)
{
	const struct elf_sym *s = ((const struct module *)ctx)->ef.syms;
	return strcmp(s[*(const uint32_t *)a].name, s[*(const uint32_t *)b].name);
}

static int build_exports(struct module *m)
{
	m->exports = malloc((m->ef.nsyms ? m->ef.nsyms : 1) * sizeof(uint32_t));
	if (!m->exports)
		return -1;
	for (size_t i = 0; i < m->ef.nsyms; i++) {
		const struct elf_sym *s = &m->ef.syms[i];
		if (s->dynamic && s->defined && s->bind != STB_LOCAL &&
		    elf_is_code(&m->ef, s->value))
			m->exports[m->nexports++] = (uint32_t)i;
	}
	qsort_r(m->exports, m->nexports, sizeof(uint32_t), cmp_export, m);
	return 0;
}

/* [*LO, *HI) of M's exports named NAME. */
static void export_range(const struct module *m, const char *name, size_t *lo, size_t *hi)
{
	size_t a = 0, b = m->nexports;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (strcmp(m->ef.syms[m->exports[mid]].name, name) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	size_t e = a;
	while (e < m->nexports && strcmp(m->ef.syms[m->exports[e]].name, name) == 0)
		e++;
	*lo = a;
	*hi = e;
}

/* Appends to F one resolved edge per definition of E's import. 1 if found. */
static int bind(struct scan *p, struct func *f, const struct edge *e, int *oom)
{
	for (size_t mi = 0; mi < p->nmods; mi++) {
		const struct module *m = &p->mods[mi];
		size_t lo, hi;
		export_range(m, e->import, &lo, &hi);
		if (lo == hi)
			continue;
		for (size_t k = lo; k < hi; k++) {
			long fi = module_func_at(m, m->ef.syms[m->exports[k]].value);
			if (fi < 0)
				continue;
			struct edge r = *e;
			r.import = NULL;
			r.mod = (uint32_t)mi;
			r.fn = (uint32_t)fi;
			r.resolved = 1;
			if (func_add_edge(f, &r))
				*oom = 1;
		}
		return 1;
	}
	return 0;
}

static int bind_all(struct scan *p)
{
	int oom = 0;
	for (size_t mi = 0; mi < p->nmods; mi++) {
		struct module *m = &p->mods[mi];
		for (size_t fi = 0; fi < m->nfuncs; fi++) {
			struct func *f = &m->funcs[fi];
			size_t n = f->nedges;
			for (size_t k = 0; k < n; k++) {
				struct edge *e = &f->edges[k];
				if (e->resolved)
					continue;
				if (!e->import) {
					e->mod = (uint32_t)mi;
					e->resolved = 1;
					continue;
				}
				struct edge copy = *e;
				if (!bind(p, f, &copy, &oom)) {
					/* Weak references to absent symbols are normal
					 * (__gmon_start__, _ITM_*): nothing is called. */
				}
			}
		}
	}
	return oom ? -1 : 0;
}

/* ---- wrappers --------------------------------------------------------------- */

struct gid { uint32_t mod, fn; };

struct callers {
	size_t *base;          /* global id of (mod, 0) */
	size_t total;
	struct gid **from;     /* per callee: calling functions */
	uint64_t **at;         /* and the call's address */
	size_t *n, *cap;
};

static void callers_free(struct callers *c)
{
	for (size_t i = 0; i < c->total; i++) {
		if (c->from)
			free(c->from[i]);
		if (c->at)
			free(c->at[i]);
	}
	free(c->from);
	free(c->at);
	free(c->n);
	free(c->cap);
	free(c->base);
}

static int callers_build(struct scan *p, struct callers *c)
{
	memset(c, 0, sizeof *c);
	c->base = malloc((p->nmods + 1) * sizeof(size_t));
	if (!c->base)
		return -1;
	for (size_t i = 0; i < p->nmods; i++) {
		c->base[i] = c->total;
		c->total += p->mods[i].nfuncs;
	}
	c->base[p->nmods] = c->total;
	size_t t = c->total ? c->total : 1;
	c->from = calloc(t, sizeof *c->from);
	c->at = calloc(t, sizeof *c->at);
	c->n = calloc(t, sizeof *c->n);
	c->cap = calloc(t, sizeof *c->cap);
	if (!c->from || !c->at || !c->n || !c->cap)
		return -1;
	for (size_t mi = 0; mi < p->nmods; mi++)
		for (size_t fi = 0; fi < p->mods[mi].nfuncs; fi++) {
			const struct func *f = &p->mods[mi].funcs[fi];
			for (size_t k = 0; k < f->nedges; k++) {
				const struct edge *e = &f->edges[k];
				if (!e->resolved || e->kind == E_TAKEN)
					continue;
				size_t g = c->base[e->mod] + e->fn;
				if (c->n[g] == c->cap[g]) {
					size_t nc = c->cap[g] ? c->cap[g] * 2 : 4;
					struct gid *a = realloc(c->from[g], nc * sizeof *a);
					if (!a)
						return -1;
					c->from[g] = a;
					uint64_t *b = realloc(c->at[g], nc * sizeof *b);
					if (!b)
						return -1;
					c->at[g] = b;
					c->cap[g] = nc;
				}
				c->from[g][c->n[g]] = (struct gid){ (uint32_t)mi, (uint32_t)fi };
				c->at[g][c->n[g]++] = e->at;
			}
		}
	return 0;
}

/* The number a call of wrapper W at address AT passes: the register the
 * wrapper takes it in, or the memory that register points to. */
struct query {
	uint64_t at;
	const struct func *w;
	const struct flow_cfg *cfg;
	int found;
	struct val v;
	char why[96];          /* when the memory cannot be trusted */
};

static void query_visit(void *ctx, const struct func *fn, size_t i, const struct fstate *st)
{
	struct query *q = ctx;
	if (fn->insns[i].addr != q->at || q->found)
		return;
	q->found = 1;
	uint8_t r = (uint8_t)q->w->wrap_reg;
	if (!q->w->wrap_mem) {
		q->v = st->r[r];
		return;
	}
	/* The wrapper reads [r + off] of an object it trusts nobody else
	 * to reach: its address must be in no other register it is given. */
	struct val a = st->r[r];
	if (a.kind != V_ARG || a.width) {
		memset(&q->v, 0, sizeof q->v);
		q->v.kind = V_TOP;
		q->v.why = W_LOAD;
		snprintf(q->why, sizeof q->why, "the structure's address is not one "
			 "the analysis follows");
		return;
	}
	uint32_t cs = flow_caller_saved(q->cfg->m);
	for (uint8_t k = 0; k < NREG && !(st->esc & (1u << a.reg)); k++)
		if (k != r && (cs & (1u << k)) && (st->r[k].from & ((uint64_t)1 << a.reg))) {
			memset(&q->v, 0, sizeof q->v);
			q->v.kind = V_TOP;
			q->v.why = W_LOAD;
			snprintf(q->why, sizeof q->why, "the structure's address is also in "
				 "%s", reg_name(q->cfg->m, k));
			return;
		}
	a.off += q->w->wrap_off;
	flow_read(st, q->cfg, &a, q->w->wrap_width, q->w->wrap_sext, 64, &q->v);
}

/* Every call of a wrapper becomes a site of its caller, with the value
 * the caller passes (in a register, or in memory the register points
 * to); a caller that passes its own argument, or memory its own argument
 * points to, is a wrapper too. */
static int resolve_wrappers(struct scan *p, struct summaries *sums)
{
	struct callers c;
	if (callers_build(p, &c)) {
		callers_free(&c);
		return -1;
	}
	struct gid *work = malloc((c.total ? c.total : 1) * sizeof *work);
	uint8_t *done = calloc(c.total ? c.total : 1, 1);
	size_t nwork = 0;
	int rc = -1;
	struct flow_cfg plain;
	flow_cfg_init(&plain, p->machine);
	if (!work || !done)
		goto out;
	for (size_t mi = 0; mi < p->nmods; mi++)
		for (size_t fi = 0; fi < p->mods[mi].nfuncs; fi++)
			if (p->mods[mi].funcs[fi].wrap_reg >= 0) {
				work[nwork++] = (struct gid){ (uint32_t)mi, (uint32_t)fi };
				done[c.base[mi] + fi] = 1;
			}
	while (nwork) {
		struct gid w = work[--nwork];
		const struct func *wf = &p->mods[w.mod].funcs[w.fn];
		if (wf->wrap_conflict || wf->wrap_fail)
			continue;
		size_t g = c.base[w.mod] + w.fn;
		for (size_t k = 0; k < c.n[g]; k++) {
			struct gid cg = c.from[g][k];
			struct module *cm = &p->mods[cg.mod];
			struct func *cf = &cm->funcs[cg.fn];
			/* A register at a call needs no memory: the plain data flow
			 * (summaries only where the number is in memory). */
			struct query q = { .at = c.at[g][k], .w = wf,
					   .cfg = wf->wrap_mem ? sum_cfg(sums) : &plain };
			if (flow_run(cf, q.cfg, query_visit, &q) || sum_failed(sums))
				goto out;
			if (!q.found)
				continue;   /* the call is in code no path reaches */
			struct site s = { .at = q.at, .num = q.v, .kind = wf->wrap_kind,
					  .via_wrapper = 1, .wmod = w.mod, .wfn = w.fn };
			if (q.why[0])
				s.num.why = W_ALIAS;
			if (func_add_site(cf, &s))
				goto out;
			int was = cf->wrap_reg >= 0;
			if (q.v.kind == V_LD && q.v.pub)
				q.v.kind = V_TOP;   /* published by the caller too: not followed */
			func_wrapper(cf, &q.v, wf->wrap_kind, 0);
			size_t cgid = c.base[cg.mod] + cg.fn;
			if (!was && cf->wrap_reg >= 0 && !done[cgid]) {
				done[cgid] = 1;
				work[nwork++] = cg;
			}
		}
	}
	rc = 0;
out:
	free(work);
	free(done);
	callers_free(&c);
	return rc;
}

/* ---- numbers in objects published through a global ------------------- */

struct gcache {
	struct gcheck *c;
	size_t n;
};

static const struct gcheck *gcache_get(struct scan *p, struct gcache *gc, uint32_t mod,
				       uint64_t g)
{
	for (size_t i = 0; i < gc->n; i++)
		if (gc->c[i].mod == mod && gc->c[i].g == g)
			return &gc->c[i];
	struct gcheck *n = realloc(gc->c, (gc->n + 1) * sizeof *n);
	if (!n)
		return NULL;
	gc->c = n;
	if (global_check(p, mod, g, &n[gc->n]))
		return NULL;
	return &n[gc->n++];
}

/* A wrapper that published the address of the object its number is in:
 * its callers' values hold if the global is private and its readers never
 * write that field (globals.c). */
static int check_published_wrappers(struct scan *p, struct gcache *gc, int strict)
{
	char lab[300], buf[700];
	for (size_t mi = 0; mi < p->nmods; mi++)
		for (size_t fi = 0; fi < p->mods[mi].nfuncs; fi++) {
			struct func *f = &p->mods[mi].funcs[fi];
			if (!f->wrap_pub || f->wrap_reg < 0 || f->wrap_conflict)
				continue;
			const struct gcheck *c = gcache_get(p, gc, (uint32_t)mi, f->wrap_pub);
			if (!c)
				return -1;
			const char *why = NULL;
			if (!c->ok)
				why = c->why;
			else if (c->pubfn != fi || c->pubreg != (uint8_t)f->wrap_reg)
				why = "another function stores in that global";
			else if (gcheck_written(c, f->wrap_off, f->wrap_width))
				why = "code reading that global writes the field";
			else if (c->assumed && strict)
				why = c->assumption;
			if (why) {
				snprintf(buf, sizeof buf, "it stores the structure's address in "
					 "the global at 0x%llx and %s",
					 (unsigned long long)f->wrap_pub, why);
				if (!(f->wrap_fail = strdup(buf)))
					return -1;
				continue;
			}
			scan_note(p, 0, "%s: %s reads its number from its caller's structure "
			     "after storing its address in the private global at 0x%llx; "
			     "none of the %zu functions that read that global writes the "
			     "field%s%s%s", c->assumed ? "assumed" : "proved",
			     func_label(&p->mods[mi], f, lab, sizeof lab),
			     (unsigned long long)f->wrap_pub, c->nreaders,
			     c->assumed ? ", assuming that " : "",
			     c->assumed ? c->assumption : "",
			     c->assumed ? " (--strict refuses this)" : "");
		}
	return 0;
}

/* A site whose number is a field of the object a private global points
 * to: the global holds only zero or the pointer one function F stores,
 * and F's own site reads the same field of the same object. While F runs
 * (its callers wait for it) the field holds what F's callers stored, so
 * the site adds no number F's site does not have — provided the site runs
 * only while F does (glibc's set*id handler: F signals the threads and
 * waits for them). That last part is an assumption no code shows; with
 * --strict the site stays unresolved. */
static int check_published_reads(struct scan *p, struct gcache *gc, int strict)
{
	char lab[300], lab2[300];
	for (size_t mi = 0; mi < p->nmods; mi++)
		for (size_t fi = 0; fi < p->mods[mi].nfuncs; fi++) {
			struct func *h = &p->mods[mi].funcs[fi];
			if (!p->reached[mi][fi])
				continue;
			for (size_t k = 0; k < h->nsites; k++) {
				struct site *s = &h->sites[k];
				const struct val *v = &s->num;
				if (v->kind != V_LDG || s->via_wrapper)
					continue;
				const struct gcheck *c = gcache_get(p, gc, (uint32_t)mi, v->v[0]);
				if (!c)
					return -1;
				if (!c->ok) {
					scan_note(p, 0, "the site at 0x%llx in %s loads its number "
						  "through the global at 0x%llx, whose readers and "
						  "writers are not all known: %s",
						  (unsigned long long)s->at,
						  func_label(&p->mods[mi], h, lab, sizeof lab),
						  (unsigned long long)v->v[0], c->why);
					continue;
				}
				if (c->pubfn == UINT32_MAX || !p->reached[mi][c->pubfn]) {
					s->covered = 1;
					scan_note(p, 0, "proved: the site at 0x%llx in %s loads its "
					     "number through the global at 0x%llx, which %s "
					     "(the load faults, no syscall)",
					     (unsigned long long)s->at,
					     func_label(&p->mods[mi], h, lab, sizeof lab),
					     (unsigned long long)v->v[0],
					     c->pubfn == UINT32_MAX ? "is never set" :
					     "only a function the program cannot reach sets");
					continue;
				}
				const struct func *f = &p->mods[mi].funcs[c->pubfn];
				if (f->wrap_reg != c->pubreg || !f->wrap_mem || f->wrap_conflict ||
				    f->wrap_fail || f->wrap_pub != v->v[0] ||
				    f->wrap_off != v->off || f->wrap_width != v->width ||
				    f->wrap_sext != v->sext || gcheck_written(c, v->off, v->width))
					continue;
				if (strict)
					continue;
				s->covered = 1;
				scan_note(p, 0, "assumed: the site at 0x%llx in %s reads the number "
				     "%s reads, from the structure %s publishes in the private "
				     "global at 0x%llx, only while %s runs (so it adds no "
				     "syscall); --strict refuses this",
				     (unsigned long long)s->at,
				     func_label(&p->mods[mi], h, lab, sizeof lab),
				     func_label(&p->mods[mi], f, lab2, sizeof lab2), "it",
				     (unsigned long long)v->v[0], "that function");
			}
		}
	return 0;
}

/* Sites whose number the first analysis (without knowing what calls do)
 * could not find, analysed again knowing what each callee may do to the
 * memory it is given. */
struct refine {
	struct func *f;
	int oom;
};

static void refine_visit(void *ctx, const struct func *fn, size_t i, const struct fstate *st)
{
	struct refine *r = ctx;
	const struct insn *in = &fn->insns[i];
	if (in->op != OP_SYSCALL && in->op != OP_INT80 && in->op != OP_SVC)
		return;
	for (size_t k = 0; k < r->f->nsites; k++) {
		struct site *s = &r->f->sites[k];
		if (s->at != in->addr || s->via_wrapper)
			continue;
		s->num = st->r[in->op == OP_SVC ? A64_X8 : X86_RAX];
		func_wrapper(r->f, &s->num, in->op, st->pubaddr);
	}
}

static int unresolved_site(const struct func *f)
{
	for (size_t k = 0; k < f->nsites; k++) {
		const struct val *v = &f->sites[k].num;
		if (v->kind != V_CONST && !(v->kind == V_ARG && v->off == 0))
			return 1;
	}
	return 0;
}

static int refine_sites(struct scan *p, struct summaries *sums)
{
	for (size_t mi = 0; mi < p->nmods; mi++)
		for (size_t fi = 0; fi < p->mods[mi].nfuncs; fi++) {
			struct func *f = &p->mods[mi].funcs[fi];
			if (!p->reached[mi][fi] || !unresolved_site(f))
				continue;
			struct refine r = { .f = f };
			if (flow_run(f, sum_cfg(sums), refine_visit, &r) || sum_failed(sums))
				return -1;
		}
	return 0;
}

/* ---- reachability -------------------------------------------------------- */

enum root_kind { R_ENTRY, R_INTERP, R_INIT, R_DATA, R_DLOPEN, R_LOOKUP, R_ALL };
static const char *const root_text[] = {
	"entry", "dynamic loader", "init/fini", "address in data or IFUNC",
	"dlopen'd, exported", "looked up by the loader", "--all-sites",
};

struct bfs {
	struct gid *q;
	size_t n, head;
	uint8_t **ptr;   /* reached through a pointer */
};

static void reach(struct scan *p, struct bfs *b, uint32_t mod, uint32_t fn,
		  uint32_t pmod, uint32_t pfn, int by_pointer)
{
	if (by_pointer)
		b->ptr[mod][fn] = 1;
	if (p->reached[mod][fn])
		return;
	p->reached[mod][fn] = 1;
	p->parent_mod[mod][fn] = pmod;
	p->parent_fn[mod][fn] = pfn;
	b->q[b->n++] = (struct gid){ mod, fn };
}

static void root(struct scan *p, struct bfs *b, uint32_t mod, uint64_t addr,
		 enum root_kind k)
{
	long fi = module_func_at(&p->mods[mod], addr);
	if (fi >= 0)
		reach(p, b, mod, (uint32_t)fi, UINT32_MAX, k, k == R_DATA);
}

static int in_array(const struct elf_file *ef, uint64_t fstart)
{
	if (ef->init == fstart || ef->fini == fstart)
		return 1;
	for (int a = 0; a < 3; a++)
		for (uint64_t off = 0; off + 8 <= ef->init_array[a][1] && off < (1u << 24); off += 8) {
			uint64_t v;
			if (elf_word(ef, ef->init_array[a][0] + off, &v) == 0 && v == fstart)
				return 1;
		}
	return 0;
}

static void walk_free(struct scan *p, struct bfs *b)
{
	for (size_t i = 0; i < p->nmods; i++) {
		if (b->ptr)
			free(b->ptr[i]);
		if (p->reached)
			free(p->reached[i]);
		if (p->parent_mod)
			free(p->parent_mod[i]);
		if (p->parent_fn)
			free(p->parent_fn[i]);
	}
	free(b->ptr);
	free(b->q);
	free(p->reached);
	free(p->parent_mod);
	free(p->parent_fn);
	memset(b, 0, sizeof *b);
	p->reached = NULL;
	p->parent_mod = NULL;
	p->parent_fn = NULL;
}

static int walk(struct scan *p, const struct scan_options *o, struct bfs *b)
{
	size_t total = 0;
	walk_free(p, b);
	for (size_t mi = 0; mi < p->nmods; mi++)
		total += p->mods[mi].nfuncs;
	b->q = malloc((total ? total : 1) * sizeof *b->q);
	b->ptr = calloc(p->nmods, sizeof *b->ptr);
	p->reached = calloc(p->nmods, sizeof *p->reached);
	p->parent_mod = calloc(p->nmods, sizeof *p->parent_mod);
	p->parent_fn = calloc(p->nmods, sizeof *p->parent_fn);
	if (!b->q || !b->ptr || !p->reached || !p->parent_mod || !p->parent_fn)
		return -1;
	for (size_t mi = 0; mi < p->nmods; mi++) {
		size_t n = p->mods[mi].nfuncs ? p->mods[mi].nfuncs : 1;
		b->ptr[mi] = calloc(n, 1);
		p->reached[mi] = calloc(n, 1);
		p->parent_mod[mi] = calloc(n, sizeof(uint32_t));
		p->parent_fn[mi] = calloc(n, sizeof(uint32_t));
		if (!b->ptr[mi] || !p->reached[mi] || !p->parent_mod[mi] || !p->parent_fn[mi])
			return -1;
	}
	for (size_t mi = 0; mi < p->nmods; mi++) {
		struct module *m = &p->mods[mi];
		if (o->all_sites)
			for (size_t fi = 0; fi < m->nfuncs; fi++)
				reach(p, b, (uint32_t)mi, (uint32_t)fi, UINT32_MAX, R_ALL, 0);
		if (m->is_main)
			root(p, b, (uint32_t)mi, m->ef.entry, R_ENTRY);
		if (m->is_interp)
			root(p, b, (uint32_t)mi, m->ef.entry, R_INTERP);
	}
	for (size_t mi = 0; mi < p->nmods; mi++) {
		struct module *m = &p->mods[mi];
		for (size_t k = 0; k < m->nroots; k++) {
			long fi = module_func_at(m, m->roots[k]);
			if (fi < 0)
				continue;
			uint64_t start = m->funcs[fi].start;
			enum root_kind rk = (m->is_main || m->is_interp) && start == m->ef.entry ?
					    R_ENTRY : in_array(&m->ef, start) ? R_INIT : R_DATA;
			if (rk == R_ENTRY)
				continue;
			root(p, b, (uint32_t)mi, m->roots[k], rk);
		}
		/* What the program may call after dlsym(), and what the
		 * loaders call by name: glibc's in libc, musl's stages of
		 * itself. */
		for (size_t k = 0; k < m->nexports; k++) {
			const struct elf_sym *s = &m->ef.syms[m->exports[k]];
			if (m->is_dlopen)
				root(p, b, (uint32_t)mi, s->value, R_DLOPEN);
			else if (strcmp(s->name, "__libc_early_init") == 0 ||
				 (m->is_interp && (strcmp(s->name, "__dls2b") == 0 ||
						   strcmp(s->name, "__dls3") == 0)))
				root(p, b, (uint32_t)mi, s->value, R_LOOKUP);
		}
		/* Symbol relocations in data: that function's address is stored. */
		for (size_t k = 0; k < m->ef.nrelocs; k++) {
			const struct elf_reloc *r = &m->ef.relocs[k];
			if (!r->sym || (r->kind != RK_ABS && r->kind != RK_GLOB_DAT))
				continue;
			for (size_t mj = 0; mj < p->nmods; mj++) {
				size_t lo, hi;
				export_range(&p->mods[mj], r->sym, &lo, &hi);
				for (size_t e = lo; e < hi; e++)
					root(p, b, (uint32_t)mj,
					     p->mods[mj].ef.syms[p->mods[mj].exports[e]].value, R_DATA);
				if (lo < hi)
					break;
			}
		}
	}
	while (b->head < b->n) {
		struct gid g = b->q[b->head++];
		const struct func *f = &p->mods[g.mod].funcs[g.fn];
		for (size_t k = 0; k < f->nedges; k++) {
			const struct edge *e = &f->edges[k];
			if (e->resolved)
				reach(p, b, e->mod, e->fn, g.mod, g.fn, e->kind == E_TAKEN);
		}
	}
	p->nreach = b->n;
	return 0;
}

/* ---- results ------------------------------------------------------------- */

const char *reg_name(enum scan_machine m, uint8_t r)
{
	static const char *const x86[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp",
					     "rsi", "rdi", "r8", "r9", "r10", "r11",
					     "r12", "r13", "r14", "r15" };
	static const char *const a64[32] = { "x0", "x1", "x2", "x3", "x4", "x5", "x6",
		"x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
		"x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28",
		"x29", "x30", "sp" };
	if (m == MACH_X86_64)
		return r < 16 ? x86[r] : "?";
	return r < 32 ? a64[r] : "?";
}

static int add_found(struct scan *p, uint8_t abi, uint32_t nr, uint32_t mod,
		     uint32_t fn, uint64_t at, const struct site *s)
{
	for (size_t i = 0; i < p->nfound; i++)
		if (p->found[i].abi == abi && p->found[i].nr == nr)
			return 0;
	struct found *f = realloc(p->found, (p->nfound + 1) * sizeof *f);
	if (!f)
		return -1;
	p->found = f;
	f[p->nfound] = (struct found){ .abi = abi, .nr = nr, .mod = mod, .fn = fn, .at = at };
	if (s && s->via_wrapper) {
		f[p->nfound].via = 1;
		f[p->nfound].wmod = s->wmod;
		f[p->nfound].wfn = s->wfn;
	}
	p->nfound++;
	return 0;
}

static int add_unres(struct scan *p, uint32_t mod, uint32_t fn, uint64_t at,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int add_unres(struct scan *p, uint32_t mod, uint32_t fn, uint64_t at,
		     const char *fmt, ...)
{
	struct unresolved *u = realloc(p->unres, (p->nunres + 1) * sizeof *u);
	if (!u)
		return -1;
	p->unres = u;
	u = &u[p->nunres++];
	u->mod = mod;
	u->fn = fn;
	u->at = at;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(u->reason, sizeof u->reason, fmt, ap);
	va_end(ap);
	p->incomplete = 1;
	return 0;
}

static int site_found(struct scan *p, const struct site *s, uint32_t mod, uint32_t fn,
		      uint64_t v)
{
	uint8_t abi;
	uint32_t nr = (uint32_t)v;
	if (s->kind == OP_SVC) {
		abi = ABI_AARCH64;
	} else if (s->kind == OP_INT80) {
		abi = ABI_I386;
	} else if (v & ARCH_X32_SYSCALL_BIT) {
		abi = ABI_X32;
		nr = (uint32_t)v & ~ARCH_X32_SYSCALL_BIT;
	} else {
		abi = ABI_X86_64;
	}
	if (v > 0xffffffffu)
		return add_unres(p, mod, fn, s->at, "number 0x%llx is not a syscall number",
				 (unsigned long long)v);
	return add_found(p, abi, nr, mod, fn, s->at, s);
}

static int collect(struct scan *p, const struct bfs *b)
{
	char lab[300];
	for (size_t qi = 0; qi < b->n; qi++) {
		struct gid g = b->q[qi];
		const struct module *m = &p->mods[g.mod];
		const struct func *f = &m->funcs[g.fn];
		for (size_t k = 0; k < f->nsites; k++) {
			const struct site *s = &f->sites[k];
			const struct val *v = &s->num;
			int rc = 0;
			if (s->covered)
				continue;
			if (v->kind == V_CONST) {
				for (int i = 0; i < v->n && !rc; i++)
					rc = site_found(p, s, g.mod, g.fn, v->v[i]);
			} else if ((v->kind == V_ARG && v->off == 0) ||
				   (v->kind == V_LD && f->wrap_mem && (!v->pub || f->wrap_pub))) {
				if (f->wrap_fail)
					rc = add_unres(p, g.mod, g.fn, s->at, "wrapper %s takes the "
						       "number from its caller's memory, but %s",
						       func_label(m, f, lab, sizeof lab), f->wrap_fail);
				else if (f->wrap_conflict)
					rc = add_unres(p, g.mod, g.fn, s->at, "wrapper %s takes the "
						       "number in more than one place",
						       func_label(m, f, lab, sizeof lab));
				else if (b->ptr[g.mod][g.fn] && !f->ptr_ok)
					rc = add_unres(p, g.mod, g.fn, s->at, "wrapper %s takes the "
						       "number from its caller%s and is called "
						       "through a pointer%s%s",
						       func_label(m, f, lab, sizeof lab),
						       f->wrap_mem ? "'s memory" : "",
						       f->ptr_fail ? ": " : "",
						       f->ptr_fail ? f->ptr_fail : "");
				/* else: each caller is a site of its own */
			} else if (v->kind == V_MEM) {
				rc = add_unres(p, g.mod, g.fn, s->at, "number loaded from memory "
					       "at 0x%llx", (unsigned long long)v->v[0]);
			} else if (v->kind == V_LDG) {
				rc = add_unres(p, g.mod, g.fn, s->at, "number loaded from memory "
					       "at [[0x%llx]%+lld]", (unsigned long long)v->v[0],
					       (long long)v->off);
			} else if (v->kind == V_LD) {
				rc = add_unres(p, g.mod, g.fn, s->at, "number loaded from the "
					       "caller's memory at [%s%+lld]%s",
					       reg_name(p->machine, v->reg), (long long)v->off,
					       v->pub ? " after its address was stored in a global" :
					       "");
			} else if (v->kind == V_ARG) {
				rc = add_unres(p, g.mod, g.fn, s->at, "number computed from an "
					       "argument");
			} else {
				rc = add_unres(p, g.mod, g.fn, s->at, "number %s",
					       why_text[v->why < W_NWHY ? v->why : W_NONE]);
			}
			if (rc)
				return -1;
		}
	}
	return 0;
}

/* What the kernel's vDSO may do for the program: its time functions fall
 * back to the syscalls, and on aarch64 the signal return trampoline makes
 * rt_sigreturn. None of it is in a file on disk. */
static int model_vdso(struct scan *p)
{
	int uses = 0;
	for (size_t i = 0; i < p->nmods; i++)
		if (file_contains(&p->mods[i], "LINUX_2.6"))
			uses = 1;
	static const char *const x86[] = { "clock_gettime", "gettimeofday", "time",
					   "clock_getres", "getcpu" };
	static const char *const a64[] = { "clock_gettime", "gettimeofday", "clock_getres" };
	const struct arch *a = arch_by_name(p->machine == MACH_X86_64 ? "x86_64" : "aarch64");
	uint8_t abi = p->machine == MACH_X86_64 ? ABI_X86_64 : ABI_AARCH64;
	if (uses) {
		const char *const *names = p->machine == MACH_X86_64 ? x86 : a64;
		size_t n = p->machine == MACH_X86_64 ? 5 : 3;
		for (size_t i = 0; i < n; i++) {
			long nr = arch_syscall_nr(a, names[i]);
			if (nr >= 0 && add_found(p, abi, (uint32_t)nr, UINT32_MAX, 0, 0, NULL))
				return -1;
		}
		scan_note(p, 0, "modelled: the vDSO's time functions (they fall back to the syscalls)");
	}
	if (p->machine == MACH_AARCH64) {
		long sa = arch_syscall_nr(a, "rt_sigaction"), sr = arch_syscall_nr(a, "rt_sigreturn");
		for (size_t i = 0; i < p->nfound; i++)
			if (p->found[i].abi == ABI_AARCH64 && p->found[i].nr == (uint32_t)sa) {
				if (add_found(p, abi, (uint32_t)sr, UINT32_MAX, 1, 0, NULL))
					return -1;
				scan_note(p, 0, "modelled: rt_sigaction is reachable, so the vDSO's "
				     "signal return trampoline (rt_sigreturn) is");
				break;
			}
	}
	return 0;
}

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	if (x->abi != y->abi)
		return x->abi - y->abi;
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

/* 1 if a reachable function is one of glibc's NSS interfaces (then the
 * NSS modules nsswitch.conf names may be loaded). */
static int nss_reachable(const struct scan *p)
{
	static const char *const prefixes[] = {
		"getpw", "getgr", "getsp", "gethostby", "gethostent", "getaddrinfo",
		"getnameinfo", "getnetby", "getnetent", "getprotoby", "getprotoent",
		"getservby", "getservent", "getrpcby", "getrpcent", "initgroups",
		"getgrouplist", "innetgr", "setnetgrent", "getnetgrent", "getaliasby",
		"getaliasent", "ether_", "__nss_", "fgetpwent", "setpwent", "setgrent",
		"getpublickey", "getsecretkey", "getspnam",
	};
	for (size_t mi = 0; mi < p->nmods; mi++)
		for (size_t fi = 0; fi < p->mods[mi].nfuncs; fi++) {
			const struct func *f = &p->mods[mi].funcs[fi];
			if (!p->reached[mi][fi] || !f->name)
				continue;
			for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes; k++)
				if (strncmp(f->name, prefixes[k], strlen(prefixes[k])) == 0)
					return 1;
		}
	return 0;
}

static void report_dlopen(struct scan *p)
{
	static const char *const names[] = { "dlopen", "dlmopen", "__libc_dlopen_mode",
					     "_dl_open" };
	for (size_t mi = 0; mi < p->nmods; mi++)
		for (size_t fi = 0; fi < p->mods[mi].nfuncs; fi++) {
			const struct func *f = &p->mods[mi].funcs[fi];
			if (!p->reached[mi][fi] || !f->name)
				continue;
			for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
				if (strcmp(f->name, names[k]) == 0) {
					char lab[300];
					scan_note(p, 0, "dlopen is reachable (%s): libraries loaded at "
					     "run time are modelled only as NSS modules and --dlopen",
					     func_label(&p->mods[mi], f, lab, sizeof lab));
					return;
				}
		}
}

int scan_run(struct scan *p, const char *path, const struct scan_options *o,
	     char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	const char *sysroot = o->sysroot ? o->sysroot : "/";
	p->sysroot = sysroot;
	struct elf_file probe;
	if (elf_open(path, &probe, err, errlen))
		return -1;
	p->machine = probe.machine;
	elf_close(&probe);
	struct decoder *dec = decoder_open(p->machine);
	struct bfs b = { 0 };
	int rc = -1;
	if (!dec) {
		snprintf(err, errlen, "capstone cannot be opened");
		return -1;
	}
	if (add_module(p, dec, path, 1, 0, 0, err, errlen) < 0)
		goto out;
	if (p->mods[0].ef.interp) {
		char interp[PATH_MAX], ip[PATH_MAX];
		snprintf(interp, sizeof interp, "%s", p->mods[0].ef.interp);
		join_path(ip, sizeof ip, sysroot, interp);
		if (!elf_matches(ip, p->machine)) {
			const char *base = strrchr(interp, '/');
			if (find_library(p, NULL, base ? base + 1 : interp, sysroot, ip, sizeof ip))
				ip[0] = 0;
		}
		char e2[512];
		musl_path(p, interp, sysroot);
		if (!ip[0])
			scan_note(p, 1, "dynamic loader %s not found under %s", interp, sysroot);
		else if (add_module(p, dec, ip, 0, 1, 0, e2, sizeof e2) < 0)
			scan_note(p, 1, "dynamic loader: %s", e2);
	}
	if (load_needed(p, dec, 0, sysroot, err, errlen))
		goto out;
	size_t before = p->nmods;
	for (size_t i = 0; i < o->ndlopen; i++) {
		char lp[PATH_MAX];
		char e2[512];
		int bad;
		if (strchr(o->dlopen[i], '/')) {
			snprintf(lp, sizeof lp, "%s", o->dlopen[i]);
			bad = !elf_matches(lp, p->machine);
		} else {
			bad = find_library(p, NULL, o->dlopen[i], sysroot, lp, sizeof lp);
		}
		if (bad) {
			scan_note(p, 1, "--dlopen %s: not found (or not for this architecture)",
			     o->dlopen[i]);
			continue;
		}
		if (add_module(p, dec, lp, 0, 0, 1, e2, sizeof e2) < 0)
			scan_note(p, 1, "--dlopen %s: %s", o->dlopen[i], e2);
	}
	if (p->nmods > before && load_needed(p, dec, before, sysroot, err, errlen))
		goto out;
	for (size_t i = 0; i < p->nmods; i++)
		if (build_exports(&p->mods[i]))
			goto oom;
	if (bind_all(p) || walk(p, o, &b))
		goto oom;
	/* NSS modules only when the program can ask NSS something. */
	if (!o->no_nss && nss_reachable(p)) {
		walk_free(p, &b);
		before = p->nmods;
		load_nss(p, dec, sysroot);
		if (p->nmods > before && load_needed(p, dec, before, sysroot, err, errlen))
			goto out;
		for (size_t i = before; i < p->nmods; i++)
			if (build_exports(&p->mods[i]))
				goto oom;
		if (bind_all(p) || walk(p, o, &b))
			goto oom;
	}
	for (size_t i = 0; i < p->nmods; i++) {
		for (size_t k = 0; k < p->mods[i].nnotes; k++)
			scan_note(p, 1, "%s: %s", p->mods[i].name, p->mods[i].notes[k]);
		if (p->mods[i].misaligned)
			scan_note(p, 0, "%s: %zu code addresses fall inside instructions decoded "
			     "from an earlier start (decoded again from there)",
			     p->mods[i].name, p->mods[i].misaligned);
	}
	struct flow_cfg base;
	flow_cfg_init(&base, p->machine);
	struct summaries *sums = sum_new(p, &base);
	if (!sums)
		goto oom;
	struct gcache gc = { 0 };
	/* Wrappers through calls, then through pointers, whose callers may
	 * be wrappers in turn. */
	int perr = refine_sites(p, sums) || check_published_wrappers(p, &gc, o->strict) ||
		   resolve_wrappers(p, sums);
	for (size_t i = 0; !perr && i < p->nmods; i++)
		perr = pointer_wrappers(p, (const uint8_t *const *)b.ptr, (uint32_t)i,
					o->strict) != 0;
	if (perr || resolve_wrappers(p, sums) || check_published_reads(p, &gc, o->strict)) {
		free(gc.c);
		sum_free(sums);
		goto oom;
	}
	free(gc.c);
	sum_free(sums);
	if (collect(p, &b) || model_vdso(p))
		goto oom;
	report_dlopen(p);
	if (p->nfound)
		qsort(p->found, p->nfound, sizeof *p->found, cmp_found);
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (b.ptr)
		for (size_t i = 0; i < p->nmods; i++)
			free(b.ptr[i]);
	free(b.ptr);
	free(b.q);
	decoder_close(dec);
	return rc;
}

const char *scan_path(const struct scan *p, uint32_t mod, uint32_t fn, char *buf,
		      size_t len)
{
	if (mod == UINT32_MAX) {
		snprintf(buf, len, fn == 1 ? "[vDSO] __kernel_rt_sigreturn" :
			 "[vDSO] time functions");
		return buf;
	}
	/* Collect the chain backwards (bounded: parents form a tree). */
	struct gid chain[64];
	size_t n = 0;
	uint32_t rk = R_ALL;
	struct gid g = { mod, fn };
	size_t steps = 0;
	while (n < 64) {
		chain[n++] = g;
		uint32_t pm = p->parent_mod[g.mod][g.fn], pf = p->parent_fn[g.mod][g.fn];
		if (pm == UINT32_MAX) {
			rk = pf;
			break;
		}
		g = (struct gid){ pm, pf };
		if (++steps > 100000)
			break;
	}
	size_t k = 0;
	buf[0] = 0;
	if (n == 64)
		k += (size_t)snprintf(buf, len, "...");
	for (size_t i = n; i-- > 0 && k < len;) {
		char lab[300];
		const struct module *m = &p->mods[chain[i].mod];
		func_label(m, &m->funcs[chain[i].fn], lab, sizeof lab);
		k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? " → " : "", lab);
		if (i == n - 1 && n < 64 && k < len)
			k += (size_t)snprintf(buf + k, len - k, " [%s]",
					      rk < sizeof root_text / sizeof *root_text ?
					      root_text[rk] : "?");
	}
	return buf;
}

void scan_free(struct scan *p)
{
	for (size_t i = 0; i < p->nmods; i++) {
		if (p->reached)
			free(p->reached[i]);
		if (p->parent_mod)
			free(p->parent_mod[i]);
		if (p->parent_fn)
			free(p->parent_fn[i]);
		free(p->mods[i].exports);
		module_free(&p->mods[i]);
	}
	free(p->reached);
	free(p->parent_mod);
	free(p->parent_fn);
	free(p->mods);
	free(p->found);
	free(p->unres);
	for (size_t i = 0; i < p->nmusl; i++)
		free(p->musl[i]);
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	memset(p, 0, sizeof *p);
}
