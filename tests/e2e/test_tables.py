"""Tests of the arch stage's generated data: the committed syscall tables
and constants are reproducible from their inputs and agree with the kernel
CSV and with libseccomp (used here only as an independent oracle)."""

import csv
import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARCH_DIR = REPO / "arch"
KERNEL = ARCH_DIR / "kernel"
IN_CI = os.environ.get("CI") == "true"

ARCHES = ["x86_64", "x32", "aarch64", "i386", "arm"]
X32_BIT = 0x40000000

I386_HDR = Path("/usr/include/x86_64-linux-gnu/asm/unistd_32.h")
ARM_HDRS = [Path("/usr/arm-linux-gnueabihf/include/asm/unistd-eabi.h"),
            Path("/usr/arm-linux-gnueabihf/include/asm/unistd.h")]


def need(ok, why):
    """Skip when a prerequisite is missing, except in CI where it must exist."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {why}")
    pytest.skip(why)


def need_kernel_inputs():
    files = [KERNEL / "syscall_64.tbl", KERNEL / "syscall.tbl", KERNEL / "syscalls-7.1.csv"]
    need(all(f.exists() for f in files), f"kernel table inputs missing under {KERNEL}")
    need(I386_HDR.exists() and all(h.exists() for h in ARM_HDRS),
         "UAPI unistd headers missing (linux-libc-dev, libc6-dev-armhf-cross)")


def committed_table(arch):
    """{name: nr} parsed from the committed arch/syscalls_<arch>.c."""
    text = (ARCH_DIR / f"syscalls_{arch}.c").read_text()
    pairs = re.findall(r'\{ "(\w+)", (\d+)u \}', text)
    assert pairs, f"no entries parsed from syscalls_{arch}.c"
    table = {}
    for name, nr in pairs:
        assert name not in table, f"{arch}: {name} listed twice"
        table[name] = int(nr)
    return table


def gentables_cmd(out, csv_path=None, x86_64=None):
    return [sys.executable, str(REPO / "tools" / "gentables.py"),
            "--x86-64", str(x86_64 or KERNEL / "syscall_64.tbl"),
            "--generic", str(KERNEL / "syscall.tbl"),
            "--csv", str(csv_path or KERNEL / "syscalls-7.1.csv"),
            "--i386", str(I386_HDR),
            "--arm", str(ARM_HDRS[0]), "--arm", str(ARM_HDRS[1]),
            "--out", str(out)]


def assert_same_files(tmp, names):
    for name in names:
        got, want = tmp / name, ARCH_DIR / name
        assert got.exists(), f"generator did not write {name}"
        assert filecmp.cmp(got, want, shallow=False), (
            f"arch/{name} differs from what the generator produces now; "
            f"regenerate it (diff {got} {want})")


def test_gentables_reproduces_committed_tables(tmp_path):
    need_kernel_inputs()
    p = subprocess.run(gentables_cmd(tmp_path), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert_same_files(tmp_path, [f"syscalls_{a}.c" for a in ARCHES] + ["syscalls_gen.h"])


def test_every_csv_row_matches_committed_tables():
    need_kernel_inputs()
    tables = {a: committed_table(a) for a in ("x86_64", "x32", "aarch64")}
    lines = [l for l in (KERNEL / "syscalls-7.1.csv").read_text().splitlines()
             if l and not l.startswith("#")]
    rows = list(csv.DictReader(lines))
    assert len(rows) > 350
    for row in rows:
        for arch in tables:
            want = row[arch]
            got = tables[arch].get(row["name"])
            if want == "PNR":
                assert got is None, f"{arch}: {row['name']} must be absent, table has {got}"
            else:
                assert got == int(want), f"{arch}: {row['name']} is {want} in the CSV, table has {got}"
    # ...and nothing in the three tables that the CSV does not have.
    for arch, table in tables.items():
        listed = {r["name"] for r in rows if r[arch] != "PNR"}
        assert set(table) == listed, f"{arch}: extra {sorted(set(table) - listed)}"


def test_required_entries_present():
    x86, arm64 = committed_table("x86_64"), committed_table("aarch64")
    assert x86["rseq_slice_yield"] == 471 and arm64["rseq_slice_yield"] == 471
    assert x86["uprobe"] == 336
    assert "open" not in arm64


def tweak_csv(tmp_path, name, column, value):
    lines = (KERNEL / "syscalls-7.1.csv").read_text().splitlines()
    header = next(l for l in lines if l.startswith("name,")).split(",")
    col = header.index(column)
    out = []
    for line in lines:
        fields = line.split(",")
        if fields[0] == name:
            fields[col] = value
        out.append(",".join(fields))
    path = tmp_path / "tweaked.csv"
    path.write_text("\n".join(out) + "\n")
    return path


@pytest.mark.parametrize("name,column,value", [
    ("openat", "x86_64", "258"),      # number disagrees with the .tbl
    ("read", "x86_64", "PNR"),        # .tbl has it, CSV says absent
    ("listns", "aarch64", "471"),     # collides with rseq_slice_yield
])
def test_gentables_refuses_disagreement(tmp_path, name, column, value):
    need_kernel_inputs()
    bad_csv = tweak_csv(tmp_path, name, column, value)
    out = tmp_path / "out"
    out.mkdir()
    p = subprocess.run(gentables_cmd(out, csv_path=bad_csv), capture_output=True, text=True)
    assert p.returncode == 1, p.stdout + p.stderr
    assert name in p.stderr or "collide" in p.stderr, p.stderr
    assert not list(out.iterdir()), "nothing may be written when inputs disagree"


def test_gentables_refuses_renumbered_tbl(tmp_path):
    need_kernel_inputs()
    text = (KERNEL / "syscall_64.tbl").read_text()
    bad = tmp_path / "syscall_64.tbl"
    renumbered, n = re.subn(r"^59(\s+64\s+execve\b)", r"600\1", text, flags=re.M)
    assert n == 1, "syscall_64.tbl no longer has '59 64 execve'"
    bad.write_text(renumbered)
    out = tmp_path / "out"
    out.mkdir()
    p = subprocess.run(gentables_cmd(out, x86_64=bad), capture_output=True, text=True)
    assert p.returncode == 1 and "execve" in p.stderr, p.stderr


# libseccomp resolves the i386 socket and SysV IPC calls to their
# multiplexers (socketcall 102, ipc 117); that is its policy, not a number.
LIBSECCOMP_MULTIPLEXED = {"i386": {102, 117}}


@pytest.mark.parametrize("arch", ARCHES)
def test_tables_agree_with_libseccomp(arch):
    try:
        import seccomp
    except ImportError:
        need(False, "python3-seccomp is not installed (run tools/install-test-deps.sh)")
    lib_arch = {"x86_64": seccomp.Arch.X86_64, "x32": seccomp.Arch.X32,
                "aarch64": seccomp.Arch.AARCH64, "i386": seccomp.Arch.X86,
                "arm": seccomp.Arch.ARM}[arch]
    table = committed_table(arch)
    compared = 0
    for name, nr in table.items():
        lib = seccomp.resolve_syscall(lib_arch, name)
        if lib < 0:
            continue  # newer than this libseccomp, or a pseudo-syscall
        if arch == "x32":
            lib &= ~X32_BIT
        if lib in LIBSECCOMP_MULTIPLEXED.get(arch, ()) and lib != nr:
            continue
        assert lib == nr, f"{arch}: {name} is {nr} here but {lib} in libseccomp"
        compared += 1
    assert compared > 0.9 * len(table) - 40, f"{arch}: only {compared} names compared"
    # Every number libseccomp names must be in our table under that name.
    ours = {nr: name for name, nr in table.items()}
    for nr in range(0, max(n for n in ours if n < 0x0F0000) + 1):
        q = nr | X32_BIT if arch == "x32" else nr
        try:
            name = seccomp.resolve_syscall(lib_arch, q)
        except ValueError:
            continue  # a number libseccomp does not name
        if name:
            assert ours.get(nr) == name.decode(), f"{arch}: libseccomp says {nr} is {name.decode()}"


def test_genconsts_reproduces_committed_constants(tmp_path):
    need(shutil.which("gcc") is not None, "gcc not found")
    need(shutil.which("aarch64-linux-gnu-gcc") is not None,
         "aarch64-linux-gnu-gcc not found (gcc-aarch64-linux-gnu)")
    p = subprocess.run([sys.executable, str(REPO / "tools" / "genconsts.py"), "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert_same_files(tmp_path, ["constants_x86_64.c", "constants_aarch64.c", "constants_gen.h"])


def header_as_tbl(headers, abi):
    """A kernel-style .tbl (nr abi name) built from unistd headers."""
    lines = []
    for h in headers:
        for m in re.finditer(r"#define __NR_(\w+) (?:\(__NR_SYSCALL_BASE \+ )?(\d+)\)?\n", h.read_text()):
            if m.group(1) != "SYSCALL_BASE":
                lines.append(f"{m.group(2)}\t{abi}\t{m.group(1)}\t\tsys_{m.group(1)}")
    return "# made by test_tables.py\n" + "\n".join(lines) + "\n"


def test_gentables_kernel_tree_mode(tmp_path):
    """--kernel-tree reads the .tbl files (ABI filters for i386 and arm EABI,
    ARM private calls from the uapi unistd.h) and yields the same tables."""
    need_kernel_inputs()
    tree = tmp_path / "linux"
    files = {
        "arch/x86/entry/syscalls/syscall_64.tbl": (KERNEL / "syscall_64.tbl").read_text(),
        "scripts/syscall.tbl": (KERNEL / "syscall.tbl").read_text(),
        "arch/x86/entry/syscalls/syscall_32.tbl": header_as_tbl([I386_HDR], "i386"),
        # An OABI-only line must be left out of the EABI table.
        "arch/arm/tools/syscall.tbl": header_as_tbl([ARM_HDRS[0]], "common")
        + "102\toabi\tsocketcall\t\tsys_socketcall\n",
        "arch/arm/include/uapi/asm/unistd.h": ARM_HDRS[1].read_text(),
    }
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    p = subprocess.run([sys.executable, str(REPO / "tools" / "gentables.py"), "--kernel-tree", str(tree),
                        "--csv", str(KERNEL / "syscalls-7.1.csv"), "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    for arch in ARCHES:
        got = dict(re.findall(r'\{ "(\w+)", (\d+)u \}', (out / f"syscalls_{arch}.c").read_text()))
        assert {k: int(v) for k, v in got.items()} == committed_table(arch), arch


def gentypes_cmd(out):
    return [sys.executable, str(REPO / "tools" / "gentypes.py"),
            "--x86-64", str(KERNEL / "syscall_64.tbl"),
            "--generic", str(KERNEL / "syscall.tbl"),
            "--i386", str(KERNEL / "syscall_32.tbl"),
            "--arm-compat", str(KERNEL / "arm64-compat-syscall_32.tbl"),
            "--csv", str(KERNEL / "syscalls-7.1.csv"),
            "--syscalls-h", str(KERNEL / "syscalls.h"),
            "--defines", str(KERNEL / "syscall-defines.txt"),
            "--out", str(out)]


def test_gentypes_reproduces_committed_types(tmp_path):
    """arch/types_*.c are generated from the vendored inputs, never edited."""
    p = subprocess.run(gentypes_cmd(tmp_path), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert_same_files(tmp_path, ["types_x86_64.c", "types_aarch64.c", "types_i386.c",
                                 "types_x32.c", "types_arm.c", "types_gen.h"])


def test_gentypes_refuses_an_unknown_type(tmp_path):
    text = (KERNEL / "syscall-defines.txt").read_text()
    bad = tmp_path / "defines.txt"
    bad.write_text(text.replace("SYSCALL_DEFINE2(kill, pid_t, pid", "SYSCALL_DEFINE2(kill, weird_t, pid"))
    cmd = gentypes_cmd(tmp_path / "out")
    cmd[cmd.index("--defines") + 1] = str(bad)
    (tmp_path / "out").mkdir()
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 1 and "weird_t" in p.stderr, p.stderr
    assert not list((tmp_path / "out").iterdir())
