#!/usr/bin/python3
"""make bench: bpfgen against libseccomp (optimize 1 and 2) on the benchmark
policies, for x86_64 and aarch64. Instruction counts come from bpfsim (the
kernel-exact emulator), so they are exact; compile times are in-process
medians of repeated runs (bpfgen through bench/compile_time, libseccomp
through python3-seccomp, from creating the filter to exporting the BPF);
one live latency ratio is measured on this kernel.

libseccomp gets the same policy: this script reads the policy file (a
subset of the language: numeric values, no lo32, no constant names),
hands the same rules to libseccomp through python3-seccomp, and then
checks with bpfsim that both programs take the same action for every
native syscall number and every argument vector the benchmark tries. A
disagreement stops the benchmark: comparing different policies would be
meaningless.

    /usr/bin/python3 bench/bench.py [--build build] [--quick] [--json FILE]
"""
import argparse
import errno as errno_mod
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import seccomp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import gen_policies  # noqa: E402

ARCHS = ("x86_64", "aarch64")
POLICIES = (
    ("worker", "policies/pvf-worker.policy"),
    ("container", "bench/policies/container.policy"),
    ("args", "bench/policies/args.policy"),
    ("large", "bench/policies/large.policy"),
)
SCALING = (10, 100, 600, 1000, 4000)
# Live latency: (policy, syscall, arguments) whose verdict depends on the
# arguments, so the kernel's action cache cannot skip the filter.
# Live cases: a call whose verdict depends on its arguments (so the
# kernel's action cache cannot answer it), cheap and always successful,
# under a policy that allows seccomp(2) itself so that the filter can be
# installed many times over (see live()).
LIVE = (
    ("container", "personality", (0xffffffff,)),
    ("large", "getppid", ()),
)
MASK64 = (1 << 64) - 1


class BenchError(Exception):
    pass


# ---- the policy, as far as the benchmark needs to understand it ----------

def parse_action(text):
    text = text.strip()
    m = re.fullmatch(r"(errno|trace)\((\w+)\)", text)
    if m:
        kind, val = m.groups()
        if val.isdigit():
            n = int(val)
        elif kind == "errno" and hasattr(errno_mod, val):
            n = getattr(errno_mod, val)
        else:
            raise BenchError("benchmark cannot translate action %r" % text)
        return (kind, n)
    if text in ("allow", "log", "kill-process", "kill-thread", "trap", "notify"):
        return (text, 0)
    raise BenchError("benchmark cannot translate action %r" % text)


def parse_number(text):
    text = text.strip()
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text, 16)
    if re.fullmatch(r"0o[0-7]+", text):
        return int(text[2:], 8)
    if re.fullmatch(r"[0-9]+", text):
        return int(text)
    raise BenchError("benchmark policies use numeric values only, not %r" % text)


def parse_cond(text):
    # arg64(argK): the whole register, which is what libseccomp compares.
    text = re.sub(r"arg64\((arg[0-5])\)", r"\1", text)
    m = re.fullmatch(r"\s*arg([0-5])\s*(?:&\s*(\S+)\s*)?(==|!=|<=|>=|<|>)\s*(\S+)\s*", text)
    if not m:
        raise BenchError("benchmark cannot translate condition %r" % text)
    arg, mask, op, value = m.groups()
    return (int(arg), op, parse_number(mask) if mask else MASK64, parse_number(value))


def statements(path):
    """Statements of the policy file, continuation lines joined."""
    out, cur = [], ""
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            cur = cur + " " + line if cur else line
            if not cur.endswith((",", ":")):
                out.append(cur)
                cur = ""
    if cur:
        out.append(cur)
    return out


def parse_policy(path, groups):
    pol = {"rules": []}
    for st in statements(path):
        m = re.fullmatch(r"(default|on-bad-arch|on-x32)\s+(.+)", st)
        if m:
            pol[m.group(1)] = parse_action(m.group(2))
            continue
        m = re.fullmatch(r"([a-z-]+(?:\(\w+\))?)\s*:\s*(.+?)(?:\s+if\s+(.+))?", st)
        if not m:
            raise BenchError("%s: benchmark cannot translate %r" % (path, st))
        names = []
        for n in (x.strip() for x in m.group(2).split(",")):
            names += groups[n[1:]] if n.startswith("@") else [n]
        conds = [parse_cond(c) for c in m.group(3).split("&&")] if m.group(3) else []
        pol["rules"].append((parse_action(m.group(1)), names, conds))
    return pol


