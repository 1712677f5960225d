"""Hostile and oversized inputs: bpfgen must answer each with a clear
"FILE:LINE:COL: error:" (or, for a file it cannot read at all, "bpfgen:
error:"), or a documented warning, within a time bound; never a crash, a
hang, a sanitizer report or a partial output file."""

import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
BPFGEN = BUILD / "bpfgen"
TIME_LIMIT = 60          # seconds; generous for the sanitizer build
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")
POSITIONED = re.compile(r"^(.+?):(\d+):(\d+): (error|warning|note): ")


def bpfgen(policy, out, *extra):
    start = time.monotonic()
    try:
        proc = subprocess.run([str(BPFGEN), "-f", "raw", "-a", "x86_64", "-o", str(out),
                               *extra, str(policy)],
                              capture_output=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"bpfgen did not finish within {TIME_LIMIT} s on {policy}")
    proc.elapsed = time.monotonic() - start
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode >= 0, \
        f"killed by {signal.Signals(-proc.returncode).name}: {stderr[-2000:]}"
    for mark in SANITIZER_MARKS:
        assert mark not in stderr, stderr[-4000:]
    leftovers = [p.name for p in Path(out).parent.iterdir() if ".tmp." in p.name]
    assert not leftovers, f"temporary files left: {leftovers}"
    proc.lines = stderr.splitlines()
    return proc


def fails_with(proc, out, want):
    """Exit 1, no output file, and an error line matching regex WANT; every
    line is a positioned message or bpfgen's own."""
    assert proc.returncode == 1, f"exit {proc.returncode}: {proc.lines[:5]}"
    assert not Path(out).exists(), "output written for a failed compile"
    assert proc.stdout == b""
    for line in proc.lines:
        assert POSITIONED.match(line) or line.startswith("bpfgen: "), f"unclear message: {line!r}"
    assert any(re.fullmatch(want, line) for line in proc.lines), \
        f"no line matches {want!r}:\n" + "\n".join(proc.lines[:10])


def succeeds(proc, out):
    assert proc.returncode == 0, "\n".join(proc.lines[:10])
    size = Path(out).stat().st_size
    assert size > 0 and size % 8 == 0, f"raw output of {size} bytes"


def write(path, text):
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_unterminated_include(tmp_path):
    p = write(tmp_path / "p.policy", 'default allow\ninclude "other.policy\n')
    out = tmp_path / "out"
    fails_with(bpfgen(p, out), out,
               re.escape(f"{p}:2:9: error: string is not terminated before the end of the line"))


def test_include_cycle(tmp_path):
    a = write(tmp_path / "a.policy", 'default allow\ninclude "b.policy"\n')
    write(tmp_path / "b.policy", 'allow: read\ninclude "a.policy"\n')
    out = tmp_path / "out"
    fails_with(bpfgen(a, out), out,
               re.escape(f"{tmp_path}/b.policy:2:9: error: include cycle: "
                         f"'{tmp_path}/a.policy' includes itself"))


def test_self_include(tmp_path):
    a = write(tmp_path / "a.policy", 'default allow\ninclude "./a.policy"\n')
    out = tmp_path / "out"
    fails_with(bpfgen(a, out), out,
               re.escape(f"{a}:2:9: error: include cycle: '{tmp_path}/./a.policy' includes itself"))


def test_include_of_directory_and_missing_file(tmp_path):
    (tmp_path / "sub").mkdir()
    out = tmp_path / "out"
    p = write(tmp_path / "d.policy", 'default allow\ninclude "sub"\n')
    fails_with(bpfgen(p, out), out,
               re.escape(f"{p}:2:9: error: cannot read '{tmp_path}/sub': Is a directory"))
    p = write(tmp_path / "m.policy", 'default allow\ninclude "sub/none.policy"\n')
    fails_with(bpfgen(p, out), out,
               re.escape(f"{p}:2:9: error: cannot read '{tmp_path}/sub/none.policy': "
                         "No such file or directory"))


def test_policy_itself_missing_or_a_directory(tmp_path):
    out = tmp_path / "out"
    fails_with(bpfgen(tmp_path / "nope.policy", out), out,
               re.escape(f"bpfgen: error: cannot read '{tmp_path}/nope.policy': "
                         "No such file or directory"))
    fails_with(bpfgen(tmp_path, out), out,
               re.escape(f"bpfgen: error: cannot read '{tmp_path}': Is a directory"))


def test_ten_megabyte_line(tmp_path):
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy", "default allow\nallow: " + "a" * (10 << 20) + "\n")
    fails_with(bpfgen(p, out), out,
               re.escape(f"{p}:2:8: error: name is longer than 255 characters"))
    # The same length as a comment is just a long comment.
    p = write(tmp_path / "c.policy", "default allow\n#" + "x" * (10 << 20) + "\nallow: read\n")
    succeeds(bpfgen(p, out), out)


