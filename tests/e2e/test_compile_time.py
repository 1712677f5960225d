"""Compile time must not go pathological again (issue 12).

Each compile-time shape of `make bench` (bench/gen_policies.py: random
multi-condition rules, an ioctl allow-list, long conjunctions) and the
benchmark policies are compiled once, in-process (build/bench/compile_time),
for both architectures, with a generous ceiling: ten times the bench's
target of 100 ms (the sanitizer build gets more). The real numbers are in
`make bench` and the README; this only catches a return of the seconds-long
cases. The search's step count (bpfgen -v) is deterministic: doubling a
shape must not much more than double it.
"""

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
COMPILE_TIME = BUILD / "bench" / "compile_time"
sys.path.insert(0, str(REPO / "bench"))
import gen_policies  # noqa: E402

SANITIZED = "san" in BUILD.parts
CEILING_MS = 1000 * (10 if SANITIZED else 1)
SHAPES = [(kind, n) for kind, (_, sizes) in gen_policies.SHAPES.items() for n in sizes]
POLICIES = ["policies/pvf-worker.policy", "bench/policies/container.policy",
            "bench/policies/args.policy", "bench/policies/large.policy"]


@pytest.fixture(scope="module")
def compile_time():
    if not COMPILE_TIME.exists():
        subprocess.run(["make", "BUILD=%s" % BUILD, str(COMPILE_TIME)], cwd=REPO,
                       check=True, capture_output=True)
    return COMPILE_TIME


def timed(compile_time, policy):
    out = subprocess.run([str(compile_time), str(policy), "1", "x86_64", "aarch64"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return float(out.split()[0]), "refused" in out


def shape_file(tmp_path, kind, n):
    path = tmp_path / ("%s-%d.policy" % (kind, n))
    path.write_text(gen_policies.SHAPES[kind][0](n))
    return path


@pytest.mark.parametrize("kind,n", SHAPES)
def test_shape_compiles_in_bounded_time(tmp_path, compile_time, kind, n):
    ms, refused = timed(compile_time, shape_file(tmp_path, kind, n))
    assert ms < CEILING_MS, "%s %d took %.0f ms (ceiling %d ms)" % (kind, n, ms, CEILING_MS)
    # Only the 800-rule shape is over the kernel's limit.
    assert refused == (kind == "multi" and n == 800)


@pytest.mark.parametrize("policy", POLICIES)
def test_benchmark_policy_compiles_in_bounded_time(compile_time, policy):
    ms, refused = timed(compile_time, REPO / policy)
    assert not refused
    assert ms < CEILING_MS, "%s took %.0f ms (ceiling %d ms)" % (policy, ms, CEILING_MS)


def steps(policy):
    r = subprocess.run([str(BUILD / "bpfgen"), "-v", "-a", "x86_64", "-f", "raw",
                        "-o", os.devnull, str(policy)], capture_output=True, text=True,
                       timeout=60)
    m = re.search(r"^x86_64: search: (\d+) steps", r.stderr, re.M)
    assert m, r.stderr
    return int(m.group(1))


@pytest.mark.parametrize("kind", ["multi", "ioctl", "conj"])
def test_work_grows_about_linearly(tmp_path, kind):
    """The deterministic step count, per doubling of the shape's size
    (bench target 2.5; a little slack here for the last sizes)."""
    sizes = [n for k, n in SHAPES if k == kind and not (k == "multi" and n == 800)]
    counts = [steps(shape_file(tmp_path, kind, n)) for n in sizes]
    for (a, sa), (b, sb) in zip(zip(sizes, counts), zip(sizes[1:], counts[1:])):
        per_doubling = (sb / sa) ** (1 / math.log2(b / a))
        assert per_doubling <= 3.0, "%s %d -> %d: steps %d -> %d" % (kind, a, b, sa, sb)


def test_verbose_says_when_a_budget_ran_out(tmp_path):
    """-v reports the steps, and a walk that stopped specialising."""
    r = subprocess.run([str(BUILD / "bpfgen"), "-v", "-o", os.devnull,
                        str(shape_file(tmp_path, "multi", 200))],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    for arch in ("x86_64", "aarch64"):
        assert re.search(r"^%s: search: \d+ steps \(argument-test walks \d+ points" % arch,
                         r.stderr, re.M), r.stderr
    assert "ran out of its budget" in r.stderr, r.stderr


def test_what_cannot_fit_is_refused_with_a_lower_bound(tmp_path):
    r = subprocess.run([str(BUILD / "bpfgen"), "-a", "x86_64", "-o", os.devnull,
                        str(shape_file(tmp_path, "multi", 800))],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert re.search(r"error: the x86_64 filter needs at least \d+ instructions; the kernel "
                     r"accepts at most 4096", r.stderr), r.stderr
