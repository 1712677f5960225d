// syscall-scan test program (aarch64): numbers passed in memory (see the
// x86_64 twin). Every site must resolve: getpid (172), getuid (174),
// getgid (176), getppid (173), exit_group (94).
	.text
	.globl _start
_start:
	bl	direct
	bl	offset
	bl	forwarded
	bl	published
	mov	x0, #0
	mov	x8, #94			// exit_group
	svc	#0
	brk	#0

	.globl direct
direct:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	mov	w1, #172		// getpid, at [sp+16]
	str	w1, [sp, #16]
	add	x0, sp, #16
	bl	memwrap
	ldp	x29, x30, [sp], #32
	ret

	.globl offset
offset:
	stp	x29, x30, [sp, #-48]!
	mov	x29, sp
	mov	w1, #174		// getuid, at [sp+40]
	str	w1, [sp, #40]
	add	x0, sp, #40
	bl	memwrap
	ldp	x29, x30, [sp], #48
	ret

	.globl forwarded
forwarded:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	mov	w1, #176		// getgid, through a forwarding function
	str	w1, [sp, #24]
	add	x0, sp, #24
	bl	forward
	ldp	x29, x30, [sp], #32
	ret

	.globl published
published:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	mov	w1, #173		// getppid, published in a global
	str	w1, [sp, #16]
	add	x0, sp, #16
	bl	publish
	ldp	x29, x30, [sp], #32
	ret

// The number is the int its argument points to.
	.globl memwrap
memwrap:
	ldr	w8, [x0]
	svc	#0
	ret

	.globl forward
forward:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	str	x19, [sp, #16]
	mov	x19, x0
	bl	idle			// a call that cannot reach the structure
	mov	x0, x19
	bl	memwrap
	ldr	x19, [sp, #16]
	ldp	x29, x30, [sp], #32
	ret

idle:
	ret

	.globl publish
publish:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	str	x19, [sp, #16]
	mov	x19, x0
	adrp	x1, pubglob
	str	x0, [x1, :lo12:pubglob]
	bl	idle
	ldr	w8, [x19]
	svc	#0
	ldr	x19, [sp, #16]
	ldp	x29, x30, [sp], #32
	ret

	.globl handler
handler:
	adrp	x9, pubglob
	ldr	x9, [x9, :lo12:pubglob]
	ldr	w8, [x9]
	svc	#0
	ret

	.data
	.align 3
hptr:	.quad handler

	.bss
	.align 3
	.type	pubglob, %object
	.size	pubglob, 8
pubglob:
	.zero	8
