/* syscall-scan: machine code -> struct insn. Capstone decodes; this file
 * keeps only what the data flow models (moves of constants and registers,
 * small arithmetic, loads and stores with their memory operand, address
 * computations, control transfers) and reduces every other instruction to
 * the registers it reads and writes and whether it writes memory. Where
 * capstone is unsure, or cannot decode at all, the instruction writes
 * everything: the analysis may lose precision, never a write. */
#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "tools/scan/scan.h"

struct decoder {
	csh h;
	enum scan_machine m;
	cs_insn *ci;
	uint8_t regmap[1024];   /* capstone register -> our number */
	uint8_t regbits[1024];  /* its width */
	uint8_t bytes[1024];    /* any register's size in bytes (vector ones too) */
	uint8_t hi8[1024];      /* ah, bh, ch, dh */
};

static const char *const x86_names[16][4] = {
	{ "rax", "eax", "ax", "al" }, { "rcx", "ecx", "cx", "cl" },
	{ "rdx", "edx", "dx", "dl" }, { "rbx", "ebx", "bx", "bl" },
	{ "rsp", "esp", "sp", "spl" }, { "rbp", "ebp", "bp", "bpl" },
	{ "rsi", "esi", "si", "sil" }, { "rdi", "edi", "di", "dil" },
	{ "r8", "r8d", "r8w", "r8b" }, { "r9", "r9d", "r9w", "r9b" },
	{ "r10", "r10d", "r10w", "r10b" }, { "r11", "r11d", "r11w", "r11b" },
	{ "r12", "r12d", "r12w", "r12b" }, { "r13", "r13d", "r13w", "r13b" },
	{ "r14", "r14d", "r14w", "r14b" }, { "r15", "r15d", "r15w", "r15b" },
};

static void build_regmap(struct decoder *d)
{
	static const uint8_t widths[4] = { 64, 32, 16, 8 };
	memset(d->regmap, REG_NONE, sizeof d->regmap);
	for (unsigned r = 1; r < sizeof d->regmap; r++) {
		const char *n = cs_reg_name(d->h, r);
		if (!n)
			continue;
		if (d->m == MACH_X86_64) {
			for (int i = 0; i < 16; i++)
				for (int w = 0; w < 4; w++)
					if (strcmp(n, x86_names[i][w]) == 0) {
						d->regmap[r] = (uint8_t)i;
						d->regbits[r] = widths[w];
					}
			if (strcmp(n, "ah") == 0 || strcmp(n, "bh") == 0 ||
			    strcmp(n, "ch") == 0 || strcmp(n, "dh") == 0) {
				d->regmap[r] = (uint8_t)(n[0] == 'a' ? 0 : n[0] == 'b' ? 3 :
							 n[0] == 'c' ? 1 : 2);
				d->regbits[r] = 8;
				d->hi8[r] = 1;
			}
			d->bytes[r] = d->regbits[r] / 8;
			if (strncmp(n, "xmm", 3) == 0)
				d->bytes[r] = 16;
			else if (strncmp(n, "ymm", 3) == 0)
				d->bytes[r] = 32;
			else if (strncmp(n, "zmm", 3) == 0)
				d->bytes[r] = 64;
		} else {
			if ((n[0] == 'x' || n[0] == 'w') && n[1] >= '0' && n[1] <= '9') {
				int k = atoi(n + 1);
				if (k >= 0 && k <= 30) {
					d->regmap[r] = (uint8_t)k;
					d->regbits[r] = n[0] == 'x' ? 64 : 32;
				}
			} else if (strcmp(n, "sp") == 0 || strcmp(n, "wsp") == 0) {
				d->regmap[r] = 31;
				d->regbits[r] = n[0] == 's' ? 64 : 32;
			} else if (strcmp(n, "xzr") == 0 || strcmp(n, "wzr") == 0) {
				d->regmap[r] = REG_ZERO;
				d->regbits[r] = n[0] == 'x' ? 64 : 32;
			} else if (strcmp(n, "fp") == 0 || strcmp(n, "x29") == 0) {
				d->regmap[r] = 29;
				d->regbits[r] = 64;
			} else if (strcmp(n, "lr") == 0) {
				d->regmap[r] = 30;
				d->regbits[r] = 64;
			}
			switch (n[0]) {
			case 'x': case 'd': d->bytes[r] = 8; break;
			case 'w': case 's': d->bytes[r] = 4; break;
			case 'h': d->bytes[r] = 2; break;
			case 'b': d->bytes[r] = 1; break;
			case 'q': case 'v': d->bytes[r] = 16; break;
			default: d->bytes[r] = d->regbits[r] / 8; break;
			}
			if (strcmp(n, "fp") == 0 || strcmp(n, "lr") == 0)
				d->bytes[r] = 8;
		}
	}
}

struct decoder *decoder_open(enum scan_machine m)
{
	struct decoder *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->m = m;
	if (cs_open(m == MACH_X86_64 ? CS_ARCH_X86 : CS_ARCH_ARM64,
		    m == MACH_X86_64 ? CS_MODE_64 : CS_MODE_ARM, &d->h) != CS_ERR_OK) {
		free(d);
		return NULL;
	}
	cs_option(d->h, CS_OPT_DETAIL, CS_OPT_ON);
	d->ci = cs_malloc(d->h);
	if (!d->ci) {
		cs_close(&d->h);
		free(d);
		return NULL;
	}
	build_regmap(d);
	return d;
}

void decoder_close(struct decoder *d)
{
	if (!d)
		return;
	cs_free(d->ci, 1);
	cs_close(&d->h);
	free(d);
}

