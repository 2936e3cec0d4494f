# prunekit — the two commands a new user needs: `make demo` and `make test`.
# Every target installs what is missing first (Debian packages, idempotent).

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEMO_EPOCHS ?= 3
DEMO_TASK ?= classify

# Debian packages the project needs to build, test and run.
DEB_PACKAGES = build-essential cmake libtorch-dev libopenblas0-pthread libcli11-dev \
  nlohmann-json3-dev libfmt-dev libspdlog-dev zlib1g-dev libstb-dev libgtest-dev \
  libgmock-dev libbenchmark-dev dataset-fashion-mnist \
  libonnx-dev libprotobuf-dev libdlib-dev python3-onnx python3-torch python3-torchvision python3-numpy nodejs \
  chromium clang-14 libclang-rt-14-dev openmpi-bin libopenmpi-dev

.PHONY: all deps build test test-slow demo demo-detect bench clean

all: build

deps:
	@bash scripts/install_deps.sh $(DEB_PACKAGES)
	@bash scripts/install_npm.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release

build: $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps
	@$(MAKE) --no-print-directory build
	cd $(BUILD_DIR) && ctest --output-on-failure -LE slow -j $(JOBS)

test-slow: deps
	@$(MAKE) --no-print-directory build
	cd $(BUILD_DIR) && ctest --output-on-failure -L slow

# The main job on the built-in default. DEMO_EPOCHS is the single knob for its length;
# DEMO_TASK=detect runs the detection pipeline (yolo-tiny on the generated shapes set) instead.
demo: deps
	@$(MAKE) --no-print-directory build
	@if [ "$(DEMO_TASK)" = detect ]; then bash scripts/demo_detect.sh $(BUILD_DIR)/prunekit $(DEMO_EPOCHS); \
	else bash scripts/demo.sh $(BUILD_DIR)/prunekit $(DEMO_EPOCHS); fi

demo-detect:
	@$(MAKE) --no-print-directory demo DEMO_TASK=detect

clean:
	rm -rf $(BUILD_DIR)
