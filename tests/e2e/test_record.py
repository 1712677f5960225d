"""syscall-record on real programs and the real kernel: record a workload,
compile the recorded policy with default kill-process, install it (through
bpfrt, in the child build/tests/rt_exec, never in the test runner) and run
the same workload under it: it must succeed; a variation making one call
more must be killed. Also: strace -f around the recorder sees no syscall
of the workload that the recording lacks; --args rules; foreign ABIs;
--merge; descendants; signals; a dying supervisor."""
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import time

import pytest

import ia32

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
IN_CI = os.environ.get("CI") == "true"
RECORD = os.path.join(BUILD, "syscall-record")
BPFGEN = os.path.join(BUILD, "bpfgen")
RT_EXEC = os.path.join(BUILD, "tests", "rt_exec")
WORKLOAD = os.path.join(BUILD, "tests", "record_workload")
TRYFILTER = os.path.join(BUILD, "tests", "tryfilter")
ARCH = platform.machine()
SIGSYS_STATUS = -signal.SIGSYS

pytestmark = pytest.mark.skipif(ARCH not in ("x86_64", "aarch64"),
                                reason="bpfgen targets x86_64 and aarch64")


def need_tool(name):
    if shutil.which(name) is None:
        if IN_CI:
            pytest.fail("%s is missing in CI (tools/install-test-deps.sh)" % name)
        pytest.skip("%s is not installed" % name)


def record(tmp_path, cmd, *opts, name="rec.policy", check=True, **kw):
    out = tmp_path / name
    p = subprocess.run([RECORD, "-o", str(out)] + list(opts) + ["--"] + cmd,
                       capture_output=True, text=True, timeout=120, **kw)
    if check:
        assert p.returncode == 0, p.stderr
    return out, p


