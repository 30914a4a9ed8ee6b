"""What kind of line the player said, by meaning: nearest example sentences under MiniLM.

Each act has a few plain example sentences (written for this file, generic to any persona). A line
belongs to the act whose examples it is closest to (cosine of all-MiniLM-L6-v2 embeddings), when
that is close enough; short social lines (hello, thanks, bye) also have word cues, since a
two-word line carries little for an embedding to go on.
"""
from __future__ import annotations

import re

import numpy as np

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
# How close a line must be to an act's nearest example (tuned on the dev split only).
THRESHOLD = 0.5
# ... and a question to the examples of an act that asks for the persona's data (work, news,
# people, the place): a question's form says more than a statement's ("what are the pilgrims
# talking about?" is asking for news even when no example says "pilgrims") (tuned on dev only).
QUESTION_THRESHOLD = 0.42
QUESTION_MARGIN = 0.05
DATA_ACTS = ("work", "rumor", "people", "place")

# Word cues: plain English phrasings of each act, checked on the line's words. A short line
# carries little for an embedding to go on, and the embedding alone confuses acts that share
# words ("can I help you?" offers work; "can you help me?" asks for help).
_CUES = {
    "greeting": re.compile(r"^(?:(?:oh|ah|well|why) )?(?:hail|hello|hallo|hullo|hi|hiya|hey|heya|howdy|yo|greetings|evening|morning|mornin|evenin|"
                           r"afternoon|good (?:morning|evening|afternoon|day)|g'?day|well met|ahoy|oi|peace be)\b"),
    # "I'm off" takes leave; "I'm off to the granary tomorrow to see Shadd" and "might see you there"
    # tell plans.
    "farewell": re.compile(r"\b(?:bye|goodbye|farewell|cheerio|good ?night|g'?night|nighty night|night night|"
                           r"(?<!might )(?<!may )(?<!could )(?<!to )(?<!i )(?:be )?see(?:ing)? (?:you|ya|ye)|"
                           r"so long|take care|gotta go|got to go|must go|(?:got|have|need) to (?:get )?going|"
                           r"(?:till|until|til) (?:next time|then|tomorrow|later)|"
                           r"later(?: \w+){0,2}$|"
                           r"i(?:'m|m| am| must| should|'ll| will) (?:be )?(?:off|going|leaving|heading|on my way|away|making tracks)"
                           r"(?= *$| (?:now|then|home|to bed|back|off|so|out|away|too|before|soon|again|for (?:the night|"
                           r"today|now|tonight))\b))\b"),
    # Not "no thanks" (declining), "thank the gods" or "thanks to the rain" (no thanks to anyone here).
    "thanks": re.compile(r"(?<!no )\b(?:thanks(?! to (?!you\b|ye\b|ya\b))|thank(?! (?:the|god|gods|goodness|heavens|heaven|stars)\b)|"
                         r"thx|ty|ta|cheers|obliged|grateful|appreciate|bless you)\b"),
    "memory": re.compile(r"\b(?:remember|recall|forget|forgotten|did i (?:say|tell|mention|pick|choose|ask)|i told you|"
                         r"what(?:'s|s| is| was) my|who am i|what do i do|what was i|(?:what|which|who) \w+ did i|"
                         r"(?:what|who|where|when|which)\b[^?]*\b(?:am i|was i|did i)(?! \w+ you))\b"),
    # Offering one's service, in the forms a player offers it: "need a hand?", "need anything done?",
    # "anything for me to do?", "anything I could help with?", "can I lend a hand?".
    "work": re.compile(r"\b(?:(?:can|could|may|shall) i help|(?<!i )need (?:a hand|help|any help)|(?:something|anything) "
                       r"(?:that )?i (?:can|could|might) (?:do|help|lend|fetch|carry|fix|mend|build|take on)|help you|"
                       r"need(?:s)? doing|any work|for work|(?:a|any) job|lend (?:you )?a hand|"
                       r"(?:something|anything) (?:for|to) (?:me|us|a \w+|an \w+) to do|"
                       # "want me to deal with it?", "if you need a pair of hands", "anything fetched or carried"
                       r"want me to (?:deal|look|take|go|sort|handle|fix|check|see|get)|(?:need|want) a (?:pair of )?hands?|"
                       r"help out|(?:anything|something) (?:fetched|carried|sorted|done|mended|moved))\b"
                       r"|^(?:do you |you )?need (?:anything|another|someone|somebody|any)\b"),
    "help": re.compile(r"(?<!the )(?<!your )(?<!for )(?<!all )\bhelp\W*$|\b(?:help (?:me|us|my)|(?:give|lend) (?:me|us) a hand|a hand with|(?:could|would|will|can) "
                       r"you help|help (?:build|find|fix|get|raise)|let'?s build|build \w+ together|together|"
                       # a mend asked as a favour: "any chance you could fix it?", "could you do anything for me?"
                       r"any chance you (?:could|can|would)|(?:could|would|can|will) you (?:fix|mend|patch|repair|sew|"
                       r"stitch|sort|do (?:anything|something) for me))\b"),
    "teaching": re.compile(r"\b(?:teach|teaching|show me how|show me the|learn|train me|lessons?|any tips|tips? (?:on|for)|"
                           r"how (?:do|should|can|would) i (?!get\b|go\b|reach\b|find\b|pay\b)\w+|how to \w+|"
                           # "how do you spot a dodgy coin?", not "how do you stand the heat?" or "how do you know him?"
                           r"how (?:do|does|would|can|d) (?:you|ya|ye|one)(?: lot)? (?!stand|bear|cope|manage|like|feel|know|"
                           r"do|keep|live|sleep|say|spell|mean|find|get to|get there|pay|afford)\w+ "
                           r"(?:a|an|the|those|these|them|that|this|your|one|it)\b|"
                           # "how do you know when the mash is ready?"
                           r"how (?:do|does|can|would|d) (?:you|ya|ye|one|i) (?:know|tell) (?:when|if|whether))\b"),
    # Asking what the NPC has to offer, in any trade: "what do you serve?", "got anything for ...?".
    "shop": re.compile(r"\b(?:what (?:do|can|d) (?:you|ya|ye) (?:sell|serve|have|offer|stock|carry|trade)|"
                       r"what (?:sort|sorts|kind|kinds|type|types) of \w+(?: and such)? (?:do|can|d) (?:you|ya|ye) "
                       r"(?:sell|have|make|stock|carry)|what can i (?:\w+ )?buy|"
                       r"what(?:'s| is) (?:for sale|on offer)|(?:you )?got anything (?:for|to|i can)|for sale|"
                       r"what (?:have|'ve) you got|what'?ve (?:you|ya) got|what (?:you|ya) got|whatcha (?:selling|got|sell)|"
                       # a kind of ware wanted but not named: "got anything I could wear that'd turn a knife?",
                       # "I need something for the mice in my larder", "need a dog that'll go after vermin, got any?"
                       r"(?:got|have|sell|do you do) (?:anything|something|owt)(?: \w+)? (?:i|to|for|that|so|which)|"
                       r"i need (?:something|anything) (?:for|to|that|so)|got any\W*$)\b"),
    # Any question that opens with "who" asks about a person ("who looks after the books?").
    "people": re.compile(r"(?:^|[,;:.!?] ?)who(?:se|m|s)?\b|\b(?:who(?:'s| is| are| do| does)|do you know|(?:your|any) "
                         r"(?:family|friends?|kin|folk)|closest friend|friend of yours|friends with|(?:get|getting|got) (?:on|along) with)\b"),
    "rumor": re.compile(r"\b(?:news|gossip|rumou?rs?|heard|hearing|hear (?:anything|any|owt|aught|tell)|strange|trouble|"
                        r"danger|dangerous|safe|going on)\b"),
}
# A question about what the player said before: "who is it I said I was hunting for?", "you
# still got my name right?" (only as a question: "I said no" and "my name is Nell" tell, not ask).
_MEMORY_QUESTION = re.compile(r"\b(?:i (?:said|told|mentioned|say|tell)|i'd (?:said|told|mentioned)|(?<!to )my name)\b")
# A greeting that opens a longer line ("Good morning! Where is the mill?"): the words after its
# first break are what the player came to ask.
_GREETING_THEN = re.compile(_CUES["greeting"].pattern + r"[^.!?,;]*[.!?,;]+\s*(?P<rest>\S.*)$", re.S)


