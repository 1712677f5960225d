/* Reading sock_filter arrays out of C source, with a small tokenizer that
 * skips comments, strings and preprocessor lines. See header_read.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/seccomp.h"
#include "bpf/header_read.h"

enum tok_kind { TOK_END, TOK_IDENT, TOK_NUMBER, TOK_PUNCT, TOK_OTHER };

struct token {
	enum tok_kind kind;
	const char *start;
	size_t len;
	int line, col;
	uint64_t value;  /* TOK_NUMBER */
	int bad_number;  /* TOK_NUMBER that is not a valid C literal */
};

struct lexer {
	const char *p, *end, *line_start;
	int line;
	const char *file;
	FILE *diag;
	struct token tok;  /* the current token */
};

static int error_tok(struct lexer *lx, const struct token *t,
		     const char *fmt, ...)
{
	va_list ap;

	fprintf(lx->diag, "%s:%d:%d: error: ", lx->file, t->line, t->col);
	va_start(ap, fmt);
	vfprintf(lx->diag, fmt, ap);
	va_end(ap);
	fputc('\n', lx->diag);
	return -1;
}

static void newline(struct lexer *lx)
{
	lx->p++;
	lx->line++;
	lx->line_start = lx->p;
}

static int at_line_start(struct lexer *lx)
{
	for (const char *q = lx->line_start; q < lx->p; q++)
		if (*q != ' ' && *q != '\t')
			return 0;
	return 1;
}

/* Skips to the end of the line, honouring backslash continuations. */
static void skip_directive(struct lexer *lx)
{
	while (lx->p < lx->end && *lx->p != '\n') {
		if (*lx->p == '\\' && lx->p + 1 < lx->end && lx->p[1] == '\n') {
			lx->p++;
			newline(lx);
			continue;
		}
		lx->p++;
	}
}

static void skip_block_comment(struct lexer *lx)
{
	lx->p += 2;
	while (lx->p < lx->end &&
	       !(*lx->p == '*' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
		if (*lx->p == '\n')
			newline(lx);
		else
			lx->p++;
	}
	lx->p = lx->p + 2 <= lx->end ? lx->p + 2 : lx->end;
}

static void skip_space(struct lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\n')
			newline(lx);
		else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
			lx->p++;
		else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*')
			skip_block_comment(lx);
		else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/')
			skip_directive(lx);
		else if (c == '#' && at_line_start(lx))
			skip_directive(lx);
		else
			return;
	}
}

static void skip_quoted(struct lexer *lx)
{
	char q = *lx->p++;

	while (lx->p < lx->end && *lx->p != q && *lx->p != '\n') {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		lx->p++;
	}
	if (lx->p < lx->end && *lx->p == q)
		lx->p++;
}

