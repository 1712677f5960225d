/* Stage 1a: policy text to tokens. Newlines are tokens because a rule ends
 * at the end of its line (unless the line ends in ',', '|' or '&&'). */
#ifndef BPFGEN_LEXER_H
#define BPFGEN_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "bpfgen/diag.h"

enum tok_kind {
	T_EOF, T_NEWLINE, T_IDENT, T_NUMBER, T_STRING, T_GROUP,
	T_COLON, T_COMMA, T_LPAREN, T_RPAREN, T_AMP, T_ANDAND, T_PIPE,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_ERROR,
};

#define TOK_TEXT_MAX 256

struct token {
	enum tok_kind kind;
	struct pos pos;
	uint64_t num;               /* T_NUMBER */
	char text[TOK_TEXT_MAX];    /* T_IDENT, T_GROUP (without '@'), T_STRING */
};

struct lexer {
	const char *file;
	const char *src;
	size_t len;
	size_t i;
	int line;
	int col;
	struct diag *diag;
};

void lexer_init(struct lexer *lx, const char *file, const char *src,
		size_t len, struct diag *diag);
/* The next token; errors are reported to the diag and give T_ERROR. */
struct token lexer_next(struct lexer *lx);
const char *tok_kind_name(enum tok_kind k);

#endif
