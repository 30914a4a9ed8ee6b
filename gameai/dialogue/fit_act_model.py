"""Refit the shipped speech-act model: `python -m gameai.dialogue.fit_act_model`.

Run it after changing data/router/acts_train.jsonl, the example sentences or the word cues of
speech_acts.py; tests/test_dialogue_act_model.py fails while the shipped model is stale.
"""
from __future__ import annotations

from gameai.dialogue.act_model import SHIPPED, fit_key, save
from gameai.dialogue.embeddings import default_embedder
from gameai.dialogue.speech_acts import FEATURES, fit_acts, labelled_pairs


def main() -> None:
    pairs = labelled_pairs()
    save(fit_acts(default_embedder(), pairs), fit_key(pairs, FEATURES))
    print(f"wrote {SHIPPED} ({len(pairs)} labelled lines)")


if __name__ == "__main__":
    main()