def list_groups(build):
    out = run([os.path.join(build, "bpfgen"), "--list-groups"]).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = line[1:].split(":", 1)[0]
            groups[cur] = []
        elif cur:
            groups[cur] += line.split()
    return groups


def per_syscall(pol, table):
    """nr -> the rules naming it, in file order."""
    by_nr = {}
    for rule in pol["rules"]:
        for name in rule[1]:
            if name in table:
                by_nr.setdefault(table[name], []).append(rule)
    return by_nr


# ---- libseccomp ------------------------------------------------------------

def lsc_action(act):
    kind, n = act
    return {
        "allow": lambda: seccomp.ALLOW, "log": lambda: seccomp.LOG,
        "kill-process": lambda: seccomp.KILL_PROCESS,
        "kill-thread": lambda: seccomp.KILL, "trap": lambda: seccomp.TRAP,
        "notify": lambda: seccomp.NOTIFY, "errno": lambda: seccomp.ERRNO(n),
        "trace": lambda: seccomp.TRACE(n),
    }[kind]()


LSC_OPS = {"==": seccomp.EQ, "!=": seccomp.NE, "<": seccomp.LT,
           "<=": seccomp.LE, ">": seccomp.GT, ">=": seccomp.GE}


def lsc_arg(cond):
    arg, op, mask, value = cond
    if mask != MASK64:
        if op != "==":
            raise BenchError("libseccomp has no masked '%s'" % op)
        return seccomp.Arg(arg, seccomp.MASKED_EQ, mask, value)
    return seccomp.Arg(arg, LSC_OPS[op], value)


def disjoint(a, b):
    """Can no argument vector satisfy both condition lists? (Sufficient
    test: both compare one argument under one mask with different values.)"""
    return any(x[0] == y[0] and x[1] == y[1] == "==" and x[2] == y[2] and x[3] != y[3]
               for x in a for y in b)


def lsc_rules(pol, table):
    """(action, nr, conds) for libseccomp, meaning what the policy means.
    Our rules are first-match in file order; libseccomp has no order, so
    refuse policies where order would matter."""
    out = []
    for nr, rules in sorted(per_syscall(pol, table).items()):
        conditional, fall = [], pol["default"]
        for act, _, conds in rules:
            if not conds:
                fall = act
                break
            conditional.append((act, conds))
        conditional = [r for r in conditional if r[0] != fall]
        if fall != pol["default"]:
            if conditional:
                raise BenchError("syscall %d: conditional rules before an "
                                 "unconditional one; libseccomp cannot order them" % nr)
            out.append((fall, nr, []))
            continue
        for i, (a, ca) in enumerate(conditional):
            for b, cb in conditional[i + 1:]:
                if a != b and not disjoint(ca, cb):
                    raise BenchError("syscall %d: overlapping rules with different "
                                     "actions; libseccomp would not keep file order" % nr)
            out.append((a, nr, ca))
    return out


def lsc_syscall(arch, table, nr):
    """How to name NR to libseccomp: it reads a number as a native (x86_64)
    number and translates it by name, so give the name when libseccomp
    knows it; calls newer than its tables keep their number, which is the
    same on every architecture for those (the differential check verifies)."""
    name = next(n for n, v in table.items() if v == nr)
    return name if seccomp.resolve_syscall(seccomp.Arch(arch), name) == nr else nr


def lsc_compile(pol, table, arch, optimize, path):
    f = seccomp.SyscallFilter(defaction=lsc_action(pol["default"]))
    if arch != "x86_64":
        f.add_arch(seccomp.Arch(arch))
        f.remove_arch(seccomp.Arch.NATIVE)
    f.set_attr(seccomp.Attr.ACT_BADARCH, lsc_action(pol["on-bad-arch"]))
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, optimize)
    for act, nr, conds in lsc_rules(pol, table):
        f.add_rule_exactly(lsc_action(act), lsc_syscall(arch, table, nr),
                           *[lsc_arg(c) for c in conds])
    with open(path, "wb") as out:
        f.export_bpf(out)


# ---- running things ----------------------------------------------------------

def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise BenchError("%s failed (exit %d):\n%s" % (" ".join(cmd), r.returncode,
                                                       r.stderr.strip()))
    return r


