#!/usr/bin/python3
"""syscall-scan against the real arm64 kernel (part of `make check-aarch64`).

Builds tests/e2e/scan/prog.c for aarch64 static and dynamic, boots Debian's
arm64 kernel under qemu-system-aarch64 with tests/e2e/scan/scan_live.c as
/init, which runs each program under syscall-record (built static for
aarch64) with and without an argument and prints the policy each run
needed. Every syscall a run made on that kernel (but the execve that
started the program) must be in the static set syscall-scan finds for the
same binary on this host — for the dynamic one with the same loader and
libc as the VM has, given as its --sysroot. Any missing syscall fails.

Reuses tests/aarch64/check.py's kernel download, initramfs and boot. Where
qemu, the cross compiler or the kernel cannot be had it says so and skips,
except in CI (CI=true), where that is a failure.
"""
import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "tests", "aarch64"))
import check  # noqa: E402  (tests/aarch64/check.py)

CC = "aarch64-linux-gnu-gcc"
CROSS_LIB = "/usr/aarch64-linux-gnu/lib"   # Debian's libc6-arm64-cross
PROGS = ["prog-static", "prog-dynamic"]
IN_CI = os.environ.get("CI") == "true"


def log(msg):
    print("scan-live: " + msg, flush=True)


def build(out, build_dir, make):
    """The VM's programs, /init and syscall-record, into OUT."""
    os.makedirs(out, exist_ok=True)
    src = os.path.join(HERE, "prog.c")
    check.run([CC, "-O2", "-pthread", "-static", "-o", os.path.join(out, "prog-static"), src])
    check.run([CC, "-O2", "-pthread", "-o", os.path.join(out, "prog-dynamic"), src])
    check.run([CC, "-O2", "-static", "-Wall", "-Wextra", "-Werror", "-o",
               os.path.join(out, "scan_live"), os.path.join(HERE, "scan_live.c")])
    check.run([make, "BUILD=" + build_dir, "CROSS_COMPILE=aarch64-linux-gnu-",
               os.path.join(build_dir, "aarch64", "syscall-record")])


def sysroot(out):
    """What the dynamic program finds in the VM: the cross loader and libc,
    at the paths the loader searches. Also the host scan's --sysroot."""
    root = os.path.join(out, "sysroot")
    for rel, name in [("lib", "ld-linux-aarch64.so.1"),
                      ("lib/aarch64-linux-gnu", "libc.so.6")]:
        os.makedirs(os.path.join(root, rel), exist_ok=True)
        shutil.copyfile(os.path.join(CROSS_LIB, name), os.path.join(root, rel, name))
    return root


def initramfs(path, out, root, recorder):
    files = [
        ("dev", stat.S_IFDIR | 0o755, b"", (0, 0)),
        ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
        ("proc", stat.S_IFDIR | 0o555, b"", (0, 0)),
        ("lib", stat.S_IFDIR | 0o755, b"", (0, 0)),
        ("lib/aarch64-linux-gnu", stat.S_IFDIR | 0o755, b"", (0, 0)),
        ("init", stat.S_IFREG | 0o755, open(os.path.join(out, "scan_live"), "rb").read(),
         (0, 0)),
        ("syscall-record", stat.S_IFREG | 0o755, open(recorder, "rb").read(), (0, 0)),
    ]
    for p in PROGS:
        files.append((p, stat.S_IFREG | 0o755, open(os.path.join(out, p), "rb").read(), (0, 0)))
    for rel in ["lib/ld-linux-aarch64.so.1", "lib/aarch64-linux-gnu/libc.so.6"]:
        files.append((rel, stat.S_IFREG | 0o755, open(os.path.join(root, rel), "rb").read(),
                      (0, 0)))
    blob = b""
    for ino, (name, mode, data, rdev) in enumerate(files, start=1):
        blob += check.cpio_entry(name, mode, data, rdev, ino)
    blob += check.cpio_entry("TRAILER!!!", 0, ino=0)
    with open(path, "wb") as f:
        f.write(blob)


def recorded(console):
    """{(program, variant): set of syscalls the run made} from the console:
    the policy's "Seen" rules (not the ones every policy gets)."""
    runs = {}
    for m in re.finditer(r"scan-live: BEGIN /(\S+) (\S+) status (-?\d+)\n(.*?)scan-live: END",
                         console, re.S):
        prog, variant, status, text = m.group(1), m.group(2), int(m.group(3)), m.group(4)
        seen = text.split("# Seen", 1)[1] if "# Seen" in text else ""
        names = set(re.findall(r"^allow: ([a-z_0-9]+)", seen, re.M))
        runs[(prog, variant)] = (status, names)
    return runs


def static_set(scan, binary, root):
    r = subprocess.run([scan, "--json", "--sysroot", root, binary], capture_output=True,
                       text=True)
    if r.returncode not in (0, 2):
        raise RuntimeError(f"syscall-scan {binary}: exit {r.returncode}: {r.stderr}")
    rep = json.loads(r.stdout)
    return {s["name"] for s in rep["syscalls"] if s["abi"] == "aarch64"}, rep


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--make", default="make")
    a = ap.parse_args()
    out = os.path.join(a.build, "aarch64", "scan-live")
    scan = os.path.join(a.build, "syscall-scan")
    try:
        check.check_tools()
        if not os.path.exists(os.path.join(CROSS_LIB, "libc.so.6")):
            raise check.Unavailable(f"no {CROSS_LIB}/libc.so.6 (libc6-arm64-cross)")
        kernel = check.fetch_kernel(os.path.join(a.build, "aarch64-kernel"))
    except check.Unavailable as e:
        if IN_CI:
            log(f"FAILED: cannot run in CI: {e}")
            return 1
        log(f"SKIPPED, not run: {e}")
        return 0
    build(out, a.build, a.make)
    root = sysroot(out)
    initrd = os.path.join(out, "initramfs.cpio")
    initramfs(initrd, out, root, os.path.join(a.build, "aarch64", "syscall-record"))
    rc, console = check.boot(kernel, initrd)
    with open(os.path.join(out, "console.log"), "w") as f:
        f.write(console)
    problems = []
    if rc is None:
        problems.append(f"qemu did not power off within {check.BOOT_TIMEOUT}s")
    if "scan-live: done" not in console:
        problems.append("the VM's /init never finished (no 'scan-live: done')")
    runs = recorded(console)
    for prog in PROGS:
        found, rep = static_set(scan, os.path.join(out, prog), root)
        for variant in ("arg", "noarg"):
            if (prog, variant) not in runs:
                problems.append(f"{prog} {variant}: no recording on the console")
                continue
            status, seen = runs[(prog, variant)]
            if status != 0:
                problems.append(f"{prog} {variant}: syscall-record exited with status {status}")
            seen.discard("execve")   # what started the program, not the program
            if not seen:
                problems.append(f"{prog} {variant}: the recording is empty")
            missing = seen - found
            log(f"{prog} {variant}: {len(seen)} made on the arm64 kernel, "
                f"{len(found)} in the static set, complete={rep['complete']}")
            if missing:
                problems.append(f"{prog} {variant}: made {sorted(missing)} on the arm64 "
                                f"kernel; syscall-scan did not find them")
    if problems:
        log(f"FAILED (console in {out}/console.log):")
        for p in problems:
            print("  " + p)
        return 1
    log("passed: every syscall the programs made on the arm64 kernel is in the static set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