static uint8_t reg(const struct decoder *d, unsigned r)
{
	return r < sizeof d->regmap ? d->regmap[r] : REG_NONE;
}

static uint8_t bits(const struct decoder *d, unsigned r)
{
	return r < sizeof d->regbits ? d->regbits[r] : 0;
}

static uint8_t nbytes(const struct decoder *d, unsigned r)
{
	return r < sizeof d->bytes ? d->bytes[r] : 0;
}

/* Registers CI reads and writes, as masks (capstone's implicit and
 * explicit lists). Unknown: all of them. */
static void access(struct decoder *d, const cs_insn *ci, uint32_t *rd, uint32_t *wr)
{
	cs_regs rr, ww;
	uint8_t nr = 0, nw = 0;
	*rd = *wr = 0;
	if (cs_regs_access(d->h, ci, rr, &nr, ww, &nw) != CS_ERR_OK) {
		*rd = *wr = 0xffffffffu;
		return;
	}
	for (int i = 0; i < nr; i++) {
		uint8_t r = reg(d, rr[i]);
		if (r < NREG)
			*rd |= 1u << r;
	}
	for (int i = 0; i < nw; i++) {
		uint8_t r = reg(d, ww[i]);
		if (r < NREG)
			*wr |= 1u << r;
	}
}

/* The registers CI reads as values, not as the address of its memory
 * operand: register operands (all of them on aarch64, where capstone's
 * access flags are not reliable; those not only written on x86) and the
 * implicit ones. ALL: everything it reads. */
static uint32_t data_reads(const struct decoder *d, const cs_insn *ci, uint32_t all)
{
	const cs_detail *det = ci->detail;
	uint32_t m = 0;
	int mem = 0;
	for (int i = 0; i < det->regs_read_count; i++) {
		uint8_t r = reg(d, det->regs_read[i]);
		if (r < NREG)
			m |= 1u << r;
	}
	if (d->m == MACH_X86_64) {
		for (int k = 0; k < det->x86.op_count; k++) {
			const cs_x86_op *o = &det->x86.operands[k];
			if (o->type == X86_OP_MEM)
				mem = 1;
			else if (o->type == X86_OP_REG && o->access != CS_AC_WRITE &&
				 reg(d, o->reg) < NREG)
				m |= 1u << reg(d, o->reg);
		}
	} else {
		for (int k = 0; k < det->arm64.op_count; k++) {
			const cs_arm64_op *o = &det->arm64.operands[k];
			if (o->type == ARM64_OP_MEM)
				mem = 1;
			else if (o->type == ARM64_OP_REG && reg(d, o->reg) < NREG)
				m |= 1u << reg(d, o->reg);
		}
	}
	/* Without a memory operand every register read is a value (an
	 * instruction capstone lists more for, such as a string one, too). */
	return mem ? m : all | m;
}

/* ---- x86_64 -------------------------------------------------------------- */

static void x86_mem(const struct decoder *d, const cs_insn *ci, const cs_x86_op *o,
		    struct insn *in)
{
	const x86_op_mem *mm = &o->mem;
	in->mindex = REG_NONE;
	if (mm->segment != X86_REG_INVALID) {
		in->mbase = REG_ZERO;         /* fs:/gs: thread-local, no address we know */
		in->disp = mm->disp;
	} else if (mm->base == X86_REG_RIP) {
		in->mbase = REG_NONE;
		in->disp = (int64_t)(ci->address + ci->size + (uint64_t)mm->disp);
	} else if (mm->base == X86_REG_INVALID) {
		in->mbase = REG_NONE;
		in->disp = mm->disp;
	} else {
		in->mbase = reg(d, mm->base);
		in->disp = mm->disp;
		if (in->mbase >= NREG)
			in->mbase = REG_ZERO;
	}
	if (mm->index != X86_REG_INVALID) {
		in->mindex = reg(d, mm->index);
		if (in->mindex >= NREG)
			in->mindex = REG_ZERO;
		if (in->mbase == REG_NONE)
			in->mbase = REG_ZERO;     /* table + index: not one address */
	}
	in->mwidth = o->size;
}

/* Instructions whose first (memory) operand is only read. Any other
 * instruction with a memory first operand is taken to write it: capstone's
 * access flags miss some writes (lock cmpxchg). */
static int x86_reads_first(unsigned id)
{
	switch (id) {
	case X86_INS_CMP: case X86_INS_TEST: case X86_INS_PUSH: case X86_INS_CALL:
	case X86_INS_JMP: case X86_INS_BT: case X86_INS_NOP: case X86_INS_PREFETCH:
	case X86_INS_PREFETCHNTA: case X86_INS_PREFETCHT0: case X86_INS_PREFETCHT1:
	case X86_INS_PREFETCHT2: case X86_INS_PREFETCHW: case X86_INS_CLFLUSH:
	case X86_INS_CLFLUSHOPT: case X86_INS_FLD: case X86_INS_FILD: case X86_INS_FLDCW:
	case X86_INS_FLDENV: case X86_INS_FXRSTOR: case X86_INS_FXRSTOR64:
	case X86_INS_XRSTOR: case X86_INS_XRSTOR64: case X86_INS_LDMXCSR:
	case X86_INS_VLDMXCSR: case X86_INS_FCOM: case X86_INS_FCOMP: case X86_INS_FICOM:
	case X86_INS_FICOMP: case X86_INS_FADD: case X86_INS_FIADD: case X86_INS_FSUB:
	case X86_INS_FSUBR: case X86_INS_FISUB: case X86_INS_FISUBR: case X86_INS_FMUL:
	case X86_INS_FIMUL: case X86_INS_FDIV: case X86_INS_FDIVR: case X86_INS_FIDIV:
	case X86_INS_FIDIVR: case X86_INS_FBLD: case X86_INS_VERR: case X86_INS_VERW:
	case X86_INS_LODSB: case X86_INS_LODSW: case X86_INS_LODSD: case X86_INS_LODSQ:
	case X86_INS_CMPSB: case X86_INS_CMPSW: case X86_INS_CMPSD: case X86_INS_CMPSQ:
	case X86_INS_SCASB: case X86_INS_SCASW: case X86_INS_SCASD: case X86_INS_SCASQ:
		return 1;
	}
	return 0;
}

