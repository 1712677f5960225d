/* Stage 1a: the lexer. Reads bytes, never trusts them: NUL bytes, overlong
 * names and numbers beyond 64 bits are errors with a position. */
#include <ctype.h>
#include <string.h>

#include "bpfgen/lexer.h"

void lexer_init(struct lexer *lx, const char *file, const char *src,
		size_t len, struct diag *diag)
{
	lx->file = file;
	lx->src = src;
	lx->len = len;
	lx->i = 0;
	lx->line = 1;
	lx->col = 1;
	lx->diag = diag;
}

const char *tok_kind_name(enum tok_kind k)
{
	static const char *const names[] = {
		[T_EOF] = "end of file", [T_NEWLINE] = "end of line",
		[T_IDENT] = "name", [T_NUMBER] = "number",
		[T_STRING] = "string", [T_GROUP] = "@group",
		[T_COLON] = "':'", [T_COMMA] = "','", [T_LPAREN] = "'('",
		[T_RPAREN] = "')'", [T_AMP] = "'&'", [T_ANDAND] = "'&&'",
		[T_PIPE] = "'|'", [T_EQ] = "'=='", [T_NE] = "'!='",
		[T_LT] = "'<'", [T_LE] = "'<='", [T_GT] = "'>'",
		[T_GE] = "'>='", [T_ERROR] = "invalid token",
	};
	return names[k];
}

static int peek(const struct lexer *lx, size_t ahead)
{
	if (lx->i + ahead >= lx->len)
		return -1;
	return (unsigned char)lx->src[lx->i + ahead];
}

static void advance(struct lexer *lx)
{
	if (lx->src[lx->i] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->i++;
}

static struct pos here(const struct lexer *lx)
{
	struct pos p = { lx->file, lx->line, lx->col };
	return p;
}

static int is_name_start(int c)
{
	return c >= 0 && (isalpha(c) || c == '_');
}

static int is_name_char(int c)
{
	return c >= 0 && (isalnum(c) || c == '_' || c == '-');
}

static struct token error_token(struct lexer *lx, struct token t)
{
	t.kind = T_ERROR;
	/* Skip the rest of the line so one mistake gives one message. */
	while (peek(lx, 0) >= 0 && peek(lx, 0) != '\n')
		advance(lx);
	return t;
}

static struct token lex_name(struct lexer *lx, struct token t)
{
	size_t n = 0;

	while (is_name_char(peek(lx, 0))) {
		if (n + 1 >= sizeof(t.text)) {
			diag_error(lx->diag, t.pos, "name is longer than %d characters",
				   TOK_TEXT_MAX - 1);
			return error_token(lx, t);
		}
		t.text[n++] = (char)peek(lx, 0);
		advance(lx);
	}
	t.text[n] = '\0';
	return t;
}

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* A number, or with a leading '-' a negative one: -100 is the 64-bit
 * two's complement, which a typed compare takes as its parameter's C
 * type (int: 0xffffff9c). */
static struct token lex_number(struct lexer *lx, struct token t)
{
	unsigned base = 10;
	int digits = 0, minus = 0;
	uint64_t v = 0;

	if (peek(lx, 0) == '-') {
		minus = 1;
		advance(lx);
	}
	if (peek(lx, 0) == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'X'))
		base = 16;
	else if (peek(lx, 0) == '0' && (peek(lx, 1) == 'o' || peek(lx, 1) == 'O'))
		base = 8;
	else if (peek(lx, 0) == '0' && (peek(lx, 1) == 'b' || peek(lx, 1) == 'B'))
		base = 2;
	else if (peek(lx, 0) == '0' && peek(lx, 1) >= 0 && isdigit(peek(lx, 1))) {
		diag_error(lx->diag, t.pos,
			   "numbers may not start with 0; write octal as 0o%c...",
			   peek(lx, 1));
		return error_token(lx, t);
	}
	if (base != 10) {
		advance(lx);
		advance(lx);
	}
	for (;;) {
		int c = peek(lx, 0);
		unsigned d;

		if (c == '_' && digits > 0) {   /* 0xffff_ffff */
			advance(lx);
			continue;
		}
		if (c < 0 || !isalnum(c))
			break;
		d = (unsigned)digit_value(c);
		if (d >= base) {
			diag_error(lx->diag, here(lx), "invalid digit '%c' in base-%u number",
				   c, base);
			return error_token(lx, t);
		}
		if (v > (UINT64_MAX - d) / base) {
			diag_error(lx->diag, t.pos, "number does not fit in 64 bits");
			return error_token(lx, t);
		}
		v = v * base + d;
		digits++;
		advance(lx);
	}
	if (digits == 0) {
		diag_error(lx->diag, t.pos, "number has no digits");
		return error_token(lx, t);
	}
	if (minus && v > (UINT64_C(1) << 63)) {
		diag_error(lx->diag, t.pos, "number does not fit in 64 bits");
		return error_token(lx, t);
	}
	t.kind = T_NUMBER;
	t.num = minus ? (uint64_t)0 - v : v;
	return t;
}

