# The live enforcement cases of tests/e2e/helpers/rt_live.c that must
# report "ok", per architecture. A case missing from the output fails too.

COMMON = [
    # every action (tests/e2e/policies/rt_actions.policy)
    "action-allow", "action-errno", "action-kill-process",
    "action-kill-thread", "action-trap", "action-log", "action-log-audited",
    "action-trace-no-tracer", "action-notify-no-listener", "action-notify",
    # 64-bit argument conditions (tests/e2e/policies/rt_args.policy)
    "args-eq-match", "args-eq-low-differs", "args-eq-high-differs",
    "args-eq-low-only", "args-gt-high-word", "args-gt-high-only",
    "args-gt-equal", "args-mask-match", "args-mask-other-bits",
    "args-mask-no-match", "args-mask-low-word", "args-lo32-match",
    "args-lo32-plain", "args-lo32-no-match", "args-and-match",
    "args-and-max", "args-and-second-fails", "args-and-second-high",
    "args-and-first-fails", "args-ne-le-match", "args-ne-high-only",
    "args-ne-zero", "args-le-above",
    # typed compares (tests/e2e/policies/rt_typed.policy): high bits of
    # 32-bit parameters neither bypass a deny rule nor break an allow rule
    "typed-ioctl-tiocsti", "typed-ioctl-tiocsti-high-bits",
    "typed-ioctl-tiocsti-all-high", "typed-ioctl-other-cmd",
    "typed-socket-inet-high-bits", "typed-socket-inet",
    "typed-socket-high-bits-unfiltered",
    "typed-fcntl-getfd-high-bits", "typed-fcntl-getfd",
    "typed-fcntl-other-cmd", "typed-fcntl-high-bits-other-cmd",
    # the shipped worker policy (policies/pvf-worker.policy)
    "worker-socket", "worker-socketpair", "worker-connect",
    "worker-io-uring-setup", "worker-io-uring-enter",
    "worker-io-uring-register", "worker-getpid-allowed",
    "worker-bind-not-listed", "worker-socket-unfiltered",
    # a filter accepting the 32-bit ABIs (tests/e2e/policies/rt_abi.policy)
    "abi-native-socket-inet6", "abi-native-socket-unix", "abi-native-connect",
    "abi-native-getppid",
    # TSYNC with threads that exist before the install
    "tsync-other-thread", "tsync-without-flag", "tsync-conflict-tid",
    "tsync-conflict-esrch",
    # runtime results and error paths
    "runtime-bad-programs", "runtime-no-nnp-unprivileged",
    "runtime-two-listeners", "runtime-action-available",
    "runtime-flags-log-spec-allow", "runtime-prctl-fallback",
]

X86_64 = COMMON + [
    "worker-i386-int80", "worker-i386-int80-unfiltered", "worker-x32-getpid",
    "abi-i386-int80-getpid", "abi-x32-socket-inet6", "abi-x32-getppid", "abi-x32-ptrace",
]

AARCH64 = COMMON + [
    "worker-arm32-exec", "worker-arm32-unfiltered",
    # an armhf program's own calls under rt_abi.policy (abi aarch64:
    # native, arm), each checked; and killed where arm is not accepted
    "abi-arm32", "abi-arm32-not-accepted",
    # syscall-record on the arm64 kernel: record a threaded, forking
    # program, compile the policy there, enforce it; the arm32 program's
    # calls are reported as a foreign ABI
    "record-workload", "record-enforce-workload", "record-enforce-extra-killed",
    "record-arm32-foreign",
    # the filter vendored into Go and Rust (bpfgen -f go, -f rust), installed
    # by the package's own install on every thread of the program
    "vendored-go-tsync", "vendored-go-kill",
    "vendored-rust-tsync", "vendored-rust-kill",
]
