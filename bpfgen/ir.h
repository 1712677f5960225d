/* Stage 5 output: BPF instructions whose jumps name labels instead of
 * offsets. Only jumps.c turns labels into offsets. */
#ifndef BPFGEN_IR_H
#define BPFGEN_IR_H

#include <stddef.h>
#include <stdint.h>

struct ir_insn {
	uint16_t code;
	uint32_t k;
	int jt, jf;       /* labels of conditional jumps; jt is ja's target */
};

struct ir {
	struct ir_insn *insns;
	size_t n, cap;
	long *label_pos;  /* label -> index of the instruction it names, or -1 */
	size_t nlabels, labels_cap;
};

int ir_label(struct ir *ir);
void ir_place(struct ir *ir, int label);
void ir_stmt(struct ir *ir, uint16_t code, uint32_t k);
void ir_jump(struct ir *ir, uint16_t code, uint32_t k, int jt, int jf);
void ir_free(struct ir *ir);

#endif
