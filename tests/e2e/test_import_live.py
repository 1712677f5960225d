"""Docker's default profile, imported and installed live on this machine's
x86_64 kernel: each call made in a forked child of build/tests/tryfilter
with the imported filter installed (never in pytest itself), and its
outcome checked against what the profile says and against bpfsim's
decision for the same call."""

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

import ia32

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
TRYFILTER = BUILD / "tests" / "tryfilter"
DOCKER = REPO / "tests" / "containers" / "docker-default.json"
IN_CI = os.environ.get("CI") == "true"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_import_differential import COMPILER_HAS_ABI  # noqa: E402

pytestmark = pytest.mark.skipif(
    platform.machine() != "x86_64" and not IN_CI,
    reason="live x86_64 tests need an x86_64 kernel")

# Until the compiler has `abi`/`on-newer` (see test_import_differential.py).
OPTS = () if COMPILER_HAS_ABI else ("--abi", "native", "--no-enosys-stub")

AF_UNIX, AF_ALG, AF_VSOCK, SOCK_STREAM, SOCK_SEQPACKET = 1, 38, 40, 1, 5
CLONE_NEWNS, SIGCHLD = 0x20000, 17
EPERM, ENOSYS = 1, 38
# A number above every syscall the profile names: runc's stub answers
# ENOSYS there, the default (EPERM) without it.
BEYOND = 1000

# (what, x86_64 syscall number, args, expected tryfilter line (None: a
# return value, any), bpfsim's action)
CASES = [
    ("personality(0xffffffff), a query, is allowed", 135, (0xffffffff,), None, "allow"),
    ("personality(0x1234) is refused", 135, (0x1234,), "errno %d" % EPERM, "errno(1)"),
    ("personality with an upper bit set is refused (runc compares 64 bits)", 135,
     (0x1ffffffff,), "errno %d" % EPERM, "errno(1)"),
    ("socket(AF_UNIX, SOCK_STREAM) is allowed", 41, (AF_UNIX, SOCK_STREAM, 0), None, "allow"),
    ("socket(AF_VSOCK) is refused", 41, (AF_VSOCK, SOCK_STREAM, 0), "errno %d" % EPERM,
     "errno(1)"),
    ("socket(AF_ALG) is refused", 41, (AF_ALG, SOCK_SEQPACKET, 0), "errno %d" % EPERM,
     "errno(1)"),
    ("clone with CLONE_NEWNS is refused", 56, (CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0),
     "errno %d" % EPERM, "errno(1)"),
    ("clone3 gets ENOSYS, so that libc falls back to clone", 435, (0, 0), "errno %d" % ENOSYS,
     "errno(38)"),
    ("mount needs CAP_SYS_ADMIN: refused", 165, (0, 0, 0, 0, 0), "errno %d" % EPERM,
     "errno(1)"),
    ("keyctl is not in the profile: the default", 250, (0,), "errno %d" % EPERM, "errno(1)"),
    ("getpid is allowed", 39, (), None, "allow"),
    ("a number beyond the profile's: %s" % ("ENOSYS (runc's stub)" if COMPILER_HAS_ABI
                                            else "the default (no stub yet)"),
     BEYOND, (), "errno %d" % (ENOSYS if COMPILER_HAS_ABI else EPERM),
     "errno(%d)" % (ENOSYS if COMPILER_HAS_ABI else EPERM)),
]


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    prog = tmp_path_factory.mktemp("live") / "docker.bpf"
    r = subprocess.run([str(BUILD / "bpfgen"), "-a", "x86_64", "-f", "raw", "-o",
                        str(prog), *OPTS, str(DOCKER)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert TRYFILTER.exists(), "build it first: make %s" % TRYFILTER
    return prog


def run(*args):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_docker_profile_live(program, case):
    what, nr, args, want, sim = case
    got = run(TRYFILTER, program, nr, *["%#x" % a for a in args])
    if want is None:
        assert got.startswith("ret "), "%s: %s" % (what, got)
    else:
        assert got == want, "%s: %s" % (what, got)
    assert run(BUILD / "bpfsim", "-a", "x86_64", program, nr,
               *["%#x" % a for a in args]).split()[0] == sim


def test_i386_calls_get_what_the_import_accepts(program):
    """With --abi native, i386 calls get runc's bad-architecture action,
    kill-thread; with the profile's ABIs, i386's getpid is allowed."""
    want = "allow" if COMPILER_HAS_ABI else "kill-thread"
    assert run(BUILD / "bpfsim", "-a", "i386", program, "getpid").split()[0] == want
    if ia32.available(str(TRYFILTER)):
        got = run(TRYFILTER, "--i386", program, ia32.I386_GETPID)
        assert got.startswith("ret ") if COMPILER_HAS_ABI else got == "thread-killed", got
    else:
        ia32.note_refused()
