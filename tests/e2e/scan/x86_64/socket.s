# syscall-scan test program (x86_64): makes socket(AF_INET, SOCK_STREAM, 0),
# which the worker policy kills.
	.text
	.globl _start
_start:
	mov	$2, %edi
	mov	$1, %esi
	xor	%edx, %edx
	mov	$41, %eax		# socket
	syscall
	xor	%edi, %edi
	mov	$231, %eax		# exit_group
	syscall
	hlt
