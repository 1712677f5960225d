/* Unit tests of the arch stage: descriptors, the generated syscall tables
 * and the per-architecture constants, through the arch.h lookups. */
#include <criterion/criterion.h>
#include <string.h>

#include "arch/arch.h"

static const struct arch *must(const char *name)
{
	const struct arch *a = arch_by_name(name);
	cr_assert_not_null(a, "architecture %s missing", name);
	return a;
}

static uint64_t constant(const char *arch, const char *name)
{
	uint64_t v = 0;
	cr_assert_eq(arch_constant(must(arch), name, &v), 0, "%s: %s unknown", arch, name);
	return v;
}

/* ---- descriptors ---- */

Test(arch_desc, targets_are_x86_64_then_aarch64)
{
	cr_assert_eq(arch_ntargets, 2);
	cr_assert_str_eq(arch_targets[0]->name, "x86_64");
	cr_assert_str_eq(arch_targets[1]->name, "aarch64");
	cr_assert(arch_targets[0]->compile_target && arch_targets[1]->compile_target);
	cr_assert_not(must("x32")->compile_target);
	cr_assert_not(must("i386")->compile_target);
	cr_assert_not(must("arm")->compile_target);
}

Test(arch_desc, audit_values_and_x32_bit)
{
	cr_assert_eq(must("x86_64")->audit_arch, 0xc000003eu);
	cr_assert_eq(must("x32")->audit_arch, 0xc000003eu);
	cr_assert_eq(must("aarch64")->audit_arch, 0xc00000b7u);
	cr_assert_eq(must("i386")->audit_arch, 0x40000003u);
	cr_assert_eq(must("arm")->audit_arch, 0x40000028u);
	cr_assert_eq(must("x86_64")->x32_bit, 0x40000000u);
	cr_assert_eq(must("x32")->x32_bit, 0x40000000u);
	cr_assert_eq(must("aarch64")->x32_bit, 0u);
	cr_assert_eq(must("i386")->x32_bit, 0u);
	cr_assert_eq(must("arm")->x32_bit, 0u);
}

Test(arch_desc, by_audit)
{
	cr_assert_eq(arch_by_audit(0xc000003eu), must("x86_64"), "x32 shares the token; x86_64 must win");
	cr_assert_eq(arch_by_audit(0xc00000b7u), must("aarch64"));
	cr_assert_eq(arch_by_audit(0x40000003u), must("i386"));
	cr_assert_eq(arch_by_audit(0x40000028u), must("arm"));
	cr_assert_null(arch_by_audit(0));
	cr_assert_null(arch_by_audit(0xc00000f3u)); /* riscv64: not known */
}

Test(arch_desc, by_name_unknown)
{
	cr_assert_null(arch_by_name(""));
	cr_assert_null(arch_by_name("X86_64"));
	cr_assert_null(arch_by_name("riscv64"));
	cr_assert_eq(arch_nknown, 5);
}

/* ---- syscall tables ---- */

Test(arch_syscalls, x86_64_numbers)
{
	const struct arch *a = must("x86_64");
	cr_assert_eq(arch_syscall_nr(a, "read"), 0);
	cr_assert_eq(arch_syscall_nr(a, "open"), 2);
	cr_assert_eq(arch_syscall_nr(a, "openat"), 257);
	cr_assert_eq(arch_syscall_nr(a, "uretprobe"), 335);
	cr_assert_eq(arch_syscall_nr(a, "uprobe"), 336);
	cr_assert_eq(arch_syscall_nr(a, "mseal"), 462);
	cr_assert_eq(arch_syscall_nr(a, "listns"), 470);
	cr_assert_eq(arch_syscall_nr(a, "rseq_slice_yield"), 471);
	/* Reserved names without an implementation stay in the table. */
	cr_assert_eq(arch_syscall_nr(a, "tuxcall"), 184);
	cr_assert_eq(arch_max_nr(a), 471u);
}

