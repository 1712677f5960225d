/* syscall-scan: machine code -> struct insn. Capstone decodes; this file
 * keeps only what the data flow models (moves of constants and registers,
 * small arithmetic, loads, address computations, control transfers) and
 * reduces every other instruction to the registers it writes. */
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
			}
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

/* Registers CI writes, as a mask (capstone's implicit and explicit list). */
static uint32_t written(struct decoder *d, const cs_insn *ci)
{
	cs_regs rr, ww;
	uint8_t nr = 0, nw = 0;
	uint32_t mask = 0;
	if (cs_regs_access(d->h, ci, rr, &nr, ww, &nw) != CS_ERR_OK)
		return 0xffffffffu;
	for (int i = 0; i < nw; i++) {
		uint8_t r = reg(d, ww[i]);
		if (r < NREG)
			mask |= 1u << r;
	}
	return mask;
}

static void x86_mem(const struct decoder *d, const cs_insn *ci, const cs_x86_op *o,
		    struct insn *in)
{
	const x86_op_mem *mm = &o->mem;
	if (mm->segment != X86_REG_INVALID || mm->index != X86_REG_INVALID) {
		in->src = REG_ZERO;           /* not an address we can know */
	} else if (mm->base == X86_REG_RIP) {
		in->src = REG_NONE;
		in->imm = ci->address + ci->size + (uint64_t)mm->disp;
	} else if (mm->base == X86_REG_INVALID) {
		in->src = REG_NONE;
		in->imm = (uint64_t)mm->disp;
	} else {
		in->src = reg(d, mm->base);
		in->imm = (uint64_t)mm->disp;
		if (in->src >= NREG)
			in->src = REG_ZERO;
	}
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

	switch (ci->id) {
	case X86_INS_SYSCALL:
		in->op = OP_SYSCALL;
		return;
	case X86_INS_SYSENTER:
		in->op = OP_INT80;
		return;
	case X86_INS_INT:
		if (o0 && o0->type == X86_OP_IMM && o0->imm == 0x80)
			in->op = OP_INT80;
		return;
	case X86_INS_CALL:
	case X86_INS_JMP:
		if (!o0)
			return;
		if (o0->type == X86_OP_IMM) {
			in->op = ci->id == X86_INS_CALL ? OP_CALL : OP_JMP;
			in->imm = (uint64_t)o0->imm;
		} else if (o0->type == X86_OP_REG) {
			in->op = ci->id == X86_INS_CALL ? OP_CALLR : OP_JMPR;
			in->src = reg(d, o0->reg);
		} else {
			in->op = ci->id == X86_INS_CALL ? OP_CALLM : OP_JMPM;
			x86_mem(d, ci, o0, in);
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
		return;
	}
	if (cs_insn_group(d->h, ci, CS_GRP_JUMP) && o0 && o0->type == X86_OP_IMM) {
		in->op = OP_JCC;
		in->imm = (uint64_t)o0->imm;
		return;
	}
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
			x86_mem(d, ci, o1, in);
		} else {
			goto other;
		}
		break;
	case X86_INS_MOVSXD:
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
	case X86_INS_LEA:
		if (o1->type != X86_OP_MEM)
			goto other;
		x86_mem(d, ci, o1, in);
		if (in->src == REG_NONE) {
			in->op = OP_ADR;
		} else if (in->src < NREG) {
			in->op = OP_ADDI;
		} else {
			in->src = REG_NONE;
			goto other;
		}
		break;
	default:
		goto other;
	}
	in->clobber = written(d, ci) & ~(1u << dst);
	return;
other:
	if ((ci->id == X86_INS_INC || ci->id == X86_INS_DEC) && dst < NREG && full) {
		in->op = OP_ADDI;
		in->dst = in->src = dst;
		in->bits = dbits == 32 ? 32 : 64;
		in->imm = ci->id == X86_INS_INC ? 1 : (uint64_t)-1;
		in->clobber = written(d, ci) & ~(1u << dst);
		return;
	}
	in->op = OP_OTHER;
	in->dst = in->src = REG_NONE;
	in->imm = 0;
	in->clobber = written(d, ci);
}

static void decode_a64(struct decoder *d, const cs_insn *ci, struct insn *in)
{
	const cs_arm64 *a = &ci->detail->arm64;
	const cs_arm64_op *o = a->operands;
	int nops = a->op_count;
	uint8_t dst = nops > 0 && o[0].type == ARM64_OP_REG ? reg(d, o[0].reg) : REG_NONE;
	uint8_t dbits = nops > 0 && o[0].type == ARM64_OP_REG ? bits(d, o[0].reg) : 0;

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
			return;
		}
		break;
	case ARM64_INS_CBZ: case ARM64_INS_CBNZ:
	case ARM64_INS_TBZ: case ARM64_INS_TBNZ:
		if (nops >= 2 && o[nops - 1].type == ARM64_OP_IMM) {
			in->op = OP_JCC;
			in->imm = (uint64_t)o[nops - 1].imm;
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
	if (dst >= NREG || dst == 31 || a->writeback)
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
	case ARM64_INS_LDR:
	case ARM64_INS_LDUR:
	case ARM64_INS_LDRSW:
		if (nops != 2)
			goto other;
		in->op = OP_LOAD;
		if (o[1].type == ARM64_OP_IMM) {          /* literal */
			in->src = REG_NONE;
			in->imm = (uint64_t)o[1].imm;
		} else if (o[1].type == ARM64_OP_MEM && o[1].mem.index == ARM64_REG_INVALID &&
			   reg(d, o[1].mem.base) < NREG) {
			in->src = reg(d, o[1].mem.base);
			in->imm = (uint64_t)(int64_t)o[1].mem.disp;
		} else {
			in->src = REG_ZERO;
		}
		break;
	default:
		goto other;
	}
	in->clobber = written(d, ci) & ~(1u << dst);
	return;
other:
	in->op = OP_OTHER;
	in->dst = in->src = REG_NONE;
	in->imm = 0;
	in->clobber = written(d, ci);
	/* A write to a register capstone does not list would be lost: a
	 * register first operand that is written counts too. */
	if (dst < NREG && nops > 0 && (o[0].access & CS_AC_WRITE))
		in->clobber |= 1u << dst;
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
	while (left > 0) {
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			struct insn *p = realloc(*out, nc * sizeof *p);
			if (!p)
				return -1;
			*out = p;
			*cap = nc;
		}
		if (!cs_disasm_iter(d->h, &code, &left, &addr, d->ci)) {
			size_t k = step < left ? step : left;
			code += k;
			left -= k;
			addr += k;
			continue;
		}
		struct insn *in = &(*out)[(*n)++];
		memset(in, 0, sizeof *in);
		in->addr = d->ci->address;
		in->len = (uint8_t)d->ci->size;
		in->dst = in->src = REG_NONE;
		if (d->m == MACH_X86_64)
			decode_x86(d, d->ci, in);
		else
			decode_a64(d, d->ci, in);
	}
	return 0;
}
