"""Multi-ABI filters (policy `abi`, `on-newer`, `socketcall fail-open`),
proven on this machine's kernel: the filter is installed in a forked
child by build/tests/tryfilter, which makes the call natively, as an
x32-numbered call (x32 bit in nr) or through int 0x80 (the i386 ABI).

x32: this kernel has no x32 ABI, but seccomp runs before the kernel looks
the number up, so the filter's decision is what the child sees (errno,
kill) and an allowed call comes back ENOSYS from the kernel.

i386: where int 0x80 runs, each call is checked on the kernel; where the
kernel refuses it (tests/e2e/ia32.py), that refusal is asserted and the
filter's decision is checked in the emulator. The emulator's decision is
checked for every i386 call in any case (bpfsim -a i386)."""
import os
import subprocess

import pytest

import ia32

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
BPFGEN = os.path.join(BUILD, "bpfgen")
BPFSIM = os.path.join(BUILD, "bpfsim")
BPFDIFF = os.path.join(BUILD, "bpfdiff")
TRYFILTER = os.path.join(BUILD, "tests", "tryfilter")

# Numbers from the kernel's tables (arch/kernel/syscall_64.tbl, syscall_32.tbl).
X86 = {"getpid": 39, "socket": 41, "connect": 42, "bind": 49, "ptrace": 101,
       "getppid": 110, "semget": 64}
X32 = {"getpid": 39, "socket": 41, "connect": 42, "ptrace": 521, "rt_sigaction": 512}
I386 = {"getpid": 20, "ptrace": 26, "socketcall": 102, "ipc": 117, "socket": 359,
        "connect": 362, "semget": 393}
X32_BIT = 0x40000000
AF_UNIX, AF_INET6, SOCK_STREAM = 1, 10, 1
SYS_SOCKET, SYS_BIND, SYS_CONNECT = 1, 2, 3
SEMOP, SEMGET = 1, 2
EPERM, ENOTTY, EACCES, EXDEV, EFAULT, ENOSYS = 1, 25, 13, 18, 14, 38

DENY_LIST = """\
default allow
abi x86_64: native, i386, x32
errno(EPERM): socket if family == AF_INET6
errno(EACCES): connect
kill-process: ptrace
errno(ENOTTY): semget
"""


