"""bpfgen --stats, the cost budgets (--max-insns, --max-insns-per-syscall)
and --weights, end to end. Every number bpfgen reports is recomputed here
independently: lengths from the raw program, instruction counts by running
it in bpfsim for every syscall number."""
import math
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
BPFGEN = os.path.join(BUILD, "bpfgen")
BPFSIM = os.path.join(BUILD, "bpfsim")
WORKER = os.path.join(ROOT, "policies", "pvf-worker.policy")
ARCHS = ("x86_64", "aarch64")
STATS_RE = re.compile(
    r"^(?P<arch>\w+): (?P<len>\d+) instructions; per syscall: max (?P<max>\d+), "
    r"mean (?P<mean>[\d.]+) \(all numbers\), (?P<named>[\d.]+) \(named in the policy\); "
    r"lower bound (?P<lb>\d+), max without argument checks (?P<maxnr>\d+); "
    r"(?P<const>\d+) of (?P<allowed>\d+) unconditionally allowed syscalls are constant "
    r"for the kernel's action cache$", re.M)


def run(*args, check=True):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"{args} failed ({r.returncode}): {r.stderr}")
    return r


def table(arch):
    """name -> number, from the generated table bpfgen itself uses."""
    with open(os.path.join(ROOT, "arch", f"syscalls_{arch}.c")) as f:
        return {m.group(1): int(m.group(2))
                for m in re.finditer(r'\{ "(\w+)", (\d+)u \}', f.read())}


def stats(policy, *extra):
    r = run(BPFGEN, "--stats", "-o", os.devnull, *extra, policy)
    got = {m.group("arch"): m for m in STATS_RE.finditer(r.stderr)}
    assert set(got) == set(ARCHS), f"unexpected --stats output:\n{r.stderr}"
    return got


def raw(tmp_path, policy, arch, *extra):
    out = str(tmp_path / f"{os.path.basename(policy)}.{arch}.{len(extra)}.bpf")
    run(BPFGEN, "-a", arch, "-f", "raw", "-o", out, *extra, policy)
    return out


def audit_arch(prog, arch):
    out = run(os.path.join(BUILD, "bpfdis"), "-a", arch, prog).stdout
    return int(re.search(r"jeq #(0x[0-9a-f]+).*AUDIT_ARCH", out).group(1), 16)


