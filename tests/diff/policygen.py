"""Seeded generator of random bpfgen policies, and of the seccomp_data cases
that probe them. Shared by the differential driver (against libseccomp) and
the kernel agreement test.

A policy here is built so that its outcome does not depend on rule order:
every syscall is named by one "family" of rules only, and the rules of a
family have mutually exclusive conditions (distinct values of one shared
key, argK or argK & MASK). bpfgen decides by first match in file order,
libseccomp by its own precedence; for such policies both must agree.
"""

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
U64 = (1 << 64) - 1
U32 = (1 << 32) - 1
X32_BIT = 0x40000000
ERRNO_MAX = 4095
TARGETS = ("x86_64", "aarch64")

OPS = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Action:
    kind: str          # allow, log, kill-process, kill-thread, trap, errno, trace, notify
    data: int = 0

    def text(self):
        if self.kind in ("errno", "trace"):
            return "%s(%d)" % (self.kind, self.data)
        return self.kind


@dataclass(frozen=True)
class Cond:
    arg: int
    op: str
    value: int
    mask: int = None      # None: no "& MASK"
    lo32: bool = False

    def text(self, rng=None):
        # arg64(): the whole register, as libseccomp compares it. A bare
        # argK would compare only the bits the parameter's type has
        # (README, "Typed compares"): the oracle could not follow that.
        operand = "lo32(arg%d)" % self.arg if self.lo32 else "arg64(arg%d)" % self.arg
        if self.mask is not None:
            operand += " & " + number_text(self.mask, rng)
        return "%s %s %s" % (operand, self.op, number_text(self.value, rng))

    def width(self):
        return U32 if self.lo32 else U64

    def holds(self, args):
        """The condition's truth on a 64-bit argument vector."""
        a = args[self.arg] & self.width()
        if self.mask is not None:
            a &= self.mask
        return {"==": a == self.value, "!=": a != self.value,
                "<": a < self.value, "<=": a <= self.value,
                ">": a > self.value, ">=": a >= self.value}[self.op]


@dataclass
class Rule:
    action: Action
    names: list
    conds: list = field(default_factory=list)


@dataclass
class Policy:
    seed: int
    default: Action
    bad_arch: Action = None     # None: the line is left out (kill-process)
    rules: list = field(default_factory=list)
    text: str = ""
    vectors: dict = field(default_factory=dict)   # name -> [args tuple]

    def decide(self, name, args):
        """bpfgen's semantics: first matching rule in file order."""
        for r in self.rules:
            if name in r.names and all(c.holds(args) for c in r.conds):
                return r.action
        return self.default


# ---- syscall tables --------------------------------------------------------

_TABLE_LINE = re.compile(r'\{\s*"([A-Za-z0-9_]+)",\s*(\d+)u?\s*\}')


def bpfgen_table(arch):
    """name -> number, read from bpfgen's generated table for ARCH."""
    src = (REPO / "arch" / ("syscalls_%s.c" % arch)).read_text()
    table = {m.group(1): int(m.group(2)) for m in _TABLE_LINE.finditer(src)}
    if len(table) < 100:
        raise RuntimeError("arch/syscalls_%s.c: could not read the table "
                           "(format changed?)" % arch)
    return table


class Tables:
    """The syscalls both bpfgen and the oracle (libseccomp, when given)
    number identically, per architecture."""

    def __init__(self, resolve=None):
        self.nr = {}
        self.max_nr = {}
        for arch in TARGETS:
            t = bpfgen_table(arch)
            self.max_nr[arch] = max(t.values())
            if resolve:
                t = {n: v for n, v in t.items() if resolve(arch, n) == v}
            self.nr[arch] = t
        common = set(self.nr["x86_64"]) & set(self.nr["aarch64"])
        self.common = sorted(common)
        self.only = sorted((set(self.nr["x86_64"]) | set(self.nr["aarch64"]))
                           - common)


