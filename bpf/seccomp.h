/* Facts about seccomp itself: action encodings and their names, and the
 * layout of struct seccomp_data. Everything else asks here. */
#ifndef BPFGEN_SECCOMP_H
#define BPFGEN_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

/* struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer;
 * __u64 args[6]. Both targets are little-endian, so the low word of an
 * argument is at the lower offset. */
#define SD_NR        0u
#define SD_ARCH      4u
#define SD_IP_LO     8u
#define SD_IP_HI     12u
#define SD_ARG_LO(k) (16u + 8u * (unsigned)(k))
#define SD_ARG_HI(k) (20u + 8u * (unsigned)(k))
#define SD_SIZE      64u

/* Action values as the kernel defines them (SECCOMP_RET_*). */
#define ACT_KILL_PROCESS 0x80000000u
#define ACT_KILL_THREAD  0x00000000u
#define ACT_TRAP         0x00030000u
#define ACT_ERRNO        0x00050000u
#define ACT_USER_NOTIF   0x7fc00000u
#define ACT_TRACE        0x7ff00000u
#define ACT_LOG          0x7ffc0000u
#define ACT_ALLOW        0x7fff0000u
#define ACT_FULL_MASK    0xffff0000u  /* SECCOMP_RET_ACTION_FULL */
#define ACT_DATA_MASK    0x0000ffffu  /* SECCOMP_RET_DATA */
#define ERRNO_MAX        4095u

/* Name of a seccomp_data offset ("nr", "arch", "arg2.lo", "ip.hi"...), or
 * NULL when OFF is not a 4-byte aligned field. */
const char *seccomp_field_name(uint32_t off);

/* Write a return value as the policy language spells it: "allow",
 * "errno(1)", "trace(7)", "kill-process"... Returns snprintf's result. */
int seccomp_action_format(uint32_t ret, char *buf, size_t n);

/* The action the kernel takes for return value RET, reduced to its
 * canonical form: unknown actions act as kill-process and errno data above
 * ERRNO_MAX is capped, as in the kernel. */
uint32_t seccomp_action_effective(uint32_t ret);

#endif
