# syscall-scan test program (x86_64, linked as a position-independent
# executable): a wrapper whose address is only in a private table, called
# through it (libcap's psx hooks). Its callers' numbers are all its
# numbers: getpid (39) and getuid (102).
	.text
	.globl _start
_start:
	mov	$39, %edi
	call	*table(%rip)
	lea	table(%rip), %rbx
	mov	$102, %edi
	call	*8(%rbx)
	xor	%edi, %edi
	mov	$231, %eax
	syscall
	hlt

# A wrapper: the number is its first argument.
wrap:
	mov	%rdi, %rax
	syscall
	ret

	.data
	.align 8
table:	.quad wrap, wrap
