// syscall-scan test program (aarch64, position-independent): a wrapper
// whose address is only in a private table, called through it: getpid
// (172) and getuid (174).
	.text
	.globl _start
_start:
	mov	x0, #172
	adrp	x9, table
	ldr	x9, [x9, :lo12:table]
	blr	x9
	mov	x0, #174
	adrp	x19, table
	add	x19, x19, :lo12:table
	ldr	x9, [x19, #8]
	blr	x9
	mov	x0, #0
	mov	x8, #94
	svc	#0
	brk	#0

// A wrapper: the number is its first argument.
wrap:
	mov	x8, x0
	svc	#0
	ret

	.data
	.align 3
table:	.quad wrap, wrap
