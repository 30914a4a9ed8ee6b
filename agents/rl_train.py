"""The training loop behind ``gameai train``: self-play MaskablePPO with parameter sharing.

One run = one MaskablePPO learner on a ``UnitSlotVecEnv`` (each live unit of the learner's team is
a batch slot), playing a ``League`` of scripted bots and its own snapshots on random training map
seeds. The loop shows a progress bar, writes a checkpoint (model, league, progress) every
``checkpoint_every`` steps and on Ctrl-C, and resumes from it when started again with the same
``out``. At the end it saves the model to ``out`` and evaluates it on held-out map seeds.

A step is one agent-step: one unit's decision (SB3's ``num_timesteps`` counts slots).
"""
from __future__ import annotations

import json
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from envs.ruleset import Ruleset


class TrainError(ValueError):
    """Bad training settings, or a checkpoint that does not match them."""


@dataclass
class TrainConfig:
    steps: int                                  # total agent-steps (resume continues to this total)
    out: str                                    # the final model file (.zip)
    seed: int = 0
    n_slots: int = 512                          # units in SB3's batch
    n_steps: int = 32                           # rollout length per slot
    batch_size: int = 1024
    n_epochs: int = 4
    learning_rate: float = 6e-4
    lr_schedule: str = "linear"                # falls to 0 at the run's last step; or "constant"
    gamma: float = 0.99
    gae_lambda: float = 0.95
    ent_coef: float = 0.005
    clip_range: float = 0.2
    net_arch: tuple[int, ...] = (128, 128)
    map_size: int = 32                          # 0 = the ruleset's built-in arena
    snapshot_every: int = 250_000               # add a frozen copy of the learner to the league
    checkpoint_every: int = 100_000
    eval_seeds: int = 100                       # held-out map seeds for the final evaluation (both sides each)
    eval_bots: tuple[str, ...] = ("focus_fire", "kite", "retreat")
    tensorboard: str | None = None              # log dir; needs the optional `tensorboard` package
    ruleset_source: str = "default"
    imitate: str | None = "kite"                # scripted bot cloned before self-play (None: start from scratch)
    imitate_steps: int = 300_000                # slot-steps of the teacher's play to clone
    imitate_epochs: int = 4
    league_bots: tuple[str, ...] = ("focus_fire", "kite", "retreat")  # scripted part of the pool
    obs_layout: int = 1                         # observation layout version (envs.spec.LAYOUT_VERSIONS)
    randomize: dict | None = None               # agents.rl_randomize.fingerprint of the draws (None: fixed ruleset)
    groups: int = 8                             # randomising: slot groups, each on its own drawn ruleset
    matches_per_draw: int = 128                 # randomising: matches per drawn ruleset (32 idled 25% of slot-steps)
    init: str | None = None                     # fine-tuning: the model the run starts from (no imitation then)

    def check(self) -> None:
        if self.steps <= 0:
            raise TrainError(f"--steps must be a positive number of agent-steps, got {self.steps}")
        if not str(self.out).endswith(".zip"):
            raise TrainError(f"--out must name a .zip file (the model), got {self.out!r}")
        if self.n_slots < 8 or self.n_steps < 2:
            raise TrainError("n_slots must be >= 8 and n_steps >= 2")
        from agents.scripted import BOTS, STRATEGIES

        bad = [b for b in self.league_bots if b not in BOTS]
        if bad or not self.league_bots:
            raise TrainError(f"--league needs scripted bots from: {', '.join(BOTS)} (got {list(self.league_bots)})")
        if not (self.learning_rate > 0):
            raise TrainError(f"--learning-rate must be > 0, got {self.learning_rate}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise TrainError(f"--lr-schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        if self.imitate is not None:

            if self.imitate not in STRATEGIES:
                raise TrainError(f"--imitate {self.imitate!r} is not a scripted strategy; use one of "
                                 f"{', '.join(STRATEGIES)} or 'none'")
            if self.imitate_steps < self.n_slots:
                raise TrainError(f"--imitate-steps must be at least the number of slots ({self.n_slots})")
        from envs.spec import LAYOUT_VERSIONS

        if self.obs_layout not in LAYOUT_VERSIONS:
            raise TrainError(f"observation layout must be one of {LAYOUT_VERSIONS}, got {self.obs_layout}")
        if self.randomize is not None and (self.groups < 1 or self.n_slots % self.groups or self.matches_per_draw < 1):
            raise TrainError(f"randomising needs groups >= 1 dividing n_slots ({self.n_slots}) and "
                             f"matches_per_draw >= 1 (got groups={self.groups}, matches_per_draw={self.matches_per_draw})")
        if (self.n_slots * self.n_steps) % self.batch_size:
            raise TrainError(f"batch_size {self.batch_size} must divide n_slots*n_steps = {self.n_slots * self.n_steps}")

    @property
    def checkpoint_dir(self) -> Path:
        return Path(str(self.out)[:-4] + ".ckpt")


@dataclass
class TrainResult:
    model_path: Path
    steps: int
    seconds: float
    resumed_from: int
    league: list[dict[str, Any]]
    evaluation: dict[str, Any] = field(default_factory=dict)
    idle_fraction: float = 0.0
    rulesets_drawn: int = 0  # randomising: ruleset draws over all slot groups this session (how many games it met)


# the settings that must match for a checkpoint to be resumed
_RESUME_KEYS = ("seed", "n_slots", "n_steps", "batch_size", "net_arch", "map_size", "ruleset_source", "imitate",
                "lr_schedule", "league_bots", "obs_layout", "randomize", "groups", "matches_per_draw", "init")
_RANDOMIZE_ONLY = ("groups", "matches_per_draw")  # unused on one fixed ruleset: a changed default must not block it


LR_SCHEDULES = ("constant", "linear")


@dataclass(frozen=True)
class LinearDecay:
    """PPO's learning rate falling linearly to 0 at the run's last agent-step (CleanRL's ``anneal_lr``).

    Self-play at a constant rate drifts late in a run (a randomised-ruleset run resumed from 21M to
    26M agent-steps fell from 83% to 67% against focus_fire); a rate that ends at 0 lets the last
    updates settle instead. SB3 hands a schedule its progress through the current ``learn()`` call,
    which ends at ``call_end`` (an early stop or a resume ends or starts mid-run), so the schedule
    turns that back into the run's own step before reading the rate.
    """

    start: float
    call_start: int   # the run's agent-step when this learn() call began
    call_end: int     # ... and where it ends
    run_steps: int    # the run's last agent-step

    def __call__(self, progress_remaining: float) -> float:
        step = self.call_start + (1.0 - progress_remaining) * (self.call_end - self.call_start)
        return self.start * max(0.0, 1.0 - step / self.run_steps)


def _set_lr_schedule(model, cfg: TrainConfig, call_start: int, call_end: int) -> None:
    if cfg.lr_schedule == "linear":
        model.learning_rate = LinearDecay(cfg.learning_rate, call_start, call_end, cfg.steps)
    else:
        model.learning_rate = cfg.learning_rate
    model._setup_lr_schedule()


class _StopRequest:
    requested = False


@contextmanager
def _ctrl_c_stops_at_the_next_step():
    """Ctrl-C during training sets a flag that the callback reads at the next step, instead of raising
    wherever the signal lands: a KeyboardInterrupt raised inside C code that clears errors (numba's
    dispatcher, torch) can be swallowed, and the run would then train on to the end. A second Ctrl-C
    raises at once."""
    stop = _StopRequest()
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield stop  # not ours to change (a worker thread, or a host that handles SIGINT itself)
        return

    def request(signum, frame):
        stop.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, request)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _callback(cfg: TrainConfig, venv, league, progress: bool, on_progress: Callable | None,
              stop: _StopRequest | None = None):
    from stable_baselines3.common.callbacks import BaseCallback

    class Loop(BaseCallback):
        """Progress bar, league snapshots and periodic checkpoints, at rollout boundaries."""

        def _on_training_start(self) -> None:
            self.bar = None
            if progress:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=cfg.steps, initial=self.num_timesteps, unit="step", unit_scale=True,
                                desc="training", dynamic_ncols=True)
            self.last_ckpt = self.num_timesteps
            self.last_snap = self.num_timesteps
            self.shown = self.num_timesteps

        def _on_step(self) -> bool:
            return stop is None or not stop.requested

        def _on_rollout_end(self) -> None:
            n = self.num_timesteps
            st = venv.stats
            if self.bar is not None:
                self.bar.update(n - self.shown)
                self.bar.set_postfix(matches=st["matches"], score=f"{venv.recent_score:.0%}",
                                     idle=f"{venv.idle_fraction:.1%}", refresh=False)
            self.shown = n
            self.logger.record("league/recent_score", venv.recent_score)
            self.logger.record("league/idle_slot_fraction", venv.idle_fraction)
            for row in league.table():
                self.logger.record(f"rating/{row['name']}", row["ordinal"])
            if n - self.last_snap >= cfg.snapshot_every:
                league.add_snapshot(self.model.policy, n)
                self.last_snap = n
            if n - self.last_ckpt >= cfg.checkpoint_every:
                save_checkpoint(cfg, self.model, league)
                self.last_ckpt = n
            if on_progress is not None:
                on_progress(n)

        def _on_training_end(self) -> None:
            if self.bar is not None:
                self.bar.close()

    return Loop()


