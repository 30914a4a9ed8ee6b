"""Hand-authored speech styles: how a line is said, apart from what is said.

Each voice has the sentence that goes on the persona card (`style`, with {addr} for the word the
NPC calls people) and the habits that make its lines sound like that card: its rhythm (how much
of a frame's optional parts it says, and whether it says the shorter or the longer of two drafts;
compose.say), its own interjections and tags (each on a minority of lines, so none is a stock
flourish), and whole-line transforms (no contractions, a stammer). The address word is drawn
apart from the voice and put at the end of the first sentence on some lines, so the model learns
to take it from the card.
"""
from __future__ import annotations

import re

ADDRESSES = ("traveller", "friend", "stranger", "wanderer", "pilgrim", "lad", "lass", "dear", "love",
             "good sir", "my friend", "youngster", "outlander", "mate", "child", "cousin", "neighbour",
             "sunshine", "honoured guest", "stranger-friend")

# keep: how often a frame's [optional] parts are said (the voice's length and rhythm);
# length: "short" says the shorter of two drafts, "long" the longer; intj: interjections a line
# may start with; tags: short sentences of the voice's own a line may end with. Each is used on
# a minority of lines (INTJ_RATE, TAG_RATE), so no phrase of a voice is a stock flourish.
VOICES: list[dict] = [
    {"id": "blunt", "style": "short blunt sentences; calls people '{addr}'", "keep": 0.1, "length": "short",
     "intj": ["Hm.", "Right.", "Listen.", "Fine.", "Look."], "tags": ["That's all.", "Enough said.", "Nothing more to it."]},
    {"id": "courtly", "style": "long courteous sentences, never a contraction; calls people '{addr}'", "keep": 0.8,
     "length": "long", "formal": True,
     "intj": ["Ah,", "Indeed,", "Why,", "Truly,", "If I may,"],
     "tags": ["I am glad to be of service.", "It is my pleasure to say so.", "I hope that serves you well.",
              "Do ask if you need more."]},
    {"id": "chatty", "style": "cheerful and chatty, laughs easily; calls people '{addr}'", "keep": 0.8, "length": "long",
     "intj": ["Oh!", "Ha!", "Oh, now,", "Well now!", "Ooh,"],
     "tags": ["Isn't that something?", "Fancy that!", "Ha, there you go!", "I do go on, don't I?"]},
    {"id": "nervous", "style": "nervous, stammers and hedges; calls people '{addr}'", "keep": 0.55, "stammer": True,
     "intj": ["Oh, um,", "W-well,", "Um,", "Er,", "Sorry, um,"],
     "tags": ["I think.", "If that's all right.", "Sorry, I ramble.", "I hope that helps.", "Don't quote me."]},
    {"id": "salty", "style": "rough sailor's talk, says 'aye'; calls people '{addr}'", "keep": 0.4,
     "intj": ["Aye,", "Har,", "Aye, well,", "Ho,"], "tags": ["Mark my words.", "Aye, that's the way of it.",
                                                         "Sure as the tide.", "Ask any sailor."]},
    {"id": "weary", "style": "tired and plain, sighs a lot; calls people '{addr}'", "keep": 0.25, "length": "short",
     "intj": ["Ah, well.", "Mm.", "Long day.", "Oh,"], "tags": ["Not that anyone asks.", "That's how it goes.",
                                                            "Same as always.", "I'm too old for this."]},
    {"id": "grand", "style": "boastful, talks up their own deeds; calls people '{addr}'", "keep": 0.65, "length": "long",
     "intj": ["Ha! You came to the right one.", "Of course I know.", "Naturally,"],
     "tags": ["Nobody does it better.", "Remember who told you.", "You won't hear it better anywhere."]},
    {"id": "kindly", "style": "warm and motherly, gentle with everyone; calls people '{addr}'", "keep": 0.6,
     "intj": ["Oh, bless you,", "Now then,", "There, there.", "Well, now,"],
     "tags": ["You take care now.", "Mind how you go.", "Eat something first.", "Come back if you need me."]},
    {"id": "dry", "style": "dry humour and understatement; calls people '{addr}'", "keep": 0.45,
     "intj": ["Well.", "Funny you should ask.", "Ah.", "How thrilling."],
     "tags": ["Try not to die of excitement.", "Riveting, I know.", "Contain yourself.", "Thrilling stuff."]},
    {"id": "wary", "style": "suspicious, speaks low and guarded; calls people '{addr}'", "keep": 0.3, "length": "short",
     "intj": ["Keep your voice down.", "Hm.", "Quietly, now.", "Careful,"],
     "tags": ["You didn't hear it from me.", "Now move along.", "Keep that to yourself."]},
    {"id": "pious", "style": "serene, speaks of the gods and blessings; calls people '{addr}'", "keep": 0.55,
     "intj": ["Peace be with you.", "The gods hear you.", "Blessings,", "Gods willing,"],
     "tags": ["Walk in the light.", "May the gods keep you.", "The gods provide.", "Go with blessings."]},
    {"id": "scholarly", "style": "precise and bookish, likes exact words; calls people '{addr}'", "keep": 0.6,
     "length": "long", "formal": True,
     "intj": ["A fair question.", "Let me see.", "Strictly speaking,", "To be exact,"],
     "tags": ["It is all in the records.", "Accuracy matters.", "I have checked it twice."]},
]
INTJ_RATE, TAG_RATE, ADDRESS_RATE, STAMMER_RATE = 0.16, 0.1, 0.2, 0.3

