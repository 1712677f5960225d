"""`make install` and `make uninstall` into a staging DESTDIR: every file
in its place, the man pages render, a program builds against the installed
runtime through pkg-config and installs a filter, and uninstall leaves no
file behind."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
IN_CI = os.environ.get("CI") == "true"
TOOLS = ["bpfgen", "bpfsim", "bpfdis", "bpfasm", "bpfdiff", "seccomp-audit",
         "syscall-record", "syscall-scan"]
MAN = sorted(os.listdir(os.path.join(ROOT, "man")))

PROGRAM = r"""
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "deny.h"
#include "bpfrt.h"

int main(void)
{
	int r = bpfrt_install(&deny_prog, 0);

	if (r != 0) {
		fprintf(stderr, "bpfrt_install: %d\n", r);
		return 2;
	}
	errno = 0;
	if (syscall(SYS_getpgid, 0) != -1 || errno != EACCES)
		return 3;
	puts("denied");
	return 0;
}
"""


def need_tool(name):
    if shutil.which(name) is None:
        if IN_CI:
            pytest.fail("%s is missing in CI (tools/install-test-deps.sh)" % name)
        pytest.skip("%s is not installed" % name)


def make(*args):
    p = subprocess.run(["make", "-s", "BUILD=" + BUILD] + list(args), cwd=ROOT,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def render(path, device="utf8"):
    """groff's rendering as plain text (overstrike bold removed); fails on
    any groff warning."""
    p = subprocess.run(["groff", "-man", "-T" + device, "-ww", str(path)],
                       capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    return re.sub(".\b", "", p.stdout)


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, fs in os.walk(root) for f in fs)


def expected_files():
    want = ["usr/bin/" + t for t in TOOLS]
    want += ["usr/include/bpfgen/bpfrt.h", "usr/lib/libbpfrt.a",
             "usr/lib/pkgconfig/bpfrt.pc",
             "usr/share/bpfgen/runtime/bpfrt.c",
             "usr/share/bpfgen/runtime/bpfrt.h"]
    want += ["usr/share/man/man%s/%s" % (m.rsplit(".", 1)[1], m) for m in MAN]
    return sorted(want)


@pytest.fixture
def staged(tmp_path):
    dest = tmp_path / "dest"
    make("install", "DESTDIR=" + str(dest), "PREFIX=/usr")
    return dest


def test_man_pages_exist():
    for page in ("bpfgen.1", "bpfgen.policy.5", "bpfdiff.1"):
        assert page in MAN


def test_install_tree_then_uninstall_leaves_nothing(staged):
    assert files_under(staged) == expected_files()
    for t in TOOLS:
        assert os.access(staged / "usr/bin" / t, os.X_OK), t
    p = subprocess.run([str(staged / "usr/bin/bpfgen"), "--version"],
                       capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip(), p.stderr
    assert (staged / "usr/include/bpfgen/bpfrt.h").read_bytes() == \
        open(os.path.join(ROOT, "runtime", "bpfrt.h"), "rb").read()
    pc = (staged / "usr/lib/pkgconfig/bpfrt.pc").read_text()
    assert "prefix=/usr\n" in pc and "@" not in pc, pc
    make("uninstall", "DESTDIR=" + str(staged), "PREFIX=/usr")
    assert files_under(staged) == []
    assert not (staged / "usr/include/bpfgen").exists()
    assert not (staged / "usr/share/bpfgen").exists()


def test_default_prefix_is_usr_local(tmp_path):
    out = make("-n", "install", "DESTDIR=" + str(tmp_path))
    assert str(tmp_path) + "/usr/local/bin" in out
    assert str(tmp_path) + "/usr/local/share/man/man5" in out


@pytest.mark.parametrize("page", MAN)
def test_man_page_renders(staged, page):
    need_tool("groff")
    section = page.rsplit(".", 1)[1]
    path = staged / "usr/share/man" / ("man" + section) / page
    text = render(path)
    for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"):
        assert "\n" + heading + "\n" in text, (page, heading)
    name = page.rsplit(".", 1)[0]
    title = text.split("\nNAME\n", 1)[1].lstrip().split("\n", 1)[0]
    assert title.replace("\u2010", "-").startswith(name + " "), title


def test_policy_man_page_covers_the_language(staged):
    need_tool("groff")
    path = staged / "usr/share/man/man5/bpfgen.policy.5"
    text = render(path, "ascii")
    for word in ("default", "on-bad-arch", "on-x32", "include", "lo32(argK)",
                 "errno(N)", "trace(N)", "kill-thread", "notify", "@io_uring",
                 "O_DIRECTORY", "4096"):
        assert word in text, word


def test_program_builds_against_installed_runtime_with_pkg_config(staged, tmp_path):
    need_tool("pkg-config")
    env = dict(os.environ, PKG_CONFIG_PATH=str(staged / "usr/lib/pkgconfig"),
               PKG_CONFIG_SYSROOT_DIR=str(staged))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "bpfrt"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    assert "-I%s/usr/include/bpfgen" % staged in flags, flags
    assert "-lbpfrt" in flags, flags
    policy = tmp_path / "deny.policy"
    policy.write_text("default allow\nerrno(EACCES): getpgid\n")
    subprocess.run([str(staged / "usr/bin/bpfgen"), "-n", "deny", "-o",
                    str(tmp_path / "deny.h"), str(policy)], check=True)
    src = tmp_path / "main.c"
    src.write_text(PROGRAM)
    exe = tmp_path / "main"
    subprocess.run(["cc", "-std=c11", "-Wall", "-Werror", "-D_GNU_SOURCE",
                    "-I", str(tmp_path), "-o", str(exe), str(src)] + flags,
                   check=True)
    # The filter goes into the new program's process, not this one.
    p = subprocess.run([str(exe)], capture_output=True, text=True)
    assert (p.returncode, p.stdout) == (0, "denied\n"), p.stderr
