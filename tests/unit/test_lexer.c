/* Unit tests of stage 1a, the lexer (bpfgen/lexer.c): numbers in every
 * base, separators, overflow, strings, names, operators and positions. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpfgen/lexer.h"

#define MAX_TOKS 64

/* Every token of SRC up to and including T_EOF, and the messages. */
struct lexed {
	struct token toks[MAX_TOKS];
	size_t n;
	int errors;
	char msgs[4096];
};

static void lex_bytes(const char *src, size_t len, struct lexed *out)
{
	struct diag diag = { .out = tmpfile() };
	struct lexer lx;
	size_t got;

	cr_assert_not_null(diag.out, "tmpfile failed");
	memset(out, 0, sizeof(*out));
	lexer_init(&lx, "t.policy", src, len, &diag);
	do {
		cr_assert_lt(out->n, MAX_TOKS, "lexer did not reach the end");
		out->toks[out->n] = lexer_next(&lx);
	} while (out->toks[out->n++].kind != T_EOF);
	out->errors = diag.errors;
	rewind(diag.out);
	got = fread(out->msgs, 1, sizeof(out->msgs) - 1, diag.out);
	out->msgs[got] = '\0';
	fclose(diag.out);
	diag_free(&diag);
}

static void lex(const char *src, struct lexed *out)
{
	lex_bytes(src, strlen(src), out);
}

/* SRC must be exactly one number token with value V. */
static void expect_number(const char *src, uint64_t v)
{
	struct lexed l;

	lex(src, &l);
	cr_assert_eq(l.errors, 0, "'%s': unexpected error: %s", src, l.msgs);
	cr_assert_eq(l.n, 2, "'%s': %zu tokens", src, l.n);
	cr_assert_eq(l.toks[0].kind, T_NUMBER, "'%s' is not a number", src);
	cr_assert_eq(l.toks[0].num, v, "'%s' = %llu, want %llu", src,
		     (unsigned long long)l.toks[0].num, (unsigned long long)v);
}

/* SRC must give exactly one error, whose message line is MSG. */
static void expect_error(const char *src, const char *msg)
{
	struct lexed l;
	char line[512];
	int bad = 0;

	lex(src, &l);
	snprintf(line, sizeof(line), "%s\n", msg);
	cr_assert_eq(l.errors, 1, "'%s': %d errors: %s", src, l.errors, l.msgs);
	cr_assert_str_eq(l.msgs, line, "'%s'", src);
	for (size_t i = 0; i < l.n; i++)
		bad += l.toks[i].kind == T_ERROR;
	cr_assert_eq(bad, 1, "'%s': %d error tokens", src, bad);
}

Test(lexer, numbers_in_every_base)
{
	expect_number("42", 42);
	expect_number("0", 0);
	expect_number("0x2a", 42);
	expect_number("0X2A", 42);
	expect_number("0o52", 42);
	expect_number("0O52", 42);
	expect_number("0b101010", 42);
	expect_number("0B101010", 42);
	expect_number("0xdeadBEEF", 0xdeadbeef);
}

Test(lexer, underscore_separators)
{
	expect_number("1_000_000", 1000000);
	expect_number("0xffff_ffff", 0xffffffffu);
	expect_number("0b1_0", 2);
	expect_number("0o7_7", 077);
	expect_error("0x_ff", "t.policy:1:1: error: number has no digits");
}

Test(lexer, leading_zero_is_rejected)
{
	expect_error("0600",
		     "t.policy:1:1: error: numbers may not start with 0; write octal as 0o6...");
}

Test(lexer, sixty_four_bit_limits)
{
	expect_number("18446744073709551615", UINT64_MAX);
	expect_number("0xffffffffffffffff", UINT64_MAX);
	expect_number("0b" "1111111111111111111111111111111111111111111111111111111111111111",
		      UINT64_MAX);
	expect_error("18446744073709551616", "t.policy:1:1: error: number does not fit in 64 bits");
	expect_error("0x10000000000000000", "t.policy:1:1: error: number does not fit in 64 bits");
	expect_error("0o2000000000000000000000",
		     "t.policy:1:1: error: number does not fit in 64 bits");
}

Test(lexer, invalid_digits)
{
	expect_error("0b102", "t.policy:1:5: error: invalid digit '2' in base-2 number");
	expect_error("0o8", "t.policy:1:3: error: invalid digit '8' in base-8 number");
	expect_error("12ab", "t.policy:1:3: error: invalid digit 'a' in base-10 number");
	expect_error("0xfg", "t.policy:1:4: error: invalid digit 'g' in base-16 number");
	expect_error("0x", "t.policy:1:1: error: number has no digits");
}

Test(lexer, nul_byte_is_an_error_with_position)
{
	static const char src[] = "allow: read\0\nkill";
	struct lexed l;

	lex_bytes(src, sizeof(src) - 1, &l);
	cr_assert_eq(l.errors, 1, "%s", l.msgs);
	cr_assert_str_eq(l.msgs, "t.policy:1:12: error: NUL byte in policy text\n");
	/* The rest of the line is skipped, the next line still lexed. */
	cr_assert_eq(l.toks[l.n - 2].kind, T_IDENT);
	cr_assert_str_eq(l.toks[l.n - 2].text, "kill");
	cr_assert_eq(l.toks[l.n - 2].pos.line, 2);
}

Test(lexer, nul_byte_inside_a_string)
{
	/* Regression: the NUL used to end the C string silently, so
	 * include "a<NUL>b" read the file "a". */
	static const char src[] = "include \"a\0b\"";
	struct lexed l;

	lex_bytes(src, sizeof(src) - 1, &l);
	cr_assert_eq(l.errors, 1, "%s", l.msgs);
	cr_assert_str_eq(l.msgs, "t.policy:1:11: error: NUL byte in policy text\n");
	cr_assert_eq(l.toks[1].kind, T_ERROR);
}

