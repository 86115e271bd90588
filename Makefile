# Makefile for dht_indexer (PGXS)
#
# Two layers are built from extension/:
#   extension/core/*.c  pure C11, no PostgreSQL headers: compiled into the
#                       extension and, unchanged, into unit tests and fuzzers
#   extension/*.c       PostgreSQL glue (worker, store, shmem, SQL functions)
#
# Targets beyond PGXS's own (all, install, installcheck):
#   unit        build and run the core's standalone unit tests (ASan+UBSan)
#   fuzz        build the libFuzzer targets (clang-14)
#   fuzz-smoke  run each fuzz target briefly (FUZZ_SECONDS, bencode: 60 s)
#   tapcheck    run the TAP suites in test/t against the installed extension
#   test-module build the test-only extension used by the store's TAP test
#   check-all   everything the README's test command runs (see scripts/test.sh)

EXTENSION = dht_indexer
MODULE_big = dht_indexer
DATA = $(wildcard extension/dht_indexer--*.sql)
PGFILEDESC = "dht_indexer - BitTorrent DHT crawler and search inside PostgreSQL"

CORE_SRCS = $(sort $(wildcard extension/core/*.c))
GLUE_SRCS = $(sort $(wildcard extension/*.c))
OBJS = $(CORE_SRCS:.c=.o) $(GLUE_SRCS:.c=.o)

SHLIB_LINK = -lsodium

REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_BUILD ?= build/regress
REGRESS_OPTS = --temp-instance=$(REGRESS_BUILD)/instance \
	--temp-config=test/regress.conf \
	--outputdir=$(REGRESS_BUILD) \
	--encoding=UTF8

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

# PostgreSQL's headers are included as system headers so that -Wextra judges
# our code, not theirs.
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server) \
	-Iextension -Iextension/core
# The glue implements PostgreSQL callback signatures (GUC hooks, shmem
# hooks, bgworker entry points) that routinely ignore some parameters, so
# -Wunused-parameter is off for it; the core keeps the full -Wextra set.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Werror
include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when any header
# changes (the tree is small; correctness beats a few seconds).
$(OBJS): $(wildcard extension/*.h extension/core/*.h)

# The temporary instance takes its locale from the environment: C.UTF-8 makes
# CJK and accented letters word characters for the parser and pg_trgm, and
# fixes the collation that breaks ties in search results.  pg_regress only
# creates the last level of --outputdir, so create the path first.
installcheck: export LC_ALL = C.UTF-8
installcheck: $(REGRESS_BUILD)/.dir
$(REGRESS_BUILD)/.dir:
	@mkdir -p $(REGRESS_BUILD) && touch $@

# ---------------------------------------------------------------------------
# Standalone builds of the core (no server needed)
# ---------------------------------------------------------------------------
BUILD ?= build
CORE_CC ?= gcc
CORE_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
	-Wmissing-prototypes -Wdeclaration-after-statement -Werror=vla \
	-fno-omit-frame-pointer -Iextension/core -Itest/unit
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all
CORE_LIBS = -lsodium

UNIT_SRCS = $(sort $(wildcard test/unit/test_*.c))
UNIT_BINS = $(patsubst test/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))

$(BUILD)/unit/%: test/unit/%.c $(CORE_SRCS) $(wildcard extension/core/*.h) $(wildcard test/unit/*.h)
	@mkdir -p $(dir $@)
	$(CORE_CC) $(CORE_CFLAGS) $(SAN_FLAGS) -o $@ $< $(CORE_SRCS) $(CORE_LIBS)

.PHONY: unit unit-build fuzz fuzz-smoke tapcheck test-module check-all sim

# The offline DHT simulator (test/sim): the program, optimised and without
# sanitizers (it must carry 20,000 nodes), and its unit tests, sanitized,
# which link everything in test/sim but the program's main.
SIM_SRCS = $(filter-out test/sim/test_%.c,$(sort $(wildcard test/sim/*.c)))
SIM_LIB_SRCS = $(filter-out test/sim/sim.c,$(SIM_SRCS))
SIM_HDRS = $(wildcard test/sim/*.h) $(wildcard extension/core/*.h)
SIM_UNIT_BINS = $(patsubst test/sim/%.c,$(BUILD)/sim/%,$(sort $(wildcard test/sim/test_*.c)))

$(BUILD)/dht_sim: $(SIM_SRCS) $(CORE_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(CORE_CC) -std=c11 -D_GNU_SOURCE -g -O2 -Wall -Wextra -Werror \
		-Wmissing-prototypes -Wdeclaration-after-statement -Werror=vla \
		-Iextension/core -Itest/sim -o $@ $(SIM_SRCS) $(CORE_SRCS) $(CORE_LIBS) -lm

$(BUILD)/sim/%: test/sim/%.c $(SIM_LIB_SRCS) $(CORE_SRCS) $(SIM_HDRS) $(wildcard test/unit/*.h)
	@mkdir -p $(dir $@)
	$(CORE_CC) $(CORE_CFLAGS) -Itest/sim $(SAN_FLAGS) -o $@ $< $(SIM_LIB_SRCS) $(CORE_SRCS) $(CORE_LIBS) -lm

sim: $(BUILD)/dht_sim

unit-build: $(UNIT_BINS) $(SIM_UNIT_BINS)

# Each program prints "<suite>: N passed, N failed"; the umbrella runner sums.
unit: unit-build
	@status=0; for t in $(UNIT_BINS) $(SIM_UNIT_BINS); do $$t || status=1; done; exit $$status

FUZZ_CC ?= clang-14
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iextension/core
FUZZ_SRCS = $(sort $(wildcard test/fuzz/fuzz_*.c))
FUZZ_BINS = $(patsubst test/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 20

$(BUILD)/fuzz/%: test/fuzz/%.c $(CORE_SRCS) $(wildcard extension/core/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRCS) $(CORE_LIBS)

fuzz: $(FUZZ_BINS)

# Runs every target from its seed corpus; new inputs go to $(BUILD), never
# into the repository.  The bencode target gets 60 s, as the issue asks.
fuzz-smoke: fuzz
	@status=0; for f in $(FUZZ_BINS); do \
		name=$$(basename $$f); target=$${name#fuzz_}; \
		secs=$(FUZZ_SECONDS); [ "$$target" = bencode ] && secs=60; \
		mkdir -p $(BUILD)/fuzz/work_$$target; \
		dict=; [ -f test/fuzz/$$target.dict ] && dict=-dict=test/fuzz/$$target.dict; \
		if $$f -max_total_time=$$secs -print_final_stats=1 $$dict \
			$(BUILD)/fuzz/work_$$target test/fuzz/corpus/$$target \
			> $(BUILD)/fuzz/$$target.log 2>&1; then \
			echo "fuzz $$target: $$(grep -o 'stat::number_of_executed_units: *[0-9]*' $(BUILD)/fuzz/$$target.log | grep -o '[0-9]*$$') executions in $$secs s: ok"; \
		else echo "fuzz $$target: FAILED (see $(BUILD)/fuzz/$$target.log)"; tail -30 $(BUILD)/fuzz/$$target.log; status=1; fi; \
	done; exit $$status

test-module:
	$(MAKE) -C test/modules/test_store PG_CONFIG=$(PG_CONFIG)

TAP_BUILD ?= build/tap
PG_PERL_LIB = $(dir $(PGXS))../../src/test/perl
tapcheck: $(BUILD)/dht_sim
	@mkdir -p $(TAP_BUILD)
	PATH="$(shell $(PG_CONFIG) --bindir):$$PATH" \
	PERL5LIB="$(abspath $(PG_PERL_LIB)):$(CURDIR)/test/perl$${PERL5LIB:+:$$PERL5LIB}" \
	TESTDIR="$(abspath $(TAP_BUILD))" \
	PG_REGRESS="$(dir $(PGXS))../../src/test/regress/pg_regress" \
	perl test/run_tap.pl $(TAP_TESTS)

check-all:
	bash scripts/test.sh
