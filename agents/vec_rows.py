"""The per-sub-environment calls SB3 makes on a VecEnv, for VecEnvs whose rows live in one process.

Both of gameai's SB3 VecEnvs (``rl_slots.UnitSlotVecEnv`` and ``rl_vector.SB3SkirmishVecEnv``)
are one object stepping every row at once, so "call this on sub-environment i" means "call it on
self": these answers are the same for both, written once. No SB3 import here (a plain mixin).
"""
from __future__ import annotations

from typing import Any, Sequence


class RowsInOneProcess:
    num_envs: int

    def env_method(self, method_name: str, *method_args, indices=None, **method_kwargs) -> list[Any]:
        if method_name == "action_masks":  # sb3-contrib stacks one mask per row
            masks = self.action_masks()
            return [masks[i] for i in self._indices(indices)]
        result = getattr(self, method_name)(*method_args, **method_kwargs)
        return [result] * len(self._indices(indices))

    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        return [getattr(self, attr_name)] * len(self._indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        setattr(self, attr_name, value)

    def env_is_wrapped(self, wrapper_class, indices=None) -> list[bool]:
        return [False] * len(self._indices(indices))

    def has_attr(self, attr_name: str) -> bool:
        return hasattr(self, attr_name)

    def _indices(self, indices) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        return [indices] if isinstance(indices, int) else indices
