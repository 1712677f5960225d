/* Stage 1b: tokens to the policy AST, following includes. One statement per
 * line; after an error the parser skips to the next line so that a single
 * run reports every mistake. */
#include <errno.h>
#include <limits.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "bpfgen/policy.h"
#include "bpfgen/util.h"

#define MAX_POLICY_BYTES (16u << 20)
#define MAX_INCLUDE_DEPTH 16
#define MAX_ERRORS 50

struct include_frame {
	const char *realpath;
	const struct include_frame *up;
};

struct parser {
	struct lexer lx;
	struct token tok;
	struct policy_ast *p;
	struct diag *diag;
	const struct include_frame *stack;
	int depth;
};

static int parse_file(struct policy_ast *p, const char *path, struct pos from,
		      const struct include_frame *stack, int depth,
		      struct diag *diag);

const char *action_kind_name(enum action_kind k)
{
	static const char *const names[] = {
		[A_ALLOW] = "allow", [A_LOG] = "log",
		[A_KILL_PROCESS] = "kill-process", [A_KILL_THREAD] = "kill-thread",
		[A_TRAP] = "trap", [A_NOTIFY] = "notify", [A_ERRNO] = "errno",
		[A_TRACE] = "trace",
	};
	return names[k];
}

const char *cmp_op_name(enum cmp_op op)
{
	static const char *const names[] = {
		[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<",
		[OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
		[OP_IN] = "in", [OP_OUT] = "not in",
	};
	return names[op];
}

static void next(struct parser *ps)
{
	ps->tok = lexer_next(&ps->lx);
}

static void skip_newlines(struct parser *ps)
{
	while (ps->tok.kind == T_NEWLINE)
		next(ps);
}

/* Report "expected X" at the current token, unless the lexer already
 * reported a problem there. */
static int expected(struct parser *ps, const char *what)
{
	if (ps->tok.kind == T_ERROR)
		return -1;
	if (ps->tok.kind == T_IDENT || ps->tok.kind == T_GROUP)
		diag_error(ps->diag, ps->tok.pos, "expected %s, found '%s%s'", what,
			   ps->tok.kind == T_GROUP ? "@" : "", ps->tok.text);
	else
		diag_error(ps->diag, ps->tok.pos, "expected %s, found %s", what,
			   tok_kind_name(ps->tok.kind));
	return -1;
}

static int accept_tok(struct parser *ps, enum tok_kind k)
{
	if (ps->tok.kind != k)
		return 0;
	next(ps);
	return 1;
}

static int parse_value(struct parser *ps, struct value_expr *v)
{
	v->pos = ps->tok.pos;
	for (;;) {
		struct value_term *t;

		if (ps->tok.kind != T_NUMBER && ps->tok.kind != T_IDENT)
			return expected(ps, "a number or a constant name");
		if (v->cap == 0) {      /* most values are one term: no room for 8 */
			v->terms = xcalloc(1, sizeof(*t));
			v->cap = 1;
		}
		t = vec_push(&v->terms, &v->nterms, &v->cap, sizeof(*t));
		t->pos = ps->tok.pos;
		t->is_name = ps->tok.kind == T_IDENT;
		t->num = ps->tok.num;
		memcpy(t->name, ps->tok.text, sizeof(t->name));
		next(ps);
		if (!accept_tok(ps, T_PIPE))
			return 0;
		skip_newlines(ps);
	}
}

static int parse_action(struct parser *ps, struct action_ast *a)
{
	static const struct { const char *name; enum action_kind kind; int arg; } acts[] = {
		{ "allow", A_ALLOW, 0 }, { "log", A_LOG, 0 },
		{ "kill-process", A_KILL_PROCESS, 0 },
		{ "kill-thread", A_KILL_THREAD, 0 }, { "kill", A_KILL_THREAD, -1 },
		{ "trap", A_TRAP, 2 }, { "notify", A_NOTIFY, 0 },
		{ "errno", A_ERRNO, 1 }, { "trace", A_TRACE, 1 },
	};
	size_t k;

	memset(a, 0, sizeof(*a));
	a->pos = ps->tok.pos;
	if (ps->tok.kind != T_IDENT)
		return expected(ps, "an action (allow, log, kill-process, kill-thread, trap, notify, errno(N), trace(N))");
	for (k = 0; k < sizeof(acts) / sizeof(acts[0]); k++)
		if (strcmp(ps->tok.text, acts[k].name) == 0)
			break;
	if (k == sizeof(acts) / sizeof(acts[0])) {
		diag_error(ps->diag, ps->tok.pos,
			   "unknown action '%s' (expected allow, log, kill-process, kill-thread, trap, notify, errno(N) or trace(N))",
			   ps->tok.text);
		return -1;
	}
	if (acts[k].arg < 0) {
		diag_error(ps->diag, ps->tok.pos,
			   "'kill' is ambiguous: write kill-process or kill-thread");
		return -1;
	}
	a->kind = acts[k].kind;
	next(ps);
	if (ps->tok.kind != T_LPAREN) {
		if (acts[k].arg == 1) {
			diag_error(ps->diag, ps->tok.pos, "%s needs a value, e.g. %s(%s)",
				   acts[k].name, acts[k].name,
				   a->kind == A_ERRNO ? "EPERM" : "1");
			return -1;
		}
		return 0;
	}
	if (acts[k].arg == 0) {
		diag_error(ps->diag, ps->tok.pos, "%s takes no value", acts[k].name);
		return -1;
	}
	next(ps);
	a->has_arg = 1;
	if (parse_value(ps, &a->arg) < 0)
		return -1;
	if (!accept_tok(ps, T_RPAREN))
		return expected(ps, "')'");
	return 0;
}

static int parse_names(struct parser *ps, struct rule_ast *r)
{
	for (;;) {
		struct name_ref *n;

		if (ps->tok.kind != T_IDENT && ps->tok.kind != T_GROUP)
			return expected(ps, "a syscall name or @group");
		if (ps->tok.kind == T_IDENT && strcmp(ps->tok.text, "if") == 0)
			return expected(ps, "a syscall name before 'if'");
		n = vec_push(&r->names, &r->nnames, &r->names_cap, sizeof(*n));
		n->pos = ps->tok.pos;
		n->is_group = ps->tok.kind == T_GROUP;
		memcpy(n->name, ps->tok.text, sizeof(n->name));
		next(ps);
		if (!accept_tok(ps, T_COMMA))
			return 0;
		skip_newlines(ps);   /* a trailing comma continues the list */
	}
}

/* "argK" -> K, or -1. */
static int arg_index(const char *s)
{
	if (strncmp(s, "arg", 3) == 0 && s[3] >= '0' && s[3] <= '5' && !s[4])
		return s[3] - '0';
	return -1;
}

/* A parameter's name: a C identifier that is no word of the language. */
static int param_name_ok(const char *s)
{
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	return strcmp(s, "if") != 0;
}

/* argK, a parameter's name, or either inside lo32(...) or arg64(...). */
static int parse_operand(struct parser *ps, struct cond_ast *c)
{
	int paren = 0;

	if (ps->tok.kind == T_IDENT && (strcmp(ps->tok.text, "lo32") == 0 ||
					strcmp(ps->tok.text, "arg64") == 0)) {
		int is_lo32 = ps->tok.text[0] == 'l';

		next(ps);
		if (!accept_tok(ps, T_LPAREN))
			return expected(ps, is_lo32 ? "'(' after lo32" : "'(' after arg64");
		c->lo32 = is_lo32;
		c->arg64 = !is_lo32;
		paren = 1;
	}
	if (ps->tok.kind != T_IDENT)
		return expected(ps, "an argument (arg0 ... arg5, a parameter's name, "
				"lo32(...) or arg64(...))");
	c->arg = arg_index(ps->tok.text);
	if (c->arg < 0) {
		if (strncmp(ps->tok.text, "arg", 3) == 0 &&
		    isdigit((unsigned char)ps->tok.text[3])) {
			diag_error(ps->diag, ps->tok.pos,
				   "'%s' is not an argument: syscalls have arg0 to arg5",
				   ps->tok.text);
			return -1;
		}
		if (strcmp(ps->tok.text, "lo32") == 0 || strcmp(ps->tok.text, "arg64") == 0) {
			diag_error(ps->diag, ps->tok.pos,
				   "lo32() and arg64() take an argument, not each other");
			return -1;
		}
		if (!param_name_ok(ps->tok.text))
			return expected(ps, "an argument (arg0 ... arg5, a parameter's "
					"name, lo32(...) or arg64(...))");
		memcpy(c->param, ps->tok.text, sizeof(c->param));
	}
	next(ps);
	if (paren && !accept_tok(ps, T_RPAREN))
		return expected(ps, "')'");
	return 0;
}

static int parse_cond(struct parser *ps, struct cond_ast *c)
{
	static const struct { enum tok_kind tok; enum cmp_op op; } ops[] = {
		{ T_EQ, OP_EQ }, { T_NE, OP_NE }, { T_LT, OP_LT },
		{ T_LE, OP_LE }, { T_GT, OP_GT }, { T_GE, OP_GE },
	};
	size_t k;

	c->pos = ps->tok.pos;
	if (parse_operand(ps, c) < 0)
		return -1;
	if (accept_tok(ps, T_AMP)) {
		c->has_mask = 1;
		if (parse_value(ps, &c->mask) < 0)
			return -1;
	}
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (ps->tok.kind == ops[k].tok)
			break;
	if (k == sizeof(ops) / sizeof(ops[0]))
		return expected(ps, "a comparison (== != < <= > >=)");
	c->op = ops[k].op;
	if (c->has_mask && c->op != OP_EQ && c->op != OP_NE) {
		diag_error(ps->diag, ps->tok.pos,
			   "a masked argument can only be compared with == or !=");
		return -1;
	}
	next(ps);
	return parse_value(ps, &c->value);
}

static int parse_conds(struct parser *ps, struct rule_ast *r)
{
	for (;;) {
		struct cond_ast *c = vec_push(&r->conds, &r->nconds,
					      &r->conds_cap, sizeof(*c));
		if (parse_cond(ps, c) < 0)
			return -1;
		if (!accept_tok(ps, T_ANDAND))
			return 0;
		skip_newlines(ps);
	}
}

static int parse_rule(struct parser *ps)
{
	struct rule_ast r;

	memset(&r, 0, sizeof(r));
	r.pos = ps->tok.pos;
	if (parse_action(ps, &r.action) < 0)
		goto fail;
	if (!accept_tok(ps, T_COLON)) {
		expected(ps, "':' after the action");
		goto fail;
	}
	skip_newlines(ps);
	if (parse_names(ps, &r) < 0)
		goto fail;
	if (ps->tok.kind == T_IDENT && strcmp(ps->tok.text, "if") == 0) {
		next(ps);
		if (parse_conds(ps, &r) < 0)
			goto fail;
	}
	*(struct rule_ast *)vec_push(&ps->p->rules, &ps->p->nrules,
				     &ps->p->rules_cap, sizeof(r)) = r;
	return 0;
fail:
	free(r.names);
	for (size_t i = 0; i < r.nconds; i++) {
		free(r.conds[i].mask.terms);
		free(r.conds[i].value.terms);
	}
	free(r.conds);
	free(r.action.arg.terms);
	return -1;
}

/* default / on-bad-arch / on-x32 ACTION */
static int parse_setting(struct parser *ps, struct action_ast *slot, int *has,
			 const char *what)
{
	struct pos pos = ps->tok.pos;
	struct action_ast a;

	next(ps);
	if (parse_action(ps, &a) < 0) {
		free(a.arg.terms);   /* "errno(EPERM" has its value already */
		return -1;
	}
	if (*has) {
		diag_error(ps->diag, pos, "'%s' is set twice (first at %s:%d:%d)",
			   what, slot->pos.file, slot->pos.line, slot->pos.col);
		free(a.arg.terms);
		return -1;
	}
	*slot = a;
	*has = 1;
	return 0;
}

static void name_at(struct parser *ps, struct name_ref *n)
{
	n->pos = ps->tok.pos;
	n->is_group = 0;
	memcpy(n->name, ps->tok.text, sizeof(n->name));
	next(ps);
}

/* abi TARGET: native, ABI, ... -- each name once, "native" among them,
 * each an ABI that TARGET's kernel runs; one line per target. */
static int parse_abi(struct parser *ps)
{
	struct abi_ast a;
	const struct arch *t;
	int has_native = 0;

	memset(&a, 0, sizeof(a));
	a.pos = ps->tok.pos;
	next(ps);
	if (ps->tok.kind != T_IDENT)
		return expected(ps, "a target after abi (x86_64 or aarch64)");
	t = arch_by_name(ps->tok.text);
	if (!t || !t->compile_target) {
		diag_error(ps->diag, ps->tok.pos, "unknown target '%s' (expected x86_64 "
			   "or aarch64)", ps->tok.text);
		return -1;
	}
	for (size_t i = 0; i < ps->p->nabis; i++)
		if (strcmp(ps->p->abis[i].target.name, t->name) == 0) {
			const struct pos *f = &ps->p->abis[i].pos;

			diag_error(ps->diag, ps->tok.pos, "'abi %s' is set twice (first at "
				   "%s:%d:%d)", t->name, f->file, f->line, f->col);
			return -1;
		}
	name_at(ps, &a.target);
	if (!accept_tok(ps, T_COLON))
		return expected(ps, "':' after the target");
	skip_newlines(ps);
	for (;;) {
		struct name_ref *n;
		const struct arch *abi;

		if (ps->tok.kind != T_IDENT) {
			expected(ps, "an ABI (native, or what the target runs besides)");
			goto fail;
		}
		abi = arch_abi(t, ps->tok.text);
		if (!abi) {
			char list[128] = "native";
			size_t len = strlen(list);

			for (const struct arch *const *o = t->abis; o && *o; o++)
				len += (size_t)snprintf(list + len, sizeof(list) - len,
							", %s", (*o)->name);
			diag_error(ps->diag, ps->tok.pos, "%s runs no ABI '%s' (its ABIs: %s)",
				   t->name, ps->tok.text, list);
			goto fail;
		}
		for (size_t i = 0; i < a.nabis; i++)
			if (strcmp(a.abis[i].name, ps->tok.text) == 0) {
				diag_error(ps->diag, ps->tok.pos, "ABI '%s' is listed twice",
					   ps->tok.text);
				goto fail;
			}
		has_native |= abi == t;
		n = vec_push(&a.abis, &a.nabis, &a.abis_cap, sizeof(*n));
		name_at(ps, n);
		if (!accept_tok(ps, T_COMMA))
			break;
		skip_newlines(ps);
	}
	if (!has_native) {
		diag_error(ps->diag, a.target.pos, "the ABIs of %s must include 'native' "
			   "(its own calls)", t->name);
		goto fail;
	}
	*(struct abi_ast *)vec_push(&ps->p->abis, &ps->p->nabis, &ps->p->abis_cap,
				    sizeof(a)) = a;
	return 0;
fail:
	free(a.abis);
	return -1;
}

/* socketcall fail-open */
static int parse_socketcall(struct parser *ps)
{
	struct pos pos = ps->tok.pos;

	next(ps);
	if (ps->tok.kind != T_IDENT || strcmp(ps->tok.text, "fail-open") != 0)
		return expected(ps, "'fail-open' after socketcall (the only setting: "
				"without it, multiplexed calls fail closed)");
	if (ps->p->socketcall_open) {
		const struct pos *f = &ps->p->socketcall_pos;

		diag_error(ps->diag, pos, "'socketcall fail-open' is set twice (first "
			   "at %s:%d:%d)", f->file, f->line, f->col);
		return -1;
	}
	next(ps);
	ps->p->socketcall_open = 1;
	ps->p->socketcall_pos = pos;
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return xstrdup(".");
	d = xmalloc((size_t)(slash - path) + 1);
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d[0] ? d : (free(d), xstrdup("/"));
}

static int parse_include(struct parser *ps)
{
	struct pos pos;
	char *dir, *path;
	int rc;

	next(ps);
	pos = ps->tok.pos;
	if (ps->tok.kind != T_STRING)
		return expected(ps, "a quoted file name after include");
	if (ps->tok.text[0] == '/') {
		path = xstrdup(ps->tok.text);
	} else {
		dir = dir_of(ps->lx.file);
		path = xmalloc(strlen(dir) + strlen(ps->tok.text) + 2);
		sprintf(path, "%s/%s", dir, ps->tok.text);
		free(dir);
	}
	next(ps);
	rc = parse_file(ps->p, path, pos, ps->stack, ps->depth + 1, ps->diag);
	free(path);
	return rc;
}

static int parse_statement(struct parser *ps)
{
	const char *w = ps->tok.text;

	if (ps->tok.kind != T_IDENT)
		return expected(ps, "a rule, 'default', 'on-bad-arch', 'on-x32', "
				"'on-newer', 'abi', 'socketcall' or 'include'");
	if (strcmp(w, "default") == 0)
		return parse_setting(ps, &ps->p->deflt, &ps->p->has_default, "default");
	if (strcmp(w, "on-bad-arch") == 0)
		return parse_setting(ps, &ps->p->bad_arch, &ps->p->has_bad_arch, "on-bad-arch");
	if (strcmp(w, "on-x32") == 0)
		return parse_setting(ps, &ps->p->x32, &ps->p->has_x32, "on-x32");
	if (strcmp(w, "on-newer") == 0)
		return parse_setting(ps, &ps->p->newer, &ps->p->has_newer, "on-newer");
	if (strcmp(w, "abi") == 0)
		return parse_abi(ps);
	if (strcmp(w, "socketcall") == 0)
		return parse_socketcall(ps);
	if (strcmp(w, "include") == 0)
		return parse_include(ps);
	return parse_rule(ps);
}

/* Drop the rest of a line already reported as wrong. Its tokens are still
 * lexed, but quietly: one mistake should give one message. */
static void skip_line(struct parser *ps)
{
	struct diag quiet = { .out = NULL };

	ps->lx.diag = &quiet;
	while (ps->tok.kind != T_NEWLINE && ps->tok.kind != T_EOF)
		next(ps);
	ps->lx.diag = ps->diag;
	diag_free(&quiet);
}

static void parse_statements(struct parser *ps)
{
	next(ps);
	for (;;) {
		skip_newlines(ps);
		if (ps->tok.kind == T_EOF || ps->diag->errors >= MAX_ERRORS)
			return;
		if (parse_statement(ps) == 0 && ps->tok.kind != T_NEWLINE &&
		    ps->tok.kind != T_EOF)
			expected(ps, "the end of the line");
		skip_line(ps);
	}
}

static const char *remember_file(struct policy_ast *p, const char *path)
{
	char **slot = vec_push(&p->files, &p->nfiles, &p->files_cap, sizeof(*slot));

	*slot = xstrdup(path);
	return *slot;
}

static int parse_file(struct policy_ast *p, const char *path, struct pos from,
		      const struct include_frame *stack, int depth,
		      struct diag *diag)
{
	char real[PATH_MAX];
	struct include_frame frame;
	struct parser ps;
	char *src;
	size_t len;
	int errors = diag->errors;

	if (depth > MAX_INCLUDE_DEPTH) {
		diag_error(diag, from, "includes nest deeper than %d levels", MAX_INCLUDE_DEPTH);
		return -1;
	}
	if (!realpath(path, real) || read_file(path, MAX_POLICY_BYTES, &src, &len) < 0) {
		if (errno == EFBIG)
			diag_error(diag, from, "cannot read '%s': larger than %u MiB",
				   path, MAX_POLICY_BYTES >> 20);
		else
			diag_error(diag, from, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	for (const struct include_frame *f = stack; f; f = f->up) {
		if (strcmp(f->realpath, real) == 0) {
			diag_error(diag, from, "include cycle: '%s' includes itself", path);
			free(src);
			return -1;
		}
	}
	frame.realpath = real;
	frame.up = stack;
	memset(&ps, 0, sizeof(ps));
	ps.p = p;
	ps.diag = diag;
	ps.stack = &frame;
	ps.depth = depth;
	lexer_init(&ps.lx, remember_file(p, path), src, len, diag);
	parse_statements(&ps);
	free(src);
	return diag->errors > errors ? -1 : 0;
}

struct policy_ast *policy_parse_file(const char *path, struct diag *diag)
{
	struct policy_ast *p = xcalloc(1, sizeof(*p));
	struct pos nowhere = { NULL, 0, 0 };
	int errors = diag->errors;

	parse_file(p, path, nowhere, NULL, 0, diag);
	if (diag->errors == errors && !p->has_default) {
		struct pos top = { p->files[0], 1, 1 };

		diag_error(diag, top, "the policy has no 'default' action "
			   "(add e.g. 'default kill-process' or 'default allow')");
	}
	if (diag->errors > errors) {
		policy_free(p);
		return NULL;
	}
	return p;
}

/* Stage 1 from memory: TEXT (LEN bytes) as if read from a file called
 * NAME (bpfgen's importer hands over the policy it wrote). Includes are
 * resolved relative to NAME. */
struct policy_ast *policy_parse_text(const char *name, const char *text, size_t len,
				     struct diag *diag)
{
	struct policy_ast *p = xcalloc(1, sizeof(*p));
	struct include_frame frame = { name, NULL };
	struct parser ps;
	int errors = diag->errors;

	memset(&ps, 0, sizeof(ps));
	ps.p = p;
	ps.diag = diag;
	ps.stack = &frame;
	lexer_init(&ps.lx, remember_file(p, name), text, len, diag);
	parse_statements(&ps);
	if (diag->errors == errors && !p->has_default) {
		struct pos top = { p->files[0], 1, 1 };

		diag_error(diag, top, "the policy has no 'default' action");
	}
	if (diag->errors > errors) {
		policy_free(p);
		return NULL;
	}
	return p;
}

static void free_action(struct action_ast *a)
{
	free(a->arg.terms);
}

void policy_free(struct policy_ast *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		struct rule_ast *r = &p->rules[i];

		for (size_t j = 0; j < r->nconds; j++) {
			free(r->conds[j].mask.terms);
			free(r->conds[j].value.terms);
		}
		free(r->conds);
		free(r->names);
		free_action(&r->action);
	}
	free(p->rules);
	free_action(&p->deflt);
	free_action(&p->bad_arch);
	free_action(&p->x32);
	free_action(&p->newer);
	for (size_t i = 0; i < p->nabis; i++)
		free(p->abis[i].abis);
	free(p->abis);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p);
}