/* The memory operand of CI (the written one if there are two), its access. */
static void x86_memop(const struct decoder *d, const cs_insn *ci, struct insn *in)
{
	const cs_x86 *x = &ci->detail->x86;
	int first = -1, other = -1;
	for (int k = 0; k < x->op_count; k++)
		if (x->operands[k].type == X86_OP_MEM) {
			if (k == 0)
				first = k;
			else if (other < 0)
				other = k;
		}
	if (ci->id == X86_INS_LEA || ci->id == X86_INS_NOP || (first < 0 && other < 0))
		return;
	const cs_x86_op *o;
	if (first == 0) {
		o = &x->operands[0];
		in->mem = MEM_R;
		if (!x86_reads_first(ci->id) || (o->access & CS_AC_WRITE))
			in->mem |= MEM_W;
	} else {
		o = &x->operands[other];
		in->mem = MEM_R;
		if (ci->id == X86_INS_XCHG || ci->id == X86_INS_XADD || (o->access & CS_AC_WRITE))
			in->mem |= MEM_W;
	}
	x86_mem(d, ci, o, in);
	if (x->prefix[0] == X86_PREFIX_REP || x->prefix[0] == X86_PREFIX_REPNE)
		in->rep = 1;      /* rep movs/stos: as far as rcx says */
}

