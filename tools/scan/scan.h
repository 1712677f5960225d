/* syscall-scan's model of a program: modules (the binary, its libraries,
 * the dynamic loader), their functions as decoded instructions, the
 * syscall sites found in them and the call graph between them.
 *
 * Stages, one file each:
 *   elf.c      ELF file -> sections, symbols, relocations, dynamic entries
 *   decode.c   bytes -> instructions reduced to what the analysis models
 *              (the only file that uses capstone)
 *   flow.c     one function: control-flow graph and the values registers
 *              can hold at each instruction (syscall numbers, addresses)
 *   module.c   one file: function boundaries, sites, edges, wrappers
 *   program.c  the binary and everything the loader maps: library search,
 *              symbol binding, wrappers across calls, reachability
 */
#ifndef SCAN_SCAN_H
#define SCAN_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "tools/scan/elf.h"

/* ---- instructions (decode.c) ---------------------------------------- */

/* Register numbers: x86_64 0..15 (rax rcx rdx rbx rsp rbp rsi rdi r8..r15),
 * aarch64 0..30 (x0..x30) and 31 (sp). */
#define NREG     32
#define REG_NONE 0xff
#define REG_ZERO 0xfe   /* xzr/wzr */
#define REG_UNK  0xfd   /* OP_STORE, OP_PUSH: a value the analysis does not know */
#define X86_RAX  0
#define X86_RSP  4
#define A64_X8   8

enum op {
	OP_OTHER,    /* writes the registers in clobber, and memory if mem & MEM_W */
	OP_MOVI,     /* dst = imm */
	OP_MOVK,     /* dst bits [shift, shift+kw) = imm (aarch64 movk; x86 al, ax) */
	OP_COPY,     /* dst = src (32-bit: low half, zero-extended) */
	OP_ADDI,     /* dst = src + imm */
	OP_ORI,      /* dst = src | imm */
	OP_ANDI,     /* dst = src & imm */
	OP_XORI,     /* dst = src ^ imm */
	OP_ADR,      /* dst = address imm (lea rip, adr, adrp) */
	OP_LOAD,     /* dst = the memory operand */
	OP_LOAD2,    /* dst, dst2 = two consecutive words of it (ldp) */
	OP_STORE,    /* memory operand = src (REG_NONE: imm; REG_ZERO: 0; REG_UNK) */
	OP_STORE2,   /* two consecutive words = src, src2 (stp) */
	OP_PUSH,     /* rsp -= 8, [rsp] = src (REG_NONE: imm; REG_UNK) */
	OP_POP,      /* dst = [rsp], rsp += 8 */
	OP_SYSCALL,  /* x86_64 syscall */
	OP_INT80,    /* int 0x80 / sysenter: the i386 ABI */
	OP_SVC,      /* aarch64 svc */
	OP_CALL,     /* call imm */
	OP_CALLR,    /* call through register src */
	OP_CALLM,    /* call through the memory operand */
	OP_JMP,      /* jump to imm */
	OP_JMPR,     /* jump through register src */
	OP_JMPM,     /* jump through the memory operand */
	OP_JCC,      /* conditional jump to imm, else fall through */
	OP_RET,
	OP_STOP,     /* hlt, ud2, brk, int3: no successor */
	OP_NOP       /* padding */
};

/* Memory operand access. */
#define MEM_R 1
#define MEM_W 2
/* Base register writeback (aarch64): before or after the access. */
#define WB_PRE  1
#define WB_POST 2