def ours_compile(build, policy, arch, path):
    run([os.path.join(build, "bpfgen"), "-a", arch, "-f", "raw", "-o", path, policy])


def ours_stats(build, policy):
    """bpfgen --stats for both architectures: arch -> dict."""
    err = run([os.path.join(build, "bpfgen"), "--stats", "-o", os.devnull, policy]).stderr
    out = {}
    for m in re.finditer(r"^(\w+): (\d+) instructions.*lower bound (\d+), max without "
                         r"argument checks (\d+); (\d+) of (\d+)", err, re.M):
        out[m.group(1)] = {"len": int(m.group(2)), "lower_bound": int(m.group(3)),
                           "max_unconditional": int(m.group(4)),
                           "const_allow": int(m.group(5)), "allowed": int(m.group(6))}
    if set(out) != set(ARCHS):
        raise BenchError("cannot read bpfgen --stats output:\n" + err)
    return out


def audit_arch(build, arch, raw):
    """seccomp_data.arch of ARCH, as bpfgen's own listing states it."""
    out = run([os.path.join(build, "bpfdis"), "-a", arch, raw]).stdout
    m = re.search(r"jeq #(0x[0-9a-f]+).*AUDIT_ARCH", out)
    if not m:
        raise BenchError("no AUDIT_ARCH test in bpfdis output of " + raw)
    return int(m.group(1), 16)


def satisfying(op, mask, value):
    """A value of the argument that makes the comparison true."""
    if op == "!=":
        return value ^ (mask & -mask)
    return {">": value + 1, "<": value - 1}.get(op, value) & MASK64


def vectors(rules):
    """Argument vectors that exercise every condition naming a syscall:
    each value, its neighbours, the value with the unmasked bits set, and
    each rule satisfied as a whole."""
    vecs = {(0,) * 6, (MASK64,) * 6}

    for _, _, conds in rules:
        whole = [0] * 6
        for arg, op, mask, value in conds:
            for v in (value, value - 1, value + 1, value | (~mask & MASK64)):
                vec = [0] * 6
                vec[arg] = v & MASK64
                vecs.add(tuple(vec))
            whole[arg] = satisfying(op, mask, value)
        vecs.add(tuple(whole))
    return sorted(vecs)


def cases_for(pol, table, max_nr):
    by_nr = per_syscall(pol, table)
    return [(nr, vec) for nr in range(max_nr + 1) for vec in vectors(by_nr.get(nr, []))]


def simulate(build, raw, token, cases):
    text = "".join("%x %x %s\n" % (nr, token, " ".join("%x" % a for a in vec))
                   for nr, vec in cases)
    out = run([os.path.join(build, "bpfsim"), "--batch", raw], input=text).stdout
    res = []
    for line in out.splitlines():
        action, count = line.rsplit(" ", 1)
        res.append((action, int(count)))
    if len(res) != len(cases):
        raise BenchError("bpfsim answered %d of %d cases" % (len(res), len(cases)))
    return res


def path_stats(cases, results, named):
    """Per syscall number the most instructions any tried vector runs;
    then max, mean over all numbers, mean over the named ones."""
    worst = {}
    for (nr, _), (_, count) in zip(cases, results):
        worst[nr] = max(worst.get(nr, 0), count)
    return {"max": max(worst.values()),
            "mean": statistics.fmean(worst.values()),
            "mean_named": statistics.fmean(worst[n] for n in named) if named else 0.0}


def raw_len(path):
    return os.path.getsize(path) // 8


def ours_time(build, policy, reps, archs):
    """Median milliseconds bpfgen's compiler takes for ARCHS, in-process
    (bench/compile_time): starting a program here costs more than the
    compilation and varies with the scheduler. (ms, refused)."""
    out = run([os.path.join(build, "bench", "compile_time"), policy, str(reps)] +
              list(archs)).stdout.split()
    return float(out[0]), len(out) > 1


def median_time(fn, reps):
    """Median milliseconds of REPS calls; runs over half a second are not
    repeated (noise is small next to them, and they would take minutes)."""
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if times[-1] > 0.5:
            break
    return statistics.median(times) * 1000.0


# ---- the benchmark -----------------------------------------------------------

