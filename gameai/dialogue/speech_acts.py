"""What kind of line the player said: greeting, thanks, a request to be taught, asking for work, ...

A learned model (act_model.py) reads the line's MiniLM embedding and a few word cues (plain
English phrasings of each act: a two-word line carries little for an embedding to go on) and
gives each act a probability. It was fitted on about 1,660 labelled player lines written apart
from the conversation benchmark, plus the example sentences below. The examples also say how
near a line is to each kind of talk (cosine to the closest one), on the same scale as its
nearness to the persona's data, which the router compares.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from gameai.dialogue.act_model import L2, LABELS, NO_ACT, fit_key, load_act_lines, load_shipped
from gameai.dialogue.softmax_regression import SoftmaxRegression
from gameai.dialogue.guards import words

EXAMPLES: dict[str, tuple[str, ...]] = {
    "greeting": ("Hello there.", "Hi, how are you?", "Good morning to you.", "Good evening.", "Greetings.",
                 "Hey, nice to meet you.", "Well met, I just arrived here."),
    "farewell": ("Goodbye.", "Bye, see you later.", "Farewell, I must be going.", "I have to leave now.",
                 "Good night, see you tomorrow.", "I'll be on my way then.", "Take care, until next time."),
    "thanks": ("Thank you.", "Thanks a lot, that helps.", "Much obliged.", "I appreciate it.",
               "Cheers for that.", "Thank you for your kindness."),
    "teaching": ("Can you teach me how to do that?", "Will you show me how it's done?", "I want to learn your craft.",
                 "Could you train me?", "How do I get better at it?", "Any tips for a beginner?",
                 "What's the trick to doing it right?"),
    "help": ("Can you help me?", "I need your help with something.", "Would you give me a hand?",
             "Could you help me build something?", "Please help me find someone.", "Will you come with me and help?"),
    "work": ("Do you have any work for me?", "Got a job I could do?", "I'm looking for work.",
             "Any tasks that need doing?", "Is there anything I can do to earn some coin?",
             "Can I make myself useful?", "Put me to work.", "Anyone around here need a hand?",
             "I could use some coin. Anything you need done?", "Need an extra pair of hands?",
             "Is there anything I could do for you?", "How can I be of service?", "Got any odd jobs?",
             "Does anybody here need something done?", "I'm short on money, is there paid work?"),
    "rumor": ("Any news?", "Heard any gossip lately?", "What's new around here?", "Anything strange going on?",
              "What are people talking about these days?", "Anything I should watch out for?",
              "Is it safe out there?", "Seen anything odd lately?", "What's the word in town?",
              "What's the latest?", "What are folks saying?", "What's the talk of the town?",
              "Any tidings from the road?", "Has anything happened recently?", "What stories do travellers bring?",
              "What do people whisper about?"),
    "shop": ("What do you sell?", "What have you got for sale?", "Show me your wares.", "What can I buy here?",
             "I need to buy some gear."),
    "people": ("Who are your friends?", "Who do you know around here?", "Tell me about the people in town.",
               "Who do you trust?", "Do you have any family?", "Who runs this place?", "Who do you work with?",
               "Who should I talk to around here?", "Who's in charge here?", "Who helps you out?",
               "Tell me about your family.", "Who are you close to?",
               "What do you think of your neighbours?", "Who takes care of that?"),
    # Where the player is: the place itself, not a landmark's way.
    "place": ("Where am I?", "Where are we?", "What is this place?", "What's this place called?", "What town is this?",
              "Where have I ended up?", "What's the name of this place?", "What sort of place is this?"),
    "memory": ("Do you remember what I told you?", "What's my name?", "Did I mention it before?",
               "What did I say about that?", "Remember who I am?", "What did I tell you earlier?"),
}
# The model's probability above which an act is taken as said in so many words, ahead of the
# persona's data (tuned on the dev split only).
SURE = 0.8
# ... and below which the most probable act is not taken at all (tuned on dev only).
ACCEPT = 0.4

_QUESTION_START = frozenset("who whom whose what what's whats where where's wheres when why how how's which is are "
                            "was were do does did can could would will shall should may any anything got know tell "
                            "have has seen heard and wot wots whats hows wheres".split())


def is_question(text: str) -> bool:
    """A line that asks something: a question mark, a question word first ("where even is this"),
    or first in a later clause ("go on then, what's the latest"), or a request to be told or shown
    ("tell me the way to ...", "point me to the mill")."""
    if "?" in text:
        return True
    for clause in _CLAUSE_BREAK.split(text):
        ws = words(clause)
        if ws and ws[0] in _QUESTION_START:
            return True
    ws = words(text)
    return len(ws) >= 2 and ws[0] in _REQUEST_VERBS and ws[1] in ("me", "us")


_CLAUSE_BREAK = re.compile(r"[,;:.!\u2014]+\s*")
# Imperatives that ask to be told something: "tell me ...", "show us ...".
_REQUEST_VERBS = frozenset("tell show point direct guide lead remind fill explain describe".split())


# Word cues: plain English phrasings of each act, checked on the line's words. A short line
# carries little for an embedding to go on, and the embedding alone confuses acts that share
# words ("can I help you?" offers work; "can you help me?" asks for help).
_CUES = {
    "greeting": re.compile(r"^(?:hello|hallo|hullo|hi|hiya|hey|heya|howdy|yo|greetings|evening|morning|mornin|"
                           r"afternoon|good (?:morning|evening|afternoon|day)|g'?day|well met|ahoy|oi|peace be)\b"),
    "farewell": re.compile(r"\b(?:bye|goodbye|farewell|good ?night|g'?night|nighty night|see (?:you|ya|ye)|so long|"
                           r"take care|gotta go|got to go|must go|later|i(?:'m| am| must| should|'ll) (?:be )?"
                           r"(?:off|going|leaving|heading|on my way))\b"),
    "thanks": re.compile(r"\b(?:thanks|thank|thx|ty|ta|cheers|obliged|grateful|appreciate)\b"),
    "memory": re.compile(r"\b(?:remember|recall|forget|forgotten|did i (?:say|tell|mention|pick|choose|ask)|i told you|"
                         r"what(?:'s| is| was) my|who am i|what do i do|what was i|(?:what|which|who) \w+ did i|"
                         r"(?:what|who|where|when|which)\b[^?]*\b(?:am i|was i|did i)(?! \w+ you))\b"),
    # Offering one's service, in the forms a player offers it: "need a hand?", "need anything done?",
    # "anything for me to do?", "anything I could help with?", "can I lend a hand?".
    "work": re.compile(r"\b(?:(?:can|could|may|shall) i help|need (?:a hand|help|any help)|(?:something|anything) "
                       r"(?:that )?i (?:can|could|might) (?:do|help|lend|fetch|carry|fix|mend|build|take on)|help you|"
                       r"need(?:s)? doing|any work|for work|(?:a|any) job|lend (?:you )?a hand|"
                       r"(?:something|anything) (?:for|to) (?:me|us|a \w+|an \w+) to do)\b"
                       r"|^(?:do you |you )?need (?:anything|another|someone|somebody|any)\b"),
    "help": re.compile(r"\b(?:help (?:me|us|my)|(?:give|lend) (?:me|us) a hand|a hand with|(?:could|would|will|can) "
                       r"you help|help (?:build|find|fix|get|raise)|let'?s build|build \w+ together|together)\b"),
    "teaching": re.compile(r"\b(?:teach|teaching|show me how|show me the|learn|train me|lessons?|any tips|tips? (?:on|for)|"
                           r"how (?:do|should|can|would) i (?!get\b|go\b|reach\b|find\b|pay\b)\w+|how to \w+)\b"),
    # Asking what the NPC has to offer, in any trade: "what do you serve?", "got anything for ...?".
    "shop": re.compile(r"\b(?:what (?:do|can|d) (?:you|ya|ye) (?:sell|serve|have|offer|stock|carry|trade)|"
                       r"what(?:'s| is) (?:for sale|on offer)|(?:you )?got anything (?:for|to|i can)|"
                       r"what (?:have|'ve) you got)\b"),
    # Any question that opens with "who" asks about a person ("who looks after the books?").
    "people": re.compile(r"(?:^|[,;:.!?] ?)who(?:se|m)?\b|\b(?:who(?:'s| is| are| do| does)|do you know|(?:your|any) "
                         r"(?:family|friends?|kin|folk)|closest friend)\b"),
    "rumor": re.compile(r"\b(?:news|gossip|rumou?rs?|heard|hearing|strange|trouble|danger|dangerous|safe|going on)\b"),
}
# What the act model's features are, for the shipped model's key: the cues' patterns and the
# question rule (a change to either makes the shipped fit stale).
FEATURES = "\n".join(f"{a}={c.pattern}" for a, c in _CUES.items()) + "\nquestion:" + " ".join(sorted(_QUESTION_START)) \
    + "|" + " ".join(sorted(_REQUEST_VERBS)) + "|" + _CLAUSE_BREAK.pattern

# A greeting that opens a longer line ("Good morning! Where is the mill?"): the words after its
# first break are what the player came to ask.
_GREETING_THEN = re.compile(_CUES["greeting"].pattern + r"[^.!?,;]*[.!?,;]+\s*(?P<rest>\S.*)$", re.S)


def after_greeting(text: str) -> str | None:
    """What follows an opening greeting, or None when the line does not open with one."""
    m = _GREETING_THEN.match(text.strip().lower())
    return text.strip()[m.start("rest"):] if m else None


class ActClassifier:
    """The kind of talk a line is, by the learned model of act_model.py (embedding + word cues):
    the shipped fit for the packaged embedder and lines, else fitted here (a game's own embedder
    or lines; the embeddings are kept on disk between starts by Embedder.embed_static)."""

    def __init__(self, embedder, lines: list[tuple[str, str]] | None = None):
        self.embedder = embedder
        self._labels: list[str] = [a for a, ex in EXAMPLES.items() for _ in ex]
        examples = [e for ex in EXAMPLES.values() for e in ex]
        static = getattr(embedder, "embed_static", None)  # a game's own embedder may not have one
        self._matrix = static(examples) if static is not None else embedder.embed(examples)
        pairs = labelled_pairs(lines)
        self.key = fit_key(pairs, FEATURES)
        shipped = load_shipped(self.key) if is_packaged_embedder(embedder) else None
        self.model = shipped if shipped is not None else fit_acts(embedder, pairs)

    def scores(self, query: np.ndarray) -> dict[str, float]:
        """Each act's closest example sentence (cosine): how near the line is to that kind of talk,
        on the same scale as its nearness to the persona's data."""
        sims = self._matrix @ np.asarray(query, dtype=np.float32)
        out: dict[str, float] = {}
        for label, s in zip(self._labels, sims):
            out[label] = max(out.get(label, -1.0), float(s))
        return out

    def probabilities(self, text: str, query: np.ndarray) -> dict[str, float]:
        p = self.model.proba(np.concatenate([np.asarray(query, np.float32), cue_features(text)]))
        return dict(zip(LABELS, map(float, p)))

    def classify(self, text: str, query: np.ndarray) -> tuple[str | None, float, bool]:
        """(act, score, sure): the most probable act (None when that is a question for one datum or
        plain talk), its closest example's cosine, and whether the model is sure of it (>= SURE)."""
        sc = self.scores(query)
        p = self.probabilities(text, query)
        act = max(p, key=p.get)
        if act in NO_ACT or p[act] < ACCEPT:
            return None, max(sc.values()), False
        return act, sc[act], p[act] >= SURE


