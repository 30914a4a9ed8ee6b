"""Shared test setup: headless pygame, one thread for torch/llama.cpp, no hub downloads."""
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GAMEAI_THREADS", "1")
# The dialogue engine's disk caches (embeddings of fixed texts, persona prompt states) go to a
# folder of this test session, never the user's ~/.cache/gameai; subprocesses inherit it.
if "GAMEAI_CACHE_DIR" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["GAMEAI_CACHE_DIR"] = tempfile.mkdtemp(prefix="gameai-test-cache-")
    atexit.register(shutil.rmtree, os.environ["GAMEAI_CACHE_DIR"], True)
