// syscall-scan test program (aarch64): numbers in memory that must stay
// unresolved (see the x86_64 twin).
	.text
	.globl _start
_start:
	stp	x29, x30, [sp, #-48]!
	mov	x29, sp
	// 1. The structure's address is also in x1.
	mov	w2, #172
	str	w2, [sp, #16]
	add	x0, sp, #16
	add	x1, sp, #16
twice:	bl	memwrap
	// 2. A function that reads the published pointer writes the field.
	mov	w2, #174
	str	w2, [sp, #32]
	add	x0, sp, #32
	bl	publish
	mov	x0, #0
	mov	x8, #94
	svc	#0
	brk	#0

	.globl memwrap
memwrap:
	ldr	w8, [x0]
	svc	#0
	ret

	.globl publish
publish:
	adrp	x1, pubglob
	str	x0, [x1, :lo12:pubglob]
	ldr	w8, [x0]
	svc	#0
	ret

	.globl writer
writer:
	adrp	x1, pubglob
	ldr	x1, [x1, :lo12:pubglob]
	str	wzr, [x1]		// writes the number's field
	ret

	.data
	.align 3
wptr:	.quad writer

	.bss
	.align 3
	.type	pubglob, %object
	.size	pubglob, 8
pubglob:
	.zero	8
