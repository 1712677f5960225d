"""What runc 1.1 installs for a container seccomp profile, compiled by
libseccomp (Debian's python3-seccomp): the oracle bpfgen's importer is
compared with (tests and `make bench` only; see README.md for the sources
this restates). Must run under /usr/bin/python3.

    prog = runc_program(profile_dict, "x86_64")          # bytes, raw BPF
    prog = runc_program(profile_dict, "aarch64", abis=("native",), stub=False)
"""

import os
import struct
import tempfile

import seccomp

# moby oci/caps/defaults.go: the bounding set of a default container.
DOCKER_CAPS = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
)

# Audit-arch tokens (seccomp_data.arch), as libseccomp knows them.
TOKEN = {
    "x86_64": seccomp.Arch.X86_64 & 0xffffffff,
    "i386": seccomp.Arch.X86 & 0xffffffff,
    "x32": seccomp.Arch.X86_64 & 0xffffffff,    # x32: x86_64's token, nr | 0x40000000
    "aarch64": seccomp.Arch.AARCH64 & 0xffffffff,
    "arm": seccomp.Arch.ARM & 0xffffffff,
}
X32_BIT = 0x40000000

# The ABIs of each target's kernel, by bpfgen's names and libseccomp's.
TARGET_ABIS = {
    "x86_64": {"native": "SCMP_ARCH_X86_64", "i386": "SCMP_ARCH_X86",
               "x32": "SCMP_ARCH_X32"},
    "aarch64": {"native": "SCMP_ARCH_AARCH64", "arm": "SCMP_ARCH_ARM"},
}
ABI_NAME = {"SCMP_ARCH_X86_64": "x86_64", "SCMP_ARCH_X86": "i386",
            "SCMP_ARCH_X32": "x32", "SCMP_ARCH_AARCH64": "aarch64",
            "SCMP_ARCH_ARM": "arm"}
LS_ARCH = {"SCMP_ARCH_X86_64": seccomp.Arch.X86_64, "SCMP_ARCH_X86": seccomp.Arch.X86,
           "SCMP_ARCH_X32": seccomp.Arch.X32, "SCMP_ARCH_AARCH64": seccomp.Arch.AARCH64,
           "SCMP_ARCH_ARM": seccomp.Arch.ARM}
HOST = {"x86_64": "amd64", "aarch64": "arm64"}

