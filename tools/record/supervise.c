/* The recorder's two halves. The child installs a filter whose action is
 * SECCOMP_RET_USER_NOTIF for every call (exit and exit_group excepted, see
 * build_filter) and execs the command: every thread and descendant
 * inherits the filter, whatever its ABI. The parent receives each
 * notification on the listener, records it and answers
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE: the call then runs as if unfiltered.
 * No ptrace, no eBPF; the tracee only needs to be allowed seccomp (it sets
 * no_new_privs, so setuid and file-capability programs run unprivileged).
 *
 * Handing the listener to the parent. The listener is created in the
 * child, by the install; from then on every call of the installing thread
 * waits for an answer, and nobody can answer before the parent holds the
 * listener: a sendmsg() by that thread would wait forever. pidfd_getfd()
 * from the parent avoids the child's call, but needs ptrace rights over
 * it (refused under Yama ptrace_scope >= 2 and in containers without
 * CAP_SYS_PTRACE); a filter that lets the hand-over sendmsg through leaves
 * a hole the command could use unrecorded. Instead the child starts a
 * helper thread before installing. A filter installed without TSYNC
 * applies to the installing thread only, so the helper is never filtered:
 * it waits (in memory, no call of the filtered thread involved) for the
 * listener fd and sends it over a socketpair made before the fork. The
 * installing thread's next call is the execve of the command, which waits
 * until the parent has the listener; the execve then ends the helper like
 * every other thread. So the recording starts exactly at the exec. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf/seccomp.h"
#include "runtime/bpfrt.h"
#include "tools/record/supervise.h"

/* Linux 6.6: wake the supervisor on the notifying task's CPU. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#if defined(__x86_64__)
#define NATIVE_ARCH "x86_64"
#elif defined(__aarch64__)
#define NATIVE_ARCH "aarch64"
#else
#error "syscall-record runs on x86_64 and aarch64"
#endif

#define ERR_PREFIX "syscall-record: "

/* The filter: notify everything except exit and exit_group of the native
 * ABI. Those two are always in the policy anyway; letting them through
 * means that if the supervisor dies (its listener closes and every
 * notified call then fails with ENOSYS) the tracee can still exit instead
 * of looping in _exit(). */
static int build_filter(struct sock_filter *f, size_t *len)
{
	const struct arch *a = arch_by_name(NATIVE_ARCH);
	long ex = a ? arch_syscall_nr(a, "exit") : -1;
	long exg = a ? arch_syscall_nr(a, "exit_group") : -1;
	size_t n = 0;

	if (ex < 0 || exg < 0)
		return -1;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARCH);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a->audit_arch, 0, 3);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)exg, 2, 0);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ex, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_USER_NOTIF);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACT_ALLOW);
	*len = n;
	return 0;
}

/* "5.4.0-42" -> 504 */
static int kernel_version(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major * 100 + minor;
}

/* What the recorder needs: user notification (5.0) and its CONTINUE
 * answer (5.5). */
