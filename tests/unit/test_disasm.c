/* Unit tests of the listing stage (bpf/disasm.c), of its inverse, the
 * assembler (bpf/asm.c), of the C header reader and of --dot. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/disasm.h"
#include "bpf/seccomp.h"
#include "bpf/asm.h"
#include "bpf/asm_dot.h"
#include "bpf/header_read.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct arch *x86(void)
{
	const struct arch *a = arch_by_name("x86_64");

	cr_assert_not_null(a, "arch table has no x86_64");
	return a;
}

static const char *plain(struct sock_filter f, size_t i)
{
	static char buf[128];  /* test-only scratch */

	disasm_insn_plain(&f, i, buf, sizeof(buf));
	return buf;
}

static void expect_plain(struct sock_filter f, size_t i, const char *want)
{
	cr_expect_str_eq(plain(f, i), want, "code 0x%x jt %u jf %u k 0x%x",
			 f.code, f.jt, f.jf, f.k);
}

Test(disasm_text, loads_and_stores)
{
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR), 0, "ld [nr]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARCH), 0, "ld [arch]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARG_HI(2)), 0, "ld [arg2.hi]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_IP_LO), 0, "ld [ip.lo]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0x41), 0, "ld [0x41]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_SIZE), 0, "ld [0x40]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2), 0, "ldh [0x2]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 3), 0, "ldb [x+0x3]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, 0x29), 0, "ld #0x29");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_MEM, 3), 0, "ld M[3]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), 0, "ld len");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 5), 0, "ldx #0x5");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LDX | BPF_MEM, 15), 0, "ldx M[15]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), 0, "ldx len");
	expect_plain((struct sock_filter)BPF_STMT(BPF_ST, 1), 0, "st M[1]");
	expect_plain((struct sock_filter)BPF_STMT(BPF_STX, 2), 0, "stx M[2]");
}

Test(disasm_text, alu_and_misc)
{
	expect_plain((struct sock_filter)BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1), 0, "add #0x1");
	expect_plain((struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_X, 0), 0, "and x");
	expect_plain((struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 7), 0, "mod #0x7");
	expect_plain((struct sock_filter)BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 0xff), 0, "xor #0xff");
	expect_plain((struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4), 0, "rsh #0x4");
	expect_plain((struct sock_filter)BPF_STMT(BPF_ALU | BPF_NEG, 0), 0, "neg");
	expect_plain((struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0), 0, "tax");
	expect_plain((struct sock_filter)BPF_STMT(BPF_MISC | BPF_TXA, 0), 0, "txa");
}

Test(disasm_text, jumps_use_absolute_targets)
{
	expect_plain((struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 8), 3, "ja 12");
	expect_plain((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x29, 2, 4), 2, "jeq #0x29, 5, 7");
	expect_plain((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x29, 0, 0), 0, "jge #0x29, 1, 1");
	expect_plain((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1), 0, "jset x, 1, 2");
	expect_plain((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0xffffffff, 255, 255), 10, "jgt #0xffffffff, 266, 266");
}

Test(disasm_text, returns_use_policy_spelling)
{
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW), 0, "ret allow");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_ERRNO | 1), 0, "ret errno(1)");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_KILL_PROCESS), 0, "ret kill-process");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_KILL_THREAD), 0, "ret kill-thread");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_TRACE | 7), 0, "ret trace(7)");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_LOG), 0, "ret log");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_USER_NOTIF), 0, "ret notify");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_TRAP), 0, "ret trap");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_TRAP | 9), 0, "ret trap(9)");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0), 0, "ret a");
	/* unknown action, and data bits the action name would drop */
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0x12345678), 0, "ret #0x12345678");
	expect_plain((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW | 1), 0, "ret #0x7fff0001");
}

