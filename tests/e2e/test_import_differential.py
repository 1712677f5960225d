"""Imported container profiles against runc: Docker's and Podman's default
profiles (tests/containers/), compiled by `bpfgen PROFILE.json` and, the
way runc 1.1 does it, by libseccomp (tests/containers/runc_style.py, with
runc's -ENOSYS stub prepended), then run in `bpfsim --batch` on every
syscall number of every ABI of the target, x32-numbered and foreign
calls, and argument vectors built from the profile's constants. Every
disagreement must be one of the documented, deliberate or explained
kinds (explain()); anything else fails.

Two modes per profile and target:
- native: `--abi native` against runc's filter limited to the target's
  own architecture (the 32-bit ABIs then get the bad-architecture action
  in both);
- full: the import as it is, against runc's filter with every
  architecture the profile lists (i386, x32, arm sections compared too).

COMPILER_HAS_ABI says whether the compiler has the multi-ABI syntax the
importer writes (`abi`, `on-newer`, `socketcall fail-open`: branch abi of
issue 16). Until it has, the full mode checks that the compiler refuses
the `abi` line and the native mode runs with --no-enosys-stub against
runc's filter without its stub; test_compiler_support_matches_the_flag
fails as soon as the compiler accepts them, to have the flag flipped.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
sys.path.insert(0, str(REPO / "tests" / "containers"))
IN_CI = os.environ.get("CI") == "true"

try:
    import seccomp  # noqa: F401 - Debian's python3-seccomp: the oracle
    import runc_style as rs
    import probes
except ImportError as e:   # only outside CI may the oracle be missing
    if IN_CI:
        raise
    pytest.skip("python3-seccomp is missing (%s); run under /usr/bin/python3"
                % e, allow_module_level=True)

# Flip to True once branch abi (issue 16: abi, on-newer, socketcall) is merged.
COMPILER_HAS_ABI = True

PROFILES = {
    "docker": REPO / "tests" / "containers" / "docker-default.json",
    "podman": REPO / "tests" / "containers" / "podman-seccomp.json",
}
TARGETS = ("x86_64", "aarch64")
ABIS = probes.ABIS


table = probes.table
cases = probes.cases


def bpfgen(*args, check=True):
    r = subprocess.run([str(BUILD / "bpfgen"), *map(str, args)],
                       capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, "bpfgen %s: exit %d\n%s" % (
            " ".join(map(str, args)), r.returncode, r.stderr)
    return r


def bpfsim(prog, lines):
    r = subprocess.run([str(BUILD / "bpfsim"), "--batch", str(prog)],
                       input="".join(lines), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, "bpfsim %s: %s" % (prog, r.stderr)
    got = [ln.split()[0] for ln in r.stdout.splitlines()]
    assert len(got) == len(lines)
    return got


# ---- what may differ, and why ------------------------------------------------------

class Explainer:
    """Why bpfgen and runc's libseccomp filter may decide a case apart.
    Known kinds: libseccomp 2.5.4's tables lack the syscall (runc skips a
    name libseccomp cannot resolve; a runc with a newer libseccomp agrees
    with bpfgen), its stub bound is lower for the same reason, and i386's
    socketcall/ipc where the import's summary says it differs on
    purpose (fail closed)."""

    def __init__(self, sel, target, abis, stub, summary):
        self.sel, self.target, self.stub, self.summary = sel, target, stub, summary
        self.names = {r["name"] for r in sel.rules}
        self.abis = abis
        self.ours_max, self.ls_max = {}, {}
        for abi in abis:
            t = table(abi)
            arch = rs.TARGET_ABIS[target]["native" if abi == target else abi]
            nrs = [t[n] for n in self.names if n in t]
            self.ours_max[abi] = max(nrs) if nrs else None
            self.ls_max[abi] = rs.largest(sel, [arch]).get(arch)
        self.by_nr = {abi: {v: k for k, v in table(abi).items()} for abi in ABIS[target]}

    def __call__(self, abi, nr):
        if self.target == "x86_64" and abi in (None, "x86_64") and self.stub and \
                nr is not None and nr >= 0x80000000 and not nr & rs.X32_BIT:
            return NO_ABI_NR
        if abi is None or abi not in self.abis:
            return None
        name = self.by_nr[abi].get(nr)
        arch = rs.TARGET_ABIS[self.target]["native" if abi == self.target else abi]
        if name in self.names and rs.resolve(arch, name) is None:
            return "libseccomp 2.5.4 does not know %s on %s" % (name, abi)
        ls_max = self.ls_max[abi]
        if ls_max is not None and x32_strip(ls_max) < nr and self.stub:
            ours = self.ours_max[abi]
            if ours is not None and nr <= ours:
                return ("runc's stub answers ENOSYS above %d on %s, the largest "
                        "number libseccomp knows of the profile's names; bpfgen's "
                        "tables know up to %d" % (x32_strip(ls_max), abi, ours))
        if abi == "i386" and name in ("socketcall", "ipc") and \
                ("i386: %s(" % name) in self.summary:
            return "deliberate: %s is fail-closed (the import's summary)" % name
        return None


# Deliberate: numbers at or above 0x80000000 without the x32 bit are no
# syscall of any x86_64 ABI. bpfgen's guard gives every number from
# 0x40000000 on (but -1) the on-x32 action before anything else, as
# libseccomp's own filter does; runc's stub, which runs before libseccomp's
# filter, answers ENOSYS there. Both refuse the call (README: importing).
NO_ABI_NR = ("deliberate: no ABI has this number; bpfgen's x32 guard decides it "
             "(on-x32) before the ENOSYS stub")


def x32_strip(nr):
    return nr & ~rs.X32_BIT


def compare(profile, target, mode, tmp, caps=None, kernel=None):
    """Disagreements between bpfgen and runc: (explained, unexplained,
    number of probes). CAPS (a list) and KERNEL ((major, minor)) as the
    container has them; None: Docker's default set, the newest kernel."""
    native = mode == "native"
    opts = ["--abi", "native"] if native else []
    if not COMPILER_HAS_ABI:
        opts.append("--no-enosys-stub")
    if caps is not None:
        opts += ["--caps", ",".join(caps) or "none"]
    if kernel is not None:
        opts += ["--kernel", "%d.%d" % kernel]
    caps = rs.DOCKER_CAPS if caps is None else caps
    ours = tmp / ("ours_%s.bpf" % target)
    r = bpfgen("-a", target, "-f", "raw", "-o", ours, *opts, PROFILES[profile])
    data = json.loads(PROFILES[profile].read_text())
    theirs = tmp / ("runc_%s.bpf" % target)
    rs.write_program(theirs, rs.runc_program(
        data, target, caps=caps, kernel=kernel, abis=("native",) if native else None,
        stub=COMPILER_HAS_ABI))
    sel = rs.moby_select(data, rs.HOST[target], caps, kernel)
    probes = cases(sel, target)
    lines = [c[2] for c in probes]
    a, b = bpfsim(ours, lines), bpfsim(theirs, lines)
    abis = (target,) if native else ABIS[target]
    explain = Explainer(sel, target, abis, COMPILER_HAS_ABI, r.stderr)
    explained, unexplained = [], []
    for (abi, nr, ln), x, y in zip(probes, a, b):
        if x == y:
            continue
        what = "%s: bpfgen %s, runc %s" % (ln.strip(), x, y)
        why = explain(abi, nr)
        (explained if why else unexplained).append("%s (%s)" % (what, why) if why else what)
    e, u = bpfdiff(ours, theirs, target, explain, not native)
    return explained + e, unexplained + u, len(probes)


