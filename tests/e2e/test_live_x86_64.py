"""Live enforcement on this machine's x86_64 kernel: bpfgen-compiled
filters installed through the runtime, every case in a forked child of
build/tests/rt_live (tests/e2e/helpers/rt_live.c), never in pytest itself.
The same cases run on a real aarch64 kernel in `make check-aarch64`."""
import os
import platform
import re
import subprocess
import sys

import pytest

import ia32  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "aarch64"))
import live_cases  # noqa: E402

BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
RT_LIVE = os.path.join(BUILD, "tests", "rt_live")
IN_CI = os.environ.get("CI") == "true"
# Cases that need root: setuid to nobody, reading /dev/kmsg.
NEEDS_ROOT = {"runtime-no-nnp-unprivileged", "action-log-audited"}
INT80 = {"worker-i386-int80", "worker-i386-int80-unfiltered", "abi-i386-int80-getpid"}
TRYFILTER = os.path.join(BUILD, "tests", "tryfilter")

pytestmark = pytest.mark.skipif(
    platform.machine() != "x86_64" and not IN_CI,
    reason="live x86_64 tests need an x86_64 kernel")


@pytest.fixture(scope="module")
def results():
    """Run every case once; map case name -> (ok, line)."""
    assert os.path.exists(RT_LIVE), "build it first: make %s" % RT_LIVE
    p = subprocess.run([RT_LIVE, "all"], capture_output=True, text=True,
                       timeout=300)
    seen = {}
    for m in re.finditer(r"^case (\S+): (ok|FAIL)(.*)$", p.stdout, re.M):
        seen[m.group(1)] = (m.group(2) == "ok", m.group(0))
    assert seen, "rt_live printed no case lines:\n" + p.stdout + p.stderr
    return seen


@pytest.mark.parametrize("case", live_cases.X86_64)
def test_live_case(results, case):
    if case in NEEDS_ROOT and os.geteuid() != 0:
        if IN_CI:
            pytest.fail("CI must run %s as root" % case)
        pytest.skip("%s needs root" % case)
    assert case in results, "rt_live printed no line for " + case
    ok, line = results[case]
    if case in INT80 and not ia32.available(TRYFILTER):
        # This kernel refuses int 0x80 before any filter runs
        # (tests/e2e/ia32.py): filtered or not, the call dies of SIGSEGV.
        assert 'observed "killed by SIGSEGV"' in line, line
        ia32.note_refused()
        return
    assert ok, line


def test_no_unlisted_cases(results):
    extra = sorted(set(results) - set(live_cases.X86_64))
    assert not extra, "cases missing from tests/aarch64/live_cases.py: %s" % extra


def test_unknown_case_is_an_error():
    p = subprocess.run([RT_LIVE, "no-such-case"], capture_output=True, text=True)
    assert p.returncode == 2 and "no case named" in p.stderr