def compile_raw(tmp_path, policy):
    bpf = tmp_path / (policy.name + ".bpf")
    p = subprocess.run([BPFGEN, "-f", "raw", "-a", ARCH, "-o", str(bpf), str(policy)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr + policy.read_text()
    return bpf


def enforce(bpf, cmd, **kw):
    """Run CMD under the compiled filter in a child process."""
    return subprocess.run([RT_EXEC, str(bpf)] + cmd, capture_output=True,
                          text=True, timeout=120, **kw)


def allowed(policy):
    """Syscall names the policy's allow rules name."""
    names = set()
    for line in policy.read_text().splitlines():
        m = re.match(r"allow: ([a-z0-9_, ]+?)(\s+if\b|\s*#|$)", line)
        if m:
            names |= {n.strip() for n in m.group(1).split(",")}
    return names


WORKLOADS = {
    "ls": (["ls", "-la", "/"], ["ls", "-la", "--hyperlink", "/"]),  # gethostname: uname
    "sh-pipe": (["sh", "-c", "echo hi | sha256sum"],
                ["sh", "-c", "echo hi | sha256sum; times"]),
    "python": (["python3", "-I", "-B", "-c",
                "import json,sqlite3,ssl; c=sqlite3.connect(':memory:'); "
                "c.execute('create table t(x)'); print(json.dumps(ssl.OPENSSL_VERSION))"],
               ["python3", "-I", "-B", "-c",
                "import json,sqlite3,ssl,os; print(os.getpriority(os.PRIO_PROCESS, 0))"]),
}


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_recorded_policy_runs_the_workload_and_kills_the_rest(tmp_path, name):
    cmd, variant = WORKLOADS[name]
    need_tool(cmd[0])
    policy, _ = record(tmp_path, cmd, "-q")
    text = policy.read_text()
    assert "\ndefault kill-process\n" in text
    assert {"execve", "exit", "exit_group", "rt_sigreturn", "restart_syscall"} <= allowed(policy)
    bpf = compile_raw(tmp_path, policy)
    ok = enforce(bpf, cmd)
    assert ok.returncode == 0, ok.stderr
    bad = enforce(bpf, variant)
    assert bad.returncode == SIGSYS_STATUS, (bad.returncode, bad.stderr)


def test_tar_with_gzip_child(tmp_path):
    need_tool("tar")
    need_tool("gzip")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    for i in range(5):
        (src / "sub" / ("f%d" % i)).write_text("data %d\n" % i * 100)
    policy, _ = record(tmp_path, ["tar", "czf", str(tmp_path / "a.tgz"), "-C", str(src), "."], "-q")
    bpf = compile_raw(tmp_path, policy)
    ok = enforce(bpf, ["tar", "czf", str(tmp_path / "b.tgz"), "-C", str(src), "."])
    assert ok.returncode == 0, ok.stderr
    listing = subprocess.run(["tar", "tzf", str(tmp_path / "b.tgz")], capture_output=True,
                             text=True, check=True).stdout
    assert "./sub/f4" in listing
    # xz is no part of the recording: tar -J's child is killed, tar fails.
    if shutil.which("xz"):
        bad = enforce(bpf, ["tar", "cJf", str(tmp_path / "c.txz"), "-C", str(src), "."])
        assert bad.returncode != 0


def test_threads_fork_exec_and_extra_call(tmp_path):
    policy, p = record(tmp_path, [WORKLOAD])
    assert "workload done" in p.stdout
    names = allowed(policy)
    # Threads (clone3 or clone), the forked child's exec of itself, its uname.
    assert {"wait4", "uname", "gettid"} <= names
    assert names & {"clone", "clone3"}
    assert "getpriority" not in names
    bpf = compile_raw(tmp_path, policy)
    ok = enforce(bpf, [WORKLOAD])
    assert ok.returncode == 0 and "workload done" in ok.stdout, ok.stderr
    bad = enforce(bpf, [WORKLOAD, "--extra"])
    assert bad.returncode == SIGSYS_STATUS


def strace_names(log):
    """Syscalls of the workload's processes in an `strace -f` log of the
    recorder: the recorder child's calls after its seccomp install (the
    exec onwards), and those of every process or thread it or they
    created after that."""
    lines = log.splitlines()
    start = next((i for i, l in enumerate(lines)
                  if re.match(r"^\d+\s+seccomp\(SECCOMP_SET_MODE_FILTER", l)), None)
    assert start is not None, "no seccomp install in the strace log"
    ours = {int(lines[start].split()[0])}
    # Creations after the install: the result is on the entry line, or on
    # the "<... clone resumed>" line that completes it.
    edges = []
    for l in lines[start + 1:]:
        m = re.match(r"^(\d+)\s+(?:<\.\.\. )?(clone3?|v?fork)\b.*= (\d+)\s*$", l)
        if m:
            edges.append((int(m.group(1)), int(m.group(3))))
    grown = True
    while grown:
        grown = False
        for parent, child in edges:
            if parent in ours and child not in ours:
                ours.add(child)
                grown = True
    # Entry lines only: "<... NAME resumed>" repeats a call already seen.
    names = set()
    for l in lines[start + 1:]:
        m = re.match(r"^(\d+)\s+([a-z_0-9]+)\(", l)
        if m and int(m.group(1)) in ours:
            names.add(m.group(2))
    return names


@pytest.mark.parametrize("cmd", [[WORKLOAD], ["sh", "-c", "echo hi | sha256sum"]],
                         ids=["workload", "sh-pipe"])
def test_strace_sees_nothing_the_recording_lacks(tmp_path, cmd):
    need_tool("strace")
    need_tool(cmd[0])
    log = tmp_path / "strace.log"
    out = tmp_path / "rec.policy"
    # A sanitizer build's LeakSanitizer cannot run under ptrace.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run(["strace", "-f", "-qq", "-o", str(log), RECORD, "-q", "-o", str(out),
                        "--"] + cmd, capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    seen = strace_names(log.read_text())
    rec = allowed(out)
    assert "execve" in seen and len(seen) > 10
    assert seen - rec == set(), "strace saw calls the recording lacks"


def test_args_rules_name_families(tmp_path):
    cmd = [WORKLOAD, "--threads", "0", "--sockets"]
    policy, _ = record(tmp_path, cmd, "--args")
    text = policy.read_text()
    rules = [l for l in text.splitlines() if l.startswith("allow: socket ")]
    assert len(rules) == 2, rules
    assert any("AF_UNIX" in r and "SOCK_STREAM" in r for r in rules), rules
    assert any("AF_INET " in r and "SOCK_DGRAM" in r for r in rules), rules
    assert "AF_INET6" not in text
    # SOCK_CLOEXEC was given with AF_UNIX: masked off, not recorded.
    assert "CLOEXEC" not in text and "SOCK_NONBLOCK" not in text
    assert re.search(r"allow: mmap if .*PROT_EXEC == PROT_EXEC", text)
    bpf = compile_raw(tmp_path, policy)
    ok = enforce(bpf, cmd)
    assert ok.returncode == 0, ok.stderr
    bad = enforce(bpf, cmd + ["--inet6"])
    assert bad.returncode == SIGSYS_STATUS


def test_json_record(tmp_path):
    out, _ = record(tmp_path, [WORKLOAD, "--threads", "0", "--sockets"], "--json", "--args",
                    name="rec.json")
    doc = json.loads(out.read_text())
    assert doc["tool"] == "syscall-record" and doc["args_recorded"] is True
    native = [a for a in doc["abis"] if a["abi"] == ARCH]
    assert len(native) == 1 and native[0]["target"] is True
    calls = {c["name"]: c for c in native[0]["syscalls"]}
    fams = sorted((v["family"], v["type"]) for v in calls["socket"]["args"])
    assert fams == [(1, 1), (2, 2)]  # AF_UNIX/SOCK_STREAM, AF_INET/SOCK_DGRAM
    assert calls["execve"]["count"] >= 1
    names = [c["name"] for c in native[0]["syscalls"]]
    assert names == sorted(names)


def test_same_set_same_policy(tmp_path):
    a, _ = record(tmp_path, [WORKLOAD, "--threads", "0"], "-q", name="a.policy")
    b, _ = record(tmp_path, [WORKLOAD, "--threads", "0"], "-q", name="b.policy")
    strip = lambda p: [l.split("#")[0].rstrip() for l in p.read_text().splitlines()]
    assert strip(a) == strip(b)


def test_x32_call_is_reported_as_foreign(tmp_path):
    if ARCH != "x86_64":
        pytest.skip("x32 is an x86_64 ABI")
    policy, p = record(tmp_path, [WORKLOAD, "--threads", "0", "--x32"])
    assert "WARNING" in p.stderr and "x32" in p.stderr
    text = policy.read_text()
    assert "# WARNING: 1 call of the x32 ABI was seen" in text
    assert "#   x32 getpid (39): 1" in text
    assert "allow: getpid" not in text  # the native getpid was never called
    bpf = compile_raw(tmp_path, policy)
    assert enforce(bpf, [WORKLOAD, "--threads", "0"]).returncode == 0
    assert enforce(bpf, [WORKLOAD, "--threads", "0", "--x32"]).returncode == SIGSYS_STATUS


def test_i386_call_is_reported_as_foreign(tmp_path):
    """Where int 0x80 runs, the call is recorded under the i386 ABI and
    reported. Where this kernel refuses it (SIGSEGV before any filter, see
    ia32.py), the recorder must pass that death through and record no i386
    call; the i386 record and report are then proven by the unit tests
    (record/abis_*) and, live, by the arm32 program on the arm64 kernel."""
    if ARCH != "x86_64":
        pytest.skip("int $0x80 is x86_64's")
    if not ia32.available(TRYFILTER):
        ia32.note_refused()
        policy, p = record(tmp_path, [WORKLOAD, "--threads", "0", "--i386"], check=False)
        assert p.returncode == 128 + signal.SIGSEGV, p.stderr
        assert "of the i386 ABI" not in policy.read_text()
        assert "i386 ABI" not in p.stderr
        return
    policy, p = record(tmp_path, [WORKLOAD, "--threads", "0", "--i386"])
    assert "i386 ABI" in p.stderr
    assert "#   i386 getpid (20): 1" in policy.read_text()


def test_descendants_outliving_the_command_are_recorded(tmp_path):
    policy, _ = record(tmp_path, [WORKLOAD, "--threads", "0", "--orphan", "300"], "-q")
    assert "getpgid" in allowed(policy)
    # --linger 0 stops at the command's exit: the orphan's call is missed.
    policy, p = record(tmp_path, [WORKLOAD, "--threads", "0", "--orphan", "300"],
                       "--linger", "0", name="l.policy")
    assert "getpgid" not in allowed(policy)
    assert "--linger ended the recording" in p.stderr


def test_exit_status_and_signals_pass_through(tmp_path):
    _, p = record(tmp_path, ["sh", "-c", "echo out; echo err >&2; exit 7"], "-q", check=False)
    assert p.returncode == 7 and p.stdout == "out\n" and p.stderr == "err\n"
    policy, p = record(tmp_path, ["sh", "-c", "kill -SEGV $$"], "-q", check=False)
    assert p.returncode == 128 + signal.SIGSEGV
    assert "allow: kill" in policy.read_text()  # written although it crashed
    _, p = record(tmp_path, ["no-such-command-here"], "-q", check=False)
    assert p.returncode == 127 and "No such file" in p.stderr
    # SIGTERM to the recorder goes to the command; the record is written.
    out = tmp_path / "term.policy"
    rec = subprocess.Popen([RECORD, "-q", "-o", str(out), "--", "sleep", "30"])
    time.sleep(0.5)
    rec.send_signal(signal.SIGTERM)
    assert rec.wait(timeout=20) == 128 + signal.SIGTERM
    assert "allow: clock_nanosleep" in out.read_text() or "allow: nanosleep" in out.read_text()


def test_stdin_passes_through(tmp_path):
    _, p = record(tmp_path, ["sha256sum"], "-q", input="abc")
    assert p.stdout.startswith("ba7816bf")


def test_tracee_never_hangs_when_the_supervisor_dies(tmp_path):
    """SIGKILL the recorder: its listener closes, every notified call of
    the tracee fails with ENOSYS (exit and exit_group are let through by
    the filter itself), and the tracee ends instead of waiting forever."""
    pidfile = tmp_path / "pid"
    rec = subprocess.Popen([RECORD, "-q", "-o", str(tmp_path / "x"), "--", WORKLOAD,
                            "--spin", str(pidfile)])
    deadline = time.time() + 20
    while not (pidfile.exists() and pidfile.read_text().endswith("\n")):
        assert time.time() < deadline, "workload never started"
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    rec.kill()
    rec.wait()
    deadline = time.time() + 20
    while True:
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        assert time.time() < deadline, "the tracee hangs after the supervisor died"
        time.sleep(0.05)


def test_merge_adds_only_what_old_lacks(tmp_path):
    cmd = [WORKLOAD, "--threads", "0", "--sockets"]
    full, _ = record(tmp_path, cmd, "-q", "--args", name="full.policy")
    old = tmp_path / "old.policy"
    # OLD: the recording without socket and uname, and an explicit rule.
    lines = [l for l in full.read_text().splitlines()
             if not l.startswith(("allow: socket", "allow: uname"))]
    old.write_text("\n".join(lines) + "\nkill-process: ptrace\n")
    merged, p = record(tmp_path, cmd, "-q", "--args", "--merge", str(old), name="m.policy")
    text = merged.read_text()
    # OLD's text is kept; the added block goes before its first rule.
    begin = text.index("# ---- added by syscall-record")
    end = text.index("\n\n", text.index("# ---- end of added rules")) + 2
    assert text[:begin] + text[end:] == old.read_text()
    added = text[begin:end]
    new_rules = [l for l in added.splitlines() if l.startswith("allow:")]
    assert len(new_rules) == 3, new_rules
    assert sum("socket" in r for r in new_rules) == 2 and any("uname" in r for r in new_rules)
    bpf = compile_raw(tmp_path, merged)
    assert enforce(bpf, cmd).returncode == 0
    # Merging the same run again adds nothing.
    again, _ = record(tmp_path, cmd, "-q", "--args", "--merge", str(merged), name="m2.policy")
    assert [l for l in again.read_text().splitlines() if l.startswith("allow:")] == \
        [l for l in text.splitlines() if l.startswith("allow:")]


def test_merge_does_not_override_a_deny_rule(tmp_path):
    old = tmp_path / "old.policy"
    old.write_text("default allow\nkill-process: socket\n")
    merged, p = record(tmp_path, [WORKLOAD, "--threads", "0", "--sockets"], "-q",
                       "--merge", str(old), name="m.policy")
    text = merged.read_text()
    assert "allow: socket" not in text
    assert "# NOT ADDED, a rule below decides it (socket" in text
    assert "decides it (kill-process); not added" in p.stderr
    compile_raw(tmp_path, merged)


def test_bad_usage(tmp_path):
    for args in (["--default", "bogus", "--", "true"], ["--linger", "x", "--", "true"], []):
        p = subprocess.run([RECORD] + args, capture_output=True, text=True)
        assert p.returncode == 125 and "syscall-record:" in p.stderr
    p = subprocess.run([RECORD, "--merge", str(tmp_path / "none"), "-o", str(tmp_path / "o"),
                        "--", "true"], capture_output=True, text=True)
    assert p.returncode == 125 and "cannot read" in p.stderr
    assert not (tmp_path / "o").exists()


def test_second_recorder_inside_is_refused_with_ebusy(tmp_path):
    p = subprocess.run([RECORD, "-q", "-o", str(tmp_path / "outer"), "--", RECORD, "-q",
                        "-o", str(tmp_path / "inner"), "--", "true"],
                       capture_output=True, text=True, timeout=60)
    assert "EBUSY" in p.stderr and p.returncode == 125


# ---- seccomp-audit --policy ------------------------------------------------

AUDIT = os.path.join(BUILD, "seccomp-audit")
# socket, connect, io_uring_setup on x86_64 (logged and killed), one i386
# getpid, and connect again as journald's kernel copy in syslog form.
AUDIT_LOG = "".join(
    "type=SECCOMP msg=audit(1700000000.%03d:%d): auid=1000 uid=1000 gid=1000 ses=3 "
    "pid=77 comm=\"worker\" exe=\"/usr/bin/worker\" sig=%d arch=%s syscall=%d "
    "compat=0 ip=0x7f0000001000 code=%s\n" % (i, i + 1, sig, arch, nr, code)
    for i, (arch, nr, sig, code) in enumerate([
        ("c000003e", 41, 0, "0x7ffc0000"), ("c000003e", 42, 0, "0x7ffc0000"),
        ("c000003e", 425, 31, "0x80000000"), ("40000003", 20, 31, "0x80000000"),
        ("c000003e", 42, 0, "0x7ffc0000")]))


def audit_policy(tmp_path, *opts):
    log = tmp_path / "audit.log"
    log.write_text(AUDIT_LOG)
    return subprocess.run([AUDIT] + list(opts) + [str(log)], capture_output=True,
                          text=True, timeout=60)


def test_audit_policy_prints_rules_that_compile(tmp_path):
    p = audit_policy(tmp_path, "--policy")
    assert p.returncode == 0, p.stderr
    assert "audit records carry no arguments" in p.stderr
    rules = [l.split("#")[0].strip() for l in p.stdout.splitlines() if l.startswith("allow:")]
    assert rules == ["allow: exit, exit_group, rt_sigreturn, restart_syscall",
                     "allow: connect", "allow: io_uring_setup", "allow: socket"]
    assert "allow: connect                           # 2" in p.stdout
    assert "#   i386 getpid (20): 1" in p.stdout and "i386 ABI" in p.stderr
    out = tmp_path / "p.policy"
    out.write_text(p.stdout)
    compile_raw(tmp_path, out)


def test_audit_policy_merges_into_the_worker_policies(tmp_path):
    # A log-only rollout of an allow-list: the events are what it would kill.
    old = tmp_path / "allow.policy"
    old.write_text("# worker allow-list\ndefault kill-process\n"
                   "allow: exit, exit_group, rt_sigreturn, restart_syscall\n"
                   "allow: read, write, socket\n")
    p = audit_policy(tmp_path, "--merge", str(old))
    assert p.returncode == 0, p.stderr
    added = [l.split("#")[0].strip() for l in p.stdout.splitlines()
             if l.startswith("allow:") and l not in old.read_text()]
    assert added == ["allow: connect", "allow: io_uring_setup"]
    merged = tmp_path / "merged.policy"
    merged.write_text(p.stdout)
    compile_raw(tmp_path, merged)
    # The shipped deny-list worker policy denies them by rule: kept, noted.
    worker = os.path.join(ROOT, "policies", "pvf-worker.policy")
    p = audit_policy(tmp_path, "--merge", worker)
    assert p.returncode == 0, p.stderr
    assert p.stdout.endswith(open(worker).read().split("on-x32 kill-process", 1)[1].split("\n", 1)[1])
    assert p.stdout.count("# NOT ADDED, a rule below decides it") == 3
    merged.write_text(p.stdout)
    compile_raw(tmp_path, merged)