def test_nul_bytes(tmp_path):
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy", b"default allow\n\x00\x00\x00\nallow: re\x00ad\n")
    proc = bpfgen(p, out)
    fails_with(proc, out, re.escape(f"{p}:2:1: error: NUL byte in policy text"))
    assert f"{p}:3:10: error: NUL byte in policy text" in proc.lines
    # A NUL inside an include's name must not truncate it to another file.
    write(tmp_path / "a", "allow: read\n")
    p = write(tmp_path / "q.policy", b'default allow\ninclude "a\x00b"\n')
    fails_with(bpfgen(p, out), out, re.escape(f"{p}:2:11: error: ") + ".*")


def test_hundred_thousand_conditions(tmp_path):
    """The same condition 100,000 times is tested once (a test whose outcome
    the path already knows is dropped); 100,000 different ones cannot fit and
    are refused quickly."""
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy",
              "default allow\nerrno(1): read if arg0 == 1" + " && arg0 == 1" * 100_000 + "\n")
    proc = bpfgen(p, out)
    assert proc.returncode == 0, proc.lines[:5]
    assert Path(out).stat().st_size < 40 * 8
    assert proc.elapsed < 20, f"took {proc.elapsed:.1f} s (regression: it used to hang)"

    out = tmp_path / "out2"
    p = write(tmp_path / "q.policy",
              "default allow\nerrno(1): read if arg0 == 1"
              + "".join(f" && arg1 > {i}" for i in range(100_000)) + "\n")
    proc = bpfgen(p, out)
    fails_with(proc, out, re.escape(f"{p}:1:1: error: the x86_64 filter needs ") + r"(at least |more than )\d+"
               + re.escape(" instructions; the kernel accepts at most 4096 "
                           "(split the policy, or merge rules)"))
    assert proc.elapsed < 20, f"took {proc.elapsed:.1f} s"


def test_numbers_overflowing_64_bits(tmp_path):
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy",
              "default allow\nallow: read if arg0 == 99999999999999999999999999999999\n"
              "allow: write if arg1 == 0xffff_ffff_ffff_ffff_f\n"
              "errno(0b" + "1" * 65 + "): close\n")
    proc = bpfgen(p, out)
    for line, col in ((2, 24), (3, 25), (4, 7)):
        assert f"{p}:{line}:{col}: error: number does not fit in 64 bits" in proc.lines, proc.lines
    fails_with(proc, out, ".*")


def test_unknown_constants(tmp_path):
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy",
              "default errno(EPERMISSION)\nallow: openat if arg2 & O_RDONLYX == 0\n")
    proc = bpfgen(p, out)
    fails_with(proc, out, re.escape(f"{p}:1:15: error: unknown constant 'EPERMISSION'") + ".*")
    assert any(line.startswith(f"{p}:2:25: error: unknown constant 'O_RDONLYX'")
               for line in proc.lines), proc.lines


def test_duplicate_default(tmp_path):
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy", "default allow\n" * 3)
    proc = bpfgen(p, out)
    fails_with(proc, out, re.escape(f"{p}:2:1: error: 'default' is set twice (first at {p}:1:9)"))
    assert f"{p}:3:1: error: 'default' is set twice (first at {p}:1:9)" in proc.lines


def test_rules_that_never_match_warn_and_still_compile(tmp_path):
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy",
              "default allow\nkill-process: ptrace\nerrno(1): ptrace\n"
              "errno(2): read if arg0 < 0\nerrno(3): write if arg2 & 1 == 2\n")
    proc = bpfgen(p, out)
    succeeds(proc, out)
    never = ("this rule never applies: every syscall it names is decided by an "
             "earlier rule (line 2) [-Wshadowed]")
    cond = "this condition can never be true; the rule never applies [-Wnever]"
    warnings = [line for line in proc.lines if ": warning: " in line]
    assert sorted(warnings) == [f"{p}:3:1: warning: {never}", f"{p}:4:19: warning: {cond}",
                                f"{p}:5:20: warning: {cond}"], proc.lines
    assert all(": note: fix-it: " in line for line in proc.lines if line not in warnings)


def test_seventeen_megabyte_file(tmp_path):
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy", "default allow\n" + "# padding\n" * (17 * 1024 * 1024 // 10))
    fails_with(bpfgen(p, out), out,
               re.escape(f"bpfgen: error: cannot read '{p}': larger than 16 MiB"))
    q = write(tmp_path / "q.policy", 'default allow\ninclude "p.policy"\n')
    fails_with(bpfgen(q, out), out,
               re.escape(f"{q}:2:9: error: cannot read '{tmp_path}/p.policy': larger than 16 MiB"))


def test_endless_include(tmp_path):
    """/dev/zero never ends: the size limit stops it."""
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy", 'default allow\ninclude "/dev/zero"\n')
    fails_with(bpfgen(p, out), out,
               re.escape(f"{p}:2:9: error: cannot read '/dev/zero': larger than 16 MiB"))


