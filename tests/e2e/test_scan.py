"""syscall-scan end to end: hand-made x86_64 and aarch64 programs (each
case of the analysis: copies and arithmetic, branches, wrappers, calls
through pointers, unknown numbers, int 0x80), the --policy gate, the
policy output compiled by bpfgen, and no false negatives against strace
on real programs of this machine and on test programs built dynamic and
static (aarch64 ones cross-compiled; their syscalls are the ones the
program is known to make)."""
import json
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
SCAN = os.path.join(BUILD, "syscall-scan")
BPFGEN = os.path.join(BUILD, "bpfgen")
SRC = os.path.join(ROOT, "tests", "e2e", "scan")
WORKER = os.path.join(ROOT, "policies", "pvf-worker.policy")

TOOLS = {
    "x86_64": ("as", "ld", "gcc"),
    "aarch64": ("aarch64-linux-gnu-as", "aarch64-linux-gnu-ld", "aarch64-linux-gnu-gcc"),
}


def need(*tools):
    for t in tools:
        if not shutil.which(t):
            pytest.skip(f"{t} is not installed (tools/install-test-deps.sh)")


def assemble(tmp_path, arch, name):
    asm, ld, _ = TOOLS[arch]
    need(asm, ld)
    obj = tmp_path / f"{arch}-{name}.o"
    out = tmp_path / f"{arch}-{name}"
    subprocess.run([asm, "-o", str(obj), os.path.join(SRC, arch, name + ".s")], check=True)
    subprocess.run([ld, "-o", str(out), str(obj)], check=True)
    return str(out)


def scan(*args, expect=None):
    r = subprocess.run([SCAN, *args], capture_output=True, text=True, errors="replace",
                       timeout=120)
    if expect is not None:
        assert r.returncode == expect, r.stdout + r.stderr
    return r


def scan_json(*args, expect=None):
    r = scan("--json", *args, expect=expect)
    return json.loads(r.stdout), r


def names(report, abi):
    return {s["name"] for s in report["syscalls"] if s["abi"] == abi}


# ---- hand-made programs ---------------------------------------------------

CASES = {
    "x86_64": {
        "x86_64": {"getpid", "getuid", "getgid", "getppid", "gettid", "uname",
                   "gettimeofday", "exit_group"},
        "x32": {"getpid"},
        "i386": {"getpid"},
        "unreachable": "socket",
    },
    "aarch64": {
        "aarch64": {"getpid", "getuid", "getgid", "getppid", "gettid", "uname",
                    "gettimeofday", "exit_group"},
        "unreachable": "socket",
    },
}


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_cases_resolved_exactly(tmp_path, arch):
    """Copy + arithmetic, two branches, a wrapper called with two numbers,
    a call through a register and one through a pointer in data, x32 and
    int 0x80 (i386): exactly the expected set, nothing unresolved."""
    binary = assemble(tmp_path, arch, "cases")
    report, _ = scan_json(binary, expect=0)
    assert report["complete"] is True and report["unresolved"] == []
    assert report["arch"] == arch
    want = CASES[arch]
    for abi in ("x86_64", "x32", "i386", "aarch64"):
        assert names(report, abi) == want.get(abi, set()), abi
    # Each wrapper call's number is attributed through the wrapper.
    paths = {s["name"]: s["path"] for s in report["syscalls"] if s["abi"] == arch}
    assert paths["getppid"].endswith("→ mywrap") and paths["gettid"].endswith("→ mywrap")
    assert paths["uname"].endswith("viaptr") and "[entry]" in paths["getpid"]


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_all_sites_adds_the_unreachable_function(tmp_path, arch):
    binary = assemble(tmp_path, arch, "cases")
    report, _ = scan_json("--all-sites", binary, expect=0)
    assert report["all_sites"] is True
    assert CASES[arch]["unreachable"] in names(report, arch)
    assert names(report, arch) - {"socket"} == CASES[arch][arch]


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_number_from_memory_is_reported_not_dropped(tmp_path, arch):
    binary = assemble(tmp_path, arch, "memload")
    report, r = scan_json(binary, expect=2)
    assert report["complete"] is False
    assert len(report["unresolved"]) == 1
    u = report["unresolved"][0]
    assert u["function"] == "_start" and "loaded from memory" in u["reason"]
    # The address is the syscall instruction's: the disassembler agrees.
    objdump = "objdump" if arch == "x86_64" else "aarch64-linux-gnu-objdump"
    need(objdump)
    dis = subprocess.run([objdump, "-d", binary], capture_output=True, text=True,
                         check=True).stdout
    site = [l for l in dis.splitlines() if re.search(r"\s(syscall|svc)\b", l)][0]
    assert int(site.split(":")[0], 16) == int(u["address"], 16)
    assert names(report, arch) == {"exit_group"}
    text = scan(binary, expect=2).stdout
    assert "unresolved sites: 1" in text and "result: incomplete" in text