def bench_policy(build, tmp, name, policy, groups, reps):
    pol = parse_policy(policy, groups)
    stats = ours_stats(build, policy)
    rows = {"both_ms": ours_time(build, policy, reps, ARCHS)[0]}
    for arch in ARCHS:
        table = gen_policies.syscall_table(arch)
        max_nr = max(table.values())
        named = sorted(per_syscall(pol, table))
        cases = cases_for(pol, table, max_nr)
        progs = {"bpfgen": os.path.join(tmp, "%s-%s-ours.bpf" % (name, arch))}
        ours_compile(build, policy, arch, progs["bpfgen"])
        token = audit_arch(build, arch, progs["bpfgen"])
        times = {"bpfgen": ours_time(build, policy, reps, [arch])[0]}
        for opt in (1, 2):
            key = "lsc-O%d" % opt
            progs[key] = os.path.join(tmp, "%s-%s-lsc%d.bpf" % (name, arch, opt))
            times[key] = median_time(
                lambda: lsc_compile(pol, table, arch, opt, progs[key]), reps)
        results = {k: simulate(build, p, token, cases) for k, p in progs.items()}
        for key in ("lsc-O1", "lsc-O2"):
            bad = [(c, a, b) for c, a, b in zip(cases, results["bpfgen"], results[key])
                   if a[0] != b[0]]
            if bad:
                (nr, vec), a, b = bad[0]
                raise BenchError("%s/%s: bpfgen and %s disagree on %d cases, first: nr %d "
                                 "args %s: %s vs %s" % (name, arch, key, len(bad), nr,
                                                        [hex(x) for x in vec], a[0], b[0]))
        rows[arch] = {}
        for key, p in progs.items():
            r = {"len": raw_len(p), "compile_ms": times[key]}
            r.update(path_stats(cases, results[key], named))
            rows[arch][key] = r
        rows[arch]["bpfgen"].update(stats[arch])
        rows[arch]["cases"] = len(cases)
    return rows


def fmt_ratio(a, b):
    return "%.2f" % (a / b) if b else "-"


def print_table(all_rows):
    head = ("%-10s %-8s %-7s %5s %4s %6s %6s %9s" %
            ("policy", "arch", "by", "len", "max", "mean", "named", "compile"))
    print(head)
    print("-" * len(head) + "  ratio ours/best libseccomp (len, max, mean, named)")
    for name, rows in all_rows.items():
        for arch in ARCHS:
            r = rows[arch]
            for key in ("bpfgen", "lsc-O1", "lsc-O2"):
                x = r[key]
                print("%-10s %-8s %-7s %5d %4d %6.2f %6.2f %7.2fms" %
                      (name, arch, key, x["len"], x["max"], x["mean"], x["mean_named"],
                       x["compile_ms"]), end="")
                if key == "bpfgen":
                    print("  lower bound %d, max by nr alone %d" %
                          (x["lower_bound"], x["max_unconditional"]))
                else:
                    print()
            best = {k: min(r["lsc-O1"][k], r["lsc-O2"][k])
                    for k in ("len", "max", "mean", "mean_named")}
            o = r["bpfgen"]
            print("%-10s %-8s ratios  %5s %4s %6s %6s" %
                  ("", "", fmt_ratio(o["len"], best["len"]), fmt_ratio(o["max"], best["max"]),
                   fmt_ratio(o["mean"], best["mean"]),
                   fmt_ratio(o["mean_named"], best["mean_named"])))
        print("%-10s bpfgen, both architectures: %.2f ms" % (name, rows["both_ms"]))


def check_targets(all_rows):
    """The issue's targets; returns the list of misses."""
    miss = []
    if all_rows["container"]["both_ms"] >= 5.0:
        miss.append("container: compiling both architectures takes %.2f ms" %
                    all_rows["container"]["both_ms"])
    for name, rows in all_rows.items():
        for arch in ARCHS:
            r = rows[arch]
            o = r["bpfgen"]
            for k in ("len", "max", "mean"):
                best = min(r["lsc-O1"][k], r["lsc-O2"][k])
                if o[k] > best + 1e-9:
                    miss.append("%s/%s: %s %s > libseccomp's best %s" %
                                (name, arch, k, o[k], best))
            if o["max_unconditional"] > o["lower_bound"] + 2:
                miss.append("%s/%s: syscalls decided by number run up to %d, lower "
                            "bound %d" % (name, arch, o["max_unconditional"],
                                          o["lower_bound"]))
    return miss


