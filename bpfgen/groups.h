/* @groups: documented, named sets of syscalls usable in any rule. */
#ifndef BPFGEN_GROUPS_H
#define BPFGEN_GROUPS_H

#include <stddef.h>

struct syscall_group {
	const char *name;          /* without '@' */
	const char *doc;
	const char *const *members; /* NULL-terminated */
};

extern const struct syscall_group syscall_groups[];
extern const size_t nsyscall_groups;

const struct syscall_group *group_by_name(const char *name);

#endif
