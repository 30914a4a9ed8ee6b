"""The conversation benchmark (`gameai dialogue-eval --suite conversation`): data integrity, the
split's isolation, the judges on constructed replies, the fluency judge, and a small real run."""
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from gameai.cli.main import main
from gameai.dialogue import Intent, Reply
from gameai.dialogue.conversation_eval import TurnResult, load_suite
from gameai.dialogue.conversation_eval.judges import (meta_talk, near_repeat, normalise, route_of, route_ok,
                                                      same_line, states, vocatives)
from gameai.dialogue.conversation_eval.scorecard import ConversationCard, mark_repeats
from gameai.dialogue.conversation_eval.suite import DATA_DIR
from gameai.dialogue.errors import DialogueError
from gameai.dialogue.world import World

ROOT = Path(__file__).resolve().parent.parent
SIX_MODES = {"explore", "skill", "combat", "quest", "idle", "build"}
TOPICS = {"greeting", "farewell", "thanks", "shop", "relationship", "rumor"}


@pytest.fixture(scope="module")
def splits():
    return load_suite("dev"), load_suite("test")


def test_suite_size_personas_and_coverage(splits):
    dev, test = splits
    convs = dev.conversations + test.conversations
    assert dev.n_lines + test.n_lines >= 300
    assert len(dev.personas) >= 10 and {c.persona for c in convs} == set(dev.personas)
    new = [pid for pid, p in dev.personas.items() if p.new]
    assert len(new) >= 4
    shipped = {p.stem for p in (ROOT / "gameai" / "dialogue" / "cast").glob("*.toml")}
    assert not set(new) & shipped
    for suite in splits:  # both splits cover every mode and topic, so neither is a lopsided sample
        assert {t.mode for c in suite.conversations for t in c.turns} >= SIX_MODES | TOPICS
    long = [len(c.turns) for c in convs if c.kind == "conversation"]
    assert sum(n >= 10 for n in long) >= 5 and sum(n >= 20 for n in long) >= 2
    assert {len(c.turns) >= 10 for c in test.conversations} == {True, False}
    addresses = Counter(p.address for p in dev.personas.values())
    assert max(addresses.values()) == 1  # every persona has its own address word


def test_splits_follow_the_recorded_rule_and_do_not_overlap(splits):
    dev, test = splits
    assert not {c.id for c in dev.conversations} & {c.id for c in test.conversations}
    for suite in splits:
        for c in suite.conversations:
            assert suite.expected_split(c.id, c.persona) == suite.split == c.split, c.id
    assert {c.persona for c in test.conversations} > test.test_personas  # by persona AND by line
    assert not {c.persona for c in dev.conversations} & test.test_personas


def test_labels_match_the_persona_data(splits):
    for suite in splits:
        for c in suite.conversations:
            p = suite.personas[c.persona].persona
            world = World.from_dict(p.world)
            said = []
            for t in c.turns:
                where = f"{c.id}: {t.say!r}"
                if t.route == "price":
                    item = next(it for it in p.shop if it.id == t.target)
                    assert t.values == (str(item.price),), where
                elif t.route == "fact":
                    fact = next(f for f in p.facts if f.id == t.target)
                    assert all(any(states(fact.text, alt) for alt in v.split("|")) for v in t.values), where
                elif t.route == "directions":
                    lm = next(lm for lm in world.landmarks if lm.id == t.target)
                    assert all(states(f"{lm.name} {lm.direction} {lm.distance}", v) for v in t.values), where
                elif t.route == "relationship" and t.target:
                    who, relation = next(r for r in p.relationships if r[0] == t.target)
                    assert all(states(f"{who} {relation}", v) for v in t.values), where
                elif t.route in ("quest_offer", "quest_state") and t.target:
                    assert t.target in {q.id for q in p.quests} | {q.id for q in world.quests}, where
                elif t.route == "rumor" and t.target:
                    rumor = next(r for r in p.rumors if r.id == t.target)
                    assert any(states(rumor.text, alt) for v in t.values for alt in v.split("|")), where
                for r in t.recall:  # memory questions ask for what the player said earlier
                    assert any(states(s, r) for s in said), where
                said.append(t.say)
            assert any(t.recall for t in c.turns) or c.kind != "conversation", c.id


def test_no_tuning_code_reads_the_test_split():
    pkg = ROOT / "gameai"
    naming = {p.relative_to(ROOT).as_posix() for p in pkg.rglob("*.py")
              if "test.jsonl" in p.read_text(encoding="utf-8")}
    assert naming == {"gameai/dialogue/conversation_eval/suite.py"}
    loaders = {p.relative_to(ROOT).as_posix() for p in pkg.rglob("*.py")
               if re.search(r"\bload_suite\(", p.read_text(encoding="utf-8"))}
    assert loaders == {"gameai/dialogue/conversation_eval/suite.py", "gameai/cli/dialogue_eval.py"}
    cli = (pkg / "cli" / "dialogue_eval.py").read_text(encoding="utf-8")
    assert re.search(r"load_suite\(args\.split\)", cli) and '"--split", choices=("dev", "test"), default="dev"' in cli
    assert load_suite().split == "dev"
    with pytest.raises(DialogueError, match="unknown split 'train'"):
        load_suite("train")