def after_greeting(text: str) -> str | None:
    """What follows an opening greeting, or None when the line does not open with one."""
    m = _GREETING_THEN.match(text.strip().lower())
    return text.strip()[m.start("rest"):] if m else None


# When several cues fire, the first of this order wins ("thanks, bye" ends the talk).
_CUE_ORDER = ("memory", "farewell", "teaching", "work", "help", "shop", "people", "thanks", "greeting", "rumor")


def _clauses(text: str) -> list[str]:
    return [" ".join(words(c)) for c in re.split(r"[.!?;,\u2014]+", text.replace("’", "'"))]


class ActClassifier:
    """Nearest-example classifier over one embedder; the examples are embedded once, and kept on
    disk between starts (Embedder.embed_static; about 2 s of a cold start on one core)."""

    def __init__(self, embedder):
        self.embedder = embedder
        self._labels: list[str] = [a for a, ex in EXAMPLES.items() for _ in ex]
        examples = [e for ex in EXAMPLES.values() for e in ex]
        static = getattr(embedder, "embed_static", None)  # a game's own embedder may not have one
        self._matrix = static(examples) if static is not None else embedder.embed(examples)

    def scores(self, query: np.ndarray) -> dict[str, float]:
        sims = self._matrix @ np.asarray(query, dtype=np.float32)
        out: dict[str, float] = {}
        for label, s in zip(self._labels, sims):
            out[label] = max(out.get(label, -1.0), float(s))
        return out

    def classify(self, text: str, query: np.ndarray, question: bool = False) -> tuple[str | None, float, bool]:
        """(act, score, cued): the act by word cue, else by nearest example when close enough
        (closer than THRESHOLD; a question of a data act: QUESTION_THRESHOLD)."""
        low = " ".join(words(text.replace("’", "'")))
        sc = self.scores(query)
        if question and _MEMORY_QUESTION.search(low):
            return "memory", sc["memory"], True
        for a in _CUE_ORDER:
            # Leave-taking is judged clause by clause: "I'm off. Mind yourself" takes leave, "I'm off
            # to the fair next week" does not.
            if any(_CUES[a].search(c) for c in _clauses(text)) if a == "farewell" else _CUES[a].search(low):
                return a, sc[a], True
        act = max(sc, key=sc.get)
        if sc[act] >= THRESHOLD:
            return act, sc[act], False
        # A weaker match of a question counts only when it is not a near tie with another act.
        second = max(v for k, v in sc.items() if k != act)
        if question and act in DATA_ACTS and sc[act] >= QUESTION_THRESHOLD and sc[act] - second >= QUESTION_MARGIN:
            return act, sc[act], False
        return None, sc[act], False
