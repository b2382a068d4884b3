# The two entry points of the README: `make run` and `make test`.
# Both install missing Debian packages first (scripts/install-deps).

JOBS ?= $(shell nproc)
RELEASE_DIR := build/release
ASAN_DIR := build/asan

.PHONY: run test deps release asan npm-deps web bench clean fuzz

# The web client at http://127.0.0.1:8000/ with the development sign-in on:
# this target is for trying Tandem on one's own machine, never production.
run: release web
	$(RELEASE_DIR)/tandem serve --demo --dev-login --web-root web/dist

test: release asan npm-deps web
	ctest --test-dir $(RELEASE_DIR) --output-on-failure -j$(JOBS)
	ctest --test-dir $(ASAN_DIR) --output-on-failure -j$(JOBS) -L 'unit|integration|interop' -E ot_differential
	$(MAKE) fuzz FUZZ_SECONDS=30

deps:
	scripts/install-deps

release: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DTANDEM_WERROR=ON
	cmake --build $(RELEASE_DIR) -j$(JOBS)

# Debug build with AddressSanitizer and UndefinedBehaviorSanitizer; the test
# suite runs against it too.
asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DTANDEM_SANITIZE=ON \
	      -DTANDEM_WERROR=ON -DTANDEM_BUILD_BENCH=OFF
	cmake --build $(ASAN_DIR) -j$(JOBS)

# Node packages used only by tests (interop partners); versions pinned in
# tests/package-lock.json.
npm-deps: deps
	@if [ -f tests/package.json ]; then \
	  cd tests && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }; \
	fi

# The reference web client (web/), built by Vite into web/dist. npm ci runs
# only when package-lock.json is newer than the installed packages.
web: deps
	cd web && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }
	cd web && npx vite build --logLevel warn

# libFuzzer target for the json0 engine (clang 14; GCC has no libFuzzer).
# Runs FUZZ_SECONDS, keeping its corpus in build/fuzz/corpus.
FUZZ_DIR := build/fuzz
FUZZ_SECONDS ?= 60

$(FUZZ_DIR)/ot_fuzz: fuzz/ot_fuzz.cpp fuzz/compat/expected $(wildcard src/ot/*.cpp src/ot/*.h)
	mkdir -p $(FUZZ_DIR)/corpus
	clang++-14 -std=c++2b -Ifuzz/compat -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
	      -fno-sanitize-recover=undefined fuzz/ot_fuzz.cpp $(filter-out src/ot/cli.cpp,$(wildcard src/ot/*.cpp)) \
	      -lboost_json -o $@

fuzz: deps $(FUZZ_DIR)/ot_fuzz
	$(FUZZ_DIR)/ot_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -dict=fuzz/json0.dict \
	      $(FUZZ_DIR)/corpus fuzz/corpus

clean:
	rm -rf build