Test(disasm_text, noncanonical_bytes_print_raw)
{
	/* jt set on a load: the mnemonic would lose it */
	expect_plain((struct sock_filter){ BPF_LD | BPF_W | BPF_ABS, 1, 0, 0 }, 0, "raw 0x20, 1, 0, 0x0");
	expect_plain((struct sock_filter){ 0x1234, 0, 0, 5 }, 0, "raw 0x1234, 0, 0, 0x5");
	expect_plain((struct sock_filter){ BPF_RET | BPF_A, 0, 0, 3 }, 0, "raw 0x16, 0, 0, 0x3");
	expect_plain((struct sock_filter){ BPF_JMP | BPF_JA, 0, 2, 0 }, 0, "raw 0x05, 0, 2, 0x0");
	expect_plain((struct sock_filter){ BPF_LDX | BPF_B | BPF_MSH, 0, 0, 14 }, 0, "raw 0xb1, 0, 0, 0xe");
	expect_plain((struct sock_filter){ BPF_ALU | 0xf0, 0, 0, 0 }, 0, "raw 0xf4, 0, 0, 0x0");
}

/* --- comments from the forward scan --- */

static const char *with_arch(const struct arch *arch,
			     const struct sock_filter *prog, size_t len,
			     size_t i)
{
	static char buf[160];  /* test-only scratch */

	disasm_insn(arch, prog, len, i, buf, sizeof(buf));
	return buf;
}

static const struct sock_filter checked[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARCH),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e, 0, 5),  /* x86_64 */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 3, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 41, 1, 0),          /* socket */
	BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),
	BPF_STMT(BPF_RET | BPF_K, ACT_ERRNO | 1),
	BPF_STMT(BPF_RET | BPF_K, ACT_KILL_PROCESS),
};

Test(disasm_comments, name_syscalls_arch_and_x32_bit)
{
	const struct arch *a = x86();
	const struct arch *arm64 = arch_by_name("aarch64");

	cr_expect_str_eq(with_arch(a, checked, N(checked), 1),
			 "jeq #0xc000003e, 2, 7 ; AUDIT_ARCH_X86_64");
	cr_expect_str_eq(with_arch(a, checked, N(checked), 3),
			 "jge #0x40000000, 7, 4 ; x32 bit");
	cr_expect_str_eq(with_arch(a, checked, N(checked), 4),
			 "jeq #0x29, 6, 5 ; socket");
	cr_expect_str_eq(with_arch(NULL, checked, N(checked), 4),
			 "jeq #0x29, 6, 5", "no arch, no comment");
	/* the arch comparison is named whatever ARCH we disassemble for */
	cr_assert_not_null(arm64);
	cr_expect_str_eq(with_arch(arm64, checked, N(checked), 1),
			 "jeq #0xc000003e, 2, 7 ; AUDIT_ARCH_X86_64");
	/* aarch64 has no x32 bit: 0x40000000 is just a number there */
	cr_expect_str_eq(with_arch(arm64, checked, N(checked), 3),
			 "jge #0x40000000, 7, 4");
}

Test(disasm_comments, unknown_values_get_no_syscall_name)
{
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x12345678, 0, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 100000, 0, 0),
		BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),
	};

	cr_expect_str_eq(with_arch(x86(), prog, N(prog), 1),
			 "jeq #0x12345678, 2, 2 ; unknown architecture");
	cr_expect_str_eq(with_arch(x86(), prog, N(prog), 3),
			 "jeq #0x186a0, 4, 4");
}

Test(disasm_comments, x32_numbers_named_from_the_x32_table)
{
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40000000 | 41, 0, 0),
		BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),
	};

	cr_expect_str_eq(with_arch(x86(), prog, N(prog), 1),
			 "jeq #0x40000029, 2, 2 ; x32 socket");
}

Test(disasm_comments, a_changed_by_alu_is_unknown)
{
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 41, 0, 0),
		BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),
	};

	cr_expect_str_eq(with_arch(x86(), prog, N(prog), 2), "jeq #0x29, 3, 3");
}

