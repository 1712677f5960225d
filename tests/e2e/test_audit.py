"""build/seccomp-audit end to end: the command line on log files, and live
on this kernel: a child under a `log` filter and one under `kill-process`
(tests/e2e/helpers/audit_victim.c) must show up with their exact pid,
syscall name and action via netlink, /dev/kmsg and --run."""
import json
import os
import platform
import random
import selectors
import signal
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
TOOL = os.path.join(BUILD, "seccomp-audit")
VICTIM = os.path.join(BUILD, "tests", "audit_victim")
FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures", "audit")
IN_CI = os.environ.get("CI") == "true"
NATIVE = {"x86_64": "x86_64", "aarch64": "aarch64"}.get(platform.machine())
SIGSYS = 31
# The kernel rate-limits printk (kernel.printk_ratelimit): a record can be
# late or dropped on /dev/kmsg when other tests log many at once, so live
# checks retry for this long before they fail.
LIVE_DEADLINE = 12.0


def need_live():
    """Live tests need root (CAP_AUDIT_READ, /dev/kmsg, loginuid)."""
    problem = None
    if os.geteuid() != 0:
        problem = "live audit tests need root"
    elif NATIVE is None:
        problem = "audit_victim knows only x86_64 and aarch64"
    elif not os.path.exists("/proc/self/loginuid"):
        problem = "kernel without audit support (no /proc/self/loginuid)"
    if problem:
        if IN_CI:
            pytest.fail(problem + " (CI must run them)")
        pytest.skip(problem)
    logged = open("/proc/sys/kernel/seccomp/actions_logged").read().split()
    for action in ("log", "kill_process"):
        assert action in logged, \
            "kernel.seccomp.actions_logged lacks %s: nothing to test" % action


def tool(*args, stdin=None, timeout=30):
    return subprocess.run([TOOL] + list(args), input=stdin,
                          capture_output=True, timeout=timeout)


def victim(*args):
    """Runs audit_victim; returns (pid of the violating process, returncode)."""
    p = subprocess.run([VICTIM] + list(args), capture_output=True, text=True,
                       timeout=10)
    return int(p.stdout.split()[0]), p.returncode


