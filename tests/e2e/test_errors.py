"""The malformed-policy corpus: every tests/e2e/bad/*.policy holds one
mistake and names, on its first line, the one error bpfgen must report:

    # expect: LINE:COL: error: MESSAGE

The test prefixes the policy's path; {dir} and {path} stand for the
corpus directory and the policy's path, and an expectation starting with
{dir}/ is a whole line (for errors found in an included file). bpfgen must
exit 1 with exactly that error, not crash, and leave -o's file alone."""

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
BPFGEN = BUILD / "bpfgen"
BAD = Path(__file__).resolve().parent / "bad"
CORPUS = sorted(BAD.glob("*.policy"))
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")
ERROR_LINE = re.compile(r"^(.+?):(\d+):(\d+): error: ")


def expected_line(policy):
    first = policy.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    assert first.startswith("# expect: "), f"{policy.name}: first line must be '# expect: ...'"
    want = first[len("# expect: "):]
    want = want.replace("{dir}", str(BAD)).replace("{path}", str(policy))
    if want.startswith(str(BAD) + "/"):
        return want
    return f"{policy}:{want}"


def run_bpfgen(policy, out):
    return subprocess.run([str(BPFGEN), "-f", "raw", "-a", "x86_64", "-o", str(out), str(policy)],
                          capture_output=True, timeout=30)


def check_failed_cleanly(proc, out_dir):
    """Exit status 1 (not a signal, not a usage error), no sanitizer report,
    and no temporary output left behind."""
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode >= 0, f"killed by signal {signal.Signals(-proc.returncode).name}: {stderr}"
    assert proc.returncode == 1, f"exit status {proc.returncode}: {stderr}"
    for mark in SANITIZER_MARKS:
        assert mark not in stderr, stderr
    assert proc.stdout == b"", "nothing may be written to stdout"
    leftovers = [p.name for p in out_dir.iterdir() if ".tmp." in p.name]
    assert not leftovers, f"temporary files left: {leftovers}"
    return stderr


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 40, f"only {len(CORPUS)} malformed policies"


def test_no_two_cases_are_the_same():
    seen = {}
    for policy in CORPUS:
        body = policy.read_bytes().split(b"\n", 1)[1]
        assert body not in seen, f"{policy.name} repeats {seen.get(body)}"
        seen[body] = policy.name


@pytest.mark.parametrize("policy", CORPUS, ids=[p.stem for p in CORPUS])
def test_malformed_policy(policy, tmp_path):
    out = tmp_path / "filter.bpf"
    proc = run_bpfgen(policy, out)
    stderr = check_failed_cleanly(proc, tmp_path)
    lines = stderr.splitlines()
    want = expected_line(policy)
    assert want in lines, f"expected\n  {want}\ngot\n  " + "\n  ".join(lines)
    errors = [line for line in lines if ERROR_LINE.match(line)]
    assert errors == [want], "one mistake must give one error: " + "\n".join(errors)
    assert not out.exists(), "an output file was created for a failed compile"


@pytest.mark.parametrize("policy", CORPUS[:10], ids=[p.stem for p in CORPUS[:10]])
def test_existing_output_is_left_alone(policy, tmp_path):
    out = tmp_path / "filter.bpf"
    before = bytes(range(256)) * 3
    out.write_bytes(before)
    os.chmod(out, 0o640)
    proc = run_bpfgen(policy, out)
    check_failed_cleanly(proc, tmp_path)
    assert out.read_bytes() == before, "a failed compile changed the existing output"
    assert out.stat().st_mode & 0o777 == 0o640


def test_every_architecture_reports_the_same_error(tmp_path):
    """The C header compiles for x86_64 and aarch64; a mistake is reported
    once, not once per architecture."""
    policy = BAD / "unknown_syscall_suggest.policy"
    out = tmp_path / "f.h"
    proc = subprocess.run([str(BPFGEN), "-o", str(out), str(policy)],
                          capture_output=True, timeout=30)
    stderr = check_failed_cleanly(proc, tmp_path)
    assert stderr.splitlines() == [expected_line(policy)]
    assert not out.exists()
