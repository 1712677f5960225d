"""`bpfgen PROFILE.json`: importing container profiles from the command
line. Format detection, the text -f policy prints (JSON paths, runc's
semantics written out), errors and warnings with JSON paths, the options,
and what the compiled filter decides (bpfsim). The agreement with runc on
real profiles is tests/e2e/test_import_differential.py; the importer's
semantics one by one are tests/unit/test_import.c."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BPFGEN_BUILD", REPO / "build"))
DOCKER = REPO / "tests" / "containers" / "docker-default.json"
PODMAN = REPO / "tests" / "containers" / "podman-seccomp.json"
# Until the compiler has the multi-ABI syntax (branch abi of issue 16) a
# compiled import needs these; see test_import_differential.py.
NATIVE = ("--abi", "native", "--no-enosys-stub")


def bpfgen(*args, check=None):
    r = subprocess.run([str(BUILD / "bpfgen"), *map(str, args)],
                       capture_output=True, text=True, timeout=120)
    if check is not None:
        assert r.returncode == check, "bpfgen %s: exit %d\n%s%s" % (
            " ".join(map(str, args)), r.returncode, r.stdout, r.stderr)
    return r


def profile(tmp_path, obj, name="p.json"):
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return p


def text_of(tmp_path, obj, *opts):
    r = bpfgen("-a", "x86_64", "-f", "policy", *opts, profile(tmp_path, obj), check=0)
    return flat(r.stdout), r.stderr


def decide(tmp_path, obj, calls, arch="x86_64", opts=NATIVE):
    """bpfsim's action for each (name-or-number, args...) under OBJ."""
    prog = tmp_path / "f.bpf"
    bpfgen("-a", arch, "-f", "raw", "-o", prog, *opts, profile(tmp_path, obj), check=0)
    out = []
    for call in calls:
        r = subprocess.run([str(BUILD / "bpfsim"), "-a", arch, str(prog),
                            *map(str, call)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        out.append(r.stdout.split()[0])
    return out


def flat(text):
    """TEXT with its wrapped comments joined: one line per comment."""
    return text.replace("\n#   ", " ")


def rules(text):
    """The policy's statements, comments and blank lines left out."""
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


# ---- formats ----------------------------------------------------------------------

def test_oci_object_config_json_and_docker_profile_are_told_apart(tmp_path):
    seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
               "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}
    oci, err = text_of(tmp_path, seccomp)
    assert "an OCI runtime-spec profile," in oci
    config, _ = text_of(tmp_path, {"ociVersion": "1.0.2", "process": {},
                                   "linux": {"seccomp": seccomp}})
    assert "(its linux.seccomp)" in config
    assert "# $.linux.seccomp.syscalls[0]\nallow: read\n" in config
    docker, _ = text_of(tmp_path, dict(seccomp, syscalls=[
        {"name": "read", "action": "SCMP_ACT_ALLOW", "comment": "x"}]))
    assert "a Docker/Podman profile" in docker
    assert rules(oci) == rules(config) == rules(docker)


def test_from_oci_ignores_docker_keys_with_a_warning(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["chroot"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_SYS_CHROOT"]}},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}
    docker, _ = text_of(tmp_path, p)
    assert "allow: chroot" in docker and "allow: mount" not in docker
    oci, err = text_of(tmp_path, p, "--from", "oci")
    assert "allow: chroot" in oci and "allow: mount" in oci
    assert ('$.syscalls[1].includes: warning: "includes" belongs to the '
            'Docker/Podman format; this profile is read as OCI (--from): ignored '
            '[-Wunknown-key]') in err


def test_config_json_without_seccomp_is_an_error(tmp_path):
    r = bpfgen("-a", "x86_64", profile(tmp_path, {"ociVersion": "1.0", "linux": {}}),
               check=1)
    assert "p.json: $.linux.seccomp: error: this config.json has no seccomp profile" in r.stderr


def test_a_policy_is_no_profile(tmp_path):
    pol = tmp_path / "p.policy"
    pol.write_text("default allow\n")
    assert "--typed is for container profiles" in bpfgen("--typed", pol, check=2).stderr
    assert "-f policy is for container profiles" in bpfgen(
        "-a", "x86_64", "-f", "policy", pol, check=2).stderr
    # --from forces an import: the policy is then bad JSON, said so.
    r = bpfgen("--from", "oci", "-a", "x86_64", pol, check=1)
    assert "p.policy: error: line 1, column 1: invalid JSON" in r.stderr


# ---- what the text says --------------------------------------------------------

def test_docker_text_reads_as_runc_does(tmp_path):
    text = flat(bpfgen("-a", "x86_64", "-f", "policy", DOCKER, check=0).stdout)
    assert "default errno(EPERM)\n" in text
    assert "on-bad-arch kill-thread\non-x32 kill-thread\n" in text
    assert "# $.archMap[0]\nabi x86_64: native, i386, x32\n" in text
    assert "on-newer errno(ENOSYS)\n" in text
    assert "# $.syscalls[2]\nallow: socket if arg64(arg0) < 0x26\n" in text
    assert "# $.syscalls[9]\nallow: personality if arg64(arg0) == 0xffffffff\n" in text
    assert "# $.syscalls[18]\nallow: clone if arg64(arg0) & 0x7e020000 == 0\n" in text
    assert "# $.syscalls[20]\nerrno(ENOSYS): clone3\n" in text
    assert "# $.syscalls[17]: left out: includes.caps: CAP_SYS_ADMIN is not given" in text
    assert "# $.syscalls[11]: left out: includes.arches (arm, arm64) does not name amd64" in text
    assert "# $.syscalls[12]\nallow: arch_prctl\n" in text
    # socketcall and ipc, allowed outright, come first (libseccomp lets a
    # rule without conditions decide every call through them).
    body = rules(text)
    assert body.index("allow: socketcall") < [i for i, ln in enumerate(body)
                                              if "socket if" in ln][0]
    arm = flat(bpfgen("-a", "aarch64", "-f", "policy", DOCKER, check=0).stdout)
    assert "abi aarch64: native, arm\n" in arm and "on-x32" not in arm
    assert "allow: arm_fadvise64_64, arm_sync_file_range, breakpoint" in arm
    assert "# $.syscalls[12]: left out: includes.arches (amd64, x32) does not name arm64" in arm


def test_every_name_is_checked_and_unknown_ones_warned(tmp_path):
    r = bpfgen("-a", "x86_64", "-f", "policy", DOCKER, check=0)
    assert ('docker-default.json: $.syscalls[0].names[233]: warning: unknown syscall '
            '"riscv_hwprobe": no table of bpfgen has it') in r.stderr
    assert "# $.syscalls[0]: unknown to bpfgen (warned), left out: riscv_hwprobe" in flat(r.stdout)
    # Names of other ABIs are no warning: they are left out of this text.
    native = bpfgen("-a", "x86_64", "-f", "policy", "--abi", "native", DOCKER, check=0)
    assert re.search(r"# \$\.syscalls\[0\]: not on x86_64: chown32, .*_llseek, .*"
                     r"socketcall, ", flat(native.stdout))
    quiet = bpfgen("-a", "x86_64", "-f", "policy", "-Wno-unknown-syscall", DOCKER, check=0)
    assert "warning" not in quiet.stderr
    assert quiet.stdout == r.stdout


def test_werror_makes_import_warnings_errors_and_writes_nothing(tmp_path):
    out = tmp_path / "out.h"
    out.write_text("old")
    r = bpfgen("-Werror", "-o", out, *NATIVE, DOCKER, check=1)
    assert "error: unknown syscall \"riscv_hwprobe\"" in r.stderr
    assert out.read_text() == "old"


def test_each_name_its_own_rule_and_libseccomp_precedence(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
         "syscalls": [
             {"names": ["getppid"], "action": "SCMP_ACT_TRAP",
              "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
             {"names": ["getppid", "getpid"], "action": "SCMP_ACT_ALLOW"},
             {"names": ["getpid"], "action": "SCMP_ACT_KILL_PROCESS"},
             {"names": ["gettid"], "action": "SCMP_ACT_ERRNO"}]}
    text, _ = text_of(tmp_path, p)
    # The first rule without conditions decides each syscall outright.
    assert "# $.syscalls[0]: getppid: decided by the rule without conditions at " \
           "$.syscalls[1]" in text
    assert "# $.syscalls[2]: getpid: decided by the rule without conditions at " \
           "$.syscalls[1]" in text
    # A rule with the default action is runc's no-op: last, still counted.
    assert text.rstrip().endswith("errno(EPERM): gettid")
    assert decide(tmp_path, p, [("getppid", 1), ("getpid",), ("gettid",), ("read",)]) == \
        ["allow", "allow", "errno(1)", "errno(1)"]


def test_repeated_argument_index_is_an_or_of_every_condition(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [
            {"index": 1, "value": 9, "op": "SCMP_CMP_EQ"},
            {"index": 1, "value": 19, "op": "SCMP_CMP_EQ"},
            {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
        {"names": ["tkill"], "action": "SCMP_ACT_ERRNO", "args": [
            {"index": 1, "value": 9, "op": "SCMP_CMP_EQ"},
            {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}
    text, _ = text_of(tmp_path, p)
    assert ("# $.syscalls[0]: an argument index repeats: runc makes each condition a "
            "rule of its own (any one of them matches)\n"
            "errno(EACCES): kill if arg64(arg1) == 9\n"
            "errno(EACCES): kill if arg64(arg1) == 0x13\n"
            "errno(EACCES): kill if arg64(arg0) == 1\n") in text
    assert "errno(EPERM): tkill if arg64(arg1) == 9 && arg64(arg0) == 1\n" in text
    assert decide(tmp_path, p, [("kill", 5, 9), ("kill", 1, 0), ("kill", 5, 0),
                                ("tkill", 1, 9), ("tkill", 5, 9)]) == \
        ["errno(13)", "errno(13)", "allow", "errno(1)", "allow"]


def test_masked_eq_masks_the_value_too(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["openat"], "action": "SCMP_ACT_ERRNO", "args": [
            {"index": 2, "value": 0x40, "valueTwo": 0xc0, "op": "SCMP_CMP_MASKED_EQ"}]}]}
    text, _ = text_of(tmp_path, p)
    assert "errno(EPERM): openat if arg64(arg2) & 0x40 == 0x40\n" in text
    assert decide(tmp_path, p, [("openat", 0, 0, 0x41), ("openat", 0, 0, 0x80)]) == \
        ["errno(1)", "allow"]


def test_every_action(tmp_path):
    acts = ["SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_LOG",
            "SCMP_ACT_NOTIFY"]
    names = ["getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid",
             "sync"]
    p = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": [n], "action": a} for n, a in zip(names, acts)] +
        [{"names": ["umask"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
         {"names": ["alarm"], "action": "SCMP_ACT_ERRNO", "errnoRet": 0}]}
    text, _ = text_of(tmp_path, p)
    for line in ("kill-thread: getpid", "kill-thread: getppid", "kill-process: gettid",
                 "trap: getuid", "errno(EPERM): geteuid", "trace(1): getgid",
                 "log: getegid", "notify: sync", "trace(7): umask", "errno(0): alarm"):
        assert "\n%s\n" % line in text, line
    assert decide(tmp_path, p, [(n,) for n in names + ["umask", "alarm", "read"]]) == \
        ["kill-thread", "kill-thread", "kill-process", "trap", "errno(1)", "trace(1)",
         "log", "notify", "trace(7)", "errno(0)", "allow"]


def test_errno_ret_and_default_errno_ret(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
         "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"},
                      {"names": ["umount2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}
    text, _ = text_of(tmp_path, p)
    assert "default errno(ENOSYS)\n" in text
    assert "\nerrno(EPERM): mount\n" in text                 # not defaultErrnoRet
    assert text.rstrip().endswith("errno(ENOSYS): umount2")  # the default: last


def test_podman_legacy_errno_is_read_silently_when_it_agrees(tmp_path):
    r = bpfgen("-a", "x86_64", "-f", "policy", PODMAN, check=0)
    assert "errno" not in "".join(ln for ln in r.stderr.splitlines() if "warning" in ln)
    p = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS",
         "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errno": "EACCES"}]}
    text, err = text_of(tmp_path, p)
    assert ('$.defaultErrno: warning: Podman reads errno "ENOSYS" here, runc and moby '
            'do not: the import returns 1, from runc\'s default (EPERM) [-Wdropped]') in err
    assert '$.syscalls[0].errno: warning: Podman reads errno "EACCES" here' in err
    assert "default errno(EPERM)" in text


def test_flags_and_listener_are_reported_dropped_and_noted(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
         "listenerPath": "/run/agent.sock",
         "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]}
    path = profile(tmp_path, p)
    r = bpfgen("-a", "x86_64", "-o", tmp_path / "f.h", *NATIVE, path, check=0)
    assert ("$.flags[0]: warning: SECCOMP_FILTER_FLAG_LOG is no part of a filter but of "
            "installing it: pass BPFRT_LOG to bpfrt_install()") in r.stderr
    assert "$.listenerPath: warning: runc sends a notify filter's listener" in r.stderr
    header = (tmp_path / "f.h").read_text()
    assert "install with bpfrt_install(prog, BPFRT_LOG)" in header
    assert "install with bpfrt_install(prog, BPFRT_NEW_LISTENER)" in header
    bad = profile(tmp_path, dict(p, flags=["SECCOMP_FILTER_FLAG_BOGUS"]))
    assert '$.flags[0]: error: unknown flag "SECCOMP_FILTER_FLAG_BOGUS"' in \
        bpfgen("-a", "x86_64", bad, check=1).stderr


# ---- errors, with JSON paths ----------------------------------------------------

@pytest.mark.parametrize("obj,want", [
    ({"defaultAction": "SCMP_ACT_FOO"}, '$.defaultAction: error: unknown action "SCMP_ACT_FOO"'),
    ({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"],
      "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]},
     '$.syscalls[0].args[0].op: error: unknown op "SCMP_CMP_FOO"'),
    ({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"]},
     '$.architectures[1]: error: unknown architecture "SCMP_ARCH_Z80"'),
    ({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64",
      "subArchitectures": ["SCMP_ARCH_FOO"]}]},
     '$.archMap[0].subArchitectures[0]: error: unknown architecture "SCMP_ARCH_FOO"'),
    ({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
      "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]},
     '$: error: both "architectures" and "archMap" are given'),
    ({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"name": "read", "names": ["write"],
      "action": "SCMP_ACT_ALLOW"}]}, '$.syscalls[0]: error: both "name" and "names" are given'),
    ({"defaultAction": "SCMP_ACT_NOTIFY"}, "$.defaultAction: error: SCMP_ACT_NOTIFY cannot be the default"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read", "write"],
      "action": "SCMP_ACT_NOTIFY"}]}, "$.syscalls[0].names[1]: error: SCMP_ACT_NOTIFY cannot be used for write"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
      "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]},
     "$.syscalls[0].args[0].index: error: argument index 6: system calls have arguments 0 to 5"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
      "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]},
     "$.syscalls[0].args[0].value: error: expected a number >= 0, not -1"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
      "args": [{"index": 0, "value": 1.5, "op": "SCMP_CMP_EQ"}]}]},
     "$.syscalls[0].args[0].value: error: expected a whole number, not 1.5"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
      "errnoRet": 5000}]}, "$.syscalls[0].errnoRet: error: errno 5000: the kernel returns at most 4095"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [""], "action": "SCMP_ACT_ERRNO"}]},
     "$.syscalls[0].names[0]: error: an empty syscall name"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read", "action": "SCMP_ACT_ERRNO"}]},
     "$.syscalls[0].names: error: expected an array of strings, not a string"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"]}]},
     '$.syscalls[0]: error: the rule has no "action"'),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
      "includes": {"minKernel": "4.8.1"}}]},
     '$.syscalls[0].includes.minKernel: error: invalid kernel version "4.8.1"'),
    ({"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}, "$: error: no defaultAction"),
    ({}, "$: error: no defaultAction and no syscalls: runc would run the container without seccomp"),
    ([1], "$: error: expected a seccomp profile (an object), not an array"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": '
     '"SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 18446744073709551616, "op": '
     '"SCMP_CMP_EQ"}]}]}', "error: line 1, column 129: 18446744073709551616 does not fit 64 bits"),
    ('{"defaultAction": "SCMP_ACT_ALLOW",\n "syscalls": [,]}',
     "error: line 2, column 15: invalid JSON"),
    ("{'defaultAction': 1}", "error: line 1, column 2: invalid JSON: strings are in double quotes"),
    ('{"defaultAction": "SCMP_ACT_ALLOW"', "error: line 1, column 35: invalid JSON: it ends too early"),
])
def test_errors_name_the_json_path(tmp_path, obj, want):
    out = tmp_path / "out.h"
    r = bpfgen("-o", out, profile(tmp_path, obj), check=1)
    assert "p.json: " + want in r.stderr, r.stderr
    assert not out.exists()