static void decode_x86(struct decoder *d, const cs_insn *ci, struct insn *in)
{
	const cs_x86 *x = &ci->detail->x86;
	const cs_x86_op *o0 = x->op_count > 0 ? &x->operands[0] : NULL;
	const cs_x86_op *o1 = x->op_count > 1 ? &x->operands[1] : NULL;
	int r0 = o0 && o0->type == X86_OP_REG;
	uint8_t dst = r0 ? reg(d, o0->reg) : REG_NONE;
	uint8_t dbits = r0 ? bits(d, o0->reg) : 0;
	int full = dbits == 32 || dbits == 64;   /* a write that defines the whole register */
	uint32_t rd, wr;

	x86_memop(d, ci, in);
	switch (ci->id) {
	case X86_INS_SYSCALL:
		in->op = OP_SYSCALL;
		return;
	case X86_INS_SYSENTER:
		in->op = OP_INT80;
		return;
	case X86_INS_INT:
		if (o0 && o0->type == X86_OP_IMM && o0->imm == 0x80) {
			in->op = OP_INT80;
			return;
		}
		break;
	case X86_INS_CALL:
	case X86_INS_JMP:
		if (!o0)
			break;
		if (o0->type == X86_OP_IMM) {
			in->op = ci->id == X86_INS_CALL ? OP_CALL : OP_JMP;
			in->imm = (uint64_t)o0->imm;
		} else if (o0->type == X86_OP_REG) {
			in->op = ci->id == X86_INS_CALL ? OP_CALLR : OP_JMPR;
			in->src = reg(d, o0->reg);
		} else {
			in->op = ci->id == X86_INS_CALL ? OP_CALLM : OP_JMPM;
			in->mem = MEM_R;
		}
		return;
	case X86_INS_RET: case X86_INS_RETF: case X86_INS_RETFQ:
	case X86_INS_IRET: case X86_INS_IRETD: case X86_INS_IRETQ:
		in->op = OP_RET;
		return;
	case X86_INS_HLT: case X86_INS_UD2: case X86_INS_INT3:
		in->op = OP_STOP;
		return;
	case X86_INS_NOP:
		in->op = OP_NOP;
		in->mem = 0;
		return;
	case X86_INS_PUSH:
		if (!o0)
			break;
		in->op = OP_PUSH;
		in->mem = 0;
		in->src = REG_UNK;
		if (o0->type == X86_OP_IMM) {
			in->src = REG_NONE;
			in->imm = (uint64_t)o0->imm;
		} else if (r0 && dbits == 64 && dst < NREG) {
			in->src = dst;
		} else if (!(o0->type == X86_OP_MEM && o0->size == 8)) {
			break;            /* a 16-bit push: not modelled */
		}
		return;
	case X86_INS_PUSHFQ:
		in->op = OP_PUSH;
		in->src = REG_UNK;
		return;
	case X86_INS_POP:
		if (!r0 || dbits != 64 || dst >= NREG)
			break;
		in->op = OP_POP;
		in->dst = dst;
		return;
	case X86_INS_POPFQ:
		in->op = OP_POP;
		return;
	case X86_INS_MOV:
		/* A store of a register or a constant. */
		if (o0 && o0->type == X86_OP_MEM && o1) {
			in->op = OP_STORE;
			if (o1->type == X86_OP_IMM) {
				in->src = REG_NONE;
				in->imm = (uint64_t)o1->imm;
			} else if (o1->type == X86_OP_REG && reg(d, o1->reg) < NREG &&
				   !d->hi8[o1->reg]) {
				in->src = reg(d, o1->reg);
			} else {
				in->src = REG_UNK;
			}
			return;
		}
		break;
	}
	if (in->op == OP_OTHER && cs_insn_group(d->h, ci, CS_GRP_JUMP) && o0 &&
	    o0->type == X86_OP_IMM) {
		in->op = OP_JCC;
		in->imm = (uint64_t)o0->imm;
		in->cc = ci->id == X86_INS_JE ? CC_EQ : ci->id == X86_INS_JNE ? CC_NE : 0;
		return;
	}
	/* Comparisons a following je/jne can refine a register by. */
	if ((ci->id == X86_INS_TEST || ci->id == X86_INS_CMP) && r0 && dbits == 64 && dst < NREG &&
	    o1 && ((ci->id == X86_INS_TEST && o1->type == X86_OP_REG && reg(d, o1->reg) == dst) ||
		   (ci->id == X86_INS_CMP && o1->type == X86_OP_IMM))) {
		in->cmpreg = dst;
		in->cmpimm = ci->id == X86_INS_CMP ? (uint64_t)o1->imm : 0;
	}
	/* A constant into al or ax: the other bits stay. */
	if (ci->id == X86_INS_MOV && r0 && dst < NREG && (dbits == 8 || dbits == 16) &&
	    !d->hi8[o0->reg] && o1 && o1->type == X86_OP_IMM) {
		in->op = OP_MOVK;
		in->dst = dst;
		in->bits = 64;
		in->kw = dbits;
		in->imm = (uint64_t)o1->imm & ((1u << dbits) - 1);
		return;
	}
	access(d, ci, &rd, &wr);
	in->reads = data_reads(d, ci, rd);
	if (dst >= NREG || !full || !o1)
		goto other;
	in->dst = dst;
	in->bits = dbits == 32 ? 32 : 64;
	switch (ci->id) {
	case X86_INS_MOV:
	case X86_INS_MOVABS:
		if (o1->type == X86_OP_IMM) {
			in->op = OP_MOVI;
			in->imm = (uint64_t)o1->imm;
		} else if (o1->type == X86_OP_REG && bits(d, o1->reg) == dbits &&
			   reg(d, o1->reg) < NREG) {
			in->op = OP_COPY;
			in->src = reg(d, o1->reg);
		} else if (o1->type == X86_OP_MEM) {
			in->op = OP_LOAD;
		} else {
			goto other;
		}
		break;
	case X86_INS_MOVZX:
	case X86_INS_MOVSX:
		if (o1->type != X86_OP_MEM)
			goto other;
		in->op = OP_LOAD;
		in->sext = ci->id == X86_INS_MOVSX;
		break;
	case X86_INS_MOVSXD:
		if (o1->type == X86_OP_MEM) {
			in->op = OP_LOAD;
			in->sext = 1;
			break;
		}
		if (o1->type != X86_OP_REG || reg(d, o1->reg) >= NREG)
			goto other;
		in->op = OP_COPY;       /* sign-extension of a 32-bit value: as 32 bits */
		in->src = reg(d, o1->reg);
		in->bits = 32;
		break;
	case X86_INS_XOR:
	case X86_INS_SUB:
		if (o1->type == X86_OP_REG && reg(d, o1->reg) == dst) {
			in->op = OP_MOVI;
			in->imm = 0;
			break;
		}
		/* fall through */
	case X86_INS_ADD:
	case X86_INS_OR:
	case X86_INS_AND:
		if (o1->type != X86_OP_IMM)
			goto other;
		in->src = dst;
		in->imm = (uint64_t)o1->imm;
		if (ci->id == X86_INS_SUB) {
			in->op = OP_ADDI;
			in->imm = (uint64_t)-o1->imm;
		} else {
			in->op = ci->id == X86_INS_ADD ? OP_ADDI : ci->id == X86_INS_OR ? OP_ORI :
				 ci->id == X86_INS_AND ? OP_ANDI : OP_XORI;
		}
		break;
	case X86_INS_LEA: {
		if (o1->type != X86_OP_MEM)
			goto other;
		struct insn t = { .mbase = REG_NONE };
		x86_mem(d, ci, o1, &t);
		if (t.mindex != REG_NONE)
			goto other;
		if (t.mbase == REG_NONE) {
			in->op = OP_ADR;
			in->imm = (uint64_t)t.disp;
		} else if (t.mbase < NREG) {
			in->op = OP_ADDI;
			in->src = t.mbase;
			in->imm = (uint64_t)t.disp;
		} else {
			goto other;
		}
		break;
	}
	default:
		goto other;
	}
	in->clobber = wr & ~(1u << dst);
	return;
other:
	if ((ci->id == X86_INS_INC || ci->id == X86_INS_DEC) && dst < NREG && full) {
		in->op = OP_ADDI;
		in->dst = in->src = dst;
		in->bits = dbits == 32 ? 32 : 64;
		in->imm = ci->id == X86_INS_INC ? 1 : (uint64_t)-1;
		in->clobber = wr & ~(1u << dst);
		return;
	}
	in->op = OP_OTHER;
	in->dst = in->src = REG_NONE;
	in->imm = 0;
	in->sext = 0;
	in->clobber = wr;
	if (ci->id == X86_INS_ENTER) {   /* pushes rbp: a write just below rsp */
		in->mem = MEM_W;
		in->mbase = X86_RSP;
		in->mindex = REG_NONE;
		in->disp = -8;
		in->mwidth = 8;
	}
}

/* ---- aarch64 ------------------------------------------------------------- */

