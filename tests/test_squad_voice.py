"""The squad's spoken reason: a line through the dialogue engine whose numbers are the judgement's."""
from __future__ import annotations

import pytest

from gameai.dialogue.grounding import numbers_in
from gameai.squad.voice import reason_clause, speak_reason
from tests.dialogue_shared import authored, engine, smollm2

REFUSAL = {"verdict": "refuse", "order": "attack", "units_ordered": 5, "target_type": "archer", "cell": None,
           "seconds_ahead": 20, "order_lost": 4, "plan_lost": 1, "order_team_lost": 4.2, "plan_team_lost": 1.0,
           "order_killed": 0, "plan_killed": 2, "order_win_pct": 10, "plan_win_pct": 60, "continuations": 24}
WARNING = REFUSAL | {"verdict": "warn", "order": "retreat", "units_ordered": 3, "order_lost": 2, "plan_lost": 0,
                     "order_win_pct": 30, "plan_win_pct": 45, "target_type": None}


def stated_right(text: str, facts: dict) -> bool:
    said = numbers_in(text)
    expected = [facts["order_lost"], facts["units_ordered"], facts["seconds_ahead"], facts["plan_lost"]]
    if facts["verdict"] != "accept":
        expected += [facts["plan_win_pct"], facts["order_win_pct"]]
    return said == expected and f"lose {facts['order_lost']} of {facts['units_ordered']}" in text


@pytest.mark.parametrize("facts", [REFUSAL, WARNING], ids=["refuse", "warn"])
def test_the_real_local_model_speaks_the_reason_with_the_right_numbers(facts):
    eng = engine(smollm2())
    try:
        spoken = speak_reason(eng, facts)
    finally:
        eng.close()
    assert stated_right(spoken.text, facts), spoken
    assert spoken.text.endswith(spoken.clause) and spoken.reaction
    assert not numbers_in(spoken.reaction)  # the model's part never states numbers of its own
    assert eng.backend.name == "smollm2"


def test_without_a_model_the_squad_speaks_an_authored_reaction():
    eng = engine(authored())
    try:
        spoken = speak_reason(eng, REFUSAL)
    finally:
        eng.close()
    assert not spoken.model_phrased and spoken.reaction == "No, Commander."
    assert stated_right(spoken.text, REFUSAL)


def test_the_clause_states_the_judgement_and_bad_facts_are_refused():
    assert reason_clause(REFUSAL) == ("If we charge the archer, we lose 4 of 5 in the next 20 seconds, against 1 on "
                                      "the plan, and our odds fall from 60 to 10 in a hundred.")
    with pytest.raises(ValueError, match="missing order_lost"):
        reason_clause({k: v for k, v in REFUSAL.items() if k != "order_lost"})
    with pytest.raises(ValueError, match="unknown verdict"):
        reason_clause(REFUSAL | {"verdict": "maybe"})
