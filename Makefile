# specl: build, test, reproduce. Plain make over pkg-config; every dependency is a Debian package
# installed by scripts/setup-deps.sh (run first by `make test` and `make reproduce`).
#
#   make              build build/specl, build/libspecl.a and build/libspecl.so (the Python binding's library)
#   make test         install deps, build, run unit + CLI tests (ends with "N passed, N failed, N skipped";
#                     under CI=true a skip counts as a failure)
#   make reproduce    install deps, build, run every claim into runs/reproduce/
#   make test-asan    the test suite under -fsanitize=address,undefined (SPECL_TEST_QUICK=1: the slow cases
#                     print a NOTE and run in make test only)
#   make fuzz         install clang, build the libFuzzer targets of tests/fuzz/ into build-fuzz/ and
#                     run each for FUZZ_SECONDS (see tests/fuzz/README.md)
#   make bench        install PyTorch (bench-deps), build bench/bench_specl.c into $(BUILD)/bench/, run
#                     specl against PyTorch on the CPU into bench/results.json (bench/README.md)
#   make clean

CC      ?= cc
BUILD   ?= build
PKGS    := openblas lapacke arpack inih libcjson
OPT     ?= -O2
# -fno-math-errno: sqrtf then need not set errno for a negative argument, so loops calling it (Adam)
# vectorize; nothing in specl reads errno after a math call. It does not reassociate or change results.
CFLAGS  += $(OPT) -fno-math-errno -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter \
           -Wno-missing-field-initializers -fopenmp -fPIC -Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lz -lm -fopenmp
