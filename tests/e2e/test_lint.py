"""The linter (bpfgen/lint.c, and resolve.c for conditions): one policy
per warning in tests/e2e/lint/, each saying where its warnings must be
("# expect: [ARCH [alone]] LINE:COL NAME"); every one is found, none
more, for each architecture alone and for both at once (each printed
once). Also the options (-Wno-NAME, -Werror, --lint's exit status) and
the shipped policies, which lint clean."""
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
BPFGEN = str(BUILD / "bpfgen")
LINT = REPO / "tests" / "e2e" / "lint"
ARCHS = ("x86_64", "aarch64")
WARNING = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): warning: .* \[-W(?P<name>[\w-]+)\]$")
NAMES = ("twin", "clone3", "io-uring", "essential", "pointer", "arg64", "shadowed",
         "never", "always", "unknown-type", "open-arch", "unused-arg", "socketcall")


def lint(path, *opts):
    return subprocess.run([BPFGEN, "--lint", *opts, str(path)], capture_output=True,
                          text=True, timeout=60)


def expected(path, archs):
    """The warnings a policy expects when linted for ARCHS (a tuple):
    "# expect: LINE:COL NAME" always, "# expect: ARCH LINE:COL NAME" when
    ARCH is linted, "# expect: ARCH alone LINE:COL NAME" when ARCH is the
    only one (linted with the others, a warning may say more)."""
    want = set()
    for m in re.finditer(r"^# expect: (?:(\w+)( alone)? )?(\d+:\d+) ([\w-]+)$",
                         path.read_text(), re.M):
        arch, alone = m.group(1), m.group(2)
        if arch is None or (arch in archs and (not alone or archs == (arch,))):
            want.add((m.group(3), m.group(4)))
    return want


def found(stderr):
    got = set()
    for line in stderr.splitlines():
        m = WARNING.match(line)
        if m:
            got.add(("%s:%s" % (m["line"], m["col"]), m["name"]))
    return got


CORPUS = sorted(LINT.glob("*.policy"))


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
@pytest.mark.parametrize("arch", ARCHS)
def test_corpus(path, arch):
    p = lint(path, "-a", arch)
    want = expected(path, (arch,))
    assert found(p.stderr) == want, p.stderr
    assert p.returncode == (1 if want else 0), p.stderr
    # Every warning comes with a fix-it on the same position.
    for line in p.stderr.splitlines():
        if ": warning: " in line:
            pos = line.split(": warning: ")[0]
            assert pos + ": note: fix-it: " in p.stderr, line


def test_corpus_covers_every_warning():
    covered = {name for path in CORPUS for arch in ARCHS for _, name in expected(path, (arch,))}
    assert covered == set(NAMES)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_each_warning_printed_once_for_both_architectures(path):
    """Linted for x86_64 and aarch64 together, a warning both see (or
    each sees in its own words: aarch64 has no open) is printed once."""
    p = lint(path)
    lines = [l for l in p.stderr.splitlines() if ": warning: " in l]
    where = [l.split(": warning: ")[0] + l[l.rindex(" [-W"):] for l in lines]
    assert len(where) == len(set(where)), p.stderr
    want = expected(path, ARCHS)
    assert found(p.stderr) == want, p.stderr
    assert p.returncode == (1 if want else 0), p.stderr


def test_lint_exit_status(tmp_path):
    """--lint: 0 clean, 1 on a warning or an error, 2 on a usage error;
    it writes nothing on stdout."""
    p = lint(LINT / "clean.policy")
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    p = lint(LINT / "twin.policy")
    assert p.returncode == 1 and p.stdout == ""
    p = lint(LINT / "twin.policy", "-Werror")
    assert p.returncode == 1 and "[-Werror=twin]" in p.stderr
    p = lint(LINT / "twin.policy", "-Wno-twin")
    assert (p.returncode, p.stderr) == (0, "")
    p = lint(tmp_path / "missing.policy")
    assert p.returncode == 1
    p = subprocess.run([BPFGEN, "--lint", "-Wbogus", str(LINT / "clean.policy")],
                       capture_output=True, text=True)
    assert p.returncode == 2