Test(disasm_comments, meet_over_predecessors)
{
	/* 4 is reached with A = nr from both sides; 8 with nr or arg0.lo */
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),                 /* 0 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2),              /* 1 */
		BPF_STMT(BPF_LDX | BPF_IMM, 3),                            /* 2 */
		BPF_STMT(BPF_JMP | BPF_JA, 0),                             /* 3 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 41, 0, 2),             /* 4 */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARG_LO(0)),          /* 5 */
		BPF_STMT(BPF_JMP | BPF_JA, 1),                             /* 6 */
		BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),                      /* 7 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 41, 0, 0),             /* 8 */
		BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),                      /* 9 */
	};

	cr_expect_str_eq(with_arch(x86(), prog, N(prog), 4),
			 "jeq #0x29, 5, 7 ; socket");
	cr_expect_str_eq(with_arch(x86(), prog, N(prog), 8),
			 "jeq #0x29, 9, 9");
}

Test(disasm_program, one_numbered_line_per_insn)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	cr_assert_not_null(f);
	disasm_program(f, x86(), checked, N(checked));
	fclose(f);
	cr_expect_str_eq(text,
		"   0: ld [arch]\n"
		"   1: jeq #0xc000003e, 2, 7 ; AUDIT_ARCH_X86_64\n"
		"   2: ld [nr]\n"
		"   3: jge #0x40000000, 7, 4 ; x32 bit\n"
		"   4: jeq #0x29, 6, 5 ; socket\n"
		"   5: ret allow\n"
		"   6: ret errno(1)\n"
		"   7: ret kill-process\n");
	free(text);
}

/* --- the assembler --- */

struct assembled {
	int rc;
	struct sock_filter *prog;
	size_t len;
	char *diag;
};

static struct assembled assemble(const char *text, const struct arch *arch)
{
	struct assembled r = { 0 };
	size_t dsize = 0;
	FILE *diag = open_memstream(&r.diag, &dsize);

	cr_assert_not_null(diag);
	r.rc = asm_assemble(text, strlen(text), "t.asm", arch, &r.prog, &r.len,
			    diag);
	fclose(diag);
	return r;
}

static void assembled_free(struct assembled *r)
{
	free(r->prog);
	free(r->diag);
}

static void expect_bytes(const char *text, const struct arch *arch,
			 const struct sock_filter *want, size_t n)
{
	struct assembled r = assemble(text, arch);

	cr_assert_eq(r.rc, 0, "assembling failed: %s", r.diag);
	cr_assert_eq(r.len, n, "got %zu instructions, want %zu", r.len, n);
	for (size_t i = 0; i < n; i++)
		cr_expect(memcmp(&r.prog[i], &want[i], sizeof(want[i])) == 0,
			  "insn %zu: got {0x%x,%u,%u,0x%x} want {0x%x,%u,%u,0x%x}",
			  i, r.prog[i].code, r.prog[i].jt, r.prog[i].jf,
			  r.prog[i].k, want[i].code, want[i].jt, want[i].jf,
			  want[i].k);
	assembled_free(&r);
}

static void expect_error(const char *text, const struct arch *arch,
			 const char *want)
{
	struct assembled r = assemble(text, arch);

	cr_expect_eq(r.rc, -1, "should fail: %s", text);
	cr_expect(r.diag && strstr(r.diag, want), "diagnostic '%s' lacks '%s'",
		  r.diag ? r.diag : "", want);
	assembled_free(&r);
}

Test(asm_parse, hand_written_with_labels_and_symbols)
{
	const char *text =
		"; the classic arch check\n"
		"        ld [arch]\n"
		"        jne #AUDIT_ARCH_X86_64, bad\n"
		"        ld [nr]\n"
		"        jge #__X32_SYSCALL_BIT, bad\n"
		"        jeq #__NR_socket, deny\n"
		"        jeq #0x0, ok, next\n"
		"next:   ld [arg2.hi]   ; high word\n"
		"        ja ok\n"
		"deny:   ret errno(1)\n"
		"ok:\n"
		"        ret allow\n"
		"bad:    ret kill-process\n";
	const struct sock_filter want[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e, 0, 8),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 41, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARG_HI(2)),
		BPF_STMT(BPF_JMP | BPF_JA, 1),
		BPF_STMT(BPF_RET | BPF_K, ACT_ERRNO | 1),
		BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, ACT_KILL_PROCESS),
	};

	expect_bytes(text, x86(), want, N(want));
}

