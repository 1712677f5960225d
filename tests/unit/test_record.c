/* syscall-record's recording (tools/record/record.c: ABIs, masks) and its
 * policy writer (policy_out.c: names, conditions, order, merge), without a
 * kernel: calls are fed to record_add as the supervisor would. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "tools/record/policy_out.h"

#define X86 0xc000003eu
#define I386 0x40000003u
#define AARCH64 0xc00000b7u

static uint32_t nr_of(const char *arch, const char *name)
{
	long nr = arch_syscall_nr(arch_by_name(arch), name);

	cr_assert_geq(nr, 0, "%s has no %s", arch, name);
	return (uint32_t)nr;
}

static void call(struct record *r, const char *name, uint64_t a0, uint64_t a1,
		 uint64_t a2)
{
	uint64_t args[6] = { a0, a1, a2, 0, 0, 0 };

	cr_assert_eq(record_add(r, X86, nr_of("x86_64", name), args, 1), 0);
}

/* The policy R gives, as a string (warnings to /dev/null). */
static char *policy(const struct record *r, const char *merge)
{
	const char *header[] = { "test", NULL };
	struct policy_out_opts o = { "test", header, "kill-process", merge };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	FILE *devnull = fopen("/dev/null", "w");

	cr_assert_eq(policy_write(f, r, &o, devnull), 0);
	fclose(f);
	fclose(devnull);
	return buf;
}

static void has(const char *text, const char *want)
{
	cr_assert_not_null(strstr(text, want), "missing \"%s\" in:\n%s", want, text);
}

Test(record, abis_are_told_apart_by_arch_and_x32_bit)
{
	struct record r;

	record_init(&r, 0);
	record_add(&r, X86, 39, NULL, 1);
	record_add(&r, X86, 0x40000000u | 39, NULL, 2);
	record_add(&r, I386, 20, NULL, 1);
	record_add(&r, X86, 0xffffffffu, NULL, 1); /* -1: no x32 call */
	cr_assert_eq(r.nabis, 3);
	cr_assert_str_eq(r.abis[0].arch->name, "x86_64");
	cr_assert_eq(r.abis[0].ncalls, 2);
	cr_assert(r.abis[1].x32);
	cr_assert_eq(r.abis[1].calls[0].nr, 39);
	cr_assert_eq(r.abis[1].calls[0].count, 2);
	cr_assert_null(record_target(&r.abis[1]));
	cr_assert_str_eq(r.abis[2].arch->name, "i386");
	cr_assert_null(record_target(&r.abis[2]));
	char *text = policy(&r, NULL);
	has(text, "allow: getpid                            # 1\n");
	has(text, "# WARNING: 2 calls of the x32 ABI were seen");
	has(text, "this policy's on-x32 action");
	has(text, "#   x32 getpid (39): 2\n");
	has(text, "# WARNING: 1 call of the i386 ABI was seen");
	has(text, "#   i386 getpid (20): 1\n");
	has(text, "# x86_64: syscall number 4294967295 has no name");
	free(text);
	record_free(&r);
}

Test(record, flags_that_do_not_change_the_meaning_are_masked)
{
	struct record r;

	record_init(&r, 1);
	call(&r, "socket", 1, 1 | 02000000 | 04000, 0);  /* CLOEXEC|NONBLOCK */
	call(&r, "socket", 1, 1, 0);
	call(&r, "futex", 0, 128 | 256 | 9, 0);          /* PRIVATE|CLOCK_REALTIME */
	call(&r, "clone", 0x3d0f00 | 17, 0, 0);          /* SIGCHLD */
	call(&r, "mmap", 0, 4096, 1 | 4);                /* PROT_READ|PROT_EXEC */
	call(&r, "mmap", 0, 4096, 3);
	call(&r, "ioctl", 1, 0xffffffff00005401ull, 0);  /* high bits of a 32-bit cmd */
	struct rec_abi *a = &r.abis[0];
	struct rec_call *c = record_find(a, nr_of("x86_64", "socket"));
	cr_assert_eq(c->nvals, 1);
	cr_assert_eq(c->vals[0].v[1], 1);
	cr_assert_eq(c->vals[0].count, 2);
	cr_assert_eq(record_find(a, nr_of("x86_64", "futex"))->vals[0].v[0], 9);
	cr_assert_eq(record_find(a, nr_of("x86_64", "clone"))->vals[0].v[0], 0x3d0f00);
	cr_assert_eq(record_find(a, nr_of("x86_64", "mmap"))->nvals, 2);
	cr_assert_eq(record_find(a, nr_of("x86_64", "ioctl"))->vals[0].v[0], 0x5401);
	record_free(&r);
}

