/* Stage 1 output: the policy as written, before any architecture is
 * known. Names and constants are still text; resolve.c gives them values. */
#ifndef BPFGEN_POLICY_H
#define BPFGEN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "bpfgen/diag.h"
#include "bpfgen/lexer.h"

enum action_kind {
	A_ALLOW, A_LOG, A_KILL_PROCESS, A_KILL_THREAD, A_TRAP, A_NOTIFY,
	A_ERRNO, A_TRACE,
};

/* NUM | NAME | NUM ... : constants or'ed together. */
struct value_term {
	struct pos pos;
	int is_name;
	uint64_t num;
	char name[TOK_TEXT_MAX];
};

struct value_expr {
	struct pos pos;
	struct value_term *terms;
	size_t nterms, cap;
};

struct action_ast {
	struct pos pos;
	enum action_kind kind;
	int has_arg;
	struct value_expr arg;
};

/* OP_IN and OP_OUT (a value within / outside an unsigned range) are made
 * by resolve.c from signed ordered compares; no policy writes them. */
enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_OUT };

/* OPERAND [& MASK] OP VALUE, where OPERAND is argK, a parameter's name
 * (cmd, flags...), or either inside lo32(...) or arg64(...). */
struct cond_ast {
	struct pos pos;
	int arg;            /* K of argK; -1 when named by PARAM */
	char param[TOK_TEXT_MAX]; /* the parameter's name, or "" for argK */
	int lo32;           /* lo32(...): the low 32 bits, whatever the type */
	int arg64;          /* arg64(...): the whole register, whatever the type */
	int has_mask;
	struct value_expr mask;
	enum cmp_op op;
	struct value_expr value;
};

struct name_ref {
	struct pos pos;
	int is_group;
	char name[TOK_TEXT_MAX];
};

struct rule_ast {
	struct pos pos;
	struct action_ast action;
	struct name_ref *names;
	size_t nnames, names_cap;
	struct cond_ast *conds;
	size_t nconds, conds_cap;
};

/* abi TARGET: native, ABI, ...: the ABIs a target's filter accepts. */
struct abi_ast {
	struct pos pos;
	struct name_ref target;
	struct name_ref *abis;   /* "native", "i386", "x32", "arm" */
	size_t nabis, abis_cap;
};

struct policy_ast {
	struct action_ast deflt, bad_arch, x32;
	int has_default, has_bad_arch, has_x32;
	/* on-newer ACTION: numbers above the highest the rules name, per ABI. */
	struct action_ast newer;
	int has_newer;
	/* socketcall fail-open: allow rules with conditions let the
	 * multiplexed socketcall()/ipc() form through unchecked. */
	int socketcall_open;
	struct pos socketcall_pos;
	struct abi_ast *abis;
	size_t nabis, abis_cap;
	struct rule_ast *rules;
	size_t nrules, rules_cap;
	char **files;             /* every file read; positions point here */
	size_t nfiles, files_cap;
};

/* Stage 1: read PATH and its includes. Returns NULL after reporting every
 * error found to DIAG. */
struct policy_ast *policy_parse_file(const char *path, struct diag *diag);
/* The same for TEXT (LEN bytes) in memory, named NAME in diagnostics. */
struct policy_ast *policy_parse_text(const char *name, const char *text, size_t len,
				     struct diag *diag);
void policy_free(struct policy_ast *p);

const char *action_kind_name(enum action_kind k);
const char *cmp_op_name(enum cmp_op op);

#endif