static struct token lex_string(struct lexer *lx, struct token t)
{
	size_t n = 0;

	advance(lx);    /* opening quote */
	for (;;) {
		int c = peek(lx, 0);

		if (c < 0 || c == '\n') {
			diag_error(lx->diag, t.pos, "string is not terminated before the end of the line");
			return error_token(lx, t);
		}
		if (c == '"')
			break;
		if (c == '\\') {
			diag_error(lx->diag, here(lx), "backslashes are not allowed in strings");
			return error_token(lx, t);
		}
		if (c == 0) {   /* would silently cut the file name short */
			diag_error(lx->diag, here(lx), "NUL byte in policy text");
			return error_token(lx, t);
		}
		if (n + 1 >= sizeof(t.text)) {
			diag_error(lx->diag, t.pos, "string is longer than %d characters",
				   TOK_TEXT_MAX - 1);
			return error_token(lx, t);
		}
		t.text[n++] = (char)c;
		advance(lx);
	}
	advance(lx);    /* closing quote */
	t.text[n] = '\0';
	t.kind = T_STRING;
	return t;
}

/* Operators of one or two characters. Returns 0 when C starts none. */
static int lex_operator(struct lexer *lx, struct token *t)
{
	int c = peek(lx, 0), c1 = peek(lx, 1);
	struct { char a, b; enum tok_kind k; } ops[] = {
		{ '&', '&', T_ANDAND }, { '=', '=', T_EQ }, { '!', '=', T_NE },
		{ '<', '=', T_LE }, { '>', '=', T_GE }, { '<', 0, T_LT },
		{ '>', 0, T_GT }, { '&', 0, T_AMP }, { '|', 0, T_PIPE },
		{ ':', 0, T_COLON }, { ',', 0, T_COMMA }, { '(', 0, T_LPAREN },
		{ ')', 0, T_RPAREN },
	};

	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		if (c != ops[k].a || (ops[k].b && c1 != ops[k].b))
			continue;
		advance(lx);
		if (ops[k].b)
			advance(lx);
		t->kind = ops[k].k;
		return 1;
	}
	return 0;
}

struct token lexer_next(struct lexer *lx)
{
	struct token t;
	int c;

	memset(&t, 0, sizeof(t));
	for (;;) {
		c = peek(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r')
			advance(lx);
		else if (c == '#')
			while (peek(lx, 0) >= 0 && peek(lx, 0) != '\n')
				advance(lx);
		else
			break;
	}
	t.pos = here(lx);
	if (c < 0) {
		t.kind = T_EOF;
		return t;
	}
	if (c == '\n') {
		advance(lx);
		t.kind = T_NEWLINE;
		return t;
	}
	if (is_name_start(c)) {
		t.kind = T_IDENT;
		return lex_name(lx, t);
	}
	if (c == '@') {
		advance(lx);
		if (!is_name_start(peek(lx, 0))) {
			diag_error(lx->diag, t.pos, "expected a group name after '@'");
			return error_token(lx, t);
		}
		t.kind = T_GROUP;
		return lex_name(lx, t);
	}
	if (isdigit(c) || (c == '-' && peek(lx, 1) >= 0 && isdigit(peek(lx, 1))))
		return lex_number(lx, t);
	if (c == '"')
		return lex_string(lx, t);
	if (lex_operator(lx, &t))
		return t;
	if (c == 0)
		diag_error(lx->diag, t.pos, "NUL byte in policy text");
	else if (c >= 0x20 && c < 0x7f)
		diag_error(lx->diag, t.pos, "unexpected character '%c'", c);
	else
		diag_error(lx->diag, t.pos, "unexpected byte 0x%02x", c);
	advance(lx);
	return error_token(lx, t);
}