/* Bytes a load or store of CI moves per register; 0: from the register. */
static int a64_width(unsigned id)
{
	switch (id) {
	case ARM64_INS_LDRB: case ARM64_INS_LDURB: case ARM64_INS_LDRSB:
	case ARM64_INS_LDURSB: case ARM64_INS_LDARB: case ARM64_INS_LDAXRB:
	case ARM64_INS_LDXRB: case ARM64_INS_LDTRB: case ARM64_INS_LDTRSB:
	case ARM64_INS_STRB: case ARM64_INS_STURB: case ARM64_INS_STLRB:
	case ARM64_INS_STTRB: case ARM64_INS_STXRB: case ARM64_INS_STLXRB:
		return 1;
	case ARM64_INS_LDRH: case ARM64_INS_LDURH: case ARM64_INS_LDRSH:
	case ARM64_INS_LDURSH: case ARM64_INS_LDARH: case ARM64_INS_LDAXRH:
	case ARM64_INS_LDXRH: case ARM64_INS_LDTRH: case ARM64_INS_LDTRSH:
	case ARM64_INS_STRH: case ARM64_INS_STURH: case ARM64_INS_STLRH:
	case ARM64_INS_STTRH: case ARM64_INS_STXRH: case ARM64_INS_STLXRH:
		return 2;
	case ARM64_INS_LDRSW: case ARM64_INS_LDURSW: case ARM64_INS_LDTRSW:
	case ARM64_INS_LDPSW:
		return 4;
	}
	return 0;
}

enum a64_kind { A_NONE, A_LOAD, A_LOAD2, A_STORE, A_STORE2, A_READ };

static enum a64_kind a64_kind(unsigned id)
{
	switch (id) {
	case ARM64_INS_LDR: case ARM64_INS_LDUR: case ARM64_INS_LDRB: case ARM64_INS_LDURB:
	case ARM64_INS_LDRH: case ARM64_INS_LDURH: case ARM64_INS_LDRSB:
	case ARM64_INS_LDURSB: case ARM64_INS_LDRSH: case ARM64_INS_LDURSH:
	case ARM64_INS_LDRSW: case ARM64_INS_LDURSW: case ARM64_INS_LDAR:
	case ARM64_INS_LDARB: case ARM64_INS_LDARH: case ARM64_INS_LDAXR:
	case ARM64_INS_LDAXRB: case ARM64_INS_LDAXRH: case ARM64_INS_LDXR:
	case ARM64_INS_LDXRB: case ARM64_INS_LDXRH: case ARM64_INS_LDTR:
	case ARM64_INS_LDTRB: case ARM64_INS_LDTRH: case ARM64_INS_LDTRSB:
	case ARM64_INS_LDTRSH: case ARM64_INS_LDTRSW:
		return A_LOAD;
	case ARM64_INS_LDP: case ARM64_INS_LDNP: case ARM64_INS_LDPSW:
	case ARM64_INS_LDXP: case ARM64_INS_LDAXP:
		return A_LOAD2;
	case ARM64_INS_STR: case ARM64_INS_STUR: case ARM64_INS_STRB: case ARM64_INS_STURB:
	case ARM64_INS_STRH: case ARM64_INS_STURH: case ARM64_INS_STLR:
	case ARM64_INS_STLRB: case ARM64_INS_STLRH: case ARM64_INS_STTR:
	case ARM64_INS_STTRB: case ARM64_INS_STTRH:
		return A_STORE;
	case ARM64_INS_STP: case ARM64_INS_STNP:
		return A_STORE2;
	case ARM64_INS_LD1: case ARM64_INS_LD1R: case ARM64_INS_LD2: case ARM64_INS_LD2R:
	case ARM64_INS_LD3: case ARM64_INS_LD3R: case ARM64_INS_LD4: case ARM64_INS_LD4R:
	case ARM64_INS_PRFM: case ARM64_INS_PRFUM:
		return A_READ;
	}
	return A_NONE;
}

/* Fills IN's memory operand from CI's; 0 if it has none. */
static int a64_memop(const struct decoder *d, const cs_insn *ci, struct insn *in)
{
	const cs_arm64 *a = &ci->detail->arm64;
	int mi = -1;
	for (int k = 0; k < a->op_count; k++)
		if (a->operands[k].type == ARM64_OP_MEM) {
			mi = k;
			break;
		}
	if (mi < 0)
		return 0;
	const cs_arm64_op *o = &a->operands[mi];
	in->mbase = reg(d, o->mem.base);
	if (in->mbase >= NREG)
		in->mbase = REG_ZERO;
	in->mindex = o->mem.index == ARM64_REG_INVALID ? REG_NONE : reg(d, o->mem.index);
	if (in->mindex != REG_NONE && in->mindex >= NREG)
		in->mindex = REG_ZERO;
	in->disp = o->mem.disp;
	if (a->writeback) {
		if (mi + 1 < a->op_count && a->operands[mi + 1].type == ARM64_OP_IMM) {
			in->wb = WB_POST;
			in->wbimm = a->operands[mi + 1].imm;
		} else {
			in->wb = WB_PRE;
			in->wbimm = in->disp;
		}
		if (in->mbase >= NREG)
			in->wb = 0;
	}
	return 1;
}

