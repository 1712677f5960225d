#!/usr/bin/env python3
"""Generate arch/constants_<arch>.c: named constants policies may use
(errno names, AF_, SOCK_, CLONE_, O_, PROT_, MAP_, ...) with the values
they have on each compile-target architecture.

The values come from the C library and Linux UAPI headers through the
compiler itself, never from a hand-written list: for every architecture we
compile one probe file to assembly (-S, so nothing has to run; no qemu) in
which each constant initializes its own static object, and read the values
back from the data directives. The names come from `-E -dM` of a few
headers per group, filtered by prefix.

Usage (what produced the committed files):

  python3 tools/genconsts.py --out arch

Needs gcc and aarch64-linux-gnu-gcc (Debian: gcc-aarch64-linux-gnu,
libc6-dev-arm64-cross).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Compile targets and the compiler that sees their headers.
TARGETS = [("x86_64", "gcc"), ("aarch64", "aarch64-linux-gnu-gcc")]

# (headers, regex of names to take from them). SECCOMP_RET_* is left out on
# purpose: action encodings are known only by bpf/seccomp.h.
GROUPS = [
    (["errno.h"], r"E[A-Z0-9]+"),
    (["sys/socket.h"], r"(AF|PF|SOCK|MSG|SOL|SO|SHUT|SCM)_\w+"),
    (["netinet/in.h"], r"IPPROTO_\w+"),
    (["sched.h", "linux/sched.h"], r"CLONE_\w+|CSIGNAL|SCHED_[A-Z_]+"),
    (["fcntl.h"], r"(O|AT|F|FD|POSIX_FADV|SPLICE_F|FALLOC_FL|DN|RWF)_\w+"),
    (["sys/mman.h"], r"(PROT|MAP|MADV|MS|MCL|MREMAP|MFD|MLOCK|POSIX_MADV|PKEY)_\w+"),
    (["sys/prctl.h"], r"PR_\w+"),
    (["signal.h"], r"SIG[A-Z0-9]+|SIG_(BLOCK|UNBLOCK|SETMASK)|SA_\w+"),
    (["sys/stat.h"], r"S_I[A-Z]+"),
    (["linux/seccomp.h"], r"SECCOMP_(?!RET_)\w+"),
    (["sys/ioctl.h"], r"(TIOC|FIO|FION)\w+|TC(GETS|SETS|GETA|SETA|SBRK|XONC|FLSH)\w*"),
    (["sys/wait.h"], r"W(NOHANG|UNTRACED|CONTINUED|EXITED|STOPPED|NOWAIT)"),
    (["linux/futex.h"], r"FUTEX_\w+"),
    (["time.h"], r"CLOCK_[A-Z_]+|TIMER_ABSTIME"),
    (["sys/random.h"], r"GRND_\w+"),
    (["sys/eventfd.h", "sys/epoll.h", "sys/timerfd.h", "sys/inotify.h"],
     r"EFD_\w+|EPOLL_\w+|EPOLL[A-Z]+|TFD_\w+|IN_\w+"),
    (["unistd.h"], r"SEEK_[A-Z]+|[RWXF]_OK"),
    (["sys/resource.h"], r"RLIMIT_[A-Z]+|PRIO_[A-Z]+"),
    (["sys/mount.h"], r"MS_\w+|MNT_\w+|UMOUNT_\w+"),
    (["sys/file.h"], r"LOCK_[A-Z]+"),
]

# Where the C library's value is not what the kernel sees, the UAPI header
# wins: glibc defines O_LARGEFILE as 0 on 64-bit targets, but the kernel
# (and musl, which always passes it) uses 0100000 on x86_64 and 0400000 on
# aarch64. These are probed alone, without the C library.
UAPI_OVERRIDES = [
    (["linux/fcntl.h"], r"O_\w+"),
]

DEFINE = re.compile(r"#define (\w+)(\(?)")
# Data directives for one 8-byte object as gcc writes them on our targets.
DATA = re.compile(r"\s*\.(quad|xword|dword|8byte)\s+(-?\d+)\s*$")
ZERO = re.compile(r"\s*\.zero\s+8\s*$")
MASK64 = (1 << 64) - 1


class GenError(Exception):
    pass


def run(cmd, stdin=None):
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def macro_names(cc, headers, pattern):
    """Object-like macros matching PATTERN that HEADERS define."""
    src = "".join(f"#include <{h}>\n" for h in headers)
    rc, out, err = run([cc, "-D_GNU_SOURCE", "-E", "-dM", "-x", "c", "-"], src)
    if rc != 0:
        raise GenError(f"{cc} cannot preprocess {', '.join(headers)}:\n{err}")
    want = re.compile(rf"(?:{pattern})\Z")
    names = set()
    for line in out.splitlines():
        m = DEFINE.match(line)
        if m and not m.group(2) and want.match(m.group(1)):
            names.add(m.group(1))
    return names


def probe_source(names, groups):
    """C source with one static object per name, NAME on line 'base + i'."""
    headers = sorted({h for hs, _ in groups for h in hs})
    head = "".join(f"#include <{h}>\n" for h in headers)
    body = "".join(
        f"static const unsigned long long bpfgen_c{i} __attribute__((used)) = "
        f"(unsigned long long)({n});\n" for i, n in enumerate(names))
    return head, body


def compile_probe(cc, names, groups, workdir):
    """Assembly text of the probe; names that are no integer constant
    expressions (SIGRTMIN calls a function, ...) are dropped and reported."""
    dropped = []
    while True:
        head, body = probe_source(names, groups)
        src = os.path.join(workdir, "probe.c")
        with open(src, "w") as f:
            f.write(head + body)
        asm = os.path.join(workdir, "probe.s")
        rc, _, err = run([cc, "-D_GNU_SOURCE", "-O0", "-S", "-o", asm, src])
        if rc == 0:
            with open(asm) as f:
                return f.read(), dropped
        first = head.count("\n") + 1
        bad = set()
        for m in re.finditer(r"probe\.c:(\d+):\d+: error", err):
            line = int(m.group(1))
            if line >= first:
                bad.add(names[line - first])
        if not bad:
            raise GenError(f"{cc}: the probe does not compile for a reason other than a constant:\n{err}")
        dropped += sorted(bad)
        names = [n for n in names if n not in bad]


def read_values(asm, names):
    """{name: value} from the assembly of the probe."""
    values = {}
    current = None
    for line in asm.splitlines():
        m = re.match(r"bpfgen_c(\d+):", line)
        if m:
            current = names[int(m.group(1))]
            continue
        if current is None:
            continue
        m = DATA.match(line)
        if m:
            values[current] = int(m.group(2)) & MASK64
            current = None
        elif ZERO.match(line):
            values[current] = 0
            current = None
    missing = [n for n in names if n not in values]
    if missing:
        raise GenError(f"no value found in the assembly for: {', '.join(missing[:10])}")
    return values


def probe(cc, groups):
    """({name: value}, [dropped names]) for the names GROUPS select."""
    names = set()
    for headers, pattern in groups:
        names |= macro_names(cc, headers, pattern)
    names = sorted(names)
    with tempfile.TemporaryDirectory() as d:
        asm, dropped = compile_probe(cc, names, groups, d)
    kept = [n for n in names if n not in dropped]
    return read_values(asm, kept), dropped


def constants_for(arch, cc):
    """({name: value}, [dropped names]) as CC's headers define them, with
    the UAPI overrides applied (each difference reported)."""
    if shutil.which(cc) is None:
        raise GenError(f"{cc} not found; install it (Debian: apt-get install "
                       "gcc-aarch64-linux-gnu libc6-dev-arm64-cross)")
    values, dropped = probe(cc, GROUPS)
    kernel, _ = probe(cc, UAPI_OVERRIDES)
    for name, v in sorted(kernel.items()):
        if name in values and values[name] != v:
            print(f"genconsts: {arch}: {name}: C library says {values[name]:#o}, "
                  f"kernel UAPI says {v:#o}; using the kernel's", file=sys.stderr)
        values[name] = v
    return values, dropped


def fmt(v):
    return f"{v}u" if v < 0x10000 else f"{v:#x}u"


def c_constants(arch, cc, values):
    lines = [
        f"/* Named constants for {arch}: GENERATED by tools/genconsts.py, do not edit.",
        f" * Values as the glibc and Linux UAPI headers seen by {cc} define them",
        " * (O_* from the UAPI <linux/fcntl.h>: the kernel's values, e.g. O_LARGEFILE);",
        " * negative values (AT_FDCWD...) are stored sign-extended to 64 bits.",
        " */",
        '#include "arch/constants_gen.h"',
        "",
        f"const struct constant constants_{arch}[] = {{",
    ]
    for name in sorted(values, key=lambda s: s.encode()):
        lines.append(f'\t{{ "{name}", {fmt(values[name])} }},')
    lines += ["};", ""]
    return "\n".join(lines)


def c_header(counts):
    lines = [
        "/* Declarations of the generated constant tables: GENERATED by",
        " * tools/genconsts.py together with arch/constants_*.c, do not edit. */",
        "#ifndef BPFGEN_ARCH_CONSTANTS_GEN_H",
        "#define BPFGEN_ARCH_CONSTANTS_GEN_H",
        "",
        '#include "arch/arch.h"',
        "",
    ]
    for arch, n in counts:
        up = arch.upper()
        lines += [
            f"#define CONSTANTS_{up}_LEN {n}",
            f"extern const struct constant constants_{arch}[CONSTANTS_{up}_LEN];",
            "",
        ]
    lines += ["#endif", ""]
    return "\n".join(lines)


def write_if_changed(path, text):
    old = None
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    if old != text:
        with open(path, "w") as f:
            f.write(text)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="arch", help="output directory (default: arch)")
    args = ap.parse_args(argv)
    outputs, counts = [], []
    try:
        for arch, cc in TARGETS:
            values, dropped = constants_for(arch, cc)
            if dropped:
                print(f"genconsts: {arch}: not integer constants, left out: {' '.join(dropped)}",
                      file=sys.stderr)
            outputs.append((f"constants_{arch}.c", c_constants(arch, cc, values)))
            counts.append((arch, len(values)))
    except GenError as e:
        print(f"genconsts: {e}", file=sys.stderr)
        print("genconsts: no file written", file=sys.stderr)
        return 1
    write_if_changed(os.path.join(args.out, "constants_gen.h"), c_header(counts))
    for name, text in outputs:
        write_if_changed(os.path.join(args.out, name), text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
