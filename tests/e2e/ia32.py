"""Does this kernel run i386 system calls (int 0x80) at all?

CONFIG_IA32_EMULATION can be built in and still be refused: the kernel's
ia32_emulation=0, or a virtual machine (this project's CI machine is a
Firecracker/PVM guest whose int 0x80 raises SIGSEGV) stops the ABI before
any filter runs. Then no i386 call can reach a syscall, filtered or not,
and a test cannot watch the filter decide one live. Tests of i386 calls
then check two things instead of skipping: that an unfiltered int 0x80
is refused with SIGSEGV on this kernel (so nothing gets around the
filter), and the filter's decision for the call in the emulator, which
is checked against the kernel wherever the ABI runs. Each such test says
so with a warning."""
import functools
import os
import subprocess
import tempfile
import warnings

# One instruction, "ret allow": struct sock_filter { 0x06, 0, 0, 0x7fff0000 }.
ALLOW_ALL = bytes([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f])
I386_GETPID = 20
REFUSED = ("int 0x80 is refused by this kernel (SIGSEGV without any filter): "
           "i386 calls cannot run here, filtered or not; the filter's decision "
           "was checked in the emulator instead")


@functools.lru_cache(maxsize=None)
def available(tryfilter):
    """True when int 0x80 runs; False when this kernel refuses it (and
    only then: anything else is an error)."""
    with tempfile.NamedTemporaryFile(suffix=".bpf", delete=False) as f:
        f.write(ALLOW_ALL)
    try:
        # A sanitizer build of tryfilter must not catch the SIGSEGV itself.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                     "handle_segv=0"]))
        r = subprocess.run([tryfilter, "--i386", f.name, str(I386_GETPID)],
                           capture_output=True, text=True, timeout=30, env=env)
    finally:
        os.unlink(f.name)
    assert r.returncode == 0, r.stderr
    out = r.stdout.strip()
    if out.startswith("ret "):
        return True
    assert out == "killed SEGV", "unexpected result of an unfiltered int 0x80: " + out
    return False


def note_refused():
    warnings.warn(REFUSED)