Test(asm_parse, listing_form_with_indexes_and_comments)
{
	const char *text =
		"   0: ld [arch]\n"
		"   1: jeq #0xc000003e, 2, 7 ; AUDIT_ARCH_X86_64\n"
		"   2: ld [nr]\n"
		"   3: jge #0x40000000, 7, 4 ; x32 bit\n"
		"   4: jeq #0x29, 6, 5 ; socket\n"
		"   5: ret allow\n"
		"   6: ret errno(1)\n"
		"   7: ret kill-process\n";

	expect_bytes(text, NULL, checked, N(checked));
}

Test(asm_parse, numbers_pseudo_jumps_and_actions)
{
	const char *text =
		"ld #41\n"               /* decimal */
		"ldx #051\n"             /* octal */
		"jlt #0x10, 4\n"         /* = jge #0x10, next, 4 */
		"jle x, 4, 5\n"          /* = jgt x, 5, 4 */
		"ret trace(0x7)\n"
		"ret #0x7ff00007\n"
		"ret trap\n"
		"ret x\n"
		"raw 0x20, 1, 2, 0x10\n";
	const struct sock_filter want[] = {
		BPF_STMT(BPF_LD | BPF_IMM, 41),
		BPF_STMT(BPF_LDX | BPF_IMM, 41),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x10, 0, 1),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, ACT_TRACE | 7),
		BPF_STMT(BPF_RET | BPF_K, ACT_TRACE | 7),
		BPF_STMT(BPF_RET | BPF_K, ACT_TRAP),
		BPF_STMT(BPF_RET | BPF_X, 0),
		{ 0x20, 1, 2, 0x10 },
	};

	expect_bytes(text, NULL, want, N(want));
}

Test(asm_parse, named_constants_of_the_arch)
{
	const struct sock_filter want[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0),    /* AF_UNIX */
		BPF_STMT(BPF_RET | BPF_K, ACT_ERRNO | 1),        /* EPERM */
	};

	expect_bytes("jeq #AF_UNIX, 1, 1\nret errno(EPERM)\n", x86(), want,
		     N(want));
	expect_error("ret errno(EPERM)\n", NULL, "pass -a ARCH");
	expect_error("ld #NOT_A_CONSTANT\n", x86(), "unknown symbol 'NOT_A_CONSTANT'");
}

Test(asm_parse, aarch64_symbols)
{
	const struct arch *a = arch_by_name("aarch64");
	long nr;

	cr_assert_not_null(a);
	nr = arch_syscall_nr(a, "openat");
	cr_assert_geq(nr, 0);
	{
		const struct sock_filter want[] = {
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc00000b7, 0, 0),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 0),
			BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW),
		};

		expect_bytes("jeq #AUDIT_ARCH_AARCH64, 1, 1\n"
			     "jeq #__NR_openat, 2\nret allow\n", a, want, N(want));
	}
}

