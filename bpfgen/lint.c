/* The linter (lint.h): twins left open, clone filtered while clone3 is
 * allowed, networking denied while io_uring is allowed, allow-lists
 * without what every program needs, and rules an earlier rule always
 * decides first. Each warning names the token to fix and says how. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/seccomp.h"
#include "bpfgen/groups.h"
#include "bpfgen/lint.h"
#include "bpfgen/util.h"

static int allowish(uint32_t action)
{
	return action == ACT_ALLOW || action == ACT_LOG;
}

static int has_nr(const struct rule *rule, uint32_t nr)
{
	size_t lo = 0, hi = rule->nnrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rule->nrs[mid] == nr)
			return 1;
		if (rule->nrs[mid] < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Whether NR runs for every argument: no condition filters it and the
 * first rule (or the default) that decides it allows it. */
static int open_unfiltered(const struct resolved *r, uint32_t nr)
{
	for (size_t i = 0; i < r->nrules; i++) {
		const struct rule *rule = &r->rules[i];

		if (rule->never || !has_nr(rule, nr))
			continue;
		if (rule->nconds)
			return 0;
		return allowish(rule->action);
	}
	return allowish(r->deflt);
}

/* Whether some arguments let NR run. */
static int allowed_somehow(const struct resolved *r, uint32_t nr)
{
	for (size_t i = 0; i < r->nrules; i++) {
		const struct rule *rule = &r->rules[i];

		if (rule->never || !has_nr(rule, nr))
			continue;
		if (allowish(rule->action))
			return 1;
		if (rule->nconds == 0)
			return 0;
	}
	return allowish(r->deflt);
}

/* The first live rule that denies NR (for some arguments when ANY_ARGS,
 * else for all), or -1. */
static long first_deny(const struct resolved *r, uint32_t nr, int any_args)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (!r->rules[i].never && !allowish(r->rules[i].action) &&
		    (any_args || r->rules[i].nconds == 0) && has_nr(&r->rules[i], nr))
			return (long)i;
	return -1;
}

/* Where rule SRC names NAME: the name itself, or the @group holding it. */
static struct pos name_pos(const struct policy_ast *ast, size_t src, const char *name)
{
	const struct rule_ast *ra = &ast->rules[src];

	for (size_t i = 0; i < ra->nnames; i++) {
		const struct name_ref *n = &ra->names[i];

		if (!n->is_group) {
			if (strcmp(n->name, name) == 0)
				return n->pos;
			continue;
		}
		const struct syscall_group *g = group_by_name(n->name);

		for (const char *const *m = g ? g->members : NULL; m && *m; m++)
			if (strcmp(*m, name) == 0)
				return n->pos;
	}
	return ra->pos;
}

static void action_text(const struct policy_ast *ast, size_t src, char *buf, int n)
{
	const struct action_ast *a = &ast->rules[src].action;

	snprintf(buf, (size_t)n, "%s", action_kind_name(a->kind));
	if (a->has_arg && a->arg.nterms == 1) {
		const struct value_term *t = &a->arg.terms[0];

		if (t->is_name)
			snprintf(buf, (size_t)n, "%s(%.*s)", action_kind_name(a->kind),
				 n / 2, t->name);
		else
			snprintf(buf, (size_t)n, "%s(%llu)", action_kind_name(a->kind),
				 (unsigned long long)t->num);
	}
}

static long nr_of(const struct resolved *r, const char *name)
{
	return arch_syscall_nr(r->arch, name);
}

/* -Wtwin: a syscall denied outright whose twin runs unfiltered. (A deny
 * rule with conditions is left alone: socketpair has no AF_INET to deny,
 * and whether a twin's arguments mean the same is not in the table.) */
static void lint_twins(const struct policy_ast *ast, const struct resolved *r,
		       struct diag *diag)
{
	for (size_t t = 0; t < ntwin_sets; t++) {
		const struct twin_set *set = &twin_sets[t];

		for (const char *const *s = set->members; *s; s++) {
			long nr = nr_of(r, *s), at;
			char open[256] = "", all[256] = "", act[96];
			size_t no = 0, na = 0;

			if (nr < 0 || (at = first_deny(r, (uint32_t)nr, 0)) < 0)
				continue;
			for (const char *const *m = set->members; *m; m++) {
				long tnr = nr_of(r, *m);

				if (tnr < 0 || (na && strstr(all, *m)))
					continue;
				na += (size_t)snprintf(all + na, sizeof(all) - na, "%s%s",
						       na ? ", " : "", *m);
				if (tnr != nr && first_deny(r, (uint32_t)tnr, 1) < 0 &&
				    open_unfiltered(r, (uint32_t)tnr))
					no += (size_t)snprintf(open + no, sizeof(open) - no,
							       "%s%s", no ? ", " : "", *m);
			}
			if (!no)
				continue;
			struct pos p = name_pos(ast, r->rules[at].src, *s);

			if (diag_warn(diag, W_TWIN, p, "%s is denied, but %s %s allowed and "
				      "can %s as well: a program calls %s instead", *s, open,
				      strchr(open, ',') ? "are" : "is", set->what,
				      strchr(open, ',') ? "those" : "that")) {
				action_text(ast, r->rules[at].src, act, (int)sizeof(act));
				diag_fixit(diag, p, "deny them together: '%s: %s'", act, all);
			}
		}
	}
}

/* -Wclone3: clone filtered (by flags, or denied) while clone3 runs. */
static void lint_clone3(const struct policy_ast *ast, const struct resolved *r,
			struct diag *diag)
{
	long clone = nr_of(r, "clone"), clone3 = nr_of(r, "clone3");

