"""End-to-end tests of bpfgen: the command line, the C header, and the
filters it emits, proven on this machine's kernel (x86_64, installed only in
forked children by build/tests/tryfilter) and in bpfsim (aarch64)."""
import os
import re
import struct
import subprocess
import tempfile

import pytest

import ia32

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
BPFGEN = os.path.join(BUILD, "bpfgen")
BPFSIM = os.path.join(BUILD, "bpfsim")
TRYFILTER = os.path.join(BUILD, "tests", "tryfilter")
WORKER = os.path.join(ROOT, "policies", "pvf-worker.policy")
FEATURES = os.path.join(ROOT, "tests", "e2e", "policies", "features.policy")
IN_CI = os.environ.get("CI") == "true"


def bpfgen(*args, check=True):
    r = subprocess.run([BPFGEN, *args], capture_output=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"bpfgen {args} failed: {r.stderr.decode()}")
    return r


def compile_raw(tmp_path, policy, arch, *extra):
    out = str(tmp_path / f"{os.path.basename(policy)}.{arch}.bpf")
    bpfgen("-f", "raw", "-a", arch, "-o", out, *extra, policy)
    return out


def kernel(raw, nr, *args, mode=None):
    """What the real kernel does: one line from tryfilter."""
    cmd = [TRYFILTER] + ([mode] if mode else []) + [raw, str(nr)] + [hex(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def sim(raw, arch, call, *args, extra=()):
    r = subprocess.run([BPFSIM, "-a", arch, *extra, raw, str(call), *[hex(a) for a in args]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()[0]


# x86_64 syscall numbers used below (from the kernel's syscall_64.tbl).
X86 = {"read": 0, "getpid": 39, "socket": 41, "connect": 42, "socketpair": 53,
       "clone": 56, "getuid": 102, "ptrace": 101, "getppid": 110, "getpgid": 121,
       "personality": 135, "openat": 257, "io_uring_setup": 425,
       "io_uring_enter": 426, "io_uring_register": 427, "process_vm_readv": 310}
I386_GETPID = 20
AF_UNIX, SOCK_STREAM = 1, 1
CLONE_NEWUSER = 0x10000000


# --- command line ---------------------------------------------------------

def test_version_and_help():
    assert re.match(r"bpfgen \d+\.\d+\.\d+", bpfgen("--version").stdout.decode())
    assert "usage: bpfgen" in bpfgen("--help").stdout.decode()


@pytest.mark.parametrize("args,msg", [
    (["-f", "raw", WORKER], "needs exactly one -a"),
    (["-f", "asm", "-a", "x86_64", "-a", "aarch64", WORKER], "exactly one -a"),
    (["-a", "mips", WORKER], "unknown target architecture 'mips'"),
    (["-f", "json", WORKER], "unknown format 'json'"),
    (["-n", "9bad", WORKER], "-n wants a C identifier"),
    ([], "no policy file given"),
    (["/nonexistent/x.policy"], "cannot read '/nonexistent/x.policy'"),
])
def test_usage_errors(args, msg):
    r = bpfgen(*args, check=False)
    assert r.returncode != 0
    assert msg in r.stderr.decode()


def test_failed_compile_leaves_existing_output_untouched(tmp_path):
    bad = tmp_path / "bad.policy"
    bad.write_text("default allow\nkill-process: sokcet\n")
    out = tmp_path / "out.h"
    out.write_bytes(b"precious")
    r = bpfgen("-o", str(out), str(bad), check=False)
    assert r.returncode != 0
    assert f"{bad}:2:15: error: unknown syscall 'sokcet'; did you mean 'socket'?" in r.stderr.decode()
    assert out.read_bytes() == b"precious"
    assert sorted(os.listdir(tmp_path)) == ["bad.policy", "out.h"]  # no temporary left


def test_output_is_deterministic(tmp_path):
    for fmt, arch in (("c", None), ("raw", "x86_64"), ("asm", "aarch64")):
        args = ["-f", fmt] + (["-a", arch] if arch else []) + [WORKER]
        os.chdir(tmp_path)
        a = bpfgen(*args).stdout
        os.chdir(ROOT)
        b = bpfgen(*args).stdout
        assert a == b and a


def test_raw_is_the_kernels_struct_sock_filter(tmp_path):
    raw = open(compile_raw(tmp_path, WORKER, "x86_64"), "rb").read()
    assert len(raw) % 8 == 0
    # First instruction: BPF_LD|BPF_W|BPF_ABS of seccomp_data.arch (offset 4).
    assert raw[:8] == bytes([0x20, 0x00, 0, 0, 4, 0, 0, 0])
    # Second: jeq AUDIT_ARCH_X86_64.
    assert raw[8:10] == bytes([0x15, 0x00]) and raw[12:16] == (0xc000003e).to_bytes(4, "little")


def test_listing_names_fields_syscalls_and_actions():
    out = bpfgen("-f", "asm", "-a", "x86_64", WORKER).stdout.decode()
    assert re.search(r"^\s+0: ld \[arch\]$", out, re.M)
    assert "AUDIT_ARCH_X86_64" in out
    assert "ld [nr]" in out and "x32 bit" in out
    assert "; socket" in out and "ret kill-process" in out and "ret allow" in out


def test_notes_for_syscalls_missing_on_one_architecture():
    out = bpfgen("-f", "asm", "-a", "aarch64", FEATURES).stdout.decode()
    assert re.search(r"^; note \(aarch64\): open \(.*features.policy:12\) does not exist on aarch64: skipped$", out, re.M)
    header = bpfgen(FEATURES).stdout.decode()
    assert "note (aarch64): open" in header


def test_log_only_is_announced():
    out = bpfgen("--log-only", "-f", "asm", "-a", "x86_64", WORKER).stdout.decode()
    assert "log-only" in out and "ret kill-process" not in out and "ret log" in out
    assert "--log-only" in bpfgen("--log-only", WORKER).stdout.decode()


# --- the C header ---------------------------------------------------------

USER_C = r"""
#include <stdio.h>
#include "filter.h"
int main(void)
{
	const struct sock_fprog *p = &worker_prog;
	printf("%u %u\n", (unsigned)p->len, (unsigned)worker_filter_len);
	return p->filter[0].k == 4 ? 0 : 1;
}
"""


def write_header_project(tmp_path, *extra):
    bpfgen("-n", "worker", "-o", str(tmp_path / "filter.h"), *extra, WORKER)
    (tmp_path / "user.c").write_text(USER_C)


@pytest.mark.parametrize("cc", ["cc", "aarch64-linux-gnu-gcc"])
def test_header_compiles_cleanly(tmp_path, cc):
    if subprocess.run(["sh", "-c", f"command -v {cc}"], capture_output=True).returncode:
        if IN_CI:
            pytest.fail(f"{cc} missing in CI")
        pytest.skip(f"{cc} not installed (tools/install-test-deps.sh installs it)")
    write_header_project(tmp_path)
    exe = tmp_path / "user"
    r = subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-static", "-o", str(exe),
                        str(tmp_path / "user.c")], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    # The selector picked this architecture's program, without any flag.
    want = "x86_64" if cc == "cc" else "aarch64"
    n = len(open(compile_raw(tmp_path, WORKER, want), "rb").read()) // 8
    if cc == "cc":
        out = subprocess.run([str(exe)], capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout.split() == [str(n), str(n)]
    else:
        objdump = subprocess.run(["aarch64-linux-gnu-objdump", "-f", str(exe)],
                                 capture_output=True, text=True).stdout
        assert "aarch64" in objdump
        pre = subprocess.run([cc, "-E", "-dM", "-include", str(tmp_path / "filter.h"), "-x", "c",
                              "/dev/null"], capture_output=True, text=True).stdout
        assert "#define worker_filter worker_aarch64" in pre


def test_header_refuses_ilp32_and_other_targets(tmp_path):
    write_header_project(tmp_path)
    # Only the header: libc's own headers would stop first on a fake target.
    (tmp_path / "only.c").write_text('#include "filter.h"\nint f(void) { return worker_filter_len; }\n')
    for flags, msg in ((["-D__ILP32__"], "no filter for ILP32"),
                       (["-U__x86_64__"], "no filter for this architecture")):
        r = subprocess.run(["cc", "-std=c99", "-fsyntax-only", *flags, str(tmp_path / "only.c")],
                           capture_output=True, text=True, cwd=tmp_path)
        assert r.returncode != 0 and msg in r.stderr


def test_header_for_one_arch_refuses_the_other(tmp_path):
    write_header_project(tmp_path, "-a", "x86_64")
    r = subprocess.run(["aarch64-linux-gnu-gcc", "-std=c99", "-fsyntax-only", str(tmp_path / "user.c")],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode != 0 and "generated for x86_64" in r.stderr


# --- filters on the real x86_64 kernel ------------------------------------

@pytest.fixture(scope="module")
def worker_raw(tmp_path_factory):
    return compile_raw(tmp_path_factory.mktemp("w"), WORKER, "x86_64")


@pytest.fixture(scope="module")
def features_raw(tmp_path_factory):
    return compile_raw(tmp_path_factory.mktemp("f"), FEATURES, "x86_64")


@pytest.mark.parametrize("name,args", [
    ("socket", (AF_UNIX, SOCK_STREAM, 0)),
    ("socketpair", (AF_UNIX, SOCK_STREAM, 0, 0)),
    ("connect", (0, 0, 0)),
    ("io_uring_setup", (1, 0)),
    ("io_uring_enter", (0, 0, 0, 0, 0, 0)),
    ("io_uring_register", (0, 0, 0, 0)),
])
def test_worker_loses_networking(worker_raw, name, args):
    assert kernel(worker_raw, X86[name], *args) == "killed SIGSYS"


def test_worker_keeps_everything_else(worker_raw):
    assert kernel(worker_raw, X86["getpid"]).startswith("ret ")
    assert kernel(worker_raw, X86["getppid"]).startswith("ret ")


def i386_call(raw, nr, kernel_want, sim_want):
    """An int 0x80 call under RAW: on the kernel where it runs the i386
    ABI, else in the emulator (tests/e2e/ia32.py says why)."""
    if ia32.available(TRYFILTER):
        assert kernel(raw, nr, mode="--i386") == kernel_want
    else:
        assert sim(raw, "x86_64", nr, extra=("--arch-token", "40000003")) == sim_want
        ia32.note_refused()


def test_i386_and_x32_calls_are_stopped_by_a_deny_list(worker_raw):
    # getpid is allowed natively, but not through int 0x80 or as x32.
    i386_call(worker_raw, I386_GETPID, "killed SIGSYS", "kill-process")
    assert kernel(worker_raw, X86["getpid"], mode="--x32") == "killed SIGSYS"
    assert kernel(worker_raw, X86["socket"], mode="--x32") == "killed SIGSYS"


def test_syscall_minus_one_gets_the_default(worker_raw, tmp_path):
    assert kernel(worker_raw, 0xffffffff) == "errno 38"  # allowed: ENOSYS
    strict = tmp_path / "strict.policy"
    strict.write_text("default errno(EPERM)\nallow: getpid\n")
    raw = compile_raw(tmp_path, str(strict), "x86_64")
    assert kernel(raw, 0xffffffff) == "errno 1"
    assert kernel(raw, 0x7fffffff) == "killed SIGSYS"  # above the x32 bit: on-x32


@pytest.mark.parametrize("name,args,want", [
    ("ptrace", (0,), "errno 1"),
    ("process_vm_readv", (0,), "errno 1"),
    ("personality", (0xffffffff,), "ret"),
    ("clone", (CLONE_NEWUSER | 17,), "errno 13"),
    ("openat", (0, 0, 0o100, 0o600), "errno 38"),       # trace(7), no tracer: ENOSYS
    ("openat", (0, 0, 0o100, 0o577), "errno 14"),       # allowed: EFAULT on NULL path
    ("openat", (0, 0x10000, 0, 0), "errno 2"),          # O_DIRECTORY in arg1
    ("getpgid", (0x7fffffff,), "errno 9"),
    ("getpgid", (0xdead00007fffffff,), "errno 9"),      # lo32: high bits ignored
    ("getpgid", (0x7ffffffe,), "errno 3"),              # allowed: ESRCH
    ("getppid", (0x100000001, 5), "errno 7"),
    ("getppid", (0x100000000, 5), "ret"),
    ("getppid", (0x200000000, 5), "errno 7"),
    ("getppid", (0x200000001, 5), "ret"),
    ("getppid", (0, 6), "errno 34"),
    ("getppid", (0, 5 | 1 << 32), "errno 34"),          # 64-bit !=
    ("getuid", (), "ret"),                              # log
])
def test_features_on_the_kernel_and_in_bpfsim(features_raw, name, args, want):
    got = kernel(features_raw, X86[name], *args)
    if want == "ret":
        assert got.startswith("ret "), got
    else:
        assert got == want
    # bpfsim must agree with the kernel on the same call.
    action = sim(features_raw, "x86_64", name, *args)
    expect = {"errno 1": "errno(1)", "errno 13": "errno(13)", "errno 38": "trace(7)",
              "errno 2": "errno(2)", "errno 9": "errno(9)", "errno 7": "errno(7)",
              "errno 34": "errno(34)"}
    if want == "ret" or got in ("errno 14", "errno 3"):
        assert action in ("allow", "log"), action
    else:
        assert action == expect[want]


def test_log_only_filter_changes_no_outcome(tmp_path):
    raw = compile_raw(tmp_path, WORKER, "x86_64", "--log-only")
    assert kernel(raw, X86["socket"], AF_UNIX, SOCK_STREAM, 0).startswith("ret ")
    if ia32.available(TRYFILTER):
        assert kernel(raw, I386_GETPID, mode="--i386").startswith("ret ")
    else:
        assert sim(raw, "x86_64", I386_GETPID, extra=("--arch-token", "40000003")) == "log"
        ia32.note_refused()


def big_policy(path, nrules):
    """Many argument-conditioned rules: a program whose conditional jumps
    need trampolines."""
    lines = ["default allow"]
    for i in range(nrules):
        lines.append(f"errno({1 + i % 100}): getppid if arg0 == {i} && arg1 >= {i * 7}")
    lines.append("kill-process: socket")
    path.write_text("\n".join(lines) + "\n")


def test_long_programs_need_trampolines_and_the_kernel_accepts_them(tmp_path):
    p = tmp_path / "big.policy"
    big_policy(p, 400)
    raw = compile_raw(tmp_path, str(p), "x86_64")
    n = os.path.getsize(raw) // 8
    assert 1000 < n <= 4096
    for i in (0, 1, 199, 398, 399):
        assert kernel(raw, X86["getppid"], i, i * 7) == f"errno {1 + i % 100}"
        if i:  # arg1 one below the bound: the rule does not match
            assert kernel(raw, X86["getppid"], i, i * 7 - 1).startswith("ret ")
    assert kernel(raw, X86["getppid"], 400, 0).startswith("ret ")
    assert kernel(raw, X86["socket"], AF_UNIX, SOCK_STREAM, 0) == "killed SIGSYS"


def test_too_long_a_policy_is_a_clear_error(tmp_path):
    p = tmp_path / "huge.policy"
    big_policy(p, 1500)
    out = tmp_path / "huge.bpf"
    r = bpfgen("-f", "raw", "-a", "x86_64", "-o", str(out), str(p), check=False)
    assert r.returncode != 0
    assert re.search(r"error: the x86_64 filter needs (at least |more than )?\d+ instructions; the kernel accepts at most 4096",
                     r.stderr.decode())
    assert not out.exists()


# --- aarch64, in bpfsim ---------------------------------------------------

@pytest.mark.parametrize("call,args,extra,want", [
    ("socket", (1, 1, 0), (), "kill-process"),
    ("socketpair", (1, 1, 0, 0), (), "kill-process"),
    ("connect", (), (), "kill-process"),
    ("io_uring_setup", (), (), "kill-process"),
    ("io_uring_enter", (), (), "kill-process"),
    ("io_uring_register", (), (), "kill-process"),
    ("getpid", (), (), "allow"),
    ("openat", (), (), "allow"),
    ("0xffffffff", (), (), "allow"),
    ("getpid", (), ("--arch-token", "0x40000028"), "kill-process"),  # arm32
])
def test_worker_on_aarch64(tmp_path, call, args, extra, want):
    raw = compile_raw(tmp_path, WORKER, "aarch64")
    assert sim(raw, "aarch64", call, *args, extra=extra) == want


@pytest.mark.parametrize("call,args,want", [
    ("ptrace", (), "errno(1)"),
    ("clone", (CLONE_NEWUSER,), "errno(13)"),
    ("clone", (0,), "allow"),
    ("openat", (0, 0, 0o100, 0o600), "trace(7)"),
    ("openat", (0, 0o40000, 0, 0), "errno(2)"),       # O_DIRECTORY is 040000 on aarch64
    ("openat", (0, 0x10000, 0, 0), "allow"),          # ... and 0x10000 is not
    ("getppid", (0x100000001, 5), "errno(7)"),
    ("getpgid", (0xffffffff7fffffff,), "errno(9)"),
])
def test_features_on_aarch64(tmp_path, call, args, want):
    raw = compile_raw(tmp_path, FEATURES, "aarch64")
    assert sim(raw, "aarch64", call, *args) == want


# --- bpfgen --check: is a vendored header still what the policy produces? --

def test_check_accepts_the_header_it_made(tmp_path):
    h = tmp_path / "w.h"
    bpfgen("-n", "worker", "-o", str(h), WORKER)
    r = bpfgen("--check", str(h), "-n", "worker", WORKER, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_catches_a_one_byte_change(tmp_path):
    h = tmp_path / "w.h"
    bpfgen("-n", "worker", "-o", str(h), WORKER)
    text = h.read_text()
    # Flip one byte inside the aarch64 array: its kill-process return
    # becomes 0x00000000 (kill-thread) -- "0x80000000" -> "0x00000000".
    lines = text.splitlines(keepends=True)
    start = text[:text.index("worker_aarch64[]")].count("\n")
    idx = next(i for i, l in enumerate(lines) if i > start and "0x80000000" in l)
    insn = int(re.search(r"/\*\s*(\d+) \*/", lines[idx]).group(1))
    lines[idx] = lines[idx].replace("0x80000000", "0x00000000", 1)
    h.write_text("".join(lines))
    r = bpfgen("--check", str(h), "-n", "worker", WORKER, check=False)
    assert r.returncode == 1
    out = r.stdout.decode()
    assert f"{h}:{idx + 1}: differs from what the policy produces" in out
    assert f"aarch64 filter, instruction {insn}" in out


def test_check_notices_different_options(tmp_path):
    h = tmp_path / "w.h"
    bpfgen("-n", "worker", "-o", str(h), WORKER)
    r = bpfgen("--check", str(h), "-n", "worker", "--log-only", WORKER, check=False)
    assert r.returncode == 1


def test_check_does_not_compare_where_the_header_came_from(tmp_path):
    """The same bytes check from another directory (the policy's path as
    typed is recorded in the header), with the weights file named another
    way, and after an upgrade that changes no byte."""
    import shutil
    shutil.copy(WORKER, tmp_path / "p.policy")
    (tmp_path / "hot.txt").write_text("read 100\n")
    h = tmp_path / "w.h"
    subprocess.run([BPFGEN, "-n", "w", "--weights", "hot.txt", "-o", "w.h", "p.policy"],
                   cwd=tmp_path, check=True)
    r = bpfgen("--check", str(h), "-n", "w", "--weights", str(tmp_path / "hot.txt"),
               str(tmp_path / "p.policy"), check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    h.write_text(h.read_text().replace("by bpfgen ", "by bpfgen 0.0.1-old ", 1))
    r = subprocess.run([BPFGEN, "--check", "w.h", "-n", "w", "--weights", "./hot.txt",
                        "./p.policy"], cwd=tmp_path, capture_output=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # The weights themselves do change the bytes' provenance check.
    r = bpfgen("--check", str(h), "-n", "w", str(tmp_path / "p.policy"), check=False)
    assert r.returncode == 1


def test_check_names_the_instruction_when_the_length_changed(tmp_path):
    """A policy change that makes the filter longer: the report names the
    architecture, the first differing instruction and both lengths."""
    h = tmp_path / "w.h"
    bpfgen("-n", "w", "-o", str(h), WORKER)
    changed = tmp_path / "changed.policy"
    changed.write_text(open(WORKER).read() + "\nkill-process: close\n")
    r = bpfgen("--check", str(h), "-n", "w", str(changed), check=False)
    assert r.returncode == 1
    out = r.stdout.decode()
    m = re.search(r"first difference: x86_64 filter, instruction (\d+) "
                  r"\((\d+) instructions expected, (\d+) found\)", out)
    assert m, out
    assert int(m.group(2)) > int(m.group(3))
    assert "expected:" in out and "found:" in out


def test_check_reports_a_changed_comment_with_the_same_bytes(tmp_path):
    """A reviewer reads the comments: one that no longer says what the
    instruction does fails the check too, said to be text only."""
    h = tmp_path / "w.h"
    bpfgen("-n", "w", "-o", str(h), WORKER)
    h.write_text(h.read_text().replace("/* ret kill-process */", "/* ret allow */", 1))
    r = bpfgen("--check", str(h), "-n", "w", WORKER, check=False)
    assert r.returncode == 1
    assert "the filters' bytes are the same" in r.stdout.decode()


def test_check_exit_2_when_it_cannot_compare(tmp_path):
    r = bpfgen("--check", str(tmp_path / "missing.h"), WORKER, check=False)
    assert r.returncode == 2 and b"cannot read" in r.stderr
    h = tmp_path / "w.h"
    bpfgen("-n", "w", "-o", str(h), WORKER)
    r = bpfgen("--check", str(h), "-n", "w", str(tmp_path / "missing.policy"), check=False)
    assert r.returncode == 2


def test_header_has_a_sock_fprog_per_architecture(tmp_path):
    """Each architecture's array comes with its length and its own
    struct sock_fprog; NAME_prog is the one the selector picked."""
    h = tmp_path / "w.h"
    bpfgen("-n", "w", "-o", str(h), WORKER)
    (tmp_path / "m.c").write_text(
        '#include <stdio.h>\n#include "w.h"\n'
        "int main(void) {\n"
        '  printf("%u %u %d %d %d\\n", w_x86_64_prog.len, w_aarch64_prog.len,\n'
        "         w_x86_64_prog.filter == w_x86_64, w_aarch64_prog.filter == w_aarch64,\n"
        "         w_prog.filter == w_x86_64_prog.filter && w_prog.len == w_x86_64_len);\n"
        "  return 0;\n}\n")
    exe = tmp_path / "m"
    subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-o", str(exe),
                    str(tmp_path / "m.c")], check=True)
    got = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    lens = [len(open(compile_raw(tmp_path, WORKER, a), "rb").read()) // 8
            for a in ("x86_64", "aarch64")]
    assert got == [str(lens[0]), str(lens[1]), "1", "1", "1"], got


def test_allowing_foreign_architectures_or_x32_is_warned_about(tmp_path):
    """Legal, but it opens the holes the architecture check closes: the
    build succeeds and says so, once for both architectures."""
    p = tmp_path / "open.policy"
    p.write_text("default allow\non-bad-arch allow\non-x32 allow\nkill-process: socket\n")
    r = bpfgen("-o", str(tmp_path / "o.h"), str(p))
    err = r.stderr.decode()
    assert err.count(f"{p}:2:13: warning: on-bad-arch allow lets every other architecture") == 1, err
    assert err.count(f"{p}:3:8: warning: on-x32 allow lets x32-numbered calls") == 1, err
    p.write_text("default allow\non-bad-arch errno(1)\non-x32 log\n"
                 "kill-process: socket, socketpair, @io_uring\n")
    assert bpfgen("-o", str(tmp_path / "o.h"), str(p)).stderr == b""


def test_paths_cannot_break_out_of_the_header_comment(tmp_path):
    """The policy's path and an include's path land in comments: a "*/",
    a "/*" or a newline in them must not end the comment, nest one, or
    start a line of C (or of the listing)."""
    odd = tmp_path / "a*/b/*c\nd"
    odd.mkdir(parents=True)
    (odd / "x.inc").write_text("kill-process: open\n")   # not on aarch64: a note
    policy = odd / "p*/.policy"
    policy.parent.mkdir()
    policy.write_text('default allow\ninclude "../x.inc"\nkill-process: socket\n')
    h = tmp_path / "w.h"
    bpfgen("-n", "w", "-o", str(h), str(policy))
    (tmp_path / "m.c").write_text('#include "w.h"\nint main(void) { return w_filter_len == 0; }\n')
    r = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o",
                        str(tmp_path / "m"), str(tmp_path / "m.c")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + h.read_text()
    head = h.read_text().split("*/\n#ifndef", 1)[0]
    assert "note (aarch64): open" in head
    assert "\\x0a" in head and "*\\/" in head and "/\\*" in head
    listing = bpfgen("-f", "asm", "-a", "aarch64", str(policy)).stdout.decode()
    for line in listing.splitlines():
        assert line.startswith(";") or re.match(r"\s*\d+: ", line), line
    assert bpfgen("--check", str(h), "-n", "w", str(policy), check=False).returncode == 0


# --- far branches to shared code (ja trampolines, not copied returns) -----

def table_names(arch):
    text = open(os.path.join(ROOT, "arch", f"syscalls_{arch}.c")).read()
    return [(m.group(1), int(m.group(2))) for m in re.finditer(r'\{ "(\w+)", (\d+)u \}', text)]


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_far_branches_into_a_shared_block(tmp_path, arch):
    """Every syscall's first rule falls back to one shared conditional
    block emitted at the far end of the program: the branches to it need
    "ja" trampolines. Every decision is checked in bpfsim, and a sample on
    the kernel."""
    names = [n for n, _ in table_names(arch)][:200]
    lines = ["default allow"]
    lines += [f"errno({1 + i % 50}): {n} if arg0 == {1000 + i}" for i, n in enumerate(names)]
    lines.append("errno(99): " + ", ".join(names) + " if arg1 == 99")
    p = tmp_path / "shared.policy"
    p.write_text("\n".join(lines) + "\n")
    raw = compile_raw(tmp_path, str(p), arch)
    listing = bpfgen("-f", "asm", "-a", arch, str(p)).stdout.decode()
    assert re.search(r"^\s*\d+: ja \d+$", listing, re.M), "expected ja trampolines"
    cases = []
    for i, n in enumerate(names):
        cases += [(n, (1000 + i, 99), f"errno({1 + i % 50})"),
                  (n, (0, 99), "errno(99)"),
                  (n, (1000 + i + 1, 98), "allow")]
    nrs = dict(table_names(arch))
    token = "c000003e" if arch == "x86_64" else "c00000b7"
    batch = "".join(f"{nrs[n]:x} {token} {a[0]:x} {a[1]:x} 0 0 0 0\n" for n, a, _ in cases)
    r = subprocess.run([BPFSIM, "-a", arch, "--batch", raw], input=batch, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = [line.split()[0] for line in r.stdout.splitlines()]
    assert got == [want for _, _, want in cases]
    if arch == "x86_64":
        for name, args, want in ((n, a, w) for n, a, w in cases if n in ("getpid", "getppid", "getuid")):
            out = kernel(raw, nrs[name], *args)
            if want == "allow":
                assert out.startswith("ret ")
            else:
                assert out == "errno " + want[6:-1]


def ja_on_worst_path(raw):
    """Most "ja" instructions any path through the raw program runs."""
    data = open(raw, "rb").read()
    insns = [struct.unpack("<HBBI", data[i:i + 8]) for i in range(0, len(data), 8)]
    most = [0] * (len(insns) + 1)
    for i in range(len(insns) - 1, -1, -1):
        code, jt, jf, k = insns[i]
        if code & 7 == 6:                      # ret
            most[i] = 0
        elif code == 0x05:                     # ja
            most[i] = 1 + most[i + 1 + k]
        elif code & 7 == 5:                    # conditional jump
            most[i] = max(most[i + 1 + jt], most[i + 1 + jf])
        else:
            most[i] = most[i + 1]
    return most[0], sum(1 for c, _, _, _ in insns if c == 0x05), len(insns)


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_argument_blocks_sit_next_to_their_leaves(tmp_path, arch):
    """150 syscalls, each with 13 values of one argument: about 2,700
    instructions. Each syscall's tests are placed where the search tree
    reaches it, so no path takes more than one "ja" (into its part of the
    tree) and there are only a few of them -- not one per syscall."""
    names = [n for n, _ in table_names(arch)][:150]
    lines = ["default allow"]
    for i, n in enumerate(names):
        lines += [f"errno({1 + i % 75}): {n} if arg{i % 6} == {0x1000 + 0x40 * j + i}"
                  for j in range(13)]
    p = tmp_path / "blocks.policy"
    p.write_text("\n".join(lines) + "\n")
    raw = compile_raw(tmp_path, str(p), arch)
    worst, total, length = ja_on_worst_path(raw)
    assert worst <= 1, f"{worst} ja on one path"
    assert total <= length // 200 + 2, f"{total} ja in {length} instructions"
    # The tests and one errno return per syscall, one compare to find it,
    # and a little for the tree above and copies of "allow".
    assert length <= 150 * (16 + 1 + 1.5), length
    # Syscalls i and i + 75 return the same errno; layout.c puts some such
    # pairs close enough to share one copy of it.
    listing = bpfgen("-f", "asm", "-a", arch, str(p)).stdout.decode()
    rets = len(re.findall(r": ret errno", listing))
    assert rets <= 150 - 10, f"{rets} errno returns for 150 syscalls and 75 values"
    nrs = dict(table_names(arch))
    token = "c000003e" if arch == "x86_64" else "c00000b7"
    cases = []
    for i, n in enumerate(names):
        args = [0] * 6
        for j in (0, 7, 12):
            args[i % 6] = 0x1000 + 0x40 * j + i
            cases.append((n, list(args), f"errno({1 + i % 75})"))
        args[i % 6] = 0x1000 + i + 1
        cases.append((n, list(args), "allow"))
    batch = "".join(f"{nrs[n]:x} {token} " + " ".join(f"{a:x}" for a in args) + "\n"
                    for n, args, _ in cases)
    r = subprocess.run([BPFSIM, "-a", arch, "--batch", raw], input=batch,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert [line.split()[0] for line in r.stdout.splitlines()] == [w for _, _, w in cases]


# --- long runs of equality tests become binary searches -------------------

@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_equality_runs_are_searched_and_decide_like_the_policy(tmp_path, arch):
    """20 rules testing one argument for different values (a duplicate
    among them, whose first occurrence must win), then a masked rule and a
    rule on another argument: the program searches the values instead of
    testing them one by one, and every value, its neighbours and values
    between them decide exactly as the first matching rule says."""
    values = [0x5401 + 7 * i for i in range(20)] + [0x5401]
    lines = ["default errno(EPERM)"]
    lines += [f"errno({100 + i}): getppid if arg1 == {v:#x}" for i, v in enumerate(values)]
    lines += ["errno(99): getppid if arg1 & 0xff00 == 0x5400", "allow: getppid if arg2 == 7"]
    p = tmp_path / "run.policy"
    p.write_text("\n".join(lines) + "\n")
    raw = compile_raw(tmp_path, str(p), arch)
    listing = bpfgen("-f", "asm", "-a", arch, str(p)).stdout.decode()
    assert re.search(r"jge #0x54", listing), "expected a binary search over the values"

    def meaning(a1, a2):
        for i, v in enumerate(values):
            if a1 == v:
                return f"errno({100 + i})"
        if a1 & 0xff00 == 0x5400:
            return "errno(99)"
        return "allow" if a2 == 7 else "errno(1)"

    probes = sorted({x + d for x in values for d in (-1, 0, 1)} | {0, 0x5400, 0x54ff, 0x1_0000_5401})
    nr = dict(table_names(arch))["getppid"]
    token = "c000003e" if arch == "x86_64" else "c00000b7"
    cases = [(a1, a2) for a1 in probes for a2 in (0, 7)]
    batch = "".join(f"{nr:x} {token} 0 {a1:x} {a2:x} 0 0 0\n" for a1, a2 in cases)
    r = subprocess.run([BPFSIM, "-a", arch, "--batch", raw], input=batch, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = [line.split()[0] for line in r.stdout.splitlines()]
    assert got == [meaning(a1, a2) for a1, a2 in cases]
    if arch == "x86_64":
        for a1, a2 in cases[::9]:
            want = meaning(a1, a2)
            out = kernel(raw, nr, 0, a1, a2)
            assert out.startswith("ret ") if want == "allow" else out == f"errno {want[6:-1]}"


# --- output files: devices and pipes are written, never replaced ----------

def test_output_to_a_fifo_or_through_a_symlink_keeps_them(tmp_path):
    """-o /dev/null once replaced the device node with a regular file (the
    atomic rename). A FIFO stands in for a device here; a symlink must stay
    a symlink with the new content in its target."""
    import stat
    import threading
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    bpfgen("-f", "raw", "-a", "x86_64", "-o", str(fifo), WORKER)
    reader.join(10)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    want = bpfgen("-f", "raw", "-a", "x86_64", WORKER).stdout
    assert len(want) % 8 == 0 and len(want) > 8
    assert got and got[0] == want
    target = tmp_path / "real.h"
    target.write_text("old")
    link = tmp_path / "link.h"
    link.symlink_to(target)
    bpfgen("-o", str(link), WORKER)
    assert link.is_symlink() and "worker" in target.read_text()
    assert sorted(os.listdir(tmp_path)) == ["link.h", "pipe", "real.h"]