def scaling(build, tmp, reps):
    rows = []
    groups = {}
    for n in SCALING:
        policy = os.path.join(tmp, "scale-%d.policy" % n)
        with open(policy, "w") as f:
            f.write(gen_policies.scaling_policy(n))
        sizes = {}
        for arch in ARCHS:
            r = subprocess.run([os.path.join(build, "bpfgen"), "--stats", "-a", arch,
                                "-o", os.devnull, policy], capture_output=True, text=True)
            m = re.search(r"^%s: (\d+) instructions" % arch, r.stderr, re.M)
            if m:
                sizes[arch] = m.group(1)
                continue
            m = re.search(r"the %s filter needs (at least |more than )?(\d+) instructions" % arch,
                          r.stderr)
            if not m:
                raise BenchError("bpfgen --stats on %d rules: %s" % (n, r.stderr))
            bound = {"at least ": ">=", "more than ": ">"}.get(m.group(1) or "", "")
            sizes[arch] = bound + m.group(2) + " refused"
        ms, _ = ours_time(build, policy, reps, ARCHS)
        pol = parse_policy(policy, groups)
        table = gen_policies.syscall_table("x86_64")
        out = os.path.join(tmp, "scale.bpf")
        lsc_ms = median_time(lambda: lsc_compile(pol, table, "x86_64", 2, out), reps)
        rows.append({"rules": n, "compile_ms": ms, "len": sizes,
                     "lsc_o2_x86_64_ms": lsc_ms, "lsc_o2_x86_64_len": raw_len(out)})
    print("\nScaling (synthetic argument rules; bpfgen: both architectures; "
          "libseccomp: x86_64 only):")
    print("%6s %10s %18s %18s %16s %9s" % ("rules", "bpfgen", "x86_64 len", "aarch64 len",
                                            "lsc-O2 x86_64", "lsc len"))
    for r in rows:
        print("%6d %8.2fms %18s %18s %14.2fms %9d" %
              (r["rules"], r["compile_ms"], r["len"]["x86_64"], r["len"]["aarch64"],
               r["lsc_o2_x86_64_ms"], r["lsc_o2_x86_64_len"]))
    print("(above 4096 instructions bpfgen refuses the policy, with the length it\n"
          " measured or, once it is clearly over, a lower bound)")
    return rows


# ---- compile time (issue 12) ------------------------------------------------

def ours_steps(build, policy, arch):
    """bpfgen -v's step count for ARCH (deterministic), or None if refused."""
    r = subprocess.run([os.path.join(build, "bpfgen"), "-v", "-a", arch, "-f", "raw",
                        "-o", os.devnull, policy], capture_output=True, text=True)
    m = re.search(r"^%s: search: (\d+) steps" % arch, r.stderr, re.M)
    return int(m.group(1)) if m else None


def ours_len(build, policy, arch):
    r = subprocess.run([os.path.join(build, "bpfgen"), "--stats", "-a", arch, "-f", "raw",
                        "-o", os.devnull, policy], capture_output=True, text=True)
    m = re.search(r"^%s: (\d+) instructions" % arch, r.stderr, re.M)
    return int(m.group(1)) if m else None


def lsc_best_time(pol, arch, reps, path):
    """libseccomp's better mode for ARCH: (ms, len) of the faster of O1
    and O2, or None when it cannot express the policy."""
    table = gen_policies.syscall_table(arch)
    best = None
    for opt in (1, 2):
        try:
            ms = median_time(lambda: lsc_compile(pol, table, arch, opt, path), reps)
        except (BenchError, OSError, ValueError, RuntimeError):
            return None
        if best is None or ms < best[0]:
            best = (ms, raw_len(path), opt)
    return best