Test(asm_errors, located_and_explained)
{
	expect_error("ld [nr]\n  5: ret allow\n", NULL,
		     "t.asm:2:3: error: index 5 does not match");
	expect_error("ja nowhere\nret allow\n", NULL,
		     "t.asm:1:4: error: undefined label 'nowhere'");
	expect_error("a: ld [nr]\na: ret allow\n", NULL,
		     "t.asm:2:1: error: label 'a' already defined at line 1");
	expect_error("ld [nr]\nret allow\nb: jeq #1, 1, 1\n", NULL,
		     "t.asm:3:12: error: jump target 1 is not after");
	expect_error("ld [nr]\nfrob #1\n", NULL,
		     "t.asm:2:1: error: unknown instruction 'frob'");
	expect_error("ld [arg7.lo]\n", NULL,
		     "t.asm:1:5: error: unknown seccomp_data field 'arg7.lo'");
	expect_error("ld #__NR_read\n", NULL,
		     "t.asm:1:5: error: '__NR_read' depends on the architecture");
	expect_error("ld #__NR_nosuchcall\n", x86(),
		     "error: x86_64 has no syscall 'nosuchcall'");
	expect_error("ld [nr] junk\n", NULL,
		     "t.asm:1:9: error: unexpected 'j' after the instruction");
	expect_error("ld #0x100000000\n", NULL,
		     "t.asm:1:5: error: number is larger than 0xffffffff");
	expect_error("ret errno(70000)\n", NULL,
		     "does not fit in 16 bits");
	expect_error("ret die\n", NULL, "unknown action 'die'");
	expect_error("; nothing\n\n", NULL, "t.asm: error: no instructions");
	expect_error("jeq #1, far\nx1: ret allow\n", NULL, "undefined label");
	expect_error("x: \n", NULL, "no instructions");
	expect_error("jeq #1, end, 1\nret allow\nend:\n", NULL,
		     "label 'end' (line 3) marks no instruction");
	expect_error("ld 08\n", NULL, "error");
}

Test(asm_errors, conditional_reach_is_255)
{
	char *text = malloc(300 * 16);
	size_t n = 0;
	struct assembled r;

	cr_assert_not_null(text);
	n += (size_t)sprintf(text + n, "jeq #1, far, 1\n");
	for (int i = 0; i < 256; i++)
		n += (size_t)sprintf(text + n, "ret allow\n");
	sprintf(text + n, "far: ret log\n");
	expect_error(text, NULL, "is 256 instructions away");
	/* one closer fits */
	sprintf(text, "jeq #1, far, 1\n");
	n = strlen(text);
	for (int i = 0; i < 255; i++)
		n += (size_t)sprintf(text + n, "ret allow\n");
	sprintf(text + n, "far: ret log\n");
	r = assemble(text, NULL);
	cr_expect_eq(r.rc, 0, "%s", r.diag);
	cr_expect_eq(r.prog[0].jt, 255);
	assembled_free(&r);
	free(text);
}

/* --- round trip: bytes -> listing -> bytes --- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Mostly real opcodes with plausible fields, some pure noise. */
static struct sock_filter random_insn(uint64_t *s)
{
	static const uint16_t codes[] = {
		0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x00, 0x60, 0x80,
		0x01, 0x61, 0x81, 0xb1, 0x02, 0x03,
		0x04, 0x0c, 0x14, 0x1c, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74,
		0x84, 0x94, 0x9c, 0xa4, 0xac,
		0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d,
		0x06, 0x0e, 0x16, 0x07, 0x87,
	};
	static const uint32_t ks[] = {
		0, 4, 16, 20, 41, 0x40000000, 0xc000003e, ACT_ALLOW,
		ACT_ERRNO | 1, ACT_KILL_PROCESS, ACT_TRACE | 0xffff, ACT_LOG,
		ACT_USER_NOTIF, ACT_TRAP, ACT_TRAP | 3, 0xffffffff, ACT_ALLOW | 5,
	};
	uint64_t r = rng_next(s);
	struct sock_filter f;

	f.code = r % 8 == 0 ? (uint16_t)(r >> 8) : codes[(r >> 8) % N(codes)];
	r = rng_next(s);
	f.k = r % 2 ? ks[(r >> 8) % N(ks)] : (uint32_t)(r >> 16);
	r = rng_next(s);
	/* canonical zeros most of the time, so the mnemonics get exercised */
	f.jt = r % 3 || BPF_CLASS(f.code) == BPF_JMP ? (uint8_t)(r >> 8) : 0;
	f.jf = r % 3 || BPF_CLASS(f.code) == BPF_JMP ? (uint8_t)(r >> 16) : 0;
	if (r % 5 && BPF_CLASS(f.code) != BPF_JMP)
		f.jt = f.jf = 0;
	if (r % 7 == 1 && BPF_CLASS(f.code) == BPF_RET)
		f.k = 0;
	return f;
}

