"""Differential testing of bpfgen against libseccomp (tests/diff/).

2,000 seeded random policies, both architectures, every syscall number past
the table's end, x32 and foreign-architecture calls, argument vectors from
each constant, its neighbours and its high-bit variants: bpfgen's program
must agree with the policy's meaning on every case, and with libseccomp's
program except where libseccomp is known to be wrong (tests/diff/README.md).
Those places are pinned below: our answer, checked by bpfsim and by the
kernel, not libseccomp's.

BPFGEN_DIFF_SEED / BPFGEN_DIFF_COUNT choose the seeds (default 1 / 2000).
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
TRYFILTER = BUILD / "tests" / "tryfilter"
REGRESS = REPO / "tests" / "diff" / "regress"
sys.path.insert(0, str(REPO / "tests" / "diff"))

try:
    import seccomp  # noqa: F401 - Debian's python3-seccomp, the oracle
    import difftest
except ImportError as e:   # only outside CI may the oracle be missing
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("python3-seccomp is missing (%s); run under /usr/bin/python3 "
                "or apt-get install python3-seccomp" % e, allow_module_level=True)

import policygen as pg  # noqa: E402

SEED = int(os.environ.get("BPFGEN_DIFF_SEED", "1"))
COUNT = int(os.environ.get("BPFGEN_DIFF_COUNT", "2000"))
# bpfdiff's exhaustive witnesses for every Nth policy (1: all). The
# sanitizer run (`make check-sanitize`) sets 8: it is there for memory
# errors, and a sanitized bpfdiff costs minutes over 2,000 policies.
WITNESS_EVERY = int(os.environ.get("BPFGEN_DIFF_WITNESS_EVERY", "1"))


def test_bpfgen_agrees_with_libseccomp_and_the_policy():
    failures, known = difftest.campaign(SEED, COUNT, jobs=2, witness_every=WITNESS_EVERY)
    print("%d policies (seeds %d..%d): %d failing, %d with known libseccomp "
          "errors only" % (COUNT, SEED, SEED + COUNT - 1, len(failures), known))
    assert not failures, "%d of %d policies disagree\n%s" % (
        len(failures), COUNT, difftest.report(failures))


ABI_COUNT = int(os.environ.get("BPFGEN_DIFF_ABI_COUNT", "150"))


def test_multi_abi_policies_agree_with_libseccomp():
    """Random policies with `abi x86_64: native, x32, i386` and `abi
    aarch64: native, arm`, against libseccomp with those architectures
    added, on every number of every ABI, the policy's vectors under each
    ABI's numbers, socketcall and ipc: zero disagreements but the
    deliberate one (ipc's version bits, stripped by the kernel and by us,
    compared by libseccomp). Rules libseccomp reads otherwise on purpose
    are not generated: conditions on multiplexed calls (we fail closed)
    and 64-bit values (truncated on 32-bit ABIs; see difftest.generate_abi)."""
    failures, known = difftest.campaign_abi(SEED, ABI_COUNT, jobs=2,
                                            witness_every=WITNESS_EVERY)
    print("%d multi-ABI policies: %d failing, %d with deliberate or known "
          "differences only" % (ABI_COUNT, len(failures), known))
    assert not failures, difftest.report(failures)


def test_multi_abi_generator_and_driver():
    """The multi-ABI campaign generates what it claims, and catches a
    program that does not accept an ABI the policy accepts."""
    rules = conds = mux = 0
    for seed in range(SEED, SEED + 100):
        p = difftest.generate_abi(seed)
        assert "abi x86_64: native, x32, i386\nabi aarch64: native, arm\n" in p.text
        for r in p.rules:
            rules += 1
            conds += len(r.conds)
            mux += sum(n in difftest.MUX for n in r.names)
            assert all(c.value <= pg.U32 and (c.mask or 0) <= pg.U32 for c in r.conds)
            assert not (r.conds and any(n in difftest.MUX for n in r.names))
    assert rules > 300 and conds > 200 and mux > 10, (rules, conds, mux)
    orig = difftest.generate_abi

    def without_i386(seed):
        p = orig(seed)
        p.text = p.text.replace("native, x32, i386", "native, x32")
        return p
    # a seed whose default differs from on-bad-arch: i386 calls then differ
    seed = next(s for s in range(SEED, SEED + 100)
                if orig(s).default != (orig(s).bad_arch or pg.Action("kill-process")))
    difftest.generate_abi = without_i386
    try:
        with tempfile.TemporaryDirectory() as d:
            found = difftest.check_policy_abi(seed, d, witnesses=False)
    finally:
        difftest.generate_abi = orig
    assert any(f.kind == "bpfgen" and "arch=0x40000003" in f.text for f in found), found


def test_the_generator_covers_the_language():
    """The campaign is only as good as what it generates: check that the
    2,000 policies use every action, every operator, masks, lo32, 64-bit
    constants with high bits, and several exclusive rules per syscall."""
    seen = set()
    for seed in range(SEED, SEED + 300):
        p = pg.generate(seed, difftest.tables())
        seen.add("default " + p.default.kind)
        per_name = {}
        for r in p.rules:
            seen.add(r.action.kind)
            for n in r.names:
                per_name[n] = per_name.get(n, 0) + 1
            for c in r.conds:
                seen.add(c.op)
                seen.add("mask" if c.mask is not None else "lo32" if c.lo32 else "plain")
                if c.value >> 63:
                    seen.add("high bit")
            if len(r.conds) >= 3:
                seen.add("conjunction of 3")
        if any(v >= 3 for v in per_name.values()):
            seen.add("3 rules on one syscall")
    want = {"allow", "log", "kill-process", "kill-thread", "trap", "errno",
            "trace", "notify", "default errno", "default allow", "==", "!=",
            "<", "<=", ">", ">=", "mask", "lo32", "plain", "high bit",
            "conjunction of 3", "3 rules on one syscall"}
    assert want <= seen, "never generated: %s" % sorted(want - seen)


def test_a_wrong_program_is_caught():
    """The driver itself: a libseccomp program for a different policy must
    be reported, not waved through."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        p = pg.generate(SEED, difftest.tables())
        other = pg.Policy(0, pg.Action("errno", 1) if p.default != pg.Action("errno", 1)
                          else pg.Action("allow"))
        difftest.libseccomp_program(other, "x86_64", d / "ls.bpf", 1)
        compile_x86_64(d, p.text)
        lines = difftest.cases(p, "x86_64")
        found = difftest.compare(p, "x86_64", lines,
                                 difftest.bpfsim_batch(d / "p.bpf", lines),
                                 difftest.bpfsim_batch(d / "ls.bpf", lines),
                                 difftest.model_answers(p, "x86_64", lines))
        assert any(f.kind == "libseccomp" for f in found)


