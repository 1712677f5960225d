"""bpfdiff end to end: planted differences found with witnesses that bpfsim
confirms, differently shaped programs with the same meaning reported
equivalent, raw/header/policy inputs, and the exit codes."""
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
BPFDIFF = os.path.join(BUILD, "bpfdiff")
BPFGEN = os.path.join(BUILD, "bpfgen")
BPFASM = os.path.join(BUILD, "bpfasm")
BPFSIM = os.path.join(BUILD, "bpfsim")
WORKER = os.path.join(ROOT, "policies", "pvf-worker.policy")
FEATURES = os.path.join(ROOT, "tests", "e2e", "policies", "features.policy")

BASE = """\
default allow
kill-process: socket
trace(7): openat if arg2 & O_CREAT == O_CREAT && arg64(arg3) >= 0o600
errno(EPERM): ptrace
"""

# The same meaning: rules whose syscalls do not overlap, reordered.
REORDERED = """\
default allow
errno(EPERM): ptrace
trace(7): openat if arg2 & O_CREAT == O_CREAT && arg64(arg3) >= 0o600
kill-process: socket
"""

# BASE written by hand for x86_64: a linear chain, the bit test by and +
# jeq, the 64-bit bound by a high-word test and a jgt.
HAND = """\
        ld [arch]
        jne #AUDIT_ARCH_X86_64, kill
        ld [nr]
        jeq #0xffffffff, ok
        jge #__X32_SYSCALL_BIT, kill
        jeq #__NR_socket, kill
        jeq #__NR_ptrace, eperm
        jne #__NR_openat, ok
        ld [arg2.lo]
        and #0x40
        jeq #0, ok
        ld [arg3.hi]
        jne #0, tr
        ld [arg3.lo]
        jgt #0x17f, tr, ok
eperm:  ret errno(1)
tr:     ret trace(7)
ok:     ret allow
kill:   ret kill-process
"""

LINE = re.compile(r"^(?P<arch>\w+): (?P<what>.+?): (?:when (?P<when>.*): )?"
                  r"(?P<a>\S+) -> (?P<b>\S+?)(?: \(e\.g\. (?P<eg>.*)\))?$")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def diff(*args):
    return run([BPFDIFF] + [str(a) for a in args])


def gen(tmp_path, policy, name, *opts):
    out = tmp_path / name
    p = run([BPFGEN] + list(opts) + ["-o", str(out), policy])
    assert p.returncode == 0, p.stderr
    return str(out)


def lines(p):
    return [LINE.match(l) for l in p.stdout.splitlines()
            if not l.endswith(": equivalent")]


def parse_witness(m):
    """(nr or None, arch token or None, ip, [args]) from a report line."""
    w = dict(kv.split("=") for kv in (m["eg"] or "").split())
    args = [int(w.get("arg%d" % k, "0"), 16) for k in range(6)]
    nr = w.get("nr")
    if nr is None:
        nr = re.search(r"\((0x[0-9a-f]+|\d+)\)$", m["what"]).group(1)
    return (int(nr, 0), w.get("arch"), int(w.get("ip", "0"), 16), args)


def sim(raw, arch, nr, token, ip, args):
    cmd = [BPFSIM, "-a", arch]
    if token is not None:
        cmd += ["--arch-token", token]
    cmd += ["--ip", hex(ip), raw, str(nr)] + [str(a) for a in args]
    p = run(cmd)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()[0]


def check_witnesses(tmp_path, p, raw_a, raw_b):
    """Every line's example input, run in bpfsim on both raw programs per
    architecture, gives exactly the two actions the line names."""
    found = lines(p)
    assert found and all(found), p.stdout
    for m in found:
        nr, token, ip, args = parse_witness(m)
        arch = m["arch"]
        assert sim(raw_a[arch], arch, nr, token, ip, args) == m["a"], m.group(0)
        assert sim(raw_b[arch], arch, nr, token, ip, args) == m["b"], m.group(0)
    return found


WHOLE = re.compile(r"\barg(\d) (in (0x[0-9a-f]+)\.\.(0x[0-9a-f]+)|>= (0x[0-9a-f]+)|"
                   r"<= (0x[0-9a-f]+)|== (0x[0-9a-f]+))(?= and|$)")


def check_range_ends(p, raw_a, raw_b):
    """For each whole-argument range on a line (the argument's only
    condition there), both ends of the range, with the rest of the example
    input, act as the line says: merged ranges are no wider than the truth."""
    checked = 0
    for m in lines(p):
        if not m["when"]:
            continue
        for w in WHOLE.finditer(m["when"]):
            k = int(w.group(1))
            if len(re.findall(r"\barg%d\b" % k, m["when"])) != 1:
                continue
            lo = int(w.group(3) or w.group(5) or w.group(7) or "0", 16)
            hi = int(w.group(4) or w.group(6) or w.group(7) or
                     "0xffffffffffffffff", 16)
            nr, token, ip, args = parse_witness(m)
            for end in (lo, hi):
                args[k] = end
                arch = m["arch"]
                assert sim(raw_a[arch], arch, nr, token, ip, args) == m["a"], (m.group(0), hex(end))
                assert sim(raw_b[arch], arch, nr, token, ip, args) == m["b"], (m.group(0), hex(end))
                checked += 1
    return checked


