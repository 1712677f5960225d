# syscall-scan test program (x86_64): one site per case the analysis must
# resolve. Assembled and linked static by tests/e2e/test_scan.py; the test
# lists the syscalls expected (numbers from the x86_64 table).
	.text
	.globl _start
_start:
	# A number copied and then formed by arithmetic: 38 + 1 = getpid (39).
	mov	$38, %ecx
	mov	%ecx, %eax
	add	$1, %eax
	syscall
	# A number set on two branches: getuid (102) or getgid (104).
	test	%rdi, %rdi
	jz	1f
	mov	$102, %eax
	jmp	2f
1:	mov	$104, %eax
2:	syscall
	# Wrapper functions: the number is mywrap's first argument.
	mov	$110, %edi		# getppid
	call	mywrap
	mov	$186, %edi		# gettid
	call	mywrap
	# Indirect calls: through a register the address was loaded into,
	# and through a pointer only data holds.
	lea	viaptr(%rip), %rax
	call	*%rax
	mov	fptr(%rip), %rax
	call	*%rax
	# The x32 ABI: getpid (39) with bit 0x40000000.
	mov	$0x40000027, %eax
	syscall
	# The i386 ABI from a 64-bit program: getpid is 20 there.
	mov	$20, %eax
	int	$0x80
	# A number written into al alone, after zeroing eax: sched_yield (24).
	xor	%eax, %eax
	mov	$24, %al
	syscall
	# A number only a branch tells: rax is unknown (loaded), but where
	# jne falls through after testing it, it is 0 (read).
	mov	(%rsp), %rax
	test	%rax, %rax
	jne	3f
	syscall
3:
	# exit_group (231)
	xor	%edi, %edi
	mov	$231, %eax
	syscall
	hlt

	.globl mywrap
mywrap:
	mov	%rdi, %rax
	syscall
	ret

	.globl viaptr
viaptr:
	mov	$63, %eax		# uname
	syscall
	ret

	.globl dataonly
dataonly:
	mov	$96, %eax		# gettimeofday
	syscall
	ret

	# Nothing refers to this one: only --all-sites lists socket (41).
	.globl unreachable
unreachable:
	mov	$41, %eax
	syscall
	ret

	.data
	.align 8
fptr:	.quad dataonly
