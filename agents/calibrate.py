"""Calibrate a skill tier to a player: measure their style from replays, fit APM cap, reaction delay, noise.

A tier (``agents.tiers``) plays a strategy through three human limits. Calibration inverts them
from a player's recorded matches (replays hold every step's actions; re-running them through the
deterministic core regenerates what the player saw):

- **base strategy and reaction delay**: each scripted strategy is run in the shadow of the
  replay, fed the observations of ``d`` steps before, for every delay ``d`` at once (one batch row
  per delay). Whenever the player changed a unit's action, the change is compared with what each
  (strategy, delay) would have asked for. The pair that agrees most is the player's strategy and
  reaction delay — a tier's strategy is deterministic given what it saw, so at the true pair every
  change agrees except those made by decision noise.
- **APM cap**: a tier grants at most ``apm`` changes per minute from a token bucket
  (``agents.order_budget``). When the player ran out of orders (on at least 20 steps the shadow asked
  for more changes than the player made), the cap is the tightest bucket every recorded change fits
  in (``fit_apm``): a bucket at a lower rate would have refused one of them, and the player's own
  bucket is the one that just fits. A player who never ran out of orders gets the 95th percentile of
  their APM over 20-second windows (their own peak pace).
- **decision noise** ``p``: at the fitted pair, a change the strategy did not ask for is a random
  action. A unit wants a change with chance ``p(1-1/v)`` where the strategy keeps its action and
  ``1-p/v`` where it changes it (v valid actions); a step grants each wanting unit with chance
  min(1, changes made / changes wanted); the expected number of unexplained changes is then a
  rising function of ``p``, and ``p`` is where it meets the count seen (bisection).

Also measured and written (what a designer reads): actions per minute, reaction delay in seconds,
attack accuracy (attack orders that the rules allowed when given), focus on weak targets (attacks
on the weakest enemy in range) and retreat habit (steps a unit below 35% hp moved away from the
nearest enemy).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from agents.order_budget import fit_apm
from agents.tiers import SkillTier
from envs.spec import ATTACK0, HOLD, MOVE0, STEP_SECONDS

STRATEGIES = ("focus_fire", "kite", "retreat")
MAX_DELAY = 6
LOW_HP = 0.35
WINDOW_STEPS = 40  # 20 s windows for the peak pace of an uncapped player


class CalibrationError(ValueError):
    """Replays that cannot be calibrated from."""


@dataclass
class Style:
    """What calibration measured and the tier it fitted."""

    tier: SkillTier
    base_bot: str
    apm: float                  # order changes per minute (all of the player's units)
    apm_capped: bool            # whether the player ran out of orders (the cap was found, not a peak pace)
    reaction_delay_s: float
    agreement: float            # share of the player's changes the fitted (strategy, delay) explains
    attack_accuracy: float
    weak_target_focus: float
    retreat_habit: float
    replays: int
    decisions: int

    def measured(self) -> dict:
        return {"base_bot": self.base_bot, "apm": round(self.apm, 1), "apm_capped": self.apm_capped,
                "reaction_delay_s": self.reaction_delay_s, "agreement": round(self.agreement, 3),
                "attack_accuracy": round(self.attack_accuracy, 3),
                "weak_target_focus": round(self.weak_target_focus, 3),
                "retreat_habit": round(self.retreat_habit, 3), "replays": self.replays, "decisions": self.decisions}


@dataclass
class _Match:
    obs: np.ndarray     # (T, U, D)
    mask: np.ndarray    # (T, U, A)
    action: np.ndarray  # (T, U)


def _kept(action: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """What each unit does at step t without a new order: its previous action if still allowed, else hold."""
    prev = np.vstack([np.zeros_like(action[:1]), action[:-1]])
    ok = np.take_along_axis(mask, prev[..., None], -1)[..., 0] > 0
    return np.where(ok, prev, HOLD)


def _shadow(bot: str, m: _Match, spec, team: int) -> np.ndarray:
    """(T, MAX_DELAY+1, U): the strategy's wish at each step for each delay, made valid as a tier makes it."""
    from agents.scripted import base_policy

    t_n, u_n = m.action.shape
    pol = base_policy(bot)
    rows = MAX_DELAY + 1
    pol.reset(spec, team, list(range(rows)))
    out = np.zeros((t_n, rows, u_n), dtype=np.int64)
    idx = np.arange(rows)
    for t in range(t_n):
        src = np.maximum(t - idx, 0)  # row d sees step t - d (the first step until then, as a tier's history does)
        wish = np.asarray(pol.act(m.obs[src], m.mask[src]))
        ok = np.take_along_axis(np.broadcast_to(m.mask[t], (rows,) + m.mask[t].shape), wish[..., None], -1)[..., 0] > 0
        out[t] = np.where(ok, wish, HOLD)
    return out


