/* Unit tests of the linter's table (bpfgen/groups.c, twin_sets): every
 * twin is a real syscall of some architecture, and on each target the
 * twins that exist there are what the linter compares. */
#include <criterion/criterion.h>
#include <string.h>

#include "arch/arch.h"
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
