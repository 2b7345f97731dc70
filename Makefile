# sigil - build, test, install. See README.md.
CC      ?= cc
PKGS    := libuv libcjson sqlite3 libxxhash hiredis libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl is loaded at run time, when an HTTP remote cache is used (see cache/remote_http.c)
PKG_LIBS   := $(shell pkg-config --libs $(filter-out libcurl,$(PKGS)) 2>/dev/null) -ldl
# CFLAGS is the optimisation and instrumentation (override it freely);
# SG_CFLAGS is what every build needs.
CFLAGS  ?= -O2 -g
SG_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm -lpthread
PREFIX  ?= /usr/local
# The published error index (docs/errors.md), for the SARIF rules' helpUri:
# e.g. https://HOST/sigil/blob/main/docs/errors.md. Empty: the installed or
# source-tree copy, as a file URI.
DOCS_URL ?=
DESTDIR ?=
BUILD   ?= build

LIB_SRCS := $(wildcard checker/*.c) $(wildcard cache/*.c) $(wildcard protocol/*.c)
CLI_SRCS := $(wildcard server/*.c server/lsp/*.c)
# the language server, without the command line (for its fuzzer)
LSP_SRCS := $(wildcard server/lsp/*.c) server/dirwatch.c
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
# the standard library is built into the binary (server/embedded.h)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/std.o $(BUILD)/obj/gen/docs.o
TEST_SRCS := $(wildcard tests/unit/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)

.PHONY: all deps test-deps test unit conformance asan tsan fuzz fuzz-smoke soak bench install clean

all: $(BUILD)/sigil

$(BUILD)/sigil: $(LIB_OBJS) $(CLI_OBJS)
	$(CC) $(CFLAGS) $(SG_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/server/explain.o: SG_CFLAGS += -DSIGIL_DOCS_URL='"$(DOCS_URL)"'
$(BUILD)/obj/%.o: %.c $(wildcard checker/*.h cache/*.h protocol/*.h server/*.h server/lsp/*.h include/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SG_CFLAGS) -Iinclude -c -o $@ $<

# tools/embed.c writes the embedded files as C (a build tool: no sanitizers)
$(BUILD)/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/std.c: $(BUILD)/embed $(wildcard std/*.sg)
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ sg_embedded_std $(sort $(wildcard std/*.sg))

# and the error index, for --explain and the SARIF rules
$(BUILD)/gen/docs.c: $(BUILD)/embed docs/errors.md
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ sg_embedded_docs docs/errors.md

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c server/embedded.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SG_CFLAGS) -I. -c -o $@ $<

$(BUILD)/unit-tests: $(LIB_OBJS) $(TEST_OBJS)
	$(CC) $(CFLAGS) $(SG_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# drive the remote cache layer and the workspace lease for tests/remote
$(BUILD)/remote-driver: $(LIB_OBJS) $(BUILD)/obj/tests/remote/driver.o
	$(CC) $(CFLAGS) $(SG_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/lease-driver: $(LIB_OBJS) $(BUILD)/obj/tests/remote/lease_driver.o
	$(CC) $(CFLAGS) $(SG_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Debian/Ubuntu packages that building needs (make deps), and those that
# only the tests need (make test-deps, run by make test, asan, tsan,
# fuzz-smoke and bench, so a fresh machine needs no other command).
# `cmd:node:nodejs`: the command node, else the package nodejs.
DEB_PKGS  := build-essential pkg-config libuv1-dev libcjson-dev libsqlite3-dev libxxhash-dev \
             libhiredis-dev libcurl4-openssl-dev
TEST_PKGS := python3 clang neovim vim vim-ale emacs-nox elpa-eglot kakoune tmux redis-server nginx-light \
             cmd:node:nodejs cmd:npm:npm
deps:
	@sh tools/install-packages.sh $(DEB_PKGS)

test-deps:
	@sh tools/install-packages.sh $(DEB_PKGS) $(TEST_PKGS)
	@# the test clients' npm packages, from the committed lock files
	@for d in tests/lsp tests/sarif editors/vscode; do \
	  if [ ! -d $$d/node_modules ]; then (cd $$d && npm ci --no-audit --no-fund --loglevel=error) || exit 1; fi; done

# Every suite; the last line is "N passed, N failed[, N skipped]".
test: test-deps $(BUILD)/sigil $(BUILD)/unit-tests $(BUILD)/remote-driver $(BUILD)/lease-driver
	@python3 tests/run_all.py --build $(BUILD)

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

conformance: $(BUILD)/sigil
	python3 tests/conformance.py --sigil $(BUILD)/sigil

# All suites again under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: test-deps
	$(MAKE) BUILD=build/asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" test

# The parallel checker under ThreadSanitizer: conformance and the CLI tests
# (which run -j2 and -j8 on many modules), a generated workspace, and the
# language server's tests and soak test.
tsan: test-deps
	$(MAKE) BUILD=build/tsan CC=clang CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=thread" build/tsan/sigil build/tsan/remote-driver build/tsan/lease-driver
	python3 bench/gen.py --modules 300 --out build/tsan/ws --force >/dev/null 2>&1
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build/tsan/sigil --check --no-cache -j4 build/tsan/ws >/dev/null
	rm -rf build/tsan/ws/.sigil-cache
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build/tsan/sigil --check -j4 build/tsan/ws >/dev/null
	python3 bench/edit.py build/tsan/ws signature >/dev/null
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build/tsan/sigil --check -j4 build/tsan/ws >/dev/null
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" python3 tests/conformance.py --sigil build/tsan/sigil
	@# the remote cache against real Redis and nginx (libcurl runs resolver threads)
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" python3 tests/remote/test_remote.py --driver build/tsan/remote-driver
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" python3 tests/remote/test_remote_cli.py --sigil build/tsan/sigil \
	  --driver build/tsan/remote-driver
	@# the workspace lease's heartbeat thread beside the engine's threads, two processes at once
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" python3 tests/remote/test_lease.py --driver build/tsan/lease-driver \
	  --sigil build/tsan/sigil
	@# the language server: fast-path checks, whole runs and queries on several threads
	SIGIL=build/tsan/sigil TSAN_OPTIONS="halt_on_error=1 exitcode=66" SIGIL_LSP_TIMEOUT_MS=60000 tests/lsp/run.sh
	SIGIL=build/tsan/sigil TSAN_OPTIONS="halt_on_error=1 exitcode=66" SOAK_EDITS=3000 SOAK_RSS_SLACK_MB=2000 \
	  SOAK_WAIT_MS=60000 node tests/lsp/soak/soak.mjs

FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := $(BUILD)/fuzz-check $(BUILD)/fuzz-cache $(BUILD)/fuzz-lsp $(BUILD)/fuzz-glob
$(BUILD)/fuzz-lsp: tests/fuzz/fuzz_lsp.c $(LSP_SRCS) $(LIB_SRCS) $(wildcard checker/*.h cache/*.h protocol/*.h server/*.h server/lsp/*.h include/*.h)
	@mkdir -p $(BUILD)
	clang $(SG_CFLAGS) $(FUZZ_CFLAGS) -Iinclude -o $@ $< $(LSP_SRCS) $(LIB_SRCS) $(PKG_LIBS) -lm -lpthread
$(BUILD)/fuzz-%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(wildcard checker/*.h cache/*.h protocol/*.h include/*.h)
	@mkdir -p $(BUILD)
	clang $(SG_CFLAGS) $(FUZZ_CFLAGS) -Iinclude -o $@ $< $(LIB_SRCS) $(PKG_LIBS) -lm -lpthread

fuzz: $(FUZZ_TARGETS)

# Fuzzing under ASan + UBSan from seed corpora of hostile shapes
# (tests/fuzz/run.sh): the lexer, parser and checker for 60 s, the cache
# blob decoders and the language server's framing and dispatch for 30 s
# each, exclude globs for 10 s. Any crash, leak, timeout or sanitizer report
# fails. tests/soak.sh runs each for 10 minutes.
fuzz-smoke: test-deps $(FUZZ_TARGETS) $(BUILD)/sigil
	BUILD=$(BUILD) tests/fuzz/run.sh check 60 8192
	BUILD=$(BUILD) tests/fuzz/run.sh cache 30 4096
	BUILD=$(BUILD) tests/fuzz/run.sh lsp 30 8192
	BUILD=$(BUILD) tests/fuzz/run.sh glob 10 1024

# Long runs (minutes): differential tests, fuzzers, soak tests. Not in CI.
soak: test-deps $(BUILD)/sigil $(BUILD)/unit-tests
	BUILD=$(BUILD) bash tests/soak.sh

bench: test-deps $(BUILD)/sigil
	bash bench/run.sh

install: $(BUILD)/sigil
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/sigil/std $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/sigil $(DESTDIR)$(PREFIX)/bin/sigil
	install -m 644 std/*.sg $(DESTDIR)$(PREFIX)/share/sigil/std/
	install -d $(DESTDIR)$(PREFIX)/share/doc/sigil
	install -m 644 docs/errors.md docs/language.md $(DESTDIR)$(PREFIX)/share/doc/sigil/
	install -m 644 docs/sigil.1 $(DESTDIR)$(PREFIX)/share/man/man1/sigil.1

clean:
	rm -rf build
