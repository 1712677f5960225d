/* The raw recording as JSON, for tools: per ABI, each syscall's number,
 * name, count and (--args) argument values. */
#ifndef BPFGEN_RECORD_JSON_H
#define BPFGEN_RECORD_JSON_H

#include <stdio.h>

#include "tools/record/record.h"

/* Writes R as one JSON object (and a newline) to OUT. COMMAND (may be
 * NULL) is the NULL-terminated argv that was recorded. Returns 0 or -1. */
int record_write_json(FILE *out, const struct record *r, const char *tool,
		      char *const *command);

#endif
