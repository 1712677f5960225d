# syscall-scan test program (x86_64, position-independent): the table
# holding the wrapper's address is given to code nothing is known of, so
# the proof fails; under the (reported) fallback assumption every indirect
# call of the file may call the wrapper, and the one through the unknown
# pointer passes an unknown number.
	.text
	.globl _start
_start:
	mov	$39, %edi
	call	*table(%rip)
	lea	table(%rip), %rdi
	mov	unknown(%rip), %rax
hands:	call	*%rax
	xor	%edi, %edi
	mov	$231, %eax
	syscall
	hlt

wrap:
	mov	%rdi, %rax
	syscall
	ret

	.data
	.align 8
table:	.quad wrap
unknown: .quad 0