static void decode_a64(struct decoder *d, const cs_insn *ci, struct insn *in)
{
	const cs_arm64 *a = &ci->detail->arm64;
	const cs_arm64_op *o = a->operands;
	int nops = a->op_count;
	uint8_t dst = nops > 0 && o[0].type == ARM64_OP_REG ? reg(d, o[0].reg) : REG_NONE;
	uint8_t dbits = nops > 0 && o[0].type == ARM64_OP_REG ? bits(d, o[0].reg) : 0;
	uint32_t rd, wr;

	switch (ci->id) {
	case ARM64_INS_SVC:
		in->op = OP_SVC;
		return;
	case ARM64_INS_BL:
		if (nops == 1 && o[0].type == ARM64_OP_IMM) {
			in->op = OP_CALL;
			in->imm = (uint64_t)o[0].imm;
			in->clobber = 1u << 30;
			return;
		}
		break;
	case ARM64_INS_BLR:
		in->op = OP_CALLR;
		in->src = dst;
		in->clobber = 1u << 30;
		return;
	case ARM64_INS_B:
		if (nops == 1 && o[0].type == ARM64_OP_IMM) {
			in->op = a->cc == ARM64_CC_INVALID || a->cc == ARM64_CC_AL ?
				 OP_JMP : OP_JCC;
			in->imm = (uint64_t)o[0].imm;
			in->cc = a->cc == ARM64_CC_EQ ? CC_EQ : a->cc == ARM64_CC_NE ? CC_NE : 0;
			return;
		}
		break;
	case ARM64_INS_CBZ: case ARM64_INS_CBNZ:
	case ARM64_INS_TBZ: case ARM64_INS_TBNZ:
		if (nops >= 2 && o[nops - 1].type == ARM64_OP_IMM) {
			in->op = OP_JCC;
			in->imm = (uint64_t)o[nops - 1].imm;
			if ((ci->id == ARM64_INS_CBZ || ci->id == ARM64_INS_CBNZ) &&
			    dst < NREG && dst != 31 && dbits == 64) {
				in->cmpreg = dst;
				in->cmpimm = 0;
				in->cc = ci->id == ARM64_INS_CBZ ? CC_EQ : CC_NE;
			}
			return;
		}
		break;
	case ARM64_INS_BR:
		in->op = OP_JMPR;
		in->src = dst;
		return;
	case ARM64_INS_RET:
	case ARM64_INS_ERET:
		in->op = OP_RET;
		return;
	case ARM64_INS_BRK:
	case ARM64_INS_HLT:
		in->op = OP_STOP;
		return;
	case ARM64_INS_NOP:
		in->op = OP_NOP;
		return;
	}
	access(d, ci, &rd, &wr);
	in->reads = data_reads(d, ci, rd);
	if (ci->id == ARM64_INS_CMP && nops == 2 && dst < NREG && dst != 31 && dbits == 64 &&
	    o[1].type == ARM64_OP_IMM && o[1].shift.type == ARM64_SFT_INVALID) {
		in->cmpreg = dst;
		in->cmpimm = (uint64_t)o[1].imm;
	}

	/* Loads and stores. */
	enum a64_kind k = a64_kind(ci->id);
	if (a64_memop(d, ci, in) || (k == A_LOAD && nops == 2 && o[1].type == ARM64_OP_IMM)) {
		if (k == A_LOAD && nops == 2 && o[1].type == ARM64_OP_IMM) {   /* literal */
			in->mbase = REG_NONE;
			in->mindex = REG_NONE;
			in->disp = o[1].imm;
		}
		int w = a64_width(ci->id);
		uint8_t r0 = nops > 0 && o[0].type == ARM64_OP_REG ? reg(d, o[0].reg) : REG_NONE;
		uint8_t r1 = nops > 1 && o[1].type == ARM64_OP_REG ? reg(d, o[1].reg) : REG_NONE;
		uint8_t b0 = nops > 0 && o[0].type == ARM64_OP_REG ? nbytes(d, o[0].reg) : 0;
		in->mwidth = (uint8_t)(w ? w : b0);
		in->sext = ci->id == ARM64_INS_LDRSB || ci->id == ARM64_INS_LDURSB ||
			   ci->id == ARM64_INS_LDRSH || ci->id == ARM64_INS_LDURSH ||
			   ci->id == ARM64_INS_LDRSW || ci->id == ARM64_INS_LDURSW ||
			   ci->id == ARM64_INS_LDTRSB || ci->id == ARM64_INS_LDTRSH ||
			   ci->id == ARM64_INS_LDTRSW || ci->id == ARM64_INS_LDPSW;
		uint32_t base = in->wb ? 1u << in->mbase : 0;
		switch (k) {
		case A_LOAD:
			in->mem = MEM_R;
			if (r0 < NREG && r0 != 31) {
				in->op = OP_LOAD;
				in->dst = r0;
				in->bits = dbits == 32 ? 32 : 64;
				in->clobber = wr & ~(1u << r0) & ~base;
			} else {
				in->clobber = wr & ~base;   /* a vector register, or xzr */
			}
			return;
		case A_LOAD2:
			in->mem = MEM_R;
			in->op = OP_LOAD2;
			in->dst = r0 < NREG && r0 != 31 ? r0 : REG_NONE;
			in->dst2 = r1 < NREG && r1 != 31 ? r1 : REG_NONE;
			in->bits = dbits == 32 ? 32 : 64;
			if (ci->id == ARM64_INS_LDXP || ci->id == ARM64_INS_LDAXP ||
			    (b0 != 4 && b0 != 8)) {
				in->op = OP_OTHER;   /* not two plain words */
				in->dst = in->dst2 = REG_NONE;
				in->clobber = wr;
				return;
			}
			in->clobber = wr & ~base;
			if (in->dst < NREG)
				in->clobber &= ~(1u << in->dst);
			if (in->dst2 < NREG)
				in->clobber &= ~(1u << in->dst2);
			return;
		case A_STORE:
			in->mem = MEM_R | MEM_W;
			in->op = OP_STORE;
			in->src = r0 == REG_ZERO ? REG_ZERO : r0 < NREG && r0 != 31 && b0 <= 8 ?
				  r0 : REG_UNK;
			in->clobber = wr & ~base;
			return;
		case A_STORE2:
			in->mem = MEM_R | MEM_W;
			in->op = OP_STORE2;
			in->src = r0 == REG_ZERO ? REG_ZERO : r0 < NREG && r0 != 31 && b0 <= 8 ?
				  r0 : REG_UNK;
			in->src2 = r1 == REG_ZERO ? REG_ZERO : r1 < NREG && r1 != 31 && b0 <= 8 ?
				   r1 : REG_UNK;
			in->clobber = wr & ~base;
			return;
		case A_READ:
			in->mem = MEM_R;
			in->mwidth = 0;
			in->clobber = wr & ~base;
			return;
		case A_NONE:
			if ((ci->id == ARM64_INS_STXR || ci->id == ARM64_INS_STLXR ||
			     ci->id == ARM64_INS_STXRB || ci->id == ARM64_INS_STLXRB ||
			     ci->id == ARM64_INS_STXRH || ci->id == ARM64_INS_STLXRH) && nops == 3 &&
			    r0 < NREG && o[1].type == ARM64_OP_REG) {
				/* Exclusive store: status register, value, address. */
				uint8_t v = reg(d, o[1].reg);
				int wv = a64_width(ci->id);
				in->mem = MEM_R | MEM_W;
				in->op = OP_STORE;
				in->src = v == REG_ZERO ? REG_ZERO : v < NREG && v != 31 ? v : REG_UNK;
				in->mwidth = (uint8_t)(wv ? wv : nbytes(d, o[1].reg));
				in->clobber = (wr | 1u << r0) & ~base;
				return;
			}
			/* Vector stores, anything else that names memory: it may
			 * write it, all of it. */
			in->mem = MEM_R | MEM_W;
			in->mwidth = 0;
			in->clobber = wr & ~base;
			return;
		}
	}

	int sp_ok = ci->id == ARM64_INS_ADD || ci->id == ARM64_INS_SUB || ci->id == ARM64_INS_MOV;
	if (dst >= NREG || (dst == 31 && !sp_ok))
		goto other;
	in->dst = dst;
	in->bits = dbits == 32 ? 32 : 64;
	switch (ci->id) {
	case ARM64_INS_MOVZ:
	case ARM64_INS_MOVN:
		if (nops != 2 || o[1].type != ARM64_OP_IMM)
			goto other;
		in->op = OP_MOVI;
		in->imm = (uint64_t)o[1].imm << (o[1].shift.type == ARM64_SFT_LSL ? o[1].shift.value : 0);
		if (ci->id == ARM64_INS_MOVN)
			in->imm = ~in->imm;
		break;
	case ARM64_INS_MOVK:
		if (nops != 2 || o[1].type != ARM64_OP_IMM)
			goto other;
		in->op = OP_MOVK;
		in->imm = (uint64_t)o[1].imm & 0xffff;
		in->shift = (uint8_t)(o[1].shift.type == ARM64_SFT_LSL ? o[1].shift.value : 0);
		break;
	case ARM64_INS_MOV:
	case ARM64_INS_UXTW:
	case ARM64_INS_SXTW:
		if (nops != 2)
			goto other;
		if (o[1].type == ARM64_OP_IMM) {
			in->op = OP_MOVI;
			in->imm = (uint64_t)o[1].imm;
		} else if (o[1].type == ARM64_OP_REG && reg(d, o[1].reg) == REG_ZERO) {
			in->op = OP_MOVI;
			in->imm = 0;
		} else if (o[1].type == ARM64_OP_REG && reg(d, o[1].reg) < NREG) {
			in->op = OP_COPY;
			in->src = reg(d, o[1].reg);
			if (bits(d, o[1].reg) == 32)
				in->bits = 32;
		} else {
			goto other;
		}
		break;
	case ARM64_INS_ORR:
	case ARM64_INS_EOR:
	case ARM64_INS_AND:
	case ARM64_INS_ADD:
	case ARM64_INS_SUB: {
		if (nops != 3 || o[1].type != ARM64_OP_REG)
			goto other;
		uint8_t s = reg(d, o[1].reg);
		if (o[2].type == ARM64_OP_REG && reg(d, o[2].reg) == s && s < NREG &&
		    (ci->id == ARM64_INS_EOR || ci->id == ARM64_INS_SUB) &&
		    o[2].shift.type == ARM64_SFT_INVALID && o[2].ext == ARM64_EXT_INVALID) {
			in->op = OP_MOVI;
			in->imm = 0;
			break;
		}
		if (o[2].type != ARM64_OP_IMM)
			goto other;
		uint64_t imm = (uint64_t)o[2].imm;
		if (o[2].shift.type == ARM64_SFT_LSL)
			imm <<= o[2].shift.value;
		if (s == REG_ZERO && ci->id == ARM64_INS_ORR) {
			in->op = OP_MOVI;
			in->imm = imm;
			break;
		}
		if (s >= NREG)
			goto other;
		in->src = s;
		in->imm = imm;
		switch (ci->id) {
		case ARM64_INS_ORR: in->op = OP_ORI; break;
		case ARM64_INS_EOR: in->op = OP_XORI; break;
		case ARM64_INS_AND: in->op = OP_ANDI; break;
		case ARM64_INS_ADD: in->op = OP_ADDI; break;
		default:            in->op = OP_ADDI; in->imm = (uint64_t)-imm; break;
		}
		break;
	}
	case ARM64_INS_ADR:
	case ARM64_INS_ADRP:
		if (nops != 2 || o[1].type != ARM64_OP_IMM)
			goto other;
		in->op = OP_ADR;
		in->imm = (uint64_t)o[1].imm;
		in->page = ci->id == ARM64_INS_ADRP;
		break;
	default:
		goto other;
	}
	if (dst == 31 && in->op != OP_ADDI && in->op != OP_COPY)
		goto other;
	in->clobber = wr & ~(1u << dst);
	return;
other:
	in->op = OP_OTHER;
	in->dst = in->src = REG_NONE;
	in->imm = 0;
	in->clobber = wr;
	/* A write to a register capstone does not list would be lost: a
	 * register first operand that is written counts too. */
	if (dst < NREG && nops > 0 && (o[0].access & CS_AC_WRITE))
		in->clobber |= 1u << dst;
}