static void lex_number(struct lexer *lx, struct token *t)
{
	uint64_t v = 0;
	int base = 10, overflow = 0, bad = 0;

	if (*lx->p == '0' && lx->p + 1 < lx->end &&
	    (lx->p[1] == 'x' || lx->p[1] == 'X')) {
		base = 16;
		lx->p += 2;
	} else if (*lx->p == '0') {
		base = 8;
	}
	while (lx->p < lx->end && isxdigit((unsigned char)*lx->p)) {
		int c = tolower((unsigned char)*lx->p);
		int d = isdigit(c) ? c - '0' : c - 'a' + 10;

		if (d >= base)
			bad = 1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			overflow = 1;
		v = v * (uint64_t)base + (uint64_t)d;
		lx->p++;
	}
	while (lx->p < lx->end && strchr("uUlL", *lx->p))
		lx->p++;
	if (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_'))
		bad = 1;
	while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_'))
		lx->p++;
	t->kind = TOK_NUMBER;
	t->value = v;
	t->bad_number = bad || overflow || (base == 16 && lx->p - t->start == 2);
}

static void next(struct lexer *lx)
{
	struct token *t = &lx->tok;

	skip_space(lx);
	memset(t, 0, sizeof(*t));
	t->start = lx->p;
	t->line = lx->line;
	t->col = (int)(lx->p - lx->line_start) + 1;
	if (lx->p >= lx->end) {
		t->kind = TOK_END;
		return;
	}
	if (isalpha((unsigned char)*lx->p) || *lx->p == '_') {
		while (lx->p < lx->end &&
		       (isalnum((unsigned char)*lx->p) || *lx->p == '_'))
			lx->p++;
		t->kind = TOK_IDENT;
	} else if (isdigit((unsigned char)*lx->p)) {
		lex_number(lx, t);
	} else if (*lx->p == '"' || *lx->p == '\'') {
		skip_quoted(lx);
		t->kind = TOK_OTHER;
	} else {
		lx->p++;
		t->kind = TOK_PUNCT;
	}
	t->len = (size_t)(lx->p - t->start);
}

static int is_ident(const struct token *t, const char *s)
{
	return t->kind == TOK_IDENT && strlen(s) == t->len &&
	       strncmp(t->start, s, t->len) == 0;
}

static int is_punct(const struct token *t, char c)
{
	return t->kind == TOK_PUNCT && *t->start == c;
}

static int expect_punct(struct lexer *lx, char c)
{
	if (!is_punct(&lx->tok, c))
		return error_tok(lx, &lx->tok, "expected '%c', found '%.*s'", c,
				 (int)lx->tok.len, lx->tok.start);
	next(lx);
	return 0;
}

/* --- values: literals, BPF_* and SECCOMP_RET_* names --- */

static int name_value(const struct token *t, uint64_t *out)
{
	static const struct { const char *name; uint32_t value; } names[] = {
		{ "BPF_LD", BPF_LD },     { "BPF_LDX", BPF_LDX },
		{ "BPF_ST", BPF_ST },     { "BPF_STX", BPF_STX },
		{ "BPF_ALU", BPF_ALU },   { "BPF_JMP", BPF_JMP },
		{ "BPF_RET", BPF_RET },   { "BPF_MISC", BPF_MISC },
		{ "BPF_W", BPF_W },       { "BPF_H", BPF_H },
		{ "BPF_B", BPF_B },       { "BPF_IMM", BPF_IMM },
		{ "BPF_ABS", BPF_ABS },   { "BPF_IND", BPF_IND },
		{ "BPF_MEM", BPF_MEM },   { "BPF_LEN", BPF_LEN },
		{ "BPF_MSH", BPF_MSH },   { "BPF_ADD", BPF_ADD },
		{ "BPF_SUB", BPF_SUB },   { "BPF_MUL", BPF_MUL },
		{ "BPF_DIV", BPF_DIV },   { "BPF_OR", BPF_OR },
		{ "BPF_AND", BPF_AND },   { "BPF_LSH", BPF_LSH },
		{ "BPF_RSH", BPF_RSH },   { "BPF_NEG", BPF_NEG },
		{ "BPF_MOD", BPF_MOD },   { "BPF_XOR", BPF_XOR },
		{ "BPF_JA", BPF_JA },     { "BPF_JEQ", BPF_JEQ },
		{ "BPF_JGT", BPF_JGT },   { "BPF_JGE", BPF_JGE },
		{ "BPF_JSET", BPF_JSET }, { "BPF_K", BPF_K },
		{ "BPF_X", BPF_X },       { "BPF_A", BPF_A },
		{ "BPF_TAX", BPF_TAX },   { "BPF_TXA", BPF_TXA },
		{ "SECCOMP_RET_KILL_PROCESS", ACT_KILL_PROCESS },
		{ "SECCOMP_RET_KILL_THREAD", ACT_KILL_THREAD },
		{ "SECCOMP_RET_KILL", ACT_KILL_THREAD },
		{ "SECCOMP_RET_TRAP", ACT_TRAP },
		{ "SECCOMP_RET_ERRNO", ACT_ERRNO },
		{ "SECCOMP_RET_USER_NOTIF", ACT_USER_NOTIF },
		{ "SECCOMP_RET_TRACE", ACT_TRACE },
		{ "SECCOMP_RET_LOG", ACT_LOG },
		{ "SECCOMP_RET_ALLOW", ACT_ALLOW },
		{ "SECCOMP_RET_ACTION_FULL", ACT_FULL_MASK },
		{ "SECCOMP_RET_DATA", ACT_DATA_MASK },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (is_ident(t, names[i].name)) {
			*out = names[i].value;
			return 0;
		}
	}
	return -1;
}

static int expr(struct lexer *lx, uint64_t *out);

static int term(struct lexer *lx, uint64_t *out)
{
	struct token t = lx->tok;

	if (is_punct(&t, '(')) {
		next(lx);
		if (expr(lx, out))
			return -1;
		return expect_punct(lx, ')');
	}
	if (t.kind == TOK_NUMBER) {
		if (t.bad_number)
			return error_tok(lx, &t, "bad number '%.*s'",
					 (int)t.len, t.start);
		*out = t.value;
		next(lx);
		return 0;
	}
	if (t.kind == TOK_IDENT && name_value(&t, out) == 0) {
		next(lx);
		return 0;
	}
	return error_tok(lx, &t, "expected a number or a BPF_*/SECCOMP_RET_* "
			 "name, found '%.*s'", (int)t.len, t.start);
}

/* term { ('|' | '+') term } */
static int expr(struct lexer *lx, uint64_t *out)
{
	uint64_t v;

	if (term(lx, out))
		return -1;
	while (is_punct(&lx->tok, '|') || is_punct(&lx->tok, '+')) {
		char op = *lx->tok.start;

		next(lx);
		if (term(lx, &v))
			return -1;
		*out = op == '|' ? *out | v : *out + v;
	}
	return 0;
}

static int field(struct lexer *lx, uint64_t max, const char *what,
		 uint64_t *out)
{
	struct token at = lx->tok;

	if (expr(lx, out))
		return -1;
	if (*out > max)
		return error_tok(lx, &at, "%s 0x%llx is out of range (max 0x%llx)",
				 what, (unsigned long long)*out,
				 (unsigned long long)max);
	return 0;
}

/* --- elements and arrays --- */

/* Fields in the order they appear in the source, and where they go. */
enum slot { S_CODE, S_JT, S_JF, S_K };

static int fields(struct lexer *lx, const enum slot *order, size_t n,
		  struct sock_filter *f)
{
	static const uint64_t max[] = { 0xffff, 0xff, 0xff, 0xffffffff };
	static const char *const what[] = { "code", "jt", "jf", "k" };
	uint64_t v;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		if (i && expect_punct(lx, ','))
			return -1;
		if (field(lx, max[order[i]], what[order[i]], &v))
			return -1;
		switch (order[i]) {
		case S_CODE: f->code = (uint16_t)v; break;
		case S_JT:   f->jt = (uint8_t)v; break;
		case S_JF:   f->jf = (uint8_t)v; break;
		case S_K:    f->k = (uint32_t)v; break;
		}
	}
	return 0;
}