struct insn {
	uint64_t addr;
	uint64_t imm;
	int64_t disp;         /* memory operand: mbase + disp (mbase REG_NONE: disp is the address) */
	int64_t wbimm;        /* writeback: added to mbase */
	uint32_t clobber;     /* other registers written (bit per register) */
	uint32_t reads;       /* registers read (for OP_OTHER's results) */
	uint8_t len, op, dst, src;
	uint8_t dst2, src2;   /* OP_LOAD2, OP_STORE2 */
	uint8_t bits;         /* 32: result is the low 32 bits (zero-extended) */
	uint8_t shift;        /* OP_MOVK */
	uint8_t page;         /* OP_ADR from adrp: an address's page, not an address */
	uint8_t noret;        /* OP_CALL of a function that never returns */
	uint8_t mem;          /* MEM_R | MEM_W: the instruction has a memory operand */
	uint8_t mbase, mindex;/* its base (REG_NONE: absolute, REG_ZERO: unknown, e.g. fs:)
				 and index (REG_UNK: any register may be the address) */
	uint8_t mwidth;       /* bytes per register accessed; 0: unknown extent */
	uint8_t rep;          /* rep movs/stos: mwidth bytes times rcx */
	uint8_t sext;         /* a load that sign-extends */
	uint8_t wb;           /* WB_PRE, WB_POST */
	uint8_t kw;           /* OP_MOVK: bits replaced (0: 16) */
	/* A comparison of register cmpreg (64 bits) with cmpimm that sets
	 * the flags a following OP_JCC tests (on aarch64's cbz/cbnz, the
	 * OP_JCC itself); cc: what the OP_JCC jumps on. */
	uint8_t cmpreg, cc;
	uint64_t cmpimm;
};
#define CC_EQ 1   /* jump if equal */
#define CC_NE 2   /* jump if not equal */

struct decoder;
struct decoder *decoder_open(enum scan_machine m);
void decoder_close(struct decoder *d);
/* Decodes [START, END) of EF linearly; bytes that do not decode are
 * skipped. Appends to *OUT (capacity *CAP). 0, or -1 out of memory. */
int decode_range(struct decoder *d, const struct elf_file *ef, uint64_t start,
		 uint64_t end, struct insn **out, size_t *n, size_t *cap);

/* ---- values and one function's data flow (flow.c) -------------------- */

#define VMAX 8
/* What a register (or a word of memory) may hold:
 *   V_CONST  one of n constants v[0..n)
 *   V_ARG    the value register reg had at the function's entry, plus off
 *            (width 4: its low 32 bits)
 *   V_MEM    the word at the fixed address v[0], plus off
 *   V_LD     the width bytes at [entry value of reg + off] as they were at
 *            the function's entry (the caller's memory: a stack slot of
 *            the caller, or a field of a structure it passed)
 *   V_LDG    the width bytes at [the word at v[0]] + off (a field of a
 *            structure a global points to)
 *   V_TOP    unknown, why says why */
enum vkind { V_BOT, V_CONST, V_ARG, V_MEM, V_LD, V_LDG, V_TOP };
/* Why a value is unknown. */
enum why { W_NONE, W_ENTRY, W_LOAD, W_CALL, W_OP, W_MANY, W_SYSRET, W_NOPRED,
	   W_MERGE, W_ESC, W_ALIAS, W_NWHY };
extern const char *const why_text[W_NWHY];

/* Provenance: bit R (< NREG) set if the value may be derived from the
 * entry value of register R (a pointer to an object the caller owns; bit
 * SP: the function's own stack frame). Higher bits are the analyses' own
 * marks (struct flow_cfg). */
#define PROV_REGS 0xffffffffull

struct val {
	uint8_t kind, n, why, reg;   /* reg: V_ARG's and V_LD's register */
	uint8_t width, sext;         /* V_LD, V_LDG, V_MEM: bytes loaded, sign-extended */
	uint8_t pub;                 /* V_LD read after the object was published */
	int64_t off;
	uint64_t v[VMAX];            /* V_CONST's values; V_MEM, V_LDG: v[0] the address */
	uint64_t from;               /* provenance */
};

/* A word of memory the analysis knows the value of: [entry value of base
 * register + off, +width) — the function's own stack frame (base SP) or
 * an object its caller passed. */
struct cell {
	int64_t off;
	uint8_t base, width;
	struct val v;
};
#define NCELL 32

/* What the data flow knows before an instruction. Objects are named by
 * the register that pointed to them at entry (bit R); the stack frame by
 * SP. An escaped object may be changed by any other code at any time; a
 * clobbered one has had writes the analysis could not place (its words
 * without a cell are unknown); a published one had its address stored in
 * the fixed word pubaddr only (the caller decides whether that is safe). */