def test_bpfdiff_finds_a_region_the_probes_miss():
    """Seed 900080: libseccomp traps sched_setscheduler where the policy
    kills it, only when arg5's low word is 0x7030ead4 *and* arg2 is above a
    bound the probe vectors never combine with it. The probes alone see no
    difference; bpfdiff's exhaustive comparison supplies the witness, and
    the policy's meaning says bpfgen is right."""
    seed = 900080
    p = pg.generate(seed, difftest.tables())
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        ours = compile_x86_64(d, p.text)[0]
        difftest.libseccomp_program(p, "x86_64", d / "ls.bpf", 1 + seed % 2)
        probes = difftest.cases(p, "x86_64")
        assert difftest.compare(p, "x86_64", probes,
                                difftest.bpfsim_batch(ours, probes),
                                difftest.bpfsim_batch(d / "ls.bpf", probes),
                                difftest.model_answers(p, "x86_64", probes)) == []
        extra = difftest.bpfdiff_witnesses(ours, d / "ls.bpf", "x86_64")
        assert extra, "bpfdiff found no difference"
        assert all(line.split()[0] == "90" for line in extra), extra  # 144
        found = difftest.compare(p, "x86_64", extra,
                                 difftest.bpfsim_batch(ours, extra),
                                 difftest.bpfsim_batch(d / "ls.bpf", extra),
                                 difftest.model_answers(p, "x86_64", extra))
        assert found and all(f.kind == "libseccomp-known" for f in found), found