# MPI (data-parallel `mpirun -np P specl train`, docs/mpi.md): Open MPI through pkg-config when it is
# installed (MPI=auto); MPI=0 builds the single-process communicator only.
MPI     ?= auto
ifneq ($(MPI),0)
MPI_PC  := $(shell pkg-config --exists ompi-c 2>/dev/null && echo ompi-c)
ifneq ($(MPI_PC),)
CFLAGS  += -DSPECL_MPI $(shell pkg-config --cflags $(MPI_PC))
LDLIBS  += $(shell pkg-config --libs $(MPI_PC))
endif
endif
SAN     ?=
ifneq ($(SAN),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(wildcard src/base/*.c src/data/*.c src/model/*.c src/eval/*.c src/theory/*.c \
                       src/train/*.c src/experiments/*.c src/report/*.c)
CLI_SRC  := $(wildcard src/cli/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
CLI_LIB  := $(filter-out $(BUILD)/src/cli/main.o,$(CLI_OBJ))

.PHONY: all deps test test-asan reproduce clean fuzz fuzz-deps fuzz-build
all: $(BUILD)/specl $(BUILD)/libspecl.so $(TESTS)

deps:
	@bash scripts/setup-deps.sh

$(BUILD)/%.o: %.c $(wildcard include/*.h include/specl/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libspecl.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The shared library: the same objects (all compiled -fPIC), for python/specl/ (ctypes) and other FFI callers.
$(BUILD)/libspecl.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/specl: $(CLI_OBJ) $(BUILD)/libspecl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c tests/check.h tests/grad_check.h $(CLI_LIB) $(BUILD)/libspecl.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/cli $(LDFLAGS) -o $@ $< $(CLI_LIB) $(BUILD)/libspecl.a $(LDLIBS)

test: deps
	@$(MAKE) --no-print-directory all
	@bash tests/run.sh $(BUILD)

test-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT=-O1 all
	@SPECL_TEST_QUICK=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  bash tests/run.sh build-asan

reproduce: deps
	@$(MAKE) --no-print-directory $(BUILD)/specl
	$(BUILD)/specl reproduce --out runs/reproduce

clean:
	rm -rf build build-asan $(FUZZ_BUILD)

# ---- fuzzing: one libFuzzer target per tests/fuzz/fuzz_<name>.c ----
# Built with clang into FUZZ_BUILD, independent of $(BUILD) and its flags (tests/fuzz/README.md).
# The library objects get the sanitizers and -fsanitize=fuzzer-no-link (coverage), the targets
# -fsanitize=fuzzer (libFuzzer's main). No -fopenmp: clang's libomp is not among the fuzz packages,
# and the parsers do not use it. -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (libFuzzer's convention)
# lets the library skip checks a fuzzer cannot pass, i.e. state.bin's CRC-32 (never in a real build).
# Each run starts from the committed seeds (copied into build-fuzz/corpus/<name>, kept and grown
# between runs) and the regression inputs of tests/fuzz/regressions/<name>/ (read-only), with
# -dict=build-fuzz/dict/<name>.dict when tests/fuzz/<name>.dict exists (config's also gets the key
# table, from tests/fuzz/config-dict.c); crashes go to build-fuzz/artifacts/<name>/, the targets'
# scratch files to build-fuzz/tmp/ (a crashed target cannot remove its own).
#   FUZZ_TARGETS  which targets (default: all), e.g. FUZZ_TARGETS="npy mtx"
#   FUZZ_SECONDS  run time per target (-max_total_time), default 60
#   FUZZ_JOBS     targets run at a time, default 2
#   FUZZ_FLAGS    extra libFuzzer flags, e.g. FUZZ_FLAGS="-max_len=8192"
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2
FUZZ_FLAGS   ?=
FUZZ_ALL     := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   = -g -O1 -std=c11 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -Wall -Wextra \
                -Wno-unused-parameter -Wno-missing-field-initializers \
                -Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(FUZZ_SAN)
FUZZ_LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lz -lm
FUZZ_RUN_ARGS = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_CLI_OBJ := $(FUZZ_BUILD)/src/cli/config.o $(FUZZ_BUILD)/src/cli/config_keys.o
FUZZ_BINS    := $(FUZZ_ALL:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_RUNS    := $(FUZZ_ALL:%=fuzz-run-%)
FUZZ_DICTS   := $(patsubst tests/fuzz/%.dict,%,$(wildcard tests/fuzz/*.dict))
.PHONY: $(FUZZ_RUNS)

fuzz-deps:
	@SPECL_FUZZ=1 bash scripts/setup-deps.sh

# Build, run FUZZ_JOBS targets at a time, then one summary line per target; fails on any finding.
fuzz: fuzz-deps
	$(if $(filter-out $(FUZZ_ALL),$(FUZZ_TARGETS)),$(error FUZZ_TARGETS: no target $(filter-out $(FUZZ_ALL),$(FUZZ_TARGETS)) (have: $(FUZZ_ALL))))
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) fuzz-build
	@mkdir -p $(FUZZ_BUILD)/logs && rm -f $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/logs/%.log) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/logs/%.rc)
	@$(MAKE) --no-print-directory -k -j$(FUZZ_JOBS) $(FUZZ_TARGETS:%=fuzz-run-%) || true
	@bash tests/fuzz/summary.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%) $(addprefix $(FUZZ_BUILD)/dict/,$(addsuffix .dict,$(filter $(FUZZ_DICTS),$(FUZZ_TARGETS))))

$(FUZZ_RUNS): fuzz-run-%: $(FUZZ_BUILD)/fuzz_%
	@mkdir -p $(FUZZ_BUILD)/corpus/$* $(FUZZ_BUILD)/artifacts/$* $(FUZZ_BUILD)/logs
	@for f in tests/fuzz/corpus/$*/*; do [ -f "$$f" ] && [ ! -e $(FUZZ_BUILD)/corpus/$*/$${f##*/} ] && cp "$$f" $(FUZZ_BUILD)/corpus/$*/; done; true
	@rm -rf $(FUZZ_BUILD)/tmp/specl-fuzz-$*-* && mkdir -p $(FUZZ_BUILD)/tmp
	@echo "fuzz: $* for $(FUZZ_SECONDS) s"
	@TMPDIR=$(abspath $(FUZZ_BUILD))/tmp UBSAN_OPTIONS=print_stacktrace=1:$(UBSAN_OPTIONS) $< $(FUZZ_RUN_ARGS) \
	  $(if $(filter $*,$(FUZZ_DICTS)),-dict=$(FUZZ_BUILD)/dict/$*.dict) $(FUZZ_FLAGS) -artifact_prefix=$(FUZZ_BUILD)/artifacts/$*/ \
	  $(FUZZ_BUILD)/corpus/$* $(wildcard tests/fuzz/regressions/$*) >$(FUZZ_BUILD)/logs/$*.log 2>&1; echo $$? >$(FUZZ_BUILD)/logs/$*.rc

$(FUZZ_BUILD)/%.o: %.c $(wildcard include/*.h include/specl/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/libspecl.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The config target also links the CLI's config parser and key table (and only it does).
$(FUZZ_BUILD)/fuzz_config: $(FUZZ_CLI_OBJ)

$(FUZZ_BINS): $(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libspecl.a $(wildcard include/specl/*.h src/cli/config.h tests/fuzz/*.h)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc/cli -fsanitize=fuzzer -o $@ $(filter %.c,$^) $(filter %.o,$^) $(filter %.a,$^) $(FUZZ_LDLIBS)

# Dictionaries: tests/fuzz/<name>.dict as is; config's followed by the key table's sections, keys and
# choices (tests/fuzz/config-dict.c), so it follows every change to src/cli/config_keys.c.
$(FUZZ_BUILD)/dict/%.dict: tests/fuzz/%.dict
	@mkdir -p $(dir $@)
	cp $< $@

$(FUZZ_BUILD)/config-dict: tests/fuzz/config-dict.c src/cli/config_keys.c src/cli/config.h
	$(FUZZ_CC) -std=c11 -Wall -Wextra -Iinclude -Isrc/cli -o $@ tests/fuzz/config-dict.c src/cli/config_keys.c

$(FUZZ_BUILD)/dict/config.dict: tests/fuzz/config.dict $(FUZZ_BUILD)/config-dict
	@mkdir -p $(dir $@)
	{ cat tests/fuzz/config.dict; echo "# generated by $(FUZZ_BUILD)/config-dict from src/cli/config_keys.c"; \
	  $(FUZZ_BUILD)/config-dict | awk '!seen[$$0]++'; } >$@.tmp && mv $@.tmp $@

# ---- benchmark against PyTorch (bench/README.md); not part of `make test` ----
# bench-deps installs the deps (python3-torch among them); BENCH_FLAGS passes options to bench/run.py,
# e.g. BENCH_FLAGS="--only mlp-lambda,cnn --out /tmp/r.json" or BENCH_FLAGS=--quick.
BENCH_FLAGS ?=
.PHONY: bench bench-deps bench-build

bench-deps:
	@bash scripts/setup-deps.sh

bench-build: $(BUILD)/bench/bench_specl $(BUILD)/libspecl.so

$(BUILD)/bench/bench_specl: bench/bench_specl.c $(BUILD)/libspecl.a $(wildcard include/specl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libspecl.a $(LDLIBS)

bench: bench-deps
	@$(MAKE) --no-print-directory bench-build
	@bash bench/run.sh $(BUILD) $(BENCH_FLAGS)