static void round_trip(const struct arch *arch, const struct sock_filter *prog,
		       size_t len)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct assembled r;

	cr_assert_not_null(f);
	disasm_program(f, arch, prog, len);
	fclose(f);
	r = assemble(text, arch);
	cr_assert_eq(r.rc, 0, "listing does not reassemble: %s\n%s", r.diag,
		     text);
	cr_assert_eq(r.len, len);
	for (size_t i = 0; i < len; i++)
		cr_assert(memcmp(&r.prog[i], &prog[i], sizeof(prog[i])) == 0,
			  "insn %zu differs after the round trip:\n%s", i, text);
	assembled_free(&r);
	free(text);
}

Test(asm_roundtrip, hand_made_program)
{
	round_trip(x86(), checked, N(checked));
	round_trip(NULL, checked, N(checked));
}

Test(asm_roundtrip, every_single_opcode)
{
	struct sock_filter prog[2];

	for (unsigned code = 0; code < 256; code++) {
		prog[0] = (struct sock_filter){ (uint16_t)code, 0, 0, 0 };
		prog[1] = (struct sock_filter){ (uint16_t)code, 0, 0, 0x29 };
		round_trip(x86(), prog, 2);
	}
}

Test(asm_roundtrip, random_programs)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	struct sock_filter prog[300];

	for (int round = 0; round < 200; round++) {
		size_t len = 1 + rng_next(&seed) % N(prog);

		for (size_t i = 0; i < len; i++)
			prog[i] = random_insn(&seed);
		round_trip(round % 2 ? x86() : arch_by_name("aarch64"), prog, len);
	}
}

/* --- the C header reader --- */

Test(header_read, generated_brace_form_and_macros)
{
	const char *text =
		"/* struct sock_filter in a comment is not an array */\n"
		"#include <linux/filter.h>\n"
		"#define X \\\n  struct sock_filter nope[] = { {1} };\n"
		"static const struct sock_filter demo_x86_64[] = {\n"
		"\t{ 0x20, 0, 0, 0x00000004 }, /* ld [arch] */\n"
		"\t{ 0x06, 0, 0, 0x7fff0000U },\n"
		"};\n"
		"static struct sock_filter hand_aarch64[3] = {\n"
		"  BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),\n"
		"  BPF_JUMP(BPF_JMP + BPF_JEQ + BPF_K, 0x29, 0, 1),\n"
		"  BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (1 & SECCOMP_RET_DATA)),\n"
		"};\n"
		"struct sock_fprog p = { .len = 2, .filter = (struct sock_filter *)demo_x86_64 };\n"
		"static const struct sock_filter other[] = { { 6, 0, 0, 0 } };\n";
	struct header_file h;
	char *diag = NULL;
	size_t dsize = 0;
	FILE *df = open_memstream(&diag, &dsize);
	int rc;

	/* (1 & SECCOMP_RET_DATA) is not supported: '&' is not an operator */
	cr_assert_not_null(df);
	rc = header_read(text, strlen(text), "h.h", &h, df);
	fclose(df);
	cr_assert_eq(rc, -1);
	cr_expect(strstr(diag, "h.h:12:52: error: expected ')', found '&'"),
		  "%s", diag);
	free(diag);
	text = strstr(text, "static const struct sock_filter demo");
	{
		char *fixed = strdup(text);
		char *amp = strstr(fixed, "(1 & SECCOMP_RET_DATA)");

		memcpy(amp, "(1)                   ", strlen("(1 & SECCOMP_RET_DATA)"));
		rc = header_read(fixed, strlen(fixed), "h.h", &h, stderr);
		free(fixed);
	}
	cr_assert_eq(rc, 0);
	cr_assert_eq(h.narrays, 3);
	cr_expect_str_eq(h.arrays[0].name, "demo_x86_64");
	cr_expect_str_eq(h.arrays[0].arch->name, "x86_64");
	cr_assert_eq(h.arrays[0].len, 2);
	cr_expect_eq(h.arrays[0].insns[0].code, 0x20);
	cr_expect_eq(h.arrays[0].insns[0].k, 4);
	cr_expect_eq(h.arrays[0].insns[1].k, ACT_ALLOW);
	cr_expect_str_eq(h.arrays[1].arch->name, "aarch64");
	cr_assert_eq(h.arrays[1].len, 3);
	cr_expect_eq(h.arrays[1].insns[1].code, BPF_JMP | BPF_JEQ | BPF_K);
	cr_expect_eq(h.arrays[1].insns[1].k, 0x29);
	cr_expect_eq(h.arrays[1].insns[1].jt, 0);
	cr_expect_eq(h.arrays[1].insns[1].jf, 1);
	cr_expect_eq(h.arrays[1].insns[2].k, ACT_ERRNO | 1);
	cr_expect_null(h.arrays[2].arch);
	header_file_free(&h);
}

