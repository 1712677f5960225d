/* Reads /dev/kmsg (and auditd's log, when auditd runs) for the seccomp
 * records of one process. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/demo/auditlog.h"

/* The seccomp record type, AUDIT_SECCOMP in <linux/audit.h>. */
#include <linux/audit.h>

int auditlog_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* One record line names our process and action: the kernel writes
 * "... pid=N ... code=0x7ffc0000" in both kmsg and auditd's format. */
static int line_matches(const char *line, const char *type, pid_t pid,
			uint32_t code)
{
	char want_pid[32], want_code[32];

	snprintf(want_pid, sizeof want_pid, " pid=%d ", (int)pid);
	snprintf(want_code, sizeof want_code, "code=0x%x", code);
	return strstr(line, type) && strstr(line, want_pid) &&
	       strstr(line, want_code);
}

static int kmsg_find(int fd, pid_t pid, uint32_t code)
{
	char type[32], rec[8192];
	int found = 0;

	snprintf(type, sizeof type, "type=%d ", AUDIT_SECCOMP);
	for (;;) {
		ssize_t n = read(fd, rec, sizeof rec - 1);

		if (n < 0 && errno == EPIPE)
			continue;  /* records overwritten meanwhile; go on */
		if (n <= 0)
			break;     /* EAGAIN: nothing more for now */
		rec[n] = '\0';
		if (line_matches(rec, type, pid, code))
			found = 1;
	}
	return found;
}

static int auditd_find(pid_t pid, uint32_t code)
{
	FILE *f = fopen("/var/log/audit/audit.log", "re");
	char line[8192];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f))
		found = line_matches(line, "type=SECCOMP ", pid, code);
	fclose(f);
	return found;
}

int auditlog_find(int fd, pid_t pid, uint32_t code)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	int i;

	/* kauditd prints records from its own thread, a little later. */
	for (i = 0; i < 20; i++) {
		if (fd >= 0 && kmsg_find(fd, pid, code))
			return 1;
		if (auditd_find(pid, code))
			return 1;
		nanosleep(&tick, NULL);
	}
	return 0;
}
