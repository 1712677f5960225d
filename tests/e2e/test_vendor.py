"""bpfgen -f rust and -f go: the filter vendored as Rust and Go source.
Each output compiles without warnings (rustc -D warnings, go vet), is what
rustfmt and gofmt would write, holds exactly the bytes of -f raw, and its
install function filters every thread of a program that installs it -- a
Rust and a Go program of tests/e2e/lang/, run as processes of their own
(the filter never touches pytest). bpfgen --check recognises both formats
and ignores what rustfmt and gofmt change (layout), nothing else.
The same programs run on the arm64 kernel under qemu (make check-aarch64)."""
import os
import re
import shutil
import signal
import struct
import subprocess

import pytest

import langtools
from langtools import BLOCKED, OPEN, THREADS

ROOT = langtools.ROOT
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
BPFGEN = os.path.join(BUILD, "bpfgen")
POLICY = langtools.POLICY
WORKER = os.path.join(ROOT, "policies", "pvf-worker.policy")
RUSTC = (langtools.rustcs() or [None])[0]
GO = shutil.which("go")


def bpfgen(*args, check=True, cwd=None):
    r = subprocess.run([BPFGEN, *args], capture_output=True, text=True, timeout=60, cwd=cwd)
    if check and r.returncode != 0:
        raise AssertionError(f"bpfgen {args} failed: {r.stderr}")
    return r


def test_toolchains_are_installed():
    """No silent skips: every test below needs them (install-test-deps.sh)."""
    assert RUSTC, "no rustc: run tools/install-test-deps.sh"
    assert langtools.rustfmts(), "no rustfmt: run tools/install-test-deps.sh"
    assert GO and shutil.which("gofmt"), "no go/gofmt: run tools/install-test-deps.sh"


# --- the programs, enforcing on this kernel --------------------------------

def judge(out):
    """What a test program printed: its thread count, the line before the
    install, and each thread's line after it (the installer's included)."""
    m = re.search(r"^threads: (\d+) distinct$", out, re.M)
    before = re.search(r"^before: (.*)$", out, re.M)
    after = re.findall(r"^(?:installer|thread \d+): (.*)$", out, re.M)
    return (int(m.group(1)) if m else None, before.group(1) if before else None, after)


