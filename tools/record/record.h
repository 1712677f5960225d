/* What a program was seen to call, per ABI as seccomp reports it: the
 * recording syscall-record makes through user notification and seccomp-audit
 * --policy collects from audit events. policy_out.c turns it into a policy,
 * record_json.c into JSON. No I/O here. */
#ifndef BPFGEN_RECORD_H
#define BPFGEN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"

/* Arguments recorded for one call (--args): at most two values, already
 * masked to what decides the call's meaning (record_argspec). */
#define REC_MAX_FIELDS 2
/* Distinct argument tuples kept per syscall; beyond that the syscall is
 * allowed without conditions (a rule per value would not be reviewable). */
#define REC_MAX_VALUES 64
/* Syscall numbers below this are found by index, others by search. */
#define REC_FAST_NR 1024

struct rec_values {
	uint64_t v[REC_MAX_FIELDS];
	uint64_t count;
};

struct rec_call {
	uint32_t nr;            /* x32 bit removed */
	uint64_t count;
	struct rec_values *vals; /* --args: distinct tuples, in arrival order */
	size_t nvals, vcap;
	int too_many;           /* more than REC_MAX_VALUES distinct tuples */
	const struct rec_argspec *spec; /* its arguments' spec, or NULL */
};

/* One ABI: an AUDIT_ARCH_* value, and for x86_64 whether the x32 bit was
 * set. ARCH is NULL when arch/ does not know the audit value. */
struct rec_abi {
	uint32_t audit_arch;
	int x32;
	const struct arch *arch;
	struct rec_call *calls;  /* in order of first sight */
	size_t ncalls, cap;
	int32_t fast[REC_FAST_NR]; /* nr -> index in calls, -1 when unseen */
	uint64_t total;
};

struct record {
	struct rec_abi *abis;
	size_t nabis, cap;
	int with_args;          /* arguments were recorded (--args) */
};

/* How one recorded argument is masked and written as a condition. */
enum rec_field_kind {
	RF_PLAIN,      /* the value itself */
	RF_SOCKTYPE,   /* socket type without SOCK_CLOEXEC / SOCK_NONBLOCK */
	RF_PROTEXEC,   /* only PROT_EXEC of mmap/mprotect prot */
	RF_FUTEXOP,    /* futex op without FUTEX_PRIVATE_FLAG / _CLOCK_REALTIME */
	RF_CLONEFLAGS, /* clone flags without the exit signal (CSIGNAL) */
};

struct rec_field {
	int arg;                 /* argK */
	const char *param;       /* the kernel's parameter name (for reading) */
	uint8_t width;           /* bits the kernel reads: 32 or 64 */
	enum rec_field_kind kind;
	const char *const *prefixes; /* constant names that may name a value */
	const char *const *skip;     /* ...except these prefixes */
	int hex;                 /* write unnamed values in hex */
};

struct rec_argspec {
	const char *syscall;
	int nfields;
	struct rec_field f[REC_MAX_FIELDS];
};

/* The argument spec of syscall NAME, or NULL: the syscalls whose arguments
 * make good rules (socket family, ioctl request, ...). */
const struct rec_argspec *record_argspec(const char *name);

void record_init(struct record *r, int with_args);
void record_free(struct record *r);

/* The ABI for AUDIT_ARCH and NR as seccomp_data has them (the x32 bit of
 * NR selects x32 on x86_64), created on first use; NULL when out of
 * memory. *NR_OUT gets NR without the x32 bit. */
struct rec_abi *record_abi(struct record *r, uint32_t audit_arch, uint32_t nr,
			   uint32_t *nr_out);

/* Count one call (COUNT times); ARGS (may be NULL) are its six registers.
 * Returns 0, or -1 when out of memory. */
int record_add(struct record *r, uint32_t audit_arch, uint32_t nr,
	       const uint64_t *args, uint64_t count);

/* The call NR of ABI, or NULL if never seen. */
struct rec_call *record_find(struct rec_abi *a, uint32_t nr);

/* Name of NR on ABI's table, or NULL. */
const char *record_call_name(const struct rec_abi *a, uint32_t nr);

/* The architecture bpfgen compiles for whose native ABI A is (x86_64 or
 * aarch64, not x32), else NULL: calls of other ABIs get no allow rules
 * (on-bad-arch / on-x32 decide them). */
const struct arch *record_target(const struct rec_abi *a);

/* The ABI's name for people: "x86_64", "x32", "i386", "arm", or
 * "arch 0x..." (BUF holds it). */
const char *record_abi_name(const struct rec_abi *a, char *buf, size_t n);

#endif
