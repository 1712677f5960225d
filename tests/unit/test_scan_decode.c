/* syscall-scan's decoder (tools/scan/decode.c): machine code bytes to the
 * instructions the data flow models, through capstone — the memory
 * operands and whether they are written (capstone's flags miss some
 * writes), pushes and pops, pair loads and stores with writeback, and
 * aarch64's atomics that capstone 4 does not know. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tools/scan/scan.h"

/* Decodes CODE (LEN bytes at address 0x1000) for machine M. */
static struct insn *decode(enum scan_machine m, const uint8_t *code, size_t len, size_t *n)
{
	struct elf_seg seg = { .vaddr = 0x1000, .memsz = len, .offset = 0, .filesz = len,
			       .flags = 5 };
	struct elf_file ef = { .data = code, .size = len, .machine = m, .segs = &seg,
			       .nsegs = 1 };
	struct decoder *d = decoder_open(m);
	cr_assert_not_null(d);
	struct insn *out = NULL;
	size_t cap = 0;
	*n = 0;
	cr_assert_eq(decode_range(d, &ef, 0x1000, 0x1000 + len, &out, n, &cap), 0);
	decoder_close(d);
	return out;
}

Test(scan_decode, x86_stores_loads_and_the_stack)
{
	static const uint8_t code[] = {
		0xc7, 0x04, 0x24, 0x69, 0x00, 0x00, 0x00,       /* movl $0x69, (%rsp) */
		0x48, 0x89, 0x07,                               /* mov %rax, (%rdi) */
		0xf0, 0x0f, 0xb1, 0x95, 0xe8, 0x10, 0x00, 0x00, /* lock cmpxchg %edx, 0x10e8(%rbp) */
		0x8b, 0x03,                                     /* mov (%rbx), %eax */
		0x41, 0x56,                                     /* push %r14 */
		0x5b,                                           /* pop %rbx */
		0x0f, 0x05,                                     /* syscall */
	};
	size_t n;
	struct insn *in = decode(MACH_X86_64, code, sizeof code, &n);
	cr_assert_eq(n, 7);
	cr_assert_eq(in[0].op, OP_STORE);
	cr_assert_eq(in[0].mbase, X86_RSP);
	cr_assert_eq(in[0].mwidth, 4);
	cr_assert_eq(in[0].src, REG_NONE);
	cr_assert_eq(in[0].imm, 0x69);
	cr_assert_eq(in[1].op, OP_STORE);
	cr_assert_eq(in[1].src, 0);
	cr_assert_eq(in[1].mbase, 7);
	cr_assert_eq(in[2].op, OP_OTHER);
	cr_assert(in[2].mem & MEM_W, "lock cmpxchg writes memory");
	cr_assert_eq(in[2].mbase, 5);
	cr_assert_eq(in[2].disp, 0x10e8);
	cr_assert_eq(in[3].op, OP_LOAD);
	cr_assert_eq(in[3].dst, 0);
	cr_assert_eq(in[3].bits, 32);
	cr_assert_eq(in[3].mwidth, 4);
	cr_assert_eq(in[4].op, OP_PUSH);
	cr_assert_eq(in[4].src, 14);
	cr_assert_eq(in[5].op, OP_POP);
	cr_assert_eq(in[5].dst, 3);
	cr_assert_eq(in[6].op, OP_SYSCALL);
	free(in);
}

Test(scan_decode, x86_partial_constant_and_compare)
{
	static const uint8_t code[] = {
		0xb0, 0x38,                 /* mov $0x38, %al */
		0x48, 0x85, 0xc0,           /* test %rax, %rax */
		0x74, 0x00,                 /* je . */
		0x48, 0x83, 0xf8, 0x05,     /* cmp $5, %rax */
	};
	size_t n;
	struct insn *in = decode(MACH_X86_64, code, sizeof code, &n);
	cr_assert_eq(n, 4);
	cr_assert_eq(in[0].op, OP_MOVK);
	cr_assert_eq(in[0].kw, 8);
	cr_assert_eq(in[0].imm, 0x38);
	cr_assert_eq(in[1].cmpreg, 0);
	cr_assert_eq(in[1].cmpimm, 0);
	cr_assert_eq(in[2].op, OP_JCC);
	cr_assert_eq(in[2].cc, CC_EQ);
	cr_assert_eq(in[3].cmpreg, 0);
	cr_assert_eq(in[3].cmpimm, 5);
	free(in);
}

static uint8_t *words(const uint32_t *w, size_t n)
{
	uint8_t *b = malloc(n * 4);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			b[i * 4 + (size_t)k] = (uint8_t)(w[i] >> (8 * k));
	return b;
}

Test(scan_decode, aarch64_pairs_writeback_and_atomics)
{
	static const uint32_t w[] = {
		0xa9bd7bfd,     /* stp x29, x30, [sp, #-48]! */
		0xa8c37bfd,     /* ldp x29, x30, [sp], #48 */
		0xb9000fe1,     /* str w1, [sp, #12] */
		0x88a07c41,     /* cas w0, w1, [x2] (ARMv8.1) */
		0xb8200041,     /* ldadd w0, w1, [x2] */
		0x88117c41,     /* stxr w17, w1, [x2] */
		0xd4000001,     /* svc #0 */
	};
	uint8_t *code = words(w, 7);
	size_t n;
	struct insn *in = decode(MACH_AARCH64, code, sizeof w, &n);
	cr_assert_eq(n, 7);
	cr_assert_eq(in[0].op, OP_STORE2);
	cr_assert_eq(in[0].wb, WB_PRE);
	cr_assert_eq(in[0].wbimm, -48);
	cr_assert_eq(in[0].mbase, 31);
	cr_assert_eq(in[0].src, 29);
	cr_assert_eq(in[0].src2, 30);
	cr_assert_eq(in[1].op, OP_LOAD2);
	cr_assert_eq(in[1].wb, WB_POST);
	cr_assert_eq(in[1].wbimm, 48);
	cr_assert_eq(in[2].op, OP_STORE);
	cr_assert_eq(in[2].mwidth, 4);
	cr_assert_eq(in[2].disp, 12);
	/* cas: writes [x2] (4 bytes) and w0; reads w0 and w1. */
	cr_assert_eq(in[3].op, OP_OTHER);
	cr_assert(in[3].mem & MEM_W);
	cr_assert_eq(in[3].mbase, 2);
	cr_assert_eq(in[3].mwidth, 4);
	cr_assert_eq(in[3].clobber, 1u << 0);
	cr_assert_eq(in[3].reads, 1u << 0 | 1u << 1);
	/* ldadd w0, w1, [x2]: the old value to w1. */
	cr_assert_eq(in[4].clobber, 1u << 1);
	cr_assert_eq(in[4].mbase, 2);
	/* stxr: a store of w1, the status to w17. */
	cr_assert_eq(in[5].op, OP_STORE);
	cr_assert_eq(in[5].src, 1);
	cr_assert(in[5].clobber & 1u << 17);
	cr_assert_eq(in[6].op, OP_SVC);
	free(in);
	free(code);
}

Test(scan_decode, undecodable_bytes_write_everything)
{
	static const uint32_t w[] = { 0x0000ffff, 0xd4000001 };  /* udf-like, svc */
	uint8_t *code = words(w, 2);
	size_t n;
	struct insn *in = decode(MACH_AARCH64, code, sizeof w, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(in[0].op, OP_OTHER);
	cr_assert_eq(in[0].clobber, 0xffffffffu);
	cr_assert(in[0].mem & MEM_W);
	cr_assert_eq(in[0].mindex, REG_UNK);
	free(in);
	free(code);
}
