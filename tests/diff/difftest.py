#!/usr/bin/python3
"""Differential test: bpfgen against libseccomp (the oracle, used here only).

Each random policy (tests/diff/policygen.py) is compiled for x86_64 and
aarch64 by `bpfgen -f raw` and, translated, by libseccomp; both programs run
in `bpfsim --batch` on the same cases (every syscall number past the table's
end, x32-numbered and foreign-architecture calls, and argument vectors from
the policy's constants) and must return the same action on every one.

  /usr/bin/python3 tests/diff/difftest.py --count 2000 --seed 1
  /usr/bin/python3 tests/diff/difftest.py --seed 1234 --count 1 --show

Must run under /usr/bin/python3: Debian's python3-seccomp lives there.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import seccomp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import policygen as pg  # noqa: E402

BUILD = Path(os.environ.get("BPFGEN_BUILD", pg.REPO / "build"))

LS_ARCH = {"x86_64": seccomp.Arch.X86_64, "aarch64": seccomp.Arch.AARCH64}
# Audit-arch tokens as libseccomp knows them (libseccomp is the oracle; a
# wrong token on bpfgen's side shows up as a mismatch).
TOKEN = {a: LS_ARCH[a] & 0xffffffff for a in LS_ARCH}
FOREIGN = [seccomp.Arch.X86 & 0xffffffff, seccomp.Arch.ARM & 0xffffffff,
           seccomp.Arch.RISCV64 & 0xffffffff, 0, 0xffffffff, 0xc000003f]


def ls_resolve(arch, name):
    try:
        return seccomp.resolve_syscall(LS_ARCH[arch], name)
    except (ValueError, RuntimeError):
        return None


_tables = None


def tables():
    global _tables
    if _tables is None:
        _tables = pg.Tables(ls_resolve)
    return _tables


# ---- libseccomp side ------------------------------------------------------------

def ls_action(a):
    return {"allow": lambda: seccomp.ALLOW, "log": lambda: seccomp.LOG,
            "kill-process": lambda: seccomp.KILL_PROCESS,
            "kill-thread": lambda: seccomp.KILL, "trap": lambda: seccomp.TRAP,
            "notify": lambda: seccomp.NOTIFY,
            "errno": lambda: seccomp.ERRNO(a.data),
            "trace": lambda: seccomp.TRACE(a.data)}[a.kind]()


_LS_OP = {"==": seccomp.EQ, "!=": seccomp.NE, "<": seccomp.LT,
          "<=": seccomp.LE, ">": seccomp.GT, ">=": seccomp.GE}


def ls_arg(c):
    if c.mask is not None:
        assert c.op == "==", "libseccomp has no masked !="
        return seccomp.Arg(c.arg, seccomp.MASKED_EQ, c.mask, c.value)
    if c.lo32:
        assert c.op == "==", "libseccomp has no 32-bit ordering"
        return seccomp.Arg(c.arg, seccomp.MASKED_EQ, pg.U32, c.value)
    return seccomp.Arg(c.arg, _LS_OP[c.op], c.value)


def libseccomp_program(p, arch, path, optimize):
    """Export P for ARCH with libseccomp. Rules whose action is the default
    are left out: libseccomp refuses them, and as every family is mutually
    exclusive they change nothing."""
    f = seccomp.SyscallFilter(ls_action(p.default))
    if LS_ARCH[arch] & 0xffffffff != seccomp.system_arch() & 0xffffffff:
        f.add_arch(LS_ARCH[arch])
        f.remove_arch(seccomp.Arch.NATIVE)
    bad = p.bad_arch or pg.Action("kill-process")
    f.set_attr(seccomp.Attr.ACT_BADARCH, ls_action(bad))
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, optimize)
    table = tables().nr[arch]
    for r in p.rules:
        if r.action == p.default:
            continue
        for name in r.names:
            if name in table:
                f.add_rule_exactly(ls_action(r.action), name,
                                   *[ls_arg(c) for c in r.conds])
    with open(path, "wb") as out:
        f.export_bpf(out)


def libseccomp_program_bounded(p, arch, path, optimize, timeout=20):
    """libseccomp_program in a forked child: libseccomp 2.5.4 can loop
    forever while adding some rules (seen in seccomp_rule_add_exact), and
    that must cost a finding, not the campaign. Raises on failure."""
    err = Path(str(path) + ".err")
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            libseccomp_program(p, arch, path, optimize)
        except BaseException as e:   # noqa: BLE001 - reported by the parent
            err.write_text(repr(e))
            code = 3
        os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise TimeoutError("libseccomp did not finish in %d s" % timeout)
        time.sleep(0.001)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
        raise RuntimeError(err.read_text())
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        raise RuntimeError("libseccomp's child ended with status %#x" % status)


# ---- cases ---------------------------------------------------------------------

def case_line(nr, token, args):
    return "%x %x %s\n" % (nr, token, " ".join("%x" % a for a in args))


def cases(p, arch):
    """(description, line) for every probe of P on ARCH."""
    t = tables()
    token = TOKEN[arch]
    out = []
    for nr in range(t.max_nr[arch] + 24):
        out.append(case_line(nr, token, (0,) * 6))
    table = t.nr[arch]
    for name, vecs in p.vectors.items():
        if name in table:
            for v in vecs:
                out.append(case_line(table[name], token, v))
    named = [table[n] for n in p.vectors if n in table][:4] + [0, 1]
    for nr in named:
        for hi in (pg.X32_BIT, 0x80000000, 0xc0000000):
            out.append(case_line(nr | hi, token, (0,) * 6))
    for nr in (pg.X32_BIT, 0x4000ffff, 0x7fffffff, 0xbfffffff, 0xfffffffe,
               0xffffffff, 0x3fffffff):
        out.append(case_line(nr, token, (0,) * 6))
    foreign = [TOKEN[a] for a in TOKEN if a != arch] + FOREIGN
    for tok in foreign:
        for nr in named[:3] + [pg.X32_BIT | 1, 0xffffffff]:
            out.append(case_line(nr, tok, (0,) * 6))
    return out


def model_answers(p, arch, lines):
    """What the policy means for each case, straight from its rules: the
    third opinion that says which of two disagreeing programs is wrong."""
    t = tables()
    by_nr = {n: name for name, n in t.nr[arch].items()}
    bad = (p.bad_arch or pg.Action("kill-process")).text()
    out = []
    for line in lines:
        f = [int(x, 16) for x in line.split()]
        nr, token, args = f[0], f[1], tuple(f[2:8])
        if token != TOKEN[arch]:
            out.append(bad)
        elif arch == "x86_64" and pg.X32_BIT <= nr < 0xffffffff:
            out.append(bad)
        elif nr in by_nr:
            out.append(p.decide(by_nr[nr], args).text())
        else:
            out.append(p.default.text())
    return out


def rules_for_case(p, arch, line):
    nr = int(line.split()[0], 16)
    names = [n for n, v in tables().nr[arch].items() if v == nr]
    return [r for r in p.rules if names and names[0] in r.names]


def masked_outside(p, arch, line):
    """Does this case's syscall have a rule with "argK & M == V" where V has
    bits outside M? bpfgen (and the kernel-checked meaning of the policy)
    takes that as never true and warns; libseccomp 2.5.4 compares
    (argK & M) == (V & M) instead, so the two legitimately differ."""
    return any(c.mask is not None and c.value & ~c.mask
               for r in rules_for_case(p, arch, line) for c in r.conds)


def ordered_multi_rule(p, arch, line):
    """Is this case a syscall of P with two or more conditional rules, one
    of them using <, <=, >, >= or != on a 64-bit argument? libseccomp
    2.5.4 mis-compiles some of those: where the rules' comparison chains
    are merged, a jump lands on a comparison without the load it needs,
    so it compares a stale argument word (see tests/diff/README.md and
    test_differential.py's pinned cases)."""
    rules = [r for r in rules_for_case(p, arch, line) if r.conds]
    return len(rules) >= 2 and any(c.op in ("<", "<=", ">", ">=", "!=") and c.mask is None
                                   and not c.lo32 for r in rules for c in r.conds)


def bpfsim_batch(prog, lines):
    r = subprocess.run([str(BUILD / "bpfsim"), "--batch", str(prog)],
                       input="".join(lines), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("bpfsim --batch %s: exit %d: %s"
                           % (prog, r.returncode, r.stderr.strip()))
    got = [ln.split()[0] for ln in r.stdout.splitlines()]
    if len(got) != len(lines):
        raise RuntimeError("bpfsim --batch %s: %d answers for %d cases"
                           % (prog, len(got), len(lines)))
    return got


def describe_case(line):
    f = line.split()
    return "nr=0x%s arch=0x%s args=%s" % (f[0], f[1], ",".join("0x" + x for x in f[2:]))


# ---- one policy ------------------------------------------------------------------

class Finding:
    """One case where two of bpfgen, libseccomp and the policy's meaning
    disagree. KIND: 'bpfgen' (bpfgen is wrong: always a failure),
    'libseccomp' (libseccomp alone is wrong, in no known pattern: a
    failure until understood), 'libseccomp-known' (libseccomp alone is
    wrong in the documented stale-accumulator pattern), 'build' (a
    program could not be made)."""

    def __init__(self, kind, arch, text):
        self.kind, self.arch, self.text = kind, arch, text

    def __repr__(self):
        return "%s: [%s] %s" % (self.arch, self.kind, self.text)


FAILING = ("bpfgen", "libseccomp", "build")


def compare(p, arch, lines, ours, theirs, model):
    found = []
    for ln, x, y, m in zip(lines, ours, theirs, model):
        if x == y == m:
            continue
        what = "%s: bpfgen %s, libseccomp %s, policy says %s" % (
            describe_case(ln), x, y, m)
        if x != m:
            found.append(Finding("bpfgen", arch, what))
        elif masked_outside(p, arch, ln):
            found.append(Finding("libseccomp-known", arch, "masked value outside "
                                 "the mask: " + what))
        elif ordered_multi_rule(p, arch, ln):
            found.append(Finding("libseccomp-known", arch, "stale accumulator: " + what))
        else:
            found.append(Finding("libseccomp", arch, what))
    return found


# bpfdiff's line for a syscall whose decision differs, with its example:
# "x86_64: openat (257): when ...: trace(7) -> allow (e.g. arg2=0x40)";
# an accepted ABI's: "x86_64: i386 socketcall (102): ...".
WITNESS = re.compile(r"^(?P<arch>\w+): (?:(?P<abi>i386|arm) )?[\w ]+ \((?P<nr>\d+)\): .*?"
                     r"(?:\(e\.g\. (?P<args>[^)]*)\))?$")


def bpfdiff_witnesses(ours, theirs, arch):
    """A case for every region where the two programs decide differently,
    from bpfdiff's exhaustive comparison: the probes of cases() come from
    the policy's constants and can miss a region."""
    r = subprocess.run([str(BUILD / "bpfdiff"), "-a", arch, str(ours), str(theirs)],
                       capture_output=True, text=True, timeout=120)
    if r.returncode == 2:
        raise RuntimeError("bpfdiff %s %s: %s" % (ours, theirs, r.stderr.strip()))
    lines = []
    for ln in r.stdout.splitlines():
        m = WITNESS.match(ln)
        if not m or m["arch"] != arch:
            continue
        args = [0] * 6
        for kv in (m["args"] or "").split():
            key, value = kv.split("=")
            args[int(key[3:])] = int(value, 16)
        token = ABI_TOKEN[m["abi"]] if m["abi"] else TOKEN[arch]
        lines.append(case_line(int(m["nr"]), token, tuple(args)))
    return lines


def check_policy(seed, workdir, witnesses=True):
    """Findings for SEED (empty: bpfgen, libseccomp and the policy agree
    on every case, on both architectures). WITNESSES: also every example
    input of bpfdiff's exhaustive comparison."""
    p = pg.generate(seed, tables())
    d = Path(workdir)
    src = d / "p.policy"
    src.write_text(p.text)
    found = []
    for arch in pg.TARGETS:
        ours, theirs = d / ("bpfgen_%s.bpf" % arch), d / ("ls_%s.bpf" % arch)
        r = subprocess.run([str(BUILD / "bpfgen"), "-a", arch, "-f", "raw",
                            "-o", str(ours), str(src)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            found.append(Finding("build", arch, "bpfgen failed (exit %d): %s"
                                 % (r.returncode, r.stderr.strip())))
            continue
        try:
            libseccomp_program_bounded(p, arch, theirs, 1 + seed % 2)
        except TimeoutError as e:
            # Still check bpfgen against the policy's meaning.
            found.append(Finding("libseccomp-hang", arch, str(e)))
            lines = cases(p, arch)
            ours = bpfsim_batch(ours, lines)
            found += compare(p, arch, lines, ours, ours, model_answers(p, arch, lines))
            continue
        except Exception as e:   # noqa: BLE001 - any oracle failure is a finding
            found.append(Finding("build", arch,
                                 "libseccomp refused the translation: %r" % e))
            continue
        lines = cases(p, arch)
        if witnesses:
            lines += bpfdiff_witnesses(ours, theirs, arch)
        found += compare(p, arch, lines, bpfsim_batch(ours, lines),
                         bpfsim_batch(theirs, lines), model_answers(p, arch, lines))
    return found


# ---- multi-ABI policies (abi x86_64: native, x32, i386 / aarch64: native, arm) --

ABIS = {"x86_64": ("x32", "i386"), "aarch64": ("arm",)}
LS_ABI = {"x32": seccomp.Arch.X32, "i386": seccomp.Arch.X86, "arm": seccomp.Arch.ARM}
ABI_TOKEN = {"x32": TOKEN["x86_64"], "i386": seccomp.Arch.X86 & 0xffffffff,
             "arm": seccomp.Arch.ARM & 0xffffffff}
WORD32 = ("x32", "i386", "arm")
# linux/net.h SYS_* and linux/ipc.h calls: the multiplexed forms of these
# syscalls on i386 (arm EABI has neither socketcall nor ipc).
SOCKETCALL = {"socket": 1, "bind": 2, "connect": 3, "listen": 4, "accept": 5,
              "getsockname": 6, "getpeername": 7, "socketpair": 8, "sendto": 11,
              "recvfrom": 12, "shutdown": 13, "setsockopt": 14, "getsockopt": 15,
              "sendmsg": 16, "recvmsg": 17, "accept4": 18, "recvmmsg": 19,
              "sendmmsg": 20}
IPC = {"semop": 1, "semget": 2, "semctl": 3, "semtimedop": 4, "msgsnd": 11,
       "msgrcv": 12, "msgget": 13, "msgctl": 14, "shmat": 21, "shmdt": 22,
       "shmget": 23, "shmctl": 24}
MUX = set(SOCKETCALL) | set(IPC)
_abi_tables = {}


def abi_table(abi):
    """name -> number (x32's with the x32 bit) of bpfgen's table for ABI."""
    if abi not in _abi_tables:
        t = pg.bpfgen_table(abi)
        bit = pg.X32_BIT if abi == "x32" else 0
        _abi_tables[abi] = {n: v | bit for n, v in t.items()}
    return _abi_tables[abi]


def abi_pool():
    """Syscalls for multi-ABI policies: on both targets, and on every ABI
    numbered alike by bpfgen and libseccomp, or multiplexed on i386."""
    out = []
    for name in tables().common:
        if name in MUX:
            out.append(name)
            continue
        ok = True
        for abi in WORD32:
            nr = abi_table(abi).get(name)
            try:
                theirs = seccomp.resolve_syscall(LS_ABI[abi], name)
            except (ValueError, RuntimeError):
                theirs = None
            ok = ok and nr is not None and theirs == nr
        if ok:
            out.append(name)
    return out


def generate_abi(seed):
    """A random policy for every ABI: policygen's, without the rules that
    the 32-bit ABIs read differently on purpose (a value or mask above 32
    bits: truncated there, as libseccomp does, which can make a family's
    keys collide) and without conditions on the calls i386 multiplexes
    (fail closed here, fail open in libseccomp: README)."""
    p = pg.generate(seed, tables(), pg.Options(names=abi_pool()))
    rules = []
    for r in p.rules:
        if any(c.value > pg.U32 or (c.mask or 0) > pg.U32 for c in r.conds):
            continue
        names = [n for n in r.names if not (r.conds and n in MUX)]
        if names:
            rules.append(pg.Rule(r.action, names, r.conds))
    p.rules = rules
    p.text = pg.policy_text(p, __import__("random").Random(seed)).replace(
        "\ndefault ", "\nabi x86_64: native, x32, i386\nabi aarch64: native, arm\ndefault ", 1)
    return p


def libseccomp_program_abi(p, arch, path, optimize):
    f = seccomp.SyscallFilter(ls_action(p.default))
    if LS_ARCH[arch] & 0xffffffff != seccomp.system_arch() & 0xffffffff:
        f.add_arch(LS_ARCH[arch])
        f.remove_arch(seccomp.Arch.NATIVE)
    for abi in ABIS[arch]:
        f.add_arch(LS_ABI[abi])
    bad = p.bad_arch or pg.Action("kill-process")
    f.set_attr(seccomp.Attr.ACT_BADARCH, ls_action(bad))
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, optimize)
    table = tables().nr[arch]
    for r in p.rules:
        if r.action == p.default:
            continue
        for name in r.names:
            if name in table:
                f.add_rule(ls_action(r.action), name, *[ls_arg(c) for c in r.conds])
    with open(path, "wb") as out:
        f.export_bpf(out)


def cases_abi(p, arch):
    """cases() of the target, and every number of each ABI it accepts
    (zero arguments), the policy's vectors under each ABI's numbers, and
    socketcall/ipc with each call (and a version in ipc's high bits)."""
    out = list(cases(p, arch))
    for abi in ABIS[arch]:
        token, t = ABI_TOKEN[abi], abi_table(abi)
        base = pg.X32_BIT if abi == "x32" else 0
        top = max(v for v in t.values() if v < 0xf0000 or abi == "x32")
        for nr in range(base, top + 24):
            out.append(case_line(nr, token, (0,) * 6))
        for name, vecs in p.vectors.items():
            if name in t:
                for v in vecs:
                    out.append(case_line(t[name], token, v))
        if abi == "i386":
            for code in SOCKETCALL.values():
                out.append(case_line(t["socketcall"], token, (code, 0, 0, 0, 0, 0)))
                out.append(case_line(t["socketcall"], token, (code | 0xdead00000000, 0, 0, 0, 0, 0)))
            for code in IPC.values():
                for a0 in (code, 0x10000 | code):
                    out.append(case_line(t["ipc"], token, (a0, 0, 0, 0, 0, 0)))
    return out


def model_abi(p, arch, lines):
    """What a multi-ABI policy means for each case (bpfgen's meaning; see
    README: each ABI by its own numbers, low words on the 32-bit ones,
    socketcall/ipc governed by the rules on what they multiplex)."""
    native = {n: name for name, n in tables().nr[arch].items()}
    by_nr = {abi: {n: name for name, n in abi_table(abi).items()} for abi in ABIS[arch]}
    bad = (p.bad_arch or pg.Action("kill-process")).text()
    sock = {c: n for n, c in SOCKETCALL.items()}
    ipc = {c: n for n, c in IPC.items()}
    out = []
    for line in lines:
        f = [int(x, 16) for x in line.split()]
        nr, token, args = f[0], f[1], tuple(f[2:8])
        abi = None
        if token == TOKEN[arch]:
            abi = "x32" if arch == "x86_64" and nr >= pg.X32_BIT else arch
        elif arch == "x86_64" and token == ABI_TOKEN["i386"]:
            abi = "i386"
        elif arch == "aarch64" and token == ABI_TOKEN["arm"]:
            abi = "arm"
        if abi is None:
            out.append(bad)
            continue
        if abi in WORD32:
            args = tuple(a & pg.U32 for a in args)
        name = (native if abi == arch else by_nr[abi]).get(nr)
        if abi == "i386" and name == "socketcall":
            name = sock.get(args[0])
        elif abi == "i386" and name == "ipc":
            name = ipc.get(args[0] & 0xffff)
        out.append(p.decide(name, args).text() if name else p.default.text())
    return out


def deliberate(arch, line):
    """A case where bpfgen differs from libseccomp on purpose: ipc with a
    version in the high 16 bits of its call (the kernel strips it;
    libseccomp compares the whole word)."""
    f = [int(x, 16) for x in line.split()]
    return arch == "x86_64" and f[1] == ABI_TOKEN["i386"] and f[0] == abi_table("i386")["ipc"] \
        and f[2] & 0xffff0000


def check_policy_abi(seed, workdir, witnesses=True):
    p = generate_abi(seed)
    d = Path(workdir)
    src = d / "p.policy"
    src.write_text(p.text)
    found = []
    for arch in pg.TARGETS:
        ours, theirs = d / ("bpfgen_%s.bpf" % arch), d / ("ls_%s.bpf" % arch)
        r = subprocess.run([str(BUILD / "bpfgen"), "-a", arch, "-f", "raw",
                            "-o", str(ours), str(src)], capture_output=True, text=True)
        if r.returncode != 0:
            found.append(Finding("build", arch, "bpfgen failed (exit %d): %s"
                                 % (r.returncode, r.stderr.strip())))
            continue
        try:
            pid = os.fork()
            if pid == 0:
                try:
                    libseccomp_program_abi(p, arch, theirs, 1 + seed % 2)
                    os._exit(0)
                except BaseException:   # noqa: BLE001
                    os._exit(3)
            _, status = os.waitpid(pid, 0)
            if status != 0:
                raise RuntimeError("libseccomp failed (status %#x)" % status)
        except Exception as e:   # noqa: BLE001
            found.append(Finding("build", arch, "libseccomp refused the translation: %r" % e))
            continue
        lines = cases_abi(p, arch)
        if witnesses:
            lines += bpfdiff_witnesses(ours, theirs, arch)
        model = model_abi(p, arch, lines)
        x, y = bpfsim_batch(ours, lines), bpfsim_batch(theirs, lines)
        for ln, a, b, m in zip(lines, x, y, model):
            if a == b == m:
                continue
            what = "%s: bpfgen %s, libseccomp %s, policy says %s" % (describe_case(ln), a, b, m)
            if a != m:
                found.append(Finding("bpfgen", arch, what))
            elif deliberate(arch, ln):
                found.append(Finding("deliberate", arch, what))
            elif masked_outside(p, arch, ln) or ordered_multi_rule(p, arch, ln):
                found.append(Finding("libseccomp-known", arch, what))
            else:
                found.append(Finding("libseccomp", arch, what))
    return found


def _worker_abi(job):
    seed, witnesses = job
    with tempfile.TemporaryDirectory(prefix="bpfgen-diff-abi-") as d:
        try:
            return seed, check_policy_abi(seed, d, witnesses)
        except Exception as e:   # noqa: BLE001
            return seed, [Finding("build", "-", "driver error: %r" % e)]


def campaign_abi(first_seed, count, jobs=2, witness_every=1):
    """campaign() for multi-ABI policies (generate_abi)."""
    tables()
    abi_pool()
    failures, known = [], 0
    jobs_ = [(s, (s - first_seed) % witness_every == 0)
             for s in range(first_seed, first_seed + count)]
    with Pool(jobs) as pool:
        for seed, found in pool.imap_unordered(_worker_abi, jobs_, 8):
            if any(f.kind in FAILING for f in found):
                failures.append((seed, found))
            elif found:
                known += 1
    return sorted(failures, key=lambda x: x[0]), known


def _worker(job):
    seed, witnesses = job
    with tempfile.TemporaryDirectory(prefix="bpfgen-diff-") as d:
        try:
            return seed, check_policy(seed, d, witnesses)
        except Exception as e:   # noqa: BLE001 - report, don't lose the seed
            return seed, [Finding("build", "-", "driver error: %r" % e)]


def campaign(first_seed, count, jobs=2, progress=None, witness_every=1):
    """Checks seeds FIRST_SEED .. FIRST_SEED+COUNT-1 (bpfdiff's witnesses
    for every WITNESS_EVERY-th of them). Returns (failures, known):
    [(seed, findings)] for the seeds with a failing finding, and the number
    of seeds with known libseccomp errors only."""
    tables()   # fail early, in this process, if a table cannot be read
    failures, known = [], 0
    jobs_ = [(s, (s - first_seed) % witness_every == 0)
             for s in range(first_seed, first_seed + count)]
    with Pool(jobs) as pool:
        for i, (seed, found) in enumerate(pool.imap_unordered(_worker, jobs_, 8)):
            if any(f.kind in FAILING for f in found):
                failures.append((seed, found))
            elif found:
                known += 1
            if progress and (i + 1) % progress == 0:
                print("%d/%d policies, %d failing, %d with known libseccomp errors"
                      % (i + 1, count, len(failures), known), flush=True)
    return sorted(failures, key=lambda x: x[0]), known


def report(failures, limit=5):
    out = []
    for seed, found in failures[:limit]:
        out.append("=== seed %d (replay: /usr/bin/python3 tests/diff/difftest.py "
                   "--seed %d --count 1 --show)" % (seed, seed))
        for arch in pg.TARGETS + ("-",):
            for kind in FAILING + ("libseccomp-known", "libseccomp-hang"):
                these = [f for f in found if f.arch == arch and f.kind == kind]
                out.extend("  " + repr(f) for f in these[:4])
                if len(these) > 4:
                    out.append("  %s: [%s] ... %d cases in all" % (arch, kind, len(these)))
        out.append("  policy:")
        out.extend("    " + x for x in pg.generate(seed, tables()).text.splitlines())
    if len(failures) > limit:
        out.append("... and %d more failing seeds: %s" % (
            len(failures) - limit, " ".join(str(s) for s, _ in failures[limit:limit + 50])))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=None,
                    help="first seed (default: from the clock, printed)")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--show", action="store_true",
                    help="print the policy of every seed checked")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int(time.time())
    print("difftest: seeds %d..%d, %d jobs, binaries in %s"
          % (seed, seed + a.count - 1, a.jobs, BUILD), flush=True)
    if a.show:
        for s in range(seed, seed + a.count):
            print(pg.generate(s, tables()).text)
    start = time.time()
    failures, known = campaign(seed, a.count, a.jobs,
                               progress=max(1, min(500, a.count // 10)))
    print("difftest: %d policies in %.0f s, %d failing, %d more with known "
          "libseccomp errors only" % (a.count, time.time() - start, len(failures), known))
    if failures:
        print(report(failures, limit=20))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
