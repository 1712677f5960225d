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

# Library code shared by the compiler and the tools. Every .c file under
# arch/, bpfgen/ (except main.c) and tools/lib/ is part of it.
LIB_SRC := $(wildcard arch/*.c) \
           $(filter-out bpfgen/main.c,$(wildcard bpfgen/*.c)) \
           $(wildcard tools/lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB     := $(BUILD)/libbpfgen.a

# Each tools/NAME.c is a program: build/NAME.
TOOL_SRC := $(wildcard tools/*.c)
TOOLS    := $(TOOL_SRC:tools/%.c=$(BUILD)/%)

# Test helper programs: tests/e2e/helpers/NAME.c -> build/tests/NAME.
HELPER_SRC := $(wildcard tests/e2e/helpers/*.c)
HELPERS    := $(HELPER_SRC:tests/e2e/helpers/%.c=$(BUILD)/tests/%)

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
UNIT     := $(BUILD)/unit-tests

.PHONY: all check unit e2e check-sanitize test clean
all: $(BUILD)/bpfgen $(TOOLS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bpfgen: $(BUILD)/obj/bpfgen/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%: $(BUILD)/obj/tools/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# seccomp-audit reads journalctl's JSON output through json-c.
$(BUILD)/seccomp-audit: LDLIBS += -ljson-c

$(BUILD)/tests/%: tests/e2e/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(UNIT): $(UNIT_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion -ljson-c

unit: $(UNIT)
	$(UNIT)

e2e: all $(HELPERS)
	BPFGEN_BUILD=$(abspath $(BUILD)) $(PYTEST) -q tests/e2e

check: unit e2e

# The whole suite again under AddressSanitizer and UBSan, in its own tree.
check-sanitize:
	$(MAKE) BUILD=build/san SANITIZE=1 check

# Everything CI runs.
test: check check-sanitize check-aarch64

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
                  $(GEN)/rt_actions.h $(GEN)/rt_args.h \
                  $(GEN)/pvf_worker.h $(GEN)/pvf_worker_log.h
TARGET_PROGS   := $(TARGET_DIR)/demo $(TARGET_DIR)/rt_live

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

$(TARGET_DIR)/rt_live: tests/e2e/helpers/rt_live.c $(RT_DEPS)
	@mkdir -p $(dir $@)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) -o $@ $< $(RT_SRC) -lpthread

$(TARGET_DIR)/demo: tools/demo/demo.c $(RT_DEPS)
	@mkdir -p $(dir $@)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) -o $@ $< $(RT_SRC)

# A 32-bit ARM program for the aarch64 VM (its calls must hit on-bad-arch).
$(BUILD)/aarch64/rt_arm32: tests/aarch64/rt_arm32.c
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
# /init (tests/aarch64/check.py; fetches the kernel into build/ once).
check-aarch64: $(BUILD)/bpfgen
	/usr/bin/python3 tests/aarch64/check.py --build $(BUILD) --make "$(MAKE)"

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
INST_TOOLS := bpfgen bpfsim bpfdis bpfasm bpfdiff seccomp-audit
MAN1       := $(notdir $(wildcard man/*.1))
MAN5       := $(notdir $(wildcard man/*.5))
RT_LIB     := $(BUILD)/runtime/libbpfrt.a
VERSION     = $(shell sed -n 's/^\#define BPFGEN_VERSION "\(.*\)"/\1/p' bpfgen/version.h)

.PHONY: install uninstall
# The installed runtime runs in target programs: no sanitizers.
$(BUILD)/runtime/bpfrt.o: runtime/bpfrt.c runtime/bpfrt.h
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(SAN_FLAGS),$(CFLAGS)) -fPIC -c -o $@ $<

$(RT_LIB): $(BUILD)/runtime/bpfrt.o
	rm -f $@
	$(AR) rcs $@ $^

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
# argument-dependent syscall's latency live, and prints the table.
# Not part of `make test`; `make bench-smoke` is a quick run of the same.
BENCH_PY := /usr/bin/python3 bench/bench.py --build $(BUILD)

.PHONY: bench bench-smoke
$(BUILD)/bench/latency: bench/latency.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(filter-out $(SAN_FLAGS),$(CFLAGS)) -o $@ $<

bench: $(BUILD)/bpfgen $(BUILD)/bpfsim $(BUILD)/bpfdis $(BUILD)/bench/latency
	$(BENCH_PY) --json $(BUILD)/bench/results.json

bench-smoke: $(BUILD)/bpfgen $(BUILD)/bpfsim $(BUILD)/bpfdis $(BUILD)/bench/latency
	$(BENCH_PY) --quick

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