struct fstate {
	struct val r[NREG];
	struct cell c[NCELL];        /* oldest first: the newest overlapping cell decides */
	uint8_t nc;
	uint32_t esc, clob, pub;
	uint64_t pubaddr;
	uint64_t lost;               /* provenance of values dropped from the frame's cells */
	uint8_t nopred;              /* in code no edge of the function reaches */
};

/* Address ranges an analysis marks: a constant in [lo, hi) gets the
 * provenance bits cbit, a value loaded from [lo, hi) the bits lbit. */
struct flow_range {
	uint64_t lo, hi, cbit, lbit;
};

/* What a called function may do to its caller, in terms of the caller's
 * registers at the call (bit per register): let the objects they point to
 * (and what those hold) escape, write them, return a value derived from
 * them (ret, leave: also the analyses' marks), call through them, or use
 * the stack arguments. */
struct call_sum {
	uint32_t esc, wr;
	int64_t wrlo[NREG];  /* wr: lowest offset written (INT64_MIN: anywhere) */
	uint64_t ret;        /* in the return register (rax, x0) */
	uint64_t leave;      /* in the second one (rdx, x1) */
	uint32_t callr;      /* called through (the target, or its address) */
	uint8_t stack;
	uint32_t reads;      /* call_sum returned 1 (nothing else known): the
				registers the callee may read */
};

struct func;
struct flow_cfg {
	enum scan_machine m;
	const struct flow_range *ranges;
	size_t nranges;
	uint64_t load_if, load_add;  /* a load through an address with any of
					load_if's bits gets load_add's */
	/* Registers and fixed addresses only: memory reached through a
	 * register reads as unknown, no cell is kept (the first, fast look
	 * at every function; program.c looks again where that is not
	 * enough). */
	int registers_only;
	uint64_t entry[NREG];        /* extra provenance of each register at entry */
	/* What the call IN of FN may do: 0 and *OUT; 1: anything, with only
	 * the registers OUT->reads; -1 (or NULL): anything the ABI allows. */
	int (*call_sum)(void *ctx, const struct func *fn, const struct insn *in,
			struct call_sum *out);
	void *ctx;
};

/* Called for each instruction of FN reached by the analysis, with the
 * state before it. */
typedef void flow_visit_fn(void *ctx, const struct func *fn, size_t i,
			   const struct fstate *st);
/* Runs the data flow of FN to a fixed point, then VISIT for every
 * instruction. 0, or -1 out of memory. */
int flow_run(const struct func *fn, const struct flow_cfg *cfg, flow_visit_fn *visit,
	     void *ctx);
/* A configuration that marks nothing, for machine M. */
void flow_cfg_init(struct flow_cfg *cfg, enum scan_machine m);
/* The stack pointer's register number, and the registers a call may
 * change (bit per register). */
uint8_t flow_sp(enum scan_machine m);
uint32_t flow_caller_saved(enum scan_machine m);
/* The registers the ABI passes arguments in. */
uint32_t flow_arg_regs(enum scan_machine m);
/* The address of IN's memory operand in state ST: V_CONST (one address),
 * V_ARG (entry register + off), V_MEM (the word at a fixed address + off),
 * or V_TOP with the provenance of its registers. For an instruction
 * with writeback, the address accessed (not the updated base). */
void flow_addr(const struct fstate *st, const struct insn *in, struct val *out);
/* The argument registers of syscall instruction IN in state ST, by what
 * the kernel may do with them: keep a pointer or take anything (ESC),
 * write at and after a pointer (WR), only read there (RD). */
void flow_syscall_args(const struct fstate *st, const struct insn *in, enum scan_machine m,
		       uint32_t *esc, uint32_t *wr, uint32_t *rd);
/* The bytes IN's memory operand covers in state ST (0: unknown). */
int flow_width(const struct fstate *st, const struct insn *in);
/* The registers syscall instruction IN reads its arguments from (as many
 * as its number's syscalls take; all six when not known). */
