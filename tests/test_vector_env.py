"""The batched multi-skirmish face (``skirmish_v0.vector_env``): equal to B parallel envs, auto-reset, seeding."""
from __future__ import annotations

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from envs.maps import builtin_arena
from envs.skirmish_v0 import parallel_env, vector_env

SMALL = {"blue": {"warrior": 2, "archer": 1}, "red": {"warrior": 1, "knight": 1, "healer": 1}}
CRAMPED = {**SMALL, "terrain": builtin_arena(10, 10)}  # units meet at once: deaths and wipe-outs


def random_legal(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniformly random legal action per row of an (R, A) mask."""
    return np.argmax(mask * rng.random(mask.shape), axis=-1)


def aggressive(mask: np.ndarray, rng: np.random.Generator, n_blue: int = 3) -> np.ndarray:
    """Attack the first enemy in range when one is, else mostly march on the enemy's side (east for blue)."""
    rows = np.arange(len(mask))
    march = np.where(rows % (2 * n_blue) < n_blue, 3, 7)
    march = np.where((mask[rows, march] > 0) & (rng.random(len(mask)) < 0.7), march, random_legal(mask, rng))
    attack = mask[:, 9:13]
    return np.where(attack.any(1), 9 + attack.argmax(1), march)


def test_each_skirmish_plays_what_a_parallel_env_seeded_seed_plus_b_plays():
    """The vector env is the same game as SuperSuit's concatenation of B parallel envs, across auto-resets."""
    b_n, seed = 3, 40
    venv = vector_env(b_n, max_steps=150, **CRAMPED)
    penvs = [parallel_env(max_steps=150, **CRAMPED) for _ in range(b_n)]
    n = len(venv.possible_agents)
    assert venv.possible_agents == penvs[0].possible_agents and venv.num_envs == b_n * n
    assert venv.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    obs, _ = venv.reset(seed=seed)
    pobs = [p.reset(seed=seed + b)[0] for b, p in enumerate(penvs)]
    rng = np.random.default_rng(0)
    matches_done = idle_rows_seen = wipe_outs = 0
    for _ in range(400):
        for b, p in enumerate(penvs):  # rows of live agents show what the parallel env shows
            for i, a in enumerate(p.possible_agents):
                r = b * n + i
                if a in p.agents:
                    assert np.array_equal(obs["observation"][r], pobs[b][a]["observation"])
                    assert np.array_equal(obs["action_mask"][r], pobs[b][a]["action_mask"])
                    assert venv.in_play[r]
                else:  # idle row: its unit died in this match
                    idle_rows_seen += 1
                    assert not venv.in_play[r] and not obs["observation"][r].any()
                    assert obs["action_mask"][r].tolist() == [1] + [0] * (venv.obs_spec.n_actions - 1)
        acts = aggressive(obs["action_mask"], rng)
        obs, rew, term, trunc, infos = venv.step(acts)
        for b, p in enumerate(penvs):
            live_before = list(p.agents)
            po, pr, pte, ptr, pinf = p.step({a: int(acts[b * n + p.possible_agents.index(a)]) for a in live_before})
            for i, a in enumerate(p.possible_agents):
                r = b * n + i
                if a in live_before:
                    assert rew[r] == pytest.approx(pr[a]) and term[r] == pte[a] and trunc[r] == ptr[a]
                    if pte[a] or ptr[a]:
                        assert infos["_final_obs"][r]
                        assert np.array_equal(infos["final_obs"][r]["observation"], po[a]["observation"])
                elif not p.agents and live_before:  # the match just ended: idle rows end with it
                    assert rew[r] == 0.0 and (term[r] or trunc[r])
                else:
                    assert rew[r] == 0.0 and not term[r] and not trunc[r]
            if live_before and not p.agents:  # match over: the vector env already started the next one
                matches_done += 1
                winner = next(iter(pinf.values()))["winner"]
                wipe_outs += all(pte.values())
                assert set(infos["final_info"]["winner"][b * n:(b + 1) * n]) == {winner}
                pobs[b], _ = p.reset()
            else:
                pobs[b] = po
    assert matches_done >= 3 and wipe_outs >= 1 and idle_rows_seen > 0, "the run should cover deaths and auto-resets"


def test_same_seed_same_run_and_explicit_per_skirmish_seeds():
    def run(seed):
        venv = vector_env(4, max_steps=30, **SMALL)
        obs, _ = venv.reset(seed=seed)
        rng = np.random.default_rng(5)
        out = [obs["observation"].copy()]
        for _ in range(60):
            obs, rew, term, trunc, _ = venv.step(random_legal(obs["action_mask"], rng))
            out += [obs["observation"].copy(), rew, term, trunc]
        return out, venv.match_seeds.copy()

    a, seeds_a = run(3)
    b, seeds_b = run(3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b)) and np.array_equal(seeds_a, seeds_b)
    venv = vector_env(2, **SMALL)
    venv.reset(seed=[3, 4])
    same = vector_env(2, **SMALL)
    same.reset(seed=3)
    assert np.array_equal(venv.match_seeds, same.match_seeds)


