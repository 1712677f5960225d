// syscall-scan test program (aarch64): one site per case the analysis must
// resolve. Assembled and linked static by tests/e2e/test_scan.py; the test
// lists the syscalls expected (numbers from the aarch64 table).
	.text
	.globl _start
_start:
	// A number copied and then formed by arithmetic: 171 + 1 = getpid (172).
	mov	x9, #171
	mov	x8, x9
	add	x8, x8, #1
	svc	#0
	// A number set on two branches: getuid (174) or getgid (176).
	cbz	x0, 1f
	mov	x8, #174
	b	2f
1:	mov	x8, #176
2:	svc	#0
	// Wrapper functions: the number is mywrap's first argument.
	mov	x0, #173		// getppid
	bl	mywrap
	mov	x0, #178		// gettid
	bl	mywrap
	// Indirect calls: through a register the address was formed in,
	// and through a pointer only data holds.
	adr	x1, viaptr
	blr	x1
	adrp	x2, fptr
	ldr	x2, [x2, :lo12:fptr]
	blr	x2
	// A number only a branch tells: x8 is unknown (loaded), but where
	// cbz jumps it is 0 (io_setup), and where b.eq after a compare with
	// 172 goes, it is 172 (getpid).
	ldr	x8, [sp]
	cbnz	x8, 3f
	svc	#0
3:	ldr	x8, [sp, #8]
	cmp	x8, #172
	b.ne	4f
	svc	#0
4:
	// exit_group (94)
	mov	x0, #0
	mov	x8, #94
	svc	#0
	brk	#0

	.globl mywrap
mywrap:
	mov	x8, x0
	svc	#0
	ret

	.globl viaptr
viaptr:
	mov	x8, #160		// uname
	svc	#0
	ret

	.globl dataonly
dataonly:
	mov	x8, #169		// gettimeofday
	svc	#0
	ret

	// Nothing refers to this one: only --all-sites lists socket (198).
	.globl unreachable
unreachable:
	mov	x8, #198
	svc	#0
	ret

	.data
	.align 3
fptr:	.quad dataonly
