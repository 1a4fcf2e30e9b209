# Sluice: the two set-up commands are `make run` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
PORT ?= 4566
JOBS ?= $(shell nproc)
# Fuzzing (fuzz/README.md): seconds per target for `make fuzz` and for the CI smoke run.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 15
# `make sanitize`: the ASan+UBSan build (CMakePresets.json, preset asan) and the black-box
# tests it runs against it. The crash/restart, CLI and aws-CLI suites are left to `make test`,
# and so is one hostile-input case that only a Debug build fails: an empty chunked body in
# pieces, on which Boost 1.74's Beast asserts wrongly (boostorg/beast pull request 2861;
# release builds compile the assertion out).
ASAN_BUILD_DIR := build-asan
SANITIZE_BLACKBOX ?= --ignore=tests/blackbox/test_durability.py --ignore=tests/blackbox/test_cli.py \
	--ignore=tests/blackbox/test_awscli.py \
	--deselect=tests/blackbox/test_hostile.py::test_empty_chunked_body_in_pieces
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$(abspath fuzz/ubsan.supp)

.PHONY: run test deps build unit-test blackbox-test js-test clean \
	fuzz fuzz-smoke fuzz-build fuzz-deps sanitize

run: deps build
	./$(BUILD_DIR)/sluice serve --port $(PORT)

test: deps build
	$(MAKE) unit-test blackbox-test js-test

deps:
	@bash scripts/install-deps.sh

# Tests on explicitly: a build directory configured without them (a benchmark
# build, say) would otherwise leave ctest with nothing to run.
build:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSLUICE_BUILD_TESTS=ON
	cmake --build $(BUILD_DIR) -j$(JOBS)

unit-test:
	cd $(BUILD_DIR) && ctest --output-on-failure --no-tests=error -j$(JOBS)

blackbox-test:
	SLUICE_BINARY=$(abspath $(BUILD_DIR))/sluice /usr/bin/python3 -m pytest -q tests/blackbox

js-test:
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	cd tests/js && SLUICE_BINARY=$(abspath $(BUILD_DIR))/sluice node --test

# libFuzzer targets (clang): build, replay fuzz/regressions, fuzz each target FUZZ_SECONDS.
fuzz: fuzz-build
	fuzz/run.sh -s $(FUZZ_SECONDS) -b $(FUZZ_BUILD_DIR)

# The short run CI does after `make test`.
fuzz-smoke: fuzz-build
	fuzz/run.sh -s $(FUZZ_SMOKE_SECONDS) -b $(FUZZ_BUILD_DIR)

fuzz-build: deps fuzz-deps
	cmake -S fuzz -B $(FUZZ_BUILD_DIR) -DCMAKE_CXX_COMPILER=clang++
	cmake --build $(FUZZ_BUILD_DIR) -j$(JOBS)

fuzz-deps:
	@bash fuzz/install-deps.sh

# Unit tests and a black-box subset under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: deps
	cmake --preset asan
	cmake --build --preset asan -j$(JOBS)
	cd $(ASAN_BUILD_DIR) && $(SANITIZER_ENV) ctest --output-on-failure -j$(JOBS)
	$(SANITIZER_ENV) SLUICE_BINARY=$(abspath $(ASAN_BUILD_DIR))/sluice \
		/usr/bin/python3 -m pytest -q tests/blackbox $(SANITIZE_BLACKBOX)

clean:
	rm -rf $(BUILD_DIR)