Test(arch_syscalls, aarch64_numbers)
{
	const struct arch *a = must("aarch64");
	cr_assert_eq(arch_syscall_nr(a, "io_setup"), 0);
	cr_assert_eq(arch_syscall_nr(a, "openat"), 56);
	cr_assert_eq(arch_syscall_nr(a, "fcntl"), 25);
	cr_assert_eq(arch_syscall_nr(a, "renameat"), 38);
	cr_assert_eq(arch_syscall_nr(a, "getrlimit"), 163);
	cr_assert_eq(arch_syscall_nr(a, "memfd_secret"), 447);
	cr_assert_eq(arch_syscall_nr(a, "rseq_slice_yield"), 471);
	cr_assert_eq(arch_syscall_nr(a, "open"), -1, "aarch64 has no open");
	cr_assert_eq(arch_syscall_nr(a, "fcntl64"), -1, "32-bit ABI only");
	cr_assert_eq(arch_syscall_nr(a, "uprobe"), -1, "x86_64 only");
	cr_assert_eq(arch_max_nr(a), 471u);
}

Test(arch_syscalls, x32_numbers_without_bit)
{
	const struct arch *a = must("x32");
	cr_assert_eq(arch_syscall_nr(a, "read"), 0);
	cr_assert_eq(arch_syscall_nr(a, "rt_sigaction"), 512);
	cr_assert_eq(arch_syscall_nr(a, "execve"), 520);
	cr_assert_eq(arch_syscall_nr(a, "rseq_slice_yield"), 471);
	cr_assert_eq(arch_syscall_nr(a, "uselib"), -1, "64-bit ABI only");
	cr_assert_str_eq(arch_syscall_name(a, 520), "execve");
	cr_assert_null(arch_syscall_name(a, 59), "59 is execve only for the 64 ABI");
	cr_assert_eq(arch_max_nr(a), 547u);
}

Test(arch_syscalls, i386_and_arm_present)
{
	const struct arch *i = must("i386"), *r = must("arm");
	cr_assert_gt(i->nsyscalls, 400);
	cr_assert_gt(r->nsyscalls, 380);
	cr_assert_eq(arch_syscall_nr(i, "open"), 5);
	cr_assert_eq(arch_syscall_nr(i, "socketcall"), 102);
	cr_assert_eq(arch_syscall_nr(i, "memfd_secret"), 447);
	cr_assert_eq(arch_syscall_nr(i, "rseq_slice_yield"), 471);
	cr_assert_eq(arch_syscall_nr(r, "open"), 5);
	cr_assert_eq(arch_syscall_nr(r, "socket"), 281);
	cr_assert_eq(arch_syscall_nr(r, "arm_fadvise64_64"), 270);
	cr_assert_eq(arch_syscall_nr(r, "cacheflush"), 0x0f0002);
	cr_assert_eq(arch_syscall_nr(r, "set_tls"), 0x0f0005);
	cr_assert_eq(arch_syscall_nr(r, "memfd_secret"), -1, "arm never wired 447");
	cr_assert_eq(arch_syscall_nr(r, "socketcall"), -1, "OABI only");
	cr_assert_eq(arch_syscall_nr(r, "rseq_slice_yield"), 471);
}

Test(arch_syscalls, names_by_number)
{
	cr_assert_str_eq(arch_syscall_name(must("x86_64"), 0), "read");
	cr_assert_str_eq(arch_syscall_name(must("x86_64"), 336), "uprobe");
	cr_assert_str_eq(arch_syscall_name(must("x86_64"), 471), "rseq_slice_yield");
	cr_assert_str_eq(arch_syscall_name(must("aarch64"), 56), "openat");
	cr_assert_str_eq(arch_syscall_name(must("aarch64"), 471), "rseq_slice_yield");
	cr_assert_null(arch_syscall_name(must("aarch64"), 336));
	cr_assert_null(arch_syscall_name(must("x86_64"), 472));
	cr_assert_null(arch_syscall_name(must("x86_64"), 0xffffffffu));
	cr_assert_null(arch_syscall_name(must("x86_64"), 0x40000000u), "callers strip the x32 bit");
}

Test(arch_syscalls, unknown_names)
{
	const struct arch *a = must("x86_64");
	cr_assert_eq(arch_syscall_nr(a, ""), -1);
	cr_assert_eq(arch_syscall_nr(a, "nosuchcall"), -1);
	cr_assert_eq(arch_syscall_nr(a, "READ"), -1);
	cr_assert_eq(arch_syscall_nr(a, "read "), -1);
	cr_assert_eq(arch_syscall_nr(a, "zzzz"), -1);
	cr_assert_eq(arch_syscall_nr(a, "_"), -1);
}

