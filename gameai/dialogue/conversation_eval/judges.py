"""Judges of the conversation benchmark. Written for the benchmark: none of them imports or
copies the guards' or the router's word lists, so the engine cannot pass by sharing a list.

- value stated: normalised word/number matching ("forty" == "40", "three hundred" == "300");
- route: what the Reply exposes (intent kind, intent args, fact ids) mapped onto the suite's labels;
- repeats: verbatim (normalised equality) and near-verbatim (difflib ratio >= 0.9);
- address words: vocatives ("..., lad." / "Lad, ...");
- meta talk: the NPC speaking about the game instead of the world.
"""
from __future__ import annotations

import difflib
import re

from gameai.dialogue.reply import Reply

NEAR_REPEAT_RATIO = 0.9

_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                       "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i >= 2}
_WORD = re.compile(r"[a-z0-9]+")


def _numbers_to_digits(words: list[str]) -> list[str]:
    """Fold runs of English number words into digit strings: ["sixty", "five"] -> ["65"]."""
    out: list[str] = []
    i = 0
    while i < len(words):
        total, cur, j = 0, None, i
        while j < len(words):
            w = words[j]
            if w in _UNITS and (cur is None or (cur % 10 == 0 and cur % 100 >= 20 and _UNITS[w] < 10)):
                cur = (cur or 0) + _UNITS[w]
            elif w in _TENS and (cur is None or cur % 100 == 0):
                cur = (cur or 0) + _TENS[w]
            elif w == "hundred" and cur is not None and cur < 100:
                cur *= 100
            elif w == "thousand" and cur is not None:
                total, cur = total + cur * 1000, 0
            elif w == "and" and cur is not None and cur % 100 == 0 and j + 1 < len(words) \
                    and (words[j + 1] in _UNITS or words[j + 1] in _TENS):
                pass
            else:
                break
            j += 1
        if cur is None:
            out.append(words[i])
            i += 1
        else:
            out.append(str(total + cur))
            i = j
    return out


def normalise(text: str) -> list[str]:
    """Lower-case word tokens with number words as digits ("Sixty-five gold" -> ["65", "gold"])."""
    return _numbers_to_digits(_WORD.findall(text.lower().replace("-", " ")))


def _token_match(want: str, got: str) -> bool:
    # A plural or possessive of the labelled word counts ("goblin" in "goblins", "raider" in "raiders").
    return got == want or (got.startswith(want) and len(got) - len(want) <= 2 and not want.isdigit())


def states(text: str, value: str) -> bool:
    """True when the reply states `value` ("a|b": either alternative) as whole words, in order."""
    toks = normalise(text)
    for alt in value.split("|"):
        want = normalise(alt)
        if want and any(all(_token_match(w, toks[i + k]) for k, w in enumerate(want))
                        for i in range(len(toks) - len(want) + 1)):
            return True
    return False


def missing_values(text: str, values: tuple[str, ...]) -> list[str]:
    return [v for v in values if not states(text, v)]


# New intents issue 12 asks for, under the names an implementation is likely to pick.
_NEW_INTENTS = {"greeting": "greeting", "greet": "greeting", "farewell": "farewell", "goodbye": "farewell",
                "thanks": "thanks", "thank": "thanks", "shop_list": "shop_list", "list_shop": "shop_list",
                "relationship": "relationship", "relationships": "relationship", "teaching": "teaching",
                "teach": "teaching", "help": "help", "ask_help": "help", "asking_for_help": "help"}
_FACT_ROUTES = {"quest": "quest_state", "world": "location", "fact": "fact", "relationship": "relationship",
                "price": "price", "shop": "shop_list", "landmark": "directions", "rumor": "rumor",
                "quest_hook": "quest_offer"}


def route_of(reply: Reply) -> tuple[str, str | None]:
    """(route label, target id or None) that a Reply expresses."""
    kind, args = reply.intent.kind, reply.intent.args
    if kind in _NEW_INTENTS:
        route = _NEW_INTENTS[kind]
        target = args.get("who") or args.get("person") or args.get("item")
        return route, str(target) if target else None
    if kind == "trade":
        return ("price", args["item"]) if "item" in args else ("shop_list", None)
    if kind == "give_quest" or (kind == "refuse" and args.get("reason") == "reputation"):
        return "quest_offer", args.get("quest")
    if kind == "share_rumor":
        return "rumor", args.get("rumor")
    if kind == "give_directions":
        return "directions", args.get("landmark")
    if kind == "refuse":
        return "refuse", args.get("reason")
    for fid in reply.facts:
        prefix, _, rest = fid.partition(":")
        if prefix in _FACT_ROUTES:
            return _FACT_ROUTES[prefix], (rest if prefix not in ("world", "shop") else None)
    return "small_talk", None


def route_ok(expected: str, target: str | None, got: tuple[str, str | None]) -> bool:
    """Right route, and the right target when both the label and the reply name one."""
    route, got_target = got
    if route != expected:
        return False
    return target is None or got_target is None or got_target.lower() == target.lower()


def same_line(a: str, b: str) -> bool:
    return " ".join(normalise(a)) == " ".join(normalise(b))


def near_repeat(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, " ".join(normalise(a)), " ".join(normalise(b))).ratio() >= NEAR_REPEAT_RATIO


def vocatives(text: str, words: set[str]) -> set[str]:
    """Which of `words` the line uses to address someone: "..., lad." / "Lad, ..." / "my friend!"."""
    found = set()
    for w in words:
        pat = (r"(?:^|[,;:!?.\u2014-]\s*)(?:(?:my|dear|old|young)\s+)?" + re.escape(w)
               + r"(?=\s*(?:[,.;:!?\u2026\u2014-]|$))")
        if re.search(pat, text, re.IGNORECASE):
            found.add(w)
    return found


_META = re.compile(r"\b(?:the|this|your)\s+(?:map|game|player|players|npcs?)\b|\bnpcs?\b|\bvideo\s*games?\b|"
                   r"\bquest\s+log\b|\bsave\s+file\b|\bgame\s+world\b", re.IGNORECASE)


def meta_talk(text: str) -> str | None:
    """The first phrase that talks about the game rather than the world, or None."""
    m = _META.search(text)
    return m.group(0) if m else None
