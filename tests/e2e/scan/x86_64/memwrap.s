# syscall-scan test program (x86_64): numbers passed in memory. A
# structure on the caller's stack holds the number; the wrapper reads it
# through the pointer it is given (as glibc's __nptl_setxid does), directly,
# through a function that forwards the pointer, and after publishing the
# pointer in a private global that a "signal handler" reads as well.
# Every site here must resolve (tests/e2e/test_scan.py lists the numbers).
	.text
	.globl _start
_start:
	call	direct
	call	offset
	call	forwarded
	call	published
	xor	%edi, %edi
	mov	$231, %eax		# exit_group
	syscall
	hlt

# Each caller builds the structure in its own frame (after a call of a
# wrapper whose number it does not know, what the call was given counts
# as escaped: the kernel might have kept it).
	.globl direct
direct:
	sub	$24, %rsp
	movl	$39, (%rsp)		# getpid, at [rsp]
	mov	%rsp, %rdi
	call	memwrap
	add	$24, %rsp
	ret

	.globl offset
offset:
	sub	$40, %rsp
	movl	$102, 16(%rsp)		# getuid, at [rsp+16]
	lea	16(%rsp), %rdi
	call	memwrap
	add	$40, %rsp
	ret

	.globl forwarded
forwarded:
	sub	$24, %rsp
	movl	$104, 8(%rsp)		# getgid, through a forwarding function
	lea	8(%rsp), %rdi
	call	forward
	add	$24, %rsp
	ret

	.globl published
published:
	sub	$40, %rsp
	movl	$110, 24(%rsp)		# getppid, published in a global
	lea	24(%rsp), %rdi
	call	publish
	add	$40, %rsp
	ret

# The number is the int its argument points to.
	.globl memwrap
memwrap:
	mov	(%rdi), %eax
	syscall
	ret

	.globl forward
forward:
	push	%rbx
	mov	%rdi, %rbx
	call	idle			# a call that cannot reach the structure
	mov	%rbx, %rdi
	call	memwrap
	pop	%rbx
	ret

idle:
	ret

# Stores the structure's address in a private global, then makes the
# call; handler (its address only in data) reads the global and makes the
# same call.
	.globl publish
publish:
	push	%rbx
	mov	%rdi, %rbx
	mov	%rdi, pubglob(%rip)
	call	idle
	mov	(%rbx), %eax
	syscall
	pop	%rbx
	ret

	.globl handler
handler:
	mov	pubglob(%rip), %rax
	mov	(%rax), %eax
	syscall
	ret

	.data
	.align 8
hptr:	.quad handler

	.bss
	.align 8
	.type	pubglob, @object
	.size	pubglob, 8
pubglob:
	.zero	8
