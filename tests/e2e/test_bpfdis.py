"""The listing tools end to end: bpfasm and bpfdis round trips (hand-made
listings and every policy bpfgen compiles), C header reading, --dot, and
--pid on a live process holding two stacked filters."""
import glob
import os
import shutil
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BPFGEN_BUILD", os.path.join(ROOT, "build"))
IN_CI = os.environ.get("CI") == "true"
BPFASM = os.path.join(BUILD, "bpfasm")
BPFDIS = os.path.join(BUILD, "bpfdis")
BPFGEN = os.path.join(BUILD, "bpfgen")
STACKED = os.path.join(BUILD, "tests", "dis_stacked")
WORKER = os.path.join(ROOT, "policies", "pvf-worker.policy")
ARCHS = ["x86_64", "aarch64"]
NATIVE = {"x86_64": "x86_64", "aarch64": "aarch64"}.get(os.uname().machine)

HAND = """\
; hand-written: labels, symbols, pseudo-jumps
        ld [arch]
        jne #AUDIT_ARCH_X86_64, bad
        ld [nr]
        jge #__X32_SYSCALL_BIT, bad
        jeq #__NR_socket, deny
        jeq #__NR_read, ok, next
next:   ld [arg2.hi]
        jset #0x80000000, deny
        ld [arg2.lo]
        jgt #0x1000, deny, ok
deny:   ret errno(1)
ok:     ret allow
bad:    ret kill-process
"""


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def insns(data):
    """Raw bytes as (code, jt, jf, k) tuples (both targets little-endian)."""
    assert len(data) % 8 == 0
    return [(int.from_bytes(data[i:i + 2], "little"), data[i + 2], data[i + 3],
             int.from_bytes(data[i + 4:i + 8], "little"))
            for i in range(0, len(data), 8)]


def assemble(tmp_path, text, arch="x86_64", name="p"):
    src = tmp_path / (name + ".asm")
    out = tmp_path / (name + ".bpf")
    src.write_text(text)
    p = run([BPFASM, "-a", arch, "-o", str(out), str(src)])
    assert p.returncode == 0, p.stderr
    return out.read_bytes()


def disassemble(path, arch="x86_64"):
    p = run([BPFDIS, "-a", arch, str(path)])
    assert p.returncode == 0, p.stderr
    return p.stdout


def listing_round_trip(tmp_path, raw_path, arch):
    """raw -> listing -> raw; returns the listing."""
    text = disassemble(raw_path, arch)
    again = assemble(tmp_path, text, arch, name="again")
    assert again == raw_path.read_bytes(), "round trip changed bytes:\n" + text
    return text


def test_hand_written_listing(tmp_path):
    data = assemble(tmp_path, HAND)
    got = insns(data)
    assert len(got) == 13
    assert got[0] == (0x20, 0, 0, 4)                  # ld [arch]
    assert got[1] == (0x15, 0, 10, 0xc000003e)        # jne -> bad
    assert got[3] == (0x35, 8, 0, 0x40000000)
    assert got[4] == (0x15, 5, 0, 41)                 # socket -> deny
    assert got[7] == (0x45, 2, 0, 0x80000000)
    assert got[9] == (0x25, 0, 1, 0x1000)
    assert got[10] == (0x06, 0, 0, 0x00050001)
    assert got[12] == (0x06, 0, 0, 0x80000000)
    raw = tmp_path / "p.bpf"
    text = listing_round_trip(tmp_path, raw, "x86_64")
    assert "   4: jeq #0x29, 10, 5 ; socket\n" in text
    assert "   3: jge #0x40000000, 12, 4 ; x32 bit\n" in text
    # a listing is a fixed point: disassembling its bytes gives it back
    assert disassemble(tmp_path / "again.bpf") == text


def test_bpfasm_errors_are_located_and_leave_no_file(tmp_path):
    out = tmp_path / "out.bpf"
    out.write_bytes(b"old contents")
    src = tmp_path / "bad.asm"
    src.write_text("ld [nr]\njeq #1, nowhere\nret allow\n")
    p = run([BPFASM, "-a", "x86_64", "-o", str(out), str(src)])
    assert p.returncode == 1
    assert "%s:2:9: error: undefined label 'nowhere'" % src in p.stderr
    assert out.read_bytes() == b"old contents"
    assert sorted(os.listdir(tmp_path)) == ["bad.asm", "out.bpf"]


def test_bpfasm_refuses_what_the_kernel_would_refuse(tmp_path):
    src = tmp_path / "noret.asm"
    src.write_text("ld [nr]\njeq #1, 2, 2\nld [arch]\n")
    out = tmp_path / "noret.bpf"
    p = run([BPFASM, "-o", str(out), str(src)])
    assert p.returncode == 1
    assert "error: the kernel would refuse this program: insn 2" in p.stderr, p.stderr
    assert not out.exists()
    p = run([BPFASM, "--unchecked", "-o", str(out), str(src)])
    assert p.returncode == 0, p.stderr
    assert len(out.read_bytes()) == 3 * 8


