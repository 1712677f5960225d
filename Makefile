# bpfgen: the one Makefile. `make` builds the compiler and the tools into
# build/; `make test` is what CI runs (see README).

CC       ?= cc
BUILD    ?= build
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
CPPFLAGS += -I.
LDLIBS   ?=
PYTEST   ?= /usr/bin/python3 -m pytest
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ifeq ($(SANITIZE),1)
CFLAGS  += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif

# Programs: tools/DIR/NAME.c holds NAME's main(), built as build/NAME.
# Each folder under tools/ is one subsystem: bpf/ the bytecode tools over
# the BPF machine, diff/ bpfdiff, audit/ seccomp-audit, record/
# syscall-record and the policy writer seccomp-audit shares.
PROGRAMS := tools/bpf/bpfsim tools/bpf/bpfdis tools/bpf/bpfasm \
            tools/diff/bpfdiff tools/audit/seccomp-audit \
            tools/record/syscall-record tools/scan/syscall-scan
TOOLS    := $(addprefix $(BUILD)/,$(notdir $(PROGRAMS)))

# Library code: arch/ (architectures, generated tables), bpf/ (the BPF
# machine the compiler and the tools share: seccomp's encodings, the
# emulator and checker, assembler, disassembler), bpfgen/ (the compiler
# but its main.c), import/ (container profiles to policy text, through
# json-c) and every other .c file of a tools/ subsystem. Arrows go one
# way: tools/ -> bpfgen/ -> bpf/ -> arch/, and bpfgen/main.c -> import/ ->
# arch/.
LIB_SRC := $(wildcard arch/*.c) $(wildcard bpf/*.c) \
           $(filter-out bpfgen/main.c,$(wildcard bpfgen/*.c)) $(wildcard import/*.c) \
           $(filter-out $(PROGRAMS:%=%.c),$(wildcard tools/audit/*.c tools/diff/*.c tools/bpf/*.c tools/record/*.c))
# syscall-record's supervisor installs its filter through the runtime.
LIB_SRC += runtime/bpfrt.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB     := $(BUILD)/libbpfgen.a

# Test helper programs: tests/e2e/helpers/NAME.c -> build/tests/NAME.
HELPER_SRC := $(wildcard tests/e2e/helpers/*.c)
HELPERS    := $(HELPER_SRC:tests/e2e/helpers/%.c=$(BUILD)/tests/%)

UNIT_SRC := $(filter-out tests/unit/test_scan_%.c,$(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
UNIT     := $(BUILD)/unit-tests
# syscall-scan's unit tests link its objects and capstone: a binary of
# their own, so that neither is in unit-tests (nor in libbpfgen.a).
SCAN_UNIT_SRC := $(wildcard tests/unit/test_scan_*.c)
SCAN_UNIT     := $(BUILD)/unit-tests-scan

.PHONY: all check unit e2e check-sanitize test clean
all: $(BUILD)/bpfgen $(TOOLS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# bpfgen reads container profiles (JSON) through json-c.
$(BUILD)/bpfgen: $(BUILD)/obj/bpfgen/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -ljson-c

define program
$(BUILD)/$(notdir $(1)): $(BUILD)/obj/$(1).o $(LIB)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,$(filter-out tools/scan/syscall-scan,$(PROGRAMS)),$(eval $(call program,$(p))))

# seccomp-audit reads journalctl's JSON output through json-c.
$(BUILD)/seccomp-audit: LDLIBS += -ljson-c
# syscall-record writes --json through json-c.
$(BUILD)/syscall-record: LDLIBS += -ljson-c -lpthread

# syscall-scan disassembles with capstone: its files are linked into it
# alone, never into libbpfgen.a (the compiler must not need capstone).
SCAN_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/scan/*.c))
$(BUILD)/syscall-scan: $(SCAN_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcapstone

$(BUILD)/tests/%: tests/e2e/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(UNIT): $(UNIT_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion -ljson-c

$(SCAN_UNIT): $(SCAN_UNIT_SRC:%.c=$(BUILD)/obj/%.o) \
		$(filter-out $(BUILD)/obj/tools/scan/syscall-scan.o,$(SCAN_OBJ)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion -lcapstone

unit: $(UNIT) $(SCAN_UNIT)
	$(UNIT)
	$(SCAN_UNIT)

e2e: all $(HELPERS)
	BPFGEN_BUILD=$(abspath $(BUILD)) $(if $(filter 1,$(SANITIZE)),BPFGEN_DIFF_WITNESS_EVERY=8) \
		$(PYTEST) -q tests/e2e

check: unit e2e

# The whole suite again under AddressSanitizer and UBSan, in its own tree.
check-sanitize:
	$(MAKE) BUILD=build/san SANITIZE=1 check

# Everything CI runs.
test: check check-sanitize check-aarch64 fuzz-ci

clean:
	rm -rf build

# ---- Runtime, target programs, demo, aarch64 live tests (issue 3) ---------
# Programs that install filters run on the target machine. With
# `make CROSS_COMPILE=aarch64-linux-gnu-` they are built static by
# $(CROSS_COMPILE)gcc into build/aarch64/, while the compiler and the tools,
# which run here, keep using $(CC). (TARGET_MACHINE, not make's built-in
# TARGET_ARCH, which the implicit rules pass to the compiler.)
# They never get sanitizer flags: LeakSanitizer's work at exit makes system
# calls that the installed filter may kill.
TARGET_CC      := $(if $(CROSS_COMPILE),$(CROSS_COMPILE)gcc,$(CC))
TARGET_MACHINE := $(firstword $(subst -, ,$(shell $(TARGET_CC) -dumpmachine)))
TARGET_DIR     := $(BUILD)/$(TARGET_MACHINE)
TARGET_CFLAGS   = $(CPPFLAGS) -I$(GEN) $(filter-out $(SAN_FLAGS),$(CFLAGS))
TARGET_LDFLAGS  = $(filter-out $(SAN_FLAGS),$(LDFLAGS)) $(if $(CROSS_COMPILE),-static)
ARM32_CC       ?= arm-linux-gnueabihf-gcc
GEN            := $(BUILD)/gen
RT_SRC         := runtime/bpfrt.c tools/demo/auditlog.c
RT_DEPS        := $(RT_SRC) runtime/bpfrt.h tools/demo/auditlog.h \
                  $(GEN)/rt_actions.h $(GEN)/rt_args.h $(GEN)/rt_typed.h $(GEN)/rt_abi.h \
                  $(GEN)/pvf_worker.h $(GEN)/pvf_worker_log.h
TARGET_PROGS   := $(TARGET_DIR)/demo $(TARGET_DIR)/rt_live $(TARGET_DIR)/runtime/libbpfrt.a

.PHONY: target-programs demo check-aarch64
target-programs: $(TARGET_PROGS)
e2e: $(TARGET_DIR)/demo
ifdef CROSS_COMPILE
all: target-programs
endif

# Filters as C headers, for both architectures; bpfgen writes -o only on success.
$(GEN)/rt_%.h: tests/e2e/policies/rt_%.policy $(BUILD)/bpfgen
	@mkdir -p $(dir $@)
	$(BUILD)/bpfgen -f c -n rt_$* -o $@ $<
$(GEN)/pvf_worker.h: policies/pvf-worker.policy $(BUILD)/bpfgen
	@mkdir -p $(dir $@)
	$(BUILD)/bpfgen -f c -n pvf_worker -o $@ $<
$(GEN)/pvf_worker_log.h: policies/pvf-worker.policy $(BUILD)/bpfgen
	@mkdir -p $(dir $@)
	$(BUILD)/bpfgen -f c -n pvf_worker_log --log-only -o $@ $<

# Test helpers named rt_* install filters: no sanitizers, runtime linked in.
$(BUILD)/tests/rt_%: tests/e2e/helpers/rt_%.c $(RT_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) -o $@ $< $(RT_SRC) -lpthread

# Programs syscall-record's tests record and then run under the recorded
# policy: no sanitizers either (their work at exit is no part of the test).
$(BUILD)/tests/record_%: tests/e2e/helpers/record_%.c
	@mkdir -p $(dir $@)
	$(CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) -o $@ $< -lpthread

$(TARGET_DIR)/rt_live: tests/e2e/helpers/rt_live.c $(RT_DEPS)
	@mkdir -p $(dir $@)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) -o $@ $< $(RT_SRC) -lpthread

$(TARGET_DIR)/demo: tools/demo/demo.c $(RT_DEPS)
	@mkdir -p $(dir $@)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) -o $@ $< $(RT_SRC)

# syscall-record, bpfgen and the program they record, for the aarch64 VM
# (make check-aarch64 records there, compiles the policy there and runs
# the program under it): the library's sources compiled by $(TARGET_CC),
# static, without json-c (--json says so).
TARGET_LIB_SRC := $(wildcard arch/*.c) $(wildcard bpf/*.c) \
                  $(filter-out bpfgen/main.c,$(wildcard bpfgen/*.c))
TARGET_LIB_HDR := $(wildcard arch/*.h bpf/*.h bpfgen/*.h tools/record/*.h import/*.h)
RECORD_SRC     := $(filter-out tools/record/record_json.c,$(wildcard tools/record/*.c))
RECORD_TARGETS := $(TARGET_DIR)/syscall-record $(TARGET_DIR)/bpfgen \
                  $(TARGET_DIR)/record_workload
.PHONY: record-targets
record-targets: $(RECORD_TARGETS)
$(TARGET_DIR)/syscall-record: $(RECORD_SRC) $(TARGET_LIB_SRC) $(TARGET_LIB_HDR) runtime/bpfrt.c
	@mkdir -p $(dir $@)
	$(TARGET_CC) $(TARGET_CFLAGS) -DRECORD_NO_JSON $(TARGET_LDFLAGS) -o $@ \
		$(RECORD_SRC) $(TARGET_LIB_SRC) runtime/bpfrt.c -lpthread
# (without json-c: it refuses container profiles, saying so)
$(TARGET_DIR)/bpfgen: bpfgen/main.c $(TARGET_LIB_SRC) $(TARGET_LIB_HDR) $(wildcard import/*.c)
	@mkdir -p $(dir $@)
	$(TARGET_CC) $(TARGET_CFLAGS) -DIMPORT_NO_JSON $(TARGET_LDFLAGS) -o $@ bpfgen/main.c \
		$(TARGET_LIB_SRC) $(wildcard import/*.c)
$(TARGET_DIR)/record_workload: tests/e2e/helpers/record_workload.c
	@mkdir -p $(dir $@)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) -o $@ $< -lpthread

# 32-bit ARM programs for the aarch64 VM: rt_arm32's calls must hit
# on-bad-arch; rt_arm32_abi's are decided by a filter that accepts arm.
$(BUILD)/aarch64/rt_arm32 $(BUILD)/aarch64/rt_arm32_abi: $(BUILD)/aarch64/%: tests/aarch64/%.c
	@mkdir -p $(dir $@)
	$(ARM32_CC) -static $(filter-out $(SAN_FLAGS),$(CFLAGS)) -o $@ $<

# The worker demo: enforcing, then log-only. Cross builds are only built.
demo: $(TARGET_DIR)/demo
ifdef CROSS_COMPILE
	@echo "demo: built $< for $(TARGET_MACHINE); run it there (and with --log-only)"
else
	$<
	$< --log-only
endif

# Boots Debian's arm64 kernel under qemu with the aarch64 test programs as
# /init (tests/aarch64/check.py; fetches the kernel into build/ once), then
# again to check syscall-scan's static set against what its test programs
# make on that kernel (tests/e2e/scan/aarch64_live.py).
check-aarch64: $(BUILD)/bpfgen $(BUILD)/syscall-scan
	/usr/bin/python3 tests/aarch64/check.py --build $(BUILD) --make "$(MAKE)"
	/usr/bin/python3 tests/e2e/scan/aarch64_live.py --build $(BUILD) --make "$(MAKE)"

# ---- make install / uninstall (issue 7) -----------------------------------
# `make install [PREFIX=/usr/local] [DESTDIR=/staging]` puts
#   the tools                     in $(BINDIR)
#   the runtime's header          in $(INCLUDEDIR)/bpfgen/bpfrt.h
#   the runtime as a library      in $(LIBDIR)/libbpfrt.a
#   its pkg-config file           in $(LIBDIR)/pkgconfig/bpfrt.pc
#   the runtime's two source files, for vendoring, in $(DATADIR)/bpfgen/runtime/
#   the man pages (man/*.1, man/*.5) in $(MANDIR)/man1, man5.
# `make uninstall` with the same PREFIX and DESTDIR removes exactly those
# files, and the directories only bpfgen uses.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR     ?= $(PREFIX)/lib
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
INSTALL    ?= install
INST_TOOLS := bpfgen bpfsim bpfdis bpfasm bpfdiff seccomp-audit syscall-record \
              syscall-scan
MAN1       := $(notdir $(wildcard man/*.1))
MAN5       := $(notdir $(wildcard man/*.5))
# The runtime library is for the programs that install filters: built by
# $(TARGET_CC), so `make CROSS_COMPILE=aarch64-linux-gnu- install` installs
# an aarch64 libbpfrt.a (next to tools that run here).
RT_LIB     := $(TARGET_DIR)/runtime/libbpfrt.a
TARGET_AR  := $(if $(CROSS_COMPILE),$(CROSS_COMPILE)ar,$(AR))
VERSION     = $(shell sed -n 's/^\#define BPFGEN_VERSION "\(.*\)"/\1/p' bpfgen/version.h)

.PHONY: install uninstall
# The installed runtime runs in target programs: no sanitizers.
$(TARGET_DIR)/runtime/bpfrt.o: runtime/bpfrt.c runtime/bpfrt.h
	@mkdir -p $(dir $@)
	$(TARGET_CC) $(filter-out $(SAN_FLAGS),$(CFLAGS)) -fPIC -c -o $@ $<

$(RT_LIB): $(TARGET_DIR)/runtime/bpfrt.o
	rm -f $@
	$(TARGET_AR) rcs $@ $^

install: $(addprefix $(BUILD)/,$(INST_TOOLS)) $(RT_LIB)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR)/bpfgen \
		$(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(DATADIR)/bpfgen/runtime \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 755 $(addprefix $(BUILD)/,$(INST_TOOLS)) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 644 runtime/bpfrt.h $(DESTDIR)$(INCLUDEDIR)/bpfgen
	$(INSTALL) -m 644 $(RT_LIB) $(DESTDIR)$(LIBDIR)
	$(INSTALL) -m 644 runtime/bpfrt.c runtime/bpfrt.h $(DESTDIR)$(DATADIR)/bpfgen/runtime
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		runtime/bpfrt.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/bpfrt.pc
	$(INSTALL) -m 644 $(addprefix man/,$(MAN1)) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(addprefix man/,$(MAN5)) $(DESTDIR)$(MANDIR)/man5

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(INST_TOOLS)) \
		$(DESTDIR)$(INCLUDEDIR)/bpfgen/bpfrt.h \
		$(DESTDIR)$(LIBDIR)/libbpfrt.a $(DESTDIR)$(LIBDIR)/pkgconfig/bpfrt.pc \
		$(DESTDIR)$(DATADIR)/bpfgen/runtime/bpfrt.c \
		$(DESTDIR)$(DATADIR)/bpfgen/runtime/bpfrt.h \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(MAN1)) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(MAN5))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/bpfgen $(DESTDIR)$(DATADIR)/bpfgen/runtime \
		$(DESTDIR)$(DATADIR)/bpfgen 2>/dev/null

# ---- Benchmarks against libseccomp (issue 6) --------------------------------
# `make bench` compiles bench/policies/* and the worker policy with bpfgen
# and with libseccomp (python3-seccomp, optimize 1 and 2) for x86_64 and
# aarch64, counts instructions in bpfsim, times compilation, measures one
# argument-dependent syscall's latency live, syscall-record's overhead
# against strace -f, and prints the table; then syscall-scan's numbers, and
# the container profiles imported next to runc's libseccomp filters.
# Not part of `make test`; `make bench-smoke` is a quick run of the same.
BENCH_PY := /usr/bin/python3 bench/bench.py --build $(BUILD)

.PHONY: bench bench-smoke
$(BUILD)/bench/latency: bench/latency.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(filter-out $(SAN_FLAGS),$(CFLAGS)) -o $@ $<

# The compiler timed in-process, without the cost of starting a program.
$(BUILD)/bench/compile_time: $(BUILD)/obj/bench/compile_time.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

BENCH_DEPS := $(BUILD)/bpfgen $(BUILD)/bpfsim $(BUILD)/bpfdis \
              $(BUILD)/bench/latency $(BUILD)/bench/compile_time \
              $(BUILD)/syscall-record $(BUILD)/tests/record_workload
bench: $(BENCH_DEPS) $(BUILD)/syscall-scan
	$(BENCH_PY) --json $(BUILD)/bench/results.json
	/usr/bin/python3 bench/scan_bench.py --build $(BUILD) --json $(BUILD)/bench/scan.json
	/usr/bin/python3 bench/import_bench.py --build $(BUILD) --json $(BUILD)/bench/import.json

bench-smoke: $(BENCH_DEPS)
	$(BENCH_PY) --quick
	/usr/bin/python3 bench/import_bench.py --build $(BUILD)

# ---- Assurance: fuzzing and the long differential campaign (issue 5) ------
# libFuzzer harnesses tests/fuzz/fuzz_NAME.c -> build/fuzz/fuzz_NAME, built
# by clang with ASan+UBSan together with the library sources (compiled again
# by clang into build/fuzz/obj; the gcc objects are not reused).
#   make fuzz-ci    every harness for FUZZ_TIME seconds (CI: part of `test`),
#                   after replaying its seeds and its crash regressions
#   make fuzz       the same for FUZZ_LONG seconds each (FUZZERS=... to pick)
# Seeds: tests/fuzz/corpus/NAME/ (committed). What the fuzzer learns goes to
# build/fuzz/corpus/NAME/, crashes to build/fuzz/crashes/; a crash, once
# fixed, is committed to tests/fuzz/regress/NAME/ and replayed by fuzz-ci.
#   make diff-long  the differential test against libseccomp over DIFF_COUNT
#                   random policies from DIFF_SEED (default: from the clock)
FUZZ_CC     ?= clang
FUZZ_DIR    := $(BUILD)/fuzz
FUZZ_TIME   ?= 60
FUZZ_LONG   ?= 3600
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -g -O1 $(FUZZ_SAN)
FUZZ_OBJ    := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZERS     ?= $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OPTS   := -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1
DIFF_COUNT  ?= 100000
DIFF_SEED   ?=

.PHONY: fuzz fuzz-ci fuzz-build diff-long
# Objects of the fuzz build are kept, not treated as intermediate files.
.SECONDARY: $(FUZZ_OBJ)
$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ -ljson-c

fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZERS))

# $(1): seconds per harness. Regressions and seeds are replayed first (a
# file argument runs once); then the fuzzer runs on its corpus.
define run_fuzzers
	@set -e; for f in $(FUZZERS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$f $(FUZZ_DIR)/crashes; \
	  echo "== $$f: replaying seeds and regressions"; \
	  $(FUZZ_DIR)/$$f $(FUZZ_OPTS) $$(find tests/fuzz/corpus/$$f tests/fuzz/regress/$$f \
	    -type f 2>/dev/null) > $(FUZZ_DIR)/$$f.replay.log 2>&1 || \
	    { tail -40 $(FUZZ_DIR)/$$f.replay.log; exit 1; }; \
	  echo "== $$f: fuzzing for $(1) s (log: $(FUZZ_DIR)/$$f.log)"; \
	  $(FUZZ_DIR)/$$f $(FUZZ_OPTS) -max_total_time=$(1) \
	    -artifact_prefix=$(FUZZ_DIR)/crashes/$$f- \
	    $(FUZZ_DIR)/corpus/$$f tests/fuzz/corpus/$$f > $(FUZZ_DIR)/$$f.log 2>&1 || \
	    { tail -60 $(FUZZ_DIR)/$$f.log; \
	      echo "$$f: crash saved in $(FUZZ_DIR)/crashes/ (add it to tests/fuzz/regress/$$f/ once fixed)"; \
	      exit 1; }; \
	  grep -h 'stat::number_of_executed_units\|Done' $(FUZZ_DIR)/$$f.log | tail -2; \
	done
endef

fuzz-ci: fuzz-build
	$(call run_fuzzers,$(FUZZ_TIME))

fuzz: fuzz-build
	$(call run_fuzzers,$(FUZZ_LONG))

diff-long: $(BUILD)/bpfgen $(BUILD)/bpfsim $(BUILD)/bpfdiff
	BPFGEN_BUILD=$(abspath $(BUILD)) /usr/bin/python3 tests/diff/difftest.py \
		--count $(DIFF_COUNT) $(if $(DIFF_SEED),--seed $(DIFF_SEED))

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
