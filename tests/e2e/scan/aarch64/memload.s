// syscall-scan test program (aarch64): a number loaded from memory cannot
// be known statically; the site must be reported, and the scan incomplete.
	.text
	.globl _start
_start:
	adrp	x1, number
	ldr	w8, [x1, :lo12:number]
	svc	#0
	mov	x0, #0
	mov	x8, #94			// exit_group
	svc	#0
	brk	#0

	.data
	.align 2
number:	.long 172
