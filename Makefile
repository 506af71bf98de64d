# sftkit — build, test, sample, dataset, bench, install.
#
# Sources are found by pattern, so adding a module or a tool never needs an
# edit here:
#   src/lib/**/*.c          -> build/<variant>/libsftkit.a
#   src/tools/<tool>.c      -> bin/<tool>                (SANITIZE=1: build/asan/bin/<tool>)
#   tests/unit/test_*.c     -> build/<variant>/tests/test_*
#   tests/fuzz/fuzz_*.c     -> build/fuzz/fuzz_*         (clang -fsanitize=fuzzer)
#   tests/cli/*.sh          run by tests/run.sh
#   tests/bench/*.sh        run by `make bench`

VERSION   = 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKG_CONFIG ?= pkg-config

# The pkg-config modules, kept once in src/packages.txt with the Debian packages.
PKGS := $(shell sh src/deps.sh --modules)

ifeq ($(SANITIZE),1)
VARIANT  = asan
BINDIR   = build/asan/bin
OPT      = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSAN    = -fsanitize=address,undefined
else ifeq ($(SANITIZE),thread)
VARIANT  = tsan
BINDIR   = build/tsan/bin
OPT      = -O1 -g -fsanitize=thread
LDSAN    = -fsanitize=thread
else
VARIANT  = release
BINDIR   = bin
OPT      = -O2 -g
LDSAN    =
endif

BUILD    = build/$(VARIANT)
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(OPT) -Isrc/lib $(PKG_CFLAGS) \
             -DSFTKIT_VERSION='"$(VERSION)"' $(CFLAGS)
LIBS_ALL   = $(PKG_LIBS) -ljq -lm -lpthread $(LDSAN) $(LDFLAGS) $(LDLIBS)

LIB_SRC   := $(shell find src/lib -name '*.c' | sort)
LIB_OBJ   := $(LIB_SRC:src/lib/%.c=$(BUILD)/obj/%.o)
TOOL_SRC  := $(sort $(wildcard src/tools/*.c))
TOOLS     := $(TOOL_SRC:src/tools/%.c=$(BINDIR)/%)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS   := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
REPLAYS   := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)
MANS      := $(sort $(wildcard man/man1/*.1))

.PHONY: all deps deps-test check check-unit sample dataset bench fuzz fuzz-build install uninstall clean distclean lint-man tsan jinja-diff

all: $(TOOLS)

# Three lists (src/packages.txt): the build needs only the build one; make
# sample adds what the pipelines call; make check, fuzz and bench the test
# tools, which they install as root or name and skip without.
deps:
	@sh src/deps.sh all

deps-test:
	@sh src/deps.sh test

# The build dependency check is cheap; it runs before every build that needs the libraries.
$(BUILD)/.deps-ok: src/deps.sh src/packages.txt
	@sh src/deps.sh build
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: src/lib/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libsftkit.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BINDIR)/%: src/tools/%.c $(BUILD)/libsftkit.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -MF $(BUILD)/obj/tool-$*.d $< $(BUILD)/libsftkit.a $(LIBS_ALL) -o $@

$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h $(BUILD)/libsftkit.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/unit -MMD -MP -MF $(BUILD)/obj/unit-$*.d $< $(BUILD)/libsftkit.a $(LIBS_ALL) -o $@

# Each fuzz target as a plain program over its regression inputs and seeds
# (tests/fuzz/replay.c), run by tests/cli/fuzz-regress.sh.
$(BUILD)/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libsftkit.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Wno-unused-parameter -MMD -MP -MF $(BUILD)/obj/replay-$*.d $< tests/fuzz/replay.c $(BUILD)/libsftkit.a $(LIBS_ALL) -o $@

-include $(shell find build/$(VARIANT)/obj -name '*.d' 2>/dev/null)

check: $(TOOLS) $(UNITS) $(REPLAYS) deps-test
	@SFTKIT_BIN=$(CURDIR)/$(BINDIR) SFTKIT_UNITS="$(UNITS)" SFTKIT_REPLAY_DIR=$(BUILD)/tests SANITIZE=$(SANITIZE) sh tests/run.sh

sample: $(TOOLS)
	@sh src/deps.sh run
	@SFTKIT_BIN=$(CURDIR)/$(BINDIR) sh pipelines/build.sh sample

dataset: $(TOOLS)
	@sh src/deps.sh run
	@SFTKIT_BIN=$(CURDIR)/$(BINDIR) sh pipelines/build.sh dataset

# ThreadSanitizer over the threaded tools (tok-len -j, hf-fetch -j): the
# SANITIZE=thread variant's binaries, run by tests/tsan.sh.
tsan: deps-test
	@$(MAKE) --no-print-directory SANITIZE=thread build/tsan/bin/tok-len build/tsan/bin/hf-fetch
	@SFTKIT_BIN=$(CURDIR)/build/tsan/bin sh tests/tsan.sh

bench: $(TOOLS) deps-test
	@SFTKIT_BIN=$(CURDIR)/$(BINDIR) sh tests/bench/run.sh $(BENCH)

# The template engine against Python's jinja2 (set up as transformers sets it
# up) on random templates: `make jinja-diff SEED=7 N=20000`. A hand-run
# tool, not part of check: it needs Python 3 with jinja2 3.1 (see
# tests/jinja-diff/README.md).
SEED ?= 1
N ?= 5000
$(BUILD)/jinja-diff/jb: tests/jinja-diff/jb.c $(BUILD)/libsftkit.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $< $(BUILD)/libsftkit.a $(LIBS_ALL) -o $@
jinja-diff: $(BUILD)/jinja-diff/jb
	@JB=$(CURDIR)/$(BUILD)/jinja-diff/jb python3 tests/jinja-diff/run.py $(SEED) $(N) $(BUILD)/jinja-diff/mismatches-$(SEED).jsonl

# Fuzzing: `make fuzz FUZZ_SECONDS=600 FUZZ=fuzz_json` runs one target (all by default).
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/lib $(PKG_CFLAGS) -DSFTKIT_VERSION='"$(VERSION)"'
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $< $(LIB_SRC) $(PKG_LIBS) -ljq -lm -lpthread -o $@
$(FUZZERS): | deps-test
fuzz-build: $(FUZZERS)
# FUZZ names one target: only it is built (each build compiles the whole library)
fuzz: $(if $(FUZZ),build/fuzz/$(FUZZ),$(FUZZERS))
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ)

lint-man:
	@for m in $(MANS); do mandoc -Tlint -W warning $$m || exit 1; done

install: $(TOOLS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(MANS); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done

uninstall:
	for t in $(TOOLS:$(BINDIR)/%=%); do rm -f $(DESTDIR)$(PREFIX)/bin/$$t; done
	for m in $(MANS:man/man1/%=%); do rm -f $(DESTDIR)$(PREFIX)/share/man/man1/$$m; done

clean:
	rm -rf build/release build/asan build/tsan build/fuzz bin/[!.]*

distclean: clean
	rm -rf build tests/fuzz/corpus-*
