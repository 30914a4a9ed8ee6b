"""The NPC training set: format checks with line numbers, no overlap with the conversation
benchmark, names only from the prompt, nothing out of the world, and a seeded generator."""
import json
import re
from collections import Counter

import pytest

from gameai.dialogue.training.compose import _bigrams, benchmark_lines, compose, near_duplicate, norm
from gameai.dialogue.training.dataset import DEFAULT_TRAIN, MODES, DatasetError, load_exchanges


@pytest.fixture(scope="module")
def shipped():
    return load_exchanges(DEFAULT_TRAIN)


def _good() -> dict:
    return json.loads(DEFAULT_TRAIN.read_text(encoding="utf-8").splitlines()[0])


def _write(tmp_path, lines: list[str]):
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_shipped_set_is_large_and_covers_modes_and_settings(shipped):
    assert len(shipped) >= 3000
    modes = Counter(e.mode for e in shipped)
    assert set(modes) == set(MODES) and min(modes.values()) >= 150
    assert len({e.setting for e in shipped}) >= 2
    assert len({e.persona["name"] + e.persona["role"] for e in shipped}) >= 300  # many speakers, not one cast
    assert len({e.persona["speech_style"] for e in shipped}) >= 50
    facts = [e for e in shipped if e.facts]
    assert len(facts) >= 0.3 * len(shipped)
    assert any(e.recent for e in shipped) and any(e.asks_free for e in shipped)


def test_generator_is_seeded(shipped):
    a, b = compose(200, seed=0), compose(200, seed=0)
    assert [x.to_json() for x in a] == [x.to_json() for x in b]
    assert [x.to_json() for x in a] == [x.to_json() for x in shipped[:200]]  # the file is this generator's output
    assert [x.to_json() for x in compose(200, seed=1)] != [x.to_json() for x in a]


def test_no_player_line_overlaps_the_benchmark(shipped):
    bench = benchmark_lines()
    assert len(bench) > 200
    bench_norm = {norm(b) for b in bench}
    for e in shipped:
        for line in [e.player] + [p for p, _ in e.recent]:
            assert norm(line) not in bench_norm, line
    # near duplicates (word-bigram Jaccard >= 0.8, as compose.near_duplicate) against every benchmark
    # line, player and NPC side; bigram sets computed once
    ours = {x: _bigrams(norm(x)) for e in shipped for x in (e.player, e.npc, *[p for p, _ in e.recent])}
    for b in bench:
        gb = _bigrams(norm(b))
        for line, g in ours.items():
            assert not (g and gb and len(g & gb) / len(g | gb) >= 0.8), (line, b)


def test_no_benchmark_persona_or_world_word_is_used(shipped):
    """The benchmark's personas (names, roles, places, wares, quests) are not in the training set:
    the model must meet them for the first time when it is measured."""
    from gameai.dialogue.conversation_eval.suite import load_personas
    bench_names = set()
    for sp in load_personas().values():
        p = sp.persona
        bench_names |= {p.name, p.name.split()[-1], p.name.split()[0]}
        bench_names |= {w for w in re.findall(r"\b[A-Z][a-z]{3,}\b", f"{p.role} {p.description}")}
        bench_names |= {it.name for it in p.shop} | {q.name for q in p.quests}
    bench_names -= {"Old", "The", "Town", "Guard", "Captain"}
    ours = set()
    for e in shipped:
        ours |= {e.persona["name"], *e.persona["name"].split(), e.persona["role"], e.world["location"]}
        ours |= set(re.findall(r"\b[A-Z][a-z]{3,}\b", " ".join([e.persona["role"], e.world["location"], *e.facts])))
    assert len(bench_names) > 30
    assert not (bench_names & ours), sorted(bench_names & ours)
    ware_words = " ".join(e.npc.lower() for e in shipped if e.facts)
    shop_items = {it.name.lower() for sp in load_personas().values() for it in sp.persona.shop if " " in it.name}
    assert not [w for w in shop_items if f" {w} " in f" {ware_words} "]


def test_near_duplicate_detects_small_edits():
    assert near_duplicate("Which way to the old mill?", "which way to the Old Mill")
    assert near_duplicate("How much for the iron sword, friend?", "How much for the iron sword friend")
    assert not near_duplicate("Which way to the old mill?", "Which way to the river ford?")


