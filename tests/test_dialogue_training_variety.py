"""The training set's NPC lines vary like people talk: the phrase grammar they are drawn from, the
variety measures (diversity.py) as checked properties of the shipped set, voices that differ in
rhythm and wording, and every fact value stated word for word."""
import re
from collections import Counter

import numpy as np
import pytest

from gameai.dialogue.training import diversity as D
from gameai.dialogue.training import grammar as G
from gameai.dialogue.training.compose import compose_with_values, norm
from gameai.dialogue.training.dataset import DEFAULT_TRAIN, load_exchanges
from gameai.dialogue.training.voices import VOICES, _CONTRACTIONS


@pytest.fixture(scope="module")
def shipped():
    return load_exchanges(DEFAULT_TRAIN)


@pytest.fixture(scope="module")
def composed(shipped):
    return compose_with_values(len(shipped), seed=0)


# --- the grammar ---------------------------------------------------------------------------------
def test_grammar_expands_alternatives_and_optional_parts():
    rng = np.random.default_rng(0)
    frame = "<Head|Go> {dir}[, <friend|stranger>]."
    seen = {G.realise(rng, frame, {"dir": "east"}) for _ in range(200)}
    assert seen == {"Head east.", "Go east.", "Head east, friend.", "Go east, friend.", "Head east, stranger.",
                    "Go east, stranger."}
    assert G.variants(frame) == 6
    # keep=0 drops every optional part, keep=1 says them all
    assert G.realise(rng, "Yes[ indeed].", {}, keep=0.0) == "Yes."
    assert G.realise(rng, "Yes[ indeed].", {}, keep=1.0) == "Yes indeed."
    assert G.variants("<a|b<c|d>>[x]") == 6


def test_grammar_tidies_spaces_commas_and_sentence_starts():
    assert G.tidy("  the well ,  east .  it's far ") == "The well, east. It's far"
    assert G.tidy("so far, , two of five.") == "So far, two of five."
    assert G.tidy("ah. the old well? north.") == "Ah. The old well? North."


def test_grammar_is_seeded():
    a = [G.realise(np.random.default_rng(5), "<a|b|c>[ d][ e]", {}) for _ in range(3)]
    b = [G.realise(np.random.default_rng(5), "<a|b|c>[ d][ e]", {}) for _ in range(3)]
    assert a == b


@pytest.mark.parametrize("bad", ["<a|b", "a>b", "[a", "a]", "<a|[b>]", "|"])
def test_a_broken_frame_is_a_clear_error(bad):
    with pytest.raises(G.GrammarError, match=re.escape(repr(bad))):
        G.parse(bad)


def test_every_authored_frame_parses_and_has_variety():
    from gameai.dialogue.training import lines as L
    frames = [f for name in dir(L) if name.startswith("SAY_") for f in
              (getattr(L, name) if isinstance(getattr(L, name), list) else
               [x for v in getattr(L, name).values() for x in v])]
    frames += L.RUMORS + L.HOOKS + [f for _, _, _, says in L.FACTS for f in says]
    assert len(frames) > 200
    for f in frames:
        G.parse(f)
    # the answers of each intent can be said in many ways, not a handful (hooks and shop lists
    # also vary in their content: HOOKS is a grammar of its own, the wares are each speaker's)
    for name in [n for n in dir(L) if n.startswith("SAY_")]:
        v = getattr(L, name)
        ways = sum(G.variants(f) for f in (v if isinstance(v, list) else [x for y in v.values() for x in y]))
        assert ways >= (60 if name in ("SAY_WAY", "SAY_PRICE", "SAY_WHERE", "SAY_TEACH", "SAY_FIGHT", "SAY_SECRET",
                                       "SAY_WEATHER", "SAY_QUEST", "SAY_DICTATE", "SAY_THREAT") else 25), (name, ways)


# --- the shipped set: variety as a checked property -------------------------------------------------
def test_no_opening_or_phrase_is_stock(shipped):
    npc = [e.npc for e in shipped]
    top_opening, share = D.openings(npc, 1)[0]
    assert share <= 0.02, (top_opening, share)        # the old sets: "my friend" 1.8%, glued openers
    top_phrase, share = D.stock_phrases(npc, 1)[0]
    assert share <= 0.02, (top_phrase, share)
    line, n = Counter(norm(x) for x in npc).most_common(1)[0]
    assert n <= 10, (line, n)                           # no NPC line said more than 10 times in 3,600
    # no sentence is glued to the end of many lines (the old sets' "But enough about that.")
    last, n = Counter(norm(re.split(r"(?<=[.!?])\s+", x.strip())[-1]) for x in npc).most_common(1)[0]
    assert n <= 0.01 * len(npc), (last, n)