def labelled_pairs(lines: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """The act model's training lines: the labelled lines (the shipped file unless given) and the
    example sentences above."""
    base = load_act_lines() if lines is None else list(lines)
    return base + [(e, a) for a, ex in EXAMPLES.items() for e in ex]


def fit_acts(embedder, pairs: list[tuple[str, str]]) -> SoftmaxRegression:
    """The act model fitted on these (line, act) pairs under this embedder."""
    texts = [t for t, _ in pairs]
    static = getattr(embedder, "embed_static", None)
    vecs = static(texts) if static is not None else embedder.embed(texts)
    feats = np.hstack([vecs, np.stack([cue_features(t) for t in texts])])
    return SoftmaxRegression.fit(feats, np.array([LABELS.index(a) for _, a in pairs]), len(LABELS), L2)


def is_packaged_embedder(embedder) -> bool:
    """Is this the packaged all-MiniLM-L6-v2 (the one the shipped act model was fitted under)?"""
    from gameai.dialogue.embeddings import minilm_dir

    d = getattr(embedder, "model_dir", None)
    try:
        return d is not None and Path(d).resolve() == minilm_dir().resolve()
    except Exception:  # noqa: BLE001 - no packaged model: nothing shipped applies
        return False


def cue_features(text: str) -> np.ndarray:
    """One 0/1 per word cue, and one for the line being a question."""
    low = " ".join(words(text.replace("’", "'")))
    return np.array([1.0 if _CUES[a].search(low) else 0.0 for a in _CUES] + [float(is_question(text))], np.float32)