def run_program(exe, mode):
    return subprocess.run([exe, mode], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def rust_program(tmp_path_factory):
    work = tmp_path_factory.mktemp("rust")
    return langtools.build_rust(BPFGEN, str(work), str(work / "main"), RUSTC)


@pytest.fixture(scope="module")
def go_program(tmp_path_factory):
    work = tmp_path_factory.mktemp("go")
    return langtools.build_go(BPFGEN, BUILD, str(work / "mod"), str(work / "main"))


@pytest.mark.parametrize("lang", ["rust", "go"])
def test_install_filters_every_thread(lang, request):
    """Threads that run before install() are filtered too (TSYNC): each of
    them, and the installer, gets the errno of the blocked calls, and the
    condition of getpriority's rule tells its argument's values apart."""
    exe = request.getfixturevalue(f"{lang}_program")
    r = run_program(exe, "tsync")
    assert r.returncode == 0, r.stdout + r.stderr
    threads, before, after = judge(r.stdout)
    assert threads == THREADS + 1, r.stdout
    assert before == OPEN, r.stdout
    assert after == [BLOCKED] * (THREADS + 1), r.stdout
    assert r.stdout.rstrip().endswith("done"), r.stdout


def test_the_thread_test_can_fail(go_program):
    """The same program installed without TSYNC: only the installer is
    filtered -- what the test above would see if Install forgot TSYNC."""
    r = run_program(go_program, "no-tsync")
    assert r.returncode == 0, r.stdout + r.stderr
    threads, before, after = judge(r.stdout)
    assert threads == THREADS + 1 and before == OPEN, r.stdout
    assert after == [BLOCKED] + [OPEN] * THREADS, r.stdout


@pytest.mark.parametrize("lang", ["rust", "go"])
def test_a_killing_rule_kills_the_process(lang, request):
    exe = request.getfixturevalue(f"{lang}_program")
    r = run_program(exe, "kill")
    assert r.returncode == -signal.SIGSYS, r.stdout + r.stderr
    assert "installed" in r.stdout and "socket returned" not in r.stdout, r.stdout


# --- Rust: compilers, editions, rustfmt -----------------------------------

def rust_module(tmp_path, *extra, policy=WORKER, name="w"):
    out = tmp_path / f"{name}.rs"
    bpfgen("-f", "rust", "-n", name, *extra, "-o", str(out), policy)
    return out


def rustc(compiler, tmp_path, main, *args):
    return subprocess.run([compiler, *args, "-D", "warnings", "-o", str(tmp_path / "out"),
                           str(main)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)


@pytest.mark.parametrize("use", ["mod", "pub mod", "include"])
def test_rust_module_compiles_without_warnings(tmp_path, use):
    """In a binary that uses none of it (no dead-code warning), in a
    library, and include!d; with every edition each rustc found knows
    (Debian 12's 1.63 knows 2015 to 2021; 2024 refuses extern blocks
    without `unsafe`, which the module therefore does not have)."""
    rust_module(tmp_path)
    main = tmp_path / "main.rs"
    main.write_text({"mod": "mod w;\nfn main() {}\n",
                     "pub mod": "pub mod w;\n",
                     "include": "mod w {\n    include!(\"w.rs\");\n}\nfn main() {}\n"}[use])
    crate = ["--crate-type", "lib"] if use == "pub mod" else []
    for compiler in langtools.rustcs():
        for edition in ("2015", "2018", "2021", "2024"):
            r = rustc(compiler, tmp_path, main, "--edition", edition, *crate)
            if edition == "2024" and langtools.rust_version(compiler) < (1, 85):
                # This compiler predates the edition: it must say so.
                assert r.returncode != 0 and "2024" in r.stderr, r.stderr
                continue
            assert r.returncode == 0, f"{compiler} --edition {edition}:\n{r.stderr}"


def test_rust_output_is_what_rustfmt_writes(tmp_path):
    """rustfmt (default settings) changes nothing, also with the notes of a
    syscall missing on aarch64 and with the longest name -n takes (whose
    lines rustfmt breaks)."""
    policy = tmp_path / "p.policy"
    policy.write_text(open(WORKER).read() + "kill-process: open\n")
    files = [rust_module(tmp_path), rust_module(tmp_path, policy=str(policy), name="a" * 64)]
    (tmp_path / "rustfmt.toml").write_text("")   # not one found in a parent directory
    for rustfmt in langtools.rustfmts():
        for f in files:
            r = subprocess.run([rustfmt, "--edition", "2021", "--config-path",
                                str(tmp_path / "rustfmt.toml"), "--check", str(f)],
                               capture_output=True, text=True)
            assert r.returncode == 0, f"{rustfmt}: {r.stdout}{r.stderr}"


def test_rust_check_ignores_rustfmt_layout_but_not_changes(tmp_path):
    """rustfmt with other settings (narrow lines, tabs) breaks every
    instruction over several lines: --check still passes. A changed byte
    in that layout is found, by architecture and instruction."""
    f = rust_module(tmp_path)
    (tmp_path / "rustfmt.toml").write_text("max_width = 40\nhard_tabs = true\n")
    for rustfmt in langtools.rustfmts():
        shutil.copy(tmp_path / "w.rs", tmp_path / "r.rs")
        subprocess.run([rustfmt, "--edition", "2021", "--config-path",
                        str(tmp_path / "rustfmt.toml"), str(tmp_path / "r.rs")], check=True)
        text = (tmp_path / "r.rs").read_text()
        assert re.search(r"SockFilter::new\(\n\t+0x20,", text), text[:3000]
        r = bpfgen("--check", str(tmp_path / "r.rs"), "-n", "w", WORKER, check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        start = text.index("W_AARCH64: [SockFilter;")
        at = text.index("0x80000000", start)
        (tmp_path / "r.rs").write_text(text[:at] + "0x00000000" + text[at + 10:])
        r = bpfgen("--check", str(tmp_path / "r.rs"), "-n", "w", WORKER, check=False)
        assert r.returncode == 1, r.stdout
        assert re.search(r"first difference: aarch64 filter, instruction \d+\n", r.stdout)
        assert "0x00000000" in r.stdout.split("found:")[1], r.stdout
    assert bpfgen("--check", str(f), "-n", "w", WORKER, check=False).returncode == 0


def test_rust_check_reports_text_changes(tmp_path):
    """A listing comment that no longer says what its instruction does, or
    code changed outside the filters, is a difference (of text only).
    (What counts as layout is unit-tested: tests/unit/test_check_lang.c.)"""
    f = rust_module(tmp_path)
    text = f.read_text()
    for changed in (text.replace("ret kill-process", "ret allow", 1),
                    text.replace("const SECCOMP_FILTER_FLAG_TSYNC: c_long = 1;",
                                 "const SECCOMP_FILTER_FLAG_TSYNC: c_long = 0;"),
                    text.replace("SockFilter { code, jt, jf, k }",
                                 "SockFilter { code, jt: jf, jf, k }")):
        assert changed != text
        f.write_text(changed)
        r = bpfgen("--check", str(f), "-n", "w", WORKER, check=False)
        assert r.returncode == 1, changed
        assert "the filters' bytes are the same" in r.stdout, r.stdout
        assert "layout is not compared" in r.stdout


# --- Go: vet on every platform, gofmt, --check ----------------------------

def go_package(tmp_path, *extra, policy=WORKER, name="w"):
    d = tmp_path / name
    bpfgen("-f", "go", "-n", name, *extra, "-o", str(d), policy)
    (tmp_path / "go.mod").write_text("module vendortest\n\ngo 1.19\n")
    return d


@pytest.mark.parametrize("platform", ["linux/amd64", "linux/arm64", "linux/riscv64",
                                      "darwin/arm64", "windows/amd64"])
def test_go_package_vets_and_builds_everywhere(tmp_path, platform):
    """linux/amd64 and linux/arm64 get their program and Install; every
    other platform compiles too, with a nil Filter and an Install that
    returns an error (a Go code base builds for all of them)."""
    d = go_package(tmp_path)
    env = langtools.go_env(BUILD, *platform.split("/"))
    for cmd in (["go", "vet", "./w"], ["go", "build", "./w"]):
        r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 0, f"{platform}: {cmd}: {r.stderr}"
    files = sorted(os.listdir(d))
    assert files == ["bpfgen_filters.go", "bpfgen_install.go", "bpfgen_linux_amd64.go",
                     "bpfgen_linux_arm64.go", "bpfgen_other.go"], files
    r = subprocess.run(["go", "list", "-f", "{{.GoFiles}}", "./w"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, check=True)
    picked = r.stdout.strip("[]\n").split()
    if platform in ("linux/amd64", "linux/arm64"):
        assert picked == ["bpfgen_filters.go", "bpfgen_install.go",
                          f"bpfgen_linux_{platform.split('/')[1]}.go"], picked
    else:
        assert picked == ["bpfgen_filters.go", "bpfgen_other.go"], picked


def test_go_output_is_what_gofmt_writes(tmp_path):
    policy = tmp_path / "p.policy"
    policy.write_text(open(WORKER).read() + "kill-process: open\n")
    go_package(tmp_path)
    go_package(tmp_path, policy=str(policy), name="a" * 64)
    r = subprocess.run(["gofmt", "-l", "-s", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr


def mangle_go(text):
    """Valid Go laid out otherwise: spaces for tabs, every instruction over
    several lines with a trailing comma, odd spacing before comments."""
    out = []
    for line in text.splitlines():
        m = re.match(r"\t\{(0x\w+), (0x\w+), (0x\w+), (0x\w+)\}, (//.*)$", line)
        if m:
            out.append("        {%s,\n  %s,   %s,\n\t\t%s,\n    },       %s" % m.groups())
        else:
            out.append(line.replace("\t", "    "))
    return "\n".join(out) + "\n"


def test_go_check_ignores_gofmt_layout_but_not_changes(tmp_path):
    d = go_package(tmp_path)
    assert bpfgen("--check", str(d), "-n", "w", WORKER).returncode == 0
    f = d / "bpfgen_filters.go"
    f.write_text(mangle_go(f.read_text()))
    env = langtools.go_env(BUILD)
    subprocess.run(["go", "vet", "./w"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    assert ",\n  0x00,   0x00,\n" in f.read_text()
    r = bpfgen("--check", str(d), "-n", "w", WORKER, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    subprocess.run(["gofmt", "-w", str(f)], check=True)
    assert bpfgen("--check", str(f), "-n", "w", WORKER).returncode == 0
    text = f.read_text()
    at = text.index("0x80000000", text.index("var Aarch64"))
    f.write_text(text[:at] + "0x80000001" + text[at + 10:])
    r = bpfgen("--check", str(d), "-n", "w", WORKER, check=False)
    assert r.returncode == 1
    assert f"{f}:" in r.stdout and "aarch64 filter, instruction" in r.stdout, r.stdout


def test_go_check_covers_every_file_of_the_package(tmp_path):
    d = go_package(tmp_path)
    install = d / "bpfgen_install.go"
    text = install.read_text()
    install.write_text(text.replace("seccompFilterFlagTsync = 1", "seccompFilterFlagTsync = 0"))
    r = bpfgen("--check", str(d / "bpfgen_filters.go"), "-n", "w", WORKER, check=False)
    assert r.returncode == 1 and f"{install}:" in r.stdout, r.stdout
    install.unlink()
    r = bpfgen("--check", str(d), "-n", "w", WORKER, check=False)
    assert r.returncode == 1 and "the file is missing" in r.stdout, r.stdout
    # An arm64 file left from an earlier -a set: an extra file; bpfgen -f
    # go removes it, and keeps a file of the user's own.
    d2 = go_package(tmp_path, name="v")
    (d2 / "mine.go").write_text("package v\n")
    bpfgen("-f", "go", "-n", "v", "-a", "x86_64", "-o", str(d2), WORKER)
    r = bpfgen("--check", str(d2), "-n", "v", WORKER, check=False)
    assert r.returncode == 1 and "bpfgen_filters.go" in r.stdout, r.stdout
    assert sorted(os.listdir(d2)) == ["bpfgen_filters.go", "bpfgen_install.go",
                                      "bpfgen_linux_amd64.go", "bpfgen_other.go", "mine.go"]
    assert bpfgen("--check", str(d2), "-n", "v", "-a", "x86_64", WORKER).returncode == 0
    shutil.copy(d / "bpfgen_linux_arm64.go", d2)
    r = bpfgen("--check", str(d2), "-n", "v", "-a", "x86_64", WORKER, check=False)
    assert r.returncode == 1 and "an extra file" in r.stdout, r.stdout


# --- the same bytes as -f raw, the same top comment as -f c ---------------

def arrays(text, lang):
    """{arch: bytes} of the filter arrays of a Rust module or Go file."""
    head = {"rust": r"pub static \w+_(X86_64|AARCH64): \[SockFilter; (\d+)\] = \[\n(.*?)\n\];",
            "go": r"var (X86_64|Aarch64) = \[(\d+)\]SockFilter\{\n(.*?)\n\}"}[lang]
    out = {}
    for m in re.finditer(head, text, re.S):
        insns = re.findall(r"\(?\{?(0x\w+), (0x\w+), (0x\w+), (0x\w+)[)}], //", m.group(3))
        assert len(insns) == int(m.group(2))
        out[m.group(1).lower()] = b"".join(
            struct.pack("<HBBI", *(int(x, 16) for x in i)) for i in insns)
    return out


@pytest.mark.parametrize("policy", [WORKER, POLICY,
                                    os.path.join(ROOT, "tests", "e2e", "policies",
                                                 "features.policy")])
def test_arrays_hold_the_raw_bytes(tmp_path, policy):
    raw = {a: open(bpfgen_raw(tmp_path, policy, a), "rb").read() for a in ("x86_64", "aarch64")}
    rs = arrays(rust_module(tmp_path, policy=policy).read_text(), "rust")
    go = arrays((go_package(tmp_path, policy=policy) / "bpfgen_filters.go").read_text(), "go")
    assert rs == raw and go == raw


def bpfgen_raw(tmp_path, policy, arch):
    out = tmp_path / f"{arch}.bpf"
    bpfgen("-f", "raw", "-a", arch, "-o", str(out), policy)
    return out


def test_one_arch_and_log_only(tmp_path):
    """-a selects the programs (and the Go files); --log-only is recorded
    and changes the bytes as for -f raw."""
    rs = rust_module(tmp_path, "-a", "aarch64", "--log-only").read_text()
    assert "W_X86_64" not in rs and "target_arch = \"x86_64\"" not in rs
    assert "// Options: -a aarch64 -f rust -n w --log-only" in rs
    raw = open(bpfgen_raw(tmp_path, WORKER, "aarch64"), "rb").read()
    assert arrays(rs, "rust")["aarch64"] != raw
    bpfgen("-f", "raw", "-a", "aarch64", "--log-only", "-o", str(tmp_path / "l.bpf"), WORKER)
    assert arrays(rs, "rust")["aarch64"] == (tmp_path / "l.bpf").read_bytes()
    d = go_package(tmp_path, "-a", "aarch64")
    assert sorted(os.listdir(d)) == ["bpfgen_filters.go", "bpfgen_install.go",
                                     "bpfgen_linux_arm64.go", "bpfgen_other.go"]
    assert "//go:build !(linux && arm64)" in (d / "bpfgen_other.go").read_text()


def head(text, prefix):
    lines = []
    for line in text.splitlines()[1:]:
        if not line.startswith(prefix) or line.startswith(prefix + "/"):
            break
        lines.append(line[len(prefix):])
    return lines


def test_same_top_comment_as_the_header(tmp_path):
    policy = tmp_path / "p.policy"
    policy.write_text(open(WORKER).read() + "kill-process: open\n")
    c = bpfgen("-n", "w", str(policy)).stdout
    rs = rust_module(tmp_path, policy=str(policy)).read_text()
    go = (go_package(tmp_path, policy=str(policy)) / "bpfgen_install.go").read_text()
    want = [l.replace("-f c", "-f FMT") for l in head(c, " * ")]
    assert re.search(r"^note \(aarch64\): open \(.*\) does not exist on aarch64",
                     "\n".join(want), re.M), want
    assert [l.replace("-f rust", "-f FMT") for l in head(rs, "// ")] == want
    assert [l.replace("-f go", "-f FMT") for l in head(go, "// ")] == want
    assert rs.splitlines()[0] == c.splitlines()[0].replace("/* ", "// ")
    assert re.fullmatch(r"// Code generated by bpfgen \S+ from \S+\. DO NOT EDIT\.",
                        go.splitlines()[0]), go.splitlines()[0]


def test_deterministic(tmp_path):
    """Same policy and options, same bytes (the output's path is not in it)."""
    for i in (1, 2):
        bpfgen("-f", "rust", "-n", "w", "-o", str(tmp_path / f"{i}.rs"), WORKER)
        bpfgen("-f", "go", "-n", "w", "-o", str(tmp_path / f"g{i}"), WORKER)
    assert (tmp_path / "1.rs").read_bytes() == (tmp_path / "2.rs").read_bytes()
    assert sorted(os.listdir(tmp_path / "g1")) == sorted(os.listdir(tmp_path / "g2"))
    for f in os.listdir(tmp_path / "g1"):
        assert (tmp_path / "g1" / f).read_bytes() == (tmp_path / "g2" / f).read_bytes()


def test_odd_paths_stay_in_comments_and_utf8(tmp_path):
    """The policy's path lands in the top comment: a newline, a "*/", bytes
    that are not UTF-8 or a bidirectional override (which rustc refuses in
    comments) are escaped, and both outputs still compile."""
    os.mkdir(os.fsencode(str(tmp_path)) + b"/p\n*")
    odd = os.fsencode(str(tmp_path)) + b"/p\n*/\xe2\x80\xae\xff.policy"
    with open(odd, "wb") as f:
        f.write(open(WORKER, "rb").read())
    r = subprocess.run([BPFGEN, "-f", "rust", "-n", "w", "-o", str(tmp_path / "w.rs"), odd],
                       capture_output=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([BPFGEN, "-f", "go", "-n", "w", "-o", str(tmp_path / "w"), odd],
                       capture_output=True)
    assert r.returncode == 0, r.stderr
    rs = (tmp_path / "w.rs").read_bytes()
    assert rs.isascii() and b"p\\x0a*\\/\\xe2\\x80\\xae\\xff.policy" in rs.splitlines()[0]
    (tmp_path / "m.rs").write_text("mod w;\nfn main() {}\n")
    r = rustc(RUSTC, tmp_path, tmp_path / "m.rs", "--edition", "2021")
    assert r.returncode == 0, r.stderr
    (tmp_path / "go.mod").write_text("module vendortest\n\ngo 1.19\n")
    r = subprocess.run(["go", "vet", "./w"], cwd=tmp_path, env=langtools.go_env(BUILD),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([BPFGEN, "--check", str(tmp_path / "w.rs"), "-n", "w", odd],
                       capture_output=True)
    assert r.returncode == 0, r.stdout


# --- the command line -----------------------------------------------------

@pytest.mark.parametrize("args,msg", [
    (["-f", "go", WORKER], "-f go writes a package, several files: give -o DIRECTORY"),
    (["-f", "go", "-o", "-", WORKER], "give -o DIRECTORY"),
    (["-f", "go", "-n", "func", "-o", "x", WORKER], "'func' cannot name a Go package"),
    (["-f", "rust", "-a", "x32", WORKER], "unknown target architecture"),
    (["--check", WORKER, WORKER], "was not written by bpfgen -f c, rust or go"),
    (["--check", "/nonexistent", WORKER], "cannot read '/nonexistent'"),
])
def test_usage_errors(args, msg):
    r = bpfgen(*args, check=False)
    assert r.returncode == 2 and msg in r.stderr, r.stderr


def test_check_takes_the_format_from_the_file(tmp_path):
    rs = rust_module(tmp_path)
    d = go_package(tmp_path)
    h = tmp_path / "w.h"
    bpfgen("-n", "w", "-o", str(h), WORKER)
    for f in (rs, d, d / "bpfgen_other.go", h):
        r = bpfgen("--check", str(f), "-n", "w", WORKER, check=False)
        assert r.returncode == 0, f"{f}: {r.stdout}{r.stderr}"
    r = bpfgen("--check", str(rs), "-f", "go", "-n", "w", WORKER, check=False)
    assert r.returncode == 2 and "is a Rust module (-f rust), not what -f go writes" in r.stderr
    r = bpfgen("--check", str(h), "-f", "rust", "-n", "w", WORKER, check=False)
    assert r.returncode == 2 and "is a C header" in r.stderr
    r = bpfgen("--check", str(rs), "-f", "raw", "-a", "x86_64", WORKER, check=False)
    assert r.returncode == 2 and "not -f raw" in r.stderr
    (d / "mine.go").write_text("package w\n")
    r = bpfgen("--check", str(d / "mine.go"), "-n", "w", WORKER, check=False)
    assert r.returncode == 2 and "was not written by bpfgen" in r.stderr
    r = bpfgen("--check", str(rs), "-n", "w", str(tmp_path / "missing.policy"), check=False)
    assert r.returncode == 2


def test_outputs_are_replaced_only_on_success(tmp_path):
    rs = rust_module(tmp_path)
    d = go_package(tmp_path)
    before = {f: (d / f).read_bytes() for f in os.listdir(d)}
    rs_before = rs.read_bytes()
    bad = tmp_path / "bad.policy"
    bad.write_text("default allow\nkill-process: no_such_call\n")
    assert bpfgen("-f", "rust", "-n", "w", "-o", str(rs), str(bad), check=False).returncode == 1
    assert bpfgen("-f", "go", "-n", "w", "-o", str(d), str(bad), check=False).returncode == 1
    assert rs.read_bytes() == rs_before
    assert {f: (d / f).read_bytes() for f in os.listdir(d)} == before
    assert sorted(os.listdir(tmp_path)) == ["bad.policy", "go.mod", "w", "w.rs"]
    # Not a directory: refused, nothing written.
    r = bpfgen("-f", "go", "-n", "w", "-o", str(rs), WORKER, check=False)
    assert r.returncode == 1 and "is not one" in r.stderr
    assert rs.read_bytes() == rs_before