# bpfdiff's lines: "x86_64: uretprobe (335): allow -> errno(1)",
# "x86_64: x32 read (0x40000000): ...", "x86_64: unnamed nrs 0x1d8..0x3fffffff:
# ...", "x86_64: other architectures: ...".
DIFF_NAMED = re.compile(r"^(\w+): (x32 )?[\w ]+ \((\d+|0x[0-9a-f]+)\): ")
DIFF_UNNAMED = re.compile(r"^(\w+): (x32 )?unnamed nrs (0x[0-9a-f]+)\.\.(0x[0-9a-f]+): ")


def bpfdiff(ours, theirs, target, explain, full):
    """bpfdiff's exhaustive comparison: every region where the programs
    decide apart, explained or not. In the full mode the regions of the
    other ABIs (i386, arm: "other architectures" to bpfdiff) are left to
    the probes, which try every number of those ABIs."""
    r = subprocess.run([str(BUILD / "bpfdiff"), "-a", target, str(ours), str(theirs)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode in (0, 1), r.stderr
    explained, unexplained = [], []
    if r.returncode == 0:
        assert r.stdout.strip() == "%s: equivalent" % target, r.stdout
        return explained, unexplained
    for ln in r.stdout.splitlines():
        m, u = DIFF_NAMED.match(ln), DIFF_UNNAMED.match(ln)
        why = None
        if m:
            abi = "x32" if m.group(2) else target
            why = explain(abi, x32_strip(int(m.group(3), 0)))
        elif u and not u.group(2) and target == "x86_64" and \
                int(u.group(3), 16) >= rs.X32_BIT and "nr & 0x40000000 == 0" in ln:
            why = explain(target, 0x80000000)
        elif u:
            abi = "x32" if u.group(2) else target
            lo, hi = x32_strip(int(u.group(3), 16)), x32_strip(int(u.group(4), 16))
            why = explain(abi, lo) if explain(abi, lo) and explain(abi, min(hi, lo + 64)) else None
        elif full and ln.startswith("%s: other architectures" % target):
            continue
        (explained if why else unexplained).append(
            "bpfdiff: %s (%s)" % (ln, why) if why else "bpfdiff: " + ln)
    return explained, unexplained


def test_compiler_support_matches_the_flag(tmp_path):
    """Fails when the compiler learns (or loses) the multi-ABI syntax:
    COMPILER_HAS_ABI must say what it has."""
    p = tmp_path / "abi.policy"
    p.write_text("default allow\nabi x86_64: native, i386, x32\non-newer errno(ENOSYS)\n"
                 "socketcall fail-open\n")
    r = bpfgen("-a", "x86_64", "-f", "raw", "-o", tmp_path / "abi.bpf", p, check=False)
    assert (r.returncode == 0) == COMPILER_HAS_ABI, (
        "the compiler %s the multi-ABI syntax: set COMPILER_HAS_ABI = %s in %s\n%s"
        % ("accepts" if r.returncode == 0 else "refuses", r.returncode == 0,
           __file__, r.stderr))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("mode", ("native", "full"))
def test_agrees_with_runc(profile, target, mode, tmp_path):
    if mode == "full" and not COMPILER_HAS_ABI:
        # What this compiler does with the full import: refuses the abi
        # line it does not know yet, saying where it comes from.
        r = bpfgen("-a", target, "-f", "raw", "-o", tmp_path / "x.bpf",
                   PROFILES[profile], check=False)
        assert r.returncode == 1
        assert re.search(r"\[%s\]:\d+:1: \$\.archMap\[\d\]: error: .*'abi'" % target,
                         r.stderr), r.stderr
        return
    explained, unexplained, n = compare(profile, target, mode, tmp_path)
    print("%s %s %s: %d probes, %d explained differences" % (
        profile, target, mode, n, len(explained)))
    for e in explained[:40]:
        print("  " + e)
    assert not unexplained, "%d unexplained disagreements with runc:\n%s" % (
        len(unexplained), "\n".join(unexplained[:40]))


ALL_CAPS = [c.strip('", ') for c in re.findall(r'"CAP_\w+"', (REPO / "import" / "names.c").read_text())]


@pytest.mark.parametrize("host", (
    ("all capabilities", sorted(set(ALL_CAPS)), None),
    ("no capability", [], None),
    ("CAP_SYS_ADMIN and CAP_SYS_PTRACE", ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"], None),
    ("kernel 4.7", None, (4, 7)),
    ("kernel 5.10", None, (5, 10)),
), ids=lambda h: h[0])
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_agrees_with_runc_on_other_containers(profile, host, tmp_path):
    """includes/excludes on capabilities and kernel versions: other
    containers than Docker's default, the same agreement (native mode
    until the compiler has abi; each target's own ABI)."""
    for target in TARGETS:
        mode = "full" if COMPILER_HAS_ABI else "native"
        explained, unexplained, n = compare(profile, target, mode, tmp_path,
                                            caps=host[1], kernel=host[2])
        assert not unexplained, "%s %s: %d unexplained:\n%s" % (
            target, host[0], len(unexplained), "\n".join(unexplained[:40]))
    assert len(ALL_CAPS) > 40


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_policy_text_compiles_to_the_same_bytes(profile, target, tmp_path):
    """JSON -> program and JSON -> -f policy -> program are the same bytes."""
    opts = [] if COMPILER_HAS_ABI else ["--abi", "native", "--no-enosys-stub"]
    direct, text, again = (tmp_path / "direct.bpf", tmp_path / "p.policy",
                           tmp_path / "again.bpf")
    bpfgen("-a", target, "-f", "raw", "-o", direct, *opts, PROFILES[profile])
    bpfgen("-a", target, "-f", "policy", "-o", text, *opts, PROFILES[profile])
    bpfgen("-a", target, "-f", "raw", "-o", again, text)
    assert direct.read_bytes() == again.read_bytes()
    assert len(direct.read_bytes()) > 8 * 50


def test_docker_differences_are_only_libseccomp_tables(tmp_path):
    """The explained differences on Docker's profile are syscalls libseccomp
    2.5.4 does not know (newer than its tables): name them, so that a
    change in them is seen."""
    explained, unexplained, _ = compare("docker", "x86_64", "native", tmp_path)
    assert not unexplained
    names = {m.group(1) for e in explained
             for m in [re.search(r"does not know (\w+)", e)] if m}
    assert all("libseccomp 2.5.4 does not know" in e or "stub" in e or NO_ABI_NR in e
               for e in explained)
    # Docker's profile allows these; runc with libseccomp 2.5.4 cannot.
    assert {"listmount", "statmount", "mseal"} <= names, sorted(names)