static int check_kernel(struct seccomp_notif_sizes *sizes, FILE *err)
{
	int v = kernel_version();
	int avail = bpfrt_action_available(ACT_USER_NOTIF);

	if (avail != 1) {
		fprintf(err, ERR_PREFIX "this kernel cannot notify a supervisor of system "
			"calls (SECCOMP_RET_USER_NOTIF, Linux 5.0 or later, needed)%s\n",
			avail < 0 ? ": seccomp() is not available" : "");
		return -1;
	}
	if (v && v < 505) {
		fprintf(err, ERR_PREFIX "Linux %d.%d lacks SECCOMP_USER_NOTIF_FLAG_CONTINUE "
			"(Linux 5.5 or later needed): notified calls could not be let through\n",
			v / 100, v % 100);
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, sizes) != 0) {
		fprintf(err, ERR_PREFIX "seccomp(SECCOMP_GET_NOTIF_SIZES): %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- child ----------------------------------------------------------- */

struct handoff {
	atomic_int ready;   /* set by the filtered thread, no syscall */
	int result;         /* the listener fd, or minus an errno */
	int sock;
};

/* The unfiltered helper thread: sends the install's result (and the
 * listener) to the parent. Its own calls are not filtered. */
static void *handoff_thread(void *arg)
{
	struct handoff *h = arg;
	struct timespec ts = { 0, 100000 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	int code;
	struct iovec iov = { &code, sizeof(code) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	while (!atomic_load(&h->ready))
		nanosleep(&ts, NULL);
	code = h->result < 0 ? h->result : 0;
	if (h->result >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &h->result, sizeof(int));
	}
	while (sendmsg(h->sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
	return NULL;
}

static _Noreturn void child(const struct supervise_opts *o, int sock, int errfd,
			    const sigset_t *mask)
{
	struct sock_filter insns[8];
	struct sock_fprog prog = { 0 };
	static struct handoff h;
	pthread_t t;
	size_t len;
	int e;

	sigprocmask(SIG_SETMASK, mask, NULL);
	h.sock = sock;
	if (build_filter(insns, &len) != 0 ||
	    pthread_create(&t, NULL, handoff_thread, &h) != 0)
		_exit(125);
	prog.len = (unsigned short)len;
	prog.filter = insns;
	h.result = bpfrt_install(&prog, BPFRT_NEW_LISTENER);
	atomic_store(&h.ready, 1);
	if (h.result < 0) {
		pthread_join(t, NULL);
		_exit(125);
	}
	/* Filtered from here: the first call the parent sees is this exec. */
	execvp(o->argv[0], o->argv);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
}

/* ---- parent ---------------------------------------------------------- */

/* The child's hand-over: the listener fd, or -1 after saying why not. */
static int receive_listener(int sock, FILE *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	int code = 0, fd = -1;
	struct iovec iov = { &code, sizeof(code) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(code)) {
		fprintf(err, ERR_PREFIX "the child died before installing the filter\n");
		return -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (code == -EBUSY)
		fprintf(err, ERR_PREFIX "the kernel refused the filter (EBUSY): this process "
			"already runs under a seccomp filter with a listener (another "
			"syscall-record or supervisor), and there can be only one\n");
	else if (code < 0)
		fprintf(err, ERR_PREFIX "installing the recording filter failed: %s\n",
			strerror(-code));
	else if (fd < 0)
		fprintf(err, ERR_PREFIX "the listener fd did not arrive\n");
	return code < 0 ? -1 : fd;
}

struct loop {
	int listener, sigfd;
	pid_t pid;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	struct record *r;
	struct supervise_result *res;
	const struct supervise_opts *o;
	long deadline_ms;       /* stop at this CLOCK_MONOTONIC time; -1 none */
	int stop, failed, answered;
	int hup_ok;             /* the kernel reports POLLHUP (5.8) */
	FILE *err;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void handle_notification(struct loop *l)
{
	memset(l->req, 0, l->req_size);
	if (ioctl(l->listener, SECCOMP_IOCTL_NOTIF_RECV, l->req) != 0) {
		/* ENOENT: the caller was interrupted or died meanwhile. */
		if (errno != ENOENT && errno != EINTR) {
			fprintf(l->err, ERR_PREFIX "SECCOMP_IOCTL_NOTIF_RECV: %s\n",
				strerror(errno));
			l->failed = l->stop = 1;
		}
		return;
	}
	uint64_t args[6];
	for (int i = 0; i < 6; i++)
		args[i] = l->req->data.args[i];
	if (record_add(l->r, l->req->data.arch, (uint32_t)l->req->data.nr,
		       args, 1) != 0 && !l->failed) {
		fprintf(l->err, ERR_PREFIX "out of memory: the record is incomplete\n");
		l->failed = 1;
	}
	memset(l->resp, 0, l->resp_size);
	l->resp->id = l->req->id;
	l->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(l->listener, SECCOMP_IOCTL_NOTIF_SEND, l->resp) == 0) {
		l->answered = 1;
	} else if (errno == EINVAL && !l->answered) {
		fprintf(l->err, ERR_PREFIX "the kernel refused SECCOMP_USER_NOTIF_FLAG_CONTINUE "
			"(Linux 5.5 or later needed)\n");
		l->failed = l->stop = 1;
	} else if (errno != ENOENT) {
		fprintf(l->err, ERR_PREFIX "SECCOMP_IOCTL_NOTIF_SEND: %s\n", strerror(errno));
		l->failed = l->stop = 1;
	}
}

static void command_exited(struct loop *l)
{
	if (l->o->linger_ms == 0 || !l->hup_ok)
		l->stop = 1;
	else if (l->o->linger_ms > 0)
		l->deadline_ms = now_ms() + l->o->linger_ms;
}

static void handle_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			int st;
			if (!l->res->reaped && waitpid(l->pid, &st, WNOHANG) == l->pid) {
				l->res->reaped = 1;
				l->res->status = st;
				command_exited(l);
			}
			continue;
		}
		if (l->res->reaped) {
			/* Only descendants are left: the user wants the record. */
			l->stop = 1;
		} else if (si.ssi_code != SI_KERNEL) {
			/* From kill(): pass it on. A terminal's signal (SI_KERNEL)
			 * went to the whole process group, the command included. */
			kill(l->pid, (int)si.ssi_signo);
		}
	}
}

static void run_loop(struct loop *l)
{
	while (!l->stop) {
		struct pollfd p[2] = { { l->listener, POLLIN, 0 }, { l->sigfd, POLLIN, 0 } };
		int timeout = -1;
		if (l->deadline_ms >= 0) {
			long left = l->deadline_ms - now_ms();
			if (left <= 0) {
				l->res->left_behind = 1;
				break;
			}
			timeout = (int)left;
		}
		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(l->err, ERR_PREFIX "poll: %s\n", strerror(errno));
			l->failed = 1;
			break;
		}
		if (p[0].revents & POLLIN)
			handle_notification(l);
		else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break; /* no process uses the filter any more */
		if (p[1].revents & POLLIN)
			handle_signal(l);
	}
}

static int alloc_buffers(struct loop *l, const struct seccomp_notif_sizes *s)
{
	l->req_size = s->seccomp_notif > sizeof(*l->req) ? s->seccomp_notif : sizeof(*l->req);
	l->resp_size = s->seccomp_notif_resp > sizeof(*l->resp) ?
		s->seccomp_notif_resp : sizeof(*l->resp);
	l->req = calloc(1, l->req_size);
	l->resp = calloc(1, l->resp_size);
	return l->req && l->resp ? 0 : -1;
}

int supervise_run(const struct supervise_opts *o, struct record *r,
		  struct supervise_result *res, FILE *err)
{
	struct seccomp_notif_sizes sizes;
	struct loop l = { .listener = -1, .sigfd = -1, .r = r, .res = res, .o = o,
			  .deadline_ms = -1, .err = err };
	sigset_t block, old;
	int sv[2], ep[2], rc = -1, e;

	memset(res, 0, sizeof(*res));
	if (check_kernel(&sizes, err) != 0 || alloc_buffers(&l, &sizes) != 0)
		goto out_free;
	l.hup_ok = kernel_version() >= 508;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(ep, O_CLOEXEC) != 0) {
		fprintf(err, ERR_PREFIX "socketpair/pipe: %s\n", strerror(errno));
		goto out_free;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	l.sigfd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	fflush(NULL);
	l.pid = l.sigfd < 0 ? -1 : fork();
	if (l.pid == 0) {
		close(sv[0]);
		close(ep[0]);
		child(o, sv[1], ep[1], &old);
	}
	close(sv[1]);
	close(ep[1]);
	if (l.pid < 0) {
		fprintf(err, ERR_PREFIX "signalfd/fork: %s\n", strerror(errno));
		goto out_close;
	}
	l.listener = receive_listener(sv[0], err);
	if (l.listener < 0) {
		waitpid(l.pid, &res->status, 0);
		goto out_close;
	}
	/* Optional (6.6): the supervisor runs on the notifying task's CPU. */
	ioctl(l.listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	run_loop(&l);
	if (res->reaped && !res->left_behind && l.stop && !l.failed) {
		/* Stopped at the command's exit: is anybody still filtered? */
		struct pollfd p = { l.listener, POLLIN, 0 };
		if (poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP))
			res->left_behind = 1;
	}
	/* Closing the listener makes every call still notified fail with
	 * ENOSYS: processes left behind (linger) are not held up. */
	close(l.listener);
	if (!res->reaped) {
		while (waitpid(l.pid, &res->status, 0) < 0 && errno == EINTR)
			;
		res->reaped = 1;
	}
	if (read(ep[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
		res->exec_errno = e;
	res->incomplete = l.failed;
	rc = 0;
out_close:
	if (l.sigfd >= 0)
		close(l.sigfd);
	close(sv[0]);
	close(ep[0]);
	sigprocmask(SIG_SETMASK, &old, NULL);
out_free:
	free(l.req);
	free(l.resp);
	return rc;
}