static void expect_header_error(const char *text, const char *want)
{
	char *diag = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&diag, &size);
	struct header_file h;

	cr_assert_not_null(f);
	cr_expect_eq(header_read(text, strlen(text), "h.h", &h, f), -1);
	fclose(f);
	cr_expect(strstr(diag, want), "diagnostic '%s' lacks '%s'", diag, want);
	free(diag);
}

Test(header_read, errors_are_located)
{
	expect_header_error("int x;\n", "h.h: error: no 'struct sock_filter");
	expect_header_error("struct sock_filter f[] = {\n  { 0x20, 0, 0x100, 0 },\n};\n",
			    "h.h:2:14: error: jf 0x100 is out of range");
	expect_header_error("struct sock_filter f[] = {\n  { 0x20, 0, 0 },\n};\n",
			    "h.h:2:16: error: expected ',', found '}'");
	expect_header_error("struct sock_filter f[] = { BPF_STMT(FOO, 1) };\n",
			    "h.h:1:37: error: expected a number or a BPF_*");
	expect_header_error("struct sock_filter f[] = { };\n", "array 'f' is empty");
	expect_header_error("struct sock_filter f[] = { { 0x1g, 0, 0, 0 } };\n",
			    "bad number '0x1g'");
}

Test(header_read, detect)
{
	const char raw[8] = { 6, 0, 0, 0, 0, 0, 0xff, 0x7f };

	cr_expect(header_detect("struct sock_filter x[] = {};", 28));
	cr_expect(!header_detect(raw, sizeof(raw)));
}

/* --- --dot --- */

Test(dot_output, blocks_and_labelled_edges)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	cr_assert_not_null(f);
	cr_assert_eq(dot_program(f, "g", x86(), checked, N(checked)), 0);
	fclose(f);
	cr_expect(strncmp(text, "digraph g {\n", 12) == 0);
	cr_expect(strstr(text, "b0 [label=\"   0: ld [arch]\\l   1: jeq "
			 "#0xc000003e, 2, 7 ; AUDIT_ARCH_X86_64\\l\"];"), "%s", text);
	cr_expect(strstr(text, "b0 -> b2 [label=\"true\"];"), "%s", text);
	cr_expect(strstr(text, "b0 -> b7 [label=\"false\"];"), "%s", text);
	cr_expect(strstr(text, "b4 -> b6 [label=\"true\"];"), "%s", text);
	cr_expect(strstr(text, "b4 -> b5 [label=\"false\"];"), "%s", text);
	cr_expect(strstr(text, "b6 [label=\"   6: ret errno(1)\\l\"];"), "%s", text);
	cr_expect(text[strlen(text) - 2] == '}');
	free(text);
}

Test(dot_output, bad_targets_are_marked)
{
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 5),
	};
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	cr_assert_not_null(f);
	cr_assert_eq(dot_program(f, "g", NULL, prog, N(prog)), 0);
	fclose(f);
	cr_expect(strstr(text, "b0 -> bad6;"), "%s", text);
	cr_expect(strstr(text, "past the end"), "%s", text);
	free(text);
}
