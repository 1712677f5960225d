/* Optional syscall frequencies that bias the search tree toward the
 * hottest calls. File format: one "NAME COUNT" per line, '#' comments. */
#ifndef BPFGEN_WEIGHTS_H
#define BPFGEN_WEIGHTS_H

#include "bpfgen/decide.h"

/* Weight of each of D's ranges in *OUT (malloc'd). 0, or -1 after
 * reporting to DIAG. */
int weights_for_ranges(const char *path, const struct decision *d,
		       double **out, struct diag *diag);

#endif
