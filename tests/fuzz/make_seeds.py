#!/usr/bin/python3
"""Writes the committed seed corpora of the fuzz harnesses:

  tests/fuzz/corpus/fuzz_policy/  the shipped and test policies, random
                                  policies of the full language
                                  (tests/diff/policygen.py) and a few broken
                                  ones for the error paths
  tests/fuzz/corpus/fuzz_bpfsim/  raw programs bpfgen made from some of
                                  those, and small hand-made programs
  tests/fuzz/corpus/fuzz_audit/   single lines of the audit fixture logs
  tests/fuzz/corpus/fuzz_import/  the vendored container profiles and small
                                  ones with every key, action and op

Run from the repository after `make` (it calls build/bpfgen):
  /usr/bin/python3 tests/fuzz/make_seeds.py
"""

import hashlib
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fuzz" / "corpus"
sys.path.insert(0, str(REPO / "tests" / "diff"))
import policygen as pg  # noqa: E402

BROKEN = [
    "default allow\nallow: read if arg6 == 1\n",
    "default kill\n",
    "allow: read\n",
    "default allow\nerrno(99999): read\n",
    "default allow\nallow: read if lo32(arg0) == 0x100000000\n",
    "default allow\nallow: read if arg0 & 1 < 3\n",
    "default allow\nallow: nosuchcall, @nosuchgroup\n",
    "default allow\nallow: read if arg0 == 0x1ffffffffffffffff\n",
    "default allow\nallow: read,\n  write,\n  @io_uring if arg1 == O_CREAT | O_EXCL\n",
    "default allow\ndefault allow\n\"unterminated\n",
    "default allow\nabi x86_64: i386\nabi aarch64: native, i386\nabi x86_64: native\n",
    "default allow\nsocketcall open\non-newer\n",
]

# Multi-ABI policies: every ABI, on-newer, socketcall fail-open, the
# multiplexed calls with and without conditions.
ABI = [
    "default errno(EPERM)\nabi x86_64: native, i386, x32\nabi aarch64: native, arm\n"
    "on-newer errno(ENOSYS)\nallow: read, write, exit_group\n"
    "allow: socket if family == AF_UNIX\nerrno(EACCES): connect, semget, accept\n"
    "kill-process: ptrace if arg64(arg0) == 0x100000010\n",
    "default allow\nabi x86_64: native, x32\nabi aarch64: native, arm\nsocketcall fail-open\n"
    "errno(EPERM): @network if arg0 == 3\nallow: socketcall if arg0 == 2\nlog: ipc\n",
]

IMPORT = [
    '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": '
    '["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"], "flags": '
    '["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "/x", "syscalls": [{"names": '
    '["read", "write"], "action": "SCMP_ACT_ALLOW"}, {"names": ["kill"], "action": '
    '"SCMP_ACT_TRACE", "errnoRet": 3, "args": [{"index": 1, "value": 9, "op": '
    '"SCMP_CMP_EQ"}, {"index": 1, "value": 19, "op": "SCMP_CMP_NE"}]}]}',
    '{"ociVersion": "1.0.2", "linux": {"seccomp": {"defaultAction": "SCMP_ACT_KILL", '
    '"syscalls": [{"names": ["openat"], "action": "SCMP_ACT_LOG", "args": [{"index": 2, '
    '"value": 64, "valueTwo": 192, "op": "SCMP_CMP_MASKED_EQ"}]}]}}}',
    '{"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"architecture": "SCMP_ARCH_X86_64", '
    '"subArchitectures": ["SCMP_ARCH_X32"]}], "syscalls": [{"name": "mount", "action": '
    '"SCMP_ACT_KILL_PROCESS", "includes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["amd64"], '
    '"minKernel": "4.8"}, "excludes": {"caps": ["CAP_BPF"], "minKernel": "6.1"}}, '
    '{"names": ["socket"], "action": "SCMP_ACT_NOTIFY", "args": [{"index": 0, "value": 40, '
    '"op": "SCMP_CMP_GE"}, {"index": 2, "value": 1, "op": "SCMP_CMP_LT"}]}, {"names": '
    '["socketcall"], "action": "SCMP_ACT_TRAP", "comment": "x"}], "defaultErrno": "EPERM"}',
    '{"defaultAction": "SCMP_ACT_KILL_THREAD", "syscalls": [{"names": ["read"], '
    '"action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": -1, "op": "X"}]}]}',
]


def put(kind, data):
    d = OUT / kind
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def raw(insns):
    return b"".join(struct.pack("<HBBI", *i) for i in insns)


def main():
    tables = pg.Tables()
    policies = [p.read_bytes() for p in
                [REPO / "policies" / "pvf-worker.policy",
                 *sorted((REPO / "tests" / "e2e" / "policies").glob("*.policy"))]
                if b"include" not in p.read_bytes()]
    opts = pg.Options(libseccomp=False, max_families=5)
    policies += [pg.generate(s, tables, opts).text.encode() for s in range(900000, 900024)]
    policies += [a.encode() for a in ABI]
    for p in policies + [b.encode() for b in BROKEN]:
        put("fuzz_policy", p)
    with tempfile.TemporaryDirectory() as tmp:
        for i, p in enumerate(policies[:10]):
            src = Path(tmp) / "p.policy"
            src.write_bytes(p)
            for arch in pg.TARGETS:
                out = Path(tmp) / "p.bpf"
                r = subprocess.run([str(REPO / "build" / "bpfgen"), "-a", arch, "-f", "raw",
                                    "-o", str(out), str(src)], capture_output=True)
                if r.returncode == 0:
                    put("fuzz_bpfsim", out.read_bytes())
    # ld [nr]; ret allow / ld [arch]; jeq; ret A / scratch memory and ALU.
    put("fuzz_bpfsim", raw([(0x20, 0, 0, 0), (0x06, 0, 0, 0x7fff0000)]))
    put("fuzz_bpfsim", raw([(0x20, 0, 0, 4), (0x15, 0, 1, 0xc000003e),
                            (0x16, 0, 0, 0), (0x06, 0, 0, 0)]))
    put("fuzz_bpfsim", raw([(0x00, 0, 0, 5), (0x02, 0, 0, 3), (0x61, 0, 0, 3),
                            (0x87, 0, 0, 0), (0x24, 0, 0, 7), (0x45, 1, 0, 1),
                            (0x06, 0, 0, 0x00050001), (0x06, 0, 0, 0x7ffc0000)]))
    put("fuzz_bpfsim", raw([(0xffff, 0, 0, 0)]))
    for prof in sorted((REPO / "tests" / "containers").glob("*.json")):
        put("fuzz_import", prof.read_bytes())
    for prof in IMPORT:
        put("fuzz_import", prof.encode())
    fixtures = REPO / "tests" / "unit" / "fixtures" / "audit"
    for log in sorted(fixtures.glob("*")):
        if log.suffix in (".log", ".json"):
            for line in log.read_bytes().splitlines()[:12]:
                if line.strip():
                    put("fuzz_audit", line)


if __name__ == "__main__":
    main()