def test_werror_stops_before_compiling():
    """-Werror: each lint warning is an error (printed once), and no
    program is compiled."""
    p = subprocess.run([BPFGEN, "-Werror", "-o", os.devnull, str(LINT / "twin_cond.policy")],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stderr.count("error:") == 2, p.stderr
    assert "warning:" not in p.stderr


@pytest.mark.parametrize("name", ["twin", "io-uring", "shadowed"])
def test_wno_silences_one_warning(name):
    path = {"twin": "twin.policy", "io-uring": "io_uring.policy",
            "shadowed": "shadowed.policy"}[name]
    p = lint(LINT / path, "-Wno-" + name)
    assert "[-W%s]" % name not in p.stderr
    assert p.returncode == 0, p.stderr


def test_werror_fails_and_writes_nothing(tmp_path):
    out = tmp_path / "out.h"
    out.write_text("old\n")
    p = subprocess.run([BPFGEN, "-Werror", "-o", str(out), str(LINT / "twin.policy")],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert "error: open is denied" in p.stderr and "[-Werror=twin]" in p.stderr
    assert out.read_text() == "old\n"
    p = subprocess.run([BPFGEN, "-o", str(out), str(LINT / "twin.policy")],
                       capture_output=True, text=True)
    assert p.returncode == 0 and "warning: open is denied" in p.stderr
    assert out.read_text() != "old\n"


def test_unknown_warning_name_is_a_usage_error():
    p = lint(LINT / "twin.policy", "-Wno-twins")
    assert p.returncode == 2 and "unknown warning '-Wno-twins'" in p.stderr


def test_lint_of_a_broken_policy_fails(tmp_path):
    bad = tmp_path / "bad.policy"
    bad.write_text("default allow\nkill-process: sockett\n")
    p = lint(bad)
    assert p.returncode == 1 and "did you mean 'socket'" in p.stderr


SHIPPED = sorted((REPO / "policies").glob("*.policy")) + \
    sorted((REPO / "bench" / "policies").glob("*.policy")) + \
    sorted((REPO / "tests" / "e2e" / "policies").glob("*.policy"))


# Policies that are not meant to protect anything, and why:
ALLOWED = {
    # Per-architecture constants (O_DIRECTORY) on openat's arg1, which is a
    # pointer, and conditional denies of open/openat left open through
    # openat2 and creat: a test of the compiler's features.
    "features.policy": ["-Wno-pointer", "-Wno-twin"],
    # Benchmarks: every condition is written arg64() so that bpfgen and
    # libseccomp are asked the same question (its three deny rules are then
    # bypassable, by design), and the allow-list is the generator's, as
    # measured (no restart_syscall).
    "args.policy": ["-Wno-arg64", "-Wno-essential"],
    # The multi-ABI live test: a deny rule with a condition on socket,
    # which i386's socketcall cannot carry (it denies them all there, as
    # the test checks).
    "rt_abi.policy": ["-Wno-socketcall"],
    # 2,600 synthetic rules on arbitrary registers and values.
    "large.policy": ["-Wno-arg64", "-Wno-pointer", "-Wno-twin", "-Wno-clone3"],
}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_policies_lint_clean(path):
    p = lint(path, *ALLOWED.get(path.name, []))
    assert p.returncode == 0 and p.stderr == "", p.stderr


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_policies_warn_once_per_token(path):
    """With every warning on (large.policy earns over a thousand), none is
    printed twice at one place for the two architectures."""
    p = lint(path)
    where = [l.split(": warning: ")[0] + l[l.rindex(" [-W"):]
             for l in p.stderr.splitlines() if ": warning: " in l]
    assert len(where) == len(set(where))
    assert p.returncode == (1 if where else 0)
