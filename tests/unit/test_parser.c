/* Unit tests of stage 1b, the parser (bpfgen/parser.c): every statement,
 * continuations, conditions, duplicate settings, includes and their
 * limits, and error recovery. Policies are written to a temporary dir. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpfgen/policy.h"

struct parsed {
	struct policy_ast *ast;
	int errors;
	char msgs[8192];
};

static char dir[64];

static void make_dir(void)
{
	strcpy(dir, "/tmp/bpfgen-parser-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* Writes TEXT to DIR/NAME (NAME may contain one subdirectory). */
static void put(const char *name, const char *text)
{
	char path[256];
	const char *slash = strchr(name, '/');
	FILE *f;

	if (slash) {
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(slash - name), name);
		mkdir(path, 0700);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static void parse(const char *name, struct parsed *out)
{
	char path[256];
	struct diag diag = { .out = tmpfile() };
	size_t got;

	cr_assert_not_null(diag.out);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out->ast = policy_parse_file(path, &diag);
	out->errors = diag.errors;
	rewind(diag.out);
	got = fread(out->msgs, 1, sizeof(out->msgs) - 1, diag.out);
	out->msgs[got] = '\0';
	fclose(diag.out);
	diag_free(&diag);
}

/* Parses TEXT as DIR/p.policy and expects success. */
static struct policy_ast *parse_ok(const char *text)
{
	struct parsed p;

	put("p.policy", text);
	parse("p.policy", &p);
	cr_assert_not_null(p.ast, "parse failed: %s", p.msgs);
	cr_assert_eq(p.errors, 0);
	return p.ast;
}

/* Parses TEXT and expects failure with exactly the messages WANT, where
 * "@" stands for the policy's path. */
static void parse_fails(const char *text, const char *want)
{
	struct parsed p;
	char expect[4096];
	size_t n = 0;

	put("p.policy", text);
	parse("p.policy", &p);
	cr_assert_null(p.ast, "parsed a bad policy: %s", text);
	for (const char *w = want; *w && n + 64 < sizeof(expect); w++) {
		if (*w == '@')
			n += (size_t)snprintf(expect + n, sizeof(expect) - n, "%s/p.policy", dir);
		else
			expect[n++] = *w;
	}
	expect[n] = '\0';
	cr_assert_str_eq(p.msgs, expect);
}

TestSuite(parser, .init = make_dir, .fini = remove_dir);

Test(parser, settings_and_rules)
{
	struct policy_ast *a = parse_ok(
		"default errno(EPERM)\n"
		"on-bad-arch kill-thread\n"
		"on-x32 trap\n"
		"allow: read, write\n"
		"log: @network\n"
		"trace(7): openat\n"
		"kill-process: execve\n"
		"notify: mount\n"
		"trap(5): kill\n");

	cr_assert(a->has_default && a->has_bad_arch && a->has_x32);
	cr_assert_eq(a->deflt.kind, A_ERRNO);
	cr_assert(a->deflt.has_arg);
	cr_assert_eq(a->deflt.arg.nterms, 1);
	cr_assert(a->deflt.arg.terms[0].is_name);
	cr_assert_str_eq(a->deflt.arg.terms[0].name, "EPERM");
	cr_assert_eq(a->bad_arch.kind, A_KILL_THREAD);
	cr_assert_eq(a->x32.kind, A_TRAP);
	cr_assert_not(a->x32.has_arg);
	cr_assert_eq(a->nrules, 6);
	cr_assert_eq(a->rules[0].action.kind, A_ALLOW);
	cr_assert_eq(a->rules[0].nnames, 2);
	cr_assert_str_eq(a->rules[0].names[1].name, "write");
	cr_assert_eq(a->rules[0].names[1].pos.line, 4);
	cr_assert_eq(a->rules[0].names[1].pos.col, 14);
	cr_assert(a->rules[1].names[0].is_group);
	cr_assert_str_eq(a->rules[1].names[0].name, "network");
	cr_assert_eq(a->rules[2].action.kind, A_TRACE);
	cr_assert_eq(a->rules[2].action.arg.terms[0].num, 7);
	cr_assert_eq(a->rules[3].action.kind, A_KILL_PROCESS);
	cr_assert_eq(a->rules[4].action.kind, A_NOTIFY);
	cr_assert_eq(a->rules[5].action.kind, A_TRAP);
	cr_assert(a->rules[5].action.has_arg, "trap takes an optional value");
	cr_assert_str_eq(a->rules[5].names[0].name, "kill", "a syscall named kill");
	policy_free(a);
}

Test(parser, trailing_comma_and_pipe_continue_the_line)
{
	struct policy_ast *a = parse_ok(
		"default allow\n"
		"errno(1 |\n"
		"      2): ptrace,\n"
		"\n"
		"   # a comment between\n"
		"   kcmp\n"
		"kill-process:\n"
		"   read\n");

	cr_assert_eq(a->nrules, 2);
	cr_assert_eq(a->rules[0].action.arg.nterms, 2);
	cr_assert_eq(a->rules[0].nnames, 2);
	cr_assert_str_eq(a->rules[0].names[1].name, "kcmp");
	cr_assert_eq(a->rules[0].names[1].pos.line, 6);
	cr_assert_str_eq(a->rules[1].names[0].name, "read", "':' continues too");
	policy_free(a);
}

Test(parser, conditions)
{
	struct policy_ast *a = parse_ok(
		"default allow\n"
		"errno(1): openat if arg2 & O_CREAT | O_EXCL == O_CREAT &&\n"
		"    lo32(arg3) >= 0o600 && arg0 != 5\n"
		"errno(2): read if arg1 < 1 && arg1 <= 2 && arg1 > 3 && arg5 == 0xff\n");
	const struct cond_ast *c = a->rules[0].conds;

	cr_assert_eq(a->rules[0].nconds, 3);
	cr_assert_eq(c[0].arg, 2);
	cr_assert(c[0].has_mask);
	cr_assert_eq(c[0].mask.nterms, 2);
	cr_assert_str_eq(c[0].mask.terms[1].name, "O_EXCL");
	cr_assert_eq(c[0].op, OP_EQ);
	cr_assert_eq(c[1].arg, 3);
	cr_assert(c[1].lo32);
	cr_assert_eq(c[1].op, OP_GE);
	cr_assert_eq(c[1].value.terms[0].num, 0600);
	cr_assert_eq(c[1].pos.line, 3, "&& continues onto the next line");
	cr_assert_eq(c[2].op, OP_NE);
	c = a->rules[1].conds;
	cr_assert_eq(a->rules[1].nconds, 4);
	cr_assert_eq(c[0].op, OP_LT);
	cr_assert_eq(c[1].op, OP_LE);
	cr_assert_eq(c[2].op, OP_GT);
	cr_assert_eq(c[3].arg, 5);
	cr_assert_not(c[3].lo32);
	cr_assert_not(c[3].has_mask);
	policy_free(a);
}

Test(parser, action_mistakes)
{
	parse_fails("default allow\nkill: read\n",
		    "@:2:1: error: 'kill' is ambiguous: write kill-process or kill-thread\n");
	parse_fails("default allow\nerrno: read\n",
		    "@:2:6: error: errno needs a value, e.g. errno(EPERM)\n");
	parse_fails("default allow\ntrace: read\n",
		    "@:2:6: error: trace needs a value, e.g. trace(1)\n");
	parse_fails("default allow\nallow(1): read\n",
		    "@:2:6: error: allow takes no value\n");
	parse_fails("default allow\npermit: read\n",
		    "@:2:1: error: unknown action 'permit' (expected allow, log, kill-process, "
		    "kill-thread, trap, notify, errno(N) or trace(N))\n");
	parse_fails("default allow\nallow read\n",
		    "@:2:7: error: expected ':' after the action, found 'read'\n");
	parse_fails("default errno(EPERM\n",
		    "@:1:20: error: expected ')', found end of line\n");
}

Test(parser, condition_mistakes)
{
	parse_fails("default allow\nallow: read if arg6 == 1\n",
		    "@:2:16: error: 'arg6' is not an argument: syscalls have arg0 to arg5\n");
	parse_fails("default allow\nallow: read if arg0 & 1 < 2\n",
		    "@:2:25: error: a masked argument can only be compared with == or !=\n");
	parse_fails("default allow\nallow: read if lo32 arg0 == 1\n",
		    "@:2:21: error: expected '(' after lo32, found 'arg0'\n");
	parse_fails("default allow\nallow: read if lo32(arg0 == 1\n",
		    "@:2:26: error: expected ')', found '=='\n");
	parse_fails("default allow\nallow: read if arg0 1\n",
		    "@:2:21: error: expected a comparison (== != < <= > >=), found number\n");
	parse_fails("default allow\nallow: if arg0 == 1\n",
		    "@:2:8: error: expected a syscall name before 'if', found 'if'\n");
	parse_fails("default allow\nallow: read write\n",
		    "@:2:13: error: expected the end of the line, found 'write'\n");
	parse_fails("default allow\nallow: read if arg0 == 1 &&\n",
		    "@:3:1: error: expected an argument (arg0 ... arg5, a parameter's name, lo32(...) or arg64(...)), found end of file\n");
}

Test(parser, duplicate_settings)
{
	parse_fails("default allow\non-x32 trap\ndefault allow\non-x32 log\n"
		    "on-bad-arch log\non-bad-arch log\n",
		    "@:3:1: error: 'default' is set twice (first at @:1:9)\n"
		    "@:4:1: error: 'on-x32' is set twice (first at @:2:8)\n"
		    "@:6:1: error: 'on-bad-arch' is set twice (first at @:5:13)\n");
}

Test(parser, missing_default)
{
	parse_fails("allow: read\n",
		    "@:1:1: error: the policy has no 'default' action "
		    "(add e.g. 'default kill-process' or 'default allow')\n");
	parse_fails("",
		    "@:1:1: error: the policy has no 'default' action "
		    "(add e.g. 'default kill-process' or 'default allow')\n");
}

Test(parser, include_paths_are_relative_to_the_including_file)
{
	struct parsed p;
	char want[300];

	put("top.policy", "default allow\ninclude \"sub/a.policy\"\nallow: write\n");
	put("sub/a.policy", "include \"b.policy\"\nerrno(1): read\n");
	put("sub/b.policy", "kill-process: open\n");
	parse("top.policy", &p);
	cr_assert_not_null(p.ast, "%s", p.msgs);
	cr_assert_eq(p.ast->nrules, 3);
	cr_assert_str_eq(p.ast->rules[0].names[0].name, "open", "include order is file order");
	cr_assert_str_eq(p.ast->rules[1].names[0].name, "read");
	cr_assert_str_eq(p.ast->rules[2].names[0].name, "write");
	snprintf(want, sizeof(want), "%s/sub/b.policy", dir);
	cr_assert_str_eq(p.ast->rules[0].pos.file, want, "positions name the included file");
	cr_assert_eq(p.ast->rules[0].pos.line, 1);
	policy_free(p.ast);

	/* Absolute paths are taken as they are. */
	{
		char text[400];

		snprintf(text, sizeof(text), "default allow\ninclude \"%s/sub/b.policy\"\n", dir);
		put("abs.policy", text);
		parse("abs.policy", &p);
		cr_assert_not_null(p.ast, "%s", p.msgs);
		cr_assert_eq(p.ast->nrules, 1);
		policy_free(p.ast);
	}
}

Test(parser, include_cycles_and_missing_files)
{
	struct parsed p;
	char want[1024];

	put("a.policy", "default allow\ninclude \"b.policy\"\n");
	put("b.policy", "allow: read\ninclude \"a.policy\"\n");
	parse("a.policy", &p);
	cr_assert_null(p.ast);
	snprintf(want, sizeof(want),
		 "%s/b.policy:2:9: error: include cycle: '%s/a.policy' includes itself\n", dir, dir);
	cr_assert_str_eq(p.msgs, want);

	put("self.policy", "default allow\ninclude \"self.policy\"\n");
	parse("self.policy", &p);
	cr_assert_null(p.ast);
	snprintf(want, sizeof(want),
		 "%s/self.policy:2:9: error: include cycle: '%s/self.policy' includes itself\n",
		 dir, dir);
	cr_assert_str_eq(p.msgs, want);

	put("miss.policy", "default allow\ninclude \"nope.policy\"\n");
	parse("miss.policy", &p);
	cr_assert_null(p.ast);
	snprintf(want, sizeof(want),
		 "%s/miss.policy:2:9: error: cannot read '%s/nope.policy': No such file or directory\n",
		 dir, dir);
	cr_assert_str_eq(p.msgs, want);

	put("sub/x.policy", "");
	put("dir.policy", "default allow\ninclude \"sub\"\n");
	parse("dir.policy", &p);
	cr_assert_null(p.ast);
	snprintf(want, sizeof(want),
		 "%s/dir.policy:2:9: error: cannot read '%s/sub': Is a directory\n", dir, dir);
	cr_assert_str_eq(p.msgs, want, "regression: a directory used to give EIO");
}

Test(parser, include_depth_limit)
{
	struct parsed p;
	char name[32], text[64], want[512];

	/* d0 includes d1 ... includes d20: more than 16 levels. */
	for (int i = 0; i <= 20; i++) {
		snprintf(name, sizeof(name), "d%d.policy", i);
		snprintf(text, sizeof(text), "%sinclude \"d%d.policy\"\n",
			 i == 0 ? "default allow\n" : "", i + 1);
		put(name, i == 20 ? "allow: read\n" : text);
	}
	parse("d0.policy", &p);
	cr_assert_null(p.ast);
	snprintf(want, sizeof(want),
		 "%s/d16.policy:1:9: error: includes nest deeper than 16 levels\n", dir);
	cr_assert_str_eq(p.msgs, want);

	/* Sixteen levels are fine. */
	put("d16.policy", "allow: read\n");
	parse("d0.policy", &p);
	cr_assert_not_null(p.ast, "%s", p.msgs);
	policy_free(p.ast);
}

Test(parser, error_recovery_reports_every_line)
{
	parse_fails("default allow\n"
		    "allow: read if arg9 == 1\n"
		    "allow: write\n"
		    "errno(): read\n"
		    "kill: open\n"
		    "log: 0600\n",
		    "@:2:16: error: 'arg9' is not an argument: syscalls have arg0 to arg5\n"
		    "@:4:7: error: expected a number or a constant name, found ')'\n"
		    "@:5:1: error: 'kill' is ambiguous: write kill-process or kill-thread\n"
		    "@:6:6: error: numbers may not start with 0; write octal as 0o6...\n");
}

Test(parser, rest_of_a_wrong_line_is_skipped_quietly)
{
	/* Regression: the '.' after a bad include used to give a second
	 * lexer error for the same mistake. */
	parse_fails("default allow\ninclude other.policy = 0600\n",
		    "@:2:9: error: expected a quoted file name after include, found 'other'\n");
	parse_fails("default allow\nallow: read write \"x\\y\n",
		    "@:2:13: error: expected the end of the line, found 'write'\n");
}

Test(parser, error_count_is_capped)
{
	char text[4096] = "default allow\n";
	struct parsed p;
	int lines = 0;

	for (int i = 0; i < 80; i++)
		strcat(text, "bogus\n");
	put("p.policy", text);
	parse("p.policy", &p);
	cr_assert_null(p.ast);
	cr_assert_eq(p.errors, 50, "stops after 50 errors, got %d", p.errors);
	for (const char *s = p.msgs; *s; s++)
		lines += *s == '\n';
	cr_assert_eq(lines, 50);
}