# ---- where libseccomp 2.5.4 is wrong: our behaviour, pinned ------------------

def compile_x86_64(d, text):
    (d / "p.policy").write_text(text)
    r = subprocess.run([str(BUILD / "bpfgen"), "-a", "x86_64", "-f", "raw",
                        "-o", str(d / "p.bpf"), str(d / "p.policy")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return d / "p.bpf", r.stderr


def sim(prog, nr, args):
    r = subprocess.run([str(BUILD / "bpfsim"), "-a", "x86_64", str(prog), nr,
                        *[hex(a) for a in args]], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()[0]


def kernel(prog, nr, args):
    r = subprocess.run([str(TRYFILTER), str(prog), str(nr), *[str(a) for a in args]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def libseccomp_says(policy_rules, nr_name, args, default=None):
    """libseccomp's answer for one call (for the record in the message)."""
    with tempfile.TemporaryDirectory() as tmp:
        p = pg.Policy(0, default or pg.Action("allow"), rules=policy_rules)
        difftest.libseccomp_program(p, "x86_64", Path(tmp) / "ls.bpf", 2)
        return sim(Path(tmp) / "ls.bpf", nr_name, args)


GETPPID = 110  # x86_64; the kernel ignores getppid's arguments


def test_pinned_ordered_comparisons_in_two_rules():
    """libseccomp 2.5.4 joins the two rules below so that a failed 64-bit
    '<=' on arg2 falls into the other rule's arg2 test while the
    accumulator still holds arg5's word: getppid(0,0,0,0,0,0xacfc...) is
    allowed. It matches the first rule: errno(7)."""
    rules = [pg.Rule(pg.Action("errno", 7), ["getppid"],
                     [pg.Cond(2, "<=", 0x96f07b4b3a9c9e65), pg.Cond(5, "==", 0xacfc1823efb66d17)]),
             pg.Rule(pg.Action("errno", 9), ["getppid"],
                     [pg.Cond(2, "<=", 0xffffffff), pg.Cond(5, "==", 0x38c0bee5)])]
    args = [0, 0, 0, 0, 0, 0xacfc1823efb66d17]
    with tempfile.TemporaryDirectory() as tmp:
        prog, _ = compile_x86_64(Path(tmp), "default allow\n"
                                 "errno(7): getppid if arg2 <= 0x96f07b4b3a9c9e65 && arg5 == 0xacfc1823efb66d17\n"
                                 "errno(9): getppid if arg2 <= 0xffffffff && arg5 == 0x38c0bee5\n")
        theirs = libseccomp_says(rules, "getppid", args)
        assert sim(prog, "getppid", args) == "errno(7)", "libseccomp says " + theirs
        assert kernel(prog, GETPPID, args) == "errno 7"
        assert sim(prog, "getppid", [0, 0, 0, 0, 0, 0x38c0bee5]) == "errno(9)"
        assert sim(prog, "getppid", [0, 0, 1 << 32, 0, 0, 0x38c0bee5]) == "allow"


def test_pinned_not_equal_in_three_rules():
    """Long campaign seed 1003287: with '!=' in the rules below libseccomp
    tests arg0's low word against 0 while arg1's word is in the
    accumulator, and returns the default for a call the third rule
    matches."""
    rules = [pg.Rule(pg.Action("errno", 7), ["getppid"],
                     [pg.Cond(0, "!=", 0xbea6e35f), pg.Cond(1, "==", 0x6fde6b01b768bf09)]),
             pg.Rule(pg.Action("errno", 8), ["getppid"],
                     [pg.Cond(1, "==", 0xf), pg.Cond(5, "!=", 0xa2ca32ba47cabb3a)]),
             pg.Rule(pg.Action("errno", 9), ["getppid"],
                     [pg.Cond(0, "==", 0), pg.Cond(1, "==", 0xb9ec1c1e00000001),
                      pg.Cond(4, "!=", 0x3c8a951800000000),
                      pg.Cond(2, "==", 0x4004010500000001, 0x4704c34504890801)])]
    text = "default errno(13)\n" + "".join(
        "%s: getppid if %s\n" % (r.action.text(), " && ".join(c.text() for c in r.conds))
        for r in rules)
    args = [0, 0xb9ec1c1e00000001, 0xe8b53dbf9a66c117, 0, 0x3c8a951800000001, 0]
    assert pg.Policy(0, pg.Action("errno", 13), rules=rules).decide("getppid", args) \
        == pg.Action("errno", 9)
    with tempfile.TemporaryDirectory() as tmp:
        prog, _ = compile_x86_64(Path(tmp), text)
        theirs = libseccomp_says(rules, "getppid", args, pg.Action("errno", 13))
        assert sim(prog, "getppid", args) == "errno(9)", "libseccomp says " + theirs
        assert kernel(prog, GETPPID, args) == "errno 9"
        assert sim(prog, "getppid", [1, 0x6fde6b01b768bf09]) == "errno(7)"
        assert sim(prog, "getppid", [0xbea6e35f, 0x6fde6b01b768bf09]) == "errno(13)"


def test_pinned_masked_value_outside_the_mask():
    """'arg0 & 0xff == 0x100' can never hold: bpfgen says so and the rule
    never applies. libseccomp compares (arg0 & 0xff) == (0x100 & 0xff)
    instead and returns errno(7) for arg0 == 0."""
    rules = [pg.Rule(pg.Action("errno", 7), ["getppid"], [pg.Cond(0, "==", 0x100, 0xff)])]
    with tempfile.TemporaryDirectory() as tmp:
        prog, warnings = compile_x86_64(Path(tmp), "default allow\n"
                                        "errno(7): getppid if arg0 & 0xff == 0x100\n")
        assert "never" in warnings, "bpfgen should warn: " + warnings
        theirs = libseccomp_says(rules, "getppid", [0])
        for a0 in (0, 0x100, 0x1ff):
            assert sim(prog, "getppid", [a0]) == "allow", "libseccomp says " + theirs
        assert kernel(prog, GETPPID, [0]).startswith("ret ")


def test_pinned_errno_4095():
    """The kernel's largest errno is 4095 (MAX_ERRNO); libseccomp 2.5.4
    refuses ERRNO(4095) (EINVAL), bpfgen accepts it and the kernel
    returns it."""
    with pytest.raises(Exception):
        difftest.libseccomp_program(
            pg.Policy(0, pg.Action("allow"), rules=[pg.Rule(pg.Action("errno", 4095), ["getppid"])]),
            "x86_64", "/dev/null", 1)
    with tempfile.TemporaryDirectory() as tmp:
        prog, _ = compile_x86_64(Path(tmp), "default allow\nerrno(4095): getppid\n")
        assert sim(prog, "getppid", []) == "errno(4095)"
        assert kernel(prog, GETPPID, []) == "errno 4095"


# ---- regressions the differential test found ---------------------------------

EXPECT = re.compile(r"^# expect: (\S+) (\S+)((?: \S+)*) -> (\S+)$")


def regression_cases():
    for path in sorted(REGRESS.glob("*.policy")):
        for line in path.read_text().splitlines():
            m = EXPECT.match(line)
            if m:
                yield pytest.param(path, m.group(1), m.group(2),
                                   m.group(3).split(), m.group(4),
                                   id="%s:%s" % (path.stem, m.group(2)))


def test_regressions_are_present():
    assert list(regression_cases()), "no '# expect:' lines in %s" % REGRESS


@pytest.mark.parametrize("path,arch,nr,args,want", list(regression_cases()))
def test_regression(path, arch, nr, args, want, tmp_path):
    out = tmp_path / "p.bpf"
    r = subprocess.run([str(BUILD / "bpfgen"), "-a", arch, "-f", "raw", "-o",
                        str(out), str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(BUILD / "bpfsim"), "-a", arch, str(out), nr, *args],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == want