def load_matches(replays: Sequence[tuple[str, dict]], team: str, bot: str | None, ruleset_dict: dict | None):
    """Re-run each replay; the chosen side's (obs, mask, action) per step, and the observation spec."""
    from agents.replay import ReplayError, bots_recorded, pick_teams, team_steps
    from envs import core
    from envs.ruleset import parse_ruleset

    if not replays:
        raise CalibrationError("name at least one replay file")
    matches: list[tuple[_Match, int]] = []
    spec = None
    for src, data in replays:
        if ruleset_dict is not None and data["ruleset"] != ruleset_dict:
            raise CalibrationError(f"{src} was recorded with another ruleset than the one calibrated for; a tier "
                                   "is measured under one ruleset's units and speeds (pass --ruleset, or "
                                   "calibrate from replays of one ruleset)")
        try:
            steps = team_steps(src, data, pick_teams(data, team, bot))
        except ReplayError as exc:
            raise CalibrationError(str(exc)) from None
        if spec is None:
            spec = core.observation_spec(core.compile_params(parse_ruleset(data["ruleset"], source=src)))
        for side, (obs, mask, action) in steps.items():
            matches.append((_Match(obs, mask, action), 0 if side == "blue" else 1))
    if not matches:
        raise CalibrationError(f"no matches of {'bot ' + repr(bot) if bot else 'team ' + team} in these replays"
                               + bots_recorded(replays))
    return matches, spec


