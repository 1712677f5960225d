#!/usr/bin/env python3
"""Generate arch/syscalls_<arch>.c from the kernel's syscall tables.

Inputs are facts only (syscall names and numbers). Every table the kernel
publishes is read with the ABIs that architecture really uses; the CSV of
newer numbers completes the tables and cross-checks them, and any
disagreement stops the generator: a wrong syscall number in a seccomp filter
is a security bug, so we never guess.

Usage (what produced the committed tables; see `--help`):

  python3 tools/gentables.py \\
      --x86-64 arch/kernel/syscall_64.tbl \\
      --generic arch/kernel/syscall.tbl \\
      --csv arch/kernel/syscalls-7.1.csv \\
      --i386 /usr/include/x86_64-linux-gnu/asm/unistd_32.h \\
      --arm /usr/arm-linux-gnueabihf/include/asm/unistd-eabi.h \\
      --arm /usr/arm-linux-gnueabihf/include/asm/unistd.h \\
      --out arch

or, from a kernel source tree: --kernel-tree DIR [--csv FILE].
"""

import argparse
import csv
import hashlib
import os
import re
import sys

# ABIs of each table that the running kernel exposes for an architecture.
X86_64_ABIS = {"common", "64"}
X32_ABIS = {"common", "x32"}
GENERIC_ARM64_ABIS = {"common", "64", "renameat", "rlimit", "memfd_secret"}
I386_ABIS = {"i386"}
ARM_EABI_ABIS = {"common", "eabi"}

# From Linux 5.1 on, syscall numbers >= 424 are the same on every
# architecture; older tables of i386/arm are completed with these.
UNIFIED_FROM = 424

TREE_PATHS = {
    "x86_64": "arch/x86/entry/syscalls/syscall_64.tbl",
    "generic": "scripts/syscall.tbl",
    "i386": "arch/x86/entry/syscalls/syscall_32.tbl",
    "arm": "arch/arm/tools/syscall.tbl",
    # The ARM private calls (cacheflush, set_tls...) are not in the .tbl.
    "arm_private": "arch/arm/include/uapi/asm/unistd.h",
}


class TableError(Exception):
    """An input is malformed or two inputs disagree."""


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def parse_tbl(path, abis):
    """(nr, name) pairs of a kernel .tbl file, kept only for ABIS."""
    out = []
    for lineno, line in enumerate(read_text(path).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) < 3 or not fields[0].isdigit():
            raise TableError(f"{path}:{lineno}: expected '<nr> <abi> <name> ...', got {line!r}")
        if fields[1] in abis:
            out.append((int(fields[0]), fields[2]))
    return out


# "#define __NR_read 3", "#define __NR_read (__NR_SYSCALL_BASE + 3)" and the
# ARM private calls "#define __ARM_NR_set_tls (__ARM_NR_BASE+5)".
HDR_PLAIN = re.compile(r"#define\s+__NR_(\w+)\s+(\d+)\s*$")
HDR_BASE = re.compile(r"#define\s+__NR_(\w+)\s+\(__NR_SYSCALL_BASE\s*\+\s*(\d+)\)\s*$")
HDR_ARM_PRIVATE = re.compile(r"#define\s+__ARM_NR_(\w+)\s+\(__ARM_NR_BASE\s*\+\s*(\d+)\)\s*$")
HDR_NOT_SYSCALLS = {"SYSCALL_BASE", "OABI_SYSCALL_BASE", "SYSCALL_MASK"}
ARM_PRIVATE_BASE = 0x0F0000  # __ARM_NR_BASE for EABI (__NR_SYSCALL_BASE is 0)


def parse_unistd_header(path):
    """(nr, name) pairs of a UAPI asm/unistd*.h header (EABI numbering)."""
    out = []
    for line in read_text(path).splitlines():
        line = line.strip()
        m = HDR_PLAIN.match(line) or HDR_BASE.match(line)
        if m and m.group(1) not in HDR_NOT_SYSCALLS:
            out.append((int(m.group(2)), m.group(1)))
            continue
        m = HDR_ARM_PRIVATE.match(line)
        if m and m.group(1) != "BASE":
            out.append((ARM_PRIVATE_BASE + int(m.group(2)), m.group(1)))
    if not out:
        raise TableError(f"{path}: no __NR_* definitions found; is this a unistd header?")
    return out


def parse_table_or_header(path, abis):
    if path.endswith(".h"):
        return parse_unistd_header(path)
    return parse_tbl(path, abis)


def parse_csv(path):
    """{column: {name: nr}} for every ABI column of the CSV; PNR = absent."""
    lines = [l for l in read_text(path).splitlines() if l and not l.startswith("#")]
    rows = list(csv.reader(lines))
    header = rows[0]
    if header[0] != "name":
        raise TableError(f"{path}: first column must be 'name', got {header[0]!r}")
    cols = {abi: {} for abi in header[1:]}
    for lineno, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            raise TableError(f"{path}: row {lineno} has {len(row)} fields, header has {len(header)}")
        name = row[0]
        for abi, val in zip(header[1:], row[1:]):
            if val == "PNR":
                continue
            if not val.isdigit():
                raise TableError(f"{path}: {name}: {abi} number {val!r} is neither a number nor PNR")
            if name in cols[abi]:
                raise TableError(f"{path}: {name} appears twice")
            cols[abi][name] = int(val)
    return cols


