"""Who plays the player's side when they leave a match midway (quit the battlefield, close the game).

In order of preference:

1. their imitation: a model cloned from their own replays (`gameai imitate REPLAYS --bot human
   --out FILE.zip`), at the path in the demo's options (default `player_clone.zip` in the data dir);
2. a tier calibrated to their style: the tier file `gameai calibrate REPLAYS --bot human --name me
   --out FILE` writes (default `player_tier.toml` in the data dir, or `--takeover-tier FILE`), played by the
   file's `base_bot` (the strategy their play is closest to; `focus_fire` when it names none);
3. the matching scripted tier: `focus_fire` at the tier the player is measured at (their
   adaptive difficulty's band when adaptive difficulty is on, else the tier they chose to face).

A model that exists but cannot be loaded (damaged file, other observation size) is skipped with
a note that says why, so leaving a match never crashes the game.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: The scripted bot that stands in when neither an imitation nor a calibrated tier exists.
STAND_IN_BOT = "focus_fire"
#: Adaptive difficulty in [0, 1] -> the scripted tier of a player who holds even there.
TIER_BANDS = ((1 / 3, "novice"), (2 / 3, "average"), (1.01, "expert"))


@dataclass
class StandIn:
    policy: object
    name: str
    source: str  # "imitation" | "calibrated" | "scripted"
    notes: list[str] = field(default_factory=list)  # why earlier choices were skipped


def tier_for_difficulty(d: float) -> str:
    return next(name for top, name in TIER_BANDS if d < top)


def imitation_stand_in(model: Path | None, spec, team: int, seed: int) -> tuple[object | None, str | None]:
    """(policy, None), or (None, why not)."""
    if model is None:
        return None, "no imitation model path is set"
    model = Path(model)
    if not model.is_file():
        return None, f"no imitation model at {model} (make one: gameai imitate REPLAYS --bot human --out {model})"
    from agents.rl_policy import ModelFileError
    from agents.rl_tiers import learned_policy

    try:
        policy = learned_policy(str(model), "expert", seed, name=f"clone:{model.name}")
        policy.reset(spec, team, [seed])  # refuses a model made for another observation size
    except (ModelFileError, ValueError) as exc:
        return None, f"imitation model {model} cannot play here: {exc}"
    return policy, None


def calibrated_stand_in(tier_file: Path | None, spec, team: int, seed: int) -> tuple[object | None, str | None]:
    """(policy, None) from a `gameai calibrate` tier file, or (None, why not)."""
    if tier_file is None:
        return None, "no calibrated tier file path is set"
    tier_file = Path(tier_file)
    if not tier_file.is_file():
        return None, (f"no calibrated tier at {tier_file} (make one: gameai calibrate REPLAYS --bot human "
                      f"--name me --out {tier_file})")
    from agents.scripted import base_policy
    from agents.tier_file import TierFileError, load_calibrated_tier
    from agents.tiers import TieredPolicy

    try:
        calibrated = load_calibrated_tier(tier_file)
    except TierFileError as exc:
        return None, f"calibrated tier cannot play here: {exc}"
    bot = calibrated.base_bot or STAND_IN_BOT
    policy = TieredPolicy(base_policy(bot, seed), calibrated.tier, seed)
    policy.name = f"{bot}@{tier_file.name}"
    policy.reset(spec, team, [seed])
    return policy, None


def stand_in_for_player(spec, team: int, seed: int, *, model: Path | None, tier: str,
                        tier_file: Path | None = None) -> StandIn:
    """The best available bot to finish the match for the player; never raises for a bad model file."""
    notes: list[str] = []
    policy, why = imitation_stand_in(model, spec, team, seed)
    if policy is not None:
        return StandIn(policy, f"clone:{Path(model).name}", "imitation", notes)
    notes.append(why)
    policy, why = calibrated_stand_in(tier_file, spec, team, seed)
    if policy is not None:
        return StandIn(policy, policy.name, "calibrated", notes)
    notes.append(why)
    from agents import make_policy

    return StandIn(make_policy(STAND_IN_BOT, tier, seed), f"{STAND_IN_BOT}@{tier}", "scripted", notes)