def test_dead_units_idle_and_maps_of_other_sizes_fit_the_batch():
    sizes = {0: 12, 1: 16}
    venv = vector_env(2, max_steps=400, terrain=lambda s: builtin_arena(sizes[s % 2], sizes[s % 2]), **SMALL)
    obs, _ = venv.reset(seed=0)
    rng = np.random.default_rng(2)
    saw_idle = saw_reset = False
    for _ in range(300):
        mask = obs["action_mask"]
        acts = np.where(mask[:, 9:13].any(1), 9 + mask[:, 9:13].argmax(1), random_legal(mask, rng))
        obs, rew, term, trunc, infos = venv.step(acts)
        idle = ~venv.in_play
        saw_idle |= bool(idle.any())
        assert not obs["observation"][idle].any() and (obs["action_mask"][idle, 1:] == 0).all()
        saw_reset |= "final_info" in infos and bool(infos["_final_info"].any())
        for b in range(2):  # each skirmish's map has the size its seed asks for
            side = sizes[int(venv.match_seeds[b]) % 2]
            assert venv.sim.map_w[b] == side and (venv.sim.terrain[b, side:, :] == -1).all()
    assert saw_idle and saw_reset


def test_bad_input_is_refused_with_a_clear_message():
    venv = vector_env(2, **SMALL)
    with pytest.raises(RuntimeError, match="call reset"):
        venv.step(np.zeros(venv.num_envs, dtype=np.int64))
    venv.reset(seed=0)
    with pytest.raises(ValueError, match=r"actions must have shape \(12,\)"):
        venv.step(np.zeros(5, dtype=np.int64))
    with pytest.raises(ValueError, match="actions must be integers"):
        venv.step(np.zeros(12))
    with pytest.raises(ValueError, match=r"actions must be in 0\.\.16"):
        venv.step(np.full(12, 17))
    with pytest.raises(ValueError, match="one seed or 2 seeds"):
        venv.reset(seed=[1, 2, 3])
    with pytest.raises(ValueError, match="num_skirmishes must be a positive int"):
        vector_env(0)
    venv.step(np.zeros((2, 6), dtype=np.int64))  # (skirmishes, units) works too


def test_what_a_step_hands_out_is_never_overwritten_by_later_steps():
    venv = vector_env(3, max_steps=25, **CRAMPED)
    obs, _ = venv.reset(seed=2)
    rng = np.random.default_rng(0)
    kept = []
    for _ in range(60):  # through deaths and auto-resets
        out = venv.step(aggressive(obs["action_mask"], rng))
        obs = out[0]
        arrays = [obs["observation"], obs["action_mask"], *out[1:4]]
        kept.append((arrays, [a.copy() for a in arrays]))
    assert any(k[0][2].any() for k in kept) and any(k[0][3].any() for k in kept)  # rewards and terminations seen
    for arrays, copies in kept:
        assert all(np.array_equal(a, c) for a, c in zip(arrays, copies))
