#!/usr/bin/env python3
"""Generate arch/types_<arch>.c: the C type of every syscall parameter.

For each syscall of the x86_64 and aarch64 tables, the kernel entry point the
table names (its last column, e.g. arm64's `personality` is
`sys_arm64_personality`, x86_64's `umount2` is `sys_umount`) is looked up in
the SYSCALL_DEFINEn lines of the kernel sources, picking by path: the target's
own arch directory first, generic code next, never another architecture's.
`include/linux/syscalls.h` is the fallback for entry points without a
definition. The kernel casts each 64-bit argument register to the declared
type, so only the declared width counts; that width and its signedness are
derived here from the C type (see BASE_TYPES). Calls newer than the vendored
6.12 sources come from OVERRIDES below; anything else is written with
known = 0 and the reason.

The 32-bit ABIs the targets accept (i386 and x32 on x86_64, arm on
aarch64) get tables too (types_i386.c, types_x32.c, types_arm.c): their
names, positions, signedness and pointers, from the entry point the
kernel runs for them -- the table's compat entry (last column) when it
has one, else its native one -- looked up among the COMPAT_SYSCALL_DEFINEn
or SYSCALL_DEFINEn lines, the ABI's own arch directory first (32-bit files
included), generic code next. The compiler compares their low words only
(registers are 32 bits there), so widths are capped at 32; a parameter
that i386 or arm split over two registers (a 64-bit loff_t or u64, or the
compat_arg_u64 macros) moves the positions after it: such a syscall is
written with known = 0.

Usage (what produced the committed tables):

  python3 tools/gentypes.py \\
      --x86-64 arch/kernel/syscall_64.tbl \\
      --generic arch/kernel/syscall.tbl \\
      --i386 arch/kernel/syscall_32.tbl \\
      --arm-compat arch/kernel/arm64-compat-syscall_32.tbl \\
      --csv arch/kernel/syscalls-7.1.csv \\
      --syscalls-h arch/kernel/syscalls.h \\
      --defines arch/kernel/syscall-defines.txt \\
      --out arch
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gentables  # noqa: E402  (the .tbl and CSV readers)

# (base type without const/__user) -> (width, signed). 64-bit targets only.
BASE_TYPES = {
    "int": (32, 1), "__s32": (32, 1), "s32": (32, 1),
    "pid_t": (32, 1),            # __kernel_pid_t: int
    "clockid_t": (32, 1),        # __kernel_clockid_t: int
    "timer_t": (32, 1),          # __kernel_timer_t: int
    "mqd_t": (32, 1),            # __kernel_mqd_t: int
    "key_t": (32, 1),            # __kernel_key_t: int
    "key_serial_t": (32, 1),     # int32_t
    "rwf_t": (32, 1), "__kernel_rwf_t": (32, 1),  # int
    "unsigned int": (32, 0), "unsigned": (32, 0),
    "u32": (32, 0), "__u32": (32, 0), "uint32_t": (32, 0),
    "uid_t": (32, 0), "gid_t": (32, 0),  # __kernel_uid32_t: unsigned int
    "qid_t": (32, 0),            # __kernel_uid32_t
    # An enum with no negative enumerator is unsigned int for GCC and Clang.
    "enum landlock_rule_type": (32, 0),
    "umode_t": (16, 0),          # unsigned short
    "unsigned short": (16, 0), "u16": (16, 0), "__u16": (16, 0),
    "old_uid_t": (16, 0), "old_gid_t": (16, 0),  # x86: unsigned short
    "long": (64, 1), "ssize_t": (64, 1),
    "loff_t": (64, 1),           # __kernel_loff_t: long long
    "off_t": (64, 1),            # __kernel_off_t: long
    "unsigned long": (64, 0), "size_t": (64, 0),
    "u64": (64, 0), "__u64": (64, 0),
    "aio_context_t": (64, 0),    # __kernel_ulong_t
    "old_sigset_t": (64, 0),     # unsigned long (asm-generic and x86)
}

# The types of compat entry points (include/linux/compat.h, and the arch
# compat headers): (width, signed) as a 32-bit ABI passes them.
COMPAT_TYPES = {
    "compat_size_t": (32, 0), "compat_ssize_t": (32, 1),
    "compat_ulong_t": (32, 0), "compat_long_t": (32, 1),
    "compat_uint_t": (32, 0), "compat_int_t": (32, 1),
    "compat_pid_t": (32, 1), "compat_off_t": (32, 1),
    "compat_mode_t": (16, 0),       # x86 and arm64: unsigned short
    "compat_old_sigset_t": (32, 0),
    "compat_aio_context_t": (32, 0),
    "compat_timer_t": (32, 1), "compat_clockid_t": (32, 1),
    "compat_key_t": (32, 1),
}

# Types that are 64 bits on a 32-bit ABI: i386 and arm pass them in two
# registers.
SPLIT_TYPES = {"loff_t", "u64", "__u64", "s64", "compat_loff_t", "long long",
               "unsigned long long"}

# Typedefs that are user pointers.
POINTER_TYPEDEFS = {
    "compat_uptr_t",      # a 32-bit user address
    "cap_user_header_t",  # struct __user_cap_header_struct __user *
    "cap_user_data_t",    # struct __user_cap_data_struct __user *
    "__sighandler_t",     # void (*)(int): a user-space address
}

TARGETS = {
    # arch: (table option, ABIs, own arch directory in the kernel tree)
    "x86_64": ("x86_64", gentables.X86_64_ABIS, "arch/x86/"),
    "aarch64": ("generic", gentables.GENERIC_ARM64_ABIS, "arch/arm64/"),
}

# Paths that define a syscall again for another configuration of the same
# architecture (no MMU, no POSIX timers): never the ones x86_64/arm64 build.
CONFIG_ALTERNATIVES = {"mm/nommu.c", "kernel/time/posix-stubs.c"}

# Files of an arch directory built only for its 32-bit ABI or for User-Mode
# Linux (arch/x86/kernel/process_32.c, sys_ia32.c, arch/x86/um/...).
OTHER_ABI_PATH = re.compile(r"_32\.c$|ia32|^arch/x86/um/")

# sys_clone has three forms in kernel/fork.c, chosen by Kconfig; listed in
# the order fork.c defines them: CLONE_BACKWARDS, CLONE_BACKWARDS2,
# CLONE_BACKWARDS3, default. arm64 selects CLONE_BACKWARDS (arch/arm64/
# Kconfig); x86 selects CLONE_BACKWARDS only for 32-bit (X86_32), so
# x86_64 has the default form.
CLONE_FORM = {
    "x86_64": (3, "kernel/fork.c (default form: x86 selects CONFIG_CLONE_BACKWARDS only for X86_32)"),
    "aarch64": (0, "kernel/fork.c (CONFIG_CLONE_BACKWARDS form, selected by arch/arm64/Kconfig)"),
    "x32": (3, "kernel/fork.c (default form, as x86_64)"),
    # arm selects CLONE_BACKWARDS (arch/arm/Kconfig); arm64 runs its
    # compat tasks through the same sys_clone.
    "arm": (0, "kernel/fork.c (CONFIG_CLONE_BACKWARDS form: arch/arm/Kconfig; arm64 compat uses it)"),
}

# The 32-bit ABIs: (table option, ABIs, own arch directory, 64-bit
# arguments split over two registers).
ABI_TARGETS = {
    "i386": ("i386", gentables.I386_ABIS, "arch/x86/", True),
    "x32": ("x86_64", gentables.X32_ABIS, "arch/x86/", False),
    "arm": ("arm_compat", {"common"}, "arch/arm64/", True),
}

# Entry points an architecture substitutes for the one its table names:
# arch/arm64/kernel/sys.c defines __arm64_sys_personality as
# __arm64_sys_arm64_personality.
ENTRY_RENAMES = {("aarch64", "sys_personality"): "sys_arm64_personality"}

# Syscalls newer than the vendored Linux 6.12 sources, as the kernel source
# that added them defines them (checked against those SYSCALL_DEFINE lines
# and the man pages): (arches or None for all, prototype in SYSCALL_DEFINE
# form or None when unknown, source or reason).
OVERRIDES = {
    "setxattrat": (None, "setxattrat, int, dfd, const char __user *, pathname, unsigned int, at_flags, "
                   "const char __user *, name, const struct xattr_args __user *, uargs, size_t, usize",
                   "Linux 6.13 fs/xattr.c SYSCALL_DEFINE6(setxattrat), setxattrat(2)"),
    "getxattrat": (None, "getxattrat, int, dfd, const char __user *, pathname, unsigned int, at_flags, "
                   "const char __user *, name, struct xattr_args __user *, uargs, size_t, usize",
                   "Linux 6.13 fs/xattr.c SYSCALL_DEFINE6(getxattrat), getxattrat(2)"),
    "listxattrat": (None, "listxattrat, int, dfd, const char __user *, pathname, unsigned int, at_flags, "
                    "char __user *, list, size_t, size",
                    "Linux 6.13 fs/xattr.c SYSCALL_DEFINE5(listxattrat), listxattrat(2)"),
    "removexattrat": (None, "removexattrat, int, dfd, const char __user *, pathname, unsigned int, at_flags, "
                      "const char __user *, name",
                      "Linux 6.13 fs/xattr.c SYSCALL_DEFINE4(removexattrat), removexattrat(2)"),
    "open_tree_attr": (None, "open_tree_attr, int, dfd, const char __user *, filename, unsigned, flags, "
                       "struct mount_attr __user *, uattr, size_t, usize",
                       "Linux 6.15 fs/namespace.c SYSCALL_DEFINE5(open_tree_attr), open_tree_attr(2)"),
    "file_getattr": (None, "file_getattr, int, dfd, const char __user *, filename, "
                     "struct file_attr __user *, ufattr, size_t, usize, unsigned int, at_flags",
                     "Linux 6.17 fs/file_attr.c SYSCALL_DEFINE5(file_getattr), file_getattr(2)"),
    "file_setattr": (None, "file_setattr, int, dfd, const char __user *, filename, "
                     "struct file_attr __user *, ufattr, size_t, usize, unsigned int, at_flags",
                     "Linux 6.17 fs/file_attr.c SYSCALL_DEFINE5(file_setattr), file_setattr(2)"),
    "listns": (None, "listns, const struct ns_id_req __user *, req, u64 __user *, ns_ids, "
               "size_t, nr_ns_ids, unsigned int, flags",
               "Linux 6.19 kernel/nstree.c SYSCALL_DEFINE4(listns), listns(2)"),
    "uprobe": (("x86_64",), "uprobe",
               "Linux 6.16 arch/x86/kernel/uprobes.c SYSCALL_DEFINE0(uprobe): no parameters"),
    # 6.12's arm64 has no definition (COND_SYSCALL: ENOSYS); GCS support
    # added one in 6.13, with the prototype of syscalls.h and x86's shstk.c.
    "map_shadow_stack": (("aarch64",), "map_shadow_stack, unsigned long, addr, unsigned long, size, "
                         "unsigned int, flags",
                         "Linux 6.13 arch/arm64/mm/gcs.c SYSCALL_DEFINE3(map_shadow_stack) "
                         "(= include/linux/syscalls.h sys_map_shadow_stack)"),
    "rseq_slice_yield": (None, "rseq_slice_yield",
                         "kernel/rseq.c SYSCALL_DEFINE0(rseq_slice_yield) (after 6.12, in the v7.1 tables): no parameters"),
}


class TypesError(Exception):
    pass


def split_params(text):
    """Top-level comma split (no parentheses occur in these parameter lists)."""
    return [p.strip() for p in text.split(",")] if text.strip() else []


def parse_define(proto):
    """'name, T1, n1, T2, n2' -> (name, [(T1, n1), ...])."""
    parts = split_params(proto)
    name, rest = parts[0], parts[1:]
    if len(rest) % 2:
        raise TypesError(f"odd type/name list in SYSCALL_DEFINE({proto})")
    return name, [(" ".join(rest[i].split()), rest[i + 1]) for i in range(0, len(rest), 2)]


DEFINE_RE = re.compile(r"^SYSCALL_DEFINE(\d)\((.*)\)\s*$")


COMPAT_DEFINE_RE = re.compile(r"^COMPAT_SYSCALL_DEFINE(\d)\((.*)\)\s*$")


def parse_compat_defines(path):
    """{name: [(path, params or None)]} of the COMPAT_SYSCALL_DEFINEn lines;
    None when a parameter is a macro (compat_arg_u64_dual(pos): two registers)."""
    out = {}
    for line in gentables.read_text(path).splitlines():
        if not line or line.startswith("#") or "\t" not in line:
            continue
        where, proto = line.split("\t", 1)
        m = COMPAT_DEFINE_RE.match(proto)
        if not m:
            continue
        if "(" in m.group(2):
            name = m.group(2).split(",", 1)[0].strip()
            out.setdefault(name, []).append((where, None))
            continue
        try:
            name, params = parse_define(m.group(2))
        except TypesError:
            continue
        if len(params) != int(m.group(1)):
            continue
        out.setdefault(name, []).append((where, params))
    return out


def parse_defines(path):
    """{name: [(path, params)]} of the SYSCALL_DEFINEn lines (not COMPAT_)."""
    out = {}
    for lineno, line in enumerate(gentables.read_text(path).splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        try:
            where, proto = line.split("\t", 1)
        except ValueError:
            raise TypesError(f"{path}:{lineno}: expected 'path<TAB>prototype'")
        m = DEFINE_RE.match(proto)
        if not m:
            continue
        try:
            name, params = parse_define(m.group(2))
        except TypesError:
            # Other architectures' macros (SC_ARG64...) are not ours to read.
            if where.startswith("arch/") and not any(where.startswith(t[2]) for t in TARGETS.values()):
                continue
            raise
        if len(params) != int(m.group(1)):
            raise TypesError(f"{path}:{lineno}: SYSCALL_DEFINE{m.group(1)} with {len(params)} parameters")
        out.setdefault(name, []).append((where, params))
    return out


TYPE_WORDS = {"int", "long", "short", "char", "void"} | set(BASE_TYPES) | POINTER_TYPEDEFS
PROTO_RE = re.compile(r"asmlinkage\s+long\s+sys_(\w+)\s*\(([^)]*)\)\s*;")


def parse_syscalls_h(path):
    """{name: (params or None when the form depends on #ifdefs)} from syscalls.h;
    params are (type, name-or-None)."""
    text = re.sub(r"/\*.*?\*/", " ", gentables.read_text(path), flags=re.S)
    out = {}
    for m in PROTO_RE.finditer(text):
        name, body = m.group(1), " ".join(m.group(2).split())
        params = []
        if body != "void":
            for p in split_params(body):
                # The name is the last identifier, unless the text is a type only.
                pm = re.match(r"^(.*?[\s*])(\w+)$", p)
                prefix = pm.group(1).split() if pm else []
                if prefix and prefix[-1] not in ("struct", "enum", "union") \
                        and pm.group(2) not in TYPE_WORDS:
                    params.append((" ".join(pm.group(1).split()), pm.group(2)))
                else:
                    params.append((p, None))
        out[name] = None if name in out else params
    return out


def classify(ctype):
    """(width, signed, pointer) of a parameter's C type, as the kernel uses it."""
    if "*" in ctype:
        return 64, 0, 1
    base = " ".join(w for w in ctype.split() if w not in ("const", "volatile", "__user"))
    if base in POINTER_TYPEDEFS:
        return 64, 0, 1
    if base in COMPAT_TYPES:
        return COMPAT_TYPES[base] + (0,)
    if base not in BASE_TYPES:
        raise TypesError(f"parameter type {ctype!r}: add it to BASE_TYPES in tools/gentypes.py")
    width, signed = BASE_TYPES[base]
    return width, signed, 0


def entry_points(path, abis):
    """{syscall name: entry point or None} of a .tbl for ABIS."""
    out = {}
    for line in gentables.read_text(path).splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 3 and fields[1] in abis:
            out[fields[2]] = fields[3] if len(fields) >= 4 else None
    return out


def choose_define(defs, entry, own_dir):
    """(path, params) for ENTRY: own arch dir, then generic; None if none."""
    cands = defs.get(entry, [])
    own = [d for d in cands if d[0].startswith(own_dir) and not OTHER_ABI_PATH.search(d[0])]
    generic = [d for d in cands if not d[0].startswith("arch/") and d[0] not in CONFIG_ALTERNATIVES]
    for tier in (own, generic):
        if not tier:
            continue
        if any(d[1] != tier[0][1] for d in tier):
            raise TypesError(f"{entry}: {len(tier)} different definitions in "
                             f"{', '.join(sorted({d[0] for d in tier}))}; pick one in gentypes.py")
        return tier[0]
    return None


def proto_for(arch, name, entry, defs, hdr):
    """(known, params [(name, ctype)], source) of syscall NAME on ARCH."""
    if name in OVERRIDES:
        arches, proto, source = OVERRIDES[name]
        if arches is None or arch in arches:
            if proto is None:
                return 0, [], source
            return 1, [(n, t) for t, n in parse_define(proto)[1]], source
    if entry == "":
        return 0, [], "newer than the vendored Linux 6.12 sources (only in the CSV) and not in OVERRIDES"
    if entry == "sys_ni_syscall":
        return 0, [], "not implemented: the table's entry point is sys_ni_syscall (always ENOSYS)"
    if entry is None:
        return 0, [], "not implemented: the syscall table gives no entry point (always ENOSYS)"
    entry = ENTRY_RENAMES.get((arch, entry), entry)
    if not entry.startswith("sys_"):
        raise TypesError(f"{arch}: {name}: unexpected entry point {entry}")
    ep = entry[len("sys_"):]
    if ep == "clone":
        index, source = CLONE_FORM[arch]
        forms = [d for d in defs.get("clone", []) if d[0] == "kernel/fork.c"]
        if len(forms) != 4:
            raise TypesError(f"expected 4 forms of clone in kernel/fork.c, found {len(forms)}")
        return 1, [(n, t) for t, n in forms[index][1]], source
    own_dir = TARGETS[arch][2]
    d = choose_define(defs, ep, own_dir)
    h = hdr.get(ep)
    if d is not None:
        params = [(n, t) for t, n in d[1]]
        if h is not None and not d[0].startswith("arch/"):
            check_against_header(arch, name, params, h)
        return 1, params, f"{d[0]} SYSCALL_DEFINE{len(params)}({ep})"
    if h:
        if any(n is None for _, n in h):
            raise TypesError(f"{arch}: {name}: unnamed parameters in syscalls.h and no SYSCALL_DEFINE")
        return 1, [(n, t) for t, n in h], f"include/linux/syscalls.h sys_{ep}"
    if h is not None and not h:
        return 1, [], f"include/linux/syscalls.h sys_{ep}"
    return 0, [], f"no prototype of {entry} in the Linux 6.12 sources or syscalls.h"


# Entry points with several forms chosen by Kconfig, as the 32-bit ABIs
# build them: (parameter count, why).
ABI_FORMS = {
    # x86 (X86_32, IA32_EMULATION), arm and arm64's COMPAT select
    # OLD_SIGSUSPEND3.
    "sigsuspend": 3,
}


def abi_define(defs, entry, own_dir):
    """(path, params or None) for ENTRY among DEFS: the ABI's own arch
    directory first (its 32-bit files included), generic code next."""
    cands = defs.get(entry, [])
    if entry in ABI_FORMS:
        cands = [d for d in cands if d[1] is not None and len(d[1]) == ABI_FORMS[entry]]
    own = [d for d in cands if d[0].startswith(own_dir) and not d[0].startswith("arch/x86/um/")]
    generic = [d for d in cands if not d[0].startswith("arch/") and d[0] not in CONFIG_ALTERNATIVES]
    for tier in (own, generic):
        if not tier:
            continue
        if any(d[1] != tier[0][1] for d in tier):
            raise TypesError(f"{entry}: {len(tier)} different definitions in "
                             f"{', '.join(sorted({d[0] for d in tier}))}; pick one in gentypes.py")
        return tier[0]
    return None


def abi_proto_for(abi, name, entries, defs, cdefs, hdr):
    """(known, params, source) of syscall NAME on 32-bit ABI ABI; ENTRIES:
    the table's (native entry, compat entry or None)."""
    _, _, own_dir, split = ABI_TARGETS[abi]
    if name in OVERRIDES:
        arches, proto, source = OVERRIDES[name]
        if arches is None:
            if proto is None:
                return 0, [], source
            params = [(n, t) for t, n in parse_define(proto)[1]]
            return split_check(abi, split, params, source)
    native, compat = entries
    if compat in ("-", "sys_ni_syscall"):
        if compat == "sys_ni_syscall":   # vm86 and the like: not on a 64-bit kernel
            return 0, [], "not implemented for this ABI on a 64-bit kernel: the compat entry " \
                "point is sys_ni_syscall (always ENOSYS)"
        compat = None
    if compat and compat.startswith("sys_"):     # the compat ABI's own sys_ entry
        native, compat = compat, None
    if native and native.startswith("compat_sys_") and not compat:   # x32's own lines
        native, compat = "-", native
    if native == "":
        return 0, [], "newer than the vendored Linux 6.12 sources (only in the CSV) and not in OVERRIDES"
    if native is None or (native == "sys_ni_syscall" and not compat):
        return 0, [], "not implemented: the table's entry point is sys_ni_syscall (always ENOSYS)"
    if native in ("sys_clone",) and compat in (None, "compat_sys_ia32_clone"):
        index, source = CLONE_FORM[abi if abi != "i386" else "arm"]
        if abi == "i386":
            source = "kernel/fork.c (CONFIG_CLONE_BACKWARDS form: X86_32; the ia32 entry has the same order)"
        forms = [d for d in defs.get("clone", []) if d[0] == "kernel/fork.c"]
        return 1, [(n, t) for t, n in forms[index][1]], source
    if compat:
        if not compat.startswith("compat_sys_"):
            raise TypesError(f"{abi}: {name}: unexpected compat entry point {compat}")
        d = abi_define(cdefs, compat[len("compat_sys_"):], own_dir)
        if d is not None:
            if d[1] is None:
                return 0, [], f"{d[0]} COMPAT_SYSCALL_DEFINE({compat[len('compat_sys_'):]}): a 64-bit " \
                    "parameter split over two registers moves the others"
            params = [(n, t) for t, n in d[1]]
            return split_check(abi, split, params,
                               f"{d[0]} COMPAT_SYSCALL_DEFINE{len(params)}({compat[len('compat_sys_'):]})")
    if native == "-":
        return 0, [], f"no prototype of {compat} in the Linux 6.12 sources"
    if not native.startswith("sys_"):
        raise TypesError(f"{abi}: {name}: unexpected entry point {native}")
    ep = native[len("sys_"):]
    d = abi_define(defs, ep, own_dir)
    if d is not None:
        params = [(n, t) for t, n in d[1]]
        return split_check(abi, split, params, f"{d[0]} SYSCALL_DEFINE{len(params)}({ep})")
    h = hdr.get(ep)
    if h and all(n is not None for _, n in h):
        return split_check(abi, split, [(n, t) for t, n in h], f"include/linux/syscalls.h sys_{ep}")
    if h is not None and not h:
        return 1, [], f"include/linux/syscalls.h sys_{ep}"
    return 0, [], f"no prototype of {compat or native} in the Linux 6.12 sources or syscalls.h"


def split_check(abi, split, params, source):
    """Known, unless a 64-bit value parameter is split over two registers."""
    for pname, ctype in params:
        base = " ".join(w for w in ctype.split() if w not in ("const", "volatile", "__user"))
        if split and "*" not in ctype and base in SPLIT_TYPES:
            return 0, [], f"{source}: its 64-bit '{pname}' ({ctype}) takes two registers on {abi}, " \
                "which moves the parameters after it"
    return 1, params, source


def abi_entry_points(path, abis):
    """{syscall name: (native entry, compat entry or None)} of a .tbl."""
    out = {}
    for line in gentables.read_text(path).splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 3 and fields[1] in abis:
            out[fields[2]] = (fields[3] if len(fields) >= 4 else None,
                              fields[4] if len(fields) >= 5 else None)
    return out


def check_against_header(arch, name, params, h):
    """The generic definition and syscalls.h must agree."""
    # Spellings differ (stack_t vs struct sigaltstack); what must agree is
    # the count and what each parameter is to a filter.
    if len(h) != len(params) or any(classify(t) != classify(ht) for (_, t), (ht, _) in zip(params, h)):
        raise TypesError(f"{arch}: {name}: SYSCALL_DEFINE {params} and syscalls.h {h} disagree")


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_table(arch, protos, inputs, cap32=False):
    ident = arch
    lines = [
        f"/* Parameter types for {arch}: GENERATED by tools/gentypes.py, do not edit.",
        " * Regenerate with the command in tools/gentypes.py's docstring.",
        " * Inputs (basename, sha256 prefix):",
    ]
    for path in inputs:
        lines.append(f" *   {os.path.basename(path)} {gentables.sha256_short(path)}")
    lines += [
        " * Sorted by name (strcmp order) for arch_syscall_proto's binary search.",
        " */",
        '#include "arch/types_gen.h"',
        "",
        f"const struct syscall_proto types_{ident}[] = {{",
    ]
    for name in sorted(protos, key=lambda n: n.encode()):
        known, params, source = protos[name]
        lines.append(f"\t{{ {c_string(name)}, {known}, {len(params)}, {{")
        for pname, ctype in params:
            width, signed, pointer = classify(ctype)
            if cap32:
                width = min(width, 32)
            lines.append(f"\t\t{{ {c_string(pname)}, {c_string(ctype)}, {width}, {signed}, {pointer} }},")
        lines.append(f"\t}}, {c_string(source)} }},")
    lines += ["};", ""]
    return "\n".join(lines)


def c_header(tables):
    lines = [
        "/* Declarations of the generated parameter-type tables: GENERATED by",
        " * tools/gentypes.py together with arch/types_*.c, do not edit. */",
        "#ifndef BPFGEN_ARCH_TYPES_GEN_H",
        "#define BPFGEN_ARCH_TYPES_GEN_H",
        "",
        '#include "arch/types.h"',
        "",
    ]
    for arch, protos in sorted(tables.items()):
        up = arch.upper()
        lines += [f"#define TYPES_{up}_LEN {len(protos)}",
                  f"extern const struct syscall_proto types_{arch}[TYPES_{up}_LEN];", ""]
    lines += ["#endif", ""]
    return "\n".join(lines)


def build(args):
    defs = parse_defines(args.defines)
    hdr = parse_syscalls_h(args.syscalls_h)
    cols = gentables.parse_csv(args.csv)
    tables, texts = {}, {}
    for arch, (opt, abis, _) in TARGETS.items():
        tbl_path = getattr(args, opt)
        eps = entry_points(tbl_path, abis)
        names = gentables.merge_with_csv(gentables.to_map(gentables.parse_tbl(tbl_path, abis), arch),
                                         cols[arch], arch)
        protos = {}
        for name in names:
            known, params, source = proto_for(arch, name, eps.get(name, ""),
                                              defs, hdr)
            if len(params) > 6:
                raise TypesError(f"{arch}: {name} has {len(params)} parameters")
            for pname, ctype in params:
                classify(ctype)
                if not re.match(r"^\w+$", pname):
                    raise TypesError(f"{arch}: {name}: bad parameter name {pname!r}")
            protos[name] = (known, params, source)
        tables[arch] = protos
        inputs = [tbl_path, args.csv, args.syscalls_h, args.defines]
        texts[f"types_{arch}.c"] = c_table(arch, protos, inputs)
    if args.i386 or args.arm_compat:
        cdefs = parse_compat_defines(args.defines)
        for abi, (opt, abis, _, _) in ABI_TARGETS.items():
            tbl_path = getattr(args, opt)
            if not tbl_path:
                continue
            eps = abi_entry_points(tbl_path, abis)
            names = gentables.to_map(gentables.parse_tbl(tbl_path, abis), abi)
            if abi == "x32":
                names = gentables.merge_with_csv(names, cols["x32"], abi)
            protos = {}
            for name in names:
                r = abi_proto_for(abi, name, eps.get(name, ("", None)), defs, cdefs, hdr)
                known, params, source = r
                if len(params) > 6:
                    raise TypesError(f"{abi}: {name} has {len(params)} parameters")
                for pname, ctype in params:
                    classify(ctype)
                    if not re.match(r"^\w+$", pname):
                        raise TypesError(f"{abi}: {name}: bad parameter name {pname!r}")
                protos[name] = (known, params, source)
            tables[abi] = protos
            texts[f"types_{abi}.c"] = c_table(abi, protos, [tbl_path, args.csv, args.syscalls_h,
                                                            args.defines], cap32=True)
    texts["types_gen.h"] = c_header(tables)
    return texts


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--x86-64", dest="x86_64", required=True, help="syscall_64.tbl")
    ap.add_argument("--generic", required=True, help="scripts/syscall.tbl (aarch64)")
    ap.add_argument("--i386", help="syscall_32.tbl (types for the i386 ABI)")
    ap.add_argument("--arm-compat", dest="arm_compat",
                    help="arm64's compat syscall_32.tbl (types for 32-bit arm on arm64)")
    ap.add_argument("--csv", required=True, help="CSV name,x86_64,x32,aarch64 (newer syscalls)")
    ap.add_argument("--syscalls-h", dest="syscalls_h", required=True, help="include/linux/syscalls.h")
    ap.add_argument("--defines", required=True, help="path<TAB>SYSCALL_DEFINEn(...) lines")
    ap.add_argument("--out", default="arch", help="output directory (default: arch)")
    args = ap.parse_args(argv)
    try:
        texts = build(args)
    except (TypesError, gentables.TableError, OSError) as e:
        print(f"gentypes: {e}", file=sys.stderr)
        print("gentypes: no file written", file=sys.stderr)
        return 1
    for name, text in texts.items():
        gentables.write_if_changed(os.path.join(args.out, name), text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