def save_checkpoint(cfg: TrainConfig, model, league) -> None:
    """model.zip + league + progress.json, each written to a temp file and renamed (never half-written)."""
    d = cfg.checkpoint_dir
    d.mkdir(parents=True, exist_ok=True)
    model.save(d / "model.tmp.zip")
    (d / "model.tmp.zip").replace(d / "model.zip")
    league.save(d)
    meta = {"steps": int(model.num_timesteps), "config": asdict(cfg), "saved_at": time.time()}
    (d / "progress.tmp").write_text(json.dumps(meta, indent=1))
    (d / "progress.tmp").replace(d / "progress.json")


def _check_resume(cfg: TrainConfig) -> int:
    """Steps already done by a checkpoint of the same run, or 0 when there is none."""
    meta_path = cfg.checkpoint_dir / "progress.json"
    if not meta_path.exists() or not (cfg.checkpoint_dir / "model.zip").exists():
        return 0
    try:
        meta = json.loads(meta_path.read_text())
        old = {"lr_schedule": "constant", **meta["config"]}  # checkpoints from before the setting existed
        steps = int(meta["steps"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TrainError(f"checkpoint {meta_path} is unreadable ({exc}); delete {cfg.checkpoint_dir} to start over") from exc
    now = asdict(cfg)
    keys = _RESUME_KEYS if cfg.randomize is not None else [k for k in _RESUME_KEYS if k not in _RANDOMIZE_ONLY]
    diff = [k for k in keys if _norm(old.get(k)) != _norm(now.get(k))]
    if diff:
        raise TrainError(f"checkpoint {cfg.checkpoint_dir} was made with different settings "
                         f"({', '.join(f'{k}={old.get(k)!r}' for k in diff)}); use the same settings to resume, "
                         f"or another --out / delete {cfg.checkpoint_dir} to start over")
    return steps


def _norm(v):
    return list(v) if isinstance(v, (list, tuple)) else v


def _make_venv(cfg: TrainConfig, ruleset: Ruleset, league, seed: int, draws):
    from agents.rl_slots import SlotGroupsVecEnv, UnitSlotVecEnv

    if draws is None:
        return UnitSlotVecEnv(ruleset, league, cfg.n_slots, map_size=cfg.map_size, seed=seed,
                              obs_layout=cfg.obs_layout)
    # groups of slots, each on its own ruleset draw: one core call per group and step keeps the
    # batched core (one ruleset per pool), and a group waiting out its last matches idles alone
    per = cfg.n_slots // cfg.groups
    return SlotGroupsVecEnv([UnitSlotVecEnv(ruleset, league, per, map_size=cfg.map_size, seed=[seed, g],
                                            obs_layout=cfg.obs_layout, draws=draws,
                                            matches_per_draw=cfg.matches_per_draw) for g in range(cfg.groups)])


def _start_model(cfg: TrainConfig, venv, tb):
    """A fresh MaskablePPO learner, or (fine-tuning) the ``init`` model's weights on this env."""
    from sb3_contrib import MaskablePPO

    from agents.rl_policy import OBS_LAYOUT_ATTR, load_model, model_layout

    kwargs = dict(n_steps=cfg.n_steps, batch_size=cfg.batch_size, n_epochs=cfg.n_epochs,
                  learning_rate=cfg.learning_rate, gamma=cfg.gamma, gae_lambda=cfg.gae_lambda, ent_coef=cfg.ent_coef,
                  clip_range=cfg.clip_range, seed=cfg.seed, device="cpu", verbose=0, tensorboard_log=tb)
    if cfg.init:
        init = load_model(cfg.init)
        if model_layout(init) != cfg.obs_layout:
            raise TrainError(f"--init model {cfg.init} reads observation layout v{model_layout(init)}, "
                             f"but this run uses v{cfg.obs_layout}")
        arch = list(init.policy_kwargs.get("net_arch", cfg.net_arch)) if init.policy_kwargs else list(cfg.net_arch)
        model = MaskablePPO("MlpPolicy", venv, policy_kwargs={"net_arch": arch}, **kwargs)
        try:
            model.policy.load_state_dict(init.policy.state_dict())
        except RuntimeError as exc:
            raise TrainError(f"--init model {cfg.init} does not fit this ruleset's observations/actions: {exc}") from None
    else:
        model = MaskablePPO("MlpPolicy", venv, policy_kwargs={"net_arch": list(cfg.net_arch)}, **kwargs)
    setattr(model, OBS_LAYOUT_ATTR, cfg.obs_layout)
    return model


def train(cfg: TrainConfig, ruleset: Ruleset, *, progress: bool = True, log: Callable[[str], None] = print,
          on_progress: Callable[[int], None] | None = None, stop_at: int | None = None,
          draws=None) -> TrainResult:
    """Train (or resume) to ``cfg.steps`` agent-steps; save ``cfg.out`` and evaluate on held-out seeds.

    ``stop_at`` ends this session early at that many total steps (with a checkpoint), as an
    interrupt would; a later call resumes from there. ``draws`` (``agents.rl_randomize.RuleDraws``)
    randomises the ruleset and armies per group of matches (``cfg.randomize`` must be its fingerprint).
    """
    cfg.check()
    from agents.rl_policy import set_torch_threads

    set_torch_threads()
    import torch
    from sb3_contrib import MaskablePPO

    from agents.league import League
    from agents.rl_policy import OBS_LAYOUT_ATTR
    from agents.rl_randomize import fingerprint

    if fingerprint(draws) != cfg.randomize:
        raise TrainError("cfg.randomize must be agents.rl_randomize.fingerprint(draws)")
    done = _check_resume(cfg)
    league = League(scripted=tuple(cfg.league_bots))
    venv = _make_venv(cfg, ruleset, league, cfg.seed + done, draws)
    tb = None
    if cfg.tensorboard:
        try:
            import tensorboard  # noqa: F401
            tb = cfg.tensorboard
        except ImportError:
            log("tensorboard is not installed: training without TensorBoard logs (pip install tensorboard)")
    if done:
        model = MaskablePPO.load(cfg.checkpoint_dir / "model.zip", env=venv, device="cpu", tensorboard_log=tb)
        setattr(model, OBS_LAYOUT_ATTR, cfg.obs_layout)
        league.load(cfg.checkpoint_dir, model.policy)
        log(f"resuming from checkpoint {cfg.checkpoint_dir} at {done:,} of {cfg.steps:,} steps")
    else:
        torch.manual_seed(cfg.seed)
        model = _start_model(cfg, venv, tb)
        if cfg.imitate and not cfg.init:
            from agents.rl_imitation import clone, collect

            log(f"imitation warm start: cloning {cfg.imitate!r} from {cfg.imitate_steps:,} slot-steps of its play")
            data = collect(venv, cfg.imitate, cfg.imitate_steps, cfg.gamma)
            clone(model.policy, data, epochs=cfg.imitate_epochs, seed=cfg.seed, log=log)
    start = time.perf_counter()
    target = min(cfg.steps, stop_at) if stop_at is not None else cfg.steps
    interrupted = False
    try:
        if target > done:
            _set_lr_schedule(model, cfg, done, target)
            with _ctrl_c_stops_at_the_next_step() as stop:
                model.learn(total_timesteps=target - done, reset_num_timesteps=False,
                            callback=_callback(cfg, venv, league, progress, on_progress, stop))
            if stop.requested:
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if model.num_timesteps > done or interrupted:
            save_checkpoint(cfg, model, league)
    seconds = time.perf_counter() - start
    result = TrainResult(Path(cfg.out), int(model.num_timesteps), seconds, done, league.table(),
                         idle_fraction=venv.idle_fraction, rulesets_drawn=int(venv.rulesets_drawn))
    if model.num_timesteps < cfg.steps:
        return result  # stopped early on request: the checkpoint holds the progress
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out.with_name(out.name + ".tmp.zip"))
    out.with_name(out.name + ".tmp.zip").replace(out)
    if cfg.eval_seeds > 0:
        from agents.rl_eval import evaluate_against
        from agents.rl_policy import LearnedPolicy

        log(f"evaluating on {cfg.eval_seeds} held-out map seeds (both sides) against {', '.join(cfg.eval_bots)} ...")
        result.evaluation = evaluate_against(
            ruleset, lambda: LearnedPolicy(model, name="trained", obs_layout=cfg.obs_layout), cfg.eval_bots,
            cfg.eval_seeds, map_size=cfg.map_size)
    report = {"model": str(out), "obs_layout": cfg.obs_layout, "steps": result.steps, "train_seconds_this_session": round(seconds, 1),
              "resumed_from": done, "idle_slot_fraction": result.idle_fraction,
              "rulesets_drawn_this_session": result.rulesets_drawn, "config": asdict(cfg),
              "league": result.league, "evaluation": result.evaluation}
    out.with_suffix(".json").write_text(json.dumps(report, indent=1, default=float))
    return result

