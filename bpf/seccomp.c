/* Names for seccomp's action values and seccomp_data fields, shared by the
 * compiler's listings, the emulator and the auditing tools. */
#include <stdio.h>

#include "bpf/seccomp.h"

const char *seccomp_field_name(uint32_t off)
{
	static const char *const names[SD_SIZE / 4] = {
		"nr", "arch", "ip.lo", "ip.hi",
		"arg0.lo", "arg0.hi", "arg1.lo", "arg1.hi",
		"arg2.lo", "arg2.hi", "arg3.lo", "arg3.hi",
		"arg4.lo", "arg4.hi", "arg5.lo", "arg5.hi",
	};

	if (off >= SD_SIZE || off % 4 != 0)
		return NULL;
	return names[off / 4];
}

uint32_t seccomp_action_effective(uint32_t ret)
{
	switch (ret & ACT_FULL_MASK) {
	case ACT_KILL_PROCESS:
	case ACT_KILL_THREAD:
	case ACT_USER_NOTIF:
	case ACT_LOG:
	case ACT_ALLOW:
		return ret & ACT_FULL_MASK;
	case ACT_ERRNO:
		/* The kernel caps the errno it returns at MAX_ERRNO. */
		return (ret & ACT_DATA_MASK) > ERRNO_MAX ? ACT_ERRNO | ERRNO_MAX : ret;
	case ACT_TRAP:
	case ACT_TRACE:
		return ret;
	default:
		/* The kernel treats any unknown action as kill-process. */
		return ACT_KILL_PROCESS;
	}
}

int seccomp_action_format(uint32_t ret, char *buf, size_t n)
{
	uint32_t data = ret & ACT_DATA_MASK;

	switch (ret & ACT_FULL_MASK) {
	case ACT_KILL_PROCESS: return snprintf(buf, n, "kill-process");
	case ACT_KILL_THREAD:  return snprintf(buf, n, "kill-thread");
	case ACT_TRAP:         return data ? snprintf(buf, n, "trap(%u)", data)
					   : snprintf(buf, n, "trap");
	case ACT_ERRNO:        return snprintf(buf, n, "errno(%u)", data);
	case ACT_TRACE:        return snprintf(buf, n, "trace(%u)", data);
	case ACT_USER_NOTIF:   return snprintf(buf, n, "notify");
	case ACT_LOG:          return snprintf(buf, n, "log");
	case ACT_ALLOW:        return snprintf(buf, n, "allow");
	default:               return snprintf(buf, n, "unknown(0x%08x)", ret);
	}
}
