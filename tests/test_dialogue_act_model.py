"""The learned speech-act model (act_model.py): its labelled lines, its fit, and how it routes."""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from gameai.dialogue.act_model import (LABELS, SHIPPED, TRAIN_LINES, ActDataError, fit_key,
                                       load_act_lines, load_shipped, save)
from gameai.dialogue.softmax_regression import SoftmaxRegression
from gameai.dialogue.speech_acts import FEATURES, ActClassifier, cue_features, fit_acts, labelled_pairs
from gameai.dialogue.training.compose import _bigrams, benchmark_lines, norm


@pytest.fixture(scope="module")
def lines():
    return load_act_lines()


@pytest.fixture(scope="module")
def classifier():
    from gameai.dialogue.embeddings import default_embedder
    return ActClassifier(default_embedder())


def test_shipped_lines_cover_every_act(lines):
    counts = Counter(a for _, a in lines)
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 60, counts
    assert len({norm(s) for s, _ in lines}) == len(lines), "duplicate lines"


def test_no_labelled_line_overlaps_the_benchmark(lines):
    """The router is measured on the conversation benchmark: none of its lines (dev or test), nor a
    near duplicate (word-bigram Jaccard >= 0.8), is in the model's training lines."""
    bench = benchmark_lines()
    assert len(bench) > 300
    ours = {s: _bigrams(norm(s)) for s, _ in lines}
    bench_norm = {norm(b) for b in bench}
    assert not [s for s in ours if norm(s) in bench_norm]
    for b in bench:
        gb = _bigrams(norm(b))
        for s, g in ours.items():
            assert not (g and gb and len(g & gb) / len(g | gb) >= 0.8), (s, b)


@pytest.mark.parametrize("content, message", [
    ("", "no labelled lines"),
    ('{"say": "hello", "act": "greeting"}\nnot json\n', ":2: not JSON"),
    ('{"say": "hello", "act": "gossip"}\n', ":1: unknown act 'gossip'"),
    ('{"say": "", "act": "greeting"}\n', ":1: expected"),
    ('["hello", "greeting"]\n', ":1: expected"),
    ('{"say": "hello", "act": "greeting"}\n', "no line for"),
])
def test_bad_labelled_lines_name_the_problem(tmp_path, content, message):
    p = tmp_path / "acts.jsonl"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ActDataError, match=message):
        load_act_lines(p)
    with pytest.raises(ActDataError, match="cannot read"):
        load_act_lines(tmp_path / "missing.jsonl")


def test_fit_is_deterministic_and_learns_a_separable_set():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 0.3, (40, 3)), rng.normal(1, 0.3, (40, 3))])
    y = np.array([0] * 40 + [1] * 40)
    a, b = SoftmaxRegression.fit(x, y, 2), SoftmaxRegression.fit(x, y, 2)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    assert (a.proba(x).argmax(1) == y).mean() == 1.0
    assert np.allclose(a.proba(x).sum(1), 1.0)


def test_the_model_reads_kinds_of_talk(classifier):
    """Lines written for this test (in none of the labelled lines): each act, and two lines that
    carry no act of their own (a question for one datum, plain talk)."""
    assert cue_features("teach me to fight").sum() == 1.0 and cue_features("is it far?")[-1] == 1.0
    emb = classifier.embedder
    for line, act in [("Could you teach me to gut a fish?", "teaching"), ("Got any odd jobs for me?", "work"),
                      ("Heard any news from the coast?", "rumor"), ("cheers, that's kind", "thanks"),
                      ("What did I say my sister was called?", "memory"), ("What have you got for sale?", "shop")]:
        assert classifier.classify(line, emb.embed_one(line))[0] == act, line
    for line in ("How much is the lantern?", "The weather's turned, hasn't it."):
        assert classifier.classify(line, emb.embed_one(line))[0] is None, line


def test_a_classifier_from_other_lines_uses_them(classifier):
    """The model is fitted from the lines it is given (a game can ship its own labelled lines)."""
    custom = [(s, a) for s, a in load_act_lines() if a != "work"] + [("bring me more herring", "work")] * 3
    c = ActClassifier(classifier.embedder, lines=custom)
    assert not np.array_equal(c.model.weights, classifier.model.weights)


def test_shipped_lines_file_is_one_object_per_line():
    for n, line in enumerate(TRAIN_LINES.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        assert set(row) == {"say", "act"}, n


def test_shipped_model_is_the_fit_of_the_shipped_lines(classifier):
    """The packaged model is used (no 25 s fit on a player's first turn) and is what fitting the
    current lines, examples and cues gives: a stale file fails here (refit with
    `python -m gameai.dialogue.fit_act_model`)."""
    pairs = labelled_pairs()
    shipped = load_shipped(fit_key(pairs, FEATURES))
    assert shipped is not None, "act_model.npz is stale: python -m gameai.dialogue.fit_act_model"
    assert classifier.model is shipped or np.array_equal(classifier.model.weights, shipped.weights)
    refit = fit_acts(classifier.embedder, pairs)
    assert np.allclose(refit.weights, shipped.weights, atol=1e-3) and np.allclose(refit.bias, shipped.bias, atol=1e-3)


def test_a_bad_or_stale_model_file_is_not_used(tmp_path, classifier):
    key = classifier.key
    good = tmp_path / "good.npz"
    save(classifier.model, key, good)
    assert load_shipped(key, good) is not None
    assert load_shipped("another key", good) is None
    assert load_shipped(key, tmp_path / "missing.npz") is None
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    assert load_shipped(key, tmp_path / "junk.npz") is None
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[:200])
    assert load_shipped(key, cut) is None
    np.savez(tmp_path / "shape.npz", weights=np.zeros((3, 2)), bias=np.zeros(2), key=np.array(key))
    assert load_shipped(key, tmp_path / "shape.npz") is None
    assert SHIPPED.is_file()
