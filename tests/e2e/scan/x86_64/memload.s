# syscall-scan test program (x86_64): a number loaded from memory cannot
# be known statically; the site must be reported, and the scan incomplete.
	.text
	.globl _start
_start:
	mov	number(%rip), %eax
	syscall
	xor	%edi, %edi
	mov	$231, %eax		# exit_group
	syscall
	hlt

	.data
	.align 4
number:	.long 39