	if (clone < 0 || clone3 < 0 || !open_unfiltered(r, (uint32_t)clone3))
		return;
	for (size_t i = 0; i < r->nrules; i++) {
		const struct rule *rule = &r->rules[i];
		struct pos p;

		if (rule->never || !has_nr(rule, (uint32_t)clone) ||
		    (rule->nconds == 0 && allowish(rule->action)))
			continue;
		p = name_pos(ast, rule->src, "clone");
		if (diag_warn(diag, W_CLONE3, p, "clone is %s, but clone3 is allowed: "
			      "clone3 passes its flags in memory that no filter can read",
			      rule->nconds ? "filtered by its arguments" : "denied"))
			diag_fixit(diag, p, "add 'errno(ENOSYS): clone3' before other rules: "
				   "libc then falls back to clone");
		return;
	}
}

/* -Wio-uring: sockets denied while io_uring can run. */
static void lint_io_uring(const struct policy_ast *ast, const struct resolved *r,
			  struct diag *diag)
{
	const struct syscall_group *g = group_by_name("io_uring");
	long sock = nr_of(r, "socket"), at;
	char open[128] = "";
	size_t n = 0;

	if (sock < 0 || (at = first_deny(r, (uint32_t)sock, 1)) < 0 || !g)
		return;
	for (const char *const *m = g->members; *m; m++) {
		long nr = nr_of(r, *m);

		if (nr >= 0 && allowed_somehow(r, (uint32_t)nr))
			n += (size_t)snprintf(open + n, sizeof(open) - n, "%s%s",
					      n ? ", " : "", *m);
	}
	if (!n)
		return;
	struct pos p = name_pos(ast, r->rules[at].src, "socket");

	if (diag_warn(diag, W_IO_URING, p, "socket is denied, but %s %s allowed: "
		      "io_uring's rings connect, send and receive without system "
		      "calls a filter could see", open, strchr(open, ',') ? "are" : "is"))
		diag_fixit(diag, p, "add @io_uring to this rule");
}

/* -Wessential: an allow-list must let a program exit and return from
 * signal handlers, and let the kernel restart interrupted calls. */
static void lint_essential(const struct policy_ast *ast, const struct resolved *r,
			   struct diag *diag)
{
	static const char *const needed[] = {
		"exit", "exit_group", "rt_sigreturn", "restart_syscall",
	};
	char missing[128] = "";
	size_t n = 0;

	if (allowish(r->deflt))
		return;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		long nr = nr_of(r, needed[i]);

		if (nr >= 0 && !allowed_somehow(r, (uint32_t)nr))
			n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s%s",
					      n ? ", " : "", needed[i]);
	}
	if (n && diag_warn(diag, W_ESSENTIAL, ast->deflt.pos, "this allow-list does "
			   "not allow %s: every program needs exit, exit_group and "
			   "rt_sigreturn to end and to return from signal handlers, and "
			   "restart_syscall to resume an interrupted call", missing))
		diag_fixit(diag, ast->deflt.pos, "add 'allow: exit, exit_group, "
			   "rt_sigreturn, restart_syscall'");
}

/* -Wshadowed: rules are first-match; a syscall an earlier unconditional
 * rule decides never reaches a later rule. Parts of one policy rule (one
 * per parameter-type signature) are reported together. Linear: the first
 * unconditional rule of each number is found once. */
static void lint_shadowed(const struct resolved *r, struct diag *diag)
{
	uint32_t max = arch_max_nr(r->arch);
	size_t *first = xcalloc((size_t)max + 1, sizeof(*first));

	for (uint32_t nr = 0; nr <= max; nr++)
		first[nr] = SIZE_MAX;
	for (size_t i = r->nrules; i-- > 0;) {
		const struct rule *rule = &r->rules[i];

		if (rule->never || rule->nconds)
			continue;
		for (size_t j = 0; j < rule->nnrs; j++)
			if (rule->nrs[j] <= max)
				first[rule->nrs[j]] = i;
	}
	for (size_t i = 0; i < r->nrules; i++) {
		char names[256] = "";
		size_t total = 0, hidden = 0, n = 0;
		int line = 0;

		if (i > 0 && r->rules[i - 1].src == r->rules[i].src)
			continue;     /* the policy rule's first part did it */
		for (size_t k = i; k < r->nrules && r->rules[k].src == r->rules[i].src; k++) {
			const struct rule *rule = &r->rules[k];

			if (rule->never)
				continue;
			for (size_t j = 0; j < rule->nnrs; j++) {
				uint32_t nr = rule->nrs[j];

				total++;
				if (nr > max || first[nr] >= i)
					continue;
				hidden++;
				if (!line)
					line = r->rules[first[nr]].pos.line;
				if (n < sizeof(names) - 64)
					n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
							      n ? ", " : "",
							      arch_syscall_name(r->arch, nr));
			}
		}
		if (!hidden)
			continue;
		struct pos p = r->rules[i].pos;

		if (hidden == total ?
		    diag_warn(diag, W_SHADOWED, p, "this rule never applies: every "
			      "syscall it names is decided by an earlier rule (line %d)", line) :
		    diag_warn(diag, W_SHADOWED, p, "this rule never applies to %s: an "
			      "earlier rule (line %d) decides %s first", names, line,
			      hidden == 1 ? "it" : "them"))
			diag_fixit(diag, p, "rules are first-match in file order (unlike "
				   "libseccomp's): move this rule above line %d, or drop "
				   "what it cannot decide", line);
	}
	free(first);
}

void lint_policy(const struct policy_ast *ast, const struct resolved *r,
		 struct diag *diag)
{
	lint_twins(ast, r, diag);
	lint_clone3(ast, r, diag);
	lint_io_uring(ast, r, diag);
	lint_essential(ast, r, diag);
	lint_shadowed(r, diag);
}
