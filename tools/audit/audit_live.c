/* seccomp-audit's live sources: the kernel audit stream over netlink
 * (multicast group AUDIT_NLGRP_READLOG) and the kernel log /dev/kmsg. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tools/audit/audit_live.h"

/* One audit record is at most 8970 bytes (MAX_AUDIT_MESSAGE_LENGTH); one
 * datagram or kmsg record fits easily. */
#define READ_BUF 65536
/* A bigger socket buffer rides out bursts while we are busy printing. */
#define NETLINK_RCVBUF (4 * 1024 * 1024)

int audit_netlink_open(char *err, size_t errlen)
{
	struct sockaddr_nl addr;
	int size = NETLINK_RCVBUF;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_AUDIT);

	if (fd < 0) {
		snprintf(err, errlen, "netlink audit socket: %s",
			 strerror(errno));
		return -1;
	}
	memset(&addr, 0, sizeof(addr));
	addr.nl_family = AF_NETLINK;
	addr.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		snprintf(err, errlen,
			 "joining the audit multicast group: %s "
			 "(needs CAP_AUDIT_READ)", strerror(errno));
		close(fd);
		return -1;
	}
	/* Without the privilege for FORCE, the plain request still helps. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* Walks the messages of one datagram. Written out rather than with
 * NLMSG_OK/NLMSG_NEXT, whose signed length trips -Wsign-compare. */
static void netlink_dispatch(const char *buf, size_t n, audit_sink sink,
			     void *ctx)
{
	size_t off = 0;

	while (n - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *h =
			(const struct nlmsghdr *)(const void *)(buf + off);
		const char *data = buf + off + NLMSG_HDRLEN;
		size_t len = h->nlmsg_len, body;
		struct audit_event ev;
		int r;

		if (len < NLMSG_HDRLEN || len > n - off)
			return; /* a broken header: nothing after it is safe */
		body = len - NLMSG_HDRLEN;
		while (body > 0 && data[body - 1] == '\0')
			body--;
		r = audit_parse_record(h->nlmsg_type, data, body, &ev);
		sink(ctx, r, &ev);
		off += NLMSG_ALIGN(len);
		if (off > n)
			return;
	}
}

int audit_netlink_read(int fd, audit_sink sink, void *ctx, long *lost,
		       char *err, size_t errlen)
{
	long buf[READ_BUF / sizeof(long)]; /* aligned for struct nlmsghdr */
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n < 0 && errno == ENOBUFS) {
			(*lost)++; /* the kernel dropped some: say so, go on */
			continue;
		}
		if (n < 0) {
			snprintf(err, errlen, "reading netlink: %s",
				 strerror(errno));
			return -1;
		}
		netlink_dispatch((const char *)buf, (size_t)n, sink, ctx);
	}
}

int audit_kmsg_open(int at_end, char *err, size_t errlen)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "/dev/kmsg: %s", strerror(errno));
		return -1;
	}
	if (at_end && lseek(fd, 0, SEEK_END) < 0) {
		snprintf(err, errlen, "/dev/kmsg: seeking to the end: %s",
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The first kmsg field is facility * 8 + level; facility 0 is the kernel.
 * Root can write lines into /dev/kmsg, but they get facility 1 (user), so
 * a forged "audit: type=1326" line is not taken for a record. */
static int from_kernel(const char *rec, size_t n)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < n && i < 12 && rec[i] >= '0' && rec[i] <= '9'; i++)
		v = v * 10 + (unsigned long)(rec[i] - '0');
	return i > 0 && i < n && rec[i] == ',' && v < 8;
}

int audit_kmsg_read(int fd, audit_sink sink, void *ctx, long *lost,
		    char *err, size_t errlen)
{
	char buf[16384];
	ssize_t n;

	for (;;) {
		struct audit_event ev;
		char *nl;
		int r;

		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n < 0 && errno == EPIPE) {
			(*lost)++; /* overwritten in the ring before we read */
			continue;
		}
		if (n < 0) {
			snprintf(err, errlen, "reading /dev/kmsg: %s",
				 strerror(errno));
			return -1;
		}
		if (n == 0)
			return 1;
		/* "prio,seq,usec,flags;message\n" then " KEY=value" lines
		 * that are not part of the message. */
		if (!from_kernel(buf, (size_t)n)) {
			sink(ctx, AUDIT_UNRELATED, NULL);
			continue;
		}
		nl = memchr(buf, '\n', (size_t)n);
		r = audit_parse_line(buf, nl ? (size_t)(nl - buf) : (size_t)n,
				     &ev);
		sink(ctx, r, &ev);
	}
}
