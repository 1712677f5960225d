/* The syscall groups. Members that do not exist on an architecture are
 * skipped there; tests check that every member exists on some target. */
#include <string.h>

#include "bpfgen/groups.h"

static const char *const io_uring[] = {
	"io_uring_setup", "io_uring_enter", "io_uring_register", NULL,
};

static const char *const network[] = {
	"socket", "socketpair", "connect", "bind", "listen", "accept",
	"accept4", "getsockname", "getpeername", "sendto", "recvfrom",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "setsockopt",
	"getsockopt", "shutdown", NULL,
};

static const char *const debug[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"perf_event_open", "pidfd_getfd", NULL,
};

static const char *const mount[] = {
	"mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount",
	"fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	"open_tree_attr", "statmount", "listmount", NULL,
};

static const char *const module[] = {
	"init_module", "finit_module", "delete_module", "create_module", NULL,
};

static const char *const reboot[] = {
	"reboot", "kexec_load", "kexec_file_load", NULL,
};

static const char *const swap[] = { "swapon", "swapoff", NULL };

static const char *const namespaces[] = {
	"unshare", "setns", "clone3", NULL,
};

static const char *const keyring[] = {
	"add_key", "request_key", "keyctl", NULL,
};

static const char *const bpf[] = { "bpf", NULL };

static const char *const clock[] = {
	"adjtimex", "clock_adjtime", "clock_settime", "settimeofday",
	NULL,
};

const struct syscall_group syscall_groups[] = {
	{ "io_uring", "io_uring: its rings perform I/O (network included) without further syscalls seccomp could see", io_uring },
	{ "network", "every syscall that creates, connects or uses sockets", network },
	{ "debug", "tracing and reading or writing other processes' memory", debug },
	{ "mount", "mounting, the new mount API and changing root", mount },
	{ "module", "loading and unloading kernel modules", module },
	{ "reboot", "rebooting and loading a new kernel", reboot },
	{ "swap", "enabling and disabling swap", swap },
	{ "namespaces", "creating or entering namespaces (clone with CLONE_NEW* needs an argument rule)", namespaces },
	{ "keyring", "the kernel keyring", keyring },
	{ "bpf", "loading eBPF programs and maps", bpf },
	{ "clock", "setting the system clock", clock },
};

const size_t nsyscall_groups = sizeof(syscall_groups) / sizeof(syscall_groups[0]);

const struct syscall_group *group_by_name(const char *name)
{
	for (size_t i = 0; i < nsyscall_groups; i++)
		if (strcmp(syscall_groups[i].name, name) == 0)
			return &syscall_groups[i];
	return NULL;
}

/* The twin table (see groups.h): syscalls that reach the same kernel
 * operation by another door. Every name must exist on some architecture
 * (tests/unit/test_lint.c checks it); a member an architecture lacks is
 * left out there, so aarch64, which has none of open, creat, pipe, dup2,
 * eventfd, signalfd, rename, chmod, access, renameat, only compares the
 * newer calls. clone and clone3 are not here: a filter reads clone's
 * flags but never clone3's, and the linter treats them on their own
 * (-Wclone3). OPAQUE marks a member that a condition on its twin never
 * covers, because what the condition would check is out of a filter's
 * reach there: openat2's flags and mode are in memory (struct open_how),
 * creat's flags are implied, pidfd_send_signal names its target by a
 * pidfd, the new mount API sets what mount(2) passes as flags through
 * other calls and memory, socketcall's arguments are in memory. */
