"""Probes of a compiled container profile, for the differential test and
`make bench`: every syscall number of every ABI of a target (bpfgen's
tables), x32-numbered and foreign calls, and argument vectors built from
the profile's constants, as `bpfsim --batch` lines."""

import re
from pathlib import Path

import runc_style as rs

REPO = Path(__file__).resolve().parents[2]
ABIS = {"x86_64": ("x86_64", "i386", "x32"), "aarch64": ("aarch64", "arm")}
FOREIGN = (0xc00000f3, 0, 0xffffffff, 0x40000003 ^ 1)   # riscv64, junk
MASK64 = (1 << 64) - 1
_TABLE_LINE = re.compile(r'\{ "(\w+)", (\d+)u \}')
_tables = {}


def table(abi):
    """name -> number in bpfgen's generated table for ABI."""
    if abi not in _tables:
        src = (REPO / "arch" / ("syscalls_%s.c" % abi)).read_text()
        t = {m.group(1): int(m.group(2)) for m in _TABLE_LINE.finditer(src)}
        assert len(t) > 100, "arch/syscalls_%s.c: table not read" % abi
        _tables[abi] = t
    return _tables[abi]


def line(nr, token, args=(0,) * 6):
    return "%x %x %s\n" % (nr, token, " ".join("%x" % (a & MASK64) for a in args))


def satisfying(a):
    """A value the condition holds for (or its value when none is easy)."""
    v, op = a.get("value", 0), a["op"]
    if op == "SCMP_CMP_MASKED_EQ":
        return a.get("valueTwo", 0) & v
    if op == "SCMP_CMP_LT":
        return max(v - 1, 0)
    if op == "SCMP_CMP_GT":
        return min(v + 1, MASK64)
    if op == "SCMP_CMP_NE":
        return (v + 1) & MASK64
    return v


def variants(a):
    v = a.get("value", 0)
    out = {v, v - 1, v + 1, v | 1 << 32, v ^ 1 << 63, v & 0xffffffff,
           v | 0xffffffff00000000, 0, MASK64}
    if a["op"] == "SCMP_CMP_MASKED_EQ":
        d = a.get("valueTwo", 0) & v
        low = v & -v if v else 1
        out |= {d, d | (~v & MASK64), d ^ low, d | 1 << 32, d ^ 1 << 63}
    return {x & MASK64 for x in out}


def vectors(sel):
    """name -> argument vectors: each rule met, then each argument moved
    through the variants of every constant on it."""
    out = {}
    for r in sel.rules:
        if not r["args"]:
            continue
        base = [0] * 6
        for a in r["args"]:
            base[a.get("index", 0)] = satisfying(a)
        vecs = out.setdefault(r["name"], set())
        vecs.add(tuple(base))
        vecs.add((0,) * 6)
        for a in r["args"]:
            for x in variants(a):
                v = list(base)
                v[a.get("index", 0)] = x
                vecs.add(tuple(v))
                z = [0] * 6
                z[a.get("index", 0)] = x
                vecs.add(tuple(z))
    return out


def cases(sel, target):
    """(abi, nr without the x32 bit, line) for every probe."""
    vecs = vectors(sel)
    out = []
    for abi in ABIS[target]:
        t = table(abi)
        token = rs.TOKEN[abi]
        bit = rs.X32_BIT if abi == "x32" else 0
        # Every number up to past the table's end; arm's private calls
        # (0xf0000 + n) are probed by name.
        top = max(n for n in t.values() if n < 0xf0000) + 24
        nrs = set(range(top + 1)) | set(t.values())
        for nr in sorted(nrs):
            out.append((abi, nr, line(nr | bit, token)))
        for name, vs in sorted(vecs.items()):
            if name in t:
                for v in sorted(vs):
                    out.append((abi, t[name], line(t[name] | bit, token, v)))
    native = rs.TOKEN[target]
    for nr in (0xffffffff, 0xfffffffe, 0x3fffffff, 0x7fffffff, 0x80000000,
               0xc0000000 | 1, rs.X32_BIT | 0x3fff):
        out.append((None, nr, line(nr, native)))
    for tok in FOREIGN:
        for nr in (0, 1, 59, 0xffffffff):
            out.append((None, nr, line(nr, tok)))
    return out
