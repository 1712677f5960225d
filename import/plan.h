/* Import stage 2's result: what the text says for one target, in order.
 * select.c decides it (what moby and runc keep, and how libseccomp lets
 * several rules on one syscall decide); write.c only words it. */
#ifndef IMPORT_PLAN_H
#define IMPORT_PLAN_H

#include <stddef.h>

#include "import/profile.h"

/* One rule of the text. */
struct irule {
	const struct isyscall *from;
	const char *path;         /* the rule's JSON path, or its condition's */
	enum imp_action action;   /* never IA_KILL: that is IA_KILL_THREAD */
	unsigned data;            /* errno(N) / trace(N) */
	const struct iarg **conds;
	size_t nconds;
	const struct istr *names;
	size_t nnames;
};

enum item_kind { IT_BLANK, IT_COMMENT, IT_RULE };

struct item {
	enum item_kind kind;
	const char *path;         /* a comment reads "# PATH: TEXT" (or "# PATH") */
	const char *text;
	struct irule rule;
};

struct item_list {
	struct item *v;
	size_t n, cap;
};

struct iplan {
	const struct iprofile *profile;
	const struct arch *target;
	const char *host;                 /* "amd64" */
	const char *caps_text;            /* for the header */
	const struct arch *abis[4];       /* accepted besides native, in dispatch order */
	size_t nabis;
	int native_listed;                /* the profile lists the target's own ABI */
	const char *dropped_abis;         /* listed, left out by --abi native */
	const char *arch_path;            /* where the architectures come from */
	enum imp_action deflt;
	unsigned ddata;
	int stub;                         /* write "on-newer errno(ENOSYS)" */
	struct item_list head;            /* comments on the settings */
	struct item_list rules;           /* the rules, in order */
	struct item_list tail;            /* rules with the default action */
	char **summary;                   /* differences from runc, one per line */
	size_t nsummary, summary_cap;
	char **notes;                     /* for the generated header */
	size_t nnotes, notes_cap;
};

/* select.c: the plan for TARGET. CAPS: the capabilities given (NCAPS).
 * 0, or -1 after reporting to D. */
int plan_build(const struct iprofile *p, const struct arch *target,
	       const struct import_options *o, const char *const *caps,
	       size_t ncaps, struct iplan *plan, struct arena *a, struct idiag *d);
void plan_free(struct iplan *plan);

/* write.c: the text of PLAN, its spans (into A) and the summary. */
struct import_result;
void plan_write(const struct iplan *plan, const struct import_options *o,
		const char *file, struct import_result *out, struct arena *a);

/* Is the action allow-like (allow, log)? Where runc's patchbpf stops
 * (allow, log, trace) is a different question. */
int action_allows(enum imp_action a);

#endif