# ---- values ----------------------------------------------------------------

def number_text(v, rng=None):
    """VALUE in one of the lexer's notations (the value stays the same)."""
    if rng is None:
        return hex(v)
    style = rng.random()
    if style < 0.5 or v < 2:
        return hex(v)
    if style < 0.75:
        return str(v)
    if style < 0.85:
        return "0o%o" % v
    h = "%x" % v
    if len(h) > 4:   # digit groups: 0xffff_ffff
        h = h[:-4] + "_" + h[-4:]
    return "0x" + h


def random_value(rng):
    """A 64-bit constant, biased to the edges that break comparisons:
    32-bit boundaries, high bits set, the extremes."""
    pick = rng.random()
    if pick < 0.15:
        return rng.randint(0, 16)
    if pick < 0.30:
        return rng.getrandbits(32)
    if pick < 0.40:
        return rng.choice([0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
                           0x100000001, 0xfffffffe])
    if pick < 0.55:
        return (1 << 63) | rng.getrandbits(63)
    if pick < 0.65:
        return 0xffffffff00000000 | rng.getrandbits(32)
    if pick < 0.75:
        return (rng.getrandbits(32) << 32) | rng.choice([0, 1, 0xffffffff])
    if pick < 0.80:
        return rng.choice([0, U64, U64 - 1, 1 << 63, (1 << 63) - 1])
    return rng.getrandbits(64)


def random_mask(rng, width=U64):
    pick = rng.random()
    if pick < 0.25:
        m = 1 << rng.randrange(64)
    elif pick < 0.40:
        m = rng.choice([0xff, 0xffff, 0xffffffff, 0xffffffff00000000,
                        0x8000000000000000, 0x80000000, 0x00000000ffff0000])
    elif pick < 0.55:
        m = rng.getrandbits(64) & rng.getrandbits(64)
    else:
        m = rng.getrandbits(64)
    m &= width
    return m or 1


def near(v, width=U64):
    """Values next to V that tell a right comparison from a wrong one."""
    out = {v, (v + 1) & width, (v - 1) & width, 0, width}
    if width == U64:
        out |= {v ^ (1 << 63), v ^ (1 << 32), v & U32,
                v | 0xffffffff00000000, (v & U32) | (1 << 32),
                (v + (1 << 32)) & U64, (v - (1 << 32)) & U64}
    return out


# ---- actions ---------------------------------------------------------------

def random_action(rng, allow_notify=True, errno_max=ERRNO_MAX):
    kinds = ["allow", "log", "kill-process", "kill-thread", "trap",
             "errno", "errno", "trace"]
    if allow_notify:
        kinds.append("notify")
    kind = rng.choice(kinds)
    if kind == "errno":
        return Action(kind, rng.choice([0, 1, 13, errno_max,
                                        rng.randint(0, errno_max)]))
    if kind == "trace":
        return Action(kind, rng.choice([0, 0xffff, rng.randint(0, 0xffff)]))
    return Action(kind)


# ---- conditions --------------------------------------------------------------

class Options:
    """What the generator may use. For the libseccomp comparison: only what
    libseccomp can express (no lo32 with an order, no masked !=, and no
    errno(4095): libseccomp 2.5.4 refuses it although the kernel takes it)."""

    def __init__(self, libseccomp=True, names=None, max_families=12):
        self.libseccomp = libseccomp
        self.errno_max = ERRNO_MAX - 1 if libseccomp else ERRNO_MAX
        self.names = names          # restrict rules to these syscalls
        self.max_families = max_families


