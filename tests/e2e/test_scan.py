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


IN_CI = os.environ.get("CI") == "true"


def unavailable(why):
    """A prerequisite is missing: a skip here, a failure in CI (where
    tools/install-test-deps.sh installed everything)."""
    if IN_CI:
        pytest.fail(why + " (CI installs it: tools/install-test-deps.sh)")
    pytest.skip(why)


def need(*tools):
    for t in tools:
        if not shutil.which(t):
            unavailable(f"{t} is not installed (tools/install-test-deps.sh)")


def assemble(tmp_path, arch, name, pie=False):
    """Assembles tests/e2e/scan/ARCH/NAME.s and links it static (PIE: a
    position-independent executable whose addresses are relocations, as
    in a shared library; it is only scanned, never run)."""
    asm, ld, _ = TOOLS[arch]
    need(asm, ld)
    obj = tmp_path / f"{arch}-{name}.o"
    out = tmp_path / f"{arch}-{name}"
    subprocess.run([asm, "-o", str(obj), os.path.join(SRC, arch, name + ".s")], check=True)
    subprocess.run([ld, *(["-pie", "--no-dynamic-linker"] if pie else []),
                    "-o", str(out), str(obj)], check=True)
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
                   "gettimeofday", "exit_group", "sched_yield", "read"},
        "x32": {"getpid"},
        "i386": {"getpid"},
        "unreachable": "socket",
    },
    "aarch64": {
        "aarch64": {"getpid", "getuid", "getgid", "getppid", "gettid", "uname",
                    "gettimeofday", "exit_group", "io_setup"},
        "unreachable": "socket",
    },
}


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_cases_resolved_exactly(tmp_path, arch):
    """Copy + arithmetic, two branches, a wrapper called with two numbers,
    a call through a register and one through a pointer in data, x32 and
    int 0x80 (i386), a number written into al alone, numbers a compare and
    branch tell: exactly the expected set, nothing unresolved."""
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


# ---- numbers in memory, wrappers through pointers -------------------------

MEM = {
    "x86_64": {"getpid", "getuid", "getgid", "getppid", "exit_group"},
    "aarch64": {"getpid", "getuid", "getgid", "getppid", "exit_group"},
}


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_numbers_in_the_callers_memory(tmp_path, arch):
    """A structure on the caller's stack holds the number (glibc's set*id
    broadcast): read by the wrapper directly, at an offset, through a
    forwarding function, and after the wrapper published the structure's
    address in a private global that a handler reads too. Each caller's
    number is found; the handler's site needs the one reported assumption."""
    binary = assemble(tmp_path, arch, "memwrap")
    report, _ = scan_json(binary, expect=0)
    assert report["unresolved"] == [] and report["complete"] is True
    assert names(report, arch) == MEM[arch]
    paths = {s["name"]: s["path"] for s in report["syscalls"]}
    assert paths["getgid"].endswith("forwarded → forward")
    assert paths["getppid"].endswith("published → publish")
    notes = "\n".join(report["notes"])
    assert re.search(r"proved: publish reads its number from its caller's structure "
                     r"after storing its address in the private global", notes), notes
    assert re.search(r"assumed: the site at 0x[0-9a-f]+ in handler reads the number "
                     r"publish reads", notes), notes
    assert len(report["assumptions"]) == 1 and "handler" in report["assumptions"][0]
    # --strict makes no assumption: the handler's site stays open.
    strict, _ = scan_json("--strict", binary, expect=2)
    assert [(u["function"], "[[" in u["reason"]) for u in strict["unresolved"]] == \
        [("handler", True)]
    assert names(strict, arch) == MEM[arch]


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_numbers_in_memory_that_stay_unresolved(tmp_path, arch):
    """The structure's address passed twice, given to unknown code before
    the load, in a frame whose address escaped, or published in a global
    whose reader writes the field: each stays unresolved, with its reason."""
    binary = assemble(tmp_path, arch, "memwrap_bad")
    report, _ = scan_json(binary, expect=2)
    assert names(report, arch) == {"exit_group"}
    got = {(u["function"], u["reason"]) for u in report["unresolved"]}
    want = [("_start", "also passes in another register"),
            ("publish", "code reading that global writes the field")]
    if arch == "x86_64":
        want += [("givesaway", "other code may change"),
                 ("_start", "other code may change")]
    for fn, reason in want:
        assert any(f == fn and reason in r for f, r in got), (fn, reason, got)
    assert len(got) == len(want)
    # The first one is the call at the label "twice".
    nm = subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout
    twice = int(next(l.split()[0] for l in nm.splitlines() if l.endswith(" twice")), 16)
    assert any(int(u["address"], 16) == twice and "another register" in u["reason"]
               for u in report["unresolved"])


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_wrapper_called_through_a_private_table(tmp_path, arch):
    """A wrapper whose address is only in its file's private data, called
    through it (libcap's psx hooks): the calls through the table are its
    sites, proved without assumption."""
    binary = assemble(tmp_path, arch, "ptrwrap", pie=True)
    report, _ = scan_json(binary, expect=0)
    assert names(report, arch) == {"getpid", "getuid", "exit_group"}
    assert any(n.startswith("proved: wrapper") for n in report["notes"]), report["notes"]


