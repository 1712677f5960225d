"""bpfgen --describe SYSCALL: each target's syscall number and the C types
of its parameters as the arch stage's type tables give them."""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
BPFGEN = BUILD / "bpfgen"


def describe(*args):
    return subprocess.run([str(BPFGEN), *args], capture_output=True, text=True, timeout=30)


def section(out, arch):
    """The lines --describe printed for ARCH."""
    lines, keep = [], False
    for line in out.splitlines():
        if not line.startswith(" "):
            keep = line.startswith(arch + ":")
        if keep:
            lines.append(line)
    return lines


def test_socket_on_both_targets():
    p = describe("--describe", "socket")
    assert p.returncode == 0, p.stderr
    x86, arm = section(p.stdout, "x86_64"), section(p.stdout, "aarch64")
    assert x86[0] == "x86_64: socket (41)"
    assert arm[0] == "aarch64: socket (198)"
    for sec in (x86, arm):
        assert sec[1:4] == ["  arg0 family: int (32-bit, signed)",
                            "  arg1 type: int (32-bit, signed)",
                            "  arg2 protocol: int (32-bit, signed)"]
        assert sec[4].startswith("  source: net/socket.c")


def test_clone_forms_differ():
    p = describe("--describe", "clone")
    assert p.returncode == 0, p.stderr
    x86, arm = section(p.stdout, "x86_64"), section(p.stdout, "aarch64")
    assert "  arg3 child_tidptr: int __user * (64-bit, unsigned, pointer)" in x86
    assert "  arg4 tls: unsigned long (64-bit, unsigned)" in x86
    assert "  arg3 tls: unsigned long (64-bit, unsigned)" in arm
    assert "  arg4 child_tidptr: int __user * (64-bit, unsigned, pointer)" in arm


def test_missing_on_one_target_and_narrow_types():
    p = describe("--describe", "open")
    assert p.returncode == 0, p.stderr
    assert "  arg2 mode: umode_t (16-bit, unsigned)" in section(p.stdout, "x86_64")
    assert section(p.stdout, "aarch64") == ["aarch64: open: no such syscall on aarch64"]


def test_unknown_types_say_why():
    p = describe("--describe", "tuxcall")
    assert p.returncode == 0, p.stderr
    x86 = section(p.stdout, "x86_64")
    assert x86[0] == "x86_64: tuxcall (184)"
    assert x86[1].startswith("  parameter types unknown: not implemented")


def test_one_architecture():
    p = describe("-a", "aarch64", "--describe", "ioctl")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == "aarch64: ioctl (29)"
    assert "x86_64" not in p.stdout
    assert "  arg1 cmd: unsigned int (32-bit, unsigned)" in p.stdout


def test_unknown_name_suggests():
    p = describe("--describe", "sokcet")
    assert p.returncode == 1
    assert p.stdout == ""
    assert "unknown syscall 'sokcet'; did you mean 'socket'?" in p.stderr
    p = describe("--describe", "zzzzzzzzzzzz")
    assert p.returncode == 1 and "did you mean" not in p.stderr


def test_describe_takes_no_policy():
    p = describe("--describe", "read", "x.policy")
    assert p.returncode == 2 and "no policy" in p.stderr
