# specl: build, test, reproduce. Plain make over pkg-config; every dependency is a Debian package
# installed by scripts/setup-deps.sh (run first by `make test` and `make reproduce`).
#
#   make              build build/specl and build/libspecl.a
#   make test         install deps, build, run unit + CLI tests (ends with "N passed, N failed")
#   make reproduce    install deps, build, run every claim into runs/reproduce/
#   make test-asan    the test suite under -fsanitize=address,undefined
#   make clean

CC      ?= cc
BUILD   ?= build
PKGS    := openblas lapacke arpack inih libcjson
OPT     ?= -O2
CFLAGS  += $(OPT) -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter \
           -Wno-missing-field-initializers -fopenmp -Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lz -lm -fopenmp
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

.PHONY: all deps test test-asan reproduce clean
all: $(BUILD)/specl $(TESTS)

deps:
	@bash scripts/setup-deps.sh

$(BUILD)/%.o: %.c $(wildcard include/*.h include/specl/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libspecl.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/specl: $(CLI_OBJ) $(BUILD)/libspecl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c tests/check.h $(CLI_LIB) $(BUILD)/libspecl.a
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
	rm -rf build build-asan
