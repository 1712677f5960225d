/* Unit tests of typed compares (bpfgen/resolve.c with bpfgen/argtests.c):
 * a condition on a parameter means what C means for the parameter's
 * declared type — the kernel casts the 64-bit register to that type — so
 * each compiled program is run in the emulator against a model that does
 * exactly that cast, over values with garbage in the unused bits. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/types.h"
#include "bpfgen/compile.h"
#include "bpf/seccomp.h"
#include "bpf/sim.h"

struct compiled {
	struct program prog;
	int rc;
	char msgs[4096];
};

static void compile_text(const char *text, const struct arch *arch, struct compiled *c)
{
	struct compile_options opts = { 0 };
	char path[64] = "/tmp/bpfgen-typed-XXXXXX";
	FILE *diag = tmpfile();
	size_t got;
	int fd = mkstemp(path);

	cr_assert_not_null(diag);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	c->rc = compile_policy_file(path, arch, &opts, &c->prog, diag);
	unlink(path);
	rewind(diag);
	got = fread(c->msgs, 1, sizeof(c->msgs) - 1, diag);
	c->msgs[got] = '\0';
	fclose(diag);
}

enum { EQ, NE, LT, LE, GT, GE, NOPS };
static const char *const op_text[NOPS] = { "==", "!=", "<", "<=", ">", ">=" };

/* The parameter's value as the kernel sees it, widened for comparing. */
static int64_t as_signed(uint64_t x, int width)
{
	if (width == 16)
		return (int16_t)x;
	if (width == 32)
		return (int32_t)x;
	return (int64_t)x;
}

static uint64_t as_unsigned(uint64_t x, int width)
{
	return width == 64 ? x : x & ((UINT64_C(1) << width) - 1);
}

static int model(int op, uint64_t reg, uint64_t value, int width, int is_signed)
{
	if (is_signed) {
		int64_t a = as_signed(reg, width), b = as_signed(value, width);

		switch (op) {
		case EQ: return a == b;
		case NE: return a != b;
		case LT: return a < b;
		case LE: return a <= b;
		case GT: return a > b;
		default: return a >= b;
		}
	} else {
		uint64_t a = as_unsigned(reg, width), b = as_unsigned(value, width);

		switch (op) {
		case EQ: return a == b;
		case NE: return a != b;
		case LT: return a < b;
		case LE: return a <= b;
		case GT: return a > b;
		default: return a >= b;
		}
	}
}

/* Values around every edge of 16, 32 and 64-bit signed and unsigned. */
static const uint64_t edges[] = {
	0, 1, 2, 5, 100, 0x7ffe, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff,
	0x10000, 0x12345, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001,
	0xfffffffe, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
	0x8000000000000000, 0xffffffffffffff9c, 0xfffffffffffffffe,
	0xffffffffffffffff,
};
#define NEDGES (sizeof(edges) / sizeof(edges[0]))

static const uint64_t garbage[] = {
	0, 0xffffffff00000000, 0x100000000, 0xdead0000beef0000, 0xffffffffffff0000,
	0x10000,
};

/* The value as a policy would write it for this type, or 0 when the type
 * cannot hold it (the compiler must then refuse it). */
static int writable(uint64_t v, int width)
{
	uint64_t m = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;

	return (v & ~m) == 0 || ((v | m) == UINT64_MAX && (v & ((m >> 1) + 1)));
}

static void check_param(const char *arch_name, const char *sys, const char *param)
{
	const struct arch *arch = arch_by_name(arch_name);
	const struct syscall_proto *p = arch_syscall_proto(arch, sys);
	int k, checked = 0;

	cr_assert_not_null(p, "%s has no %s", arch_name, sys);
	cr_assert(p->known, "%s: types of %s unknown", arch_name, sys);
	k = syscall_param_index(p, param);
	cr_assert_geq(k, 0, "%s has no parameter %s", sys, param);
	for (int op = 0; op < NOPS; op++)
		for (size_t vi = 0; vi < NEDGES; vi++) {
			const struct syscall_param *sp = &p->params[k];
			uint64_t v = edges[vi];
			char text[256];
			struct compiled c;

			snprintf(text, sizeof(text), "default allow\nerrno(1): %s if %s %s %#llx\n",
				 sys, param, op_text[op], (unsigned long long)v);
			compile_text(text, arch, &c);
			if (!writable(v, sp->width)) {
				cr_assert_neq(c.rc, 0, "%s: accepted %s", arch_name, text);
				cr_assert(strstr(c.msgs, "does not fit"), "%s", c.msgs);
				continue;
			}
			cr_assert_eq(c.rc, 0, "%s: %s: %s", arch_name, text, c.msgs);
			for (size_t xi = 0; xi < NEDGES; xi++)
				for (size_t gi = 0; gi < sizeof(garbage) / sizeof(garbage[0]); gi++) {
					struct sim_data d = { .arch = arch->audit_arch };
					uint64_t x = edges[xi];
					uint32_t want, got;

					if (sp->width < 64)
						x = as_unsigned(x, sp->width) |
						    (garbage[gi] & ~as_unsigned(UINT64_MAX, sp->width));
					else if (gi > 0)
						continue;
					d.nr = (uint32_t)arch_syscall_nr(arch, sys);
					d.args[k] = x;
					want = model(op, x, v, sp->width, sp->is_signed)
					       ? ACT_ERRNO | 1 : ACT_ALLOW;
					got = sim_run(c.prog.insns, c.prog.len, &d, NULL);
					cr_assert_eq(got, want, "%s: %s %s %s %#llx with %s = %#llx: "
						     "got %#x, want %#x", arch_name, sys, param,
						     op_text[op], (unsigned long long)v, param,
						     (unsigned long long)x, got, want);
					checked++;
				}
			program_free(&c.prog);
		}
	cr_assert_gt(checked, 1000);
}

