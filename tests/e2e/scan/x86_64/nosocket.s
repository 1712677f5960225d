# syscall-scan test program (x86_64): getpid and exit_group only; a socket
# site exists but nothing reaches it, so the worker policy passes it.
	.text
	.globl _start
_start:
	mov	$39, %eax		# getpid
	syscall
	xor	%edi, %edi
	mov	$231, %eax		# exit_group
	syscall
	hlt

	.globl never_called
never_called:
	mov	$41, %eax		# socket
	syscall
	ret