def events(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


# ---- files and the command line ----

def test_every_fixture_format_reads_without_error():
    for name in ("auditd.log", "syslog.log", "dmesg.log", "journal.log",
                 "journal.json", "kmsg.log"):
        r = tool("--json", os.path.join(FIXTURES, name))
        assert r.returncode == 0, r.stderr
        evs = events(r.stdout)
        assert evs, name
        for ev in evs:
            assert ev["pid"] > 0 and ev["action"], ev


def test_pid_filter_is_exact():
    lines = []
    for pid in (12, 123, 1234, 312):
        lines.append("type=SECCOMP msg=audit(1700000000.000:%d): pid=%d "
                     "comm=\"c\" arch=c000003e syscall=39 code=0x7ffc0000"
                     % (pid, pid))
    r = tool("--json", "--pid", "12", "-", stdin="\n".join(lines).encode())
    assert r.returncode == 0, r.stderr
    assert [e["pid"] for e in events(r.stdout)] == [12]


def test_comm_and_since_filters():
    data = ("type=SECCOMP msg=audit(1700000000.000:1): pid=5 comm=\"old\" "
            "arch=c000003e syscall=39 code=0x7ffc0000\n"
            "type=SECCOMP msg=audit(1700000100.000:2): pid=6 comm=\"new\" "
            "arch=c000003e syscall=39 code=0x7ffc0000\n").encode()
    r = tool("--json", "--since", "1700000050", "-", stdin=data)
    assert [e["pid"] for e in events(r.stdout)] == [6]
    r = tool("--json", "--comm", "old", "-", stdin=data)
    assert [e["pid"] for e in events(r.stdout)] == [5]
    r = tool("--json", "--since", "10m", "-", stdin=data)
    assert events(r.stdout) == [], "events from 2023 are not in the last 10m"


def test_stats_count_skipped_lines():
    path = os.path.join(FIXTURES, "auditd.log")
    r = tool("--stats", path)
    assert r.returncode == 0
    assert b"5 seccomp events (5 shown), 3 unrelated, 1 malformed" in r.stderr


def test_garbage_never_crashes_and_is_counted():
    rng = random.Random(1326)
    blob = bytes(rng.randrange(256) for _ in range(300000))
    real = open(os.path.join(FIXTURES, "auditd.log"), "rb").read()
    # Real records cut at every length, random bytes, a 1 MiB line.
    cuts = b"\n".join(real.splitlines()[1][:n] for n in range(0, 400, 7))
    data = blob + b"\n" + cuts + b"\n" + b"x" * (1 << 20) + b"\n" + real
    r = tool("--stats", "--json", "-", stdin=data)
    assert r.returncode == 0, r.stderr
    assert b"malformed skipped" in r.stderr
    evs = events(r.stdout)
    real_pids = [e["pid"] for e in events(tool("--json", "-", stdin=real).stdout)]
    assert len(real_pids) == 5
    assert [e["pid"] for e in evs][-5:] == real_pids, \
        "the real records after the garbage must still be read"


# Confined tasks' records as each log frames them: AppArmor's label holds a
# space and the mode ("docker-default (enforce)"), snaps' a leading "=".
APPARMOR_BODY = ("auid=4294967295 uid=0 gid=0 ses=4294967295 subj=%s pid=%d "
                 "comm=\"sleep\" exe=\"/bin/sleep\" sig=0 arch=c000003e "
                 "syscall=12 compat=0 ip=0x4dd50c code=0x7ffc0000")
APPARMOR_LABELS = ["docker-default (enforce)",
                   "=snap.lxd.daemon (complain)", "unconfined"]


def apparmor_lines():
    """One record per label in each text format, plus journal JSON."""
    lines, pid = [], 100
    for label in APPARMOR_LABELS:
        for frame in ("type=SECCOMP msg=audit(1700000000.%03d:%d): %s",
                      "Nov 14 22:13:20 host kernel: [ 1.0] audit: type=1326 "
                      "audit(1700000000.%03d:%d): %s",
                      "[ 1.0] audit: type=1326 audit(1700000000.%03d:%d): %s",
                      "5,1,2,-;audit: type=1326 audit(1700000000.%03d:%d): %s"):
            pid += 1
            lines.append(frame % (pid, pid, APPARMOR_BODY % (label, pid)))
        pid += 1
        lines.append("Nov 14 22:13:20 host audit[%d]: SECCOMP %s"
                     % (pid, APPARMOR_BODY % (label, pid)))
        pid += 1
        lines.append(json.dumps({"_TRANSPORT": "audit", "_AUDIT_ID": str(pid),
                                 "MESSAGE": "SECCOMP "
                                 + APPARMOR_BODY % (label, pid)}))
    return lines


def test_apparmor_confined_records_are_read_in_every_format():
    lines = apparmor_lines()
    r = tool("--stats", "--json", "-", stdin="\n".join(lines).encode())
    assert r.returncode == 0, r.stderr
    evs = events(r.stdout)
    assert len(evs) == len(lines) == 18, r.stderr
    assert b", 0 malformed" in r.stderr
    assert all(e["syscall_name"] == "brk" and e["comm"] == "sleep"
               for e in evs)


def test_journald_second_copies_are_dropped():
    """Without auditd, journald stores each record from the audit socket
    and again from the kernel log."""
    body = APPARMOR_BODY % ("docker-default (enforce)", 25570)
    json_pair = [
        json.dumps({"_TRANSPORT": "audit", "_AUDIT_ID": "4310",
                    "_SOURCE_REALTIME_TIMESTAMP": "1700000060120000",
                    "MESSAGE": "SECCOMP " + body}),
        json.dumps({"_TRANSPORT": "kernel", "__REALTIME_TIMESTAMP":
                    "1700000060123999", "MESSAGE":
                    "audit: type=1326 audit(1700000060.120:4310): " + body}),
    ]
    text_pair = [
        "2023-11-14T22:14:21.500000+0000 host audit[25570]: SECCOMP " + body,
        "2023-11-14T22:14:21.502311+0000 host kernel: audit: type=1326 "
        "audit(1700000061.500:4311): " + body,
    ]
    for pair in (json_pair, text_pair):
        r = tool("--stats", "--json", "-", stdin="\n".join(pair).encode())
        assert r.returncode == 0, r.stderr
        assert len(events(r.stdout)) == 1, r.stdout
        assert b"1 seccomp events (1 shown)" in r.stderr, r.stderr
        assert b"1 duplicates dropped" in r.stderr, r.stderr
    # The same call made twice is two records: both are kept.
    twice = [json_pair[1], json_pair[1].replace(":4310)", ":4312)")]
    r = tool("--json", "-", stdin="\n".join(twice).encode())
    assert len(events(r.stdout)) == 2


def test_kernel_losses_are_counted():
    r = tool("--stats", os.path.join(FIXTURES, "dmesg.log"))
    assert r.returncode == 0, r.stderr
    # 19 + 24 + 81 suppressed, audit_lost= 5 then 7 (+5, +2).
    assert b", 131 lost by the kernel's count" in r.stderr, r.stderr
    r = tool("--stats", os.path.join(FIXTURES, "kmsg.log"))
    assert b", 5 lost by the kernel's count" in r.stderr, r.stderr


def test_journal_prefix_times_and_since():
    body = ("auid=1 uid=1 gid=1 ses=1 pid=%d comm=\"c\" arch=c000003e "
            "syscall=39 code=0x7ffc0000")
    lines = [
        "1700000100.250000 host audit[1]: SECCOMP " + body % 1,   # short-unix
        "Tue 2023-11-14 22:15:00 UTC host audit[2]: SECCOMP " + body % 2,
        "Nov 14 22:15:10 host audit[3]: SECCOMP " + body % 3,     # short
        "Nov 14 22:15:10.123456 host audit[4]: SECCOMP " + body % 4,
    ]
    data = "\n".join(lines).encode()
    r = tool("--json", "-", stdin=data)
    times = [e["time"] for e in events(r.stdout)]
    assert times == ["2023-11-14T22:15:00.250Z", "2023-11-14T22:15:00.000Z",
                     None, None]
    # --since leaves the undated out, and says so even without --stats.
    r = tool("--json", "--since", "1700000000", "-", stdin=data)
    assert [e["pid"] for e in events(r.stdout)] == [1, 2]
    assert b"2 events had no time and were left out by --since" in r.stderr
    assert b"-o short-iso" in r.stderr
    r = tool("--json", "-", stdin=data)
    assert r.stderr == b"", "no note without --since"


def test_since_takes_a_stamp_as_printed():
    data = open(os.path.join(FIXTURES, "auditd.log"), "rb").read()
    for since in ("1700000001.500", "1700000001.500:4250",
                  "audit(1700000001.500:4250)", "audit(1700000001.500:4250):"):
        r = tool("--json", "--since", since, "-", stdin=data)
        assert r.returncode == 0, r.stderr
        assert [e["serial"] for e in events(r.stdout)] == \
            [4250, 4260, 4261, 4262], since
    r = tool("--since", "audit(1700000001.500:4250", "-", stdin=data)
    assert r.returncode == 2 and b"audit(1700000000.123:42)" in r.stderr


def test_unknown_action_and_syscall_minus_one():
    data = ("type=SECCOMP msg=audit(1700000000.000:1): pid=5 comm=\"c\" "
            "sig=31 arch=c000003e syscall=39 code=0x12340000\n"
            "type=SECCOMP msg=audit(1700000000.000:2): pid=6 comm=\"c\" "
            "sig=0 arch=c000003e syscall=-1 code=0x7ffc0000\n").encode()
    r = tool("-", stdin=data)
    out = r.stdout.decode().splitlines()
    assert " action=kill-process (unknown 0x12340000) sig=31" in out[0]
    assert " arch=x86_64 syscall=-1 action=log" in out[1]
    evs = events(tool("--json", "-", stdin=data).stdout)
    assert evs[0]["action"] == "kill-process (unknown 0x12340000)"
    assert evs[0]["code"] == "0x12340000"
    assert (evs[1]["syscall"], evs[1]["syscall_raw"]) == (-1, -1)
    assert evs[1]["arch"] == "x86_64" and evs[1]["syscall_name"] is None


def test_follow_with_files_is_ignored_with_a_warning():
    r = tool("--follow", os.path.join(FIXTURES, "auditd.log"))
    assert r.returncode == 0, r.stderr
    assert b"warning: --follow is for --kmsg and --netlink" in r.stderr
    assert len(r.stdout.splitlines()) == 5


def test_bad_options_are_explained():
    r = tool("--pid", "12x")
    assert r.returncode == 2 and b"--pid wants a process id" in r.stderr
    r = tool("--since", "10")
    assert r.returncode == 2 and b"--since wants" in r.stderr
    assert b"audit(1700000000.123:42)" in r.stderr
    r = tool("--run")
    assert r.returncode == 2 and b"--run needs a command" in r.stderr
    r = tool("/nonexistent/audit.log")
    assert r.returncode == 1 and b"cannot open /nonexistent/audit.log" in r.stderr


# ---- live: netlink, /dev/kmsg, --run ----

def read_until(proc, want, deadline):
    """Reads JSON lines from PROC until WANT(events) holds or time is up."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf, evs = b"", []
    while time.monotonic() < deadline and not want(evs):
        if not sel.select(timeout=0.2):
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        evs += [json.loads(l) for l in lines if l.strip()]
    return evs


def start_follow(source):
    p = subprocess.Popen([TOOL, source, "--follow", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The source is open once it says which one it reads.
    line = p.stderr.readline()
    assert b"reading" in line, line
    return p


def stop(p):
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    return err


def of_pid(evs, pid):
    return [e for e in evs if e["pid"] == pid]


def check_log_event(ev, comm="audit_victim"):
    assert ev["arch"] == NATIVE
    assert ev["syscall_name"] == "getppid"
    assert ev["action"] == "log"
    assert ev["sig"] == 0
    assert ev["comm"] == comm
    assert ev["exe"] == os.path.realpath(VICTIM)


def check_kill_event(ev):
    assert ev["arch"] == NATIVE
    assert ev["syscall_name"] == "sysinfo"
    assert ev["action"] == "kill-process"
    assert ev["sig"] == SIGSYS


def test_netlink_follow_sees_log_and_kill():
    need_live()
    p = start_follow("--netlink")
    try:
        log_pid, rc = victim("--comm", "a b", "log")
        assert rc == 0
        kill_pid, rc = victim("kill")
        assert rc == -SIGSYS
        # errno is logged only because the filter asked (FLAG_LOG).
        errno_pid, rc = victim("errno")
        assert rc == 0
        pids = (log_pid, kill_pid, errno_pid)
        evs = read_until(p, lambda e: all(of_pid(e, x) for x in pids),
                         time.monotonic() + LIVE_DEADLINE)
    finally:
        stop(p)
    for pid in pids:
        assert len(of_pid(evs, pid)) == 1, evs
    check_log_event(of_pid(evs, log_pid)[0], comm="a b")
    check_kill_event(of_pid(evs, kill_pid)[0])
    errno_ev = of_pid(evs, errno_pid)[0]
    assert errno_ev["syscall_name"] == "getpgid"
    assert errno_ev["action"] == "errno"


def kmsg_mark():
    """The highest audit serial /dev/kmsg holds now.  The ring buffer keeps
    records of earlier processes, and pids are reused (an earlier test run on
    the same boot had a victim with the same pid): only records with a
    higher serial can belong to a victim started after this call."""
    r = tool("--kmsg", "--json")
    assert r.returncode == 0, r.stderr
    return max([e["serial"] or 0 for e in events(r.stdout)], default=-1)


def find_in_kmsg(pid, after):
    """/dev/kmsg keeps history: read it (no --follow) until PID shows with a
    serial above AFTER."""
    deadline = time.monotonic() + LIVE_DEADLINE
    while time.monotonic() < deadline:
        r = tool("--kmsg", "--json", "--pid", str(pid))
        assert r.returncode == 0, r.stderr
        found = [e for e in events(r.stdout) if (e["serial"] or 0) > after]
        if found:
            return found
        time.sleep(0.5)
    return []


def test_kmsg_history_sees_log_and_kill():
    need_live()
    # printk rate limiting may drop a record: try a fresh pair of victims
    # a few times before calling it a failure.
    for attempt in range(3):
        mark = kmsg_mark()
        log_pid, _ = victim("log")
        kill_pid, rc = victim("kill")
        assert rc == -SIGSYS
        logs = find_in_kmsg(log_pid, mark)
        kills = find_in_kmsg(kill_pid, mark)
        if logs and kills:
            break
        time.sleep(5)  # let the printk rate-limit window pass
    assert len(logs) == 1 and len(kills) == 1, (logs, kills)
    check_log_event(logs[0])
    check_kill_event(kills[0])


def test_kmsg_follow_sees_new_events():
    need_live()
    for attempt in range(3):
        p = start_follow("--kmsg")
        try:
            pid, _ = victim("log")
            evs = read_until(p, lambda e: of_pid(e, pid),
                             time.monotonic() + LIVE_DEADLINE / 2)
        finally:
            stop(p)
        if of_pid(evs, pid):
            break
        time.sleep(5)
    assert len(of_pid(evs, pid)) == 1, evs
    check_log_event(of_pid(evs, pid)[0])


def run_tool(*cmd):
    return subprocess.run([TOOL, "--json", "--grace", "1500", "--run", "--"]
                          + list(cmd), capture_output=True, timeout=60)


def test_run_reports_the_command_killed():
    need_live()
    r = run_tool(VICTIM, "kill")
    assert r.returncode == 128 + SIGSYS, r.stderr
    pid = int(r.stdout.split(b"\n")[0])
    evs = events(b"\n".join(r.stdout.split(b"\n")[1:]))
    assert [e["pid"] for e in evs] == [pid], (evs, r.stderr)
    check_kill_event(evs[0])


def test_run_reports_descendants_and_nothing_else():
    need_live()
    script = ("%s log; %s --fork log; %s --fork kill; exit 3"
              % (VICTIM, VICTIM, VICTIM))
    outsider = subprocess.Popen(["sh", "-c", "sleep 0.3; exec %s log" % VICTIM],
                                stdout=subprocess.PIPE)
    r = run_tool("sh", "-c", script)
    outsider_pid = int(outsider.communicate(timeout=10)[0].split()[0])
    assert r.returncode == 3, r.stderr
    lines = r.stdout.decode().splitlines()
    pids = [int(l) for l in lines if l.isdigit()]
    evs = events("\n".join(l for l in lines if l.startswith("{")))
    assert len(pids) == 3
    assert sorted(e["pid"] for e in evs) == sorted(pids), (evs, r.stderr)
    assert outsider_pid not in [e["pid"] for e in evs]
    by_pid = {e["pid"]: e for e in evs}
    check_log_event(by_pid[pids[0]])
    check_log_event(by_pid[pids[1]])
    check_kill_event(by_pid[pids[2]])


def test_run_exit_status_mirrors_the_command():
    need_live()
    assert run_tool("sh", "-c", "exit 7").returncode == 7
    r = run_tool("/nonexistent/command")
    assert r.returncode == 127 and b"cannot run /nonexistent/command" in r.stderr
    r = run_tool("sh", "-c", "kill -TERM $$")
    assert r.returncode == 128 + signal.SIGTERM


def test_kmsg_ignores_lines_written_by_userspace():
    need_live()
    pid = 2147480000 + os.getpid() % 1000
    forged = ("audit: type=1326 audit(1700000000.000:1): pid=%d comm=\"f\" "
              "arch=c000003e syscall=41 code=0x80000000\n" % pid)
    with open("/dev/kmsg", "w") as k:
        k.write(forged)
    # The line is there (as a user-facility record) ...
    dmesg = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    assert "pid=%d " % pid in dmesg
    # ... but it is not taken for the kernel's record.
    r = tool("--kmsg", "--json", "--pid", str(pid))
    assert r.returncode == 0, r.stderr
    assert events(r.stdout) == []
