"""The linter (bpfgen/lint.c, and resolve.c for conditions): one policy
per warning in tests/e2e/lint/, each saying where its warnings must be
("# expect: [ARCH] LINE:COL NAME"); every one is found, none more. Also
the options (-Wno-NAME, -Werror, --lint's exit status) and the shipped
policies, which lint clean."""
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
         "never", "always", "unknown-type", "open-arch", "unused-arg")


def lint(path, *opts):
    return subprocess.run([BPFGEN, "--lint", *opts, str(path)], capture_output=True,
                          text=True, timeout=60)


def expected(path, arch):
    want = set()
    for m in re.finditer(r"^# expect: (?:(\w+) )?(\d+:\d+) ([\w-]+)$", path.read_text(), re.M):
        if m.group(1) in (None, arch):
            want.add((m.group(2), m.group(3)))
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
    want = expected(path, arch)
    assert found(p.stderr) == want, p.stderr
    assert p.returncode == (1 if want else 0), p.stderr
    # Every warning comes with a fix-it on the same position.
    for line in p.stderr.splitlines():
        if ": warning: " in line:
            pos = line.split(": warning: ")[0]
            assert pos + ": note: fix-it: " in p.stderr, line


def test_corpus_covers_every_warning():
    covered = {name for path in CORPUS for arch in ARCHS for _, name in expected(path, arch)}
    assert covered == set(NAMES)


def test_each_warning_printed_once_for_both_architectures():
    p = lint(LINT / "io_uring.policy")
    assert p.stderr.count("[-Wio-uring]") == 1, p.stderr


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
    sorted((REPO / "tests" / "e2e" / "policies").glob("*.policy"))


# features.policy tests per-architecture constants (O_DIRECTORY) on
# openat's arg1, which is a pointer: that one warning is expected there.
ALLOWED = {"features.policy": ["-Wno-pointer"]}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_policies_lint_clean(path):
    p = lint(path, *ALLOWED.get(path.name, []))
    assert p.returncode == 0 and p.stderr == "", p.stderr
