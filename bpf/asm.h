/* The assembler: the listing text of bpf/disasm.h (or a hand-written
 * one) back into classic BPF bytes. Used by bpfasm and the tests.
 *
 * Grammar, one instruction per line:
 *   [INDEX:] {LABEL:} [INSTRUCTION] [; comment]
 * INDEX is the decimal instruction index a listing prints; when present it
 * must match. LABEL is [A-Za-z_][A-Za-z0-9_]* and names the next
 * instruction. Instructions:
 *   ld [FIELD]  ldh [FIELD]  ldb [FIELD]   FIELD: nr arch ip.lo ip.hi
 *                                          argN.lo argN.hi, or a number
 *   ld [x+N]  ldh [x+N]  ldb [x+N]
 *   ld #K  ld M[N]  ld len   ldx #K  ldx M[N]  ldx len   st M[N]  stx M[N]
 *   add sub mul div mod and or xor lsh rsh   with #K or x;   neg tax txa
 *   ja T
 *   jeq jgt jge jset   #K or x, T, F  (", F" may be left out: F = next)
 *   jne jlt jle        the same with T and F swapped (no listing prints them)
 *   ret ACTION | ret #K | ret a | ret x
 *      ACTION: allow log notify kill-process kill-thread trap trap(N)
 *              errno(N) trace(N)   (N a number or a constant like EPERM)
 *   raw CODE, JT, JF, K   the four fields as stored, for anything else
 * Numbers are decimal, 0x hex or 0-prefixed octal. A jump target T/F is an
 * absolute instruction index or a label; jumps only go forward.
 * #K is a number or a symbol:
 *   #__NR_socket           syscall number on the -a architecture
 *   #AUDIT_ARCH_X86_64     audit value of a known architecture
 *   #__X32_SYSCALL_BIT     the architecture's x32 bit
 *   #EPERM, #AF_UNIX...    a named constant of the architecture */
#ifndef BPFGEN_TOOLS_ASM_H
#define BPFGEN_TOOLS_ASM_H

#include <stddef.h>
#include <stdio.h>
#include <linux/filter.h>

#include "arch/arch.h"

/* Assemble TEXT (LEN bytes; FILE names it in messages) for ARCH, which may
 * be NULL when the text uses no arch-dependent symbol. Diagnostics go to
 * DIAG as "FILE:LINE:COL: error: ...". Returns 0 with a malloc'd program in
 * *OUT and its length in *NOUT, or -1 after reporting every error. */
int asm_assemble(const char *text, size_t len, const char *file,
		 const struct arch *arch, struct sock_filter **out,
		 size_t *nout, FILE *diag);

#endif