Test(typed, unsigned_32_bit_ioctl_cmd)
{
	check_param("x86_64", "ioctl", "cmd");
	check_param("aarch64", "ioctl", "cmd");
}

Test(typed, signed_32_bit_openat_dfd)
{
	check_param("x86_64", "openat", "dfd");
	check_param("aarch64", "openat", "dfd");
}

Test(typed, unsigned_16_bit_fchmodat_mode)
{
	check_param("x86_64", "fchmodat", "mode");
	check_param("aarch64", "fchmodat", "mode");
}

Test(typed, signed_64_bit_lseek_offset)
{
	check_param("x86_64", "lseek", "offset");
	check_param("aarch64", "lseek", "offset");
}

Test(typed, unsigned_64_bit_mmap_len)
{
	check_param("x86_64", "mmap", "len");
	check_param("aarch64", "mmap", "len");
}

/* A masked compare on a 16-bit parameter sees only its 16 bits: the
 * deny rule on S_ISUID is not bypassed by mode | 0x10000. */
Test(typed, masked_16_bit_mode_holds_against_high_bits)
{
	const struct arch *arch = arch_by_name("x86_64");
	struct compiled c;
	struct sim_data d = { .arch = arch->audit_arch };

	compile_text("default allow\nerrno(1): fchmodat if mode & S_ISUID == S_ISUID\n", arch, &c);
	cr_assert_eq(c.rc, 0, "%s", c.msgs);
	d.nr = (uint32_t)arch_syscall_nr(arch, "fchmodat");
	d.args[2] = 0x10800;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ERRNO | 1);
	d.args[2] = 0xffffffff00000800;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ERRNO | 1);
	d.args[2] = 0x10000;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ALLOW);
	program_free(&c.prog);
}

/* arg64() keeps the whole register; lo32() the low word, unsigned. */
Test(typed, arg64_and_lo32_override_the_type)
{
	const struct arch *arch = arch_by_name("x86_64");
	struct compiled c;
	struct sim_data d = { .arch = arch->audit_arch };

	compile_text("default allow\nerrno(1): ioctl if arg64(cmd) == 0x5412\n"
		     "errno(2): openat if lo32(dfd) < 5\n", arch, &c);
	cr_assert_eq(c.rc, 0, "%s", c.msgs);
	d.nr = (uint32_t)arch_syscall_nr(arch, "ioctl");
	d.args[1] = 0x100005412;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ALLOW);
	d.args[1] = 0x5412;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ERRNO | 1);
	d.nr = (uint32_t)arch_syscall_nr(arch, "openat");
	d.args[0] = 0xffffff9c;       /* AT_FDCWD: unsigned, not below 5 */
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ALLOW);
	d.args[0] = 0xffffffff00000003;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ERRNO | 2);
	program_free(&c.prog);
}

/* Syscalls of one rule with different types get one rule each. */
Test(typed, one_rule_over_syscalls_of_different_types)
{
	const struct arch *arch = arch_by_name("x86_64");
	struct compiled c;
	struct sim_data d = { .arch = arch->audit_arch };

	/* read's fd is unsigned int, lseek's... also; dup's oldfd too; but
	 * mmap's arg4 (fd) is unsigned long and openat's arg0 an int. */
	compile_text("default allow\nerrno(1): openat, mmap if arg0 < 1\n", arch, &c);
	cr_assert_eq(c.rc, 0, "%s", c.msgs);
	d.nr = (uint32_t)arch_syscall_nr(arch, "openat");
	d.args[0] = 0xffffff9c;               /* -100 < 1 */
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ERRNO | 1);
	d.nr = (uint32_t)arch_syscall_nr(arch, "mmap");
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ALLOW);
	d.args[0] = 0;
	cr_assert_eq(sim_run(c.prog.insns, c.prog.len, &d, NULL), ACT_ERRNO | 1);
	program_free(&c.prog);
}

Test(typed, errors_say_what_is_wrong)
{
	const struct arch *arch = arch_by_name("x86_64");
	struct compiled c;

	compile_text("default allow\nkill-process: ioctl if cmd == 0x100005412\n", arch, &c);
	cr_assert_neq(c.rc, 0);
	cr_assert(strstr(c.msgs, ":2:31: error: 0x100005412 does not fit ioctl's parameter "
			 "'cmd' (unsigned int, 32 bits)"), "%s", c.msgs);
	compile_text("default allow\nkill-process: ioctl if command == 1\n", arch, &c);
	cr_assert_neq(c.rc, 0);
	cr_assert(strstr(c.msgs, ":2:24: error: ioctl has no parameter 'command' "
			 "(its parameters: fd, cmd, arg)"), "%s", c.msgs);
	compile_text("default allow\nkill-process: getpid if arg0 == 1\n", arch, &c);
	cr_assert_eq(c.rc, 0, "%s", c.msgs);
	cr_assert(strstr(c.msgs, "warning: getpid takes 0 parameters (none): the kernel "
			 "never reads arg0"), "%s", c.msgs);
	program_free(&c.prog);
	compile_text("default allow\nkill-process: fchmodat if mode & 0x10000 == 0\n", arch, &c);
	cr_assert_neq(c.rc, 0);
	cr_assert(strstr(c.msgs, "mask 0x10000 does not fit fchmodat's parameter 'mode' "
			 "(umode_t, 16 bits)"), "%s", c.msgs);
}
