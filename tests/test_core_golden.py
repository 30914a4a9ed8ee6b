"""The batched core reproduces, bit for bit, the digests recorded from it (tests/core_golden.py).

A refactor of the kernels must not change a single bit of any state, event, observation or mask.
A change to the rules or the observation layout that is meant re-records the digests
(``python tests/core_golden.py --write``) in the same commit.
"""
from __future__ import annotations

import json

import pytest

import core_golden


@pytest.mark.parametrize("name", list(core_golden.SCENARIOS))
def test_core_reproduces_its_golden_digests(name):
    want = json.loads(core_golden.GOLDEN.read_text())[name]
    digests = core_golden.play(name)
    assert len(digests) == want["steps"], f"{name}: the matches ran {len(digests)} steps, {want['steps']} recorded"
    assert digests[-1] == want["digest"], (f"{name}: states, events, observations or masks differ from the recorded "
                                          "ones; run tests/core_golden.py --steps-out to find the first step")