def random_cond(rng, arg, opts):
    lo32 = rng.random() < 0.15
    width = U32 if lo32 else U64
    masked = rng.random() < 0.25
    if masked:
        mask = random_mask(rng, width)
        ops = ("==",) if opts.libseccomp else ("==", "!=")
        value = random_value(rng) & mask
        if rng.random() < 0.03:       # a value outside the mask: never true
            value = (value | (~mask & width)) & width or value
        return Cond(arg, rng.choice(ops), value, mask, lo32)
    if lo32 and opts.libseccomp:
        # libseccomp has no 32-bit compare; lo32(argK) == V is argK & 0xffffffff == V.
        return Cond(arg, "==", random_value(rng) & U32, None, True)
    return Cond(arg, rng.choice(OPS), random_value(rng) & width, None, lo32)


def key_cond(arg, kind, value):
    """The discriminating condition of a family: KIND is ('full',),
    ('lo32',) or ('mask', M)."""
    if kind[0] == "full":
        return Cond(arg, "==", value)
    if kind[0] == "lo32":
        return Cond(arg, "==", value & U32, None, True)
    return Cond(arg, "==", value & kind[1], kind[1])


def random_key_kind(rng):
    pick = rng.random()
    if pick < 0.5:
        return ("full",)
    if pick < 0.7:
        return ("lo32",)
    return ("mask", random_mask(rng))


def distinct_keys(rng, kind, n):
    width = U64 if kind[0] == "full" else U32 if kind[0] == "lo32" else kind[1]
    seen, out = set(), []
    for _ in range(8 * n):
        v = random_value(rng) & width
        if v not in seen:
            seen.add(v)
            out.append(v)
        if len(out) == n:
            break
    return out


# ---- families ----------------------------------------------------------------

def family_plain(rng, names, opts):
    return [Rule(random_action(rng, errno_max=opts.errno_max), names)]


def family_eq(rng, names, opts):
    """Several == rules on one argument, distinct values: exclusive."""
    arg, kind = rng.randrange(6), random_key_kind(rng)
    return [Rule(random_action(rng, errno_max=opts.errno_max), names, [key_cond(arg, kind, v)])
            for v in distinct_keys(rng, kind, rng.randint(2, 5))]


def family_conj(rng, names, opts):
    """Conjunctions over distinct arguments with every operator. With more
    than one rule, each starts with a distinct key on a shared argument."""
    n = rng.choice([1, 1, 2, 3, 4])
    key_arg, kind = rng.randrange(6), random_key_kind(rng)
    keys = distinct_keys(rng, kind, n) if n > 1 else [None]
    rules = []
    for key in keys:
        args = [a for a in range(6) if key is None or a != key_arg]
        rng.shuffle(args)
        conds = [key_cond(key_arg, kind, key)] if key is not None else []
        conds += [random_cond(rng, a, opts) for a in args[:rng.randint(1, 3)]]
        rng.shuffle(conds)
        rules.append(Rule(random_action(rng, errno_max=opts.errno_max), names, conds))
    return rules


def family_multi(rng, names, opts):
    """The compile-time shape of issue 12: many rules 'argA OP V && argB &
    M == W' on the same syscalls, A and B different arguments. The rules
    overlap, so they share one action: any of them matching decides, in
    any order (libseccomp has no order)."""
    action = random_action(rng, errno_max=opts.errno_max)
    rules = []
    # At most 4: every pair of overlapping ordered rules doubles the paths
    # bpfdiff walks when it looks for witnesses (seconds per policy at 12).
    for _ in range(rng.randint(2, 4)):
        a, b = rng.sample(range(6), 2)
        first = Cond(a, rng.choice(OPS), random_value(rng))
        mask = random_mask(rng)
        rules.append(Rule(action, names, [first, Cond(b, "==", random_value(rng) & mask, mask)]))
    return rules


def pick_names(rng, pool, used):
    n = rng.choice([1, 1, 1, 2, 3, 4])
    free = [x for x in pool if x not in used]
    names = rng.sample(free, min(n, len(free)))
    used.update(names)
    return names


