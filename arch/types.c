/* Lookups over the generated parameter-type tables (arch/types_*.c,
 * made by tools/gentypes.py): the C types of a syscall's parameters. */
#include <string.h>

#include "arch/types.h"
#include "arch/types_gen.h"

/* The table of ARCH (sorted by name). */
static const struct syscall_proto *table_of(const struct arch *a, size_t *n)
{
	if (strcmp(a->name, "x86_64") == 0) {
		*n = TYPES_X86_64_LEN;
		return types_x86_64;
	}
	if (strcmp(a->name, "aarch64") == 0) {
		*n = TYPES_AARCH64_LEN;
		return types_aarch64;
	}
	if (strcmp(a->name, "i386") == 0) {
		*n = TYPES_I386_LEN;
		return types_i386;
	}
	if (strcmp(a->name, "x32") == 0) {
		*n = TYPES_X32_LEN;
		return types_x32;
	}
	if (strcmp(a->name, "arm") == 0) {
		*n = TYPES_ARM_LEN;
		return types_arm;
	}
	*n = 0;
	return NULL;
}

const struct syscall_proto *arch_syscall_proto(const struct arch *a, const char *name)
{
	size_t n;
	const struct syscall_proto *t = table_of(a, &n);
	size_t lo = 0, hi = t ? n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, t[mid].name);
		if (c == 0)
			return &t[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int syscall_param_index(const struct syscall_proto *p, const char *param)
{
	for (int i = 0; i < p->nparams; i++)
		if (strcmp(p->params[i].name, param) == 0)
			return i;
	return -1;
}
