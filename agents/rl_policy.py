"""A trained MaskablePPO model as a ``Policy`` (the interface every bot implements).

The network was trained with parameter sharing (``agents.rl_slots``): it maps one unit's
egocentric observation to that unit's action, so a whole team is one batched forward pass over
its live units. ``temperature`` 0 plays the most likely valid action; above 0 it samples from
the masked softmax at that temperature, each environment from its own seeded stream (so a match
plays the same whatever else shares the batch).
"""
from __future__ import annotations

import os
import warnings
import weakref
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from agents.policy import env_generators
from envs.core import ObservationSpec


class ModelFileError(ValueError):
    """A model file that is missing, unreadable or made for another ruleset shape."""


#: The attribute of a MaskablePPO model that records its observation layout version (envs.spec
#: LAYOUT_VERSIONS). SB3 saves a model's plain attributes in its zip, so the version travels with
#: the model file; models from before layout versions have none and read layout 1.
OBS_LAYOUT_ATTR = "gameai_obs_layout"


def model_layout(model: Any) -> int:
    """The observation layout version a model (or its policy) was trained on (1 if it does not say)."""
    return int(getattr(model, OBS_LAYOUT_ATTR, 1) or 1)


def set_torch_threads() -> None:
    """torch on ``GAMEAI_THREADS`` threads (default 1): with 2 busy cores more threads are much slower."""
    import torch

    raw = os.environ.get("GAMEAI_THREADS", "1")
    n = int(raw) if raw.strip().isdigit() and int(raw) >= 1 else 1
    if n == 1 and raw.strip() not in ("", "1"):
        # A typo in an env var must not stop a match: say what was wrong and go on with the safe default.
        warnings.warn(f"GAMEAI_THREADS={raw!r} is not a whole number >= 1; using 1 thread", stacklevel=2)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


def _constant_zero(_progress_remaining: float) -> float:
    return 0.0


_NO_SCHEDULE = {"learning_rate": 0.0, "lr_schedule": _constant_zero}


def load_model(path: str | os.PathLike) -> Any:
    """A MaskablePPO model from a ``.zip`` written by ``gameai train`` (or SB3's ``save``)."""
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"model file {p} does not exist; train one with `gameai train --out {p}` "
                             "or use the shipped bot by name (\"ppo\")")
    set_torch_threads()
    from sb3_contrib import MaskablePPO

    try:
        # the training schedule is not needed to play or to start a fine-tune (which sets its own), and a
        # pickled schedule object would tie every model file to the class that wrote it
        return MaskablePPO.load(p, device="cpu", custom_objects=_NO_SCHEDULE)
    except Exception as exc:  # zipfile/pickle/torch errors all mean "not a model we can read"
        raise ModelFileError(f"{p} is not a readable MaskablePPO model ({type(exc).__name__}: {exc}); "
                             "retrain it with `gameai train`") from exc


#: Rows per forward pass. BLAS picks its kernel by matrix shape (MKL rounds a 1-3 row product
#: differently from a 4+ row one, by up to 4e-6 in the logits: enough to flip a near-tied greedy
#: choice), so rows always go through the network in blocks of exactly this many, the last one
#: padded: every product has the same shape whatever the batch, and a row's logits never depend
#: on how many other units share its pass. The price, measured on sweep batches of 64 matches:
#: about 5% more CPU per match than unblocked passes (64, 128 and 256 cost the same there).
FORWARD_BLOCK = 64


