/* Unit tests of the linter's table (bpfgen/groups.c, twin_sets): every
 * twin is a real syscall of some architecture, and on each target the
 * twins that exist there are what the linter compares. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "bpfgen/compile.h"
#include "bpfgen/groups.h"
#include "bpfgen/policy.h"

static int exists_on(const char *name, const struct arch *const *archs, size_t n)
{
	for (size_t a = 0; a < n; a++)
		if (arch_syscall_nr(archs[a], name) >= 0)
			return 1;
	return 0;
}

Test(lint, every_twin_exists_somewhere)
{
	for (size_t t = 0; t < ntwin_sets; t++) {
		const struct twin_set *s = &twin_sets[t];
		size_t n = 0, on_target = 0, hub = 0;

		for (const struct twin *m = s->members; m->name; m++, n++) {
			cr_assert(exists_on(m->name, arch_known, arch_nknown),
				  "twin '%s' (%s) is no syscall of any architecture",
				  m->name, s->what);
			on_target += exists_on(m->name, arch_targets, arch_ntargets);
			hub += s->hub && strcmp(m->name, s->hub) == 0;
			for (const struct twin *o = s->members; o != m; o++)
				cr_assert_str_neq(o->name, m->name, "%s twice in '%s'",
						  m->name, s->what);
		}
		cr_assert_geq(n, 2, "a twin set needs two members: %s", s->what);
		cr_assert_eq(hub, s->hub ? 1u : 0u, "the hub of '%s' is a member", s->what);
		/* A set of the 32-bit ABIs has a member no target has; the
		 * others have two members on some target. */
		if (s->flags & TWINS_ABI32)
			cr_assert_lt(on_target, n, "'%s' is flagged 32-bit", s->what);
		else
			cr_assert_geq(on_target, 2, "'%s' is not flagged 32-bit", s->what);
	}
}

/* The 32-bit sets: each has its members on i386 or arm. */
Test(lint, abi32_twins_exist_on_i386_or_arm)
{
	const struct arch *abi32[] = { arch_by_name("i386"), arch_by_name("arm") };

	for (size_t t = 0; t < ntwin_sets; t++) {
		const struct twin_set *s = &twin_sets[t];
		size_t n = 0;

		if (!(s->flags & TWINS_ABI32))
			continue;
		for (const struct twin *m = s->members; m->name; m++)
			n += exists_on(m->name, abi32, 2);
		cr_assert_geq(n, 2, "'%s'", s->what);
	}
}

static int in_some_set(const char *a, const char *b)
{
	for (size_t t = 0; t < ntwin_sets; t++)
		if (twin_of(&twin_sets[t], a, b))
			return 1;
	return 0;
}

/* twin_of: symmetric; never a syscall with itself; through a hub only
 * with the hub. */
Test(lint, twin_relation)
{
	cr_assert(in_some_set("openat", "open") && in_some_set("open", "openat"));
	cr_assert(!in_some_set("open", "open"));
	cr_assert(!in_some_set("read", "write"));
	cr_assert(in_some_set("socketcall", "recvfrom"));
	cr_assert(!in_some_set("bind", "recvfrom"), "socket calls are twins of socketcall only");
	cr_assert(!in_some_set("socketcall", "socketcall"));
}

/* aarch64 has none of the old calls: the table still gives it twins. */
Test(lint, aarch64_keeps_the_new_twins)
{
	const struct arch *a = arch_by_name("aarch64");

	cr_assert_lt(arch_syscall_nr(a, "open"), 0);
	cr_assert_geq(arch_syscall_nr(a, "openat2"), 0);
	cr_assert(in_some_set("openat", "openat2"));
}

/* -Wshadowed: whole rules and parts of rules an earlier unconditional
 * rule decides; an earlier conditional rule leaves later ones alive. */
static void lint_text(const char *text, char *msgs, size_t size)
{
	struct compile_options opts = { 0 };
	struct program prog;
	char path[64] = "/tmp/bpfgen-lint-XXXXXX";
	FILE *diag = tmpfile();
	int fd = mkstemp(path);
	size_t got;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(compile_policy_file(path, arch_by_name("x86_64"), &opts, &prog, diag), 0);
	program_free(&prog);
	unlink(path);
	rewind(diag);
	got = fread(msgs, 1, size - 1, diag);
	msgs[got] = '\0';
	fclose(diag);
}

Test(lint, shadowed_rules)
{
	char msgs[4096];

	lint_text("default allow\nkill-process: read, write\n"
		  "errno(1): read\n"           /* dead: read decided above */
		  "errno(2): write, close\n"   /* live through close */
		  "errno(3): read if fd == 1\n", msgs, sizeof(msgs));
	cr_assert(strstr(msgs, ":3:1: warning: this rule never applies: every syscall it "
			 "names is decided by an earlier rule (line 2) [-Wshadowed]"), "%s", msgs);
	cr_assert(strstr(msgs, ":4:11: warning: this rule never applies to write: an earlier "
			 "rule (line 2) decides it first [-Wshadowed]"), "%s", msgs);
	cr_assert(strstr(msgs, ":5:1: warning: this rule never applies: every syscall"), "%s", msgs);
	lint_text("default allow\nerrno(1): read if fd == 1\nerrno(2): read\n", msgs, sizeof(msgs));
	cr_assert_str_eq(msgs, "");
}

/* Compile TEXT for both targets at once, as bpfgen does: returns
 * compile_policies' result, the messages in MSGS. */