def test_value_judge_normalises_numbers_and_words():
    assert normalise("Sixty-five gold, three hundred paces") == ["65", "gold", "300", "paces"]
    assert states("A steel shield is sixty-five gold.", "65") and states("It's 40 gold.", "forty")
    assert states("Goblins were seen at the mill.", "goblin") and states("ghosts, sailor", "Grey Widow|ghost")
    assert states("About four days' ride east.", "four days")
    assert not states("A steel shield set me back, but I 6 5 gold.", "65")
    assert not states("It costs 400 gold.", "40") and not states("The sword is fine.", "40")
    assert not states("I know eighty ways", "eighteen")


def test_route_judge_reads_the_reply():
    def reply(kind, args=None, facts=()):
        return Reply("x", intent=Intent(kind, args or {}), facts=list(facts))

    assert route_of(reply("trade", {"item": "iron_sword", "price": 40})) == ("price", "iron_sword")
    assert route_of(reply("trade", {"items": {}})) == ("shop_list", None)
    gated = reply("refuse", {"reason": "reputation", "quest": "smuggler_ring"})
    assert route_of(gated) == ("quest_offer", "smuggler_ring")
    assert route_of(reply("refuse", {"reason": "prices_are_fixed"})) == ("refuse", "prices_are_fixed")
    assert route_of(reply("small_talk", facts=["fact:forge_age"])) == ("fact", "forge_age")
    assert route_of(reply("small_talk", facts=["world:location"])) == ("location", None)
    assert route_of(reply("small_talk", facts=["quest:wolves"])) == ("quest_state", "wolves")
    assert route_of(reply("small_talk")) == ("small_talk", None)
    assert route_of(reply("greeting")) == ("greeting", None)  # the intents issue 12 asks for count once they exist
    assert route_of(reply("relationship", {"who": "Tobin"})) == ("relationship", "Tobin")
    assert route_ok("price", "iron_sword", ("price", "iron_sword"))
    assert not route_ok("price", "iron_sword", ("price", "steel_shield"))
    assert route_ok("rumor", None, ("rumor", "bandits")) and not route_ok("greeting", None, ("small_talk", None))


def test_repeat_address_and_meta_judges():
    assert same_line("Come in, friend!", "come in friend") and not same_line("Come in, friend!", "Come in, lad!")
    assert near_repeat("The iron sword is forty gold, traveller.", "The iron sword is forty gold, traveler.")
    assert not near_repeat("The iron sword is forty gold.", "Goblins stole my hammer near the mill.")
    words = {"friend", "lad", "traveller"}
    assert vocatives("Come in, friend. Ale?", words) == {"friend"}
    assert vocatives("Lad, mind the plank.", words) == {"lad"} and vocatives("Welcome, my friend!", words) == {"friend"}
    assert vocatives("Tobin is an old friend who pours my ale.", words) == set()
    assert meta_talk("The bridge is on the far right of the map.") == "the map"
    assert meta_talk("As the player, you should go east.") == "the player"
    assert meta_talk("The mill is east, half a mile along the river.") is None
    assert meta_talk("Grey shadows on the horizon, a map of land stretching out.") is None


def _turn(conv, i, text, **kw):
    base = dict(conversation=conv, persona="mara", turn=i, say="q", mode="shop", route="price", target="iron_sword",
                values=["40"], recall=[], text=text, got_route="price", got_target="iron_sword", intent="trade",
                facts=["price:iron_sword"], fallback=False, flags=[], total_ms=1.0)
    return TurnResult(**(base | kw))


def test_scorecard_on_constructed_replies():
    turns = [_turn("c", 1, "The iron sword is forty gold, traveller.", own_address=True),
             _turn("c", 2, "Forty gold.", values=["40"], recall=["Corwin"]),
             _turn("c", 3, "The iron sword is forty gold, traveller.", got_route="small_talk", got_target=None),
             _turn("c", 4, "The iron sword is forty gold, traveler!", foreign_address=["friend"], meta="the map",
                   fallback=True)]
    mark_repeats(turns)
    assert [t.repeat_of for t in turns] == [None, None, 1, None]
    assert [t.near_repeat_of for t in turns] == [None, None, None, 1]  # "traveler!" vs "traveller."
    card = ConversationCard("dev", "authored", turns)
    s = card.summary()
    assert s["value_stated"] == 1.0 and s["route_accuracy"] == 0.75 and s["memory_recall"] == 0.0
    assert s["verbatim_repeats"] == 1 and s["near_repeats"] == pytest.approx(1 / 3)
    assert s["foreign_address"] == 1 and s["meta_talk"] == 1
    assert s["fallback_rate"] == 0.25 and s["own_address"] == 0.25
    assert [t.turn for t in card.failures("route_accuracy")] == [3]
    assert card.targets_met()["verbatim_repeats"] is False and card.targets_met()["route_accuracy"] is False
    missing = _turn("c", 5, "Aye, a fine blade.", values=["40"])
    assert missing.missing == ["40"]
    for t, ok in zip(turns, (True, False, True, False)):
        t.fluent = ok
    judged = ConversationCard("dev", "authored", turns, fluency_checked=True).summary()
    assert judged["value_stated_well_formed"] == 0.5 and judged["broken_lines"] == 0.5
    assert judged["broken_on_fact_questions"] == 2 and judged["broken_among_authored"] == 1.0