def test_few_sentences_are_a_stock_frame_with_other_slot_words(shipped):
    share, common = D.stock_sentences(shipped)
    assert share <= 0.25, common                        # the session 3 set: 0.369
    share, common = D.template_share(shipped)
    assert share <= 0.15, common                        # whole lines that are one template, slots aside
    exact, near = D.near_duplicate_rate([e.npc for e in shipped])
    assert exact <= 0.15 and near <= 0.2


def test_lines_vary_in_length(shipped):
    words = np.array([len(norm(e.npc).split()) for e in shipped])
    assert np.percentile(words, 10) <= 7 and np.percentile(words, 90) >= 17
    assert len(set(words.tolist())) >= 25


def test_the_skeleton_hides_the_prompts_words_and_numbers():
    ctx = "The iron dagger costs 12 gold. How much for the iron dagger?"
    assert D.skeleton("Twelve gold for the iron dagger, friend.", ctx) == "# _ for the _ friend"
    assert D.skeleton("I'm asking 12 gold for it.", ctx) == "i'm asking # _ for it"


# --- voices ---------------------------------------------------------------------------------------
def _by_voice(shipped):
    style_to_voice = {}
    for v in VOICES:
        head = v["style"].split("'")[0]
        style_to_voice[head] = v["id"]
    out: dict[str, list[str]] = {}
    for e in shipped:
        head = e.persona["speech_style"].split("'")[0]
        out.setdefault(style_to_voice[head], []).append(e.npc)
    return out


def test_voices_differ_in_rhythm_and_wording(shipped):
    by = _by_voice(shipped)
    assert set(by) == {v["id"] for v in VOICES}
    mean = {k: np.mean([len(norm(x).split()) for x in v]) for k, v in by.items()}
    assert mean["blunt"] + 3 < mean["courtly"] and mean["blunt"] + 3 < mean["chatty"]
    assert mean["weary"] < mean["scholarly"]
    contr = re.compile(r"\b(" + "|".join(re.escape(k) for k in _CONTRACTIONS) + r")\b", re.I)
    for formal in ("courtly", "scholarly"):
        assert not [x for x in by[formal] if contr.search(x)]
    assert sum(bool(contr.search(x)) for x in by["chatty"]) > 0.3 * len(by["chatty"])
    assert any(re.match(r"^(\w)-\1", x, re.I) for x in by["nervous"])
    # a voice's own interjections and tags colour a minority of its lines, never most of them
    for v in VOICES:
        lines = by[v["id"]]
        marked = sum(any(x.startswith(i) for i in v["intj"]) or any(x.endswith(t) for t in v["tags"]) for x in lines)
        assert 0 < marked < 0.4 * len(lines), (v["id"], marked, len(lines))


# --- facts stated exactly ----------------------------------------------------------------------------
def test_the_file_is_the_generator_and_every_value_is_stated_word_for_word(shipped, composed):
    assert [e.to_json() for e, _ in composed] == [e.to_json() for e in shipped]
    n = 0
    for e, values in composed:
        for v in values:
            assert norm(v) in norm(e.npc), (e.id, v, e.npc)
            n += 1
    assert n > 1500
    kinds = Counter(e.mode for e, values in composed if values)
    assert set(kinds) >= {"explore", "quest", "idle"}


def test_compose_refuses_an_empty_set():
    with pytest.raises(ValueError, match="at least one exchange"):
        compose_with_values(0)


def test_names_keep_their_capitals(shipped):
    """An interjection in front of a line must not lower-case the name it starts with ("Well, now, pim?")."""
    from gameai.dialogue.training.settings import SETTINGS
    # first names that are also words of the trades ("Quill": "hold the quill lightly") are left out
    trade_words = set(norm(" ".join(str(x) for S in SETTINGS.values() for r in S["roles"] for k in
                                    ("tips", "wares", "projects", "skill", "place") for x in
                                    (r[k] if isinstance(r[k], list) else [r[k]]))).split())
    for e in shipped:
        names = {e.persona["name"].split()[0], e.world["location"].split(", ")[-1]}
        names |= {w for w, _ in e.persona.get("relationships", [])}
        for n in names:
            if n[:1].isupper() and n not in ("The", "A", "An") and n.lower() not in trade_words:
                assert not re.search(rf"(?<![\w'-]){re.escape(n.lower())}(?![\w'-])", e.npc), (e.id, n, e.npc)


def test_compose_and_diversity_commands_give_clear_errors(tmp_path, capsys):
    from gameai.dialogue.training import compose as C
    with pytest.raises(SystemExit) as exc:
        C.main(["-n", "0", "--out", str(tmp_path / "t.jsonl")])
    assert exc.value.code == 2 and "at least one exchange" in capsys.readouterr().err
    assert not (tmp_path / "t.jsonl").exists()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    assert D.main([str(bad)]) == 2
    assert "bad.jsonl:1: not valid JSON" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        D.main([str(bad), "--top", "0"])
