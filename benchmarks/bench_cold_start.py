"""Cold start of `gameai chat --say`: a new process, from launch to the printed reply.

Run:  .venv/bin/python benchmarks/bench_cold_start.py [--runs 5] [--old-tree /path/to/older/checkout]

Measured side by side, alternating, in the same run:
- default: `--backend smollm2` as shipped now (llama.cpp reads the GGUF as it is; MiniLM in numpy),
  with its disk caches (gameai/dialogue/disk_cache.py: the speech-act examples' and the persona's
  embeddings, llama.cpp's state after the persona's prompt block) filled by an untimed start
  before, as on every start but the first after an install;
- default, empty caches: the same with a new, empty cache folder at every run (the first start
  after an install, which fills them);
- hf: the same GGUF through transformers (`--backend hf`, what the default used to run: all 272
  tensors de-quantised to float32 at every start);
- old tree (with --old-tree DIR): the default of another checkout, e.g. the commit before this
  change, run with that tree first on PYTHONPATH.
Wall time is what a developer waits; CPU time (user+sys of the process) is what the work costs
and is less sensitive to other jobs on a shared machine. Medians of --runs; the machine's load is
printed, since on 2 shared cores the wall time of a cold start varies a lot.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_made: list[str] = []  # cache folders this run created (removed at the end)
LINE = "Any rooms free tonight?"


def one_start(tree: Path, backend: str | None, cache: str | None = None) -> tuple[float, float, str]:
    from gameai.dialogue.persona import cast_dir

    env = {**os.environ, "PYTHONPATH": str(tree), "GAMEAI_THREADS": os.environ.get("GAMEAI_THREADS", "1")}
    if cache == "fresh":
        cache = tempfile.mkdtemp(prefix="gameai-cold-")
        _made.append(cache)
    if cache is not None:
        env["GAMEAI_CACHE_DIR"] = cache
    cmd = [sys.executable, "-m", "gameai", "chat", "--npc", str(cast_dir() / "mara.toml"), "--say", LINE]
    if backend:
        cmd += ["--backend", backend]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, cwd=tree)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {out.stderr[-500:]}")
    return wall, cpu, out.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--old-tree", type=Path, default=None, help="another checkout whose default is the peer")
    ap.add_argument("--skip-hf", action="store_true", help="leave out the transformers path (slow)")
    args = ap.parse_args()
    filled = tempfile.mkdtemp(prefix="gameai-cold-filled-")
    _made.append(filled)
    one_start(ROOT, None, filled)  # untimed: fills the caches, as the first start after an install does
    paths: dict[str, tuple[Path, str | None, str | None]] = {"default (llama.cpp)": (ROOT, None, filled),
                                                             "default, empty caches (first start)": (ROOT, None, "fresh")}
    if not args.skip_hf:
        paths["hf (transformers de-quantising)"] = (ROOT, "hf", filled)
    if args.old_tree:
        paths[f"old tree default ({args.old_tree})"] = (args.old_tree.resolve(), None, filled)
    print(f"cold `gameai chat --say`, medians of {args.runs} runs, GAMEAI_THREADS="
          f"{os.environ.get('GAMEAI_THREADS', '1')}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start")
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in paths}
    stderr_bytes: dict[str, int] = {k: 0 for k in paths}
    for _ in range(args.runs):  # alternate, so that a burst of load hits every path alike
        for name, (tree, backend, cache) in paths.items():
            wall, cpu, err = one_start(tree, backend, cache)
            results[name].append((wall, cpu))
            stderr_bytes[name] = max(stderr_bytes[name], len(err))
    base = statistics.median(w for w, _ in results["default (llama.cpp)"])
    base_cpu = statistics.median(c for _, c in results["default (llama.cpp)"])
    print(f"{'path':<48} {'wall s':>7} {'cpu s':>6} {'wall vs default':>16} {'cpu vs default':>15} {'stderr bytes':>13}")
    for name, rows in results.items():
        wall = statistics.median(w for w, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        print(f"{name:<48} {wall:>7.2f} {cpu:>6.2f} {wall / base:>15.2f}x {cpu / base_cpu:>14.2f}x {stderr_bytes[name]:>13}")
    print(f"target: first reply within 5 s of a cold start on the default backend; load {os.getloadavg()[0]:.1f} at end")
    for d in _made:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