def test_unknown_keys_are_warned_not_dropped_silently(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ERRNO", "Syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW", "argz": []}], "extra": 1}
    text, err = text_of(tmp_path, p)
    assert ('$.Syscalls: warning: read as "syscalls": Go matches keys regardless of case, '
            'so runc does too [-Wunknown-key]') in err
    assert '$.Syscalls[0].argz: warning: unknown key in a syscall rule' in err
    assert "$.extra: warning: unknown key in the profile: ignored" in err
    assert "allow: read" in text


def test_unknown_capability_and_arch_names_are_warned(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_SYS_ADMN"], "arches": ["amd46"]}}]}
    _, err = text_of(tmp_path, p)
    assert '$.syscalls[0].includes.caps[0]: warning: no capability is called "CAP_SYS_ADMN"' in err
    assert '$.syscalls[0].includes.arches[0]: warning: no architecture is called "amd46"' in err


def test_overlapping_conditional_rules_are_warned(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["socket"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}]},
        {"names": ["socket"], "action": "SCMP_ACT_LOG",
         "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_GE"}]},
        {"names": ["socket"], "action": "SCMP_ACT_TRAP",
         "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_NE"}]}]}
    _, err = text_of(tmp_path, p)
    assert ("$.syscalls[1]: warning: socket: this rule (log) and the one at $.syscalls[0] "
            "(errno(1)) may both match a call") in err
    assert err.count("[-Woverlap]") == 1            # once per syscall
    # Podman's socket rules (without CAP_AUDIT_WRITE) exclude each other.
    r = bpfgen("-a", "x86_64", "-f", "policy", "--caps", "none", PODMAN, check=0)
    assert "Woverlap" not in r.stderr and "errno(EINVAL): socket if" in r.stdout