/* Every table: sorted by number, no number or name twice, the by-name index
 * is a permutation in strcmp order, and lookups round-trip. */
Test(arch_syscalls, tables_are_consistent)
{
	for (size_t k = 0; k < arch_nknown; k++) {
		const struct arch *a = arch_known[k];
		cr_assert_not_null(a->syscalls_by_name, "%s: no name index", a->name);
		for (size_t i = 1; i < a->nsyscalls; i++)
			cr_assert_lt(a->syscalls[i - 1].nr, a->syscalls[i].nr,
				     "%s: entries %zu/%zu not strictly sorted by nr", a->name, i - 1, i);
		for (size_t i = 1; i < a->nsyscalls; i++) {
			const char *p = a->syscalls[a->syscalls_by_name[i - 1]].name;
			const char *q = a->syscalls[a->syscalls_by_name[i]].name;
			cr_assert_lt(strcmp(p, q), 0, "%s: name index out of order at %s/%s", a->name, p, q);
		}
		for (size_t i = 0; i < a->nsyscalls; i++) {
			const struct syscall_entry *e = &a->syscalls[i];
			cr_assert_eq(arch_syscall_nr(a, e->name), (long)e->nr, "%s: %s", a->name, e->name);
			cr_assert_str_eq(arch_syscall_name(a, e->nr), e->name);
		}
	}
}

Test(arch_syscalls, linear_search_without_index)
{
	static const struct syscall_entry tab[] = { { "b", 1 }, { "a", 7 } };
	const struct arch fake = { .name = "fake", .syscalls = tab, .nsyscalls = 2 };
	cr_assert_eq(arch_syscall_nr(&fake, "a"), 7);
	cr_assert_eq(arch_syscall_nr(&fake, "b"), 1);
	cr_assert_eq(arch_syscall_nr(&fake, "c"), -1);
	cr_assert_eq(arch_max_nr(&fake), 7u);
}

/* ---- constants ---- */

Test(arch_consts, open_flags_differ_per_arch)
{
	cr_assert_eq(constant("x86_64", "O_DIRECTORY"), 0200000);
	cr_assert_eq(constant("aarch64", "O_DIRECTORY"), 040000);
	cr_assert_eq(constant("x86_64", "O_NOFOLLOW"), 0400000);
	cr_assert_eq(constant("aarch64", "O_NOFOLLOW"), 0100000);
	cr_assert_eq(constant("x86_64", "O_DIRECT"), 040000);
	cr_assert_eq(constant("aarch64", "O_DIRECT"), 0200000);
	/* The kernel's values, not glibc's 0. */
	cr_assert_eq(constant("x86_64", "O_LARGEFILE"), 0100000);
	cr_assert_eq(constant("aarch64", "O_LARGEFILE"), 0400000);
	cr_assert_eq(constant("x86_64", "O_CLOEXEC"), 02000000);
	cr_assert_eq(constant("aarch64", "O_CLOEXEC"), 02000000);
	cr_assert_eq(constant("x86_64", "O_TMPFILE"), 020000000 | 0200000);
	cr_assert_eq(constant("aarch64", "O_TMPFILE"), 020000000 | 040000);
}

Test(arch_consts, errno_names_and_aliases)
{
	for (size_t k = 0; k < arch_ntargets; k++) {
		const char *a = arch_targets[k]->name;
		cr_assert_eq(constant(a, "EPERM"), 1);
		cr_assert_eq(constant(a, "EAGAIN"), 11);
		cr_assert_eq(constant(a, "EWOULDBLOCK"), 11);
		cr_assert_eq(constant(a, "EDEADLK"), 35);
		cr_assert_eq(constant(a, "EDEADLOCK"), 35);
		cr_assert_eq(constant(a, "ENOSYS"), 38);
		cr_assert_eq(constant(a, "EOPNOTSUPP"), 95);
		cr_assert_eq(constant(a, "ENOTSUP"), 95);
		cr_assert_eq(constant(a, "EHWPOISON"), 133);
	}
}