static int element(struct lexer *lx, struct sock_filter *f)
{
	static const enum slot brace[] = { S_CODE, S_JT, S_JF, S_K };
	static const enum slot stmt[] = { S_CODE, S_K };
	static const enum slot jump[] = { S_CODE, S_K, S_JT, S_JF };
	const enum slot *order;
	size_t n;
	char close;

	if (is_punct(&lx->tok, '{')) {
		order = brace, n = 4, close = '}';
	} else if (is_ident(&lx->tok, "BPF_STMT")) {
		order = stmt, n = 2, close = ')';
		next(lx);
	} else if (is_ident(&lx->tok, "BPF_JUMP")) {
		order = jump, n = 4, close = ')';
		next(lx);
	} else {
		return error_tok(lx, &lx->tok, "expected '{', BPF_STMT( or "
				 "BPF_JUMP(, found '%.*s'", (int)lx->tok.len,
				 lx->tok.start);
	}
	if (close == ')' && expect_punct(lx, '('))
		return -1;
	if (close == '}')
		next(lx);
	if (fields(lx, order, n, f))
		return -1;
	if (is_punct(&lx->tok, ',') && close == '}')
		next(lx);  /* { a, b, c, d, } */
	return expect_punct(lx, close);
}

static int push_insn(struct header_array *a, size_t *cap,
		     const struct sock_filter *f)
{
	if (a->len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct sock_filter *p = realloc(a->insns, ncap * sizeof(*p));

		if (!p)
			return -1;
		a->insns = p;
		*cap = ncap;
	}
	a->insns[a->len++] = *f;
	return 0;
}

