#!/usr/bin/python3
"""Live enforcement on a real aarch64 kernel: `make check-aarch64`.

Builds the static aarch64 test program (tests/e2e/helpers/rt_live.c), a
static 32-bit ARM program, syscall-record, bpfgen and the program they
record (tests/e2e/helpers/record_workload.c), and the Go and Rust programs
that install the filter vendored by bpfgen -f go / -f rust
(tests/e2e/lang/), all static for aarch64, packs them
into an initramfs whose /init is the test program, boots Debian's arm64 kernel under qemu-system-aarch64 and
checks the console: every expected case must print "case NAME: ok".

The kernel package is fetched with `apt-get download` into
BUILD/aarch64-kernel/ once and reused, and so is Rust's standard library
for aarch64 (libstd-rust-dev:arm64, into BUILD/aarch64-rust/). Without qemu, the cross compilers
or the kernel package the check says so and skips, except in CI (CI=true),
where that is a failure.
"""
import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import langtools  # noqa: E402
import live_cases  # noqa: E402

QEMU = "qemu-system-aarch64"
CROSS = "aarch64-linux-gnu-"
TOOLS = [QEMU, CROSS + "gcc", "arm-linux-gnueabihf-gcc", "apt-get",
         "apt-cache", "dpkg-deb", "go"]
RUST_TARGET = "aarch64-unknown-linux-gnu"
BOOT_TIMEOUT = 240  # seconds; a boot takes a few under TCG
IN_CI = os.environ.get("CI") == "true"


class Unavailable(Exception):
    """Something the check needs cannot be had on this machine."""


def log(msg):
    print("check-aarch64: " + msg, flush=True)


def run(cmd, **kw):
    log("$ " + " ".join(cmd))
    return subprocess.run(cmd, check=True, **kw)


# ---- prerequisites --------------------------------------------------------

def check_tools():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        raise Unavailable(
            "missing " + ", ".join(missing) +
            " (install them with tools/install-test-deps.sh)")


def debian_rustc():
    """Debian's rustc and its package version: Rust's standard library for
    aarch64 must be the same build."""
    version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "rustc"],
                             capture_output=True, text=True).stdout.strip()
    if not version or not os.path.exists("/usr/bin/rustc"):
        raise Unavailable("Debian's rustc is not installed "
                          "(tools/install-test-deps.sh installs it)")
    return "/usr/bin/rustc", version


def fetch_rust_std(cache):
    """A sysroot holding Rust's standard library for aarch64, from the
    libstd-rust-dev:arm64 package of the installed rustc's version,
    downloaded into CACHE once and unpacked there: nothing is installed
    (an arm64 libc on this machine would change what other tests find)."""
    rustc, version = debian_rustc()
    root = os.path.join(cache, version)
    if os.path.isdir(os.path.join(root, "usr", "lib", "rustlib", RUST_TARGET)):
        return rustc, os.path.join(root, "usr")
    os.makedirs(cache, exist_ok=True)
    enable_arm64_packages()
    pkg = "libstd-rust-dev:arm64=" + version
    try:
        run(["apt-get", "download", pkg], cwd=cache)
    except subprocess.CalledProcessError:
        raise Unavailable("apt-get download %s failed" % pkg)
    deb = [f for f in os.listdir(cache) if f.startswith("libstd-rust-dev_")
           and f.endswith("_arm64.deb")]
    if len(deb) != 1:
        raise Unavailable("apt-get download left no single libstd-rust-dev_*_arm64.deb")
    tmp = root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    run(["dpkg-deb", "-x", os.path.join(cache, deb[0]), tmp])
    os.unlink(os.path.join(cache, deb[0]))
    os.rename(tmp, root)
    return rustc, os.path.join(root, "usr")