def test_policy_gate(tmp_path):
    """The worker policy kills socket: exit 1 naming it, with its path; a
    program whose only socket site is unreachable passes (exit 0), and
    fails once every site counts."""
    sock = assemble(tmp_path, "x86_64", "socket")
    r = scan("--policy", WORKER, sock, expect=1)
    assert re.search(r"DENIED socket \(41\): kill-process", r.stdout), r.stdout
    report, _ = scan_json("--policy", WORKER, sock, expect=1)
    assert [d["name"] for d in report["policy"]["denied"]] == ["socket"]
    clean = assemble(tmp_path, "x86_64", "nosocket")
    r = scan("--policy", WORKER, clean, expect=0)
    assert "0 reachable syscalls not allowed" in r.stdout
    scan("--policy", WORKER, "--all-sites", clean, expect=1)
    # An incomplete scan the policy passes: exit 2.
    scan("--policy", WORKER, assemble(tmp_path, "x86_64", "memload"), expect=2)


def test_policy_gate_i386_site_hits_on_bad_arch(tmp_path):
    """int 0x80 from an x86_64 program: the worker policy's on-bad-arch
    kill-process applies, so the gate fails on the i386 getpid."""
    r = scan("--policy", WORKER, assemble(tmp_path, "x86_64", "cases"), expect=1)
    assert "DENIED getpid (20)" in r.stdout


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_policy_output_compiles_and_allows_exactly_the_set(tmp_path, arch):
    binary = assemble(tmp_path, arch, "cases")
    policy = tmp_path / "scanned.policy"
    policy.write_text(scan("-f", "policy", binary, expect=0).stdout)
    subprocess.run([BPFGEN, "-o", os.devnull, str(policy)], check=True,
                   capture_output=True)
    # Gating the binary on its own allow-list passes; removing one
    # syscall from it fails on exactly that one.
    scan("--policy", str(policy), binary, expect=0)
    text = policy.read_text().replace("       uname,\n", "").replace("uname,\n", "")
    policy.write_text(text)
    r = scan("--policy", str(policy), binary, expect=1)
    assert re.findall(r"DENIED (\w+)", r.stdout) == ["uname"]


def test_errors(tmp_path):
    junk = tmp_path / "junk"
    junk.write_text("not an elf\n")
    r = scan(str(junk), expect=3)
    assert "not an ELF file" in r.stderr
    r = scan(str(tmp_path / "missing"), expect=3)
    assert "No such file" in r.stderr
    r = scan("-a", "aarch64", assemble(tmp_path, "x86_64", "nosocket"), expect=3)
    assert "not aarch64" in r.stderr
    scan("--policy", str(junk), assemble(tmp_path, "x86_64", "nosocket"), expect=3)


def test_missing_library_makes_it_incomplete(tmp_path):
    report, _ = scan_json("--sysroot", str(tmp_path), "/bin/true", expect=2)
    assert any("libc.so.6" in n and "not found" in n for n in report["notes"])


# ---- no false negatives against strace ----------------------------------------


