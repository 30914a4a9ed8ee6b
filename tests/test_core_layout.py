"""The observation kernel writes every feature where envs/spec.py says, and refuses a spec it cannot fill."""
from __future__ import annotations

import numpy as np
import pytest

from envs import core
from envs.ruleset import default_ruleset
from envs.spec import ObservationSpec, heal0
from test_core import scenario


def test_features_land_at_the_spec_offsets():
    params, state, (healer, archer, warrior) = scenario(
        [("blue", "healer", 1, 1), ("blue", "archer", 2, 1), ("red", "warrior", 4, 1)])
    state.hp[0, archer] -= 10.0  # hurt, so the healer may heal it
    core.refresh(params, state)
    spec = core.observation_spec(params)
    obs, mask = core.observe(params, state, spec)
    names = params.ruleset.unit_names
    pos = spec.pos_scale
    me = obs[0, healer]
    assert me[spec.OWN_TYPE + names.index("healer")] == 1.0 and me[spec.OWN_READY] == 1.0
    assert me[spec.OWN_HP] == 1.0 and me[spec.OWN_HEAL] > 0
    ally = spec.allies(obs)[0, healer, 0]
    a = {name: ally[i] for i, name in enumerate(spec.ALLY_FEATURES)}
    assert (a["present"], a["dx"], a["dy"], a["dist"]) == (1.0, np.float32(1 / pos), 0.0, np.float32(1 / pos))
    assert a["hp"] == np.float32((params.hp[names.index("archer")] - 10.0) / params.hp[names.index("archer")])
    assert mask[0, healer, heal0(params.k)] == 1  # the hurt archer is in the healer's reach
    enemy = spec.enemies(obs)[0, archer, 0]
    e = {name: enemy[i] for i, name in enumerate(spec.ENEMY_FEATURES)}
    assert (e["present"], e["dx"], e["dy"], e["in_my_range"]) == (1.0, np.float32(2 / pos), 0.0, 1.0)
    assert e["damage"] == np.float32(params.damage[names.index("warrior")] / spec.scales[1])
    assert mask[0, archer, core.ATTACK0] == 1
    patch = obs[0, archer, spec.patch_offset:].reshape(2 * spec.patch_radius + 1, 2 * spec.patch_radius + 1, -1)
    centre = spec.patch_radius
    occupied = spec.PATCH_FEATURES.index("occupied")
    assert patch[centre, centre - 1, occupied] == 1.0 and patch[centre, centre + 1, occupied] == 0.0  # healer west


def test_a_spec_feature_without_a_writer_is_refused():
    class WithArmor(ObservationSpec):
        ENEMY_FEATURES = ObservationSpec.ENEMY_FEATURES + ("armor",)

    params = core.compile_params(default_ruleset())
    base = core.observation_spec(params)
    spec = WithArmor(k=base.k, n_types=base.n_types, patch_radius=base.patch_radius, scales=base.scales)
    state = core.reset(params, {"warrior": 1}, {"warrior": 1}, [0])
    with pytest.raises(RuntimeError, match="enemy features.*armor.*_WRITES"):
        core.observe(params, state, spec)
