"""The runtime installer (runtime/bpfrt.[ch]) as a vendorable piece, the
generated header's architecture selector, cross-compiling and the worker
demo. The runtime's results on a live kernel are in test_live_x86_64.py."""
import os
import shutil
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
GEN = os.path.join(BUILD, "gen")
IN_CI = os.environ.get("CI") == "true"
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE"]
# What an async-signal-safe, allocation-free installer may call.
ALLOWED_UNDEFINED = {"syscall", "prctl", "__errno_location"}


def need_tool(name):
    if shutil.which(name) is None:
        if IN_CI:
            pytest.fail("%s is missing in CI (tools/install-test-deps.sh)" % name)
        pytest.skip("%s is not installed" % name)


def compile_runtime(cc, tmp_path):
    """Compile bpfrt.c on its own, as a vendoring project would."""
    vend = tmp_path / "vendor"
    vend.mkdir()
    for f in ("bpfrt.h", "bpfrt.c"):
        shutil.copy(os.path.join(ROOT, "runtime", f), vend / f)
    obj = tmp_path / "bpfrt.o"
    # No -D_GNU_SOURCE: a vendoring project's strict -std=c11 must do.
    strict = [f for f in CFLAGS if f != "-D_GNU_SOURCE"]
    subprocess.run([cc] + strict + ["-pedantic", "-c", "-o", str(obj),
                    str(vend / "bpfrt.c")], check=True)
    return obj


@pytest.mark.parametrize("cc", ["cc", "aarch64-linux-gnu-gcc"])
def test_runtime_compiles_alone_and_calls_only_syscalls(cc, tmp_path):
    need_tool(cc)
    obj = compile_runtime(cc, tmp_path)
    nm = subprocess.run(["nm", "-u", str(obj)], capture_output=True,
                        text=True, check=True).stdout.split()
    undefined = {w for w in nm if w != "U"}
    assert undefined <= ALLOWED_UNDEFINED, \
        "bpfrt calls more than syscall/prctl: %s" % sorted(undefined - ALLOWED_UNDEFINED)
    assert {"syscall", "prctl"} <= undefined


def selected_array(cc, extra=()):
    """Which array NAME_filter names when the header is compiled by CC."""
    src = '#include "pvf_worker.h"\n'
    p = subprocess.run([cc, "-E", "-dM", "-I", GEN] + list(extra) + ["-"],
                       input=src, capture_output=True, text=True)
    if p.returncode != 0:
        return "error: " + p.stderr
    for line in p.stdout.splitlines():
        if line.startswith("#define pvf_worker_filter "):
            return line.split()[2]
    return None


def test_header_selects_x86_64_on_x86_64():
    assert selected_array("cc") == "pvf_worker_x86_64"


def test_header_selects_aarch64_without_flags():
    need_tool("aarch64-linux-gnu-gcc")
    assert selected_array("aarch64-linux-gnu-gcc") == "pvf_worker_aarch64"


def test_header_refuses_x32():
    # An x32 program would need another filter; the header must not build.
    out = selected_array("cc", ["-mx32"])
    assert out is not None and out.startswith("error:"), out


def test_cross_compile_builds_static_aarch64_programs():
    need_tool("aarch64-linux-gnu-gcc")
    # Run from `make check-sanitize`, MAKEFLAGS passes SANITIZE=1 on, so
    # this make does not relink the host bpfgen without sanitizers.
    subprocess.run(["make", "-s", "BUILD=" + BUILD,
                    "CROSS_COMPILE=aarch64-linux-gnu-", "target-programs"],
                   cwd=ROOT, check=True)
    for prog in ("demo", "rt_live"):
        path = os.path.join(BUILD, "aarch64", prog)
        desc = subprocess.run(["file", "-b", path], capture_output=True,
                              text=True, check=True).stdout
        assert "ARM aarch64" in desc and "statically linked" in desc, desc
    # The runtime library `make CROSS_COMPILE=... install` would install.
    lib = os.path.join(BUILD, "aarch64", "runtime", "libbpfrt.a")
    members = subprocess.run(["aarch64-linux-gnu-objdump", "-f", lib], capture_output=True,
                             text=True, check=True).stdout
    assert "bpfrt.o" in members and "aarch64" in members, members


def run_demo(*args):
    demo = os.path.join(BUILD, "x86_64", "demo")
    assert os.path.exists(demo), "build it first: make " + demo
    # --log-only may wait out the kernel's audit rate limit (6 s a try).
    return subprocess.run([demo] + list(args), capture_output=True,
                          text=True, timeout=180)


BANNED = ["socket(", "socketpair(", "connect(", "io_uring_setup(",
          "io_uring_enter(", "io_uring_register("]


def lines_for(out, call):
    """The result line of CALL (not the "again in 6 s" notes)."""
    return [line for line in out.splitlines()
            if line.strip().startswith(call) and "[pid " in line]


def test_demo_kills_every_banned_call():
    p = run_demo()
    assert p.returncode == 0, p.stdout + p.stderr
    for call in BANNED:
        (line,) = lines_for(p.stdout, call)
        assert "killed by SIGSYS" in line, line
    (line,) = lines_for(p.stdout, "getpid(")
    assert "allowed, succeeded" in line


def test_demo_log_only_allows_and_logs():
    if os.geteuid() != 0 and not IN_CI:
        pytest.skip("reading /dev/kmsg needs root")
    p = run_demo("--log-only")
    assert p.returncode == 0, p.stdout + p.stderr
    for call in BANNED:
        (line,) = lines_for(p.stdout, call)
        # The call did its work, and the kernel logged it (the demo makes
        # a call again when the kernel's rate limit dropped its line).
        assert "allowed, succeeded; logged by the kernel" in line, p.stdout + p.stderr
