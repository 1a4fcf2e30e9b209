# Sluice: the two set-up commands are `make run` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
PORT ?= 4566
JOBS ?= $(shell nproc)

.PHONY: run test deps build unit-test blackbox-test js-test clean

run: deps build
	./$(BUILD_DIR)/sluice serve --port $(PORT)

test: deps build
	$(MAKE) unit-test blackbox-test js-test

deps:
	@bash scripts/install-deps.sh

build:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j$(JOBS)

unit-test:
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

blackbox-test:
	SLUICE_BINARY=$(abspath $(BUILD_DIR))/sluice /usr/bin/python3 -m pytest -q tests/blackbox

js-test:
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	cd tests/js && SLUICE_BINARY=$(abspath $(BUILD_DIR))/sluice node --test

clean:
	rm -rf $(BUILD_DIR)
