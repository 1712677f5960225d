/* The names the profile formats use: actions and operators as runc spells
 * them (libcontainer/seccomp/config.go), libseccomp's architectures and
 * which ABI of a bpfgen target each is, Go's architecture names that
 * moby's includes/excludes compare, and the capabilities. */
#include <ctype.h>
#include <string.h>

#include "import/profile.h"

const char *const imp_action_names[IA_COUNT] = {
	[IA_KILL] = "SCMP_ACT_KILL",
	[IA_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[IA_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[IA_TRAP] = "SCMP_ACT_TRAP",
	[IA_ERRNO] = "SCMP_ACT_ERRNO",
	[IA_TRACE] = "SCMP_ACT_TRACE",
	[IA_ALLOW] = "SCMP_ACT_ALLOW",
	[IA_LOG] = "SCMP_ACT_LOG",
	[IA_NOTIFY] = "SCMP_ACT_NOTIFY",
};

const char *const imp_op_names[IO_COUNT] = {
	[IO_NE] = "SCMP_CMP_NE",
	[IO_LT] = "SCMP_CMP_LT",
	[IO_LE] = "SCMP_CMP_LE",
	[IO_EQ] = "SCMP_CMP_EQ",
	[IO_GE] = "SCMP_CMP_GE",
	[IO_GT] = "SCMP_CMP_GT",
	[IO_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* Every architecture libseccomp 2.5/2.6 names. runc 1.1 itself knows
 * fewer (not RISCV64, LOONGARCH64, M68K, PARISC, SH): a profile that asks
 * runc for those on such a host fails there; no host of bpfgen's targets
 * selects them, so they are accepted here and left out like any other
 * architecture a target's kernel does not run. */
static const struct scmp_arch scmp_arches[] = {
	{ "SCMP_ARCH_X86_64", "x86_64", "native", "amd64" },
	{ "SCMP_ARCH_X86", "x86_64", "i386", NULL },
	{ "SCMP_ARCH_X32", "x86_64", "x32", NULL },
	{ "SCMP_ARCH_AARCH64", "aarch64", "native", "arm64" },
	{ "SCMP_ARCH_ARM", "aarch64", "arm", NULL },
	{ "SCMP_ARCH_LOONGARCH64", NULL, NULL, NULL },
	{ "SCMP_ARCH_M68K", NULL, NULL, NULL },
	{ "SCMP_ARCH_MIPS", NULL, NULL, NULL },
	{ "SCMP_ARCH_MIPS64", NULL, NULL, NULL },
	{ "SCMP_ARCH_MIPS64N32", NULL, NULL, NULL },
	{ "SCMP_ARCH_MIPSEL", NULL, NULL, NULL },
	{ "SCMP_ARCH_MIPSEL64", NULL, NULL, NULL },
	{ "SCMP_ARCH_MIPSEL64N32", NULL, NULL, NULL },
	{ "SCMP_ARCH_PARISC", NULL, NULL, NULL },
	{ "SCMP_ARCH_PARISC64", NULL, NULL, NULL },
	{ "SCMP_ARCH_PPC", NULL, NULL, NULL },
	{ "SCMP_ARCH_PPC64", NULL, NULL, NULL },
	{ "SCMP_ARCH_PPC64LE", NULL, NULL, NULL },
	{ "SCMP_ARCH_RISCV64", NULL, NULL, NULL },
	{ "SCMP_ARCH_S390", NULL, NULL, NULL },
	{ "SCMP_ARCH_S390X", NULL, NULL, NULL },
	{ "SCMP_ARCH_SH", NULL, NULL, NULL },
	{ "SCMP_ARCH_SHEB", NULL, NULL, NULL },
};

const struct scmp_arch *scmp_arch_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(scmp_arches) / sizeof(scmp_arches[0]); i++)
		if (strcmp(name, scmp_arches[i].name) == 0)
			return &scmp_arches[i];
	return NULL;
}

/* moby compares includes/excludes "arches" with its own name of the host
 * (goToNative in profiles/seccomp/seccomp_linux.go: GOARCH 386 is "x86")
 * and never with anything else; "x32" and the 32-bit names appear in
 * real profiles although no host is called so. */
static const char *const go_arches[] = {
	"amd64", "arm64", "x86", "x32", "arm", "mips", "mipsel", "mips64",
	"mips64n32", "mipsel64", "mipsel64n32", "mips3l64n32", "mipsle", "ppc",
	"ppc64", "ppc64le", "s390", "s390x", "riscv64", "loong64", "loongarch64",
};

int go_arch_known(const char *name)
{
	for (size_t i = 0; i < sizeof(go_arches) / sizeof(go_arches[0]); i++)
		if (strcmp(name, go_arches[i]) == 0)
			return 1;
	return 0;
}

/* linux/capability.h, in the kernel's order. */
const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};
const size_t ncap_names = sizeof(cap_names) / sizeof(cap_names[0]);

/* What Docker gives a container that asks for nothing (moby's
 * oci/caps/defaults.go): its bounding set, which moby's profile reader
 * matches includes/excludes "caps" against. */
const char *const docker_default_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
};
const size_t ndocker_default_caps =
	sizeof(docker_default_caps) / sizeof(docker_default_caps[0]);

int cap_known(const char *name)
{
	for (size_t i = 0; i < ncap_names; i++)
		if (strcmp(name, cap_names[i]) == 0)
			return 1;
	return 0;
}

int cap_normalize(const char *in, char *buf, size_t size)
{
	size_t n = 0;

	if (strncasecmp(in, "CAP_", 4) != 0) {
		if (size < 5)
			return -1;
		memcpy(buf, "CAP_", 4);
		n = 4;
	}
	for (; *in && n + 1 < size; in++)
		buf[n++] = (char)toupper((unsigned char)*in);
	if (*in)
		return -1;
	buf[n] = '\0';
	return cap_known(buf) ? 0 : -1;
}