def compile_shapes(build, tmp, groups, reps):
    """Every compile-time shape, by bpfgen (each architecture alone and
    both) and libseccomp (each architecture alone, O1 and O2, the faster
    kept), all in-process, medians of REPS runs."""
    rows = []
    for kind, (make, sizes) in gen_policies.SHAPES.items():
        for n in sizes:
            policy = os.path.join(tmp, "shape-%s-%d.policy" % (kind, n))
            with open(policy, "w") as f:
                f.write(make(n))
            row = {"shape": kind, "size": n,
                   "both_ms": ours_time(build, policy, reps, ARCHS)[0]}
            pol = parse_policy(policy, groups) if kind != "conj" else None
            for arch in ARCHS:
                ms, refused = ours_time(build, policy, reps, [arch])
                r = {"bpfgen_ms": ms, "refused": refused,
                     "len": ours_len(build, policy, arch),
                     "steps": ours_steps(build, policy, arch)}
                lsc = lsc_best_time(pol, arch, reps, os.path.join(tmp, "shape.bpf")) \
                    if pol else None
                if lsc:
                    r.update({"lsc_ms": lsc[0], "lsc_len": lsc[1], "lsc_mode": "O%d" % lsc[2]})
                row[arch] = r
            rows.append(row)
    print("\nCompile time (in-process medians; bpfgen one architecture vs libseccomp's "
          "better mode for the same one architecture; 'both': bpfgen, both architectures):")
    print("%-6s %5s %-8s %9s %9s %9s %6s %7s %9s %9s" %
          ("shape", "size", "arch", "bpfgen", "lsc-best", "ratio", "len", "lsc len",
           "steps", "both"))
    for r in rows:
        for arch in ARCHS:
            x = r[arch]
            print("%-6s %5d %-8s %7.2fms %9s %9s %6s %7s %9s %7.2fms" %
                  (r["shape"], r["size"], arch, x["bpfgen_ms"],
                   "%.2fms" % x["lsc_ms"] if "lsc_ms" in x else "-",
                   fmt_ratio(x["bpfgen_ms"], x["lsc_ms"]) if "lsc_ms" in x else "-",
                   x["len"] if x["len"] else "refused",
                   x.get("lsc_len", "-"), x["steps"] if x["steps"] else "-", r["both_ms"]))
    print("Growth per doubling (bpfgen, x86_64; steps and time):")
    growth = {}
    for kind, (_, sizes) in gen_policies.SHAPES.items():
        rs = [r for r in rows if r["shape"] == kind]
        for a, b in zip(rs, rs[1:]):
            doublings = math.log2(b["size"] / a["size"])
            sa, sb = a["x86_64"]["steps"], b["x86_64"]["steps"]
            g_steps = (sb / sa) ** (1 / doublings) if sa and sb else None
            g_time = (b["x86_64"]["bpfgen_ms"] / a["x86_64"]["bpfgen_ms"]) ** (1 / doublings)
            growth["%s %d->%d" % (kind, a["size"], b["size"])] = (g_steps, g_time)
            print("  %-5s %5d -> %5d: steps x%s, time x%.2f" %
                  (kind, a["size"], b["size"], "%.2f" % g_steps if g_steps else "- (refused)",
                   g_time))
    return {"rows": rows, "growth": {k: list(v) for k, v in growth.items()}}


