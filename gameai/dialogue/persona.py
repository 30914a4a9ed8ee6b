"""Persona files (TOML): who an NPC is, what it knows, what it must never tell.

Validated on load; every error names the file, the field and the bad value. Format: docs/developer.md.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gameai.dialogue.errors import PersonaError

LANGUAGE_POLICIES = ("not_understood", "reply_in_language")

# Authored lines used when the model is missing or a guard/check rejects its output. Each may be
# overridden per persona in [lines]; a list gives variety (picked deterministically per turn).
# The defaults are neutral: no address word, so a persona without its own lines never speaks with
# another persona's voice ("traveller", "friend").
DEFAULT_LINES: dict[str, list[str]] = {
    "greeting": ["Well met.", "Good day to you."],
    "intro": ["I am {name}, {role}."],
    "farewell": ["Safe roads.", "Go well."],
    "thanks": ["You are welcome.", "Glad to be of use."],
    "teaching": ["Watch closely, then practise. There is no other way to learn it."],
    "help": ["Tell me what you need, and I will see what I can do."],
    "fallback": ["Hm. Let me think on that.", "Ask me something else.", "I cannot say much about that."],
    "refuse": ["No. That is not how it works here."],
    "dictated": ["That is a fine story, but it did not happen.", "Nothing of the sort happened."],
    "injection": ["I do not follow. Speak plainly.", "Strange words. I will keep to my own business."],
    "puzzled": ["I know nothing of such things.", "That word means nothing to me."],
    "insulted": ["Mind your tongue.", "Say that again and we are done talking."],
    "gibberish": ["What? Say that again, slowly.", "I did not catch a word of that."],
    "not_understood": ["I do not speak that tongue."],
    "no_such_item": ["I do not sell that."],
    "price": ["The {item} costs {price} {currency}.", "For the {item}, {price} {currency}."],
    "direction": ["{landmark} {be} {direction} of here{distance}.", "For {landmark}, head {direction}{distance}."],
    # {answers}: sentences composed from the quest's data (grounding.quest_state_answers); a persona's
    # own template may use {quest}, {state} and {objective}.
    "quest_state": ["{answers[0]}", "{answers[1]}", "{answers[2]}"],
    "quest_offer": ["{hook}"],
    "rumor": ["{rumor}"],
    "location": ["You are at {location}. It is {time}."],
    "fact": ["{fact}"],
}

_TOP_KEYS = {
    "id", "name", "role", "setting", "language", "on_foreign_language", "traits", "speech_style",
    "description", "mood", "facts", "secrets", "shop", "quests", "relationships", "rumors", "lines",
    "world", "out_of_world",
}


@dataclass(frozen=True)
class Fact:
    id: str
    text: str
    # The value the engine checks in the model's output (e.g. "eighty"); empty: no value check.
    value: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Secret:
    id: str
    text: str
    # Two or more of these in one reply count as a leak, and so does one multi-word keyword or one
    # distinctive phrase of `text` (guards.secret_phrases), besides any 3-word overlap with text.
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShopItem:
    id: str
    name: str
    price: int
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestHook:
    id: str
    name: str
    hook: str
    min_reputation: float = float("-inf")


@dataclass(frozen=True)
class Rumor:
    id: str
    text: str


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    role: str
    setting: str = "fantasy"
    language: str = "en"
    on_foreign_language: str = "not_understood"
    traits: tuple[str, ...] = ()
    speech_style: str = ""
    description: str = ""
    mood: str = "neutral"
    facts: tuple[Fact, ...] = ()
    secrets: tuple[Secret, ...] = ()
    currency: str = "gold"
    shop: tuple[ShopItem, ...] = ()
    quests: tuple[QuestHook, ...] = ()
    relationships: tuple[tuple[str, str], ...] = ()
    rumors: tuple[Rumor, ...] = ()
    lines: dict[str, tuple[str, ...]] = field(default_factory=dict)
    out_of_world: tuple[str, ...] = ()
    # Default world for the CLI and the eval suite when the game passes none.
    world: dict[str, Any] = field(default_factory=dict)
    source: str = "<memory>"

    def line(self, kind: str, variant: int = 0, **values: Any) -> str:
        """An authored line of `kind`, variant chosen by the caller (deterministic), formatted."""
        options = self.lines.get(kind) or tuple(DEFAULT_LINES.get(kind, DEFAULT_LINES["fallback"]))
        template = options[variant % len(options)]
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            # A persona template naming a field this line kind lacks: use the default template.
            return DEFAULT_LINES.get(kind, DEFAULT_LINES["fallback"])[0].format(**values)

    def summary(self) -> str:
        """One paragraph describing the persona (for prompts and persona-consistency scoring)."""
        traits = ", ".join(self.traits)
        text = f"{self.name}, {self.role}."
        if traits:
            text += f" {traits.capitalize()}."
        if self.description:
            text += f" {self.description}"
        return text


def _err(src: str, field_name: str, msg: str) -> PersonaError:
    return PersonaError(f"{src}: field '{field_name}': {msg}")


def _str(d: dict, key: str, src: str, where: str, default: str | None = None) -> str:
    if key not in d:
        if default is None:
            raise _err(src, f"{where}{key}", "is required (a string)")
        return default
    v = d[key]
    if not isinstance(v, str) or (default is None and not v.strip()):
        raise _err(src, f"{where}{key}", f"must be a non-empty string, got {v!r}")
    return v.strip()


def _str_list(d: dict, key: str, src: str, where: str = "") -> tuple[str, ...]:
    v = d.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise _err(src, f"{where}{key}", f"must be a list of non-empty strings, got {v!r}")
    return tuple(x.strip() for x in v)


def _table_list(d: dict, key: str, src: str) -> list[dict]:
    v = d.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise _err(src, key, f"must be an array of tables ([[{key}]]), got {type(v).__name__}")
    return v


def _unique(ids: list[str], src: str, key: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise _err(src, key, f"duplicate id {i!r}; ids must be unique")
        seen.add(i)


def persona_from_dict(data: dict[str, Any], source: str = "<memory>") -> Persona:
    """Build and validate a Persona from parsed TOML data."""
    src = source
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _err(src, sorted(unknown)[0], f"unknown field; known fields: {', '.join(sorted(_TOP_KEYS))}")
    name = _str(data, "name", src, "")
    pid = _str(data, "id", src, "", default=name.lower().split()[0])
    role = _str(data, "role", src, "")
    policy = _str(data, "on_foreign_language", src, "", default="not_understood")
    if policy not in LANGUAGE_POLICIES:
        raise _err(src, "on_foreign_language", f"must be one of {LANGUAGE_POLICIES}, got {policy!r}")

    facts = []
    for i, f in enumerate(_table_list(data, "facts", src)):
        w = f"facts[{i}]."
        value = f.get("value", "")
        if not isinstance(value, (str, int)):
            raise _err(src, w + "value", f"must be a string or integer, got {value!r}")
        facts.append(Fact(_str(f, "id", src, w), _str(f, "text", src, w), str(value), _str_list(f, "keywords", src, w)))
    secrets = []
    for i, s in enumerate(_table_list(data, "secrets", src)):
        w = f"secrets[{i}]."
        secrets.append(Secret(_str(s, "id", src, w), _str(s, "text", src, w), _str_list(s, "keywords", src, w)))

    shop_tbl = data.get("shop", {})
    if not isinstance(shop_tbl, dict):
        raise _err(src, "shop", "must be a table ([shop])")
    currency = _str(shop_tbl, "currency", src, "shop.", default="gold") or "gold"
    items = []
    for i, it in enumerate(_table_list(shop_tbl, "items", src)):
        w = f"shop.items[{i}]."
        price = it.get("price")
        if isinstance(price, bool) or not isinstance(price, int) or price < 0:
            raise _err(src, w + "price", f"must be a whole number >= 0, got {price!r}")
        items.append(ShopItem(_str(it, "id", src, w), _str(it, "name", src, w), price, _str_list(it, "aliases", src, w)))

    quests = []
    for i, q in enumerate(_table_list(data, "quests", src)):
        w = f"quests[{i}]."
        mr = q.get("min_reputation", float("-inf"))
        if isinstance(mr, bool) or not isinstance(mr, (int, float)) or mr != mr:
            raise _err(src, w + "min_reputation", f"must be a number, got {mr!r}")
        quests.append(QuestHook(_str(q, "id", src, w), _str(q, "name", src, w), _str(q, "hook", src, w), float(mr)))
    rumors = [Rumor(_str(r, "id", src, f"rumors[{i}]."), _str(r, "text", src, f"rumors[{i}]."))
              for i, r in enumerate(_table_list(data, "rumors", src))]
    rels = tuple((_str(r, "who", src, f"relationships[{i}]."), _str(r, "relation", src, f"relationships[{i}]."))
                 for i, r in enumerate(_table_list(data, "relationships", src)))
    for key, ids in (("facts", [f.id for f in facts]), ("secrets", [s.id for s in secrets]),
                     ("shop.items", [x.id for x in items]), ("quests", [q.id for q in quests]),
                     ("rumors", [r.id for r in rumors])):
        _unique(ids, src, key)

    lines_tbl = data.get("lines", {})
    if not isinstance(lines_tbl, dict):
        raise _err(src, "lines", "must be a table ([lines])")
    lines = {}
    for k in lines_tbl:
        if k not in DEFAULT_LINES:
            raise _err(src, f"lines.{k}", f"unknown line kind; known: {', '.join(DEFAULT_LINES)}")
        lines[k] = _str_list(lines_tbl, k, src, "lines.")
        if not lines[k]:
            raise _err(src, f"lines.{k}", "must not be empty")
    world = data.get("world", {})
    if not isinstance(world, dict):
        raise _err(src, "world", "must be a table ([world])")
    return Persona(
        id=pid, name=name, role=role,
        setting=_str(data, "setting", src, "", default="fantasy") or "fantasy",
        language=_str(data, "language", src, "", default="en") or "en",
        on_foreign_language=policy,
        traits=_str_list(data, "traits", src), speech_style=_str(data, "speech_style", src, "", default=""),
        description=_str(data, "description", src, "", default=""), mood=_str(data, "mood", src, "", default="neutral"),
        facts=tuple(facts), secrets=tuple(secrets), currency=currency, shop=tuple(items), quests=tuple(quests),
        relationships=rels, rumors=tuple(rumors), lines=lines, out_of_world=_str_list(data, "out_of_world", src),
        world=world, source=src,
    )


def load_persona(path: str | Path) -> Persona:
    """Load and validate a persona TOML file. Raises PersonaError with file, field and value."""
    p = Path(path)
    if not p.is_file():
        raise PersonaError(f"{p}: persona file not found; pass the path of a .toml file "
                           f"(examples ship in {Path(__file__).parent / 'cast'})")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise PersonaError(f"{p}: not UTF-8 text ({exc}); save the persona as UTF-8 TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise PersonaError(f"{p}: not valid TOML: {exc}; fix the syntax at that line") from None
    return persona_from_dict(data, source=str(p))


def cast_dir() -> Path:
    """Folder of the example cast shipped with the package."""
    return Path(__file__).parent / "cast"


def load_cast(folder: str | Path | None = None) -> list[Persona]:
    """All personas (*.toml) of a folder, sorted by file name; default: the shipped cast."""
    d = Path(folder) if folder else cast_dir()
    if not d.is_dir():
        raise PersonaError(f"{d}: cast folder not found; pass a folder of persona .toml files")
    files = sorted(d.glob("*.toml"))
    if not files:
        raise PersonaError(f"{d}: no persona .toml files in this folder")
    return [load_persona(f) for f in files]
