# syscall-scan test program (x86_64): numbers in memory that must stay
# unresolved, each at a known call (the test checks the reasons).
	.text
	.globl _start
_start:
	sub	$40, %rsp
	# 1. The structure's address is also in rsi: the wrapper could
	#    change the number through it.
	movl	$39, (%rsp)
	mov	%rsp, %rdi
	mov	%rsp, %rsi
twice:	call	memwrap
	# 2. The wrapper gives the pointer to code nothing is known of
	#    before it loads the number.
	movl	$39, 8(%rsp)
	lea	8(%rsp), %rdi
	call	givesaway
	# 3. A function that reads the global the pointer is published in
	#    writes the number's field.
	movl	$102, 16(%rsp)
	lea	16(%rsp), %rdi
	call	publish
	# 4. The frame's address escaped (stored in a global) before the
	#    structure was filled in: anyone may change it.
	mov	%rsp, escglob(%rip)
	xor	%esi, %esi
	movl	$104, 24(%rsp)
	lea	24(%rsp), %rdi
escaped: call	memwrap
	xor	%edi, %edi
	mov	$231, %eax
	syscall
	hlt

	.globl memwrap
memwrap:
	mov	(%rdi), %eax
	syscall
	ret

	.globl givesaway
givesaway:
	push	%rbx
	mov	%rdi, %rbx
	mov	unknown(%rip), %rax
	call	*%rax			# nothing is known of the callee: it has rdi
	mov	(%rbx), %eax
	syscall
	pop	%rbx
	ret

	.globl publish
publish:
	push	%rbx
	mov	%rdi, %rbx
	mov	%rdi, pubglob(%rip)
	mov	(%rbx), %eax
	syscall
	pop	%rbx
	ret

	.globl writer
writer:
	mov	pubglob(%rip), %rax
	movl	$0, (%rax)		# writes the number's field
	ret

	.data
	.align 8
wptr:	.quad writer
unknown: .quad 0

	.bss
	.align 8
escglob: .zero	8
	.type	pubglob, @object
	.size	pubglob, 8
pubglob:
	.zero	8
