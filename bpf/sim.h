/* The emulator: decides, exactly as the Linux kernel does, whether a classic
 * BPF program is an acceptable seccomp filter and what it returns for given
 * seccomp_data. Used by bpfsim, the test suite and the differential tester. */
#ifndef BPFGEN_SIM_H
#define BPFGEN_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

/* struct seccomp_data as the filter sees it (laid out by bpf/seccomp.h's
 * SD_* offsets, little-endian like both targets). */
struct sim_data {
	uint32_t nr;
	uint32_t arch;
	uint64_t ip;
	uint64_t args[6];
};

/* 0 if the kernel would accept PROG as a seccomp filter (the checks of
 * bpf_check_classic, then seccomp_check_filter, in the kernel's order);
 * otherwise -1 and ERR holds "insn N: why" for the first check that fails
 * (or "length N: why" for a bad length). */
int sim_check(const struct sock_filter *prog, size_t len, char *err,
	      size_t errlen);

/* Runs PROG, which sim_check accepted, on D and returns the raw value the
 * filter returns (before any errno clamping: see sim_effective). If
 * EXECUTED is not NULL it receives the number of instructions executed,
 * the final ret included. On a program sim_check refuses, the run stays
 * memory-safe and fails closed: it returns ACT_KILL_PROCESS. */
uint32_t sim_run(const struct sock_filter *prog, size_t len,
		 const struct sim_data *d, size_t *executed);

/* Called after each executed instruction PC with the registers as that
 * instruction left them (for a ret: A is unchanged, the value returned is
 * in the instruction). */
typedef void sim_trace_fn(void *ctx, size_t pc, uint32_t a, uint32_t x);

/* sim_run, reporting every executed instruction to TRACE (may be NULL). */
uint32_t sim_run_traced(const struct sock_filter *prog, size_t len,
			const struct sim_data *d, size_t *executed,
			sim_trace_fn *trace, void *ctx);

/* What the kernel does with filter return value RET, in canonical form:
 * seccomp_action_effective() plus the kernel's clamping of errno data
 * above ERRNO_MAX to ERRNO_MAX. */
uint32_t sim_effective(uint32_t ret);

/* 1 if the kernel's action-cache emulation (seccomp_is_const_allow) would
 * find PROG to allow syscall NR on AUDIT_ARCH without looking at anything
 * but nr and arch, so the kernel skips running the filter for it; else 0.
 * Only the per-filter analysis: the kernel additionally treats uretprobe
 * and uprobe on x86_64 as always allowed, and only caches numbers within
 * its syscall tables for the native and compat architectures. */
int sim_const_allow(const struct sock_filter *prog, size_t len,
		    uint32_t audit_arch, uint32_t nr);

/* One ALU operation (BPF_OP of the code) on A with operand V, as the
 * kernel computes it. Returns 0, or -1 when it would divide by zero (the
 * kernel then ends the filter returning 0). */
int sim_alu(uint16_t op, uint32_t *a, uint32_t v);

/* Whether a conditional jump (BPF_OP of the code: JEQ, JGT, JGE, JSET)
 * is taken with A and operand V. */
int sim_jump_taken(uint16_t op, uint32_t a, uint32_t v);

/* Loads a raw program file: 8 bytes per instruction, each a little-endian
 * struct sock_filter (u16 code, u8 jt, u8 jf, u32 k). On success 0 and a
 * malloc'ed *PROG of *LEN instructions (possibly 0); else -1 and ERR. */
int sim_load_raw(const char *path, struct sock_filter **prog, size_t *len,
		 char *err, size_t errlen);

#endif
