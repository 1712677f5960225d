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

Test(lint, every_twin_exists_somewhere)
{
	for (size_t t = 0; t < ntwin_sets; t++) {
		size_t n = 0;

		for (const char *const *m = twin_sets[t].members; *m; m++, n++) {
			int found = 0;

			for (size_t a = 0; a < arch_nknown; a++)
				found |= arch_syscall_nr(arch_known[a], *m) >= 0;
			cr_assert(found, "twin '%s' (%s) is no syscall of any architecture",
				  *m, twin_sets[t].what);
		}
		cr_assert_geq(n, 2, "a twin set needs two members: %s", twin_sets[t].what);
	}
}

static int in_some_set(const char *a, const char *b)
{
	for (size_t t = 0; t < ntwin_sets; t++) {
		int ha = 0, hb = 0;

		for (const char *const *m = twin_sets[t].members; *m; m++) {
			ha |= strcmp(*m, a) == 0;
			hb |= strcmp(*m, b) == 0;
		}
		if (ha && hb)
			return 1;
	}
	return 0;
}

/* The pairs the issue names. */
Test(lint, the_known_bypasses_are_twins)
{
	static const char *const pairs[][2] = {
		{ "open", "openat" }, { "openat", "openat2" }, { "socket", "socketpair" },
		{ "execve", "execveat" }, { "dup2", "dup3" }, { "accept", "accept4" },
		{ "sendfile", "copy_file_range" }, { "sendfile", "splice" },
		{ "pipe", "pipe2" }, { "eventfd", "eventfd2" }, { "signalfd", "signalfd4" },
		{ "renameat", "renameat2" }, { "fchmodat", "fchmodat2" },
		{ "faccessat", "faccessat2" }, { "kill", "tgkill" }, { "kill", "tkill" },
		{ "kill", "pidfd_send_signal" }, { "mount", "fsmount" },
		{ "mount", "move_mount" }, { "mount", "open_tree" },
		{ "mount", "mount_setattr" }, { "sendmsg", "sendmmsg" },
		{ "recvmsg", "recvmmsg" }, { "mmap", "mmap2" }, { "socket", "socketcall" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		cr_assert(in_some_set(pairs[i][0], pairs[i][1]), "%s / %s", pairs[i][0],
			  pairs[i][1]);
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
	cr_assert(strstr(msgs, ":4:1: warning: this rule never applies to write: an earlier "
			 "rule (line 2) decides it first [-Wshadowed]"), "%s", msgs);
	cr_assert(strstr(msgs, ":5:1: warning: this rule never applies: every syscall"), "%s", msgs);
	lint_text("default allow\nerrno(1): read if fd == 1\nerrno(2): read\n", msgs, sizeof(msgs));
	cr_assert_str_eq(msgs, "");
}