OPS = {"SCMP_CMP_NE": seccomp.NE, "SCMP_CMP_LT": seccomp.LT,
       "SCMP_CMP_LE": seccomp.LE, "SCMP_CMP_EQ": seccomp.EQ,
       "SCMP_CMP_GE": seccomp.GE, "SCMP_CMP_GT": seccomp.GT,
       "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ}


class Selected:
    """A profile after moby's reader and runc's specconv: the default,
    the architecture names, and one rule per name (dicts with name,
    action, errnoRet, args), in order."""

    def __init__(self):
        self.default = None
        self.default_errno = None
        self.arches = []
        self.rules = []


def _kernel_ge(kernel, want):
    """moby's kernelGreaterEqualThan; KERNEL None is newer than any."""
    if kernel is None:
        return True
    major, minor = (int(x) for x in want.split("."))
    return kernel[0] > major or (kernel[0] == major and kernel[1] >= minor)


def moby_select(profile, host, caps=DOCKER_CAPS, kernel=None):
    """profiles/seccomp/seccomp_linux.go setupSeccomp, then specconv's
    one-rule-per-name. HOST: moby's name of the host (amd64, arm64)."""
    sel = Selected()
    if "linux" in profile and "defaultAction" not in profile:
        profile = profile["linux"]["seccomp"]
    sel.default = profile["defaultAction"]
    sel.default_errno = profile.get("defaultErrnoRet")
    if profile.get("architectures") and profile.get("archMap"):
        raise ValueError("both architectures and archMap")
    sel.arches = list(profile.get("architectures") or [])
    native = {"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64"}[host]
    for entry in profile.get("archMap") or []:
        if entry["architecture"] == native:
            sel.arches = [entry["architecture"]] + list(entry.get("subArchitectures") or [])
            break
    for call in profile.get("syscalls") or []:
        inc, exc = call.get("includes") or {}, call.get("excludes") or {}
        if host in (exc.get("arches") or []):
            continue
        if any(c in caps for c in exc.get("caps") or []):
            continue
        if exc.get("minKernel") and _kernel_ge(kernel, exc["minKernel"]):
            continue
        if inc.get("arches") and host not in inc["arches"]:
            continue
        if any(c not in caps for c in inc.get("caps") or []):
            continue
        if inc.get("minKernel") and not _kernel_ge(kernel, inc["minKernel"]):
            continue
        if call.get("name") and call.get("names"):
            raise ValueError("name and names")
        names = [call["name"]] if call.get("name") else (call.get("names") or [])
        for name in names:
            sel.rules.append({"name": name, "action": call["action"],
                              "errnoRet": call.get("errnoRet"),
                              "args": call.get("args") or []})
    return sel


def action(kind, errno_ret):
    """runc's getAction, as python3-seccomp actions."""
    if kind in ("SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"):
        return seccomp.KILL
    if kind == "SCMP_ACT_KILL_PROCESS":
        return seccomp.KILL_PROCESS
    if kind == "SCMP_ACT_ERRNO":
        return seccomp.ERRNO(1 if errno_ret is None else errno_ret)
    if kind == "SCMP_ACT_TRACE":
        return seccomp.TRACE(1 if errno_ret is None else errno_ret)
    return {"SCMP_ACT_TRAP": seccomp.TRAP, "SCMP_ACT_ALLOW": seccomp.ALLOW,
            "SCMP_ACT_LOG": seccomp.LOG, "SCMP_ACT_NOTIFY": seccomp.NOTIFY}[kind]


def target_arches(sel, target, abis=None):
    """The listed architectures this target's kernel runs (others are no
    ABI it can see; bpfgen leaves them out), limited to ABIS (bpfgen's
    names, "native" for the target's own) when given."""
    out = []
    for a in sel.arches:
        for abi, name in TARGET_ABIS[target].items():
            if a == name and (abis is None or abi in abis) and a not in out:
                out.append(a)
    return out


def resolve(arch, name):
    """libseccomp's number for NAME on ARCH, or None (unknown, or a pseudo
    number: not a syscall there)."""
    try:
        nr = seccomp.resolve_syscall(LS_ARCH[arch], name)
    except (ValueError, RuntimeError):
        return None
    return nr if nr >= 0 else None


def largest(sel, arches):
    """patchbpf findLastSyscalls: per listed architecture, the largest
    number any rule names (rules with the default action too)."""
    out = {}
    for a in arches:
        nrs = [resolve(a, r["name"]) for r in sel.rules]
        nrs = [n for n in nrs if n is not None]
        if nrs and max(nrs) != 0:
            out[a] = max(nrs)
    return out


# ---- runc's -ENOSYS stub (patchbpf/enosys_linux.go) ----------------------------

RET_ENOSYS = 0x00050000 | 38
AUDIT_NATIVE = {"SCMP_ARCH_X86": TOKEN["i386"], "SCMP_ARCH_X86_64": TOKEN["x86_64"],
                "SCMP_ARCH_X32": TOKEN["x86_64"], "SCMP_ARCH_ARM": TOKEN["arm"],
                "SCMP_ARCH_AARCH64": TOKEN["aarch64"]}


def enosys_stub(last):
    """generateEnosysStub for LAST ({arch name: largest number}), as
    (code, jt, jf, k) tuples, built backwards as runc builds it."""
    per_native = {}
    for a, nr in last.items():
        per_native.setdefault(AUDIT_NATIVE[a], {})[a] = nr
    tail = [("ja", 1), ("ret", RET_ENOSYS)]
    table = {}
    for native in sorted(per_native):
        maxs = per_native[native]
        base_enosys = len(tail) - 1
        base_filter = base_enosys + 1
        section = [("ld", 0)]
        if len(maxs) == 1:
            (arch, nr), = maxs.items()
            if base_enosys + 1 <= 255:
                st = [("jgt", nr, base_enosys + 1, 0), ("ja", base_filter)]
            else:
                st = [("jle", nr, 1, 0), ("ja", base_enosys + 1), ("ja", base_filter)]
            if native == TOKEN["x86_64"]:
                if arch == "SCMP_ARCH_X86_64":
                    st = [("jset", X32_BIT, len(st) - 1, 0)] + st
                else:
                    st = [("jnset", X32_BIT, len(st) - 1, 0)] + st
            section += st
        else:
            x32, x86 = maxs["SCMP_ARCH_X32"], maxs["SCMP_ARCH_X86_64"]
            if base_enosys + 2 <= 255:
                section += [("jset", X32_BIT, 1, 0), ("jgt", x86, base_enosys + 2, 1),
                            ("jgt", x32, base_enosys + 1, 0), ("ja", base_filter)]
            else:
                section += [("jset", X32_BIT, 1, 0), ("jgt", x86, 1, 2),
                            ("jle", x32, 1, 0), ("ja", base_enosys + 1),
                            ("ja", base_filter)]
        tail = section + tail
        table[native] = len(tail)
    tail = [("ja", len(tail))] + tail
    for native in sorted(per_native):
        jump = len(tail) - table[native]
        if jump <= 255:
            tail = [("jeq", native, jump, 0)] + tail
        else:
            tail = [("jne", native, 1, 0), ("ja", jump)] + tail
    return [("ld", 4)] + tail


def assemble(insns):
    """Raw little-endian sock_filter bytes (golang.org/x/net/bpf's
    encodings: "not" and "<=" tests are the opposite test, jumps swapped)."""
    out = b""
    for i in insns:
        op = i[0]
        if op == "ld":
            out += struct.pack("<HBBI", 0x20, 0, 0, i[1])
        elif op == "ja":
            out += struct.pack("<HBBI", 0x05, 0, 0, i[1])
        elif op == "ret":
            out += struct.pack("<HBBI", 0x06, 0, 0, i[1])
        else:
            code, swap = {"jeq": (0x15, 0), "jne": (0x15, 1), "jgt": (0x25, 0),
                          "jle": (0x25, 1), "jset": (0x45, 0), "jnset": (0x45, 1)}[op]
            jt, jf = (i[3], i[2]) if swap else (i[2], i[3])
            out += struct.pack("<HBBI", code, jt, jf, i[1])
    return out


# ---- the filter -------------------------------------------------------------

def libseccomp_program(sel, target, arches, optimize=None):
    """InitSeccomp's libseccomp filter for SEL on TARGET's kernel with
    ARCHES added, exported as raw BPF (without runc's stub)."""
    deflt = action(sel.default, sel.default_errno)
    f = seccomp.SyscallFilter(deflt)
    native = TARGET_ABIS[target]["native"]
    if LS_ARCH[native] & 0xffffffff != seccomp.system_arch() & 0xffffffff:
        f.add_arch(LS_ARCH[native])
        f.remove_arch(seccomp.Arch.NATIVE)
    for a in arches:
        if not f.exist_arch(LS_ARCH[a]):
            f.add_arch(LS_ARCH[a])
    if optimize is not None:
        f.set_attr(seccomp.Attr.CTL_OPTIMIZE, optimize)
    for r in sel.rules:
        act = action(r["action"], r["errnoRet"])
        if act == deflt:
            continue            # runc: "this rule is redundant, silently skip it"
        try:    # __NR_SCMP_ERROR (-1): unknown; other negatives are pseudo numbers
            known = seccomp.resolve_syscall(seccomp.Arch.NATIVE, r["name"]) != -1
        except (ValueError, RuntimeError):
            known = False
        if not known:
            continue            # runc: unknown to libseccomp, skipped
        conds = [seccomp.Arg(a.get("index", 0), OPS[a["op"]], a.get("value", 0),
                             a.get("valueTwo", 0)) for a in r["args"]]
        indexes = [a.get("index", 0) for a in r["args"]]
        if len(set(indexes)) < len(indexes):
            for c in conds:
                f.add_rule(act, r["name"], c)
        else:
            f.add_rule(act, r["name"], *conds)
    with tempfile.TemporaryFile() as tmp:
        f.export_bpf(tmp)
        tmp.seek(0)
        return tmp.read()


def is_allow_like(kind):
    """patchbpf isAllowAction: no stub for these defaults."""
    return kind in ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE")


def runc_program(profile, target, caps=DOCKER_CAPS, kernel=None, abis=None,
                 stub=True, optimize=None):
    """The whole program runc installs on TARGET's kernel (host: TARGET's),
    as raw BPF bytes. ABIS limits the architectures (bpfgen's ABI names,
    "native" for the target's own) as bpfgen's --abi native does; STUB
    False leaves out patchbpf's stub (bpfgen's --no-enosys-stub)."""
    sel = moby_select(profile, HOST[target], caps, kernel)
    arches = target_arches(sel, target, abis)
    prog = libseccomp_program(sel, target, arches, optimize)
    if stub and not is_allow_like(sel.default):
        last = largest(sel, arches)
        if last:
            prog = assemble(enosys_stub(last)) + prog
    return prog


def write_program(path, prog):
    with open(path, "wb") as f:
        f.write(prog)
    os.chmod(path, 0o644)