def raws(tmp_path, policy, tag):
    return {a: gen(tmp_path, policy, "%s-%s.bpf" % (tag, a), "-f", "raw", "-a", a)
            for a in ("x86_64", "aarch64")}


def test_planted_syscall_change(tmp_path):
    a = write(tmp_path, "a.policy", BASE)
    b = write(tmp_path, "b.policy", BASE.replace("kill-process: socket\n", ""))
    p = diff(a, b)
    assert p.returncode == 1, p.stderr
    assert p.stdout.splitlines() == [
        "x86_64: socket (41): kill-process -> allow",
        "aarch64: socket (198): kill-process -> allow",
    ]


def test_planted_argument_range_change_with_witness(tmp_path):
    a = write(tmp_path, "a.policy", BASE)
    b = write(tmp_path, "b.policy", BASE.replace("0o600", "0o700"))
    p = diff(a, b)
    assert p.returncode == 1, p.stderr
    found = check_witnesses(tmp_path, p, raws(tmp_path, a, "a"), raws(tmp_path, b, "b"))
    assert [m.group(0) for m in found] == [
        "x86_64: openat (257): when arg2.lo & 0x40 != 0 and arg3 in 0x180..0x1bf:"
        " trace(7) -> allow (e.g. arg2=0x40 arg3=0x180)",
        "aarch64: openat (56): when arg2.lo & 0x40 != 0 and arg3 in 0x180..0x1bf:"
        " trace(7) -> allow (e.g. arg2=0x40 arg3=0x180)",
    ]
    # The region's far end differs too, and one past it does not.
    r = raws(tmp_path, a, "a2"), raws(tmp_path, b, "b2")
    for arg3, same in ((0x1bf, False), (0x1c0, True), (0x17f, True)):
        acts = [sim(x["x86_64"], "x86_64", 257, None, 0, [0, 0, 0x40, arg3])
                for x in r]
        assert (acts[0] == acts[1]) == same, (hex(arg3), acts)


def test_reordered_rules_are_equivalent(tmp_path):
    a = write(tmp_path, "a.policy", BASE)
    b = write(tmp_path, "b.policy", REORDERED)
    p = diff(a, b)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.splitlines() == ["x86_64: equivalent", "aarch64: equivalent"]


def test_hand_written_listing_equals_compiled_policy(tmp_path):
    src = write(tmp_path, "hand.asm", HAND)
    raw = tmp_path / "hand.bpf"
    p = run([BPFASM, "-a", "x86_64", "-o", str(raw), src])
    assert p.returncode == 0, p.stderr
    a = write(tmp_path, "a.policy", BASE)
    p = diff("-a", "x86_64", raw, a)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout == "x86_64: equivalent\n"
    # One constant off by one in the hand-written program is found.
    src2 = write(tmp_path, "hand2.asm", HAND.replace("#0x17f", "#0x180"))
    p = run([BPFASM, "-a", "x86_64", "-o", str(tmp_path / "hand2.bpf"), src2])
    assert p.returncode == 0, p.stderr
    p = diff("-a", "x86_64", tmp_path / "hand2.bpf", a)
    assert p.returncode == 1
    assert p.stdout == ("x86_64: openat (257): when arg2.lo & 0x40 != 0 and "
                        "arg3 == 0x180: allow -> trace(7) (e.g. arg2=0x40 arg3=0x180)\n")


def test_weighted_build_equals_balanced_build(tmp_path):
    weights = write(tmp_path, "hot.txt", "read 1000\nwrite 900\nfutex 500\n"
                    "openat 200\nmmap 100\nclose 90\n")
    balanced = gen(tmp_path, WORKER, "balanced.h", "-n", "w")
    weighted = gen(tmp_path, WORKER, "weighted.h", "-n", "w", "--weights", weights)
    assert open(balanced).read() != open(weighted).read(), \
        "the weights should change the program's shape"
    p = diff(balanced, weighted)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.splitlines() == ["x86_64: equivalent", "aarch64: equivalent"]
    # And a policy against its own compiled header.
    p = diff(WORKER, balanced)
    assert p.returncode == 0, p.stdout + p.stderr