def to_map(pairs, label):
    """name -> nr, refusing a name listed twice with different numbers."""
    m = {}
    for nr, name in pairs:
        if name in m and m[name] != nr:
            raise TableError(f"{label}: {name} has two numbers, {m[name]} and {nr}")
        m[name] = nr
    return m


def check_unique_numbers(m, label):
    seen = {}
    for name, nr in m.items():
        if nr in seen:
            raise TableError(f"{label}: numbers collide: {seen[nr]} and {name} are both {nr}")
        seen[nr] = name


def merge_with_csv(tbl, col, label):
    """Cross-check TBL against the CSV column COL and add what only COL has.

    The .tbl may be older than the CSV, so a name only in the CSV is added,
    but only if its number is free in the table. A name the table has must
    have the same number in the CSV and must not be PNR there: tables never
    drop names, so a mismatch means one input is wrong."""
    out = dict(tbl)
    by_nr = {nr: name for name, nr in tbl.items()}
    for name, nr in tbl.items():
        if name not in col:
            raise TableError(f"{label}: {name} ({nr}) is in the .tbl but absent (PNR or missing) in the CSV")
        if col[name] != nr:
            raise TableError(f"{label}: {name} is {nr} in the .tbl but {col[name]} in the CSV")
    for name, nr in col.items():
        if name in out:
            continue
        if nr in by_nr:
            raise TableError(f"{label}: CSV gives {name} number {nr}, which the .tbl assigns to {by_nr[nr]}")
        out[name] = nr
        by_nr[nr] = name
    return out


def complete_unified(tbl, cols, label):
    """Add syscalls >= UNIFIED_FROM that a possibly older table lacks.

    Only names whose number is the same on x86_64 and aarch64 in the CSV are
    taken: those are the architecture-independent ones."""
    out = dict(tbl)
    taken = {nr: name for name, nr in tbl.items()}
    top = max((n for n in tbl.values() if n < ARM_PRIVATE_BASE), default=0)
    x86, arm64 = cols.get("x86_64", {}), cols.get("aarch64", {})
    for name, nr in x86.items():
        if nr < UNIFIED_FROM or arm64.get(name) != nr:
            continue
        if name in out:
            if out[name] != nr:
                raise TableError(f"{label}: {name} is {out[name]} in the table but {nr} on every CSV architecture")
            continue
        if nr in taken:
            raise TableError(f"{label}: unified syscall {name} ({nr}) collides with {taken[nr]}")
        if nr < top and nr not in taken:
            # A gap below the table's end: the architecture skipped it on
            # purpose (e.g. arm never wired memfd_secret). Don't fill it.
            continue
        out[name] = nr
        taken[nr] = name
    return out


