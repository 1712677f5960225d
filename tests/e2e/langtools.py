"""The Rust and Go toolchains for bpfgen's -f rust and -f go outputs: found,
set up to work offline, and used to build the test programs of
tests/e2e/lang/ -- by tests/e2e/test_vendor.py for this machine and by
tests/aarch64/check.py for the arm64 VM.

CI installs Debian's rustc, rustfmt and golang-go (tools/install-test-deps.sh);
a rustc or rustfmt found on PATH besides Debian's is used as well where the
tests compile with every compiler they find."""
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LANG = os.path.join(ROOT, "tests", "e2e", "lang")
POLICY = os.path.join(ROOT, "tests", "e2e", "policies", "vendor.policy")

# What the test programs print per thread once the vendor.policy filter is
# on it, and before.
BLOCKED = "getpgid errno 18, getpriority(PRIO_USER) errno 15, getpriority(PRIO_PROCESS) ok"
OPEN = "getpgid ok, getpriority(PRIO_USER) ok, getpriority(PRIO_PROCESS) ok"
THREADS = 4   # besides the installing one (tests/e2e/lang/*/main.*)


def _distinct(paths):
    seen, out = set(), []
    for p in paths:
        if p and os.path.exists(p) and os.path.realpath(p) not in seen:
            seen.add(os.path.realpath(p))
            out.append(p)
    return out


def rustcs():
    """Every distinct rustc: Debian's first (what CI has), then PATH's."""
    return _distinct(["/usr/bin/rustc", shutil.which("rustc")])


def rustfmts():
    return _distinct(["/usr/bin/rustfmt", shutil.which("rustfmt")])


def rust_version(rustc):
    out = subprocess.run([rustc, "--version"], capture_output=True, text=True).stdout
    return tuple(int(x) for x in out.split()[1].split("-")[0].split(".")[:2])


def go_env(build, goos="linux", goarch="amd64"):
    """Go offline: no module downloads, caches in the build tree."""
    # One cache for every build tree (make check-sanitize's too): it only
    # holds compiled Go, keyed by its inputs.
    base = os.path.join(ROOT, "build", "go")
    env = dict(os.environ)
    env.update(GOCACHE=os.path.join(base, "cache"), GOPATH=os.path.join(base, "path"),
               GOFLAGS="-mod=mod", GOPROXY="off", GO111MODULE="on", GOSUMDB="off",
               GOTOOLCHAIN="local", GOTELEMETRY="off", CGO_ENABLED="0",
               GOOS=goos, GOARCH=goarch)
    return env


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    if r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode,
                                                       r.stdout, r.stderr))
    return r


def go_module(bpfgen, workdir, policy=POLICY, *extra):
    """WORKDIR/: the Go test program and, in filter/, the package bpfgen -f
    go writes from POLICY."""
    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, "go.mod"), "w") as f:
        f.write("module vendortest\n\ngo 1.19\n")
    shutil.copy(os.path.join(LANG, "go", "main.go"), workdir)
    run([bpfgen, "-f", "go", "-n", "filter", *extra, "-o", os.path.join(workdir, "filter"),
         policy])
    return workdir


def build_go(bpfgen, build, workdir, out, goarch="amd64"):
    """The Go test program for linux/GOARCH, static, vetted first."""
    go_module(bpfgen, workdir)
    env = go_env(build, "linux", goarch)
    run(["go", "vet", "./..."], cwd=workdir, env=env)
    run(["go", "build", "-o", os.path.abspath(out), "."], cwd=workdir, env=env)
    return out


def rust_crate(bpfgen, workdir, policy=POLICY, *extra):
    """WORKDIR/: the Rust test program and, in filter.rs, the module
    bpfgen -f rust writes from POLICY."""
    os.makedirs(workdir, exist_ok=True)
    shutil.copy(os.path.join(LANG, "rust", "main.rs"), workdir)
    run([bpfgen, "-f", "rust", "-n", "filter", *extra,
         "-o", os.path.join(workdir, "filter.rs"), policy])
    return workdir


def build_rust(bpfgen, workdir, out, rustc, target=None, linker=None, sysroot=None):
    """The Rust test program, with -D warnings; for TARGET static (its
    standard library in SYSROOT)."""
    rust_crate(bpfgen, workdir)
    cmd = [rustc, "--edition", "2021", "-D", "warnings", "-O"]
    if sysroot:
        cmd += ["--sysroot", os.path.abspath(sysroot)]
    if target:
        cmd += ["--target", target, "-C", "target-feature=+crt-static"]
    if linker:
        cmd += ["-C", "linker=" + linker]
    run(cmd + ["-o", os.path.abspath(out), "main.rs"], cwd=workdir)
    return out
