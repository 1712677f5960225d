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
test: check check-sanitize

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
