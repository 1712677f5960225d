"""bpfsim end to end: the command line, and agreement with the running
kernel. Every program here is also installed for real, by the tryfilter
helper in a forked child (never in this process), and the kernel's answer
must match bpfsim's, both for what the checker refuses and for what an
accepted filter decides."""

import os
import random
import struct
import subprocess
from pathlib import Path

import pytest

import ia32

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
BPFSIM = BUILD / "bpfsim"
TRYFILTER = BUILD / "tests" / "tryfilter"

# Opcodes (classic BPF, as in <linux/filter.h>).
LD_W_ABS, LD_W_LEN, LDX_W_LEN = 0x20, 0x80, 0x81
LD_IMM, LDX_IMM, LD_MEM, LDX_MEM, ST, STX = 0x00, 0x01, 0x60, 0x61, 0x02, 0x03
TAX, TXA = 0x07, 0x87
ALU_K = {"add": 0x04, "sub": 0x14, "mul": 0x24, "div": 0x34, "or": 0x44,
         "and": 0x54, "lsh": 0x64, "rsh": 0x74, "xor": 0xa4}
ALU_X = {op: code | 0x08 for op, code in ALU_K.items()}
NEG, MOD_K, MOD_X = 0x84, 0x94, 0x9c
JA, JEQ_K, JGT_K, JGE_K, JSET_K = 0x05, 0x15, 0x25, 0x35, 0x45
JEQ_X, JGT_X, JGE_X, JSET_X = 0x1d, 0x2d, 0x3d, 0x4d
RET_K, RET_A = 0x06, 0x16

# seccomp facts the programs use.
NR, ARCH, IP_LO = 0, 4, 8
AUDIT_X86_64, AUDIT_I386, AUDIT_AARCH64 = 0xC000003E, 0x40000003, 0xC00000B7
ALLOW, KILL_PROCESS, KILL_THREAD = 0x7FFF0000, 0x80000000, 0x00000000
ERRNO, TRACE, LOG, TRAP = 0x00050000, 0x7FF00000, 0x7FFC0000, 0x00030000
ENOSYS = 38

# Harmless syscalls whose arguments the kernel ignores.
X86 = {"getpid": 39, "getuid": 102, "getppid": 110}
I386 = {"getpid": 20, "getuid": 24, "getppid": 64}


def lo(n):
    return 16 + 8 * n


def hi(n):
    return 20 + 8 * n


def s(code, k=0):
    return (code, 0, 0, k & 0xFFFFFFFF)


def j(code, k, jt, jf):
    return (code, jt, jf, k & 0xFFFFFFFF)


def raw(prog):
    return b"".join(struct.pack("<HBBI", *insn) for insn in prog)


@pytest.fixture
def write(tmp_path):
    counter = iter(range(1_000_000))

    def _write(prog):
        path = tmp_path / f"p{next(counter)}.bpf"
        path.write_bytes(raw(prog) if isinstance(prog, list) else prog)
        return path
    return _write