def build_vendored(build, out):
    """/vendor_go and /vendor_rust: the test programs of tests/e2e/lang/
    with the filter bpfgen -f go / -f rust writes, static for aarch64."""
    bpfgen = os.path.join(build, "bpfgen")
    work = os.path.join(out, "vendored")
    shutil.rmtree(work, ignore_errors=True)
    log("building the vendored Go and Rust programs for aarch64")
    go = langtools.build_go(bpfgen, build, os.path.join(work, "go"),
                            os.path.join(out, "vendor_go"), goarch="arm64")
    rustc, sysroot = fetch_rust_std(os.path.join(build, "aarch64-rust"))
    rust = langtools.build_rust(bpfgen, os.path.join(work, "rust"),
                                os.path.join(out, "vendor_rust"), rustc,
                                target=RUST_TARGET, linker=CROSS + "gcc",
                                sysroot=sysroot)
    return [go, rust]


def arm64_kernel_package():
    """Name of the current Debian arm64 kernel image package."""
    out = subprocess.run(["apt-cache", "depends", "linux-image-arm64:arm64"],
                         capture_output=True, text=True)
    m = re.search(r"Depends: (linux-image-\S+-arm64)(:arm64)?\b", out.stdout)
    return m.group(1) if m else None


def enable_arm64_packages():
    """Make apt know arm64 packages (root only): add the architecture."""
    archs = subprocess.run(["dpkg", "--print-foreign-architectures"],
                           capture_output=True, text=True).stdout.split()
    if "arm64" in archs and arm64_kernel_package():
        return
    if os.geteuid() != 0:
        raise Unavailable(
            "apt does not list arm64 packages; as root run: "
            "dpkg --add-architecture arm64 && apt-get update")
    try:
        run(["dpkg", "--add-architecture", "arm64"])
        run(["apt-get", "update", "-q"])
    except subprocess.CalledProcessError as e:
        raise Unavailable("%s failed (exit %d): no arm64 package lists"
                          % (" ".join(e.cmd), e.returncode))


def fetch_kernel(cache):
    """Return the path of a bootable arm64 kernel image, downloading the
    Debian package into CACHE the first time."""
    image = os.path.join(cache, "Image")
    if os.path.exists(image):
        return image
    os.makedirs(cache, exist_ok=True)
    enable_arm64_packages()
    pkg = arm64_kernel_package()
    if not pkg:
        raise Unavailable("apt-cache cannot resolve linux-image-arm64:arm64")
    try:
        run(["apt-get", "download", pkg + ":arm64"], cwd=cache)
    except subprocess.CalledProcessError:
        raise Unavailable("apt-get download %s:arm64 failed" % pkg)
    deb = [f for f in os.listdir(cache) if f.startswith(pkg) and f.endswith(".deb")]
    if not deb:
        raise Unavailable("apt-get download left no %s*.deb in %s" % (pkg, cache))
    with tempfile.TemporaryDirectory() as tmp:
        run(["dpkg-deb", "-x", os.path.join(cache, deb[0]), tmp])
        boot = os.path.join(tmp, "boot")
        vmlinuz = [f for f in os.listdir(boot) if f.startswith("vmlinuz-")]
        if len(vmlinuz) != 1:
            raise Unavailable("%s holds no single /boot/vmlinuz-*" % deb[0])
        data = open(os.path.join(boot, vmlinuz[0]), "rb").read()
    # Debian 12's arm64 vmlinuz is a plain Image; qemu -kernel also takes a
    # gzip one, but say which it was for whoever debugs a boot.
    log("kernel %s from %s (%s)" % (vmlinuz[0], deb[0],
        "gzip" if data[:2] == b"\x1f\x8b" else "uncompressed Image"))
    with open(image + ".tmp", "wb") as f:
        f.write(data)
    os.rename(image + ".tmp", image)
    with open(os.path.join(cache, "PACKAGE"), "w") as f:
        f.write(deb[0] + "\n")  # which kernel the cached Image came from
    os.unlink(os.path.join(cache, deb[0]))
    return image


# ---- initramfs ------------------------------------------------------------

def cpio_entry(name, mode, data=b"", rdev=(0, 0), ino=1):
    """One "newc" cpio record; built here so no mknod (root) is needed."""
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % v for v in fields)
    out = head + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


# Besides /init, /rt_arm32 and the vendored programs (build_vendored):
# syscall-record's cases record, compile and
# enforce inside the VM.
RECORD_FILES = ["syscall-record", "bpfgen", "record_workload"]
# The armhf program a multi-ABI filter decides (rt_live's abi-arm32).
ARM32_FILES = ["rt_arm32_abi"]