def generate(seed, tables, opts=None):
    """The policy for SEED: same seed, same tables -> same policy."""
    opts = opts or Options()
    rng = random.Random(seed)
    p = Policy(seed, random_action(rng, False, opts.errno_max))
    if rng.random() < 0.4:
        p.bad_arch = random_action(rng, False, opts.errno_max)
    pool = list(opts.names) if opts.names else tables.common + \
        rng.sample(tables.only, min(6, len(tables.only)))
    used = set()
    families = []
    for _ in range(rng.randint(0, opts.max_families)):
        names = pick_names(rng, pool, used)
        if not names:
            break
        pick = rng.random()
        if pick < 0.3:
            families.append(family_plain(rng, names, opts))
        elif pick < 0.55:
            families.append(family_eq(rng, names, opts))
        elif pick < 0.85:
            families.append(family_conj(rng, names, opts))
        else:
            families.append(family_multi(rng, names, opts))
    # Rules of different families never share a syscall, so they may be
    # interleaved freely; the rules of one family are exclusive.
    rules = [r for f in families for r in f]
    rng.shuffle(rules)
    p.rules = rules
    p.text = policy_text(p, rng)
    p.vectors = {}
    for f in families:
        vecs = family_vectors(rng, f)
        for n in f[0].names:
            p.vectors[n] = vecs
    return p


def policy_text(p, rng):
    lines = ["# generated by tests/diff/policygen.py, seed %d" % p.seed,
             "default " + p.default.text()]
    if p.bad_arch is not None:
        lines.append("on-bad-arch " + p.bad_arch.text())
        lines.append("on-x32 " + p.bad_arch.text())
    for r in p.rules:
        names = ", ".join(r.names)
        if len(r.names) > 1 and rng.random() < 0.3:
            names = (",\n    ").join(r.names)     # trailing comma continues
        line = "%s: %s" % (r.action.text(), names)
        if r.conds:
            line += " if " + " && ".join(c.text(rng) for c in r.conds)
        lines.append(line)
    return "\n".join(lines) + "\n"


# ---- argument vectors ----------------------------------------------------------

def satisfying(rng, c):
    """A value of argument c.arg that makes C true (if any)."""
    width = c.width()
    if c.mask is not None:
        v = c.value if c.op == "==" else c.value ^ (c.mask & -c.mask)
        v |= rng.getrandbits(64) & ~c.mask & width
    else:
        v = {"==": c.value, "!=": c.value + 1, "<": c.value - 1,
             "<=": c.value, ">": c.value + 1, ">=": c.value}[c.op] & width
    if c.lo32:
        v |= rng.getrandbits(32) << 32
    return v


def candidates(c):
    width = c.width()
    vals = set(near(c.value, width))
    if c.mask is not None:
        low = c.mask & -c.mask
        vals |= {c.value | (~c.mask & width), c.value ^ low, c.mask}
    if c.lo32:
        vals |= {v | (0xdeadbeef << 32) for v in list(vals)}
        vals |= {v | (U32 << 32) for v in list(vals)}
    return vals


def family_vectors(rng, rules, limit=400):
    """Argument vectors that probe the edges of RULES' conditions: for each
    rule a vector meeting all its conditions, then one argument at a time
    moved through the constant, its neighbours and its high-bit variants;
    then random mixes of those values."""
    cand = {}
    for r in rules:
        for c in r.conds:
            cand.setdefault(c.arg, set()).update(candidates(c))
    vecs = [(0,) * 6, (U64,) * 6]
    for r in rules:
        base = [0] * 6
        for c in r.conds:
            base[c.arg] = satisfying(rng, c)
        vecs.append(tuple(base))
        for c in r.conds:
            for v in sorted(candidates(c)):
                b = list(base)
                b[c.arg] = v
                vecs.append(tuple(b))
    pools = {a: sorted(vs) for a, vs in cand.items()}
    for _ in range(40 if pools else 0):
        vecs.append(tuple(rng.choice(pools[a]) if a in pools else 0
                          for a in range(6)))
    seen, out = set(), []
    for v in vecs:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out[:limit]