/* ARMv8.1's atomics, which capstone 4 does not know (Debian's arm64 glibc
 * uses them in its outline-atomics helpers): only their register and
 * memory effects are recognised here, from the two encoding classes the
 * architecture manual gives (CAS{A,L,AL}{,B,H}; SWP and LD<op>
 * {ADD,CLR,EOR,SET,SMAX,SMIN,UMAX,UMIN}, with their ordering variants).
 * 1 if W is one of them. */
static int a64_atomic(uint32_t w, uint64_t addr, struct insn *in)
{
	int cas = (w & 0x3fa07c00u) == 0x08a07c00u;
	int ldop = (w & 0x3f200c00u) == 0x38200000u;
	if (!cas && !ldop)
		return 0;
	uint8_t rs = (uint8_t)(w >> 16 & 31), rn = (uint8_t)(w >> 5 & 31), rt = (uint8_t)(w & 31);
	memset(in, 0, sizeof *in);
	in->addr = addr;
	in->len = 4;
	in->op = OP_OTHER;
	in->dst = in->src = in->dst2 = in->src2 = in->cmpreg = REG_NONE;
	in->mem = MEM_R | MEM_W;
	in->mbase = rn;              /* 31: sp */
	in->mindex = REG_NONE;
	in->mwidth = (uint8_t)(1u << (w >> 30));
	/* What goes to memory: Rt (CAS's new value) or Rs (the operand). */
	in->reads = (rs != 31 ? 1u << rs : 0) | (cas && rt != 31 ? 1u << rt : 0);
	uint8_t out = cas ? rs : rt;   /* the old value comes back here */
	in->clobber = out != 31 ? 1u << out : 0;
	return 1;
}

