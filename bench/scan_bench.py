#!/usr/bin/python3
"""syscall-scan's speed and precision on real programs: for each, the time
to scan it with its libraries, the size of the reachable static set, the
size of the set strace -f observes in a small workload (calls of that
process image only), the size of --all-sites, the sites left unresolved
and the assumptions the result rests on (notes "assumed:", which --strict
refuses). Run by `make bench`."""
import argparse
import json
import os
import re
import resource
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKLOADS = {
    "/bin/ls": ["/bin/ls", "-la", "/", "/etc"],
    "/bin/cat": ["/bin/cat", "/etc/os-release"],
    "/usr/bin/tar": ["/usr/bin/tar", "-cf", "out.tar", "/etc/os-release"],
    "/usr/bin/gzip": ["/usr/bin/gzip", "-c", "-9", "/etc/os-release"],
    "/bin/bash": ["/bin/bash", "-c", "x=$(echo hi); echo $x >f; /bin/true"],
    "/usr/bin/python3": ["/usr/bin/python3", "-c", "import json, os; print(os.getpid())"],
}


def observed(argv, comm):
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "log")
        subprocess.run(["strace", "-f", "-Y", "-qq", "-o", log, *argv], cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        pat = re.compile(r"^\d+<([^>]*)>\s+(?:<\.\.\. )?([a-z_0-9]+)[( ]")
        seen = set()
        with open(log) as f:
            for line in f:
                m = pat.match(line)
                if m and m.group(1) == comm[:15]:
                    seen.add(m.group(2))
        return seen


def scan(tool, binary, *args):
    """The report and the CPU time the scan took (user + system: what a
    shared machine's load does not change much)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([tool, "--json", *args, binary], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rep = json.loads(r.stdout)
    return {s["name"] for s in rep["syscalls"] if s["abi"] == rep["arch"]}, rep, elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--json", help="also write the numbers to this file")
    a = ap.parse_args()
    tool = os.path.join(a.build, "syscall-scan")
    rows = []
    print(f"{'program':18} {'modules':>7} {'CPU s':>7} {'observed':>8} {'static':>6} "
          f"{'all-sites':>9} {'unresolved':>10} {'assumed':>7} {'missed':>6}")
    for binary, argv in WORKLOADS.items():
        if not os.path.exists(binary):
            continue
        found, rep, secs = scan(tool, binary)
        allsites, _, _ = scan(tool, binary, "--all-sites")
        seen = observed(argv, os.path.basename(binary))
        row = {"program": binary, "modules": len(rep["modules"]), "seconds": round(secs, 2),
               "observed": len(seen), "static": len(found), "all_sites": len(allsites),
               "unresolved": len(rep["unresolved"]),
               "assumed": sum(n.startswith("assumed:") for n in rep["notes"]),
               "complete": rep["complete"], "missed": sorted(seen - found)}
        rows.append(row)
        print(f"{binary:18} {row['modules']:7} {secs:7.2f} {len(seen):8} {len(found):6} "
              f"{len(allsites):9} {row['unresolved']:10} {row['assumed']:7} "
              f"{len(row['missed']):6}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
