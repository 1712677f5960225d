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
#define X86_RAX  0
#define X86_RSP  4
#define A64_X8   8

enum op {
	OP_OTHER,    /* writes the registers in clobber, nothing modelled */
	OP_MOVI,     /* dst = imm */
	OP_MOVK,     /* dst bits [shift, shift+16) = imm (aarch64) */
	OP_COPY,     /* dst = src (32-bit: low half, zero-extended) */
	OP_ADDI,     /* dst = src + imm */
	OP_ORI,      /* dst = src | imm */
	OP_ANDI,     /* dst = src & imm */
	OP_XORI,     /* dst = src ^ imm */
	OP_ADR,      /* dst = address imm (lea rip, adr, adrp) */
	OP_LOAD,     /* dst = memory at src + imm (src REG_NONE: at imm; REG_ZERO: unknown) */
	OP_SYSCALL,  /* x86_64 syscall */
	OP_INT80,    /* int 0x80 / sysenter: the i386 ABI */
	OP_SVC,      /* aarch64 svc */
	OP_CALL,     /* call imm */
	OP_CALLR,    /* call through register src */
	OP_CALLM,    /* call through memory (as OP_LOAD's address) */
	OP_JMP,      /* jump to imm */
	OP_JMPR,     /* jump through register src */
	OP_JMPM,     /* jump through memory */
	OP_JCC,      /* conditional jump to imm, else fall through */
	OP_RET,
	OP_STOP,     /* hlt, ud2, brk, int3: no successor */
	OP_NOP       /* padding */
};

struct insn {
	uint64_t addr;
	uint64_t imm;
	uint32_t clobber;     /* other registers written (bit per register) */
	uint8_t len, op, dst, src;
	uint8_t bits;         /* 32: result is the low 32 bits (zero-extended) */
	uint8_t shift;        /* OP_MOVK */
	uint8_t page;         /* OP_ADR from adrp: an address's page, not an address */
	uint8_t noret;        /* OP_CALL of a function that never returns */
};

struct decoder;
struct decoder *decoder_open(enum scan_machine m);
void decoder_close(struct decoder *d);
/* Decodes [START, END) of EF linearly; bytes that do not decode are
 * skipped. Appends to *OUT (capacity *CAP). 0, or -1 out of memory. */
int decode_range(struct decoder *d, const struct elf_file *ef, uint64_t start,
		 uint64_t end, struct insn **out, size_t *n, size_t *cap);

/* ---- values and one function's data flow (flow.c) -------------------- */

#define VMAX 8
enum vkind { V_BOT, V_CONST, V_ARG, V_MEM, V_TOP };
/* Why a value is unknown. */
enum why { W_NONE, W_ENTRY, W_LOAD, W_CALL, W_OP, W_MANY, W_SYSRET, W_NOPRED,
	   W_MERGE, W_NWHY };
extern const char *const why_text[W_NWHY];

struct val {
	uint8_t kind, n, why, reg;   /* reg: V_ARG's register */
	uint64_t v[VMAX];            /* V_CONST's values; V_MEM: v[0] the address */
};

struct func;
/* Called for each instruction of FN reached by the analysis, with the
 * register values before it. */
typedef void flow_visit_fn(void *ctx, const struct func *fn, size_t i,
			   const struct val *regs);
/* Runs the data flow of FN (machine M) to a fixed point, then VISIT for
 * every instruction. 0, or -1 out of memory. */
int flow_run(const struct func *fn, enum scan_machine m, flow_visit_fn *visit,
	     void *ctx);

/* ---- modules (module.c) ----------------------------------------------- */

enum edge_kind { E_CALL, E_TAIL, E_TAKEN };

struct edge {
	uint64_t at;         /* instruction address in the caller */
	const char *import;  /* unresolved symbol name, or NULL */
	uint64_t slot;       /* with import: GOT slot, for messages */
	uint32_t mod, fn;    /* target once resolved */
	uint8_t kind, resolved;
};

/* The ABIs a site can use. */
enum abi { ABI_X86_64, ABI_X32, ABI_I386, ABI_AARCH64, ABI_N };
extern const char *const abi_name[ABI_N];

struct site {
	uint64_t at;
	struct val num;      /* the number register's value */
	uint8_t kind;        /* OP_SYSCALL, OP_INT80 or OP_SVC */
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
	int8_t wrap_reg;      /* wrapper: register that holds the number, or -1 */
	uint8_t wrap_kind;    /* its site's kind */
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

/* Reads and analyses one file: functions, their sites and edges. 0, or -1
 * with ERR set. */
int module_load(struct module *m, const char *path, struct decoder *dec,
		char *err, size_t errlen);
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

/* ---- the program and what it loads (program.c) ------------------------------------------ */

struct scan_options {
	const char *sysroot;     /* "/" by default */
	const char **dlopen;     /* --dlopen */
	size_t ndlopen;
	int all_sites;
	int no_nss;              /* do not add nsswitch.conf's modules */
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
	char reason[160];
};

struct scan {
	enum scan_machine machine;
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
/* The example path to function FN of module MOD as "a → b → c" in BUF. */
const char *scan_path(const struct scan *p, uint32_t mod, uint32_t fn,
			 char *buf, size_t len);

#endif