def calibrate(replays: Sequence[tuple[str, dict]], name: str, *, team: str = "blue", bot: str | None = None,
              ruleset_dict: dict | None = None) -> Style:
    """Measure the style of the side chosen by ``team``/``bot`` in ``replays`` and fit a tier named ``name``."""
    matches, spec = load_matches(replays, team, bot, ruleset_dict)
    agree = np.zeros((len(STRATEGIES), MAX_DELAY + 1))
    changes_total = 0
    shadows: list[np.ndarray] = []
    for si, strat in enumerate(STRATEGIES):
        per = []
        for m, side in matches:
            sh = _shadow(strat, m, spec, side)
            live = (m.mask[..., 1:] > 0).any(-1)
            changed = (m.action != _kept(m.action, m.mask)) & live
            agree[si] += ((sh == m.action[:, None, :]) & changed[:, None, :]).sum((0, 2))
            if si == 0:
                changes_total += int(changed.sum())
            per.append(sh)
        shadows.append(per)
    if changes_total == 0:
        raise CalibrationError("the player never changed an order in these replays: nothing to measure")
    si, delay = np.unravel_index(int(agree.argmax()), agree.shape)
    agreement = float(agree[si, delay] / changes_total)

    steps_total, live_unit_steps = 0, 0
    capped_changes, capped_steps = 0, 0
    window_rates: list[float] = []
    disagree = 0
    noise_terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # per match: (s == k, 1/v, made) per step
    attacks = allowed_attacks = weakest_hits = 0
    low_steps = low_away = 0
    for (m, _side), sh_all in zip(matches, shadows[si]):
        sh = sh_all[:, delay, :]
        live = (m.mask[..., 1:] > 0).any(-1)
        kept = _kept(m.action, m.mask)
        changed = (m.action != kept) & live
        wanted = ((sh != kept) & live).sum(1)
        made = changed.sum(1)
        busy = live.any(1)
        steps_total += int(busy.sum())
        live_unit_steps += int(live.sum())
        short = wanted > made  # the player wanted more changes than they made: out of orders this step
        capped_changes += int(made[short].sum())
        capped_steps += int(short.sum())
        per_step = made[busy]
        if len(per_step) >= WINDOW_STEPS:
            sums = np.convolve(per_step, np.ones(WINDOW_STEPS), "valid") / WINDOW_STEPS
            window_rates.extend(sums.tolist())
        elif len(per_step):
            window_rates.append(float(per_step.mean()))
        inv_v = np.where(live, 1.0 / np.maximum(m.mask.sum(-1), 1), 0.0)
        disagree += int(((sh != m.action) & changed).sum())
        noise_terms.append(((sh == kept) & live, ~(sh == kept) & live, inv_v, made))
        k = spec.k
        is_attack = (m.action >= ATTACK0) & (m.action < ATTACK0 + k) & live
        attacks += int(is_attack.sum())
        ok = np.take_along_axis(m.mask, m.action[..., None], -1)[..., 0] > 0
        allowed_attacks += int((is_attack & ok).sum())
        e_hp = spec.enemies(m.obs)[..., 4]                                     # (T, U, K)
        can = m.mask[..., ATTACK0:ATTACK0 + k] > 0
        weakest = np.where(can, e_hp, np.inf).argmin(-1) + ATTACK0
        weakest_hits += int((is_attack & ok & (m.action == weakest)).sum())
        hp = m.obs[..., spec.OWN_HP]
        e = spec.enemies(m.obs)
        low = live & (hp < LOW_HP) & (e[..., 0, 0] > 0)
        d = m.action - MOVE0
        moving = (d >= 0) & (d < 8)
        from envs.spec import DIRECTIONS

        step = DIRECTIONS[np.clip(d, 0, 7)]
        away = (step[..., 0] * e[..., 0, 1] + step[..., 1] * e[..., 0, 2]) < 0
        low_steps += int(low.sum())
        low_away += int((low & moving & away).sum())

    minutes = steps_total * STEP_SECONDS / 60.0
    apm = sum(int(((m.action != _kept(m.action, m.mask)) & (m.mask[..., 1:] > 0).any(-1)).sum())
              for m, _ in matches) / max(minutes, 1e-9)
    capped = capped_steps >= 20  # enough steps out of orders to read the bucket's rate
    tightest = fit_apm((m.action, m.mask, m.obs[..., 0] > 0) for m, _ in matches) if capped else None
    if tightest is not None:
        cap = tightest
    elif capped:  # changes faster than any bucket fit_apm checks: their mean pace on the steps out of orders
        cap = capped_changes / capped_steps / STEP_SECONDS * 60.0
    else:
        cap = float(np.percentile(window_rates, 95)) / STEP_SECONDS * 60.0 if window_rates else apm
    noise = _fit_noise(noise_terms, disagree)
    # the cap a millionth above the tightest fit is kept to 3 decimals, rounded up: rounding down would refuse
    # one of the player's own changes
    tier = SkillTier(name, reaction_delay=int(delay), noise=round(noise, 3), apm=float(np.ceil(cap * 1000) / 1000))
    return Style(tier, STRATEGIES[si], apm, capped, float(delay) * STEP_SECONDS, agreement,
                 allowed_attacks / attacks if attacks else 0.0, weakest_hits / allowed_attacks if allowed_attacks else 0.0,
                 low_away / low_steps if low_steps else 0.0, len({id(m) for m, _ in matches}), live_unit_steps)


def _fit_noise(terms, observed: int) -> float:
    """The noise p whose expected count of unexplained changes matches ``observed`` (see the module doc)."""

    def expected(p: float) -> float:
        total = 0.0
        for same, diff, inv_v, made in terms:
            want = same * p * (1 - inv_v) + diff * (1 - p * inv_v)         # (T, U) chance of wanting a change
            grant = np.minimum(1.0, made / np.maximum(want.sum(1), 1e-9))  # (T,) share of wants granted
            odd = same * p * (1 - inv_v) + diff * p * np.maximum(1 - 2 * inv_v, 0)  # a change not asked for
            total += float((grant[:, None] * odd).sum())
        return total

    lo, hi = 0.0, 1.0
    if expected(hi) <= observed:
        return 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expected(mid) < observed else (lo, mid)
    return round((lo + hi) / 2, 3)