Test(lexer, strings)
{
	struct lexed l;

	lex("\"sub/file.policy\"", &l);
	cr_assert_eq(l.errors, 0, "%s", l.msgs);
	cr_assert_eq(l.toks[0].kind, T_STRING);
	cr_assert_str_eq(l.toks[0].text, "sub/file.policy");
	expect_error("include \"abc",
		     "t.policy:1:9: error: string is not terminated before the end of the line");
	expect_error("\"abc\ndef",
		     "t.policy:1:1: error: string is not terminated before the end of the line");
	expect_error("\"a\\b\"", "t.policy:1:3: error: backslashes are not allowed in strings");
}

Test(lexer, overlong_names_and_strings)
{
	char src[600];
	struct lexed l;

	memset(src, 'a', 255);
	src[255] = '\0';
	lex(src, &l);
	cr_assert_eq(l.errors, 0, "255 characters are allowed: %s", l.msgs);
	cr_assert_eq(strlen(l.toks[0].text), 255);

	memset(src, 'a', 256);
	src[256] = '\0';
	expect_error(src, "t.policy:1:1: error: name is longer than 255 characters");

	src[0] = '"';
	memset(src + 1, 'b', 300);
	strcpy(src + 301, "\"");
	expect_error(src, "t.policy:1:1: error: string is longer than 255 characters");
}

Test(lexer, operators)
{
	static const enum tok_kind want[] = {
		T_ANDAND, T_AMP, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_PIPE,
		T_COLON, T_COMMA, T_LPAREN, T_RPAREN, T_LE, T_AMP, T_EOF,
	};
	struct lexed l;

	lex("&& & == != < <= > >= | : , ( ) <=&", &l);
	cr_assert_eq(l.errors, 0, "%s", l.msgs);
	cr_assert_eq(l.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < l.n; i++)
		cr_assert_eq(l.toks[i].kind, want[i], "token %zu is %s, want %s", i,
			     tok_kind_name(l.toks[i].kind), tok_kind_name(want[i]));
	expect_error("arg0 = 1", "t.policy:1:6: error: unexpected character '='");
	expect_error("!x", "t.policy:1:1: error: unexpected character '!'");
	expect_error("\xc3\xa9", "t.policy:1:1: error: unexpected byte 0xc3");
}

Test(lexer, names_groups_and_keywords)
{
	struct lexed l;

	lex("kill-process: @io_uring arg5 lo32 _x", &l);
	cr_assert_eq(l.errors, 0, "%s", l.msgs);
	cr_assert_eq(l.toks[0].kind, T_IDENT);
	cr_assert_str_eq(l.toks[0].text, "kill-process");
	cr_assert_eq(l.toks[1].kind, T_COLON);
	cr_assert_eq(l.toks[2].kind, T_GROUP);
	cr_assert_str_eq(l.toks[2].text, "io_uring", "the '@' is not part of the name");
	cr_assert_str_eq(l.toks[3].text, "arg5");
	cr_assert_str_eq(l.toks[4].text, "lo32");
	cr_assert_str_eq(l.toks[5].text, "_x");
	expect_error("@1", "t.policy:1:1: error: expected a group name after '@'");
	expect_error("@ x", "t.policy:1:1: error: expected a group name after '@'");
}

Test(lexer, positions_lines_and_columns)
{
	struct lexed l;

	/* Tabs and carriage returns are one column each; comments vanish. */
	lex("default allow # why\n\tkill-process:\r\n  read ,\n", &l);
	cr_assert_eq(l.errors, 0, "%s", l.msgs);
	struct { enum tok_kind k; int line, col; } want[] = {
		{ T_IDENT, 1, 1 }, { T_IDENT, 1, 9 }, { T_NEWLINE, 1, 20 },
		{ T_IDENT, 2, 2 }, { T_COLON, 2, 14 }, { T_NEWLINE, 2, 16 },
		{ T_IDENT, 3, 3 }, { T_COMMA, 3, 8 }, { T_NEWLINE, 3, 9 },
		{ T_EOF, 4, 1 },
	};
	cr_assert_eq(l.n, sizeof(want) / sizeof(want[0]), "%zu tokens", l.n);
	for (size_t i = 0; i < l.n; i++) {
		cr_assert_eq(l.toks[i].kind, want[i].k, "token %zu: %s", i,
			     tok_kind_name(l.toks[i].kind));
		cr_assert_eq(l.toks[i].pos.line, want[i].line, "token %zu line %d", i,
			     l.toks[i].pos.line);
		cr_assert_eq(l.toks[i].pos.col, want[i].col, "token %zu col %d", i,
			     l.toks[i].pos.col);
		cr_assert_str_eq(l.toks[i].pos.file, "t.policy");
	}
}

Test(lexer, error_skips_to_end_of_line_only)
{
	struct lexed l;

	lex("0600 allow read\nwrite", &l);
	cr_assert_eq(l.errors, 1, "one mistake, one message: %s", l.msgs);
	cr_assert_eq(l.n, 4);
	cr_assert_eq(l.toks[0].kind, T_ERROR);
	cr_assert_eq(l.toks[1].kind, T_NEWLINE);
	cr_assert_eq(l.toks[2].kind, T_IDENT);
	cr_assert_str_eq(l.toks[2].text, "write");
	cr_assert_eq(l.toks[2].pos.line, 2);
}

Test(lexer, end_of_file_repeats)
{
	struct diag diag = { .out = NULL };
	struct lexer lx;

	lexer_init(&lx, "t.policy", "", 0, &diag);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(lexer_next(&lx).kind, T_EOF);
	cr_assert_eq(diag.errors, 0);
	diag_free(&diag);
}