uint32_t flow_syscall_reads(const struct fstate *st, const struct insn *in, enum scan_machine m);
/* The value of the WIDTH bytes at ADDR (as flow_addr gives it) in ST,
 * as a register of BITS (32 or 64) would hold them. */
void flow_read(const struct fstate *st, const struct flow_cfg *cfg, const struct val *addr,
	       int width, int sext, int bits, struct val *out);

/* ---- modules (module.c) ----------------------------------------------- */

enum edge_kind { E_CALL, E_TAIL, E_TAKEN };

struct edge {
	uint64_t at;         /* instruction address in the caller */
	const char *import;  /* unresolved symbol name, or NULL */
	uint64_t slot;       /* with import: GOT slot, for messages */
	uint32_t mod, fn;    /* target once resolved */
	uint8_t kind, resolved;
	uint8_t exact;       /* the call goes there and nowhere else (not a
				writable word's first value) */
};

/* The ABIs a site can use. */
enum abi { ABI_X86_64, ABI_X32, ABI_I386, ABI_AARCH64, ABI_N };
extern const char *const abi_name[ABI_N];

struct site {
	uint64_t at;
	struct val num;      /* the number register's value */
	uint8_t kind;        /* OP_SYSCALL, OP_INT80 or OP_SVC */
	uint8_t covered;     /* its numbers are another site's (see program.c) */
	uint8_t via_wrapper; /* a call to wrapper wmod/wfn */
	uint32_t wmod, wfn;
};

struct func {
	uint64_t start, end;
	struct insn *insns;
	size_t n, cap;
	const char *name;     /* symbol, or NULL */
	struct site *sites;
	size_t nsites, capsites;
	struct edge *edges;
	size_t nedges, capedges;
	/* A wrapper: its number is register wrap_reg as it was at entry, or
	 * (wrap_mem) the wrap_width bytes at [that register + wrap_off] in
	 * its caller's memory; -1: not a wrapper. */
	int8_t wrap_reg;
	uint8_t wrap_kind;    /* its site's kind */
	uint8_t wrap_mem, wrap_width, wrap_sext;
	int64_t wrap_off;
	uint64_t wrap_pub;    /* wrap_mem after the address was stored in this
				 global (0: not published) */
	char *wrap_fail;      /* why the wrapper's callers cannot give the number */
	uint8_t ptr_ok;       /* called through pointers only where pointers.c found */
	char *ptr_fail;       /* else why that is not known */
	uint8_t taken;        /* address stored in data or an IFUNC resolver */
	uint8_t wrap_conflict;
	uint8_t noreturn;     /* no path returns (module-local knowledge) */
};

struct module {
	struct elf_file ef;
	char *name;           /* basename, for paths */
	int is_main, is_interp, is_dlopen;
	struct func *funcs;   /* sorted by start */
	size_t nfuncs;
	uint64_t *roots;      /* function starts the loader calls */
	size_t nroots;
	char **notes;         /* incomplete reasons */
	size_t nnotes;
	size_t misaligned;    /* code addresses that are not instruction starts */
	uint32_t *exports;    /* defined dynamic symbols (ef.syms), by name */
	size_t nexports;
};

/* Reads and analyses one file (and its separate debug file under
 * SYSROOT, for names and object sizes): functions, their sites and
 * edges. 0, or -1 with ERR set. */
int module_load(struct module *m, const char *path, const char *sysroot,
		struct decoder *dec, char *err, size_t errlen);
void module_free(struct module *m);
/* Index of the function containing ADDR, or -1. */
long module_func_at(const struct module *m, uint64_t addr);
/* Name for messages: symbol or fn_ADDR, into BUF. */
const char *func_label(const struct module *m, const struct func *f, char *buf,
		       size_t len);