def test_bpfasm_needs_arch_for_syscall_names(tmp_path):
    src = tmp_path / "s.asm"
    src.write_text("ld [nr]\njeq #__NR_read, 2, 2\nret allow\n")
    p = run([BPFASM, "-o", str(tmp_path / "s.bpf"), str(src)])
    assert p.returncode == 1
    assert "2:6: error: '__NR_read' depends on the architecture: pass -a ARCH" in p.stderr


def test_bpfdis_rejects_what_is_not_a_program(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x01\x02\x03")
    p = run([BPFDIS, str(junk)])
    assert p.returncode == 1
    assert "3 bytes is not a whole number of 8-byte instructions" in p.stderr


def policies():
    found = sorted(glob.glob(os.path.join(ROOT, "policies", "*.policy")))
    found += sorted(glob.glob(os.path.join(ROOT, "tests", "**", "*.policy"),
                              recursive=True))
    return [os.path.relpath(p, ROOT) for p in found]


def compile_raw(policy, arch, out):
    return run([BPFGEN, "-a", arch, "-f", "raw", "-o", str(out),
                os.path.join(ROOT, policy)])


def test_some_policies_exist():
    assert any(p.startswith("policies/") for p in policies())


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("policy", policies())
def test_policy_round_trip(tmp_path, policy, arch):
    raw = tmp_path / "policy.bpf"
    p = compile_raw(policy, arch, raw)
    if p.returncode != 0:
        # shipped policies must compile; test policies may be error cases,
        # which bpfgen has to reject with a located message
        assert not policy.startswith("policies/"), p.stderr
        assert ": error: " in p.stderr, p.stderr
        return
    text = listing_round_trip(tmp_path, raw, arch)
    # bpfgen's own listing is the same text and assembles to the same bytes
    asm = run([BPFGEN, "-a", arch, "-f", "asm", os.path.join(ROOT, policy)])
    assert asm.returncode == 0, asm.stderr
    body = [l for l in asm.stdout.splitlines() if not l.startswith(";")]
    assert body == text.splitlines()
    assert assemble(tmp_path, asm.stdout, arch, "gen") == raw.read_bytes()


def test_header_round_trip_one_architecture_at_a_time(tmp_path):
    """A vendored header holds one array per architecture: `bpfdis -a ARCH`
    (or --filter N) lists one, which assembles to exactly that array's
    bytes; a listing of both is refused at the second one, once."""
    header = tmp_path / "w.h"
    p = run([BPFGEN, "-n", "w", "-o", str(header), WORKER])
    assert p.returncode == 0, p.stderr
    for index, arch in enumerate(ARCHS):
        raw = tmp_path / f"{arch}.bpf"
        assert compile_raw("policies/pvf-worker.policy", arch, raw).returncode == 0
        for pick in (["-a", arch], ["--filter", str(index)]):
            p = run([BPFDIS] + pick + [str(header)])
            assert p.returncode == 0, p.stderr
            assert p.stdout.startswith(f"; w_{arch}: ")
            assert p.stdout.count("; w_") == 1
            assert assemble(tmp_path, p.stdout, arch, name=arch) == raw.read_bytes()
    both = tmp_path / "both.asm"
    both.write_text(run([BPFDIS, str(header)]).stdout)
    p = run([BPFASM, "-a", "x86_64", "-o", str(tmp_path / "x.bpf"), str(both)])
    assert p.returncode == 1
    assert p.stderr.count("error:") == 1, p.stderr
    assert "a second program starts here" in p.stderr
    assert not (tmp_path / "x.bpf").exists()
    p = run([BPFDIS, "--filter", "2", str(header)])
    assert p.returncode == 1 and "no array 2" in p.stderr


def split_sections(text):
    """Listing output with '; title' headers -> {title: listing}."""
    sections, title = {}, None
    for line in text.splitlines(keepends=True):
        if line.startswith("; "):
            title = line[2:].split(":")[0]
            sections[title] = ""
        elif line.strip():
            sections[title] += line
    return sections


def test_header_arrays_match_raw_programs(tmp_path):
    policy = os.path.join(ROOT, "policies", "pvf-worker.policy")
    header = tmp_path / "pvf.h"
    p = run([BPFGEN, "-n", "pvf", "-o", str(header), policy])
    assert p.returncode == 0, p.stderr
    p = run([BPFDIS, str(header)])
    assert p.returncode == 0, p.stderr
    sections = split_sections(p.stdout)
    assert sorted(sections) == ["pvf_aarch64", "pvf_x86_64"]
    for arch in ARCHS:
        raw = tmp_path / (arch + ".bpf")
        assert compile_raw("policies/pvf-worker.policy", arch, raw).returncode == 0
        # the arch comes from the array name: comments match -a ARCH
        assert sections["pvf_" + arch] == disassemble(raw, arch)


def test_header_with_bpf_macros(tmp_path):
    src = tmp_path / "hand.c"
    src.write_text("""\
#include <linux/filter.h>
/* struct sock_filter mentioned in a comment */
static struct sock_filter mine_aarch64[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 198, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 13),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
""")
    p = run([BPFDIS, str(src)])
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("; mine_aarch64: 4 instructions, aarch64\n"
                        "   0: ld [nr]\n"
                        "   1: jeq #0xc6, 2, 3 ; socket\n"
                        "   2: ret errno(13)\n"
                        "   3: ret allow\n")


def test_header_errors_are_located(tmp_path):
    src = tmp_path / "bad.h"
    src.write_text("struct sock_filter f[] = {\n  { 0x20, 0, 0 },\n};\n")
    p = run([BPFDIS, str(src)])
    assert p.returncode == 1
    assert "%s:2:16: error: expected ','" % src in p.stderr


def test_dot_graph(tmp_path):
    assemble(tmp_path, HAND)
    p = run([BPFDIS, "--dot", "-a", "x86_64", str(tmp_path / "p.bpf")])
    assert p.returncode == 0, p.stderr
    g = p.stdout
    assert g.startswith("digraph filter {\n") and g.endswith("}\n")
    # blocks start at 0, at every jump target and after every jump
    nodes = sorted(int(l.split()[0][1:]) for l in g.splitlines()
                   if l.startswith("  b") and "[label=" in l and "->" not in l)
    assert nodes == [0, 2, 4, 5, 6, 8, 10, 11, 12]
    assert '  b4 -> b10 [label="true"];' in g
    assert '  b4 -> b5 [label="false"];' in g
    assert "jeq #0x29, 10, 5 ; socket" in g
    if shutil.which("dot") is None:
        if IN_CI:
            pytest.fail("graphviz 'dot' is missing in CI (tools/install-test-deps.sh)")
        pytest.skip("graphviz 'dot' not installed; structure checked only")
    out = run(["dot", "-Tplain"], input=g)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("\nedge ") == g.count("->")


def need_root():
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("bpfdis --pid needs root (CAP_SYS_ADMIN) in CI")
        pytest.skip("bpfdis --pid needs root (CAP_SYS_ADMIN)")


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def test_pid_dumps_stacked_filters(tmp_path):
    need_root()
    assert NATIVE, "no native target architecture"
    first, second = tmp_path / "first.bpf", tmp_path / "second.bpf"
    child = subprocess.Popen([STACKED, str(first), str(second)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        p = run([BPFDIS, "--pid", str(child.pid)])
        assert p.returncode == 0, p.stderr
        sections = split_sections(p.stdout)
        pid = child.pid
        assert list(sections) == ["pid %d filter 0 (installed first)" % pid,
                                  "pid %d filter 1 (most recently installed)" % pid]
        # the kernel keeps the bytes it was given: same listings
        assert list(sections.values()) == [disassemble(first, NATIVE),
                                           disassemble(second, NATIVE)]
        # one of them, as a listing bpfasm turns back into its bytes
        p = run([BPFDIS, "--pid", str(child.pid), "--filter", "1"])
        assert p.returncode == 0, p.stderr
        assert list(split_sections(p.stdout)) == \
            ["pid %d filter 1 (most recently installed)" % pid]
        assert assemble(tmp_path, p.stdout, NATIVE, "f1") == second.read_bytes()
        p = run([BPFDIS, "--pid", str(child.pid), "--filter", "2"])
        assert p.returncode == 1 and "no filter 2" in p.stderr
        # detached cleanly: not traced, not stopped, still running
        time.sleep(0.1)
        status = proc_status(pid)
        assert status["TracerPid"] == "0"
        assert status["State"][0] in "SR", status["State"]
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


def test_pid_dot_has_one_graph_per_filter(tmp_path):
    need_root()
    child = subprocess.Popen([STACKED, str(tmp_path / "a.bpf"), str(tmp_path / "b.bpf")],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        p = run([BPFDIS, "--dot", "--pid", str(child.pid)])
        assert p.returncode == 0, p.stderr
        assert [l for l in p.stdout.splitlines() if l.startswith("digraph")] == \
            ["digraph filter0 {", "digraph filter1 {"]
    finally:
        child.kill()
        child.wait()


def test_pid_without_filter_is_explained():
    need_root()
    child = subprocess.Popen(["sleep", "30"])
    try:
        p = run([BPFDIS, "--pid", str(child.pid)])
        assert p.returncode == 1
        assert "not in seccomp filter mode" in p.stderr
        assert proc_status(child.pid)["TracerPid"] == "0"
    finally:
        child.kill()
        child.wait()