_CONTRACTIONS = {"don't": "do not", "won't": "will not", "can't": "cannot", "it's": "it is", "i'm": "I am",
                 "you're": "you are", "that's": "that is", "there's": "there is", "isn't": "is not",
                 "i'll": "I will", "you'll": "you will", "we'll": "we will", "didn't": "did not",
                 "i've": "I have", "we're": "we are", "they're": "they are", "doesn't": "does not",
                 "wasn't": "was not", "aren't": "are not", "let's": "let us", "here's": "here is",
                 "what's": "what is", "i'd": "I would", "you'd": "you would", "couldn't": "could not",
                 "wouldn't": "would not", "shouldn't": "should not", "he's": "he is", "she's": "she is"}
_CONTR_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in _CONTRACTIONS) + r")\b", re.IGNORECASE)


_HAS_BEEN = re.compile(r"\b(it|there|that|he|she|what|who)'s (been|got)\b", re.IGNORECASE)


def _expand(text: str) -> str:
    text = _HAS_BEEN.sub(lambda m: f"{m.group(1)} has {m.group(2)}", text)

    def sub(m: re.Match) -> str:
        word = _CONTRACTIONS[m.group(1).lower()]
        return word[0].upper() + word[1:] if m.group(1)[0].isupper() else word
    return _CONTR_RE.sub(sub, text)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _decap(s: str, keep: frozenset[str]) -> str:
    first = s.split(" ", 1)[0].rstrip(".,;:!?")
    if first in keep or first == "I" or first.startswith("I'") or first.startswith("I-"):
        return s
    return s[:1].lower() + s[1:]


# A frame that opens with an interjection of its own takes no second one in front.
_OWN_INTJ = re.compile(r"(?:Oh|Ah|Ha|Hm|Well|Why|Right|Now then|Let me see)\b")
_STAMMER_OK = frozenset("I I'm I've It It's That That's The You You'll Well Go Head No Not We This Yes".split())


def speak(core: str, voice: dict, addr: str, rng, names: frozenset[str], allow_extra: bool = True,
          fact: bool = False) -> str:
    """The core line said in this voice: now and then one of the voice's interjections in front or
    one of its tags after (never both, and a tag only after a one-sentence line), the address word
    at the end of the first sentence on some lines, contractions expanded for formal voices, and a
    stammer on a first word that can take one. At most two sentences of content leave here.
    fact: the line states a fact (kept whole; the voice still colours it)."""
    text = core.strip()
    n_sent = len(re.findall(r"[.!?](?:\s|$)", text))
    r = rng.random()
    op = voice["intj"][int(rng.integers(len(voice["intj"])))]
    if (allow_extra and r < INTJ_RATE and n_sent + len(re.findall(r"[.!?](?:\s|$)", op)) <= 3
            and not _OWN_INTJ.match(text)):  # no "Gods willing, oh, ..." 
        text = f"{op} {_decap(text, names)}" if op[-1] in ",:" else f"{op} {text}"
    elif allow_extra and n_sent <= 1 and r < INTJ_RATE + TAG_RATE:
        text = f"{text} {voice['tags'][int(rng.integers(len(voice['tags'])))]}"
    if rng.random() < ADDRESS_RATE:
        m = re.search(r"[.!?](?=\s|$)", text)
        if m and len(text[:m.start()].split()) >= 2 and not text[:m.start()].endswith(","):
            text = f"{text[:m.start()]}, {addr}{text[m.start():]}"
    if voice.get("formal"):
        text = _expand(text)
    if voice.get("stammer") and rng.random() < STAMMER_RATE:
        first = text.split(" ", 1)
        if len(first) == 2 and first[0] in _STAMMER_OK:
            w = first[0]
            text = f"{w[0]}-{w if w.startswith('I') else w[0].lower() + w[1:]} {first[1]}"
    return text