def bpfsim(*args, stdin=None):
    return subprocess.run([str(BPFSIM), *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=60)


def sim_result(path, name_or_nr, args=(), arch="x86_64", opts=()):
    r = bpfsim(*opts, "-a", arch, path, name_or_nr, *args)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1, r.stdout
    action, count = lines[0].rsplit(" ", 1)
    return action, int(count)


def kernel(path, nr, args=(), opts=()):
    r = subprocess.run([str(TRYFILTER), *opts, str(path), str(nr),
                        *map(str, args)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def kernel_outcome(action, thread=False):
    """What tryfilter reports for a bpfsim action (no tracer, no listener)."""
    if action in ("allow", "log"):
        return "ret"
    if action == "errno(0)":
        return "ret 0"  # the syscall "fails" with -0: it returns 0
    if action.startswith("errno("):
        return "errno " + action[len("errno("):-1]
    if action.startswith("trace(") or action == "notify":
        return f"errno {ENOSYS}"
    if action == "kill-thread":
        return "thread-killed" if thread else "killed SIGSYS"
    if action == "kill-process" or action.startswith("trap"):
        return "killed SIGSYS"
    raise AssertionError(f"unexpected action {action}")


def agree(path, name, args=(), thread=False, abi="x86_64"):
    """bpfsim and the kernel agree on syscall NAME with ARGS."""
    if abi == "i386":
        action, _ = sim_result(path, name, args, arch="i386")
        if not ia32.available(str(TRYFILTER)):
            ia32.note_refused()     # the emulator's answer is all there is
            return action
        got = kernel(path, I386[name], args, ["--i386"])
    elif abi == "x32":
        action, _ = sim_result(path, name, args, opts=["--x32"])
        got = kernel(path, X86[name], args, ["--x32"])
    else:
        action, _ = sim_result(path, name, args)
        got = kernel(path, X86[name], args, ["--thread"] if thread else [])
    want = kernel_outcome(action, thread)
    if want == "ret":
        assert got.startswith("ret "), f"{name}{list(args)}: sim {action}, kernel {got}"
    else:
        assert got == want, f"{name}{list(args)}: sim {action}, kernel {got}"
    return action


def reveal_a():
    """Tail that makes the kernel show A's low 12 bits as an errno."""
    return [s(ALU_K["and"], 0xFFF), s(ALU_K["or"], ERRNO), s(RET_A)]


# ---------------------------------------------------------------- CLI ---

ALLOWLIST = [
    s(LD_W_ABS, ARCH),
    j(JEQ_K, AUDIT_X86_64, 1, 0),
    s(RET_K, KILL_PROCESS),
    s(LD_W_ABS, NR),
    j(JEQ_K, X86["getpid"], 2, 0),
    j(JEQ_K, X86["getuid"], 2, 0),
    s(RET_K, ERRNO | 1),
    s(RET_K, ALLOW),
    s(LD_W_ABS, lo(0)),
    j(JEQ_K, 7, 0, 1),
    s(RET_K, TRACE | 7),
    s(RET_K, ERRNO | 5000),
]


def test_single_run_prints_action_and_count(write):
    p = write(ALLOWLIST)
    assert sim_result(p, "getpid") == ("allow", 5)
    assert sim_result(p, "getuid", [7]) == ("trace(7)", 8)
    assert sim_result(p, "getuid", [8]) == ("errno(4095)", 8)
    assert sim_result(p, "read") == ("errno(1)", 6)
    assert sim_result(p, "0x27") == ("allow", 5)
    assert sim_result(p, "39") == ("allow", 5)
    assert sim_result(p, "getpid", opts=["--arch-token", "40000003"]) == ("kill-process", 3)
    assert sim_result(p, "getpid", opts=["--x32"]) == ("errno(1)", 6)


def test_arch_selects_table_and_audit_token(write):
    p = write([s(LD_W_ABS, ARCH)] + reveal_a())
    assert sim_result(p, "getppid", arch="aarch64")[0] == f"errno({AUDIT_AARCH64 & 0xFFF})"
    q = write([s(LD_W_ABS, NR)] + reveal_a())
    assert sim_result(q, "getppid", arch="aarch64")[0] == "errno(173)"
    assert sim_result(q, "getppid", arch="i386")[0] == "errno(64)"
    x32 = write([s(LD_W_ABS, NR), s(ALU_K["rsh"], 20)] + reveal_a())
    assert sim_result(x32, "getppid", arch="x32")[0] == "errno(1024)"
    assert sim_result(x32, "getppid", arch="x86_64")[0] == "errno(0)"


def test_arguments_are_full_64_bit(write):
    words = [s(LD_W_ABS, hi(5)), s(ST, 0), s(LD_W_ABS, lo(5)), s(LDX_MEM, 0),
             j(JEQ_X, 0, 0, 1), s(RET_K, ALLOW), s(RET_K, ERRNO | 2)]
    p = write(words)
    assert sim_result(p, "getpid", [0, 0, 0, 0, 0, -1])[0] == "allow"
    assert sim_result(p, "getpid", [0, 0, 0, 0, 0, "0xffffffffffffffff"])[0] == "allow"
    assert sim_result(p, "getpid", [0, 0, 0, 0, 0, "0x00000001ffffffff"])[0] == "errno(2)"
    assert sim_result(p, "getpid", [0, 0, 0, 0, 0, "18446744073709551615"])[0] == "allow"
    ip = write([s(LD_W_ABS, IP_LO + 4)] + reveal_a())
    assert sim_result(ip, "getpid", opts=["--ip", "0x00000abc00000000"])[0] == "errno(2748)"


def test_trace_goes_to_stderr(write):
    p = write(ALLOWLIST)
    r = bpfsim("--trace", "-a", "x86_64", p, "getuid", 7)
    assert r.returncode == 0
    assert r.stdout == "trace(7) 8\n"
    lines = r.stderr.splitlines()
    assert len(lines) == 8, r.stderr
    assert lines[0].lstrip().startswith("0:") and "A=0xc000003e" in lines[0]
    assert lines[-1].lstrip().startswith("10:")


def test_check_mode(write):
    r = bpfsim("--check", write(ALLOWLIST))
    assert (r.returncode, r.stdout) == (0, "ok\n")


def test_refused_program_exit_2_with_insn_index(write):
    bad = write([s(LD_IMM, 0), s(LD_W_ABS, 6), s(RET_A)])
    for args in (["--check", bad], ["-a", "x86_64", bad, "getpid"]):
        r = bpfsim(*args)
        assert r.returncode == 2
        assert r.stdout == ""
        assert r.stderr.startswith(f"bpfsim: {bad}: rejected by the kernel's checker: insn 1: "), r.stderr
        assert "aligned" in r.stderr


@pytest.mark.parametrize("args, needle", [
    ([], "missing the filter file"),
    (["-a", "x86_64", "FILE"], "missing SYSCALL"),
    (["-a", "sparc", "FILE", "getpid"], "unknown architecture"),
    (["FILE", "getpid"], "-a ARCH"),
    (["-a", "x86_64", "FILE", "nosuchcall"], "no syscall named 'nosuchcall'"),
    (["-a", "x86_64", "FILE", "getpid", "12abc"], "not a 64-bit number"),
    (["-a", "x86_64", "FILE", "getpid", "0x1ffffffffffffffff"], "not a 64-bit number"),
    (["-a", "x86_64", "FILE", "getpid", "1", "2", "3", "4", "5", "6", "7"], "at most 6"),
    (["-a", "x86_64", "FILE", "0x100000000"], "32-bit syscall number"),
    (["-a", "aarch64", "--x32", "FILE", "getpid"], "--x32 is meaningless on aarch64"),
    (["-a", "x86_64", "--arch-token", "zz", "FILE", "getpid"], "--arch-token"),
    (["--batch", "--x32", "FILE"], "single run"),
    (["--bogus", "FILE"], "bad option"),
])
def test_usage_errors_exit_2(write, args, needle):
    path = str(write(ALLOWLIST))
    r = bpfsim(*[path if a == "FILE" else a for a in args])
    assert r.returncode == 2, r
    assert needle in r.stderr, r.stderr


def test_const_allow_lists_cacheable_syscalls(write):
    r = bpfsim("--const-allow", "-a", "x86_64", write(ALLOWLIST))
    assert (r.returncode, r.stdout) == (0, "39 getpid\n"), r.stderr
    everything = bpfsim("--const-allow", "-a", "aarch64", write([s(RET_K, ALLOW)]))
    lines = everything.stdout.splitlines()
    assert "173 getppid" in lines and len(lines) > 250
    args_first = write([s(LD_W_ABS, lo(0)), s(RET_K, ALLOW)])
    assert bpfsim("--const-allow", "-a", "x86_64", args_first).stdout == ""
    assert bpfsim("--const-allow", write(ALLOWLIST)).returncode == 2


def test_help_and_unreadable_file(tmp_path):
    r = bpfsim("--help")
    assert r.returncode == 0 and "--batch" in r.stdout
    r = bpfsim("--check", tmp_path / "missing.bpf")
    assert r.returncode == 1 and "cannot open" in r.stderr
    odd = tmp_path / "odd.bpf"
    odd.write_bytes(b"\x06\x00\x00\x00\x00\x00\xff\x7f\x00")
    r = bpfsim("--check", odd)
    assert r.returncode == 1 and "multiple of 8" in r.stderr


def test_batch_one_line_per_case(write):
    p = write(ALLOWLIST)
    cases = ("27 c000003e 0 0 0 0 0 0\n"
             "# a comment\n\n"
             "0x66 0xc000003e 7 0 0 0 0 0\n"
             "66 c000003e 8 0 0 0 0 0 1234\n"
             "0 40000003 0 0 0 0 0 0\n"
             "0 c000003e 0 0 0 0 0 0")      # no final newline
    r = bpfsim("--batch", p, stdin=cases)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["allow 5", "trace(7) 8", "errno(4095) 8",
                                     "kill-process 3", "errno(1) 6"]


def test_batch_agrees_with_single_runs(write):
    p = write(ALLOWLIST)
    rng = random.Random(7)
    cases, expected = [], []
    for _ in range(200):
        nr = rng.choice([39, 102, 0, 110])
        a0 = rng.choice([7, 8, rng.getrandbits(64)])
        token = rng.choice([AUDIT_X86_64, AUDIT_X86_64, AUDIT_I386])
        cases.append(f"{nr:x} {token:x} {a0:x} 0 0 0 0 0")
        action, count = sim_result(p, nr, [a0], opts=["--arch-token", f"{token:x}"])
        expected.append(f"{action} {count}")
    r = bpfsim("--batch", p, stdin="\n".join(cases) + "\n")
    assert r.stdout.splitlines() == expected


def test_batch_malformed_line_fails_loudly(write):
    p = write(ALLOWLIST)
    r = bpfsim("--batch", p, stdin="27 c000003e 0 0 0 0 0 0\n27 c000003e 0 0\n")
    assert r.returncode == 2
    assert r.stdout == "allow 5\n"
    assert "line 2" in r.stderr


def test_batch_is_fast(write):
    p = write(ALLOWLIST)
    lines = "".join(f"{n:x} c000003e {n * 7919:x} 0 0 0 0 0\n" for n in range(200_000))
    r = subprocess.run([str(BPFSIM), "--batch", str(p)], input=lines,
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0
    assert len(r.stdout.splitlines()) == 200_000


# ------------------------------------------------- checker vs. kernel ---

def many(n, insn):
    return [insn] * n


CHECKER_CASES = {
    "empty": [],
    "4096 ok": many(4095, s(LD_IMM, 1)) + [s(RET_A)],
    "4097": many(4096, s(LD_IMM, 1)) + [s(RET_A)],
    "no final ret": [s(RET_K, ALLOW), s(LD_IMM, 0)],
    "ret x": [(0x0E, 0, 0, 0)],
    "mod k": [s(LD_IMM, 7), s(MOD_K, 3), s(RET_A)],
    "mod x": [s(LDX_IMM, 3), s(MOD_X), s(RET_A)],
    "div k 0": [s(ALU_K["div"], 0), s(RET_A)],
    "div k 1": [s(ALU_K["div"], 1), s(RET_A)],
    "div x": [s(ALU_X["div"]), s(RET_A)],
    "lsh 31": [s(ALU_K["lsh"], 31), s(RET_A)],
    "lsh 32": [s(ALU_K["lsh"], 32), s(RET_A)],
    "rsh 99": [s(ALU_K["rsh"], 99), s(RET_A)],
    "ldh abs": [s(0x28, 0), s(RET_A)],
    "ldb abs": [s(0x30, 0), s(RET_A)],
    "ld ind": [s(0x40, 0), s(RET_A)],
    "ldx msh": [s(0xB1, 0), s(RET_A)],
    "ld [60]": [s(LD_W_ABS, 60), s(RET_A)],
    "ld [64]": [s(LD_W_ABS, 64), s(RET_A)],
    "ld [2]": [s(LD_W_ABS, 2), s(RET_A)],
    "ld ancillary": [s(LD_W_ABS, -0x1000), s(RET_A)],
    "ld len": [s(LD_W_LEN), s(LDX_W_LEN), s(RET_A)],
    "M[16]": [s(ST, 16), s(RET_A)],
    "M read unwritten": [s(LD_MEM, 3), s(RET_A)],
    "M written": [s(ST, 3), s(LD_MEM, 3), s(RET_A)],
    "M one branch": [s(LD_W_ABS, NR), j(JEQ_K, 1, 0, 1), s(ST, 2), s(LDX_MEM, 2), s(RET_A)],
    "M after ret": [s(ST, 0), s(RET_K, ALLOW), s(LD_MEM, 0), s(RET_A)],
    "ja to last": [s(JA, 1), s(RET_A), s(RET_A)],
    "ja past end": [s(JA, 2), s(RET_A), s(RET_A)],
    "jeq past end": [j(JEQ_K, 0, 2, 0), s(RET_A), s(RET_A)],
    "jset x ok": [j(JSET_X, 0, 1, 0), s(RET_A), s(RET_A)],
    "opcode 0xffff": [s(0xFFFF), s(RET_A)],
    "neg|x": [s(NEG | 0x08), s(RET_A)],
    "st with size bits": [s(ST | 0x10, 0), s(RET_A)],
}


@pytest.mark.parametrize("name", sorted(CHECKER_CASES))
def test_checker_agrees_with_kernel(write, name):
    path = write(CHECKER_CASES[name])
    r = bpfsim("--check", path)
    assert r.returncode in (0, 2), r.stderr
    got = kernel(path, X86["getpid"])
    refused = got.startswith("install-failed")
    if refused:
        assert got == "install-failed errno 22"
    assert (r.returncode == 2) == refused, f"{name}: bpfsim {r.stderr or 'ok'}, kernel {got}"


CHECK_OFFSETS = [0, 4, 8, 16, 20, 60, 64, 2, 62]
RUN_OFFSETS = [0, 4, 16, 20, 24, 60]   # not ip: the child's real ip is unknown


def random_insn(rng, at, length, offsets=CHECK_OFFSETS):
    """Mostly valid-looking instructions, some deliberately broken."""
    room = length - at - 2
    kind = rng.randrange(12)
    if kind == 0:
        return s(LD_W_ABS, rng.choice(offsets))
    if kind == 1:
        return s(rng.choice([LD_MEM, LDX_MEM, ST, STX]), rng.choice([0, 1, 15, 16]))
    if kind == 2:
        return s(rng.choice(list(ALU_K.values()) + [MOD_K]), rng.choice([0, 1, 7, 31, 32]))
    if kind == 3:
        return s(rng.choice(list(ALU_X.values()) + [NEG, TAX, TXA, MOD_X]))
    if kind == 4:
        return s(JA, rng.choice([0, max(room, 0), room + 1]))
    if kind == 5:
        return j(rng.choice([JEQ_K, JGT_K, JGE_K, JSET_K, JEQ_X, JGT_X, JGE_X, JSET_X]),
                 rng.getrandbits(32), rng.randrange(max(room, 0) + 2), rng.randrange(max(room, 0) + 2))
    if kind == 6:
        return s(rng.choice([LD_IMM, LDX_IMM, LD_W_LEN, LDX_W_LEN]), rng.getrandbits(32))
    if kind == 7:
        return s(rng.choice([RET_K, RET_A]), ALLOW)
    if kind == 8:
        return s(rng.choice([0x28, 0x30, 0x40, 0xB1, 0x0E, 0x8C, 0xFF]), 0)
    return s(rng.choice([LD_IMM, ST, LD_MEM]), rng.randrange(3))


def test_checker_agrees_with_kernel_on_random_programs(write):
    rng = random.Random(20240611)
    accepted = refused = 0
    for _ in range(300):
        length = rng.randrange(1, 9)
        prog = [random_insn(rng, i, length) for i in range(length - 1)]
        prog.append(s(RET_K, ALLOW) if rng.random() < 0.9 else random_insn(rng, length - 1, length))
        path = write(prog)
        sim_refused = bpfsim("--check", path).returncode == 2
        kernel_refused = kernel(path, X86["getpid"]).startswith("install-failed")
        assert sim_refused == kernel_refused, f"{prog}: sim refused={sim_refused}"
        accepted += not kernel_refused
        refused += kernel_refused
    # The generator must exercise both outcomes, or the test proves nothing.
    assert accepted > 30 and refused > 30, (accepted, refused)


# ------------------------------------------------- decisions vs. kernel ---

def test_allowlist_agrees(write):
    p = write(ALLOWLIST)
    seen = set()
    for name in ("getpid", "getuid", "getppid"):
        for a0 in (0, 7, 8):
            seen.add(agree(p, name, [a0]))
    assert seen == {"allow", "trace(7)", "errno(4095)", "errno(1)"}
    assert agree(p, "getpid", abi="i386") == "kill-process"
    assert agree(p, "getpid", abi="x32") == "errno(1)"


def test_64_bit_argument_compares_agree(write):
    # arg0 == 0x1_00000002, arg1 > 0x7fffffff (low word, unsigned), arg2 & 0x10
    prog = [
        s(LD_W_ABS, hi(0)), j(JEQ_K, 1, 0, 3),
        s(LD_W_ABS, lo(0)), j(JEQ_K, 2, 0, 1),
        s(RET_K, ERRNO | 10),
        s(LD_W_ABS, lo(1)), j(JGT_K, 0x7FFFFFFF, 0, 1),
        s(RET_K, ERRNO | 11),
        s(LD_W_ABS, lo(2)), j(JSET_K, 0x10, 0, 1),
        s(RET_K, ERRNO | 12),
        s(RET_K, ALLOW),
    ]
    p = write(prog)
    cases = [[0x100000002], [0x2], [0x200000002], [0, 0x80000000], [0, -1],
             [0, 0x7FFFFFFF], [0, 0, 0x10], [0, 0, -17], [0, 0, 0xF]]
    seen = {agree(p, "getppid", args) for args in cases}
    assert seen == {"allow", "errno(10)", "errno(11)", "errno(12)"}


@pytest.mark.parametrize("op", sorted(ALU_K))
def test_alu_ops_agree(write, op):
    """A = arg0 OP (K or arg1); the kernel shows A's bits 0-11, 12-23, 20-31."""
    rng = random.Random(op)
    for src in ("k", "x"):
        for _ in range(4):
            if src == "k":
                k = rng.choice([1, 3, 31, rng.getrandbits(32) or 1])
                if op in ("lsh", "rsh"):
                    k %= 32
                body = [s(LD_W_ABS, lo(0)), s(ALU_K[op], k)]
            else:
                body = [s(LD_W_ABS, lo(1)), s(TAX), s(LD_W_ABS, lo(0)), s(ALU_X[op])]
            a0 = rng.getrandbits(32)
            a1 = rng.choice([1, 2, 31, 32, 33, 63, rng.getrandbits(32) or 1])
            for shift in (0, 12, 20):
                view = body + [s(ALU_K["rsh"], shift)] + reveal_a()
                agree(write(view), "getppid", [a0, a1])


def test_shift_by_x_of_32_or_more_agrees(write):
    prog = [s(LD_W_ABS, lo(1)), s(TAX), s(LD_W_ABS, lo(0)), s(ALU_X["lsh"])] + reveal_a()
    p = write(prog)
    for count in (31, 32, 33, 40, 0xFFFFFFE1):
        want = (1 << (count & 31)) & 0xFFF
        assert agree(p, "getppid", [1, count]) == f"errno({want})"


def test_neg_and_len_and_moves_agree(write):
    neg = write([s(LD_W_ABS, lo(0)), s(NEG)] + reveal_a())
    for a0 in (1, 5, 0xFFF, 0x12345):
        agree(neg, "getppid", [a0])
    length = write([s(LD_W_LEN), s(TAX), s(LD_IMM, 0), s(TXA)] + reveal_a())
    assert agree(length, "getppid") == "errno(64)"
    xlen = write([s(LDX_W_LEN), s(TXA)] + reveal_a())
    assert agree(xlen, "getppid") == "errno(64)"


def test_scratch_memory_agrees(write):
    prog = [
        s(LD_W_ABS, lo(0)), s(ST, 0),
        s(LD_W_ABS, lo(1)), s(TAX), s(STX, 15),
        s(LD_IMM, 0), s(LDX_IMM, 0),
        s(LD_MEM, 15), s(LDX_MEM, 0),
        s(ALU_X["sub"]),
    ] + reveal_a()
    p = write(prog)
    for a0, a1 in ((100, 58), (5, 9), (0x1000, 1)):
        assert agree(p, "getppid", [a0, a1]) == f"errno({(a1 - a0) & 0xFFF})"


def test_division_by_x_zero_kills_thread_like_the_kernel(write):
    prog = [s(LD_W_ABS, lo(1)), s(TAX), s(LD_W_ABS, lo(0)), s(ALU_X["div"])] + reveal_a()
    p = write(prog)
    assert sim_result(p, "getppid", [10, 0]) == ("kill-thread", 4)
    assert agree(p, "getppid", [10, 0], thread=True) == "kill-thread"
    assert agree(p, "getppid", [100, 7]) == "errno(14)"


@pytest.mark.parametrize("ret, action", [
    (ALLOW, "allow"),
    (ALLOW | 0x1234, "allow"),
    (LOG, "log"),
    (ERRNO | 0, "errno(0)"),
    (ERRNO | 1, "errno(1)"),
    (ERRNO | 4095, "errno(4095)"),
    (ERRNO | 4096, "errno(4095)"),
    (ERRNO | 0xFFFF, "errno(4095)"),
    (TRACE | 3, "trace(3)"),
    (TRAP, "trap"),
    (KILL_THREAD, "kill-thread"),
    (KILL_THREAD | 5, "kill-thread"),
    (KILL_PROCESS, "kill-process"),
    (0x12340000, "kill-process"),
    (0x7FFE0000, "kill-process"),
    (0x00010000, "kill-process"),
])
def test_actions_agree(write, ret, action):
    p = write([s(RET_K, ret)])
    assert sim_result(p, "getuid") == (action, 1)
    assert agree(p, "getuid", thread=True) == action
    via_a = write([s(LD_IMM, ret), s(RET_A)])
    assert sim_result(via_a, "getuid") == (action, 2)
    assert agree(via_a, "getuid") == action


def test_i386_and_x32_see_their_nr_and_arch(write):
    nr = write([s(LD_W_ABS, NR)] + reveal_a())
    arch = write([s(LD_W_ABS, ARCH)] + reveal_a())
    x32 = write([s(LD_W_ABS, NR), s(ALU_K["rsh"], 20)] + reveal_a())
    assert agree(nr, "getppid", abi="i386") == "errno(64)"
    assert agree(arch, "getppid", abi="i386") == f"errno({AUDIT_I386 & 0xFFF})"
    assert agree(arch, "getppid") == f"errno({AUDIT_X86_64 & 0xFFF})"
    assert agree(x32, "getppid", abi="x32") == "errno(1024)"


def test_random_programs_decide_like_the_kernel(write):
    """Random accepted programs over args and nr: same decision."""
    rng = random.Random(99)
    checked = 0
    while checked < 60:
        length = rng.randrange(3, 10)
        prog = [random_insn(rng, i, length + 3, RUN_OFFSETS) for i in range(length)]
        prog += reveal_a()
        path = write(prog)
        if bpfsim("--check", path).returncode != 0:
            continue
        name = rng.choice(list(X86))
        args = [rng.choice([0, 1, 7, rng.getrandbits(64)]) for _ in range(6)]
        agree(path, name, args, thread=True)
        checked += 1
