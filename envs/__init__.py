"""The simulation core (numpy + numba, no gym imports at import time) and its Gymnasium/PettingZoo faces.

- ``envs.ruleset``         the game's numbers as validated TOML (``load_ruleset``, ``default_ruleset``)
- ``envs.core``            the batched struct-of-arrays core: ``reset``, ``step``, ``observe``, ``FusedStep``
- ``envs.spec``            action numbering and observation layout shared with the bots
- ``envs.maps``            the built-in arena and map checks (maps are ``pcg.tiles`` id grids)
- ``envs.reference``       the same rules as a per-agent Python loop (benchmark peer and test oracle)
- ``envs.skirmish_v0``     PettingZoo's versioned module: ``parallel_env()``, ``env()``, ``raw_env()``, ``vector_env()``
- ``envs.pettingzoo_face`` the ParallelEnv itself: every unit an agent (imports pettingzoo)
- ``envs.vector_face``     many skirmishes in one step call, one row per unit, auto-reset (a Gymnasium VectorEnv)
- ``envs.gym_face``        the learner commands one team (imports gymnasium; registered as ``gameai/Skirmish-v0`` by ``agents.gym_env``)
"""
