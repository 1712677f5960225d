/* Source positions and diagnostics in the form "FILE:LINE:COL: error: ...",
 * so editors and people can jump to the offending token. */
#ifndef BPFGEN_DIAG_H
#define BPFGEN_DIAG_H

#include <stdio.h>

struct pos {
	const char *file;   /* owned by the source it points into */
	int line;
	int col;
};

/* Every warning has a stable name: -Wno-NAME turns it off, -Werror makes
 * the ones left on errors. The table of names is in diag.c. */
enum warn_id {
	W_TWIN,          /* a denied syscall has a twin left open */
	W_CLONE3,        /* clone filtered by flags while clone3 is allowed */
	W_IO_URING,      /* networking denied, io_uring allowed */
	W_ESSENTIAL,     /* an allow-list lacks exit/exit_group/rt_sigreturn/restart_syscall */
	W_POINTER,       /* a pointer parameter compared with anything but 0 */
	W_ARG64,         /* arg64() on a 32-bit parameter in a deny rule */
	W_SHADOWED,      /* an earlier rule always matches first */
	W_NEVER,         /* a condition that can never be true */
	W_ALWAYS,        /* a condition that is always true (dropped) */
	W_UNKNOWN_TYPE,  /* a condition on a syscall whose types are unknown */
	W_OPEN_ARCH,     /* on-bad-arch allow / on-x32 allow */
	W_UNUSED_ARG,    /* a condition on a register the syscall never reads */
	W_SOCKETCALL,    /* conditions socketcall()/ipc() cannot carry */
	W_COUNT
};

struct diag_seen {
	char *text;
	unsigned hash;
};

struct diag {
	FILE *out;
	int errors;
	int warnings;
	unsigned disabled;  /* bit W: warning W is off (-Wno-NAME) */
	int werror;         /* -Werror: a warning counts as an error */
	/* Messages already printed: the same policy is resolved once per
	 * architecture, and a mistake should be reported once. */
	struct diag_seen *seen;
	size_t nseen, seen_cap;
	int *seen_index;     /* hash index into seen (open addressing) */
	size_t seen_index_cap;
};

void diag_free(struct diag *d);

#if defined(__GNUC__)
#define BPFGEN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BPFGEN_PRINTF(a, b)
#endif

void diag_error(struct diag *d, struct pos p, const char *fmt, ...) BPFGEN_PRINTF(3, 4);
void diag_warning(struct diag *d, struct pos p, const char *fmt, ...) BPFGEN_PRINTF(3, 4);
void diag_note(struct diag *d, struct pos p, const char *fmt, ...) BPFGEN_PRINTF(3, 4);
/* "FILE:LINE:COL: warning: MESSAGE [-WNAME]" unless W is disabled; with
 * werror, "error: ..." and counted as an error. Returns 1 when printed
 * (the caller may then add a fix-it with diag_fixit), 0 otherwise. */
int diag_warn(struct diag *d, enum warn_id w, struct pos p, const char *fmt, ...) BPFGEN_PRINTF(4, 5);
/* "FILE:LINE:COL: note: fix-it: ..." after a warning. */
void diag_fixit(struct diag *d, struct pos p, const char *fmt, ...) BPFGEN_PRINTF(3, 4);
const char *warn_name(enum warn_id w);     /* "twin" */
int warn_by_name(const char *name);        /* "twin" -> W_TWIN, or -1 */

#endif
