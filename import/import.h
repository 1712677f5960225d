/* Importing container seccomp profiles: an OCI runtime-spec `linux.seccomp`
 * object (bare, or inside a whole config.json) or a Docker/Podman profile
 * (archMap, includes/excludes) goes in; out comes policy text in bpfgen's
 * own language that means what runc 1.1 (reading Docker profiles as moby
 * 20.10 does) would install through libseccomp. bpfgen parses and compiles
 * that text like any policy, and `-f policy` prints it, so the two always
 * give the same bytes.
 *
 * The pipeline is one way: json.c (json-c, the profile as written) ->
 * select.c (what runc keeps, rule by rule and name by name) -> write.c
 * (the text, its map back to JSON paths, the differences from runc). This
 * folder uses arch/ and json-c only, never bpfgen/: bpfgen/main.c ->
 * import/ -> arch/. */
#ifndef IMPORT_IMPORT_H
#define IMPORT_IMPORT_H

#include <stddef.h>
#include <stdio.h>

#include "arch/arch.h"

enum import_format { IMPORT_DETECT, IMPORT_OCI, IMPORT_DOCKER };

/* The importer's warnings (-Wno-NAME turns one off, -Werror makes them
 * errors); names in import_warn_name(). */
enum import_warn {
	IW_UNKNOWN_SYSCALL,  /* a syscall name none of bpfgen's tables has */
	IW_UNKNOWN_KEY,      /* a key the profile's format does not have */
	IW_UNKNOWN_VALUE,    /* a capability or Go architecture name no one has */
	IW_DROPPED,          /* flags, listenerPath...: no part of a filter */
	IW_OVERLAP,          /* conditional rules with different actions may both match */
	IW_COUNT
};

struct import_options {
	enum import_format from;  /* --from; IMPORT_DETECT: by content */
	const char *host_arch;    /* --host-arch (amd64, arm64); NULL: each target's */
	const char *caps;         /* --caps CAP,...; NULL: Docker's default set */
	int has_kernel;           /* --kernel X.Y; else every minKernel is met */
	unsigned kernel_major, kernel_minor;
	int typed;                /* --typed: compare what the kernel reads */
	int no_enosys_stub;       /* --no-enosys-stub: no on-newer line */
	int native_only;          /* --abi native: no abi line, no 32-bit ABI */
	int socketcall_open;      /* --socketcall fail-open */
	unsigned wdisabled;       /* bit W: warning W is off */
	int werror;               /* warnings count as errors */
};

/* A place in the text (line, columns [col, end_col)) and the JSON path it
 * was written from. */
struct import_span {
	int line, col, end_col;
	const char *path;
};

/* The import for one target. Everything is owned by the result. */
struct import_result {
	const struct arch *target;
	char *name;               /* the text's name in diagnostics: "FILE[x86_64]" */
	char *text;
	size_t len;
	struct import_span *spans;
	size_t nspans;
	char **notes;             /* for the generated header (e.g. the flags) */
	size_t nnotes;
	char *summary;            /* where the result differs from runc on purpose */
	char *options;            /* the import options, as a command line records them */
	void *arena;              /* the strings the spans point to */
};

/* Import the profile JSON (LEN bytes, read from PATH) for each of TARGETS
 * (OUT[i] for TARGETS[i]). Errors and warnings go to DIAG as
 * "PATH: $.json.path: error: ..."; each message is printed once however
 * many targets give it; then each target's summary of where the result
 * differs from runc on purpose. Returns the number of warnings (OUT
 * filled), or -1 after an error (OUT empty). */
int import_profile(const char *path, const char *json, size_t len,
		   const struct arch *const *targets, size_t ntargets,
		   const struct import_options *o, struct import_result *out,
		   FILE *diag);
void import_result_free(struct import_result *r);

/* Does BUF look like JSON (its first byte that is not white space is '{')?
 * A policy can never start so. */
int import_is_json(const char *buf, size_t len);

/* --host-arch: the target for a Go architecture name ("amd64" or
 * "x86_64", "arm64" or "aarch64"), or NULL; and the host of a target. */
const struct arch *import_host_target(const char *host);
const char *import_target_host(const struct arch *t);

/* --kernel: "X.Y" or a release such as "6.1.0-13-amd64". 0 or -1. */
int import_parse_kernel(const char *s, unsigned *major, unsigned *minor);

/* --caps: -1 after printing why LIST is not a list of capabilities. */
int import_check_caps(const char *list, FILE *diag);

/* -Wno-NAME: the warning called NAME, or -1; and a warning's name. */
int import_warn_by_name(const char *name);
const char *import_warn_name(enum import_warn w);

/* Copy one line of the compiler's diagnostics about R's text to OUT,
 * naming the JSON path of the place it points at: "NAME:L:C: warning: X"
 * becomes "NAME:L:C: $.syscalls[3].names[2]: warning: X". Other lines are
 * copied as they are. */
void import_annotate(const struct import_result *r, const char *line, FILE *out);

#endif