/* "= { element, element, ... }" */
static int initializer(struct lexer *lx, struct header_array *a)
{
	struct sock_filter f;
	size_t cap = 0;

	if (expect_punct(lx, '{'))
		return -1;
	while (!is_punct(&lx->tok, '}')) {
		if (element(lx, &f))
			return -1;
		if (push_insn(a, &cap, &f))
			return error_tok(lx, &lx->tok, "out of memory");
		if (!is_punct(&lx->tok, ','))
			break;
		next(lx);
	}
	if (expect_punct(lx, '}'))
		return -1;
	if (a->len == 0)
		return error_tok(lx, &lx->tok, "array '%s' is empty", a->name);
	return 0;
}

static const struct arch *arch_from_suffix(const char *name)
{
	const struct arch *best = NULL;
	size_t nlen = strlen(name), best_len = 0;

	for (size_t i = 0; i < arch_nknown; i++) {
		const struct arch *a = arch_known[i];
		size_t alen = strlen(a->name);

		if (alen + 1 > nlen || alen <= best_len)
			continue;
		if (name[nlen - alen - 1] == '_' &&
		    strcmp(name + nlen - alen, a->name) == 0) {
			best = a;
			best_len = alen;
		}
	}
	return best;
}

static int add_array(struct header_file *h, struct header_array *a)
{
	struct header_array *p = realloc(h->arrays,
					 (h->narrays + 1) * sizeof(*p));

	if (!p)
		return -1;
	h->arrays = p;
	h->arrays[h->narrays++] = *a;
	return 0;
}

/* After "struct sock_filter": an array definition, or something else
 * (a pointer, a declaration) that is skipped. Returns 1 when skipped. */
static int array_after_type(struct lexer *lx, struct header_file *h)
{
	struct header_array a = { 0 };
	struct token name;

	while (is_ident(&lx->tok, "const") || is_ident(&lx->tok, "volatile"))
		next(lx);
	name = lx->tok;
	if (name.kind != TOK_IDENT)
		return 1;
	next(lx);
	if (!is_punct(&lx->tok, '['))
		return 1;
	while (lx->tok.kind != TOK_END && !is_punct(&lx->tok, '=') &&
	       !is_punct(&lx->tok, ';'))
		next(lx);
	if (!is_punct(&lx->tok, '='))
		return 1;  /* a declaration, e.g. extern */
	next(lx);
	a.name = strndup(name.start, name.len);
	if (!a.name)
		return error_tok(lx, &name, "out of memory");
	a.arch = arch_from_suffix(a.name);
	if (initializer(lx, &a) || expect_punct(lx, ';') || add_array(h, &a)) {
		free(a.name);
		free(a.insns);
		return -1;
	}
	return 0;
}

int header_detect(const char *text, size_t len)
{
	static const char needle[] = "sock_filter";

	if (memchr(text, '\0', len))
		return 0;
	return memmem(text, len, needle, sizeof(needle) - 1) != NULL;
}

int header_read(const char *text, size_t len, const char *file,
		struct header_file *out, FILE *diag)
{
	struct lexer lx = { .p = text, .end = text + len, .line_start = text,
			    .line = 1, .file = file, .diag = diag };

	memset(out, 0, sizeof(*out));
	next(&lx);
	while (lx.tok.kind != TOK_END) {
		if (!is_ident(&lx.tok, "struct")) {
			next(&lx);
			continue;
		}
		next(&lx);
		if (!is_ident(&lx.tok, "sock_filter"))
			continue;
		next(&lx);
		if (array_after_type(&lx, out) < 0) {
			header_file_free(out);
			return -1;
		}
	}
	if (out->narrays == 0) {
		fprintf(diag, "%s: error: no 'struct sock_filter NAME[] = "
			"{ ... };' array found\n", file);
		return -1;
	}
	return 0;
}

void header_file_free(struct header_file *h)
{
	for (size_t i = 0; i < h->narrays; i++) {
		free(h->arrays[i].name);
		free(h->arrays[i].insns);
	}
	free(h->arrays);
	memset(h, 0, sizeof(*h));
}
