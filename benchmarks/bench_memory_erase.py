"""What a player's erasure costs: MemoryStore.delete (DELETE + VACUUM + WAL truncate) against
the peers it replaced or could be mistaken for, on memory files of growing size.

Run:  .venv/bin/python benchmarks/bench_memory_erase.py [--sizes 2000 20000 60000] [--repeats 3]

Each file holds `size` rows spread over 500 players of one NPC (a 384-float embedding and a
short line each, as the engine writes them). Printed side by side, per file size, medians of
--repeats erasures of one player (each on a different player), wall and process-CPU time:
  - erase:   MemoryStore.delete, what `forget()` does (no trace left in the file);
  - archive: MemoryStore.archive_pair, the old `forget()` (rows stay in the file);
  - delete:  a plain SQLite DELETE + commit (rows gone from the table, text still in the file).
The erasure rewrites the whole file, so its cost grows with the file, not with the player.
The machine is shared: figures are noisy, ratios are what to read.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from gameai.dialogue import MemoryStore
from gameai.dialogue.embeddings import DIM

PLAYERS = 500


def build(path: Path, size: int) -> MemoryStore:
    store = MemoryStore(path)
    rng = np.random.default_rng(0)
    for i in range(size):
        vec = rng.standard_normal(DIM).astype(np.float32)
        store.add("mara", f"p{i % PLAYERS}", i // PLAYERS, "player",
                  f"Line {i}: the weather over the Greywood, the price of iron, the road north.", 1.0, vec)
    store.scrub()
    return store


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def plain_delete(store: MemoryStore, player: str) -> None:
    with store._lock:  # the store's own connection, as the erasure uses it
        store._db.execute("DELETE FROM memories WHERE npc='mara' AND player=?", (player,))
        store._db.commit()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 60000])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"{'rows':>7} {'file MB':>8} | {'erase ms':>9} {'cpu ms':>7} | {'archive ms':>10} {'cpu ms':>7} | "
          f"{'delete ms':>9} {'cpu ms':>7} | erase/archive  erase/delete")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"m{size}.db"
            store = build(path, size)
            mb = path.stat().st_size / 1e6
            players = iter(range(PLAYERS))
            runs = {"erase": [], "archive": [], "delete": []}
            for _ in range(args.repeats):
                runs["erase"].append(timed(lambda p=f"p{next(players)}": store.delete("mara", p)))
                runs["archive"].append(timed(lambda p=f"p{next(players)}": store.archive_pair("mara", p)))
                runs["delete"].append(timed(lambda p=f"p{next(players)}": plain_delete(store, p)))
            med = {k: (statistics.median(w for w, _ in v) * 1e3, statistics.median(c for _, c in v) * 1e3)
                   for k, v in runs.items()}
            store.close()
            print(f"{size:>7} {mb:>8.1f} | {med['erase'][0]:>9.1f} {med['erase'][1]:>7.1f} | "
                  f"{med['archive'][0]:>10.1f} {med['archive'][1]:>7.1f} | {med['delete'][0]:>9.1f} "
                  f"{med['delete'][1]:>7.1f} | {med['erase'][0] / med['archive'][0]:>13.1f}x "
                  f"{med['erase'][0] / med['delete'][0]:>12.1f}x")


if __name__ == "__main__":
    main()
