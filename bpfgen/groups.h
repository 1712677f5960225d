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

/* Twins: syscalls that reach the same kernel operation. Denying one and
 * leaving another open is a bypass (the linter's -Wtwin). Members that do
 * not exist on an architecture are left out there (aarch64 has no open,
 * pipe, dup2, eventfd, signalfd; only the 32-bit ABIs have mmap2 and
 * socketcall). */
struct twin_set {
	const char *what;           /* what every member does */
	const char *const *members; /* NULL-terminated */
};

extern const struct twin_set twin_sets[];
extern const size_t ntwin_sets;

#endif