Test(arch_consts, common_families)
{
	for (size_t k = 0; k < arch_ntargets; k++) {
		const char *a = arch_targets[k]->name;
		cr_assert_eq(constant(a, "AF_UNIX"), 1);
		cr_assert_eq(constant(a, "AF_INET6"), 10);
		cr_assert_eq(constant(a, "PF_NETLINK"), 16);
		cr_assert_eq(constant(a, "SOCK_STREAM"), 1);
		cr_assert_eq(constant(a, "SOCK_NONBLOCK"), 04000);
		cr_assert_eq(constant(a, "SOCK_CLOEXEC"), 02000000);
		cr_assert_eq(constant(a, "CLONE_NEWUSER"), 0x10000000);
		cr_assert_eq(constant(a, "CLONE_THREAD"), 0x00010000);
		cr_assert_eq(constant(a, "PROT_EXEC"), 4);
		cr_assert_eq(constant(a, "MAP_SHARED"), 1);
		cr_assert_eq(constant(a, "MAP_ANONYMOUS"), 0x20);
		cr_assert_eq(constant(a, "F_SETFL"), 4);
		cr_assert_eq(constant(a, "FD_CLOEXEC"), 1);
		cr_assert_eq(constant(a, "PR_SET_NO_NEW_PRIVS"), 38);
		cr_assert_eq(constant(a, "IPPROTO_TCP"), 6);
		cr_assert_eq(constant(a, "MSG_DONTWAIT"), 0x40);
		cr_assert_eq(constant(a, "SIGSYS"), 31);
		cr_assert_eq(constant(a, "MADV_DONTNEED"), 4);
		cr_assert_eq(constant(a, "S_IFDIR"), 0040000);
		cr_assert_eq(constant(a, "SECCOMP_SET_MODE_FILTER"), 1);
		cr_assert_eq(constant(a, "TIOCGWINSZ"), 0x5413);
		cr_assert_eq(constant(a, "AT_FDCWD"), (uint64_t)(int64_t)-100, "sign-extended");
	}
}

Test(arch_consts, arch_specific_and_unknown)
{
	uint64_t v = 12345;
	cr_assert_eq(constant("x86_64", "MAP_32BIT"), 0x40);
	cr_assert_eq(arch_constant(must("aarch64"), "MAP_32BIT", &v), -1);
	cr_assert_eq(arch_constant(must("x86_64"), "O_NOSUCHFLAG", &v), -1);
	cr_assert_eq(arch_constant(must("x86_64"), "", &v), -1);
	cr_assert_eq(v, 12345u, "*out untouched on failure");
	/* Action encodings live in bpf/seccomp.h only. */
	cr_assert_eq(arch_constant(must("x86_64"), "SECCOMP_RET_KILL_PROCESS", &v), -1);
	/* The 32-bit ABIs take their host's constants. */
	cr_assert_eq(arch_constant(must("i386"), "EPERM", &v), 0);
	cr_assert_eq(v, 1u);
	cr_assert_eq(arch_constant(must("arm"), "O_DIRECTORY", &v), 0);
	cr_assert_eq(v, 040000u, "arm has aarch64's (and its own) O_DIRECTORY");
	cr_assert_eq(arch_constant(must("x32"), "MAP_32BIT", &v), 0);
}

Test(arch_consts, sorted_unique_by_name)
{
	for (size_t k = 0; k < arch_ntargets; k++) {
		const struct arch *a = arch_targets[k];
		cr_assert_gt(a->nconsts, 500, "%s: only %zu constants", a->name, a->nconsts);
		for (size_t i = 1; i < a->nconsts; i++)
			cr_assert_lt(strcmp(a->consts[i - 1].name, a->consts[i].name), 0,
				     "%s: %s / %s", a->name, a->consts[i - 1].name, a->consts[i].name);
		for (size_t i = 0; i < a->nconsts; i++) {
			uint64_t v;
			cr_assert_eq(arch_constant(a, a->consts[i].name, &v), 0);
			cr_assert_eq(v, a->consts[i].value);
		}
	}
}