# ---- options --------------------------------------------------------------------

def test_caps_kernel_and_host_arch(tmp_path):
    admin = flat(bpfgen("-a", "x86_64", "-f", "policy", "--caps", "sys_admin,CAP_SYS_PTRACE",
                        DOCKER, check=0).stdout)
    assert "# Capabilities: CAP_SYS_ADMIN, CAP_SYS_PTRACE\n" in admin
    assert "\nallow: bpf, clone, clone3, " in admin
    assert "# $.syscalls[18]: left out: excludes.caps: CAP_SYS_ADMIN is given" in admin
    old = flat(bpfgen("-a", "x86_64", "-f", "policy", "--kernel", "4.7.0-1-amd64", DOCKER,
                      check=0).stdout)
    assert "# $.syscalls[1]: left out: includes.minKernel: needs kernel 4.8" in old
    assert "# Kernel: 4.7 (minKernel)." in old
    host = bpfgen("-f", "policy", "--host-arch", "arm64", DOCKER, check=0).stdout
    assert "for arm64 hosts (target aarch64)" in host
    assert "--host-arch amd64 is an x86_64 host: -a aarch64 does not run there" in \
        bpfgen("-a", "aarch64", "--host-arch", "amd64", DOCKER, check=2).stderr
    assert "needs exactly one -a ARCH (or --host-arch)" in \
        bpfgen("-f", "policy", DOCKER, check=2).stderr
    assert "--caps: no capability is called 'cap_fly'" in \
        bpfgen("--caps", "cap_fly", DOCKER, check=2).stderr
    assert "--kernel wants a version such as 5.10" in \
        bpfgen("--kernel", "five", DOCKER, check=2).stderr
    assert "--host-arch wants amd64 or arm64" in \
        bpfgen("--host-arch", "s390x", DOCKER, check=2).stderr