Test(record, argument_rules_use_names_every_target_has)
{
	struct record r;

	record_init(&r, 1);
	call(&r, "socket", 10, 2, 0);
	call(&r, "fcntl", 3, 1, 0);          /* F_GETFD */
	call(&r, "prctl", 15, 0, 0);         /* PR_SET_NAME, not a PR_SET_MM_ value */
	call(&r, "setsockopt", 3, 1, 0);     /* SOL_SOCKET, not IPPROTO_ICMP */
	call(&r, "ioctl", 1, 0x5401, 0);     /* TCGETS */
	call(&r, "ioctl", 1, 0x12345678, 0); /* no name: hex */
	call(&r, "futex", 0, 128 | 9, 0);
	call(&r, "clone", 0x3d0f00 | 17, 0, 0);
	call(&r, "mprotect", 0, 4096, 1);
	call(&r, "personality", 0xffffffff, 0, 0);
	call(&r, "getpid", 0, 0, 0);
	char *text = policy(&r, NULL);
	has(text, "allow: socket if ");
	has(text, " == AF_INET6 && ");
	has(text, " & 0xf == SOCK_DGRAM");
	has(text, " == F_GETFD ");
	has(text, " == PR_SET_NAME ");
	has(text, " == SOL_SOCKET ");
	has(text, " == TCGETS ");
	has(text, " == 0x12345678 ");
	has(text, " & 0xfffffe7f == FUTEX_WAIT_BITSET ");
	has(text, " & 0xffffffffffffff00 == CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|"
		  "CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID");
	has(text, " & PROT_EXEC == 0 ");
	has(text, " == 0xffffffff ");
	has(text, "allow: getpid ");
	/* Sorted by name: fcntl before futex before getpid ... socket. */
	cr_assert(strstr(text, "allow: fcntl") < strstr(text, "allow: futex"));
	cr_assert(strstr(text, "allow: getpid") < strstr(text, "allow: socket"));
	has(text, "\ndefault kill-process\n");
	has(text, "allow: exit, exit_group, rt_sigreturn, restart_syscall\n");
	free(text);
	record_free(&r);
}

Test(record, too_many_values_mean_no_conditions)
{
	struct record r;

	record_init(&r, 1);
	for (int i = 0; i < REC_MAX_VALUES + 5; i++)
		call(&r, "ioctl", 1, 0x1000u + (unsigned)i, 0);
	char *text = policy(&r, NULL);
	has(text, "allow: ioctl                             # 69 (more than 64 distinct "
		  "argument values: no conditions)\n");
	free(text);
	record_free(&r);
}

Test(record, always_allowed_calls_are_not_repeated)
{
	struct record r;

	record_init(&r, 0);
	call(&r, "exit_group", 0, 0, 0);
	call(&r, "rt_sigreturn", 0, 0, 0);
	char *text = policy(&r, NULL);
	cr_assert_null(strstr(text, "allow: exit_group "));
	cr_assert_null(strstr(text, "allow: rt_sigreturn "));
	free(text);
	record_free(&r);
}

Test(record, merge_adds_what_the_default_decides_and_keeps_deny_rules)
{
	char path[] = "/tmp/bpfgen-record-XXXXXX";
	int fd = mkstemp(path);
	const char *old = "# old\ndefault kill-process\n\nallow: read\n"
			  "errno(EPERM): ptrace\n";
	struct record r;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, old, strlen(old)), (ssize_t)strlen(old));
	close(fd);
	record_init(&r, 0);
	call(&r, "read", 0, 0, 0);
	call(&r, "write", 0, 0, 0);
	call(&r, "ptrace", 0, 0, 0);
	char *text = policy(&r, path);
	unlink(path);
	cr_assert_eq(strncmp(text, "# old\ndefault kill-process\n\n# ---- added by test", 47), 0,
		     "%s", text);
	has(text, "allow: write ");
	cr_assert_null(strstr(text, "allow: read "));
	has(text, "# NOT ADDED, a rule below decides it (ptrace on x86_64: errno(1))");
	has(text, "(1 added, 1 left to review) ----\n\nallow: read\nerrno(EPERM): ptrace\n");
	free(text);
	record_free(&r);
}

Test(record, actions_are_checked_for_form)
{
	cr_assert(policy_action_ok("kill-process"));
	cr_assert(policy_action_ok("errno(EPERM)"));
	cr_assert(policy_action_ok("trace(7)"));
	cr_assert_not(policy_action_ok("kill"));
	cr_assert_not(policy_action_ok("errno()"));
	cr_assert_not(policy_action_ok("errno(1) x"));
}

Test(record, clone_has_no_conditions_while_clone3_is_allowed)
{
	struct record r;

	record_init(&r, 1);
	call(&r, "clone", 0x3d0f00 | 17, 0, 0);
	call(&r, "clone3", 0, 88, 0);
	char *text = policy(&r, NULL);
	has(text, "allow: clone                             # 1 (clone3 is allowed too");
	cr_assert_null(strstr(text, "allow: clone if"));
	free(text);
	record_free(&r);
}