/* Bytes capstone cannot decode (instructions newer than it knows): one
 * instruction that may read and write every register and any memory. */
static void undecodable(struct insn *in, uint64_t addr, size_t len)
{
	memset(in, 0, sizeof *in);
	in->addr = addr;
	in->len = (uint8_t)(len > 255 ? 255 : len);
	in->op = OP_OTHER;
	in->dst = in->src = in->dst2 = in->src2 = in->cmpreg = REG_NONE;
	in->clobber = in->reads = 0xffffffffu;
	in->mem = MEM_R | MEM_W;
	in->mbase = REG_ZERO;
	in->mindex = REG_UNK;    /* through any register */
}

int decode_range(struct decoder *d, const struct elf_file *ef, uint64_t start,
		 uint64_t end, struct insn **out, size_t *n, size_t *cap)
{
	if (end <= start)
		return 0;
	const uint8_t *base = elf_at(ef, start, (size_t)(end - start));
	if (!base)
		return 0;
	size_t step = d->m == MACH_X86_64 ? 1 : 4;
	uint64_t addr = start;
	const uint8_t *code = base;
	size_t left = (size_t)(end - start);
	int bad = 0;   /* the previous instruction is an undecodable run */
	while (left > 0) {
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			struct insn *p = realloc(*out, nc * sizeof *p);
			if (!p)
				return -1;
			*out = p;
			*cap = nc;
		}
		if (d->m == MACH_AARCH64 && left >= 4) {
			uint32_t w = (uint32_t)code[0] | (uint32_t)code[1] << 8 |
				     (uint32_t)code[2] << 16 | (uint32_t)code[3] << 24;
			if (a64_atomic(w, addr, &(*out)[*n])) {
				(*n)++;
				bad = 0;
				code += 4;
				left -= 4;
				addr += 4;
				continue;
			}
		}
		if (!cs_disasm_iter(d->h, &code, &left, &addr, d->ci)) {
			size_t k = step < left ? step : left;
			if (bad && (*out)[*n - 1].len + k <= 255)
				(*out)[*n - 1].len = (uint8_t)((*out)[*n - 1].len + k);
			else
				undecodable(&(*out)[(*n)++], addr, k);
			bad = 1;
			code += k;
			left -= k;
			addr += k;
			continue;
		}
		bad = 0;
		struct insn *in = &(*out)[(*n)++];
		memset(in, 0, sizeof *in);
		in->addr = d->ci->address;
		in->len = (uint8_t)d->ci->size;
		in->dst = in->src = in->dst2 = in->src2 = REG_NONE;
		in->mbase = in->mindex = in->cmpreg = REG_NONE;
		if (d->m == MACH_X86_64)
			decode_x86(d, d->ci, in);
		else
			decode_a64(d, d->ci, in);
	}
	return 0;
}
