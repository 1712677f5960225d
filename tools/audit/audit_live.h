/* seccomp-audit's live sources: the audit netlink multicast group and
 * /dev/kmsg. Each read hands every record it finds to a callback. */
#ifndef BPFGEN_AUDIT_LIVE_H
#define BPFGEN_AUDIT_LIVE_H

#include <stddef.h>

#include "tools/audit/audit.h"

/* Called once per record or line read: RESULT is an enum audit_result and
 * EV is valid only when RESULT is AUDIT_EVENT or AUDIT_LOSS. */
typedef void (*audit_sink)(void *ctx, int result, const struct audit_event *ev);

/* Joins AUDIT_NLGRP_READLOG (needs CAP_AUDIT_READ). Returns a non-blocking
 * fd, or -1 with a reason in ERR. */
int audit_netlink_open(char *err, size_t errlen);
/* Reads what is queued. Returns 0, 1 at "nothing more for now", or -1 with
 * a reason in ERR. Lost messages (socket overrun) are counted in *LOST. */
int audit_netlink_read(int fd, audit_sink sink, void *ctx, long *lost,
		       char *err, size_t errlen);

/* Opens /dev/kmsg non-blocking; with AT_END, skips what is already logged. */
int audit_kmsg_open(int at_end, char *err, size_t errlen);
/* Like audit_netlink_read; records the kernel overwrote before we read them
 * are counted in *LOST. */
int audit_kmsg_read(int fd, audit_sink sink, void *ctx, long *lost,
		    char *err, size_t errlen);

#endif
