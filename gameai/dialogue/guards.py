"""Guardrails on the player's input and the model's output.

With a 135M model the guarantees come from here, not from the model: secrets never enter the
prompt, and every output is checked for leaks (overlap with secrets and the prompt's instructions),
out-of-world words, assistant-speak, granted outcomes, loops, foreign script, name claims and length.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable

from gameai.dialogue.errors import MessageError
from gameai.dialogue.lexicon import Lexicon, lexicon_for
from gameai.dialogue.persona import Persona

MAX_INPUT_CHARS = 600
MAX_OUTPUT_CHARS = 280
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_KEYBOARD_RUNS = ("qwer", "wert", "asdf", "sdfg", "dfgh", "fghj", "ghjk", "hjkl", "zxcv", "xcvb", "uiop", "yuio", "jkl;")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


# a sentence runs to its stop, with a closing quote kept ("Go now.'"), and ends at a space or the end
_SENTENCE = re.compile(r"[^.!?]+[.!?]+[\"'\u201d\u2019]?(?=\s|$)")


def sentences(text: str) -> list[str]:
    """The whole sentences of ``text``, in order (a trailing scrap without a stop is left out)."""
    return [m.group(0).strip() for m in _SENTENCE.finditer(text.strip())]


# ---------------------------------------------------------------------------------------- input
@dataclass
class InputVerdict:
    """kind: None when the message may go to the model; else the guard that answers it instead
    ('injection', 'dictated', 'puzzled', 'insulted', 'gibberish', 'not_understood')."""

    kind: str | None = None
    flags: list[str] = field(default_factory=list)
    text: str = ""


def capitalised_names(*texts: str) -> frozenset[str]:
    """Lower-cased capitalised words of data texts: the proper names an NPC may use."""
    return frozenset(w.lower() for t in texts for w in re.findall(r"[A-Z][a-z]+", t))


def validate_message(text: object, max_chars: int = MAX_INPUT_CHARS) -> str:
    """Reject input the engine cannot treat as a player's line, with a message saying what to do."""
    if not isinstance(text, str):
        raise MessageError(f"the player's message must be text (str), got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise MessageError("the player's message is empty; send at least one word")
    if len(stripped) > max_chars:
        raise MessageError(f"the player's message is {len(stripped):,} characters; the limit is {max_chars:,}. "
                           "Cap your text box, or raise max_input_chars in the engine config")
    # Control characters (other than newline/tab) are never typed by a person; drop them.
    return "".join(ch for ch in stripped if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def _non_latin_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    foreign = sum(1 for c in letters if "LATIN" not in unicodedata.name(c, ""))
    return foreign / len(letters)


def detect_language(text: str, lex: Lexicon) -> str:
    """'en', another code from the lexicon, or 'other' (non-Latin script). Short texts default to 'en'.

    A stop-word vote: general language-ID libraries are unreliable on 3-word game chat and the
    setting needs only "is this the NPC's language or not".
    """
    if _non_latin_ratio(text) > 0.5:
        return "other"
    ws = words(text)
    if len(ws) < 2:
        return "en"
    hits = {lang: sum(1 for w in ws if w in vocab) for lang, vocab in lex.languages.items()}
    best = max(hits, key=lambda k: (hits[k], k == "en"))
    if best != "en" and hits[best] >= 2 and hits[best] > hits.get("en", 0):
        return best
    return "en"


def _suspicious_word(w: str, pieces: Callable[[str], int] | None) -> bool:
    w = re.sub(r"'(?:s|d|ll|re|ve|m|t)$|s'$", "", w)  # "saddler's" is "saddler" to the word-piece count
    if len(w) < 4 or w.isdigit():
        return False
    if not re.search(r"[aeiouyàâäéèêëïîôöùûüáíóú]", w):
        return True
    if re.search(r"[bcdfghjklmnpqrstvwxz]{5,}", w) or re.search(r"(.)\1{3,}", w):
        return True
    if any(run in w for run in _KEYBOARD_RUNS):
        return True
    # Word pieces of the embedding model's English vocabulary: a real word splits into few.
    return pieces is not None and len(w) <= 14 and pieces(w) >= max(4, len(w) // 2)


def is_gibberish(text: str, pieces: Callable[[str], int] | None = None) -> bool:
    ws = words(text)
    letters = sum(c.isalpha() for c in text)
    if not ws or letters < 0.3 * len(text.replace(" ", "")):
        return len(text.strip()) > 2 and letters < 2 or not ws
    long_words = [w for w in ws if len(w) >= 4]
    if not long_words:
        return False
    bad = sum(_suspicious_word(w, pieces) for w in long_words)
    return bad / len(long_words) >= 0.5


def check_input(text: str, persona: Persona, pieces: Callable[[str], int] | None = None) -> InputVerdict:
    """Classify a validated player message; the first matching guard answers in character."""
    lex = lexicon_for(persona.setting, persona.out_of_world)
    v = InputVerdict(text=text)
    if any(p.search(text) for p in lex.injection):
        v.flags.append("input:injection")
    if any(p.search(text) for p in lex.dictation):
        v.flags.append("input:dictation")
    if lex.out_of_world is not None and lex.out_of_world.search(text):
        v.flags.append("input:out_of_world")
    if lex.insults.search(text):
        v.flags.append("input:insult")
    lang = detect_language(text, lex)
    if lang != persona.language:
        v.flags.append(f"input:language:{lang}")
    if not v.flags and is_gibberish(text, pieces):
        v.flags.append("input:gibberish")
    order = (("input:injection", "injection"), ("input:dictation", "dictated"), ("input:out_of_world", "puzzled"),
             ("input:insult", "insulted"), ("input:gibberish", "gibberish"))
    for flag, kind in order:
        if flag in v.flags:
            v.kind = kind
            return v
    if any(f.startswith("input:language:") for f in v.flags) and persona.on_foreign_language == "not_understood":
        v.kind = "not_understood"
    return v


# --------------------------------------------------------------------------------------- output
_NARRATION = re.compile(r"\([^)]*\)|\*[^*]*\*|\[[^\]]*\]|\{[^}]*\}")
_OPENERS = "(*[{"


def sanitize(text: str, persona: Persona) -> str:
    """Drop stage directions (closed brackets), cut at an unclosed one, drop a leading 'Name:'."""
    t = _NARRATION.sub(" ", text)
    cut = min((i for i in (t.find(c) for c in _OPENERS) if i >= 0), default=-1)
    if cut >= 0:
        t = t[:cut]
    t = re.sub(r"<\|?im_(start|end)\|?>.*", "", t, flags=re.S)
    t = t.split("\n\n")[0] if "\n\n" in t.strip() else t
    first = re.escape(persona.name.split()[0])
    t = re.sub(rf"^\s*(?:{first}[\w .]*|npc|assistant)\s*:\s*", "", t, flags=re.I)
    # Prompt labels the model sometimes echoes ("Fact: ...") are not speech.
    t = re.sub(r"\b(?:True facts?|Facts?|Now|Nearby|You remember|The traveller said|They said|Earlier they told you|You said)\s*:\s*", "", t)
    t = re.sub(r"\s+", " ", t.replace('"', " ").replace("“", " ").replace("”", " "))
    t = re.sub(r"\s+([.,!?;:])", r"\1", t)
    t = re.sub(r"([.!?])(?:\s*[.!?])+", r"\1", t)
    return t.strip()


def loop_start(ws: list[str]) -> int | None:
    """Index where a repetition loop begins: a word 3x in a row, a 4+-gram twice, a 3-gram 3x."""
    for i in range(2, len(ws)):
        if ws[i] == ws[i - 1] == ws[i - 2]:
            return i - 1
    for n, times in ((4, 2), (3, 3)):
        seen: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(ws) - n + 1):
            g = tuple(ws[i:i + n])
            seen.setdefault(g, []).append(i)
            if len(seen[g]) >= times:
                return seen[g][1]
    return None


def ngrams(ws: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}


_STOP = frozenset("the a an of to and is are was i you he she it in on at for my your me with that this be".split())

# Words that glue a sentence together rather than name a thing: a pair of a secret's words that
# holds one of these ("last night", "take the") is ordinary speech, not a phrase of the secret.
_GLUE = frozenset("""
a an the this that these those my your his her its our their me him them us you i he she it we they one ones
who whom whose which what when where why how there here then than so as if or and but nor yet not no
to of in on at by for with from into onto over under about after before during since until upon off out up down
is are was were be been being am do does did have has had will would shall should can could may might must
let lets use used make made take took get got go went come came put set keep kept give gave say said tell told
other others another every each all some any many much more most few less least both either neither
last next first second new old own same such very just also only still ever never again ago now
today tonight yesterday tomorrow night nights day days week weeks month months year years time times
morning evening spring summer autumn winter""".split())


def _norm(w: str) -> str:
    """A word without its possessive or plural ending, so "miller's well" matches "millers well"
    and "stolen blade" matches "stolen blades" (the same rule on both sides, not a stemmer)."""
    w = w.lower().replace("\u2019", "'")
    if w.endswith("'s") or w.endswith("s'"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


def _pairs(ws: list[str]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in zip(ws, ws[1:])}


def public_text(persona: Persona, *extra: str) -> str:
    """Everything the persona may say openly: its card, facts, rumours, quest hooks, shop, friends,
    authored lines and default world (plus `extra`, e.g. the turn's world). Not evidence of a leak."""
    world = persona.world or {}
    parts = [persona.name, persona.role, persona.description, persona.speech_style, " ".join(persona.traits),
             persona.currency, *(f.text for f in persona.facts), *(r.text for r in persona.rumors),
             *(q.name + ". " + q.hook for q in persona.quests),
             *(it.name + ". " + ". ".join(it.aliases) for it in persona.shop),
             *(f"{who}. {rel}" for who, rel in persona.relationships),
             *(line for lines in persona.lines.values() for line in lines),
             str(world.get("location", "")), *(str(lm.get("name", "")) for lm in world.get("landmarks", ()) if isinstance(lm, dict)),
             *(str(q.get("name", "")) for q in world.get("quests", ()) if isinstance(q, dict)), *extra]
    return ". ".join(p for p in parts if p)


def secret_phrases(text: str, keywords: Iterable[str], public: str) -> set[tuple[str, ...]]:
    """The distinctive multi-word phrases of one secret: its multi-word keywords and each pair of
    adjacent non-glue words of its text ("stolen church", "church silver"), as normalised word
    tuples. A phrase that the public text holds, or whose words are all public words, is left out:
    saying it cannot give the secret away. One of these in a reply is a leak."""
    pub_words = [_norm(w) for w in words(public)]
    pub_pairs, pub_set, pub_joined = _pairs(pub_words), set(pub_words), " " + " ".join(pub_words) + " "
    out: set[tuple[str, ...]] = set()
    for k in keywords:
        kw = tuple(_norm(w) for w in words(k))
        if len(kw) >= 2 and f" {' '.join(kw)} " not in pub_joined:
            out.add(kw)
    sw = [_norm(w) for w in words(text)]
    for a, b in _pairs(sw):
        if a in _GLUE or b in _GLUE or a in _STOP or b in _STOP or (a, b) in pub_pairs:
            continue
        if not ({a, b} - pub_set):
            continue
        out.add((a, b))
    return out


def holds_phrase(ws: list[str], phrase: tuple[str, ...], normalised: bool = False) -> bool:
    n = len(phrase)
    nw = ws if normalised else [_norm(w) for w in ws]
    return any(tuple(nw[i:i + n]) == phrase for i in range(len(nw) - n + 1))


@dataclass
class OutputPolicy:
    """What one reply must not contain. Built per turn by the engine."""

    persona: Persona
    instructions: str  # the prompt's instruction sentences (not its facts): must never be echoed
    max_chars: int = MAX_OUTPUT_CHARS
    # The persona's prompt block: echoing 8 words of it in a row is a prompt leak.
    persona_block: str = ""
    # Names of the other NPCs of the cast: the model must not claim to be one of them.
    other_names: frozenset[str] = frozenset()
    # Proper names the NPC may use (from persona, world and cast); others are invented by the model.
    known_names: frozenset[str] = frozenset()
    # Is a lower-cased word common English? (the embedding model's vocabulary); None: skip the check
    is_common_word: Callable[[str], bool] | None = None
    # Public text of this turn beyond the persona's own (the game's world snippet, this turn's
    # facts): a secret's phrase that appears here may be said.
    public: str = ""

    def __post_init__(self) -> None:
        self.lex = lexicon_for(self.persona.setting, self.persona.out_of_world)
        self._instr5 = ngrams(words(self.instructions), 5)
        self._block8 = ngrams(words(self.persona_block), 8)
        self._secret4 = [(s.id, ngrams([w for w in words(s.text) if w not in _STOP], 3)) for s in self.persona.secrets]
        self._secret_kw = [(s.id, [k.lower() for k in s.keywords]) for s in self.persona.secrets]
        pub = public_text(self.persona, self.persona_block, self.public)
        self._secret_phrases = [(s.id, secret_phrases(s.text, s.keywords, pub)) for s in self.persona.secrets]
        self._own = self.persona.name.split()[0].lower()
        self._other_names = {n.lower() for n in self.other_names} - {self._own}

    def violations(self, text: str) -> list[str]:
        """Every rule the (sanitized) text breaks; empty when it may be shown."""
        out: list[str] = []
        ws = words(text)
        low = " ".join(ws)
        if self.lex.assistant_speak.search(text):
            out.append("output:assistant_speak")
        if (self.lex.out_of_world is not None and self.lex.out_of_world.search(text)) or \
                (self.lex.meta_talk is not None and self.lex.meta_talk.search(text)):
            out.append("output:out_of_world")
        if self.lex.grant.search(text):
            out.append("output:grant")
        if self._instr5 & ngrams(ws, 5) or self._block8 & ngrams(ws, 8):
            out.append("output:prompt_leak")
        content = [w for w in ws if w not in _STOP]
        grams = ngrams(content, 3)
        for sid, sgrams in self._secret4:
            if sgrams & grams:
                out.append(f"output:secret_leak:{sid}")
        for sid, kws in self._secret_kw:
            if kws and sum(1 for k in kws if re.search(rf"(?<!\w){re.escape(k)}", low)) >= 2 \
                    and f"output:secret_leak:{sid}" not in out:
                out.append(f"output:secret_leak:{sid}")
        nw = [_norm(w) for w in ws] if self._secret_phrases else []
        for sid, phrases in self._secret_phrases:
            # One distinctive phrase is enough ("The church silver is on my chest."): even when
            # the player said it first, repeating it in the NPC's voice confirms the secret.
            if f"output:secret_leak:{sid}" not in out and any(holds_phrase(nw, p, normalised=True) for p in phrases):
                out.append(f"output:secret_leak:{sid}")
        m = re.search(r"\b(?:my name is|call me)\s+([a-z]+)", low)
        if m and m.group(1) != self._own:
            out.append("output:wrong_name")
        m = re.search(r"\b(?:i am|i'm|im)\s+([a-z]+)", low)
        if m and m.group(1) in self._other_names:
            out.append("output:wrong_name")
        if self.is_common_word is not None:
            bad = invented_names(text, self.known_names, self.is_common_word)
            if bad:
                out.append("output:invented_name:" + bad[0])
        if _non_latin_ratio(text) > 0.2:
            out.append("output:language")
        return out


def invented_names(text: str, known: frozenset[str], is_common: Callable[[str], bool]) -> list[str]:
    """Capitalised words that are neither known names nor common words: places and people the
    model made up ("the town of Ashwood"). Mid-sentence capitals must be known names."""
    found = []
    for m in re.finditer(r"(^|[.!?]\s+|\s)([A-Z][a-z']+)", text):
        w = m.group(2).split("'")[0]
        low = w.lower()
        if w == "I" or low in known or low in _COMMON_CAPS:
            continue
        sentence_start = m.start(2) == 0 or bool(m.group(1).strip())
        if sentence_start and is_common(low):
            continue
        found.append(w)
    return found


# Words a small model capitalises mid-sentence that are not names.
_COMMON_CAPS = frozenset("sir madam lady lord master mistress friend traveller traveler god gods "
                         "north south east west northern southern eastern western".split())


def trim_to_sentence(text: str, max_chars: int) -> str:
    """Cut to at most max_chars and drop an unfinished last sentence (the model ran out of tokens),
    unless that would leave fewer than two words; then close the fragment with a full stop."""
    t = text.strip()
    cut_short = len(t) > max_chars
    if cut_short:
        # never mid-word: "... and a string of glass b" is a broken word, not a short line
        cut = t[:max_chars]
        t = cut if t[max_chars].isspace() or " " not in cut else cut[:cut.rfind(" ")]
    if t[-1:] in (".", "!", "?"):
        return t
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", t)]
    if ends and len(t[:ends[-1]].split()) >= 2:
        return t[:ends[-1]].strip()
    if cut_short and "," in t and len(t[:t.rfind(",")].split()) >= 4:
        t = t[:t.rfind(",")]  # a long list cut at its last whole item
    return t.rstrip(" ,;:-") + "." if t else t


def compression_ratio(text: str) -> float:
    """Compressed/raw size: low values mean repetitive text (used in the eval's loop rate)."""
    raw = text.encode("utf-8")
    return len(zlib.compress(raw)) / max(1, len(raw))


def any_loop(texts: Iterable[str]) -> bool:
    return any(loop_start(words(t)) is not None for t in texts)