def test_many_differences_all_confirmed_by_bpfsim(tmp_path):
    """Two unrelated policies: every reported example input acts as the
    line says in both programs (named syscalls, x32 and argument rules)."""
    p = diff(WORKER, FEATURES)
    assert p.returncode == 1, p.stderr
    ra, rb = raws(tmp_path, WORKER, "w"), raws(tmp_path, FEATURES, "f")
    found = check_witnesses(tmp_path, p, ra, rb)
    assert len(found) > 20
    # getppid's 64-bit ranges, merged from one path per high-word case.
    assert "x86_64: getppid (110): when arg0 in 0x100000001..0x200000000: " \
        "allow -> errno(7) (e.g. arg0=0x100000001)" in p.stdout.splitlines()
    assert check_range_ends(p, ra, rb) >= 8


def test_x32_unnamed_numbers_and_foreign_architectures(tmp_path):
    a = write(tmp_path, "a.policy", "default allow\n")
    b = write(tmp_path, "b.policy", "default allow\non-x32 errno(EPERM)\n"
              "on-bad-arch trap\n")
    p = diff("-a", "x86_64", a, b)
    assert p.returncode == 1, p.stderr
    out = p.stdout.splitlines()
    assert "x86_64: x32 read (0x40000000): kill-process -> errno(1)" in out
    assert any(l.startswith("x86_64: unnamed nrs ") and "kill-process -> errno(1)" in l
               for l in out), out
    foreign = [l for l in out if l.startswith("x86_64: other architectures: ")]
    assert foreign == ["x86_64: other architectures: when arch != 0xc000003e (x86_64):"
                       " kill-process -> trap (e.g. nr=0x0 arch=0x0)"]
    check_witnesses(tmp_path, p, {"x86_64": raws(tmp_path, a, "a")["x86_64"]},
                    {"x86_64": raws(tmp_path, b, "b")["x86_64"]})


def test_inputs_raw_header_policy(tmp_path):
    a = write(tmp_path, "a.policy", BASE)
    b = write(tmp_path, "b.policy", BASE.replace("errno(EPERM)", "errno(EACCES)"))
    header = gen(tmp_path, a, "a.h", "-n", "a")
    raw_b = gen(tmp_path, b, "b.bpf", "-f", "raw", "-a", "aarch64")
    want = "aarch64: ptrace (117): errno(1) -> errno(13)\n"
    p = diff("-a", "aarch64", header, raw_b)
    assert (p.returncode, p.stdout) == (1, want), p.stderr
    p = diff(header, b)
    assert p.returncode == 1
    assert p.stdout == "x86_64: ptrace (101): errno(1) -> errno(13)\n" + want
    # Only the architectures both inputs have.
    p = diff(gen(tmp_path, a, "x.h", "-n", "x", "-a", "x86_64"), b)
    assert (p.returncode, p.stdout) == (1, "x86_64: ptrace (101): errno(1) -> errno(13)\n")


def test_quiet(tmp_path):
    a = write(tmp_path, "a.policy", BASE)
    b = write(tmp_path, "b.policy", REORDERED.replace("EPERM", "EIO"))
    p = diff("-q", a, b)
    assert (p.returncode, p.stdout) == (1, "")
    p = diff("-q", a, a)
    assert (p.returncode, p.stdout) == (0, "")


@pytest.mark.parametrize("case", ["raw_without_arch", "missing", "bad_policy",
                                  "no_common_arch", "refused_filter",
                                  "computes_on_word", "usage"])
def test_errors_exit_2(tmp_path, case):
    a = write(tmp_path, "a.policy", BASE)
    raw = gen(tmp_path, a, "a.bpf", "-f", "raw", "-a", "x86_64")
    if case == "raw_without_arch":
        args, msg = [raw, raw], "give -a ARCH"
    elif case == "missing":
        args, msg = [a, tmp_path / "nope.policy"], "nope.policy"
    elif case == "bad_policy":
        args, msg = [a, write(tmp_path, "bad.policy", "default allow\nallow: sockett\n")], \
            "does not compile"
    elif case == "no_common_arch":
        args, msg = [gen(tmp_path, a, "x.h", "-n", "x", "-a", "x86_64"),
                     gen(tmp_path, a, "y.h", "-n", "y", "-a", "aarch64")], \
            "no architecture in common"
    elif case == "refused_filter":
        bad = tmp_path / "bad.bpf"
        bad.write_bytes(bytes.fromhex("2000000000000000"))  # ld [nr], no ret
        args, msg = ["-a", "x86_64", raw, bad], "kernel would refuse"
    elif case == "computes_on_word":
        src = write(tmp_path, "add.asm", "ld [nr]\nadd #1\njeq #42, k, ok\n"
                    "ok: ret allow\nk: ret kill-process\n")
        out = tmp_path / "add.bpf"
        p = run([BPFASM, "-a", "x86_64", "-o", str(out), src])
        assert p.returncode == 0, p.stderr
        args, msg = ["-a", "x86_64", raw, out], "insn 1 (add #0x1) computes on a loaded word"
    else:
        args, msg = [a], "expected two inputs"
    p = diff(*args)
    assert p.returncode == 2, p.stdout + p.stderr
    assert msg in p.stderr, p.stderr