def counts(prog, arch, nrs, args):
    """(action, instructions) for each number in NRS with the 6 ARGS."""
    token = audit_arch(prog, arch)
    text = "".join(f"{nr:x} {token:x} " + " ".join(f"{a:x}" for a in args) + "\n"
                   for nr in nrs)
    r = subprocess.run([BPFSIM, "--batch", prog], input=text, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    res = [(line.rsplit(" ", 1)[0], int(line.rsplit(" ", 1)[1]))
           for line in r.stdout.splitlines()]
    assert len(res) == len(nrs), r.stderr
    return res


def path_lengths(prog, arch, nrs):
    """Instructions per number: the longer of the all-zero and all-ones
    argument vectors, as --stats defines it."""
    zeros = counts(prog, arch, nrs, [0] * 6)
    ones = counts(prog, arch, nrs, [2**64 - 1] * 6)
    return [max(a[1], b[1]) for a, b in zip(zeros, ones)]


ARGS_POLICY = """\
default allow
on-bad-arch kill-process
on-x32 kill-process
kill-process: socket, connect
errno(EPERM): personality if arg0 != 0xffffffff
errno(EACCES): openat if arg2 & 0x40 == 0x40 && arg3 > 0x1ff
errno(ENOENT): futex if arg64(arg1) == 0x100000000
"""


@pytest.fixture
def args_policy(tmp_path):
    p = tmp_path / "args.policy"
    p.write_text(ARGS_POLICY)
    return str(p)


# ---- --stats ---------------------------------------------------------------

@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("which", ["worker", "args"])
def test_stats_numbers_match_the_program_run_in_bpfsim(tmp_path, args_policy, arch, which):
    policy = WORKER if which == "worker" else args_policy
    names = (["socket", "socketpair", "connect", "io_uring_setup", "io_uring_enter",
              "io_uring_register"] if which == "worker"
             else ["socket", "connect", "personality", "openat", "futex"])
    s = stats(policy)[arch]
    prog = raw(tmp_path, policy, arch)
    t = table(arch)
    nrs = list(range(max(t.values()) + 1))
    lens = path_lengths(prog, arch, nrs)
    assert int(s["len"]) == os.path.getsize(prog) // 8
    assert int(s["max"]) == max(lens)
    assert float(s["mean"]) == pytest.approx(sum(lens) / len(lens), abs=0.005)
    named = [lens[t[n]] for n in names]
    assert float(s["named"]) == pytest.approx(sum(named) / len(named), abs=0.005)
    # Syscalls decided by number alone never run longer than the maximum,
    # and within two of the bound of a binary search over the ranges
    # (chains of jeq may even go below it).
    assert int(s["maxnr"]) <= min(int(s["max"]), int(s["lb"]) + 2)


@pytest.mark.parametrize("arch,prologue", [("x86_64", 4), ("aarch64", 3)])
def test_lower_bound_is_prologue_plus_tree_depth_plus_return(arch, prologue):
    # Worker ranges on both: below socket, socket(+connect or socketpair
    # next to it), ..., io_uring_setup..register, above: 7 ranges.
    s = stats(WORKER)[arch]
    assert int(s["lb"]) == prologue + math.ceil(math.log2(7)) + 1
    # The balanced tree reaches it exactly for calls decided by number.
    assert int(s["maxnr"]) == int(s["lb"])


@pytest.mark.parametrize("arch", ARCHS)
def test_every_allowed_syscall_of_the_worker_is_constant_for_the_cache(arch):
    s = stats(WORKER)[arch]
    denied = 6  # socket, socketpair, connect, three io_uring calls
    assert int(s["allowed"]) == len(table(arch)) - denied
    assert int(s["const"]) == int(s["allowed"])


def test_stats_alone_writes_the_output_too(tmp_path):
    out = tmp_path / "w.h"
    r = run(BPFGEN, "--stats", "-o", str(out), WORKER)
    assert STATS_RE.search(r.stderr)
    assert "struct sock_filter" in out.read_text()


# ---- budgets -----------------------------------------------------------------

@pytest.mark.parametrize("option,field", [("--max-insns", "len"),
                                          ("--max-insns-per-syscall", "max")])
def test_a_budget_below_the_measured_cost_fails_without_output(tmp_path, args_policy,
                                                                option, field):
    s = stats(args_policy)
    worst_arch = max(ARCHS, key=lambda a: int(s[a][field]))
    cost = int(s[worst_arch][field])
    out = tmp_path / "f.h"
    r = run(BPFGEN, option, str(cost - 1), "-o", str(out), args_policy, check=False)
    assert r.returncode != 0
    assert not out.exists(), "a failed build must not leave an output file"
    assert f"the budget ({option}) is {cost - 1}" in r.stderr, r.stderr
    assert f"{worst_arch} filter" in r.stderr
    assert re.search(r"error: .*\b%d\b" % cost, r.stderr), r.stderr


@pytest.mark.parametrize("option,field", [("--max-insns", "len"),
                                          ("--max-insns-per-syscall", "max")])
def test_a_budget_at_or_above_the_measured_cost_passes(tmp_path, args_policy, option, field):
    s = stats(args_policy)
    cost = max(int(s[a][field]) for a in ARCHS)
    for budget in (cost, cost + 100):
        out = tmp_path / f"f{budget}.h"
        r = run(BPFGEN, option, str(budget), "-o", str(out), args_policy, check=False)
        assert r.returncode == 0, r.stderr
        assert "error" not in r.stderr
        assert "struct sock_filter" in out.read_text()


def test_one_architecture_over_budget_fails_the_whole_build(tmp_path):
    # x86_64's prologue is one instruction longer (the x32 guard), so a
    # budget equal to aarch64's length fails x86_64 alone.
    s = stats(WORKER)
    assert int(s["x86_64"]["len"]) > int(s["aarch64"]["len"])
    out = tmp_path / "w.h"
    r = run(BPFGEN, "--max-insns", s["aarch64"]["len"], "-o", str(out), WORKER, check=False)
    assert r.returncode != 0 and not out.exists()
    assert "x86_64 filter has" in r.stderr and "aarch64 filter has" not in r.stderr


@pytest.mark.parametrize("value", ["0", "-3", "ten", "5x", ""])
def test_budgets_must_be_positive_numbers(value):
    r = run(BPFGEN, "--max-insns-per-syscall", value, WORKER, check=False)
    assert r.returncode == 2
    assert "--max-insns-per-syscall wants a positive number" in r.stderr


# ---- weights -------------------------------------------------------------------

def striped_policy(path, arch):
    """Every third syscall killed: well over a hundred ranges."""
    t = table(arch)
    names = [n for n, nr in sorted(t.items(), key=lambda x: x[1]) if nr % 3 == 0]
    path.write_text("default allow\non-bad-arch kill-process\non-x32 kill-process\n"
                    "kill-process: " + ", ".join(names) + "\n")
    return str(path)


HOT = {"read": 90000, "write": 60000, "futex": 40000, "epoll_pwait": 20000,
       "close": 9000, "openat": 5000}


@pytest.mark.parametrize("arch", ARCHS)
def test_weights_decide_hot_syscalls_sooner_within_one_of_balanced(tmp_path, arch):
    policy = striped_policy(tmp_path / "striped.policy", arch)
    weights = tmp_path / "hot.txt"
    weights.write_text("# name count, as strace -c prints them\n" +
                       "".join(f"{n} {c}\n" for n, c in HOT.items()) +
                       "not_a_syscall 5\n")
    t = table(arch)
    nrs = list(range(max(t.values()) + 1))
    plain = raw(tmp_path, policy, arch)
    hot = raw(tmp_path, policy, arch, "--weights", str(weights))
    base = counts(plain, arch, nrs, [0] * 6)
    weighted = counts(hot, arch, nrs, [0] * 6)
    # Same decisions for every number.
    assert [a for a, _ in base] == [a for a, _ in weighted]
    before = {n: base[t[n]][1] for n in HOT}
    after = {n: weighted[t[n]][1] for n in HOT}
    assert after["read"] < before["read"], (before, after)
    assert sum(after[n] * c for n, c in HOT.items()) < \
        sum(before[n] * c for n, c in HOT.items()), (before, after)
    # No path longer than the balanced tree's worst case plus one.
    assert max(c for _, c in weighted) <= max(c for _, c in base) + 1
    s = stats(policy, "--weights", str(weights))[arch]
    assert int(s["max"]) <= int(stats(policy)[arch]["max"]) + 1


def test_weights_file_errors_are_reported_and_fail_the_build(tmp_path):
    weights = tmp_path / "hot.txt"
    weights.write_text("read 10\nwrite many\n")
    out = tmp_path / "w.h"
    r = run(BPFGEN, "--weights", str(weights), "-o", str(out), WORKER, check=False)
    assert r.returncode != 0 and not out.exists()
    assert f"{weights}:2:7: error: 'many' is not a non-negative count" in r.stderr, r.stderr
