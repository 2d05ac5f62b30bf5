# berth: `make run` (build and start berthd with an example app), `make test`, `make bench`.
# Each target installs what is missing from Debian's packages first (as root, idempotent).

BUILD       ?= build
TEST_BUILD  ?= build-test
BENCH_BUILD ?= build-bench
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)

BUILD_DEPS = cmake g++ make pkg-config curl ca-certificates passwd procps \
             libevent-dev libsystemd-dev nlohmann-json3-dev libsqlite3-dev \
             libcurl4-openssl-dev libssl-dev node-llhttp libgit2-dev libarchive-dev libgtest-dev libgmock-dev
TEST_DEPS  = $(BUILD_DEPS) systemd git python3 python3-venv nodejs nginx-light fcgiwrap openssl bzip2 xz-utils \
             strace docker.io debootstrap docker-registry apache2-utils busybox-static prometheus docker-compose \
             chromium
BENCH_DEPS = $(BUILD_DEPS) python3 supervisor wrk nginx-light busybox-static docker.io curl openssl \
             nodejs chromium
# The README's example apps serve with python3 -m http.server.
RUN_DEPS   = $(BUILD_DEPS) python3

.PHONY: all build run test bench deps deps-extra browser-deps clean

all: build

# Installs the packages named in PKGS that are not installed yet.
define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing packages: $$missing (run as root to install them)"; exit 1; fi; \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_DEPS))

# Packages named in PKGS (e.g. Debian's npm where Node.js came without it).
deps-extra:
	$(call install_missing,$(PKGS))

# playwright-core for the dashboard's browser test and bench, from tests/browser/package-lock.json.
browser-deps:
	@command -v npm >/dev/null || $(MAKE) --no-print-directory PKGS=npm deps-extra
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# What `make run` and `make install` build: the daemon, its client and the fetchers, not the tests.
PROGRAMS = berthd berthctl berth-fetch berth-fetch-tarball

run:
	$(call install_missing,$(RUN_DEPS))
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS) --target $(PROGRAMS)
	examples/run-demo.sh $(BUILD)

# One build with warnings as errors and ASan+UBSan, then every test.
test:
	$(call install_missing,$(TEST_DEPS))
	$(MAKE) --no-print-directory browser-deps
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DBERTH_WERROR=ON -DBERTH_SANITIZE=ON >/dev/null
	cmake --build $(TEST_BUILD) -j$(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j2 --timeout 300

bench:
	$(call install_missing,$(BENCH_DEPS))
	$(MAKE) --no-print-directory browser-deps
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BENCH_BUILD) -j$(JOBS) --target $(PROGRAMS)
	BERTHD=$(CURDIR)/$(BENCH_BUILD)/berthd bench/run

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(BENCH_BUILD)

# `make install [PREFIX=/usr/local] [DESTDIR=]`: a Release build of berthd, berthctl and the
# fetchers (berth-fetch, berth-fetch-tarball) in $(BUILD), installed into
# $(DESTDIR)$(PREFIX)/bin, with berthd.service and berthd.socket in $(DESTDIR)/lib/systemd/system
# when PREFIX is /usr, else $(DESTDIR)$(PREFIX)/lib/systemd/system (docs/systemd.md).
PREFIX ?= /usr/local

.PHONY: install
install: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j$(JOBS) --target $(PROGRAMS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"
