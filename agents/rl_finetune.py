"""Fine-tuning a learned bot to one ruleset: the "specialist" that checks a generalist.

``fine_tune(init, ruleset, steps, seed=, out=)`` starts from ``init``'s weights (a model file or a
shipped learned bot's name) and trains on with self-play on ``ruleset`` and its own teams, in
the layout ``init`` reads, without the imitation warm start (the init model is the warm start).
It is ``gameai train --init BOT --ruleset R --steps N`` as a function.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from envs.ruleset import Ruleset


def resolve_model(init: str | os.PathLike) -> str:
    """A shipped learned bot's model file, or an existing model path; ModelFileError otherwise."""
    from agents.pretrained import LEARNED_BOTS, model_path
    from agents.rl_policy import ModelFileError

    name = os.fspath(init)
    if name in LEARNED_BOTS:
        return str(model_path(name))
    if not os.path.isfile(name):
        raise ModelFileError(f"--init {name}: no such model file or learned bot (shipped bots: "
                             f"{', '.join(LEARNED_BOTS)}); train one with `gameai train --out MODEL.zip`")
    return name


def fine_tune(init: str | os.PathLike, ruleset: Ruleset, steps: int, *, seed: int = 0, out: str | os.PathLike,
              progress: bool = False, log: Callable[[str], None] = print, **settings: Any):
    """Train ``init`` on for ``steps`` agent-steps on ``ruleset``; returns ``agents.rl_train.TrainResult``.

    ``settings`` override ``TrainConfig`` fields (e.g. ``n_slots``, ``eval_seeds``, ``map_size``).
    """
    from agents.rl_policy import load_model, model_layout
    from agents.rl_train import TrainConfig, train

    path = resolve_model(init)
    cfg = TrainConfig(steps=int(steps), out=str(Path(out)), seed=int(seed), imitate=None, init=path,
                      obs_layout=model_layout(load_model(path)), ruleset_source=ruleset.source,
                      **{"eval_seeds": 0, **settings})
    return train(cfg, ruleset, progress=progress, log=log)