@pytest.mark.parametrize("seed", range(12))
def test_binary_garbage(tmp_path, seed):
    rng = random.Random(seed)
    out = tmp_path / "out"
    size = rng.choice([1, 100, 4096, 1 << 20])
    data = bytes(rng.getrandbits(8) for _ in range(min(size, 4096)))
    data = (data * (size // len(data) + 1))[:size]
    if seed % 3 == 0:
        data = b"default allow\n" + data
    p = write(tmp_path / "p.policy", data)
    proc = bpfgen(p, out)
    fails_with(proc, out, re.escape(f"{p}:") + r"\d+:\d+: error: .*")
    assert sum(": error: " in line for line in proc.lines) <= 50, "errors are capped at 50"


def test_printable_garbage_with_policy_words(tmp_path):
    rng = random.Random(7)
    words = ["default", "allow", "errno(", ")", "if", "arg0", "&&", "==", ",", ":", "@network",
             "include", '"', "lo32(", "0x", "&", "|", "\n", "kill-process", "<=", "read", "#"]
    out = tmp_path / "out"
    for i in range(30):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 400)))
        p = write(tmp_path / f"g{i}.policy", text)
        proc = bpfgen(p, out)
        assert proc.returncode in (0, 1), proc.lines
        if proc.returncode == 1:
            fails_with(proc, out, r".*: error: .*")
        else:
            succeeds(proc, out)
            out.unlink()


def test_deeply_nested_includes(tmp_path):
    out = tmp_path / "out"
    for i in range(40):
        write(tmp_path / f"n{i}.policy",
              ("default allow\n" if i == 0 else "") + f'include "n{i + 1}.policy"\n')
    write(tmp_path / "n40.policy", "allow: read\n")
    fails_with(bpfgen(tmp_path / "n0.policy", out), out,
               re.escape(f"{tmp_path}/n16.policy:1:9: error: includes nest deeper than 16 levels"))


def test_many_conditional_rules_hit_the_instruction_limit(tmp_path):
    out = tmp_path / "out"
    rules = "".join(f"errno({i % 4000 + 1}): read if arg0 == {i}\n" for i in range(4000))
    p = write(tmp_path / "p.policy", "default allow\n" + rules)
    proc = bpfgen(p, out)
    fails_with(proc, out, re.escape(f"{p}:1:1: error: the x86_64 filter needs ") + r"(at least |more than )?\d+"
               + re.escape(" instructions; the kernel accepts at most 4096 "
                           "(split the policy, or merge rules)"))


def test_many_unconditional_rules_compile(tmp_path):
    """4000 rules naming syscalls one by one: ranges keep the program small."""
    out = tmp_path / "out"
    listing = subprocess.run([str(BPFGEN), "--list-groups"], capture_output=True, text=True,
                             timeout=TIME_LIMIT, check=True).stdout
    # Member lines are indented; the "@group: doc" lines are not.
    names = sorted({w for line in listing.splitlines() if line.startswith(" ")
                    for w in line.split()})
    assert len(names) > 30
    rules = "".join(f"errno({i % 100 + 1}): {names[i % len(names)]}\n" for i in range(4000))
    p = write(tmp_path / "p.policy", "default allow\n" + rules)
    proc = bpfgen(p, out)
    succeeds(proc, out)
    assert all(": warning: this rule never applies" in line or ": note: fix-it: " in line
               for line in proc.lines), proc.lines[:5]
    assert Path(out).stat().st_size <= 4096 * 8


def test_many_errors_are_capped_quickly(tmp_path):
    out = tmp_path / "out"
    p = write(tmp_path / "p.policy", "default allow\n" + "bogus: read\n" * 200_000)
    proc = bpfgen(p, out)
    fails_with(proc, out, re.escape(f"{p}:2:1: error: unknown action 'bogus'") + ".*")
    assert sum(": error: " in line for line in proc.lines) == 50
    assert proc.elapsed < 20


def test_empty_and_comment_only_policies(tmp_path):
    out = tmp_path / "out"
    for name, text in (("empty", ""), ("comments", "# nothing\n\n   # at all\n"), ("crlf", "\r\n\r\n")):
        p = write(tmp_path / f"{name}.policy", text)
        fails_with(bpfgen(p, out), out,
                   re.escape(f"{p}:1:1: error: the policy has no 'default' action "
                             "(add e.g. 'default kill-process' or 'default allow')"))


def test_existing_output_survives_every_failure(tmp_path):
    out = tmp_path / "out"
    out.write_bytes(b"precious")
    p = write(tmp_path / "p.policy", b"default allow\n\xff\xfe garbage\n")
    fails = bpfgen(p, out)
    assert fails.returncode == 1
    assert out.read_bytes() == b"precious"