def observed(argv, cwd, comm):
    """Syscalls strace -f sees the process image COMM make (strace -Y
    names each line's process by its current command)."""
    need("strace")
    log = os.path.join(cwd, "strace.log")
    subprocess.run(["strace", "-f", "-Y", "-qq", "-o", log, *argv], cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    seen = set()
    pat = re.compile(r"^\d+<([^>]*)>\s+(?:<\.\.\. )?([a-z_0-9]+)[( ]")
    with open(log) as f:
        for line in f:
            m = pat.match(line)
            if m and m.group(1) == comm[:15]:
                seen.add(m.group(2))
    return seen


def static_set(binary, *args):
    report, r = scan_json(*args, binary)
    assert r.returncode in (0, 2), r.stderr
    abi = report["arch"]
    return names(report, abi), report


def check_superset(binary, argv, tmp_path, comm=None, *args):
    comm = comm or os.path.basename(binary)
    seen = observed(argv, str(tmp_path), comm)
    assert seen, f"strace saw nothing for {comm}"
    found, report = static_set(binary, *args)
    missing = seen - found
    allsites, _ = static_set(binary, "--all-sites", *args)
    print(f"{binary}: observed {len(seen)}, static {len(found)}, "
          f"--all-sites {len(allsites)}, unresolved {len(report['unresolved'])}")
    assert not missing, f"{binary}: strace saw {sorted(missing)}, the scan did not find them"
    assert found <= allsites


WORKLOADS = {
    "/bin/ls": ["/bin/ls", "-la", "/", "/etc"],
    "/bin/cat": ["/bin/cat", "/etc/os-release"],
    "/usr/bin/tar": ["/usr/bin/tar", "-cf", "out.tar", "/etc/os-release", "/etc/hostname"],
    "/usr/bin/gzip": ["/usr/bin/gzip", "-c", "-9", "/etc/os-release"],
    "/bin/bash": ["/bin/bash", "-c", "x=$(echo hi); echo $x >f; read y <f; "
                  "for i in 1 2; do :; done; /bin/true; trap 'echo t' USR1; kill -USR1 $$"],
    "/usr/bin/python3": ["/usr/bin/python3", "-c",
                         "import json, os, subprocess, socket, threading; "
                         "t = threading.Thread(target=print); t.start(); t.join(); "
                         "print(json.dumps(os.listdir('.')), os.getpid())"],
}


@pytest.mark.parametrize("binary", sorted(WORKLOADS))
def test_no_false_negatives_real_programs(tmp_path, binary):
    if not os.path.exists(binary):
        pytest.skip(f"{binary} is not installed")
    check_superset(binary, WORKLOADS[binary], tmp_path)


@pytest.mark.parametrize("link", ["dynamic", "static"])
def test_no_false_negatives_test_program_x86_64(tmp_path, link):
    need("gcc")
    out = str(tmp_path / f"prog-{link}")
    subprocess.run(["gcc", "-O2", "-pthread", *(["-static"] if link == "static" else []),
                    "-o", out, os.path.join(SRC, "prog.c")], check=True)
    (tmp_path / "data").write_text("x\n")
    check_superset(out, [out, "data"], tmp_path)
    # And the quiet run: the same binary, the same static set.
    check_superset(out, [out], tmp_path)


# What prog.c makes on arm64 (checked live by the qemu suite's programs):
# the calls glibc's functions it uses reach on Debian 12's arm64 libc.
AARCH64_KNOWN = {"uname", "getpid", "socket", "close", "openat", "read", "write",
                 "clone", "exit_group", "exit", "mmap", "mprotect", "munmap",
                 "futex", "rt_sigprocmask", "set_robust_list", "rseq", "brk",
                 "newfstatat", "clock_gettime", "gettid", "madvise"}


@pytest.mark.parametrize("link", ["dynamic", "static"])
def test_no_false_negatives_test_program_aarch64(tmp_path, link):
    need(TOOLS["aarch64"][2])
    if link == "dynamic" and not os.path.exists("/usr/aarch64-linux-gnu/lib/libc.so.6"):
        pytest.skip("libc6-arm64-cross is not installed")
    out = str(tmp_path / f"prog-{link}")
    subprocess.run([TOOLS["aarch64"][2], "-O2", "-pthread",
                    *(["-static"] if link == "static" else []),
                    "-o", out, os.path.join(SRC, "prog.c")], check=True)
    found, report = static_set(out)
    assert report["arch"] == "aarch64"
    if link == "dynamic":
        assert any("ld-linux-aarch64.so.1" in m for m in report["modules"])
        # Debian's cross layout (/usr/aarch64-linux-gnu/lib), or multiarch
        # (/lib/aarch64-linux-gnu) when libc6:arm64 is installed as well.
        assert any(m.endswith("aarch64-linux-gnu/lib/libc.so.6") or
                   m.endswith("/lib/aarch64-linux-gnu/libc.so.6") for m in report["modules"])
    missing = AARCH64_KNOWN - found
    assert not missing, f"{out}: {sorted(missing)} not found"
    assert "rt_sigreturn" in found   # the vDSO trampoline, modelled


def test_malformed_files_never_crash(tmp_path):
    """Truncated files and flipped bytes (headers and anywhere): an error
    or a result, never a signal or a hang."""
    import random
    rng = random.Random(14)
    seeds = [open(assemble(tmp_path, "x86_64", "cases"), "rb").read(),
             open(assemble(tmp_path, "aarch64", "cases"), "rb").read(),
             open("/bin/true", "rb").read()]
    target = tmp_path / "mutant"
    for i in range(24):
        data = bytearray(seeds[i % len(seeds)])
        if i % 3 == 0:
            data = data[:rng.randrange(len(data))]
        else:
            span = 4096 if i % 3 == 1 else len(data)
            for _ in range(rng.randrange(1, 16)):
                data[rng.randrange(min(span, len(data)))] = rng.randrange(256)
        target.write_bytes(bytes(data))
        r = scan("--no-nss", str(target))
        assert r.returncode in (0, 1, 2, 3), (i, r.returncode, r.stderr[-500:])
