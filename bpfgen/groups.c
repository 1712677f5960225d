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

/* The twin table (see groups.h). clone and clone3 are not here: a filter
 * can read clone's flags but never clone3's, so the linter treats them on
 * their own (-Wclone3). */
#define TWINS(name, ...) static const char *const name[] = { __VA_ARGS__, NULL }
TWINS(t_open, "open", "openat", "openat2", "creat");
TWINS(t_socket, "socket", "socketpair", "socketcall");
TWINS(t_exec, "execve", "execveat");
TWINS(t_dup, "dup", "dup2", "dup3");
TWINS(t_accept, "accept", "accept4", "socketcall");
TWINS(t_copy, "sendfile", "sendfile64", "copy_file_range", "splice");
TWINS(t_pipe, "pipe", "pipe2");
TWINS(t_eventfd, "eventfd", "eventfd2");
TWINS(t_signalfd, "signalfd", "signalfd4");
TWINS(t_rename, "rename", "renameat", "renameat2");
TWINS(t_chmod, "chmod", "fchmod", "fchmodat", "fchmodat2");
TWINS(t_access, "access", "faccessat", "faccessat2");
TWINS(t_kill, "kill", "tkill", "tgkill", "pidfd_send_signal");
TWINS(t_mount, "mount", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
      "open_tree", "open_tree_attr", "mount_setattr");
TWINS(t_umount, "umount", "umount2");
TWINS(t_send, "sendmsg", "sendmmsg", "socketcall");
TWINS(t_recv, "recvmsg", "recvmmsg", "socketcall");
TWINS(t_connect, "connect", "socketcall");
TWINS(t_mmap, "mmap", "mmap2");

const struct twin_set twin_sets[] = {
	{ "open a file", t_open },
	{ "create a socket", t_socket },
	{ "execute a program", t_exec },
	{ "duplicate a file descriptor", t_dup },
	{ "accept a connection", t_accept },
	{ "copy between file descriptors in the kernel", t_copy },
	{ "create a pipe", t_pipe },
	{ "create an eventfd", t_eventfd },
	{ "create a signalfd", t_signalfd },
	{ "rename a file", t_rename },
	{ "change a file's mode", t_chmod },
	{ "check a file's access", t_access },
	{ "send a signal", t_kill },
	{ "mount a file system", t_mount },
	{ "unmount a file system", t_umount },
	{ "send a message on a socket", t_send },
	{ "receive a message from a socket", t_recv },
	{ "connect a socket", t_connect },
	{ "map memory", t_mmap },
};

const size_t ntwin_sets = sizeof(twin_sets) / sizeof(twin_sets[0]);
