/* The importer's inside: a profile as written (json.c fills it, select.c
 * reads it), the names the formats use, an arena for the strings, and the
 * diagnostics "FILE: $.path: error: ...". */
#ifndef IMPORT_PROFILE_H
#define IMPORT_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "import/import.h"

/* ---- arena: everything of one import, freed at once ----------------------- */

struct arena_block;
struct arena {
	struct arena_block *head;
};

void *ar_alloc(struct arena *a, size_t n);          /* zeroed */
char *ar_strdup(struct arena *a, const char *s);
char *ar_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ar_free(struct arena *a);

/* ---- diagnostics --------------------------------------------------------------- */

struct idiag {
	FILE *out;
	const char *file;
	int errors, warnings;
	unsigned disabled;        /* bit W: warning W is off */
	int werror;
	unsigned counts[IW_COUNT]; /* printed per warning */
	char **seen;              /* messages printed: each once */
	size_t nseen, seen_cap;
};

void idiag_error(struct idiag *d, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Returns 1 when printed. */
int idiag_warn(struct idiag *d, enum import_warn w, const char *path,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void idiag_free(struct idiag *d);

/* ---- the formats' names -------------------------------------------------------- */

enum imp_action {
	IA_KILL, IA_KILL_THREAD, IA_KILL_PROCESS, IA_TRAP, IA_ERRNO, IA_TRACE,
	IA_ALLOW, IA_LOG, IA_NOTIFY, IA_COUNT
};
enum imp_op { IO_NE, IO_LT, IO_LE, IO_EQ, IO_GE, IO_GT, IO_MASKED_EQ, IO_COUNT };

extern const char *const imp_action_names[IA_COUNT];  /* "SCMP_ACT_KILL" ... */
extern const char *const imp_op_names[IO_COUNT];      /* "SCMP_CMP_NE" ... */

/* libseccomp's architecture names (SCMP_ARCH_*), and the ABI of a bpfgen
 * target each stands for: the target itself ("native"), "i386", "x32",
 * "arm", or NULL when no target of bpfgen runs it. */
struct scmp_arch {
	const char *name;       /* "SCMP_ARCH_X86_64" */
	const char *target;     /* "x86_64", or NULL */
	const char *abi;        /* "native", "i386", ..., or NULL */
	const char *go;         /* moby's name of the host ("amd64"), or NULL */
};
const struct scmp_arch *scmp_arch_by_name(const char *name);
/* Is NAME an architecture moby's includes/excludes could ever match? */
int go_arch_known(const char *name);

/* Capabilities (linux/capability.h) and the set Docker gives a container. */
extern const char *const cap_names[];
extern const size_t ncap_names;
extern const char *const docker_default_caps[];
extern const size_t ndocker_default_caps;
int cap_known(const char *name);
/* "sys_admin" / "SYS_ADMIN" / "CAP_SYS_ADMIN" -> "CAP_SYS_ADMIN" in BUF;
 * -1 when it names no capability. */
int cap_normalize(const char *in, char *buf, size_t size);

/* ---- a profile as written ----------------------------------------------------- */

/* A string of the profile and where it is. */
struct istr {
	const char *s;
	const char *path;
};

struct iarg {
	const char *path;
	unsigned index;
	uint64_t value, value2;
	int has_value2;
	enum imp_op op;
};

struct ifilter {
	struct istr *caps;
	size_t ncaps;
	struct istr *arches;
	size_t narches;
	int has_min_kernel;
	unsigned kmajor, kminor;
	const char *min_kernel_path;
};

struct isyscall {
	const char *path;
	int has_name;             /* Docker's "name" */
	struct istr name;
	struct istr *names;
	size_t nnames;
	enum imp_action action;
	const char *action_path;
	int has_errno;
	unsigned errno_ret;
	const char *errno_path;
	struct iarg *args;
	size_t nargs;
	const char *comment;
	struct ifilter includes, excludes;
};

struct iarchmap {
	const char *path;
	struct istr arch;
	struct istr *subs;
	size_t nsubs;
};

struct iprofile {
	enum import_format format;
	const char *root;         /* "$" or "$.linux.seccomp" */
	int has_default;
	enum imp_action deflt;
	const char *default_path;
	int has_default_errno;
	unsigned default_errno;
	const char *default_errno_path;
	struct istr *archs;       /* "architectures" */
	size_t narchs;
	struct iarchmap *archmap;
	size_t narchmap;
	struct isyscall *syscalls;
	size_t nsyscalls;
	struct istr *flags;
	size_t nflags;
	struct istr listener_path, listener_metadata;
};

/* json.c: read JSON into P (strings in A). 0, or -1 after reporting to D. */
int profile_read(const char *json, size_t len, enum import_format from,
		 struct iprofile *p, struct arena *a, struct idiag *d);

#endif