def test_wrapper_whose_table_escapes(tmp_path):
    """The table's address is handed to unknown code: the proof fails
    (reported, with where), the fallback assumption takes every indirect
    call of the file as a possible call of the wrapper (the unknown one
    passes the table's address as the number), and --strict leaves the
    wrapper unresolved."""
    binary = assemble(tmp_path, "x86_64", "ptrwrap_bad", pie=True)
    report, _ = scan_json(binary, expect=0)
    notes = "\n".join(report["notes"])
    assert re.search(r"assumed: wrapper \S+ is called through a pointer only by the 2 "
                     r"indirect calls .*not proved: _start \(at 0x[0-9a-f]+\) passes the "
                     r"wrapper's address to a call through a pointer", notes), notes
    assert {"getpid", "exit_group"} <= names(report, "x86_64")
    strict, _ = scan_json("--strict", binary, expect=2)
    assert len(strict["unresolved"]) == 1
    assert "called through a pointer" in strict["unresolved"][0]["reason"]


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


# ---- complete on ordinary glibc programs -----------------------------------


def libc_debug_file():
    """Debian's libc6-dbg: the separate debug file of this machine's libc
    (by build ID), which gives glibc's private objects their sizes."""
    out = subprocess.run(["readelf", "-n", "/lib/x86_64-linux-gnu/libc.so.6"],
                         capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    path = m and f"/usr/lib/debug/.build-id/{m.group(1)[:2]}/{m.group(1)[2:]}.debug"
    return path if path and os.path.exists(path) else None


@pytest.mark.parametrize("program", ["/bin/ls", "/bin/cat", "/usr/bin/gzip",
                                     "hello-dynamic", "hello-static"])
def test_ordinary_glibc_programs_scan_complete(tmp_path, program):
    """The CI gate is only useful if a plain glibc program scans complete:
    glibc's set*id broadcast and libcap's psx hooks (reached through the
    NSS modules) resolve — the few assumptions that takes are listed in
    the notes, and --strict refuses them."""
    need("gcc", "readelf")
    if not libc_debug_file():
        unavailable("libc6-dbg (glibc's debug symbols) is not installed")
    if program.startswith("hello"):
        src = tmp_path / "hello.c"
        src.write_text('#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n')
        binary = str(tmp_path / program)
        subprocess.run(["gcc", "-O2", *(["-static"] if program.endswith("static") else []),
                        "-o", binary, str(src)], check=True)
    else:
        binary = program
    report, r = scan_json(binary)
    assert r.returncode == 0 and report["complete"] is True, \
        [u["function"] + ": " + u["reason"] for u in report["unresolved"]] + report["notes"]
    assumed = [n for n in report["notes"] if n.startswith("assumed:")]
    print(f"{program}: {len(report['syscalls'])} syscalls, {len(assumed)} assumptions")
    if assumed:
        scan("--strict", binary, expect=2)


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


@pytest.mark.parametrize("link", ["dynamic", "static"])
def test_no_false_negatives_test_program_musl(tmp_path, link):
    """The same program built with Debian's musl-gcc (x86_64): musl's
    syscall wrappers (__syscall_cp and its chain, the number in a register
    of its caller) and, dynamic, its loader that is its libc."""
    need("musl-gcc")
    out = str(tmp_path / f"prog-musl-{link}")
    subprocess.run(["musl-gcc", "-O2", *(["-static"] if link == "static" else []),
                    "-o", out, os.path.join(SRC, "prog.c")], check=True)
    (tmp_path / "data").write_text("x\n")
    check_superset(out, [out, "data"], tmp_path)
    check_superset(out, [out], tmp_path)
    report, _ = scan_json(out, expect=0)
    if link == "dynamic":
        assert any("ld-musl-x86_64.so.1" in m for m in report["modules"])


# What prog.c makes on arm64: the calls glibc's functions it uses reach on
# Debian 12's arm64 libc. `make check-aarch64` checks the static set
# against what the program really makes on the arm64 kernel
# (tests/e2e/scan/aarch64_live.py); this list keeps a quick check here.
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
