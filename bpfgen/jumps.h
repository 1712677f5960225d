/* Stage 6: labels to offsets. The one place that knows BPF's jump limits:
 * conditional jumps reach at most 255 instructions ahead, so a far branch
 * goes through a trampoline ("ja", or a copy of the "ret" it aims at). */
#ifndef BPFGEN_JUMPS_H
#define BPFGEN_JUMPS_H

#include <linux/filter.h>

#include "bpfgen/ir.h"

/* Returns the number of instructions and sets *OUT (malloc'd); the result
 * may exceed the kernel's 4096-instruction limit, which the caller checks. */
size_t resolve_jumps(const struct ir *ir, struct sock_filter **out);

#endif