def sha256_short(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def c_table(arch, entries, inputs, note):
    """Text of arch/syscalls_<arch>.c for ENTRIES (name -> nr)."""
    by_nr = sorted(entries.items(), key=lambda kv: (kv[1], kv[0]))
    index = sorted(range(len(by_nr)), key=lambda i: by_nr[i][0].encode())
    ident = arch.replace("-", "_")
    lines = [
        f"/* Syscall table for {arch}: GENERATED by tools/gentables.py, do not edit.",
        " * Regenerate with the command in tools/gentables.py's docstring.",
        " * Inputs (basename, sha256 prefix):",
    ]
    for path in inputs:
        lines.append(f" *   {os.path.basename(path)} {sha256_short(path)}")
    for n in note:
        lines.append(f" * {n}")
    lines += [
        " */",
        '#include "arch/syscalls_gen.h"',
        "",
        f"const struct syscall_entry syscalls_{ident}[] = {{",
    ]
    lines += [f'\t{{ "{name}", {nr}u }},' for name, nr in by_nr]
    lines += [
        "};",
        "",
        f"/* Indices into syscalls_{ident}, in strcmp order of the names. */",
        f"const uint16_t syscalls_{ident}_by_name[] = {{",
    ]
    for start in range(0, len(index), 12):
        chunk = ", ".join(str(i) for i in index[start:start + 12])
        lines.append(f"\t{chunk},")
    lines += ["};", ""]
    return "\n".join(lines)


def c_header(tables):
    """Text of arch/syscalls_gen.h: the tables with their sizes, so that
    arch.c can use the counts in constant initializers and a table that
    disagrees with its count does not compile."""
    lines = [
        "/* Declarations of the generated syscall tables: GENERATED by",
        " * tools/gentables.py together with arch/syscalls_*.c, do not edit. */",
        "#ifndef BPFGEN_ARCH_SYSCALLS_GEN_H",
        "#define BPFGEN_ARCH_SYSCALLS_GEN_H",
        "",
        '#include "arch/arch.h"',
        "",
    ]
    for arch, (entries, _, _) in sorted(tables.items()):
        up = arch.upper()
        lines += [
            f"#define SYSCALLS_{up}_LEN {len(entries)}",
            f"extern const struct syscall_entry syscalls_{arch}[SYSCALLS_{up}_LEN];",
            f"extern const uint16_t syscalls_{arch}_by_name[SYSCALLS_{up}_LEN];",
            "",
        ]
    lines += ["#endif", ""]
    return "\n".join(lines)


def write_if_changed(path, text):
    old = read_text(path) if os.path.exists(path) else None
    if old != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def build_tables(args):
    """{arch: (entries, inputs, notes)} for every arch we have input for."""
    cols = parse_csv(args.csv) if args.csv else {}
    csv_in = [args.csv] if args.csv else []
    tables = {}

    def from_tbl(arch, path, abis, col):
        pairs = parse_tbl(path, abis) if path else []
        tbl = to_map(pairs, f"{arch} ({path})")
        if col in cols:
            tbl = merge_with_csv(tbl, cols[col], arch)
        if not tbl:
            return
        check_unique_numbers(tbl, arch)
        tables[arch] = (tbl, ([path] if path else []) + csv_in, [])

    from_tbl("x86_64", args.x86_64, X86_64_ABIS, "x86_64")
    from_tbl("x32", args.x86_64, X32_ABIS, "x32")
    tables["x32"][2].append("Numbers are stored WITHOUT the x32 bit (0x40000000).")
    from_tbl("aarch64", args.generic, GENERIC_ARM64_ABIS, "aarch64")

    for arch, paths, abis in (("i386", args.i386, I386_ABIS), ("arm", args.arm, ARM_EABI_ABIS)):
        if not paths:
            continue
        pairs = []
        for p in paths:
            pairs += parse_table_or_header(p, abis)
        tbl = to_map(pairs, arch)
        notes = []
        if cols:
            before = max(n for n in tbl.values() if n < ARM_PRIVATE_BASE)
            tbl = complete_unified(tbl, {c: cols[c] for c in cols}, arch)
            after = max(n for n in tbl.values() if n < ARM_PRIVATE_BASE)
            if after > before:
                notes.append(f"Numbers {before + 1}..{after} added from the CSV: numbers >= {UNIFIED_FROM}")
                notes.append("are shared by all architectures (same number on x86_64 and aarch64).")
        if arch == "arm":
            notes.append("EABI numbering; ARM private calls (cacheflush, set_tls...) are 0x0f0000 + n.")
        check_unique_numbers(tbl, arch)
        tables[arch] = (tbl, list(paths) + csv_in, notes)
    return tables


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel-tree", help="kernel source tree: takes all .tbl files from it")
    ap.add_argument("--x86-64", dest="x86_64", help="syscall_64.tbl (x86_64 and x32)")
    ap.add_argument("--generic", help="scripts/syscall.tbl (aarch64)")
    ap.add_argument("--i386", action="append", help="syscall_32.tbl or asm/unistd_32.h")
    ap.add_argument("--arm", action="append",
                    help="arch/arm/tools/syscall.tbl, or asm/unistd-eabi.h plus asm/unistd.h")
    ap.add_argument("--csv", help="CSV name,x86_64,x32,aarch64 to complete and cross-check")
    ap.add_argument("--out", default="arch", help="output directory (default: arch)")
    args = ap.parse_args(argv)

    if args.kernel_tree:
        t = args.kernel_tree
        args.x86_64 = args.x86_64 or os.path.join(t, TREE_PATHS["x86_64"])
        args.generic = args.generic or os.path.join(t, TREE_PATHS["generic"])
        args.i386 = args.i386 or [os.path.join(t, TREE_PATHS["i386"])]
        args.arm = args.arm or [os.path.join(t, TREE_PATHS["arm"]),
                                os.path.join(t, TREE_PATHS["arm_private"])]
    if not (args.x86_64 and args.generic):
        ap.error("need --x86-64 and --generic (or --kernel-tree)")

    try:
        tables = build_tables(args)
    except (TableError, OSError) as e:
        print(f"gentables: {e}", file=sys.stderr)
        print("gentables: no file written; fix the inputs (a wrong number would make filters wrong)",
              file=sys.stderr)
        return 1
    missing = {"x86_64", "x32", "aarch64", "i386", "arm"} - set(tables)
    if missing:
        print(f"gentables: no input for {', '.join(sorted(missing))}; arch/arch.c needs all five tables",
              file=sys.stderr)
        return 1
    write_if_changed(os.path.join(args.out, "syscalls_gen.h"), c_header(tables))
    for arch, (entries, inputs, notes) in sorted(tables.items()):
        if len(entries) > 65535:
            print(f"gentables: {arch}: too many entries for the uint16_t index", file=sys.stderr)
            return 1
        write_if_changed(os.path.join(args.out, f"syscalls_{arch}.c"),
                         c_table(arch, entries, inputs, notes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