void module_note(struct module *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int func_add_edge(struct func *f, const struct edge *e);
int func_add_site(struct func *f, const struct site *s);
/* Records that F's site of KIND has the number V: a register or memory of
 * its caller makes F a wrapper (two different ones a conflict); memory
 * whose address F stored in global PUBADDR first, a published one. */
void func_wrapper(struct func *f, const struct val *v, uint8_t kind, uint64_t pubaddr);

/* ---- the program and what it loads (program.c) ------------------------------------------ */

struct scan_options {
	const char *sysroot;     /* "/" by default */
	const char **dlopen;     /* --dlopen */
	size_t ndlopen;
	int all_sites;
	int no_nss;              /* do not add nsswitch.conf's modules */
	int strict;              /* make no assumption (README: "Assumptions") */
};

/* One syscall reachable from the program. */
struct found {
	uint8_t abi;
	uint32_t nr;
	uint32_t mod, fn;        /* where (example); mod UINT32_MAX: the vDSO */
	uint64_t at;
	uint8_t via;             /* through a call of wrapper wmod/wfn */
	uint32_t wmod, wfn;
};

struct unresolved {
	uint32_t mod, fn;
	uint64_t at;
	char reason[512];
};

struct scan {
	enum scan_machine machine;
	const char *sysroot;
	char *musl[16];          /* musl's loader's library path */
	size_t nmusl;
	struct module *mods;
	size_t nmods;
	struct found *found;     /* sorted by abi, nr */
	size_t nfound;
	struct unresolved *unres;
	size_t nunres;
	char **notes;            /* program-wide: missing libraries, dlopen, vDSO */
	size_t nnotes;
	int incomplete;
	size_t nreach;           /* reachable functions */
	/* BFS parents for example paths: per module, per function. */
	uint32_t **parent_mod, **parent_fn;
	uint8_t **reached;
};

int scan_run(struct scan *p, const char *path, const struct scan_options *o,
		 char *err, size_t errlen);
void scan_free(struct scan *p);
/* ---- summaries of calls (summary.c) ------------------------------------ */

struct summaries;
/* Summaries of the program's functions for analyses configured as TMPL
 * (its call_sum and ctx are replaced). NULL out of memory. */
struct summaries *sum_new(struct scan *p, const struct flow_cfg *tmpl);
void sum_free(struct summaries *s);
/* The configuration to run flow_run with. */
const struct flow_cfg *sum_cfg(const struct summaries *s);
/* 1 if a summary could not be computed for lack of memory. */
int sum_failed(const struct summaries *s);
/* flow_cfg's call_sum. */
int sum_call(void *ctx, const struct func *fn, const struct insn *in, struct call_sum *out);

/* ---- pointers published in private globals (globals.c) ----------------- */

/* What is known of the object a pointer stored in global word g of module
 * mod points to (see globals.c). */
struct gcheck {
	int ok;                  /* every access is known */
	char why[512];           /* else why not */
	int assumed;             /* ok only if this holds: */
	char assumption[512];
	uint64_t g;
	uint32_t mod;
	uint32_t pubfn;          /* the function that stores a pointer in g
				    (UINT32_MAX: none, g stays zero) */
	uint8_t pubreg;          /* the argument register it stores */
	size_t nreaders;
	struct { int64_t lo, hi; } wr[32];   /* offsets of the object written */
	size_t nwr;
};
/* Checks global G of module MOD. 0 (C->ok says the verdict), -1 out of
 * memory. */
int global_check(struct scan *p, uint32_t mod, uint64_t g, struct gcheck *c);
/* 1 if any of C's writes may touch [off, off + width). */
int gcheck_written(const struct gcheck *c, int64_t off, int width);

/* ---- wrappers called through pointers (pointers.c) ---------------------- */

/* Proves, for the wrappers of module MOD that BYPTR says are reached
 * through a pointer, that only the indirect calls through the file's data
 * holding their addresses call them, and adds those calls as sites
 * (ptr_ok); else says why not (ptr_fail). 0, or -1 out of memory. */
int pointer_wrappers(struct scan *p, const uint8_t *const *byptr, uint32_t mod,
		     int strict);

/* Adds a note to the report (INCOMPLETE: the result is incomplete). */
void scan_note(struct scan *p, int incomplete, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A register's name, for messages. */
const char *reg_name(enum scan_machine m, uint8_t r);
/* The example path to function FN of module MOD as "a → b → c" in BUF. */
const char *scan_path(const struct scan *p, uint32_t mod, uint32_t fn,
			 char *buf, size_t len);

#endif
