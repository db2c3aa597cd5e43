# labctl: the two commands of the README are `make demo` and `make test`.
BUILD ?= build
JOBS  ?= $(shell nproc)
SUDO  := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
LABCTL = $(BUILD)/labctl

# Debian 12 packages: toolchain, libraries, PostgreSQL server for the private cluster.
DEPS = g++ cmake make pkg-config curl \
       libcli11-dev libpqxx-dev nlohmann-json3-dev libcurl4-openssl-dev libspdlog-dev \
       libcpp-httplib-dev libcrypt-dev libssl-dev zlib1g-dev libbrotli-dev libtomlplusplus-dev doctest-dev libhnswlib-dev \
       postgresql-15 postgresql-contrib postgresql-client-15 \
       wrk

.PHONY: deps build demo test docs bench clean

deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# The main job on embedded defaults: private database, a project per source, a full sync (from
# labctl-sandbox when no API keys are configured), reconciliation, serve answering /health.
demo: build
	BUILD=$(BUILD) sh examples/demo.sh

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

docs: build
	$(LABCTL) completion bash > completions/labctl.bash
	$(LABCTL) completion zsh > completions/_labctl
	$(LABCTL) completion fish > completions/labctl.fish
	rm -f man/*.1 && $(LABCTL) man --dir man > /dev/null

bench: build
	$(BUILD)/tests/cli_startup_bench
	$(BUILD)/tests/serve_bench
	$(BUILD)/tests/serve_throughput_bench
	$(BUILD)/tests/sync_bench
	$(BUILD)/tests/rag_bench
	$(BUILD)/tests/intelligence_bench
	$(BUILD)/tests/scheduler_bench
	$(BUILD)/tests/events_bench

clean:
	rm -rf $(BUILD)