def test_npc_lines_stay_in_the_world_and_name_only_what_the_prompt_names(shipped):
    banned = re.compile(r"\b(game|games|player|players|ai|a\.i\.|bot|robot|prompt|computer|model|phone|internet|"
                        r"wifi|assistant|chatbot|program|website|online|npc)\b", re.I)
    for e in shipped:
        assert not banned.search(e.npc), (e.id, e.npc)
        prompt = " ".join(m["content"] for m in e.messages())
        for sentence in re.split(r"(?<=[.!?])\s+", e.npc):
            for w in re.findall(r"(?<=\s)[A-Z][\w'-]+", sentence):
                assert w in prompt or w.startswith("I"), (e.id, w, e.npc)
        assert len(re.findall(r"[.!?](?:\s|$)", e.npc)) <= 3, e.npc
        assert "*" not in e.npc  # no stage directions: the engine strips them


def test_fact_answers_state_the_value(shipped):
    from gameai.dialogue.grounding import numbers_in
    from gameai.dialogue.training.paraphrase import PRICE_FRAMES
    # every price frame, as a pattern whose one group is the price
    frames = [re.compile("^" + re.escape(f).replace(r"\{price\}", r"(\d+)").replace(r"\{ware\}", ".+")
                         .replace(r"\{cur\}", r"\w+") + "$", re.I) for f in PRICE_FRAMES]
    n, per_frame = 0, Counter()
    for e in shipped:
        for f in e.facts:
            for i, frame in enumerate(frames):
                m = frame.match(f)
                if m:
                    assert int(m.group(1)) in numbers_in(e.npc), (e.id, e.npc)
                    n += 1
                    per_frame[i] += 1
                    break
    assert n >= 200
    assert len(per_frame) == len(PRICE_FRAMES)  # the facts come in every frame, not one shape


def test_messages_are_the_engines_prompt(shipped):
    e = next(x for x in shipped if x.facts and x.recent)
    msgs = e.messages()
    assert msgs[0]["role"] == "system" and "\x1e" not in msgs[0]["content"]
    assert msgs[0]["content"].startswith(f"You are {e.persona['name']}, {e.persona['role']}.")
    assert "Fact: " + e.facts[0] in msgs[0]["content"]
    assert msgs[-1] == {"role": "user", "content": e.player}
    assert [m["role"] for m in msgs[1:-1]] == ["user", "assistant"] * len(e.recent[-2:])


def test_loader_names_the_line_of_malformed_json(tmp_path):
    p = _write(tmp_path, [json.dumps(_good()), "{not json", json.dumps(_good())])
    with pytest.raises(DatasetError, match=r"t\.jsonl:2: not valid JSON"):
        load_exchanges(p)


def test_loader_names_a_missing_field_and_its_line(tmp_path):
    bad = _good()
    del bad["npc"]
    other = _good() | {"id": "x2"}
    p = _write(tmp_path, [json.dumps(other), "", json.dumps(bad)])
    with pytest.raises(DatasetError, match=r"t\.jsonl:3: missing field 'npc'"):
        load_exchanges(p)
    bad = _good()
    bad["persona"] = {"role": "a smith"}
    with pytest.raises(DatasetError, match=r":1: missing field 'persona.name'"):
        load_exchanges(_write(tmp_path, [json.dumps(bad)]))
    bad = _good() | {"mode": "dancing"}
    with pytest.raises(DatasetError, match=r":1: field 'mode' = 'dancing'"):
        load_exchanges(_write(tmp_path, [json.dumps(bad)]))
    bad = _good() | {"recent": [["only one"]]}
    with pytest.raises(DatasetError, match=r":1: field 'recent'"):
        load_exchanges(_write(tmp_path, [json.dumps(bad)]))
    with pytest.raises(DatasetError, match=r":2: id 't00000' repeats line 1"):
        load_exchanges(_write(tmp_path, [json.dumps(_good()), json.dumps(_good())]))
    with pytest.raises(DatasetError, match=r":1: must be a JSON object"):
        load_exchanges(_write(tmp_path, ["[1, 2]"]))


def test_loader_refuses_an_empty_dataset_and_a_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="holds no exchanges"):
        load_exchanges(_write(tmp_path, ["", "  "]))
    with pytest.raises(DatasetError, match="training file not found"):
        load_exchanges(tmp_path / "nope.jsonl")


def test_the_probe_is_held_out_on_a_real_set_and_in_sample_on_a_tiny_one():
    from gameai.dialogue.training.train import PROBE_HELD_OUT, split_probe
    train, probe, kind = split_probe(list(range(3600)))
    assert kind == "held_out" and len(probe) == PROBE_HELD_OUT and not set(train) & set(probe)
    assert len(train) + len(probe) == 3600
    train, probe, kind = split_probe(list(range(4)))
    assert kind == "in_sample" and train == [0, 1, 2, 3] and probe == [0, 1, 2, 3]