def test_header_records_the_import_options(tmp_path):
    out = tmp_path / "d.h"
    bpfgen("-a", "x86_64", "-o", out, "--caps", "none", "--kernel", "5.4", "--typed",
           *NATIVE, DOCKER, check=0)
    h = out.read_text()
    assert "--caps none --kernel 5.4 --typed --no-enosys-stub --abi native" in h
    assert bpfgen("-a", "x86_64", "--check", out, "--caps", "none", "--kernel", "5.4",
                  "--typed", *NATIVE, DOCKER).returncode == 0
    assert bpfgen("-a", "x86_64", "--check", out, "--caps", "all", "--kernel", "5.4",
                  "--typed", *NATIVE, DOCKER).returncode == 1


def test_typed_compares_what_the_kernel_reads_and_says_so(tmp_path):
    r = bpfgen("-a", "x86_64", "-f", "policy", "--typed", "--abi", "native", DOCKER, check=0)
    assert "allow: socket if family < 0x26\n" in r.stdout
    assert "allow: personality if personality == 0xffffffff\n" in r.stdout
    assert ("x86_64: --typed: socket family < 0x26 ($.syscalls[2].args[0]) compares "
            "family as the kernel reads it (int, 32 bits, signed order)") in r.stderr
    # clone's flags are an unsigned long: the same compare as runc's.
    assert "clone_flags & 0x7e020000 == 0" in r.stdout
    assert "--typed: clone" not in r.stderr
    # personality(0x1_ffffffff): runc compares 64 bits (denied), the kernel
    # reads 0xffffffff (a query): --typed allows it.
    p = json.loads(DOCKER.read_text())
    runc_like = decide(tmp_path, p, [("personality", 0x1ffffffff)])
    typed = decide(tmp_path, p, [("personality", 0x1ffffffff)],
                   opts=NATIVE + ("--typed",))
    assert (runc_like, typed) == (["errno(1)"], ["allow"])