static int lint_both(const char *text, int werror, char *msgs, size_t size)
{
	struct compile_options opts = { 0 };
	struct program progs[2];
	char path[64] = "/tmp/bpfgen-lint-XXXXXX";
	FILE *out = tmpfile();
	struct diag diag = { .out = out, .werror = werror };
	struct policy_ast *ast;
	int fd = mkstemp(path), rc;
	size_t got;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ast = policy_parse_file(path, &diag);
	cr_assert_not_null(ast);
	rc = compile_policies(ast, arch_targets, arch_ntargets, &opts, progs, &diag);
	for (size_t i = 0; i < arch_ntargets; i++) {
		if (rc < 0)
			cr_assert_eq(progs[i].len, 0, "nothing compiled after an error");
		program_free(&progs[i]);
	}
	policy_free(ast);
	diag_free(&diag);
	unlink(path);
	fflush(out);
	rewind(out);
	got = fread(msgs, 1, size - 1, out);
	msgs[got] = '\0';
	fclose(out);
	return rc;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* aarch64 has neither open nor creat: its finding is part of x86_64's,
 * and the two are one warning naming every twin. */
Test(lint, one_twin_warning_for_both_targets)
{
	char msgs[4096];

	cr_assert_eq(lint_both("default allow\nkill-process: openat\n", 0, msgs,
			       sizeof(msgs)), 0);
	cr_assert_eq(count(msgs, "[-Wtwin]"), 1, "%s", msgs);
	cr_assert(strstr(msgs, ":2:15: warning: openat is denied, but open, openat2, creat "
			 "are allowed and can open a file as well"), "%s", msgs);
	cr_assert(strstr(msgs, ":2:15: note: fix-it: deny them together: "
			 "'kill-process: open, openat, openat2, creat'"), "%s", msgs);
}

/* Dead on aarch64 (time is x86_64's), partly on x86_64: one warning. */
Test(lint, one_shadowed_warning_for_both_targets)
{
	char msgs[4096];

	cr_assert_eq(lint_both("default allow\nallow: read\nerrno(1): read, time\n",
			       0, msgs, sizeof(msgs)), 0);
	cr_assert_eq(count(msgs, "[-Wshadowed]"), 1, "%s", msgs);
	cr_assert(strstr(msgs, ":3:11: warning: this rule never applies to read: an earlier "
			 "rule (line 2) decides it first"), "%s", msgs);
}

/* Conditions: an earlier rule whose conditions are among a later rule's
 * matches first; one with a condition the later lacks does not. */
Test(lint, shadowed_by_conditions)
{
	char msgs[4096];

	lint_text("default allow\n"
		  "allow: ioctl if cmd == TCGETS\n"
		  "errno(1): ioctl if fd == 3 && cmd == TCGETS\n"   /* dead */
		  "errno(2): ioctl if cmd == TCGETS\n"              /* dead */
		  "errno(3): ioctl if cmd == TIOCSTI\n"
		  "allow: fcntl if cmd == F_GETFD && fd == 0\n"
		  "errno(4): fcntl if cmd == F_GETFD\n"
		  "errno(5): fcntl if fd == 0 && cmd == F_GETFD && arg2 == 1\n", /* dead */
		  msgs, sizeof(msgs));
	cr_assert(strstr(msgs, ":3:1: warning: this rule never applies"), "%s", msgs);
	cr_assert(strstr(msgs, ":4:1: warning: this rule never applies"), "%s", msgs);
	cr_assert(strstr(msgs, ":8:1: warning: this rule never applies: every syscall it "
			 "names is decided by an earlier rule (line 6)"), "%s", msgs);
	cr_assert_eq(count(msgs, "[-Wshadowed]"), 3, "%s", msgs);
}

/* A rule of many conditions is compared as a whole: no 2^N subsets. */
Test(lint, shadowed_by_the_same_long_rule)
{
	char msgs[4096];
	const char *conds = "fd == 1 && cmd == 2 && arg2 == 3 && arg2 != 4 && "
			    "arg2 != 5 && arg2 != 6 && arg2 != 7 && arg2 != 8";
	char text[1024];

	snprintf(text, sizeof(text), "default allow\nerrno(1): ioctl if %s\n"
		 "errno(2): ioctl if %s\n", conds, conds);
	lint_text(text, msgs, sizeof(msgs));
	cr_assert(strstr(msgs, ":3:1: warning: this rule never applies"), "%s", msgs);
}

/* -Werror: the warnings become errors, printed once, and nothing is
 * compiled. */
Test(lint, werror_compiles_nothing)
{
	char msgs[4096];

	cr_assert_eq(lint_both("default allow\nkill-process: openat\n", 1, msgs,
			       sizeof(msgs)), -1);
	cr_assert_eq(count(msgs, "error: openat is denied"), 1, "%s", msgs);
	cr_assert_eq(count(msgs, "[-Werror=twin]"), 1, "%s", msgs);
}

/* Conditional denies: twins taking the same parameters, or opaque ones,
 * walk around them; a twin without the parameter does not, nor does
 * socketpair around a rule on socket's family. */
Test(lint, conditional_twins)
{
	char msgs[4096];

	lint_text("default allow\n"
		  "errno(1): dup2 if newfd == 2\n"
		  "errno(2): pipe2 if flags == 0\n"
		  "errno(3): socket if family == AF_INET\n"
		  "errno(4): @io_uring\n", msgs, sizeof(msgs));
	cr_assert(strstr(msgs, ":2:11: warning: dup2 is denied under these conditions, "
			 "but dup3 is allowed"), "%s", msgs);
	cr_assert(strstr(msgs, ":2:11: note: fix-it: give dup3 a rule with the same "
			 "conditions"), "%s", msgs);
	cr_assert_eq(count(msgs, "[-Wtwin]"), 1, "%s", msgs);
}
