#!/usr/bin/python3
"""make bench: container profiles imported by bpfgen, next to what runc 1.1
installs for them (libseccomp through python3-seccomp, optimize levels 1
and 2, with runc's ENOSYS stub: tests/containers/runc_style.py). Per
target and ABI: program length and instructions run per syscall number
(the most any probe of that number runs; max and mean over every number of
the ABI's table and past its end), counted by bpfsim.

With a compiler that lacks the multi-ABI syntax the import would be
native-only and without the ENOSYS stub, and so would the runc filter it
is compared with (the same question to both); the table says which.

    /usr/bin/python3 bench/import_bench.py [--build build] [--json FILE]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "containers"))
import probes  # noqa: E402
import runc_style as rs  # noqa: E402

PROFILES = (("docker", ROOT / "tests" / "containers" / "docker-default.json"),
            ("podman", ROOT / "tests" / "containers" / "podman-seccomp.json"))
TARGETS = ("x86_64", "aarch64")


def has_abi(build, tmp):
    """Does this compiler take `abi` and `on-newer`?"""
    p = Path(tmp) / "probe.policy"
    p.write_text("default allow\nabi x86_64: native, i386, x32\non-newer errno(ENOSYS)\n")
    r = subprocess.run([str(Path(build) / "bpfgen"), "-a", "x86_64", "-f", "raw", "-o",
                        str(Path(tmp) / "probe.bpf"), str(p)], capture_output=True)
    return r.returncode == 0


def counts(build, prog, lines):
    r = subprocess.run([str(Path(build) / "bpfsim"), "--batch", str(prog)],
                       input="".join(lines), capture_output=True, text=True, check=True)
    return [(ln.split()[0], int(ln.split()[1])) for ln in r.stdout.splitlines()]


def stats(probes_, results, abi):
    worst = {}
    for (a, nr, _), (_, n) in zip(probes_, results):
        if a == abi:
            worst[nr] = max(worst.get(nr, 0), n)
    return max(worst.values()), statistics.fmean(worst.values())


def bench(build, tmp, full):
    rows = []
    for name, path in PROFILES:
        data = json.loads(path.read_text())
        for target in TARGETS:
            opts = [] if full else ["--abi", "native", "--no-enosys-stub"]
            ours = Path(tmp) / ("%s_%s.bpf" % (name, target))
            subprocess.run([str(Path(build) / "bpfgen"), "-a", target, "-f", "raw",
                            "-o", str(ours), *opts, str(path)], check=True,
                           capture_output=True)
            progs = {"bpfgen": ours}
            for level in (1, 2):
                p = Path(tmp) / ("%s_%s_O%d.bpf" % (name, target, level))
                rs.write_program(p, rs.runc_program(
                    data, target, abis=None if full else ("native",), stub=full,
                    optimize=level))
                progs["O%d" % level] = p
            sel = rs.moby_select(data, rs.HOST[target])
            pr = probes.cases(sel, target)
            lines = [c[2] for c in pr]
            res = {k: counts(build, p, lines) for k, p in progs.items()}
            differ = sum(1 for a, b in zip(res["bpfgen"], res["O2"]) if a[0] != b[0])
            for abi in (probes.ABIS[target] if full else (target,)):
                row = {"profile": name, "target": target, "abi": abi,
                       "differ": differ}
                for k, p in progs.items():
                    mx, mean = stats(pr, res[k], abi)
                    row[k] = {"len": os.path.getsize(p) // 8, "max": mx, "mean": mean}
                rows.append(row)
    return rows


def show(rows, full):
    print("\nContainer profiles: bpfgen's import against runc 1.1's libseccomp filter "
          "(%s)" % ("every ABI the profile lists, with runc's ENOSYS stub" if full else
                    "native ABI only, no ENOSYS stub: the compiler lacks `abi` yet"))
    print("%-7s %-8s %-7s | %-17s | %-17s | %-17s | %s" % (
        "profile", "target", "ABI", "bpfgen len/max/mean", "lsc-O1 len/max/mean",
        "lsc-O2 len/max/mean", "max ratio to best"))
    for r in rows:
        best = min(r["O1"]["max"], r["O2"]["max"])
        cells = ["%4d %3d %6.2f" % (r[k]["len"], r[k]["max"], r[k]["mean"])
                 for k in ("bpfgen", "O1", "O2")]
        print("%-7s %-8s %-7s | %-17s | %-17s | %-17s | %.2f" % (
            r["profile"], r["target"], r["abi"], *cells, r["bpfgen"]["max"] / best))
    print("(len: the whole program; max/mean: instructions run per syscall number of "
          "that ABI, over every probe. Decisions differ on %s probes: the syscalls "
          "libseccomp 2.5.4 does not know; see tests/e2e/test_import_differential.py)"
          % ", ".join(sorted({"%s %s %d" % (r["profile"], r["target"], r["differ"])
                              for r in rows})))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--json", help="also write the numbers to this file")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bpfgen-import-bench-") as tmp:
        full = has_abi(a.build, tmp)
        rows = bench(a.build, tmp, full)
    show(rows, full)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"full": full, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