def compile_raw(tmp_path, text, name, *extra, arch="x86_64"):
    pol = tmp_path / f"{name}.policy"
    pol.write_text(text)
    out = tmp_path / f"{name}.{arch}.bpf"
    r = subprocess.run([BPFGEN, "-f", "raw", "-a", arch, "-o", str(out), *extra, str(pol)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return str(out), r.stderr


def kernel(raw, nr, *args, mode=None):
    cmd = [TRYFILTER] + ([mode] if mode else []) + [raw, str(nr)] + [hex(a) for a in args]
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "handle_segv=0"]))
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def sim(raw, arch, call, *args):
    r = subprocess.run([BPFSIM, "-a", arch, raw, str(call), *[hex(a) for a in args]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()[0]


# What the kernel reports for a filter's action, for calls that the
# kernel would otherwise run (ret) or fail in a known way.
def kernel_word(action):
    if action.startswith("errno("):
        return "errno " + action[6:-1]
    if action == "kill-process":
        return "killed SIGSYS"
    return None


def i386_case(raw, call, args, want_sim, want_kernel):
    """An i386 call: the emulator's decision always; the kernel's outcome
    where int 0x80 runs, its refusal where it does not."""
    assert sim(raw, "i386", call, *args) == want_sim, (call, args)
    nr = I386[call] if isinstance(call, str) else call
    got = kernel(raw, nr, *args, mode="--i386")
    if ia32.available(TRYFILTER):
        if want_kernel == "ret":
            assert got.startswith("ret "), (call, args, got)
        else:
            assert got == want_kernel, (call, args, got)
    else:
        assert got == "killed SEGV", (call, args, got)


# --- x86_64 native and x32 on the kernel -----------------------------------

@pytest.mark.parametrize("call,args,want", [
    ("socket", (AF_INET6, SOCK_STREAM, 0), "errno 1"),
    ("socket", (AF_UNIX, SOCK_STREAM, 0), "ret"),
    ("connect", (0, 0, 0), "errno 13"),
    ("ptrace", (0,), "killed SIGSYS"),
    ("semget", (0, 0, 0), "errno 25"),
    ("getpid", (), "ret"),
])
def test_native_calls(tmp_path, call, args, want):
    raw, _ = compile_raw(tmp_path, DENY_LIST, "deny")
    got = kernel(raw, X86[call], *args)
    assert got.startswith("ret ") if want == "ret" else got == want, got
    assert sim(raw, "x86_64", call, *args) == ("allow" if want == "ret" else
                                               {"errno 1": "errno(1)", "errno 13": "errno(13)",
                                                "killed SIGSYS": "kill-process",
                                                "errno 25": "errno(25)"}[want])


ALLOW_ALL = bytes([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f])


@pytest.mark.parametrize("call,args,want", [
    # the filter's own answers
    ("socket", (AF_INET6, SOCK_STREAM, 0), "errno 1"),
    ("connect", (0, 0, 0), "errno 13"),
    ("ptrace", (0,), "killed SIGSYS"),
    # allowed by the filter: what the kernel does without a filter (this
    # one has no x32 ABI and says ENOSYS; one with x32 runs the call)
    ("socket", (AF_UNIX, SOCK_STREAM, 0), None),
    ("getpid", (), None),
    ("rt_sigaction", (0, 0, 0, 8), None),
])
def test_x32_calls_reach_their_own_rules(tmp_path, call, args, want):
    raw, _ = compile_raw(tmp_path, DENY_LIST, "deny")
    got = kernel(raw, X32[call], *args, mode="--x32")
    if want is None:
        allow_all = tmp_path / "allow.bpf"
        allow_all.write_bytes(ALLOW_ALL)
        unfiltered = kernel(str(allow_all), X32[call], *args, mode="--x32")
        assert unfiltered == "errno 38" or unfiltered.startswith("ret "), unfiltered
        assert got.split()[0] == unfiltered.split()[0] and \
            (got == unfiltered or got.startswith("ret ")), (got, unfiltered)
    else:
        assert got == want
    assert sim(raw, "x32", call, *args) == ("allow" if want is None else
                                            {"errno 1": "errno(1)", "errno 13": "errno(13)",
                                             "killed SIGSYS": "kill-process"}[want])


def test_x32_not_accepted_keeps_on_x32(tmp_path):
    text = DENY_LIST.replace("abi x86_64: native, i386, x32", "abi x86_64: native, i386")
    raw, _ = compile_raw(tmp_path, text, "nox32")
    assert kernel(raw, X32["getpid"], mode="--x32") == "killed SIGSYS"
    assert kernel(raw, X32["socket"], AF_UNIX, SOCK_STREAM, 0, mode="--x32") == "killed SIGSYS"
    assert sim(raw, "x32", "getpid") == "kill-process"
    # on-x32 still applies, and -1 still gets the default
    raw2, _ = compile_raw(tmp_path, text + "on-x32 errno(EXDEV)\n", "nox32b")
    assert kernel(raw2, X32["getpid"], mode="--x32") == "errno 18"
    assert kernel(raw2, 0xffffffff) == "errno 38"


def test_i386_not_accepted_keeps_on_bad_arch(tmp_path):
    text = DENY_LIST.replace("native, i386, x32", "native, x32") + "on-bad-arch errno(EXDEV)\n"
    raw, _ = compile_raw(tmp_path, text, "noi386")
    i386_case(raw, "getpid", (), "errno(18)", "errno 18")
    i386_case(raw, "socketcall", (SYS_BIND, 0), "errno(18)", "errno 18")


# --- i386: direct calls, socketcall and ipc --------------------------------

@pytest.mark.parametrize("call,args,want_sim,want_kernel", [
    ("getpid", (), "allow", "ret"),
    ("ptrace", (0,), "kill-process", "killed SIGSYS"),
    ("socket", (AF_INET6, SOCK_STREAM, 0), "errno(1)", "errno 1"),
    ("socket", (AF_UNIX, SOCK_STREAM, 0), "allow", "ret"),
    # the upper halves a 64-bit caller leaves in the registers are no part
    # of an i386 argument: the low word decides
    ("socket", (0xdead00000000 | AF_INET6, SOCK_STREAM, 0), "errno(1)", "errno 1"),
    ("socket", (0xdead00000000 | AF_UNIX, SOCK_STREAM, 0), "allow", "ret"),
    ("connect", (0, 0, 0), "errno(13)", "errno 13"),
    # socketcall(SYS_SOCKET): the family is in memory; the deny rule
    # applies to every such call (fail closed)
    ("socketcall", (SYS_SOCKET, 0), "errno(1)", "errno 1"),
    ("socketcall", (SYS_CONNECT, 0), "errno(13)", "errno 13"),
    # no rule on bind: allowed, and the kernel fails the NULL pointer
    ("socketcall", (SYS_BIND, 0), "allow", "errno 14"),
    # ipc(SEMGET) like semget, whatever the version in the high 16 bits
    ("ipc", (SEMGET, 0, 0, 0), "errno(25)", "errno 25"),
    ("ipc", (0x10000 | SEMGET, 0, 0, 0), "errno(25)", "errno 25"),
    ("semget", (0, 0, 0), "errno(25)", "errno 25"),
    ("ipc", (SEMOP, 0, 0, 0), "allow", None),
])
def test_i386_calls(tmp_path, call, args, want_sim, want_kernel):
    raw, err = compile_raw(tmp_path, DENY_LIST, "deny")
    assert "-Wsocketcall" in err
    if want_kernel is None:     # the kernel's own answer is no part of the test
        assert sim(raw, "i386", call, *args) == want_sim
        return
    i386_case(raw, call, args, want_sim, want_kernel)


ALLOW_LIST = """\
default errno(EPERM)
abi x86_64: native, i386
allow: socket if family == AF_UNIX
allow: getpid, exit, exit_group, rt_sigreturn, restart_syscall
"""


def test_allow_rule_with_conditions_fails_closed_through_socketcall(tmp_path):
    raw, err = compile_raw(tmp_path, ALLOW_LIST, "allow")
    assert "warning: on i386, socketcall(socket)" in err and "[-Wsocketcall]" in err
    # direct socket(): the condition is checked
    i386_case(raw, "socket", (AF_UNIX, SOCK_STREAM, 0), "allow", "ret")
    i386_case(raw, "socket", (AF_INET6, SOCK_STREAM, 0), "errno(1)", "errno 1")
    # socketcall(SYS_SOCKET): cannot be checked, falls to the default
    i386_case(raw, "socketcall", (SYS_SOCKET, 0), "errno(1)", "errno 1")
    # natively nothing changes
    assert kernel(raw, X86["socket"], AF_UNIX, SOCK_STREAM, 0).startswith("ret ")
    assert kernel(raw, X86["socket"], AF_INET6, SOCK_STREAM, 0) == "errno 1"


def test_socketcall_fail_open(tmp_path):
    raw, err = compile_raw(tmp_path, ALLOW_LIST + "socketcall fail-open\n", "open")
    assert "'socketcall fail-open' lets them through unchecked" in err
    i386_case(raw, "socketcall", (SYS_SOCKET, 0), "allow", "errno 14")
    i386_case(raw, "socketcall", (SYS_BIND, 0), "errno(1)", "errno 1")
    i386_case(raw, "socket", (AF_INET6, SOCK_STREAM, 0), "errno(1)", "errno 1")
    # bpfdiff names the one difference between the two
    closed, _ = compile_raw(tmp_path, ALLOW_LIST, "closed")
    r = subprocess.run([BPFDIFF, "-a", "x86_64", closed, raw], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [
        "x86_64: i386 socketcall (102): when arg0.lo == 0x1: errno(1) -> allow (e.g. arg0=0x1)"]


def test_rules_naming_socketcall_directly(tmp_path):
    text = "default allow\nabi x86_64: native, i386\nerrno(EXDEV): socketcall if arg0 == 2\n"
    raw, _ = compile_raw(tmp_path, text, "direct")
    i386_case(raw, "socketcall", (SYS_BIND, 0), "errno(18)", "errno 18")
    i386_case(raw, "socketcall", (SYS_SOCKET, 0), "allow", "errno 14")


# --- on-newer ----------------------------------------------------------------

ON_NEWER = """\
default allow
abi x86_64: native, x32, i386
on-newer errno(EXDEV)
errno(EPERM): getppid
allow: exit, exit_group
"""


def test_on_newer(tmp_path):
    raw, _ = compile_raw(tmp_path, ON_NEWER, "newer")
    # x86_64: exit_group (231) is the highest number named
    assert kernel(raw, 300) == "errno 18"                 # fanotify_init: newer
    assert kernel(raw, 0x3ffffff0) == "errno 18"
    assert kernel(raw, X86["getpid"]).startswith("ret ")
    assert kernel(raw, X86["getppid"]) == "errno 1"
    # x32 counts on its own: its exit_group is 231 too, rt_sigaction 512
    assert kernel(raw, X32["rt_sigaction"], 0, 0, 0, 8, mode="--x32") == "errno 18"
    assert kernel(raw, X32["getpid"], mode="--x32") in ("errno 38", "ret %d" % 0) or \
        kernel(raw, X32["getpid"], mode="--x32").startswith("ret ")
    assert kernel(raw, 0xffffffff) == "errno 18"          # -1 is x32's, above its highest
    # i386: exit_group is 252
    i386_case(raw, 253, (), "errno(18)", "errno 18")
    i386_case(raw, "getpid", (), "allow", "ret")
    # without the line: the kernel's ENOSYS for what it does not know
    raw2, _ = compile_raw(tmp_path, ON_NEWER.replace("on-newer errno(EXDEV)\n", ""), "old")
    assert kernel(raw2, 0x3ffffff0) == "errno 38"


# --- the program's shape and the tools --------------------------------------

def test_without_abi_line_nothing_changes(tmp_path):
    """A policy that accepts only the native ABI compiles to the same
    program with or without `abi x86_64: native`."""
    base = "default allow\nkill-process: ptrace\nerrno(EPERM): socket if family == 10\n"
    a, _ = compile_raw(tmp_path, base, "a")
    b, _ = compile_raw(tmp_path, "abi x86_64: native\nabi aarch64: native\n" + base, "b")
    assert open(a, "rb").read() == open(b, "rb").read()


def test_listing_names_each_section(tmp_path):
    pol = tmp_path / "l.policy"
    pol.write_text(DENY_LIST)
    r = subprocess.run([BPFGEN, "-f", "asm", "-a", "x86_64", str(pol)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "accepted ABIs: x86_64 (native), x32, i386" in out
    assert "; AUDIT_ARCH_I386" in out
    assert "jeq #0x66, " in out and "; socketcall" in out     # 102 named from i386's table
    assert "; x32 ptrace" in out
    stats = subprocess.run([BPFGEN, "--stats", "-a", "x86_64", "-o", os.devnull, str(pol)],
                           capture_output=True, text=True, timeout=60).stderr
    assert "x86_64, x32 section: per syscall" in stats
    assert "x86_64, i386 section: per syscall" in stats


def test_aarch64_arm_section_in_the_emulator(tmp_path):
    text = "default allow\nabi aarch64: native, arm\nerrno(EPERM): socket if family == AF_INET6\n" \
           "kill-process: ptrace\n"
    raw, _ = compile_raw(tmp_path, text, "arm", arch="aarch64")
    assert sim(raw, "arm", "socket", AF_INET6, SOCK_STREAM, 0) == "errno(1)"
    assert sim(raw, "arm", "socket", AF_UNIX, SOCK_STREAM, 0) == "allow"
    assert sim(raw, "arm", "ptrace", 0) == "kill-process"
    assert sim(raw, "arm", "getpid") == "allow"
    assert sim(raw, "aarch64", "socket", AF_INET6, SOCK_STREAM, 0) == "errno(1)"
    plain, _ = compile_raw(tmp_path, text.replace("abi aarch64: native, arm\n", ""), "plain",
                           arch="aarch64")
    assert sim(plain, "arm", "getpid") == "kill-process"
