"""Kernel agreement: bpfsim must decide exactly as the running kernel does,
and the kernel must accept every program bpfgen makes (and, on the way,
bpfgen's answer must be what the policy says).

Random policies (tests/diff/policygen.py, the full language: lo32 with every
operator, masked !=, errno(4095)...) are compiled for x86_64; each program
is installed by the tryfilter helper in a forked child (never in this
process), which makes harmless calls whose arguments the kernel ignores but
the filter sees (getppid, getpid, gettid, getpgrp with arbitrary argument
registers), x32-numbered and i386 (int 0x80) calls. What the kernel did
must be what bpfsim says the filter returns. The aarch64 programs are
installed too: the kernel's checker does not care about the architecture.

BPFGEN_KERNEL_POLICIES sets the number of policies (default 60)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import ia32

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
BPFGEN, BPFSIM = BUILD / "bpfgen", BUILD / "bpfsim"
TRYFILTER = BUILD / "tests" / "tryfilter"
sys.path.insert(0, str(REPO / "tests" / "diff"))
import policygen as pg  # noqa: E402

# <linux/audit.h>: AUDIT_ARCH_X86_64 and AUDIT_ARCH_I386, the tokens the
# kernel puts in seccomp_data.arch for 64-bit and int 0x80 calls.
AUDIT_X86_64, AUDIT_I386 = 0xC000003E, 0x40000003
ENOSYS = 38
# Calls that return a nonzero id and ignore their arguments, so errno(0)
# ("ret 0") and allow are told apart. getpgrp has no aarch64 number.
HARMLESS = ("getppid", "getpid", "gettid", "getpgrp")
I386_GETPPID = 64
COUNT = int(os.environ.get("BPFGEN_KERNEL_POLICIES", "60"))
FIRST_SEED = int(os.environ.get("BPFGEN_KERNEL_SEED", "500000"))


def require_linux_x86_64():
    if os.uname().machine != "x86_64":
        if os.environ.get("CI") == "true":
            pytest.fail("kernel agreement needs an x86_64 kernel and CI=true forbids skipping")
        pytest.skip("kernel agreement needs an x86_64 kernel")


def expected(action, allowed):
    """What tryfilter --thread reports when the filter returns ACTION
    (bpfsim's spelling) and nobody traces or listens. ALLOWED: what the
    call does when let through (an x32 call on a kernel without the x32
    ABI fails with ENOSYS, for one)."""
    if action in ("allow", "log"):
        return allowed
    if action.startswith("errno("):
        n = int(action[6:-1])
        return "ret 0" if n == 0 else "errno %d" % n
    if action.startswith("trace(") or action == "notify":
        return "errno %d" % ENOSYS   # no tracer, no listener: -ENOSYS
    if action == "kill-thread":
        return "thread-killed"
    if action == "kill-process" or action.startswith("trap"):
        return "killed SIGSYS"       # trap: SIGSYS unhandled kills too
    raise AssertionError("bpfsim gave an unknown action: %s" % action)


def observed(line):
    if line.startswith("ret ") and line != "ret 0":
        return "ret nonzero"
    return line


def calls_for(p, tables):
    """(tryfilter options, nr, args, bpfsim case line) for policy P."""
    out = []
    x86 = tables.nr["x86_64"]
    for name in HARMLESS:
        for args in p.vectors.get(name, [(0,) * 6])[:8]:
            out.append(([], x86[name], args, AUDIT_X86_64, x86[name]))
    args = (0x1122334455667788, 1, 0xffffffff, 0, 0, 0)
    out.append((["--x32"], x86["getppid"], args, AUDIT_X86_64,
                x86["getppid"] | pg.X32_BIT))
    # int 0x80 passes 32-bit registers: the filter sees the low words.
    # (Where this kernel refuses int 0x80, no i386 call runs at all, and
    # there is nothing to agree on: tests/e2e/ia32.py.)
    if ia32.available(str(TRYFILTER)):
        out.append((["--i386"], I386_GETPPID, args, AUDIT_I386, I386_GETPPID))
    return [(opts, nr, a, "%x %x %s\n" % (seen_nr, tok, " ".join(
        "%x" % (v & (pg.U32 if tok == AUDIT_I386 else pg.U64)) for v in a)))
        for opts, nr, a, tok, seen_nr in out]


def bpfsim_answers(prog, lines):
    r = subprocess.run([str(BPFSIM), "--batch", str(prog)], input="".join(lines),
                       capture_output=True, text=True)
    assert r.returncode == 0, "bpfsim refused %s: %s" % (prog, r.stderr)
    got = [ln.split()[0] for ln in r.stdout.splitlines()]
    assert len(got) == len(lines)
    return got


def kernel_answer(prog, opts, nr, args):
    r = subprocess.run([str(TRYFILTER), "--thread", *opts, str(prog), str(nr),
                        *[str(a) for a in args]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, "tryfilter failed: %s" % r.stderr
    return r.stdout.strip()


def compile_raw(policy, arch, out):
    r = subprocess.run([str(BPFGEN), "-a", arch, "-f", "raw", "-o", str(out),
                        str(policy)], capture_output=True, text=True)
    assert r.returncode == 0, "bpfgen -a %s failed on\n%s\n%s" % (
        arch, policy.read_text(), r.stderr)


def allowed_outcomes(tables, d):
    """What each kind of call does under an allow-everything filter."""
    (d / "allow.policy").write_text("default allow\non-bad-arch allow\non-x32 allow\n")
    compile_raw(d / "allow.policy", "x86_64", d / "allow.bpf")
    nr = tables.nr["x86_64"]["getppid"]
    kinds = [("", [], nr), ("--x32", ["--x32"], nr)]
    if ia32.available(str(TRYFILTER)):
        kinds.append(("--i386", ["--i386"], I386_GETPPID))
    else:
        ia32.note_refused()
    return {kind: observed(kernel_answer(d / "allow.bpf", opts, n, [0] * 6))
            for kind, opts, n in kinds}


def check_seed(seed, tables, d, allowed):
    opts = pg.Options(libseccomp=False, names=HARMLESS, max_families=4)
    p = pg.generate(seed, tables, opts)
    src = d / "p.policy"
    src.write_text(p.text)
    problems = []
    progs = {}
    for arch in pg.TARGETS:
        progs[arch] = d / ("%s.bpf" % arch)
        compile_raw(src, arch, progs[arch])
    calls = calls_for(p, tables)
    answers = bpfsim_answers(progs["x86_64"], [c[3] for c in calls])
    by_nr = {v: k for k, v in tables.nr["x86_64"].items()}
    bad = (p.bad_arch or pg.Action("kill-process")).text()
    for (copts, nr, args, line), sim in zip(calls, answers):
        meant = p.decide(by_nr[nr], args).text() if not copts else bad
        if sim != meant:
            problems.append("x86_64 %s nr=%d args=%s: bpfsim %s, the policy says %s"
                            % (" ".join(copts), nr, [hex(a) for a in args], sim, meant))
        got = observed(kernel_answer(progs["x86_64"], copts, nr, args))
        if got != expected(sim, allowed[" ".join(copts)]):
            problems.append("x86_64 %s nr=%d args=%s: bpfsim %s, kernel '%s'"
                            % (" ".join(copts), nr, [hex(a) for a in args], sim, got))
    # The aarch64 program, on this x86_64 kernel: accepted, and every call
    # is a foreign-architecture call for it.
    opts0, nr0, args0, line0 = calls[0]
    sim = bpfsim_answers(progs["aarch64"], [line0])[0]
    got = observed(kernel_answer(progs["aarch64"], opts0, nr0, args0))
    if got != expected(sim, allowed[""]):
        problems.append("aarch64 program: nr=%d: bpfsim %s, kernel '%s'" % (nr0, sim, got))
    if problems:
        return "seed %d (BPFGEN_KERNEL_SEED=%d BPFGEN_KERNEL_POLICIES=1):\n  %s\npolicy:\n%s" % (
            seed, seed, "\n  ".join(problems[:8]), p.text)
    return None


def test_kernel_agrees_with_bpfsim_on_random_policies():
    require_linux_x86_64()
    tables = pg.Tables()
    failures = []
    with tempfile.TemporaryDirectory(prefix="bpfgen-kernel-") as tmp:
        allowed = allowed_outcomes(tables, Path(tmp))
        assert allowed[""] == "ret nonzero", allowed
        for seed in range(FIRST_SEED, FIRST_SEED + COUNT):
            f = check_seed(seed, tables, Path(tmp), allowed)
            if f:
                failures.append(f)
    assert not failures, "%d of %d policies: kernel and bpfsim disagree\n%s" % (
        len(failures), COUNT, "\n".join(failures[:3]))


def test_the_harmless_calls_really_ignore_their_arguments():
    """The premise of the test above: with no filter in the way (an
    allow-everything policy), arguments do not change what getppid does."""
    require_linux_x86_64()
    with tempfile.TemporaryDirectory(prefix="bpfgen-kernel-") as tmp:
        d = Path(tmp)
        (d / "allow.policy").write_text("default allow\n")
        compile_raw(d / "allow.policy", "x86_64", d / "allow.bpf")
        nr = pg.Tables().nr["x86_64"]["getppid"]
        plain = kernel_answer(d / "allow.bpf", [], nr, [0] * 6)
        wild = kernel_answer(d / "allow.bpf", [], nr, [pg.U64, 1 << 63, 7, 0, 5, 3])
        assert plain.startswith("ret ") and plain != "ret 0", plain
        assert wild.startswith("ret ") and wild != "ret 0", wild


def test_kernel_accepts_large_random_programs():
    """The differential test's kind of policy (up to 12 families over the
    whole syscall table, so long programs with far jumps), both
    architectures: the kernel installs every program, and its answer for
    getppid with high-bit arguments is bpfsim's."""
    require_linux_x86_64()
    tables = pg.Tables()
    nr = tables.nr["x86_64"]["getppid"]
    args = (1 << 63, 0xffffffff, 1 << 32, 7, 0, pg.U64)
    probes = [([], "%x %x %s\n" % (nr, AUDIT_X86_64, " ".join("%x" % a for a in args))),
              (["--x32"], "%x %x %s\n" % (nr | pg.X32_BIT, AUDIT_X86_64,
                                           " ".join("%x" % a for a in args)))]
    failures = []
    with tempfile.TemporaryDirectory(prefix="bpfgen-kernel-") as tmp:
        d = Path(tmp)
        allowed = allowed_outcomes(tables, d)
        for seed in range(FIRST_SEED, FIRST_SEED + COUNT):
            p = pg.generate(seed, tables, pg.Options(libseccomp=False))
            (d / "big.policy").write_text(p.text)
            for arch in pg.TARGETS:
                prog = d / ("big-%s.bpf" % arch)
                compile_raw(d / "big.policy", arch, prog)
                sims = bpfsim_answers(prog, [line for _, line in probes])
                for (copts, _), sim in zip(probes, sims):
                    got = observed(kernel_answer(prog, copts, nr, args))
                    if got != expected(sim, allowed[" ".join(copts)]):
                        failures.append("seed %d %s %s (%d insns): bpfsim %s, kernel '%s'"
                                        % (seed, arch, " ".join(copts),
                                           prog.stat().st_size // 8, sim, got))
    assert not failures, "\n".join(failures[:10])
