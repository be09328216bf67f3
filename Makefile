# Thin wrapper around CMake/ctest. `make demo` and `make test` work on a fresh Debian 12 machine:
# both install what is missing first (`make deps`: Debian packages, then npm ci).
BUILD       ?= build
BUILD_ASAN  ?= build-asan
BUILD_FUZZ  ?= build-fuzz
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PREFIX      ?= $(HOME)/.terraform.d/plugins
DIST        ?= dist
# (make counts parentheses inside $(shell …): keep the command free of unbalanced ones)
VERSION     := $(shell awk '/^project/ { for (i = 1; i < NF; i++) if ($$i == "VERSION") print $$(i + 1) }' CMakeLists.txt)
ARCH        := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
OS_ARCH     := linux_$(ARCH)

DEB_PACKAGES = build-essential cmake pkg-config clang libclang-rt-14-dev valgrind jq curl time \
  ca-certificates git libgrpc-dev protobuf-c-compiler libprotobuf-c-dev \
  libnghttp2-dev libcjson-dev libcurl4-openssl-dev libsodium-dev libsecp256k1-dev libssl-dev libcriterion-dev \
  libmicrohttpd-dev \
  libc-ares-dev dpkg-dev patch xz-utils openssl zip unzip gnupg binutils \
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu qemu-user-static \
  debootstrap debian-archive-keyring util-linux strace
# The static provider (make build, make release): Debian's static archives (-dev packages above),
# libcurl and cJSON built from Debian's source packages (kmsapi/deps: dpkg-dev, patch, xz-utils),
# the arm64 cross toolchain; the release tests: zip/unzip, gnupg, qemu-user-static (the arm64
# handshake), debootstrap (an older Debian to run in), unshare (util-linux), strace, openssl.

.PHONY: all deps build test test-unit test-asan test-fuzz fuzz-long demo install release docs bench clean \
  mutation-trust

all: build

# Idempotent: apt-get runs only when a package is missing, npm ci only when the lock file changed.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing="$$missing nodejs npm"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else echo "deps: Debian packages present"; fi
	@if [ ! -f tests/node/node_modules/.package-lock.json ] || \
	    [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then \
	  echo "deps: npm ci (tests/node)"; cd tests/node && npm ci --no-audit --no-fund; \
	else echo "deps: npm packages present"; fi
	@command -v terraform >/dev/null || echo "deps: WARNING: terraform is not on PATH; acceptance tests will FAIL"

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# Everything: the full ctest suite, the unit tests again under ASan+UBSan, and a short fuzz run.
test: deps build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) --no-print-directory test-asan test-fuzz

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -L unit -LE valgrind -j$(JOBS)
	@# The sanitized provider under the real terraform: any ASan or UBSan report aborts it, and
	@# the test fails. (It exits with _exit: leaks are the unit tests' business.)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=0 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -L sanitized -j$(JOBS)

test-fuzz: deps
	cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DFUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(BUILD_FUZZ) -j$(JOBS)
	cd $(BUILD_FUZZ) && ctest --output-on-failure -L fuzz

# The trust code's mutation check (issue 17), not part of make test: each one-line defect of the
# identity, anchor and proof checks applied in turn must fail its acceptance test.
mutation-trust: build
	bash tests/tools/mutate_trust.sh $(BUILD)

# Long fuzzing, not part of make test: FUZZ_SECONDS per target (default 600), one at a time.
FUZZ_SECONDS ?= 600
fuzz-long: deps
	cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DFUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(BUILD_FUZZ) -j$(JOBS)
	bash tests/fuzz/fuzz_long.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

demo: deps build
	bash tests/tools/demo.sh $(BUILD)

docs: build
	bash tests/tools/gendocs.sh $(BUILD)

bench: build
	cmake --build $(BUILD) --target bench

# The registry release layout in $(DIST): both zips, SHA256SUMS signed with the key that
# GPG_FINGERPRINT names, manifest (provider/release/release.sh).
release: deps
	bash provider/release/release.sh $(DIST) $(BUILD)/release $(BUILD)/deps $(VERSION)

# The release binary of this machine's architecture (the one in the release zip, built the same
# way, unsigned) in the filesystem-mirror layout for local.dev/phala/phala; prints the CLI
# configuration to use.
install: deps
	RELEASE_UNSIGNED=1 RELEASE_ARCHS=$(ARCH) bash provider/release/release.sh $(BUILD)/release/zips \
	  $(BUILD)/release $(BUILD)/deps $(VERSION)
	@dir="$(PREFIX)/local.dev/phala/phala/$(VERSION)/$(OS_ARCH)"; \
	mkdir -p "$$dir" && unzip -o -q $(BUILD)/release/zips/terraform-provider-phala_$(VERSION)_$(OS_ARCH).zip -d "$$dir" && \
	echo "installed $$dir/terraform-provider-phala_v$(VERSION)" && echo && \
	echo "Add this to ~/.terraformrc (or the file in TF_CLI_CONFIG_FILE):" && echo && \
	echo 'provider_installation {' && \
	echo '  filesystem_mirror {' && \
	echo '    path    = "$(PREFIX)"' && \
	echo '    include = ["local.dev/phala/*"]' && \
	echo '  }' && \
	echo '  direct {' && \
	echo '    exclude = ["local.dev/phala/*"]' && \
	echo '  }' && \
	echo '}' && echo && \
	echo 'and require it with: terraform { required_providers { phala = { source = "local.dev/phala/phala", version = "$(VERSION)" } } }'

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