#define T(n) { n, 0 }
#define OPAQUE(n) { n, 1 }
#define END { NULL, 0 }
#define TWINS(name, ...) static const struct twin name[] = { __VA_ARGS__, END }
TWINS(t_open, T("open"), T("openat"), OPAQUE("openat2"), OPAQUE("creat"));
TWINS(t_socket, T("socket"), T("socketpair"));
TWINS(t_exec, T("execve"), T("execveat"));
TWINS(t_dup, T("dup"), T("dup2"), T("dup3"));
TWINS(t_accept, T("accept"), T("accept4"));
TWINS(t_copy, T("sendfile"), T("sendfile64"), T("copy_file_range"), T("splice"));
TWINS(t_pipe, T("pipe"), T("pipe2"));
TWINS(t_eventfd, T("eventfd"), T("eventfd2"));
TWINS(t_signalfd, T("signalfd"), T("signalfd4"));
TWINS(t_rename, T("rename"), T("renameat"), T("renameat2"));
TWINS(t_chmod, T("chmod"), T("fchmod"), T("fchmodat"), T("fchmodat2"));
TWINS(t_access, T("access"), T("faccessat"), T("faccessat2"));
TWINS(t_kill, T("kill"), T("tkill"), T("tgkill"), OPAQUE("pidfd_send_signal"));
TWINS(t_mount, T("mount"), OPAQUE("fsopen"), OPAQUE("fsconfig"), OPAQUE("fsmount"),
      OPAQUE("fspick"), OPAQUE("move_mount"), OPAQUE("open_tree"),
      OPAQUE("open_tree_attr"), OPAQUE("mount_setattr"));
TWINS(t_send, T("sendmsg"), T("sendmmsg"));
TWINS(t_recv, T("recvmsg"), T("recvmmsg"));
TWINS(t_uid, T("setuid"), T("setreuid"), T("setresuid"), T("setuid32"),
      T("setreuid32"), T("setresuid32"));
TWINS(t_gid, T("setgid"), T("setregid"), T("setresgid"), T("setgid32"),
      T("setregid32"), T("setresgid32"));
/* 32-bit ABIs only. */
TWINS(t_umount, T("umount"), T("umount2"));
TWINS(t_mmap, T("mmap"), T("mmap2"));
TWINS(t_socketcall, OPAQUE("socketcall"), T("socket"), T("socketpair"), T("bind"),
      T("connect"), T("listen"), T("accept"), T("accept4"), T("getsockname"),
      T("getpeername"), T("send"), T("recv"), T("sendto"), T("recvfrom"),
      T("shutdown"), T("setsockopt"), T("getsockopt"), T("sendmsg"), T("recvmsg"),
      T("sendmmsg"), T("recvmmsg"));

const struct twin_set twin_sets[] = {
	{ "open a file", NULL, 0, t_open },
	/* socketpair makes only local (AF_UNIX) pairs: a rule on socket's
	 * family or type is not bypassed by it, an outright deny is. */
	{ "create a socket", NULL, TWINS_OUTRIGHT, t_socket },
	{ "execute a program", NULL, 0, t_exec },
	{ "duplicate a file descriptor", NULL, 0, t_dup },
	{ "accept a connection", NULL, 0, t_accept },
	{ "copy between file descriptors in the kernel", NULL, 0, t_copy },
	{ "create a pipe", NULL, 0, t_pipe },
	{ "create an eventfd", NULL, 0, t_eventfd },
	{ "create a signalfd", NULL, 0, t_signalfd },
	{ "rename a file", NULL, 0, t_rename },
	{ "change a file's mode", NULL, 0, t_chmod },
	{ "check a file's access", NULL, 0, t_access },
	{ "send a signal", NULL, 0, t_kill },
	{ "mount a file system", NULL, 0, t_mount },
	/* Neither target has umount: only i386 does. */
	{ "unmount a file system", NULL, TWINS_ABI32, t_umount },
	{ "send messages on a socket", NULL, 0, t_send },
	{ "receive messages from a socket", NULL, 0, t_recv },
	{ "change the user ID", NULL, 0, t_uid },
	{ "change the group ID", NULL, 0, t_gid },
	{ "map memory", NULL, TWINS_ABI32, t_mmap },
	/* socketcall(2) multiplexes every socket call: each is its twin, but
	 * they are not each other's. */
	{ "make the same socket call", "socketcall", TWINS_ABI32, t_socketcall },
};

const size_t ntwin_sets = sizeof(twin_sets) / sizeof(twin_sets[0]);

int twin_of(const struct twin_set *s, const char *a, const char *b)
{
	int ina = 0, inb = 0;

	for (const struct twin *m = s->members; m->name; m++) {
		ina |= strcmp(m->name, a) == 0;
		inb |= strcmp(m->name, b) == 0;
	}
	if (!ina || !inb || strcmp(a, b) == 0)
		return 0;
	return !s->hub || (strcmp(a, s->hub) == 0) != (strcmp(b, s->hub) == 0);
}