def build_initramfs(path, init, arm32, extra=()):
    files = [
        ("dev", stat.S_IFDIR | 0o755, b"", (0, 0)),
        ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
        ("dev/kmsg", stat.S_IFCHR | 0o644, b"", (1, 11)),
        ("proc", stat.S_IFDIR | 0o555, b"", (0, 0)),
        ("init", stat.S_IFREG | 0o755, open(init, "rb").read(), (0, 0)),
        ("rt_arm32", stat.S_IFREG | 0o755, open(arm32, "rb").read(), (0, 0)),
    ] + [(os.path.basename(f), stat.S_IFREG | 0o755, open(f, "rb").read(), (0, 0))
         for f in extra]
    blob = b""
    for ino, (name, mode, data, rdev) in enumerate(files, start=1):
        blob += cpio_entry(name, mode, data, rdev, ino)
    blob += cpio_entry("TRAILER!!!", 0, ino=0)
    with open(path, "wb") as f:
        f.write(blob)


# ---- boot and verdict -----------------------------------------------------

def boot(kernel, initrd):
    cmd = [QEMU, "-M", "virt", "-cpu", "cortex-a57", "-m", "512",
           "-nographic", "-no-reboot", "-nic", "none",
           "-kernel", kernel, "-initrd", initrd,
           "-append", "console=ttyAMA0 quiet loglevel=3 panic=-1"]
    log("$ " + " ".join(cmd))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           errors="replace", timeout=BOOT_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if e.stdout else ""
        return None, out
    return p.returncode, p.stdout + p.stderr


def verdict(console):
    """List of problems found in the console output (empty: passed)."""
    seen = {}
    for m in re.finditer(r"case (\S+): (ok|FAIL)(.*)", console):
        seen[m.group(1)] = (m.group(2), m.group(0).strip())
    problems = []
    for name in live_cases.AARCH64:
        if name not in seen:
            problems.append("case %s: no result line" % name)
        elif seen[name][0] != "ok":
            problems.append(seen[name][1])
    for name, (status, line) in seen.items():
        if name not in live_cases.AARCH64:
            problems.append("unexpected case (add it to live_cases.py): " + line)
    if "rt_live: done" not in console:
        problems.append("the test program never finished (no 'rt_live: done')")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--make", default="make")
    args = ap.parse_args()
    out = os.path.join(args.build, "aarch64")
    try:
        check_tools()
        kernel = fetch_kernel(os.path.join(args.build, "aarch64-kernel"))
        fetch_rust_std(os.path.join(args.build, "aarch64-rust"))
    except Unavailable as e:
        if IN_CI:
            log("FAILED: cannot run in CI: %s" % e)
            return 1
        log("SKIPPED, not run: %s" % e)
        return 0
    run([args.make, "BUILD=" + args.build, "CROSS_COMPILE=" + CROSS,
         "target-programs", os.path.join(out, "rt_arm32")] +
        [os.path.join(out, f) for f in RECORD_FILES + ARM32_FILES])
    vendored = build_vendored(args.build, out)
    initrd = os.path.join(out, "initramfs.cpio")
    build_initramfs(initrd, os.path.join(out, "rt_live"),
                    os.path.join(out, "rt_arm32"),
                    [os.path.join(out, f) for f in RECORD_FILES + ARM32_FILES] + vendored)
    rc, console = boot(kernel, initrd)
    with open(os.path.join(out, "console.log"), "w") as f:
        f.write(console)
    problems = verdict(console)
    if rc is None:
        problems.append("qemu did not power off within %ds" % BOOT_TIMEOUT)
    elif rc != 0:
        problems.append("qemu exited with %d" % rc)
    if problems:
        log("FAILED (console in %s/console.log):" % out)
        for p in problems:
            print("  " + p)
        return 1
    log("passed: %d cases on the aarch64 kernel" % len(live_cases.AARCH64))
    return 0


if __name__ == "__main__":
    sys.exit(main())