@pytest.fixture(scope="module")
def fluency_judge():
    pytest.importorskip("llama_cpp")
    from gameai.dialogue.conversation_eval.fluency import FluencyJudge
    return FluencyJudge()


ISSUE_SPLICED = [
    "A steel shield set me back, aye, a fine piece of work, but I 65 gold.",
    "The forge has been here for as long as I can remember, my dō eighty.",
    "the river is ¼ of a mile in length at the cross- twelve.",
    "The Sleeping Fox is a small, isolated place, and you can't w north it.",
]


@pytest.mark.parametrize("line", ISSUE_SPLICED)
def test_fluency_judge_rejects_the_issues_spliced_lines(fluency_judge, line):
    assert not fluency_judge.is_fluent(line)


@pytest.mark.parametrize("line", [  # not in the calibration set
    "The iron sword is forty gold, and not a coin less.",
    "Wolves have been taking sheep up on the north road.",
    "Welcome to the Sleeping Fox, friend. Sit by the fire.",
    "The gates close at midnight, citizen.",
])
def test_fluency_judge_accepts_well_formed_lines(fluency_judge, line):
    assert fluency_judge.is_fluent(line)


@pytest.mark.slow
def test_fluency_calibration_reproduces_the_stored_thresholds(fluency_judge):
    import tomllib

    from gameai.dialogue.conversation_eval.fluency import THRESHOLDS, calibrate

    stored = tomllib.loads(THRESHOLDS.read_text(encoding="utf-8"))
    res = calibrate(fluency_judge)
    assert res["mean_logprob"] == pytest.approx(stored["threshold"]["mean_logprob"], abs=1e-3)
    assert res["local_min"] == pytest.approx(stored["threshold"]["local_min"], abs=1e-3)
    assert res["heldout_accuracy"] == pytest.approx(stored["measured"]["heldout_accuracy"], abs=1e-3)
    assert res["issue_lines_rejected"] == 4 and res["heldout_lines"] >= 40


def run_cli(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_conversation_suite_end_to_end_authored(capsys, tmp_path):
    path = tmp_path / "card.json"
    rc, out, err = run_cli(capsys, "dialogue-eval", "--suite", "conversation", "--backend", "authored", "--lines", "12",
                           "--no-fluency", "--json", str(path))
    assert rc == 0, err
    card = json.loads(path.read_text(encoding="utf-8"))
    s = card["summary"]
    assert s["split"] == "dev" and 0 < s["lines"] <= 12 and s["backend"] == "authored"
    assert s["fallback_rate"] == 1.0  # the authored backend says only authored/templated lines
    assert "route accuracy" in out and "conversation suite (dev split)" in out
    assert {t["persona"] for t in card["turns"]} <= set(load_suite("dev").personas)
    for t in card["turns"]:
        assert t["text"] and t["route_ok"] == (t["got_route"] == t["route"] and
                                               (not t["target"] or not t["got_target"] or
                                                t["target"].lower() == t["got_target"].lower()))


def test_cli_conversation_suite_real_model_with_fluency(capsys, tmp_path):
    pytest.importorskip("llama_cpp")
    path = tmp_path / "card.json"
    rc, out, err = run_cli(capsys, "dialogue-eval", "--suite", "conversation", "--backend", "llama_cpp",
                           "--lines", "4", "--json", str(path))
    assert rc == 0, err
    card = json.loads(path.read_text(encoding="utf-8"))
    assert card["summary"]["backend"] == "llama_cpp" and 0 < card["summary"]["lines"] <= 4
    assert all(t["fluent"] in (True, False) and len(t["fluency"]) == 2 for t in card["turns"])
    assert "broken/spliced lines" in out


@pytest.mark.parametrize("argv, msg", [
    (["--lines", "-1"], "--lines must be >= 0"),
    (["--cast", "x"], "--cast and --full-redteam belong to the standard suite"),
])
def test_cli_conversation_suite_bad_input(capsys, argv, msg):
    rc, out, err = run_cli(capsys, "dialogue-eval", "--suite", "conversation", "--backend", "authored", *argv)
    assert rc == 2 and msg in err and "Traceback" not in err


def test_data_files_are_package_data():
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["*"]
    for f in [*DATA_DIR.glob("*"), *(DATA_DIR / "personas").glob("*")]:
        if f.is_file():
            assert any(Path(f.name).match(g) for g in globs), f.name
