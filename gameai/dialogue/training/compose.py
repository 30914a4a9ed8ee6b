"""The seeded generator of the training set: hand-authored parts -> JSONL exchanges.

`python -m gameai.dialogue.training.compose` rewrites data/training/train.jsonl (same seed, same
bytes). Every persona is drawn fresh from names, roles, traits, voices and address words, so the
model meets hundreds of speakers and learns to follow the card rather than remember a cast. NPC
lines are drawn from phrase-grammar frames (lines.py, grammar.py) at the length and rhythm of the
speaker's voice (voices.py); no remark or flourish is glued onto every line. Exchanges whose
player or NPC line is, or nearly is, a conversation-benchmark line are dropped (that suite is the
team's measure, and its test split must stay unseen).
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from gameai.dialogue.training import grammar as G
from gameai.dialogue.training import lines as L
from gameai.dialogue.training import paraphrase as V
from gameai.dialogue.training.dataset import DEFAULT_TRAIN, Exchange, write_exchanges
from gameai.dialogue.training.settings import (DESCRIPTIONS, DISTANCES, DIRECTIONS, RELATIONS, SECRETS_TOPICS,
                                               SETTINGS, TIMES, TRAITS)
from gameai.dialogue.training.voices import ADDRESSES, VOICES, speak

pick = L.pick


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _title(s: str) -> str:
    """Every word capitalised, the rest of it left alone ("ship's biscuit" -> "Ship's Biscuit")."""
    return " ".join(_cap(w) for w in s.split())


def make_persona(rng, setting: str) -> dict:
    """A fresh speaker: name, role, traits, voice, address word, home, relationships, wares."""
    S = SETTINGS[setting]
    role = pick(rng, S["roles"])
    town = pick(rng, S["towns"])
    first = pick(rng, S["first"])
    name = f"{first} {pick(rng, S['last'])}" if rng.random() < 0.7 else first
    pron = pick(rng, [("She", "her", "s", "has", "is"), ("He", "his", "s", "has", "is"), ("They", "their", "", "have", "are")])
    voice = VOICES[int(rng.integers(len(VOICES)))]
    addr = pick(rng, ADDRESSES)
    traits = [str(t) for t in rng.choice(TRAITS, size=int(rng.integers(1, 4)), replace=False)]
    foe = pick(rng, S["foes"])
    desc = pick(rng, DESCRIPTIONS).format(they=pron[0], their=pron[1], s=pron[2], have=pron[3], are=pron[4],
                                          place=role["place"], place_noun=role["place"].split()[-1], foe=foe, town=town)
    others = [n for n in S["first"] if n != first]
    chosen = [(str(w), RELATIONS[int(rng.integers(len(RELATIONS)))])
              for w in rng.choice(others, size=int(rng.integers(0, 3)), replace=False)]
    rels = [[w, card_rel] for w, (card_rel, _) in chosen]
    rel_said = [said for _, (_, said) in chosen]
    role_text = f"the {role['job']} of {town}" if rng.random() < 0.8 else f"a {role['job']} in {town}"
    card = {"name": name, "role": role_text, "traits": traits, "speech_style": voice["style"].format(addr=addr)}
    if desc:
        card["description"] = desc
    if rels:
        card["relationships"] = rels
    cur = pick(rng, S["currency"])
    wares = [(w, int(rng.integers(lo, hi + 1))) for w, lo, hi in role["wares"]]
    return {"setting": setting, "card": card, "role": role, "town": town, "first": first, "voice": voice, "addr": addr,
            "currency": cur, "wares": wares, "rels": rels, "rel_said": rel_said, "S": S,
            "world": {"location": f"{pick(rng, S['spots'])}, {town}" if rng.random() < 0.7 else town,
                      "time": pick(rng, TIMES)}}


def _slots(rng, P: dict) -> dict:
    S, role = P["S"], P["role"]
    lm = pick(rng, S["landmarks"])
    foe = pick(rng, S["foes"])
    project, step = pick(rng, role["projects"])
    plural = foe.endswith("s") or foe.endswith("men")
    d = {"lm": lm, "Lm": _cap(lm), "foe": foe, "Foe": _cap(foe), "weapon": pick(rng, S["weapons"]),
         "them": "them" if plural else "it", "town": P["town"], "Town": P["town"], "job": role["job"],
         "place": role["place"], "skill": role["skill"], "first": P["first"], "First": P["first"],
         "project": project, "step": step, "loc": P["world"]["location"], "Loc": _cap(P["world"]["location"]),
         "time": P["world"]["time"], "Time_cap": _cap(P["world"]["time"]), "step_low": step[:1].lower() + step[1:],
         "place_cap": _cap(role["place"]), "Place_cap": _cap(role["place"]), "skill_cap": _cap(role["skill"]),
         "spot": pick(rng, S["spots"])}
    return d


def _f(template: str, d: dict) -> str:
    return template.format(**d)


def say(rng, P: dict, frames, d: dict) -> str:
    """The NPC's core line from a list of grammar frames, at the length and rhythm of the speaker's
    voice: a terse voice says the shorter of two drafts, a wordy one the longer."""
    v = P["voice"]
    first = G.realise(rng, frames, d, v["keep"])
    if v.get("length") not in ("short", "long"):
        return first
    second = G.realise(rng, frames, d, v["keep"])
    shorter, longer = sorted((first, second), key=len)
    return shorter if v["length"] == "short" else longer


# Each intent returns (mode, player, npc core, facts, asks_free, voiced extras allowed, values);
# values: the strings the NPC line must hold word for word (the fact's value as the prompt says it).
def intent_way(rng, P, d):
    dr, dist = pick(rng, DIRECTIONS), pick(rng, DISTANCES)
    d |= {"dir": dr, "dir_cap": _cap(dr), "dist": dist, "dist_cap": _cap(dist)}
    frames = V.WAY_FRAMES if " " not in dr else [f for f in V.WAY_FRAMES if "of here" not in f]
    fact = _f(pick(rng, frames), d)
    return "explore", _f(pick(rng, L.ASK_WAY), d), say(rng, P, L.SAY_WAY, d), [fact], False, True, [dr, dist]


def intent_where(rng, P, d):
    fact = _f(pick(rng, V.WHERE_FRAMES), d)
    return ("explore", pick(rng, L.ASK_WHERE), say(rng, P, L.SAY_WHERE, d), [fact], False, True,
            [d["loc"], d["time"]])


def intent_rumor(rng, P, d):
    rumor = G.realise(rng, L.RUMORS, d, 0.5)
    rumor = rumor[:1].lower() + rumor[1:]
    d |= {"rumor": rumor, "rumor_cap": _cap(rumor)}
    return "explore", pick(rng, L.ASK_RUMOR), say(rng, P, L.SAY_RUMOR, d), [_cap(rumor) + "."], False, False, [rumor]


def intent_around(rng, P, d):
    return "explore", _f(pick(rng, L.ASK_AROUND), d), say(rng, P, L.SAY_AROUND, d), [], False, True, []


def intent_teach(rng, P, d):
    tip = pick(rng, P["role"]["tips"])
    d |= {"tip": tip, "tip_low": tip[0].lower() + tip[1:]}
    return "skill", _f(pick(rng, L.ASK_TEACH), d), say(rng, P, L.SAY_TEACH, d), [], False, True, []


def intent_hard(rng, P, d):
    return "skill", _f(pick(rng, L.ASK_HARD), d), say(rng, P, L.SAY_HARD, d), [], False, True, []


def intent_fight(rng, P, d):
    return "combat", _f(pick(rng, L.ASK_FIGHT), d), say(rng, P, L.SAY_FIGHT, d), [], False, True, []


def intent_join(rng, P, d):
    return "combat", _f(pick(rng, L.ASK_JOIN), d), say(rng, P, L.SAY_JOIN, d), [], False, True, []


def intent_threat(rng, P, d):
    return "combat", _f(pick(rng, L.THREATS), d), say(rng, P, L.SAY_THREAT, d), [], False, False, []


def intent_hook(rng, P, d):
    item = pick(rng, [w for w, _ in P["wares"]])
    d |= {"item": item}
    hook = G.realise(rng, L.HOOKS, d, 0.5)
    d |= {"hook": hook}
    return "quest", pick(rng, L.ASK_WORK), say(rng, P, L.SAY_HOOK, d), [hook], False, False, []


def intent_quest_state(rng, P, d):
    item = pick(rng, [w for w, _ in P["wares"]])
    qname = _f(pick(rng, L.QUEST_NAMES), d | {"Item": _title(item), "Foe_cap": _title(d["foe"])})
    n = int(rng.integers(3, 9))
    k = int(rng.integers(1, n))
    state_t, said_t = L.QUEST_STATES[int(rng.integers(len(L.QUEST_STATES)))]
    state = state_t.format(k=k, n=n)
    said = said_t.format(k=L._num(rng, k), n=L._num(rng, n))
    fact = f"Quest '{qname}' is {state}."
    kind = state if state in ("not started", "complete") else "progress"
    line = say(rng, P, L.SAY_QUEST[kind], {"quest": qname, "state": said, "state_cap": _cap(said)})
    return "quest", _f(pick(rng, L.ASK_QUEST), {"quest": qname}), line, [fact], False, True, [said]


def intent_self(rng, P, d):
    return "idle", _f(pick(rng, L.ASK_SELF), d), say(rng, P, L.SAY_SELF, d), [], False, True, []


def intent_weather(rng, P, d):
    return "idle", pick(rng, L.ASK_WEATHER), say(rng, P, L.SAY_WEATHER, d), [], False, True, []


def intent_rel(rng, P, d):
    if not P["rels"]:
        return intent_weather(rng, P, d)
    i = int(rng.integers(len(P["rels"])))
    who, said = P["rels"][i][0], P["rel_said"][i]
    d |= {"who": who, "Who": who, "rel": said, "rel_cap": _cap(said)}
    return "idle", _f(pick(rng, L.ASK_REL), d), say(rng, P, L.SAY_REL, d), [], False, True, [who]


def intent_social(rng, P, d):
    asks, says = pick(rng, [(L.THANKS, L.SAY_THANKS), (L.BYE, L.SAY_BYE), (L.INSULTS, L.SAY_INSULT)])
    return "idle", _f(pick(rng, asks), d), say(rng, P, says, d), [], False, True, []


def intent_strange(rng, P, d):
    return "idle", pick(rng, L.STRANGE), say(rng, P, L.SAY_STRANGE, d), [], False, False, []


def intent_secret(rng, P, d):
    q, _ = pick(rng, SECRETS_TOPICS)
    return pick(rng, ["idle", "quest"]), q, say(rng, P, L.SAY_SECRET, d), [], False, False, []


def intent_dictate(rng, P, d):
    d |= {"ware": pick(rng, [w for w, _ in P["wares"]])}
    return "idle", _f(pick(rng, L.DICTATE), d), say(rng, P, L.SAY_DICTATE, d), [], False, False, []


def intent_build(rng, P, d):
    return "build", _f(pick(rng, L.ASK_BUILD), d), say(rng, P, L.SAY_BUILD, d), [], False, True, []


def intent_build_done(rng, P, d):
    return "build", pick(rng, L.ASK_BUILD_DONE), say(rng, P, L.SAY_BUILD_DONE, d), [], False, True, []


def _currency(cur: str, n: int) -> str:
    """One pearl, two pearls (gold, silver and copper stay as they are)."""
    return cur[:-1] if n == 1 and cur.endswith("s") else cur


def _price_slots(rng, P, d):
    ware, price = P["wares"][int(rng.integers(len(P["wares"])))]
    p = L._num(rng, price)
    cur = _currency(P["currency"], price)
    d |= {"ware": ware, "p": p, "P_cap": _cap(p), "p_cap": _cap(p), "cur": cur}
    return pick(rng, V.PRICE_FRAMES).format(ware=ware, price=price, cur=cur)


def intent_price(rng, P, d):
    fact = _price_slots(rng, P, d)
    return (pick(rng, ["explore", "idle"]), _f(pick(rng, L.ASK_PRICE), d), say(rng, P, L.SAY_PRICE, d), [fact],
            False, True, [f"{d['p']} {d['cur']}"])


def intent_free(rng, P, d):
    fact = _price_slots(rng, P, d)
    return "idle", _f(pick(rng, L.ASK_FREE), d), say(rng, P, L.SAY_FREE, d), [fact], True, True, [f"{d['p']} {d['cur']}"]


def intent_shop(rng, P, d):
    items = [f"{w} for {p} {P['currency']}" for w, p in P["wares"]]
    said = ", ".join(f"{'an' if w[0] in 'aeiou' else 'a'} {w} at {p}" if i == 0 else f"{w} at {p}"
                     for i, (w, p) in enumerate(P["wares"]))
    said = said.rsplit(", ", 1)
    said = " and ".join(said) + f" {P['currency']}"
    d |= {"list": said, "list_cap": _cap(said)}
    return ("explore", pick(rng, L.ASK_SHOP), say(rng, P, L.SAY_SHOP, d), [f"You sell: {', '.join(items)}."], False,
            False, [str(p) for _, p in P["wares"]])


def intent_fact(rng, P, d):
    statement, kind, asks, says = L.FACTS[int(rng.integers(len(L.FACTS)))]
    S = P["S"]
    if kind == "num":
        v = L._num(rng, int(rng.integers(12, 200)))
    elif kind == "small":
        v = L.number_words(int(rng.integers(2, 9)))
    elif kind == "town":
        v = pick(rng, [t for t in S["towns"] if t != P["town"]])
    else:
        v = pick(rng, L.DAYS)
    foe = d["foe"]
    d |= {"v": v, "V": _cap(v), "Place": _cap(P["role"]["place"]), "foe_sing": foe.rstrip("s") if foe.endswith("s")
          else foe.replace("a ", "").replace("the ", "")}
    fact = _f(statement, d)
    return "idle", _f(pick(rng, asks), d), say(rng, P, says, d), [fact], False, True, [v]


INTENTS = [  # (function, weight): fact answers carry the most weight, they are the hardest lines
    (intent_way, 10), (intent_where, 4), (intent_rumor, 5), (intent_around, 3),
    (intent_teach, 9), (intent_hard, 3),
    (intent_fight, 7), (intent_join, 3), (intent_threat, 2),
    (intent_hook, 6), (intent_quest_state, 6),
    (intent_self, 4), (intent_weather, 4), (intent_rel, 4), (intent_social, 4), (intent_strange, 3),
    (intent_secret, 3), (intent_dictate, 2),
    (intent_build, 8), (intent_build_done, 2),
    (intent_price, 8), (intent_free, 3), (intent_shop, 3), (intent_fact, 10),
]

# Threats, insults, tricks and prying come bare: a greeting or a "thanks" would soften them.
_BARE_ASKS = {intent_threat, intent_social, intent_strange, intent_secret, intent_dictate}


def _casual(rng, text: str) -> str:
    """Players type carelessly: sometimes lower case, sometimes no final punctuation."""
    r = rng.random()
    if r < 0.15:
        text = text.lower()
    if rng.random() < 0.15:
        text = text.rstrip("?.!")
    return text


_NAME_RE = re.compile(r"\b(?!(?:The|A|An|Quest|You|It|I)\b)[A-Z][\w'-]+")


def norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def near_duplicate(a: str, b: str, threshold: float = 0.8) -> bool:
    """Two lines whose word bigram sets overlap by `threshold` (Jaccard), or equal once normalised."""
    na, nb = norm(a), norm(b)
    if na == nb:
        return True
    ga, gb = _bigrams(na), _bigrams(nb)
    if not ga or not gb:
        return False
    return len(ga & gb) / len(ga | gb) >= threshold


def _bigrams(n: str) -> set[tuple[str, str]]:
    w = n.split()
    return set(zip(w, w[1:])) if len(w) > 1 else {(w[0], "")} if w else set()


def benchmark_lines() -> list[str]:
    """Every player line of the conversation benchmark (dev and test): kept out of training."""
    import json

    from gameai.dialogue.conversation_eval.suite import DATA_DIR as SUITE_DIR
    out = []
    for split in ("dev", "test"):
        for line in (SUITE_DIR / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                out += [t["say"] for t in json.loads(line)["turns"]]
    return out


def compose(n: int = 3600, seed: int = 0) -> list[Exchange]:
    return [ex for ex, _ in compose_with_values(n, seed)]


def compose_with_values(n: int = 3600, seed: int = 0) -> list[tuple[Exchange, list[str]]]:
    """The exchanges, each with the value strings its NPC line states word for word (for the tests)."""
    if n < 1:
        raise ValueError(f"n = {n}: the training set needs at least one exchange")
    rng = np.random.default_rng(seed)
    fns = [f for f, _ in INTENTS]
    w = np.array([x for _, x in INTENTS], dtype=float)
    w /= w.sum()
    banned = [norm(x) for x in benchmark_lines()]
    banned_grams = [_bigrams(b) for b in banned]
    banned_set = set(banned)
    out: list[tuple[Exchange, list[str]]] = []
    seen: set[tuple[str, str]] = set()
    settings = list(SETTINGS)
    persona, uses = None, 0
    while len(out) < n:
        if persona is None or uses >= int(rng.integers(3, 9)):
            persona = make_persona(rng, settings[0] if rng.random() < 0.6 else pick(rng, settings[1:]))
            uses, history = 0, []
        uses += 1
        fn, d = fns[int(rng.choice(len(fns), p=w))], _slots(rng, persona)
        mode, player, core, facts, free, extra, values = fn(rng, persona, d)
        names = frozenset(_NAME_RE.findall(" ".join([persona["card"]["name"], persona["town"],
                                                     *facts, *[r[0] for r in persona["rels"]]])))
        player = _casual(rng, V.player_line(rng, player, d, names) if fn not in _BARE_ASKS else player)
        npc = speak(core, persona["voice"], persona["addr"], rng, names, allow_extra=extra, fact=bool(facts))
        if any(_near_banned(x, banned_set, banned_grams) for x in (player, npc)):
            continue
        if (player, npc) in seen:
            continue
        seen.add((player, npc))
        k = min(len(history), int(rng.integers(0, 3)))
        ex = Exchange(id=f"t{len(out):05d}", setting=persona["setting"], mode=mode, persona=persona["card"],
                      world=persona["world"], facts=tuple(facts), asks_free=free,
                      recent=tuple(history[-k:]) if k else (), player=player, npc=npc)
        out.append((ex, values))
        history.append((player, npc))
    return out


def _near_banned(line: str, banned: set[str], banned_grams: list[set]) -> bool:
    """Is the line, or nearly (word-bigram Jaccard >= 0.8), a line of the conversation benchmark?"""
    nl = norm(line)
    if nl in banned:
        return True
    g = _bigrams(nl)
    return bool(g) and any(bg and len(g & bg) / len(g | bg) >= 0.8 for bg in banned_grams)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Compose the dialogue training set from the hand-authored parts.")
    ap.add_argument("--out", default=str(DEFAULT_TRAIN))
    ap.add_argument("-n", type=int, default=3600, help="number of exchanges (default 3600)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.n < 1:
        ap.error(f"-n {a.n}: the training set needs at least one exchange")
    ex = compose(a.n, a.seed)
    write_exchanges(ex, a.out)
    print(f"wrote {len(ex)} exchanges to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