def test_socketcall_option_and_summary(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ERRNO", "archMap": [
        {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
        "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW",
                      "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}
    text, err = text_of(tmp_path, p)
    assert "abi x86_64: native, i386\n" in text and "socketcall fail-open" not in text
    assert ("i386: socketcall(socket) ($.syscalls[0]): the rule's conditions are on "
            "arguments socketcall passes in memory, so this allow rule does not apply "
            "to it (fail closed") in err
    text, err = text_of(tmp_path, p, "--socketcall", "fail-open")
    assert "\nsocketcall fail-open\n" in text
    assert "let through unchecked (--socketcall fail-open)" in err


def test_compiler_warnings_name_the_json_path(tmp_path):
    p = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["ioctl"], "action": "SCMP_ACT_KILL_PROCESS",
         "args": [{"index": 1, "value": 0x5412, "op": "SCMP_CMP_EQ"}]}]}
    r = bpfgen("-a", "x86_64", "-o", tmp_path / "f.h", *NATIVE, profile(tmp_path, p), check=0)
    assert re.search(r"p\.json\[x86_64\]:\d+:\d+: \$\.syscalls\[0\]\.args\[0\]: warning: "
                     r"arg64\(\) compares all 64 bits of ioctl's 32-bit parameter", r.stderr)
    assert "p.json: note: runc compares whole registers, hence arg64(): --typed" in r.stderr


