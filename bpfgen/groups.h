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
 * leaving another open is a bypass (the linter's -Wtwin). The table, in
 * groups.c, says per set what its members do; members that do not exist
 * on an architecture are left out there (aarch64 has no open, pipe,
 * dup2, eventfd, signalfd...; only the 32-bit ABIs have mmap2 and
 * socketcall). */
struct twin {
	const char *name;
	/* A condition on a twin never covers this one: what it would check
	 * is out of a filter's reach here (openat2's flags are in memory). */
	int opaque;
};

enum {
	TWINS_OUTRIGHT = 1,   /* only a deny without conditions is bypassed */
	TWINS_ABI32 = 2,      /* a set of the 32-bit ABIs (i386, arm) */
};

struct twin_set {
	const char *what;           /* what the members do: "open a file" */
	const char *hub;            /* NULL: every two members are twins; else
				     * each member is a twin of HUB (a member
				     * too) and of nothing else */
	unsigned flags;             /* TWINS_* */
	const struct twin *members; /* ends with a NULL name */
};

extern const struct twin_set twin_sets[];
extern const size_t ntwin_sets;

/* Whether A and B are twins in S. */
int twin_of(const struct twin_set *s, const char *a, const char *b);

#endif