def run_measured(cmd):
    """Runs CMD; (seconds, peak RSS in MiB, exit status)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t, usage.ru_maxrss / 1024.0, proc.returncode


def hostile_shapes(tmp):
    """Inputs up to 1 MB built to be slow (the shapes of tests/e2e/
    test_hostile.py and the issue's): (name, text)."""
    yield ("75k equal conditions",
           "default allow\nerrno(1): read if arg0 == 1" + " && arg0 == 1" * 75_000 + "\n")
    yield ("50k different conditions",
           "default allow\nerrno(1): read if arg0 == 1" +
           "".join(" && arg1 > %d" % i for i in range(50_000)) + "\n")
    yield ("3000 != conditions, one rule",
           "default allow\nerrno(1): read if " +
           " && ".join("arg%d != %d" % (i % 6, i * 7919) for i in range(3000)) + "\n")
    yield ("4000 rules on one argument",
           "default allow\n" + "".join("errno(%d): read if arg0 == %d\n" % (i % 4000 + 1, i)
                                       for i in range(4000)))
    yield ("15000 rules, two conditions", gen_policies.multi_policy(15000))
    yield ("2000 rules on all arguments",
           "default allow\n" + "".join(
               "errno(%d): read if arg%d == %d && arg%d != %d && arg%d & 0x%x == 0\n" %
               (i % 50 + 1, i % 6, i, (i + 1) % 6, i * 3, (i + 2) % 6, 1 << (i % 32))
               for i in range(2000)))


def hostile(build, tmp):
    rows = []
    for name, text in hostile_shapes(tmp):
        text = text.encode()[:1 << 20].decode(errors="ignore")
        path = os.path.join(tmp, "hostile.policy")
        with open(path, "w") as f:
            f.write(text)
        secs, rss, rc = run_measured([os.path.join(build, "bpfgen"), "-o", os.devnull, path])
        rows.append({"input": name, "bytes": len(text), "seconds": secs, "rss_mib": rss,
                     "exit": rc})
    print("\nHostile inputs (bpfgen as a process, both architectures):")
    for r in rows:
        print("  %-32s %8d bytes: %6.3f s, peak RSS %6.1f MiB, %s" %
              (r["input"], r["bytes"], r["seconds"], r["rss_mib"],
               "compiled" if r["exit"] == 0 else "refused (exit %d)" % r["exit"]))
    return rows


def corpus(build, reps):
    """Every policy under tests/ and the fuzz corpus that compiles: the
    slowest, both architectures."""
    files = []
    for base in ("tests", os.path.join("tests", "fuzz", "corpus", "fuzz_policy")):
        for dirpath, _, names in os.walk(os.path.join(ROOT, base)):
            for n in names:
                if n.endswith(".policy") or "corpus" in dirpath:
                    files.append(os.path.join(dirpath, n))
    slow = []
    for f in sorted(set(files)):
        ms, refused = ours_time(build, f, reps, ARCHS)
        if not refused:
            slow.append((ms, os.path.relpath(f, ROOT)))
    slow.sort(reverse=True)
    print("\nPolicies in tests/ and the fuzz corpus that compile: %d; slowest (both "
          "architectures): %s" % (len(slow), ", ".join("%s %.2f ms" % (f, ms)
                                                        for ms, f in slow[:3])))
    return slow


def check_compile_targets(all_rows, shapes, hostile_rows, slow):
    miss = []
    for name, rows in all_rows.items():
        if rows["both_ms"] >= 100:
            miss.append("%s: %.1f ms for both architectures (target 100)" % (name, rows["both_ms"]))
        for arch in ARCHS:
            r = rows[arch]
            best = min(r["lsc-O1"]["compile_ms"], r["lsc-O2"]["compile_ms"])
            if r["bpfgen"]["compile_ms"] > best:
                miss.append("%s/%s: bpfgen %.2f ms > libseccomp's better mode %.2f ms" %
                            (name, arch, r["bpfgen"]["compile_ms"], best))
    for r in shapes["rows"]:
        if r["both_ms"] >= 100:
            miss.append("%s %d: %.1f ms for both architectures (target 100)" %
                        (r["shape"], r["size"], r["both_ms"]))
        for arch in ARCHS:
            x = r[arch]
            if "lsc_ms" in x and x["bpfgen_ms"] > x["lsc_ms"]:
                miss.append("%s %d/%s: bpfgen %.2f ms > libseccomp's better mode %.2f ms" %
                            (r["shape"], r["size"], arch, x["bpfgen_ms"], x["lsc_ms"]))
            if r["shape"] == "multi" and x["len"] and "lsc_len" in x and \
                    x["len"] > x["lsc_len"]:
                miss.append("multi %d/%s: %d instructions > libseccomp's %d" %
                            (r["size"], arch, x["len"], x["lsc_len"]))
    for k, (g_steps, _) in shapes["growth"].items():
        if g_steps is not None and g_steps > 2.5:
            miss.append("%s: work grows x%.2f per doubling (target 2.5)" % (k, g_steps))
    for r in hostile_rows:
        if r["seconds"] >= 1.0:
            miss.append("hostile %s: %.2f s (target 1 s)" % (r["input"], r["seconds"]))
    if slow and slow[0][0] >= 100:
        miss.append("%s: %.1f ms for both architectures (target 100)" % (slow[0][1], slow[0][0]))
    return miss


# The kernel's limit on all filters of one task: lengths plus 4 each.
MAX_INSNS_PER_PATH = 32768
LIVE_COPIES = 32


def live(build, tmp, groups, rounds, iters):
    """Latency of one argument-dependent syscall under each filter, in
    forked children (bench/latency.c). The same filter is installed
    LIVE_COPIES times, so that the filters' share of the call's time stands
    above the call's own noise; rounds alternate the order of the three
    measurements, and the ratio is taken within each round (paired), then
    the median over rounds."""
    prog = os.path.join(build, "bench", "latency")
    table = gen_policies.syscall_table("x86_64")
    out = []
    for name, call, args in LIVE:
        policy = dict(POLICIES)[name]
        pol = parse_policy(os.path.join(ROOT, policy), groups)
        files = {"none": "-",
                 "bpfgen": os.path.join(tmp, "live-%s-ours.bpf" % name),
                 "lsc-O2": os.path.join(tmp, "live-%s-lsc2.bpf" % name)}
        ours_compile(build, os.path.join(ROOT, policy), "x86_64", files["bpfgen"])
        lsc_compile(pol, table, "x86_64", 2, files["lsc-O2"])
        case = [(table[call], list(args) + [0] * (6 - len(args)))]
        path = {}
        token = audit_arch(build, "x86_64", files["bpfgen"])
        for k in ("bpfgen", "lsc-O2"):
            (action, path[k]), = simulate(build, files[k], token, case)
            if action != "allow":
                raise BenchError("%s: %s(...) is not allowed by %s" % (name, call, k))
        longest = max(raw_len(files["bpfgen"]), raw_len(files["lsc-O2"]))
        copies = min(LIVE_COPIES, MAX_INSNS_PER_PATH // (longest + 4))
        argv = [str(iters), str(table[call])] + ["%#x" % a for a in args]
        ns = {k: [] for k in files}
        ratios = []
        for r in range(rounds):
            order = list(files) if r % 2 == 0 else list(reversed(list(files)))
            got = {}
            for k in order:
                res = run([prog, "-c", str(copies), files[k]] + argv)
                got[k] = float(res.stdout.split()[0])
                ns[k].append(got[k])
            ratios.append((got["bpfgen"] - got["none"]) /
                          max(got["lsc-O2"] - got["none"], 1e-9))
        quart = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
        out.append({"policy": name, "syscall": call, "args": list(args),
                    "copies": copies, "path": path,
                    "ns": {k: statistics.median(v) for k, v in ns.items()},
                    "ratio": statistics.median(ratios),
                    "ratio_quartiles": [quart[0], quart[2]]})
    print("\nLive (x86_64, this kernel; %d rounds x %d calls, each filter installed "
          "N times; fastest of 20 batches per measurement):" % (rounds, iters))
    for r in out:
        ns = r["ns"]
        print("  %s: %s(%s), N=%d: paths %d vs %d instructions; no filter %.0f ns, "
              "bpfgen %.0f ns, libseccomp-O2 %.0f ns; filter time ours/libseccomp "
              "%.2f (quartiles %.2f-%.2f)" %
              (r["policy"], r["syscall"], ", ".join("%#x" % a for a in r["args"]),
               r["copies"], r["path"]["bpfgen"], r["path"]["lsc-O2"], ns["none"],
               ns["bpfgen"], ns["lsc-O2"], r["ratio"], *r["ratio_quartiles"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true",
                    help="few repetitions, no scaling series (smoke test)")
    ap.add_argument("--no-live", action="store_true", help="skip the live measurement")
    ap.add_argument("--no-compile-time", action="store_true",
                    help="skip the compile-time shapes (issue 12)")
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    reps = 3 if args.quick else 21
    groups = list_groups(build)
    result = {"kernel": os.uname().release}
    try:
        with tempfile.TemporaryDirectory(prefix="bpfgen-bench-") as tmp:
            rows = {}
            for name, policy in POLICIES:
                rows[name] = bench_policy(build, tmp, name, os.path.join(ROOT, policy),
                                          groups, reps)
            print_table(rows)
            result["policies"] = rows
            if not args.quick:
                result["scaling"] = scaling(build, tmp, reps)
            if not args.no_compile_time:
                result["compile_time"] = compile_shapes(build, tmp, groups,
                                                        5 if args.quick else 11)
                result["hostile"] = hostile(build, tmp)
                result["corpus"] = corpus(build, 3)
            if not args.no_live:
                result["live"] = live(build, tmp, groups, 3 if args.quick else 21,
                                      20000 if args.quick else 200000)
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1
    miss = check_targets(rows)
    if "compile_time" in result:
        miss += check_compile_targets(rows, result["compile_time"], result["hostile"],
                                      result["corpus"])
    print("\nTargets: " + ("all met" if not miss else "MISSED:\n  " + "\n  ".join(miss)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0 if not miss else 3


if __name__ == "__main__":
    sys.exit(main())
