/* The listing: classic BPF as text, one instruction per line, with
 * symbolic seccomp_data fields, action names and syscall names. Used by
 * `bpfgen -f asm`, the comments of `bpfgen -f c`, bpfsim and bpfdis; bpfasm
 * reads the same text back into identical bytes. */
#ifndef BPFGEN_DISASM_H
#define BPFGEN_DISASM_H

#include <stddef.h>
#include <stdio.h>
#include <linux/filter.h>

#include "arch/arch.h"

/* Text of instruction I of PROG with absolute jump targets, e.g.
 * "jeq #0x29, 5, 7", "ld [arg2.hi]", "ret errno(1)". When ARCH is not NULL,
 * a trailing "; comment" names the syscall or architecture a comparison
 * tests, as far as a forward scan of PROG can tell what A holds there.
 * Returns the length written, like snprintf. */
int disasm_insn(const struct arch *arch, const struct sock_filter *prog,
		size_t len, size_t i, char *buf, size_t n);

/* Instruction only, without the comment (used for the C header's comments,
 * where the comment is added separately). */
int disasm_insn_plain(const struct sock_filter *insn, size_t i,
		      char *buf, size_t n);

/* The whole listing, one "%4zu: text" line per instruction. */
void disasm_program(FILE *out, const struct arch *arch,
		    const struct sock_filter *prog, size_t len);

/* Call FN with the text of every instruction in order (one scan of the
 * program for all of them, unlike calling disasm_insn per instruction). */
void disasm_each(const struct arch *arch, const struct sock_filter *prog,
		 size_t len, void (*fn)(void *ctx, size_t i, const char *text),
		 void *ctx);

#endif