def masked_logits(policy: Any, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Action logits (rows, A) of an SB3 maskable policy, with invalid actions at -inf.

    Each row's logits are bit-identical whatever the number of rows (see ``FORWARD_BLOCK``)."""
    import torch

    rows = len(obs)
    padded = max(-(-rows // FORWARD_BLOCK), 1) * FORWARD_BLOCK
    x = torch.zeros((padded, obs.shape[-1]), dtype=torch.float32)
    x[:rows] = torch.as_tensor(obs, dtype=torch.float32)
    actor = _actor(policy)
    with torch.no_grad():
        logits = torch.cat([actor(block) for block in x.split(FORWARD_BLOCK)])[:rows].numpy().astype(np.float64)
    return np.where(mask > 0, logits, -np.inf)


_ACTORS: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def _actor(policy: Any):
    """The policy's observation -> logits function. For SB3's plain MLP (flattened Box
    observations, Linear layers and Tanh/ReLU) the same torch kernels called directly: a block
    of 64 rows then costs a third less than through nn.Module calls, whose overhead per call
    dominates at this size. Anything else goes through the policy's own modules."""
    fn = _ACTORS.get(policy)
    if fn is None:
        fn = _ACTORS[policy] = _plain_mlp(policy) or (
            lambda x: policy.action_net(policy.mlp_extractor.forward_actor(
                policy.extract_features(x, policy.pi_features_extractor))))
    return fn


def _plain_mlp(policy: Any):
    import torch
    from gymnasium import spaces
    from stable_baselines3.common.torch_layers import FlattenExtractor

    if not (isinstance(policy.observation_space, spaces.Box) and len(policy.observation_space.shape) == 1
            and isinstance(policy.pi_features_extractor, FlattenExtractor)):
        return None
    ops = []
    for m in [*policy.mlp_extractor.policy_net, policy.action_net]:
        if isinstance(m, torch.nn.Linear):
            ops.append((m.weight, m.bias))
        elif isinstance(m, (torch.nn.Tanh, torch.nn.ReLU)):
            ops.append(torch.tanh if isinstance(m, torch.nn.Tanh) else torch.relu)
        else:
            return None
    linear = torch.nn.functional.linear

    def forward(x):
        for op in ops:
            x = linear(x, *op) if isinstance(op, tuple) else op(x)
        return x
    return forward


def choose(logits: np.ndarray, temperature: float, gumbel: np.ndarray | None) -> np.ndarray:
    """Argmax at temperature 0; else a sample from softmax(logits / T) by the Gumbel-max trick."""
    if temperature <= 0 or gumbel is None:
        return logits.argmax(-1)
    return (logits / temperature + gumbel).argmax(-1)


class LearnedPolicy:
    """A MaskablePPO model driving one team: one forward pass over the team's live units."""

    def __init__(self, model: Any, temperature: float = 0.0, seed: int = 0, name: str = "ppo",
                 obs_layout: int | None = None):
        if isinstance(model, (str, os.PathLike)):
            model = load_model(model)
        self.model = model
        #: the observation layout this bot reads; the arena observes in it (envs.core.observation_spec)
        self.obs_layout = int(obs_layout) if obs_layout is not None else model_layout(model)
        self.policy = model.policy if hasattr(model, "policy") else model
        self.policy.set_training_mode(False)
        self.temperature = float(temperature)
        if not np.isfinite(self.temperature) or self.temperature < 0:
            raise ValueError(f"temperature must be a number >= 0, got {temperature!r}")
        self.seed = int(seed)
        self.name = name
        self.rngs: list[np.random.Generator] = []

    @property
    def obs_size(self) -> int:
        return int(self.policy.observation_space.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.policy.action_space.n)

    def check_spec(self, spec: ObservationSpec) -> None:
        if spec.version != self.obs_layout:
            raise ModelFileError(
                f"bot {self.name!r} was trained on observation layout v{self.obs_layout}, but this environment "
                f"gives layout v{spec.version}; build the environment with "
                f"observation_spec(params, version={self.obs_layout}) (the arena and sweeps do this for you)")
        if spec.size != self.obs_size or spec.n_actions != self.n_actions:
            raise ModelFileError(
                f"bot {self.name!r} was trained for observations of size {self.obs_size} and {self.n_actions} "
                f"actions, but this ruleset gives {spec.size} and {spec.n_actions} (a different number of "
                "unit types or nearest-unit slots); train a bot for this ruleset with `gameai train --ruleset ...`")

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        self.check_spec(spec)
        self.rngs = env_generators(seeds, team, self.seed + 7)

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        live, gumbel = self.prepare(mask)
        logits = masked_logits(self.policy, obs[live], mask[live]) if live.any() else None
        return self.pick(logits, live, gumbel)

    # act() in two halves, so that agents.learned_batch can run one forward pass for both teams.
    def prepare(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The (B, U) units that have a choice this step, and this step's Gumbel noise (or None)."""
        gumbel = None
        if self.temperature > 0:
            # every environment draws a full (U, A) block each step, so its stream never depends on the batch
            gumbel = np.stack([g.gumbel(size=mask.shape[1:]) for g in self.rngs])
        return (mask[..., 1:] > 0).any(-1), gumbel  # dead units (and finished matches) may only hold

    def pick(self, logits: np.ndarray | None, live: np.ndarray, gumbel: np.ndarray | None) -> np.ndarray:
        """(B, U) actions from the logits of the live units (in ``obs[live]`` order); the rest hold."""
        out = np.zeros(live.shape, dtype=np.int64)
        if logits is not None and len(logits):
            out[live] = choose(logits, self.temperature, gumbel[live] if gumbel is not None else None)
        return out
