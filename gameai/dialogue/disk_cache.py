"""On-disk caches of work that is the same at every start, in the user's cache folder.

- `embeddings/`: the MiniLM vectors of *fixed* texts, the speech-act example sentences and each
  persona's data (item names, facts, relationships, rumours, landmarks). Embedding them cost about
  2 s of CPU at every start on one core, the largest single cost of a cold `gameai chat --say`.
- `llama-prefix/`: llama.cpp's state after a persona's static prompt block (backends/
  llama_cpp_backend.py), about 0.5 s of prompt evaluation per persona at every start.

Never a player's words: only texts the engine passes to `Embedder.embed_static` (data from the
package and the persona card) and the persona's own prompt block are written, so erasing a player
(DialogueEngine.forget) has nothing to clean up here.

A file is named and keyed by a hash of everything its content depends on (the texts or tokens, the
model's files, the code that computes it). A file that is cut short, corrupt, foreign or written
for other inputs is detected (magic, key, size, checksum) and recomputed, without a traceback.
Files are written atomically (a temporary file in the same folder, then os.replace), so a crash or
two processes starting at once leave either the old file or the new one. Where the folder cannot
be written, the cache is skipped. Each folder keeps at most MAX_FILES files (oldest removed).

Folder: $GAMEAI_CACHE_DIR, else $XDG_CACHE_HOME/gameai, else ~/.cache/gameai.
GAMEAI_CACHE_DIR=none turns the disk caches off.
"""
from __future__ import annotations

import hashlib
import logging
import os
import struct
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger("gameai.dialogue")

MAGIC = b"GAMEAI-CACHE\x01"
_HEAD = struct.Struct("<13s32sQ")  # magic, key, payload length
_SUM = 16                          # blake2b digest of the payload, at the end
MAX_FILES = 256                    # oldest files beyond this many are removed when one is written


def cache_dir(kind: str = "embeddings") -> Path | None:
    """The folder of one kind of cache file; None when the disk caches are turned off."""
    raw = os.environ.get("GAMEAI_CACHE_DIR")
    if raw is not None:
        if raw.strip().lower() in ("", "none", "off", "0"):
            return None
        return Path(raw).expanduser() / kind
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "gameai" / kind


def cache_key(identity: bytes, texts: list[str]) -> bytes:
    """32 bytes naming these texts (in order) under this model + code identity."""
    h = hashlib.blake2b(digest_size=32, person=b"gameai-emb")
    h.update(identity)
    h.update(len(texts).to_bytes(8, "little"))
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.digest()


def path_for(folder: Path, key: bytes) -> Path:
    return folder / f"{key.hex()[:40]}.bin"


def load_bytes(path: Path, key: bytes) -> bytes | None:
    """The payload written under this key, or None when the file is missing or not valid for it
    (cut short, corrupt, foreign, another key): the caller recomputes."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    why = _invalid(data, key)
    if why is not None:
        log.debug("gameai cache %s ignored: %s", path, why)
        return None
    return data[_HEAD.size:-_SUM]


def _invalid(data: bytes, key: bytes) -> str | None:
    if len(data) < _HEAD.size + _SUM:
        return "too short"
    magic, k, n = _HEAD.unpack_from(data)
    if magic != MAGIC:
        return "not a gameai cache file"
    if k != key:
        return "written for other inputs or another model"
    if len(data) != _HEAD.size + n + _SUM:
        return "wrong size"
    if hashlib.blake2b(data[_HEAD.size:-_SUM], digest_size=_SUM).digest() != data[-_SUM:]:
        return "checksum mismatch"
    return None


def load(path: Path, key: bytes, rows: int, dim: int) -> np.ndarray | None:
    """A cached (rows, dim) float32 matrix (embeddings), or None (missing, invalid, wrong shape,
    non-finite values)."""
    payload = load_bytes(path, key)
    if payload is None or len(payload) != rows * dim * 4:
        return None
    m = np.frombuffer(payload, dtype="<f4").reshape(rows, dim)
    if not np.isfinite(m).all():
        log.debug("gameai cache %s ignored: non-finite values", path)
        return None
    return m.astype(np.float32)


def save(path: Path, key: bytes, matrix: np.ndarray) -> bool:
    return save_bytes(path, key, np.ascontiguousarray(matrix, dtype="<f4").tobytes())


def save_bytes(path: Path, key: bytes, payload: bytes, max_files: int | None = None) -> bool:
    """Write atomically; False (and nothing left behind) when the folder cannot be written."""
    blob = _HEAD.pack(MAGIC, key, len(payload)) + payload + hashlib.blake2b(payload, digest_size=_SUM).digest()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".bin")
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
        tmp = None
        _prune(path.parent, MAX_FILES if max_files is None else max_files)
        return True
    except OSError as exc:
        log.debug("gameai cache %s not written: %s", path, exc)
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _prune(folder: Path, keep: int) -> None:
    """Keep the folder bounded (a service with many worlds writes one file per persona and world)."""
    files = list(folder.glob("*.bin"))
    if len(files) <= keep:
        return
    def age(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0
    for p in sorted(files, key=age)[:len(files) - keep]:
        try:
            p.unlink()
        except OSError:
            pass
