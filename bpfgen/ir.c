/* The labelled instruction list the code generator writes into. */
#include <stdlib.h>

#include "bpfgen/ir.h"
#include "bpfgen/util.h"

int ir_label(struct ir *ir)
{
	long *slot = vec_push(&ir->label_pos, &ir->nlabels, &ir->labels_cap,
			      sizeof(*slot));

	*slot = -1;
	return (int)(ir->nlabels - 1);
}

void ir_place(struct ir *ir, int label)
{
	ir->label_pos[label] = (long)ir->n;
}

void ir_stmt(struct ir *ir, uint16_t code, uint32_t k)
{
	ir_jump(ir, code, k, -1, -1);
}

void ir_jump(struct ir *ir, uint16_t code, uint32_t k, int jt, int jf)
{
	struct ir_insn *i = vec_push(&ir->insns, &ir->n, &ir->cap, sizeof(*i));

	i->code = code;
	i->k = k;
	i->jt = jt;
	i->jf = jf;
}

void ir_free(struct ir *ir)
{
	free(ir->insns);
	free(ir->label_pos);
	ir->insns = NULL;
	ir->label_pos = NULL;
	ir->n = ir->cap = ir->nlabels = ir->labels_cap = 0;
}
