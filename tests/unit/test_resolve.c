/* Unit tests of stage 2, resolve (bpfgen/resolve.c): names and constants
 * per architecture, suggestions, groups, value ranges, lo32, conditions
 * that are always or never true, and log-only. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfgen/resolve.h"
#include "bpf/seccomp.h"

struct result {
	struct resolved *r;     /* NULL on error */
	int errors, warnings;
	char msgs[8192];
	char path[64];
};

static void resolve_text(const char *text, const char *arch_name, int log_only,
			 struct result *out)
{
	struct diag diag = { .out = tmpfile() };
	struct resolve_options opts = { .log_only = log_only };
	const struct arch *arch = arch_by_name(arch_name);
	struct policy_ast *ast;
	size_t got;
	int fd;

	cr_assert_not_null(arch);
	cr_assert_not_null(diag.out);
	strcpy(out->path, "/tmp/bpfgen-resolve-XXXXXX");
	fd = mkstemp(out->path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ast = policy_parse_file(out->path, &diag);
	cr_assert_not_null(ast, "the test policy does not parse");
	out->r = resolve_policy(ast, arch, &opts, &diag);
	policy_free(ast);
	unlink(out->path);
	out->errors = diag.errors;
	out->warnings = diag.warnings;
	rewind(diag.out);
	got = fread(out->msgs, 1, sizeof(out->msgs) - 1, diag.out);
	out->msgs[got] = '\0';
	fclose(diag.out);
	diag_free(&diag);
}

static struct resolved *resolve_ok(const char *text, const char *arch,
				   struct result *res)
{
	resolve_text(text, arch, 0, res);
	cr_assert_not_null(res->r, "resolve failed: %s", res->msgs);
	cr_assert_eq(res->errors, 0);
	return res->r;
}

/* Expects an error whose message (after "PATH:") is WANT. */
static void resolve_fails(const char *text, const char *arch, const char *want)
{
	struct result res;
	char line[1024];

	resolve_text(text, arch, 0, &res);
	cr_assert_null(res.r, "resolved a bad policy on %s: %s", arch, text);
	snprintf(line, sizeof(line), "%s:%s\n", res.path, want);
	cr_assert_str_eq(res.msgs, line);
}

static uint32_t nr_of(const char *arch, const char *name)
{
	long nr = arch_syscall_nr(arch_by_name(arch), name);

	cr_assert_geq(nr, 0, "%s has no %s", arch, name);
	return (uint32_t)nr;
}

Test(resolve, syscall_numbers_per_arch)
{
	struct result a, b;
	const char *text = "default allow\nkill-process: write, read, write\n";

	resolve_ok(text, "x86_64", &a);
	resolve_ok(text, "aarch64", &b);
	cr_assert_eq(a.r->rules[0].nnrs, 2, "duplicates are dropped");
	/* Sorted by number, whatever the order of the names. */
	cr_assert_eq(a.r->rules[0].nrs[0], 0);
	cr_assert_eq(a.r->rules[0].nrs[1], 1);
	cr_assert_eq(b.r->rules[0].nrs[0], nr_of("aarch64", "read"));
	cr_assert_eq(b.r->rules[0].nrs[1], nr_of("aarch64", "write"));
	cr_assert_eq(b.r->rules[0].nrs[0], 63);
	cr_assert_eq(b.r->rules[0].nrs[1], 64);
	cr_assert_eq(a.r->rules[0].action, ACT_KILL_PROCESS);
	cr_assert_eq(a.r->deflt, ACT_ALLOW);
	cr_assert_eq(a.r->bad_arch, ACT_KILL_PROCESS, "fail closed without on-bad-arch");
	cr_assert_eq(a.r->x32, ACT_KILL_PROCESS, "fail closed without on-x32");
	resolved_free(a.r);
	resolved_free(b.r);
}

Test(resolve, syscall_missing_on_one_arch_is_skipped_with_a_note)
{
	struct result res;
	char want[256];

	resolve_ok("default allow\n\nerrno(EPERM): open, openat\n", "aarch64", &res);
	cr_assert_eq(res.r->rules[0].nnrs, 1);
	cr_assert_eq(res.r->rules[0].nrs[0], nr_of("aarch64", "openat"));
	cr_assert_eq(res.r->nnotes, 1);
	snprintf(want, sizeof(want), "open (%s:3) does not exist on aarch64: skipped", res.path);
	cr_assert_str_eq(res.r->notes[0], want);
	cr_assert_eq(res.warnings, 0);
	resolved_free(res.r);

	resolve_ok("default allow\nerrno(EPERM): open, openat\n", "x86_64", &res);
	cr_assert_eq(res.r->rules[0].nnrs, 2);
	cr_assert_eq(res.r->nnotes, 0);
	resolved_free(res.r);
}

Test(resolve, rule_whose_every_name_is_skipped)
{
	/* Regression: sorting the empty list passed NULL to qsort (UBSan). */
	struct result res;

	resolve_ok("default allow\nerrno(EPERM): open\n", "aarch64", &res);
	cr_assert_eq(res.r->nrules, 1);
	cr_assert_eq(res.r->rules[0].nnrs, 0);
	cr_assert_eq(res.r->nnotes, 1);
	cr_assert_eq(res.warnings, 0, "not a dead rule on aarch64: %s", res.msgs);
	resolved_free(res.r);
}

Test(resolve, unknown_names_and_suggestions)
{
	resolve_fails("default allow\nallow: read, sokcet\n", "x86_64",
		      "2:14: error: unknown syscall 'sokcet'; did you mean 'socket'?");
	resolve_fails("default allow\nallow: xyzzyplugh\n", "x86_64",
		      "2:8: error: unknown syscall 'xyzzyplugh'");
	resolve_fails("default allow\nallow: @netwrok\n", "x86_64",
		      "2:8: error: unknown group '@netwrok'; did you mean '@network'?");
	resolve_fails("default allow\nallow: @qqqqqqqq\n", "x86_64",
		      "2:8: error: unknown group '@qqqqqqqq' (see bpfgen --list-groups)");
	resolve_fails("default errno(EPERMM)\n", "x86_64",
		      "1:15: error: unknown constant 'EPERMM'; did you mean 'EPERM'?");
	resolve_fails("default allow\nallow: read if arg0 == NOT_A_THING_AT_ALL\n", "aarch64",
		      "2:24: error: unknown constant 'NOT_A_THING_AT_ALL'");
}

Test(resolve, constants_defined_on_the_other_arch)
{
	struct result res;

	resolve_fails("default allow\nallow: mmap if arg3 & MAP_32BIT == 0\n", "aarch64",
		      "2:23: error: constant 'MAP_32BIT' is defined on x86_64 but not on aarch64");
	resolve_ok("default allow\nallow: mmap if arg3 & MAP_32BIT == 0\n", "x86_64", &res);
	resolved_free(res.r);
}

Test(resolve, constants_take_each_arch_value)
{
	const char *text = "default allow\nerrno(ENOENT): openat if arg2 & O_DIRECTORY | O_CREAT == O_DIRECTORY\n";
	struct result a, b;

	resolve_ok(text, "x86_64", &a);
	resolve_ok(text, "aarch64", &b);
	cr_assert_eq(a.r->rules[0].conds[0].mask, 0x10000u | 0100u);
	cr_assert_eq(a.r->rules[0].conds[0].value, 0x10000u);
	cr_assert_eq(b.r->rules[0].conds[0].mask, 0x4000u | 0100u);
	cr_assert_eq(b.r->rules[0].conds[0].value, 0x4000u);
	cr_assert_eq(a.r->rules[0].action, ACT_ERRNO | 2u);
	resolved_free(a.r);
	resolved_free(b.r);
}

Test(resolve, groups_expand_to_members_present_on_the_arch)
{
	struct result res;

	resolve_ok("default allow\nkill-process: @io_uring, io_uring_setup\n", "x86_64", &res);
	cr_assert_eq(res.r->rules[0].nnrs, 3);
	cr_assert_eq(res.r->rules[0].nrs[0], nr_of("x86_64", "io_uring_setup"));
	cr_assert_eq(res.r->rules[0].nrs[2], nr_of("x86_64", "io_uring_register"));
	resolved_free(res.r);
}

Test(resolve, action_value_ranges)
{
	struct result res;

	resolve_ok("default errno(4095)\non-bad-arch trace(65535)\non-x32 trap(65535)\n",
		   "x86_64", &res);
	cr_assert_eq(res.r->deflt, ACT_ERRNO | 4095u);
	cr_assert_eq(res.r->bad_arch, ACT_TRACE | 0xffffu);
	cr_assert_eq(res.r->x32, ACT_TRAP | 0xffffu);
	resolved_free(res.r);
	resolve_fails("default errno(4096)\n", "x86_64",
		      "1:15: error: errno value 4096 is out of range (0..4095)");
	resolve_fails("default allow\ntrace(0x10000): read\n", "x86_64",
		      "2:7: error: trace value 65536 is out of range (0..65535)");
	resolve_fails("default allow\ntrap(0x1_0000_0000): read\n", "x86_64",
		      "2:6: error: trap value 4294967296 is out of range (0..65535)");
}

Test(resolve, lo32_values_must_fit_in_32_bits)
{
	struct result res;

	resolve_fails("default allow\nallow: read if lo32(arg1) == 0x100000000\n", "x86_64",
		      "2:30: error: lo32(arg1) compares the low 32 bits; 0x100000000 does not fit");
	resolve_fails("default allow\nallow: read if lo32(arg1) & 0x1ffffffff == 1\n", "x86_64",
		      "2:29: error: lo32(arg1) compares the low 32 bits; 0x1ffffffff does not fit");
	resolve_ok("default allow\nallow: read if lo32(arg1) == 0xffffffff\n", "x86_64", &res);
	cr_assert(res.r->rules[0].conds[0].lo32);
	cr_assert_eq(res.r->rules[0].conds[0].mask, 0xffffffffu, "no mask: all 32 bits");
	resolved_free(res.r);
	resolve_ok("default allow\nallow: read if arg1 == 0x100000000\n", "x86_64", &res);
	cr_assert_eq(res.r->rules[0].conds[0].mask, UINT64_MAX, "no mask: all 64 bits");
	resolved_free(res.r);
}

Test(resolve, always_true_conditions_are_dropped_with_a_warning)
{
	struct result res;
	char want[512];

	resolve_ok("default allow\nerrno(1): read if arg0 >= 0 && arg2 == 3\n"
		   "errno(2): write if arg0 <= 0xffffffffffffffff\n"
		   "errno(3): close if lo32(arg0) <= 0xffffffff\n"
		   "errno(4): dup if arg0 & 4 != 8\n", "x86_64", &res);
	cr_assert_eq(res.r->rules[0].nconds, 1);
	cr_assert_eq(res.r->rules[0].conds[0].arg, 2);
	cr_assert_eq(res.r->rules[1].nconds, 0, "an always-true rule is unconditional");
	cr_assert_eq(res.r->rules[2].nconds, 0);
	cr_assert_eq(res.r->rules[3].nconds, 0);
	cr_assert_eq(res.warnings, 4);
	snprintf(want, sizeof(want), "%s:2:19: warning: this condition is always true; it is ignored [-Walways]\n",
		 res.path);
	cr_assert(strncmp(res.msgs, want, strlen(want)) == 0, "%s", res.msgs);
	resolved_free(res.r);
}

Test(resolve, never_true_conditions_mark_the_rule_dead)
{
	struct result res;
	char want[1024];

	resolve_ok("default allow\nerrno(1): read if arg0 < 0\n"
		   "errno(2): write if arg0 > 0xffffffffffffffff\n"
		   "errno(3): close if arg0 & 4 == 8\n"
		   "errno(4): dup if lo32(arg2) > 0xffffffff\n"
		   "errno(5): dup2 if arg64(arg2) == 7\n", "x86_64", &res);
	for (int i = 0; i < 4; i++)
		cr_assert(res.r->rules[i].never, "rule %d can never apply", i);
	cr_assert_not(res.r->rules[4].never);
	snprintf(want, sizeof(want),
		 "%s:2:19: warning: this condition can never be true; the rule never applies [-Wnever]\n", res.path);
	cr_assert(strncmp(res.msgs, want, strlen(want)) == 0, "%s", res.msgs);
	cr_assert_eq(res.warnings, 4);
	resolved_free(res.r);
}

Test(resolve, log_only_turns_everything_but_allow_into_log)
{
	struct result res;

	resolve_text("default kill-process\non-bad-arch kill-thread\n"
		     "allow: read\nerrno(EPERM): write\ntrace(1): close\n", "x86_64", 1, &res);
	cr_assert_not_null(res.r, "%s", res.msgs);
	cr_assert_eq(res.r->deflt, ACT_LOG);
	cr_assert_eq(res.r->bad_arch, ACT_LOG);
	cr_assert_eq(res.r->x32, ACT_LOG, "the fail-closed x32 default is logged too");
	cr_assert_eq(res.r->rules[0].action, ACT_ALLOW);
	cr_assert_eq(res.r->rules[1].action, ACT_LOG);
	cr_assert_eq(res.r->rules[2].action, ACT_LOG);
	cr_assert_eq(res.r->nnotes, 1);
	cr_assert(strstr(res.r->notes[0], "this filter blocks nothing") != NULL, "%s",
		  res.r->notes[0]);
	resolved_free(res.r);
}

Test(resolve, every_error_is_reported)
{
	struct result res;

	resolve_text("default errno(NOPE)\nallow: sokcet\nallow: read if arg0 == NADA\n",
		     "x86_64", 0, &res);
	cr_assert_null(res.r);
	cr_assert_eq(res.errors, 3, "%s", res.msgs);
}
