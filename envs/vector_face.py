"""Many skirmishes in one step call, every unit one row: the shape multi-agent trainers consume.

``SkirmishVectorEnv(B)`` runs B skirmishes on one batched core state. It is a Gymnasium
``VectorEnv`` whose sub-environments are agent slots, B × N rows (N units per skirmish, rows
``b * N + i``), the layout SuperSuit's ``concat_vec_envs_v1(pettingzoo_env_to_vec_env_v1(env), B)``
gives a PettingZoo environment, so one policy with shared parameters drives every unit::

    from envs import skirmish_v0
    venv = skirmish_v0.vector_env(64, max_steps=200)
    obs, infos = venv.reset(seed=0)            # obs["observation"] (B*N, D), obs["action_mask"] (B*N, A)
    obs, rewards, terminations, truncations, infos = venv.step(actions)   # actions: (B*N,) ints

- Same-step auto-reset (``metadata["autoreset_mode"]``): when a skirmish ends, its rows report
  terminated (a team wiped out) or truncated (time ran out) and the returned observation is already
  the next match's; ``infos["final_obs"]`` holds the last observation of every row that ended and
  ``infos["final_info"]`` the winner and length of finished matches (Gymnasium's info layout).
- A unit that dies is terminated that step. Its row then idles until its match ends (zero
  observation, only "hold" allowed, reward 0, neither flag) and ends with its match; ``in_play``
  says which rows have a live unit.
- Seeding as SuperSuit's concatenation does: ``reset(seed=s)`` seeds skirmish b like
  ``skirmish_v0.parallel_env().reset(seed=s + b)``, and each skirmish draws its later matches from
  its own stream, so skirmish b plays exactly the matches that parallel environment would.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Mapping, Sequence

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from envs import core
from envs.pettingzoo_face import OBS_BOUND, agent_names, agent_spaces, at_step_limit, observe_clipped
from envs.rewards import RewardConfig
from envs.ruleset import Ruleset, default_ruleset


def write_matches(state: core.SkirmishState, envs: np.ndarray, new: core.SkirmishState) -> None:
    """Put the matches of ``new`` (one per entry of ``envs``) into those environments of ``state``.

    Map arrays (B, H, W) are padded with -1 (outside the map / no unit), and grown when a new map
    is larger than the batch's.
    """
    for f in fields(state):
        src, dst = getattr(new, f.name), getattr(state, f.name)
        if src.shape[1:] == dst.shape[1:]:
            dst[envs] = src
            continue
        h, w = max(dst.shape[1], src.shape[1]), max(dst.shape[2], src.shape[2])
        if (h, w) != dst.shape[1:]:
            grown = np.full((dst.shape[0], h, w), -1, dtype=dst.dtype)
            grown[:, :dst.shape[1], :dst.shape[2]] = dst
            setattr(state, f.name, dst := grown)
        dst[envs] = -1
        dst[envs, :src.shape[1], :src.shape[2]] = src


class SkirmishVectorEnv(VectorEnv):
    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(self, num_skirmishes: int = 64, ruleset: Ruleset | None = None, *,
                 blue: Mapping[str, int] | None = None, red: Mapping[str, int] | None = None,
                 terrain: core.TerrainArg = None, max_steps: int | None = None, k: int = core.DEFAULT_K,
                 rewards: RewardConfig | Mapping[str, float] | None = None, render_mode: str | None = None):
        if isinstance(num_skirmishes, bool) or not isinstance(num_skirmishes, (int, np.integer)) or num_skirmishes < 1:
            raise ValueError(f"num_skirmishes must be a positive int, got {num_skirmishes!r}")
        if render_mode is not None:
            raise ValueError("the vector env does not render; render one skirmish with skirmish_v0.parallel_env()")
        self.ruleset = ruleset or default_ruleset()
        self.blue = dict(blue or self.ruleset.teams["blue"])
        self.red = dict(red or self.ruleset.teams["red"])
        self.terrain = terrain
        self.params = core.compile_params(self.ruleset, k=k, max_steps=max_steps)
        self.obs_spec = core.observation_spec(self.params)
        self.rewards = RewardConfig.from_any(rewards)
        self._team, _ = core.unit_roster(self.ruleset, self.blue, self.red)
        self.possible_agents = agent_names(self._team)
        self.num_skirmishes = int(num_skirmishes)
        self.num_envs = self.num_skirmishes * len(self.possible_agents)
        self.single_observation_space, self.single_action_space = agent_spaces(self.obs_spec)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._fused = core.FusedStep(self.params, self.obs_spec, self.num_skirmishes, len(self.possible_agents),
                                     self.rewards.weights, OBS_BOUND)
        self.sim: core.SkirmishState | None = None
        self._streams: list[np.random.Generator] | None = None

    # --- Gymnasium VectorEnv API --------------------------------------------------------------
    def reset(self, *, seed: int | Sequence[int] | None = None, options: dict | None = None):
        """New matches everywhere. ``seed`` s seeds skirmish b with s + b (or give one seed per skirmish)."""
        b_n = self.num_skirmishes
        if seed is not None:
            seeds = [int(seed) + b for b in range(b_n)] if np.ndim(seed) == 0 else [int(s) for s in seed]
            if len(seeds) != b_n:
                raise ValueError(f"reset needs one seed or {b_n} seeds (one per skirmish), got {len(seeds)}")
            self._streams = [np.random.default_rng(s) for s in seeds]
        elif self._streams is None:
            self._streams = [np.random.default_rng(s) for s in np.random.SeedSequence().spawn(b_n)]
        match_seeds = [self._next_seed(b) for b in range(b_n)]
        self.sim = core.reset(self.params, self.blue, self.red, match_seeds, self.terrain)
        self.match_seeds = np.array(match_seeds, dtype=np.int64)
        self._obs, self._mask = observe_clipped(self.params, self.sim, self.obs_spec)
        self._in_play = self.sim.alive.copy()
        return self._batched(self._obs, self._mask), {}

    def step(self, actions):
        sim = self.sim
        if sim is None:
            raise RuntimeError("call reset() before step()")
        fused = self._fused
        fused.actions[:] = self._check_actions(actions)
        in_play = self._in_play
        obs, mask = fused(sim)  # one kernel call: step, rewards, clipped observations (new arrays)
        ev = fused.events  # events and rewards are refilled next step: what is handed out is computed from them
        rewards = np.where(in_play, fused.rewards, 0.0)  # idle rows (their unit died earlier) earn nothing
        done = sim.done
        if done.any():
            ended = done[:, None]
            limit = at_step_limit(self.params, sim, self._team)[:, None]
            terminations = ev.killed | (ended & ~limit)
            truncations = ended & limit & ~ev.killed
        else:
            terminations, truncations = ev.killed.copy(), np.zeros_like(ev.killed)
        rows_ended = (terminations | truncations).reshape(-1)
        infos: dict[str, Any] = {}
        if rows_ended.any():
            infos = self._final_infos(obs, mask, rows_ended, done)
        if done.any():  # same-step auto-reset: these rows already show the next match
            obs, mask = obs.copy(), mask.copy()  # the final observations in infos keep the old arrays
            self._start_matches(np.flatnonzero(done), obs, mask)
        self._obs, self._mask = obs, mask
        self._in_play = sim.alive.copy()
        return (self._batched(obs, mask), rewards.reshape(-1), terminations.reshape(-1), truncations.reshape(-1),
                infos)

    def close_extras(self, **kwargs: Any) -> None:
        self.sim = None

    # --- what trainers ask besides the API -------------------------------------------------------
    @property
    def in_play(self) -> np.ndarray:
        """(B*N,) bool: rows whose unit is alive (the others idle until their match ends)."""
        return self._in_play.reshape(-1)

    def action_masks(self) -> np.ndarray:
        """(B*N, A) bool: the current legal actions of every row (sb3-contrib's MaskablePPO convention)."""
        return self._mask.reshape(self.num_envs, -1).astype(bool)

    # --- internals ----------------------------------------------------------------------------
    def _next_seed(self, b: int) -> int:
        return int(self._streams[b].integers(0, 2**31 - 1))  # as SkirmishParallelEnv.reset draws it

    def _check_actions(self, actions) -> np.ndarray:
        acts = np.asarray(actions)
        b_n, n = self.num_skirmishes, len(self.possible_agents)
        if acts.shape not in ((b_n * n,), (b_n, n)):
            raise ValueError(f"actions must have shape ({b_n * n},) (one per row) or ({b_n}, {n}), got {acts.shape}")
        if acts.dtype.kind not in "iu":
            raise ValueError(f"actions must be integers, got dtype {acts.dtype}")
        if acts.min() < 0 or acts.max() >= self.obs_spec.n_actions:
            raise ValueError(f"actions must be in 0..{self.obs_spec.n_actions - 1}, got values "
                             f"{int(acts.min())}..{int(acts.max())}")
        return acts.reshape(b_n, n)

    def _batched(self, obs: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        return {"observation": obs.reshape(self.num_envs, -1), "action_mask": mask.reshape(self.num_envs, -1)}

    def _final_infos(self, obs: np.ndarray, mask: np.ndarray, rows_ended: np.ndarray, done: np.ndarray) -> dict:
        flat = self._batched(obs, mask)
        final_obs = np.full(self.num_envs, None, dtype=object)
        for r in np.flatnonzero(rows_ended).tolist():
            final_obs[r] = {"observation": flat["observation"][r], "action_mask": flat["action_mask"][r]}
        n = len(self.possible_agents)
        finished_rows = np.repeat(done, n)
        winner = np.full(self.num_envs, None, dtype=object)
        steps = np.zeros(self.num_envs, dtype=np.int64)
        for b in np.flatnonzero(done).tolist():
            winner[b * n:(b + 1) * n] = core.WINNER_NAMES[int(self.sim.winner[b])]
            steps[b * n:(b + 1) * n] = int(self.sim.t[b])
        final_info = {"winner": winner, "_winner": finished_rows, "steps": steps, "_steps": finished_rows.copy()}
        return {"final_obs": final_obs, "_final_obs": rows_ended, "final_info": final_info,
                "_final_info": rows_ended.copy()}

    def _start_matches(self, envs: np.ndarray, obs: np.ndarray, mask: np.ndarray) -> None:
        seeds = [self._next_seed(int(b)) for b in envs]
        new = core.reset(self.params, self.blue, self.red, seeds, self.terrain)
        write_matches(self.sim, envs, new)
        obs[envs], mask[envs] = observe_clipped(self.params, new, self.obs_spec)
        self.match_seeds[envs] = seeds