def test_summary_says_where_the_result_differs_from_runc(tmp_path):
    r = bpfgen("-a", "x86_64", "-f", "policy", DOCKER, check=0)
    assert ("docker-default.json: note: x86_64 (ABIs x86_64, i386, x32): no deliberate "
            "difference from runc") in r.stderr
    n = bpfgen("-a", "x86_64", "-f", "policy", *NATIVE, DOCKER, check=0)
    assert "where the filter differs from runc's on purpose:" in n.stderr
    assert "x86_64: no -ENOSYS stub (--no-enosys-stub)" in n.stderr
    assert "i386, x32: not accepted (--abi native)" in n.stderr


def test_other_abis_get_runcs_bad_arch_action(tmp_path):
    """runc leaves libseccomp's bad-architecture action: kill-thread."""
    p = json.loads(DOCKER.read_text())
    prog = tmp_path / "f.bpf"
    bpfgen("-a", "x86_64", "-f", "raw", "-o", prog, *NATIVE, profile(tmp_path, p), check=0)
    r = subprocess.run([str(BUILD / "bpfsim"), "--batch", str(prog)], text=True,
                       input="0 40000003 0 0 0 0 0 0\n40000000 c000003e 0 0 0 0 0 0\n"
                             "0 c000003e 0 0 0 0 0 0\n", capture_output=True)
    assert [ln.split()[0] for ln in r.stdout.splitlines()] == \
        ["kill-thread", "kill-thread", "allow"]
