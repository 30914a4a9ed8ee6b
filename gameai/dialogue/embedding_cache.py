"""On-disk cache of the embeddings of *fixed* texts: the speech-act example sentences and each
persona's data (item names, facts, relationships, rumours, landmarks).

Embedding those costs about 2 s of CPU at every start of a process on one core, the largest
single cost of a cold `gameai chat --say` once the model itself is fast to load. They are the same
every time, so the first start writes them to the user's cache folder and later starts read them.

Never a player's words: only texts that the engine passes to `Embedder.embed_static` (data from
the package and the persona card) are written, so erasing a player (DialogueEngine.forget) has
nothing to clean up here.

A file is keyed by a hash of the texts (in order), the embedding model's identity (its config,
tokenizer and weight-file size and modification time) and the encoder's code (the source of
embeddings.py): a new model or a changed encoder reads none of the old files. A file that is cut
short, corrupt, foreign or written for other texts is detected (magic, key, shape, checksum,
finite values) and recomputed, without a traceback. Files are written atomically (a temporary
file in the same folder, then os.replace), so a crash or two processes starting at once leave
either the old file or the new one. Where the folder cannot be written, the cache is skipped.

Folder: $GAMEAI_CACHE_DIR/embeddings, else $XDG_CACHE_HOME/gameai/embeddings, else
~/.cache/gameai/embeddings. GAMEAI_CACHE_DIR=none turns the disk cache off.
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

MAGIC = b"GAMEAI-EMB\x01"
_HEAD = struct.Struct("<11s32sII")  # magic, key, rows, columns
_SUM = 16                           # blake2b digest of the payload, at the end
MAX_FILES = 256                     # oldest files beyond this many are removed when one is written


def cache_dir() -> Path | None:
    """Where the embedding files live; None when the disk cache is turned off."""
    raw = os.environ.get("GAMEAI_CACHE_DIR")
    if raw is not None:
        if raw.strip().lower() in ("", "none", "off", "0"):
            return None
        return Path(raw).expanduser() / "embeddings"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "gameai" / "embeddings"


def cache_key(identity: bytes, texts: list[str]) -> bytes:
    """32 bytes naming these texts (in order) under this model + encoder identity."""
    h = hashlib.blake2b(digest_size=32, person=b"gameai-emb")
    h.update(identity)
    h.update(len(texts).to_bytes(8, "little"))
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.digest()


def path_for(folder: Path, key: bytes) -> Path:
    return folder / f"{key.hex()[:40]}.emb"


def load(path: Path, key: bytes, rows: int, dim: int) -> np.ndarray | None:
    """The cached (rows, dim) float32 matrix, or None when the file is missing or not valid for
    this key (cut short, corrupt, foreign, other texts): the caller recomputes."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    why = _invalid(data, key, rows, dim)
    if why is not None:
        log.debug("embedding cache %s ignored: %s", path, why)
        return None
    payload = data[_HEAD.size:-_SUM]
    return np.frombuffer(payload, dtype="<f4").reshape(rows, dim).astype(np.float32)


def _invalid(data: bytes, key: bytes, rows: int, dim: int) -> str | None:
    if len(data) < _HEAD.size + _SUM:
        return "too short"
    magic, k, n, d = _HEAD.unpack_from(data)
    if magic != MAGIC:
        return "not a gameai embedding file"
    if k != key:
        return "written for other texts or another model"
    if (n, d) != (rows, dim) or len(data) != _HEAD.size + rows * dim * 4 + _SUM:
        return "wrong size"
    payload = data[_HEAD.size:-_SUM]
    if hashlib.blake2b(payload, digest_size=_SUM).digest() != data[-_SUM:]:
        return "checksum mismatch"
    if not np.isfinite(np.frombuffer(payload, dtype="<f4")).all():
        return "non-finite values"
    return None


def save(path: Path, key: bytes, matrix: np.ndarray) -> bool:
    """Write atomically; False (and nothing left behind) when the folder cannot be written."""
    m = np.ascontiguousarray(matrix, dtype="<f4")
    payload = m.tobytes()
    blob = _HEAD.pack(MAGIC, key, m.shape[0], m.shape[1]) + payload + hashlib.blake2b(payload, digest_size=_SUM).digest()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".emb")
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
        tmp = None
        _prune(path.parent)
        return True
    except OSError as exc:
        log.debug("embedding cache %s not written: %s", path, exc)
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _prune(folder: Path) -> None:
    """Keep the folder bounded (a service with many worlds writes one file per persona and world)."""
    files = list(folder.glob("*.emb"))
    if len(files) <= MAX_FILES:
        return
    def age(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0
    for p in sorted(files, key=age)[:len(files) - MAX_FILES]:
        try:
            p.unlink()
        except OSError:
            pass
