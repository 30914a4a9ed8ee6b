"""The numpy MiniLM encoder gives the sentence-transformers embedding (transformers + mean pooling)."""
from __future__ import annotations

import numpy as np
import pytest

from gameai.dialogue.embeddings import Embedder, minilm_dir
from gameai.dialogue.errors import ModelMissingError

TEXTS = ["Any rooms free tonight?", "Where does your iron come from?", "x",
         "I'm looking for my brother, he's tall with red hair.", "The forge has stood here for ages. " * 30]


def test_numpy_encoder_matches_transformers():
    torch = pytest.importorskip("torch")
    from transformers import AutoModel, AutoTokenizer

    ours = Embedder().embed(TEXTS)
    tok = AutoTokenizer.from_pretrained(minilm_dir())
    model = AutoModel.from_pretrained(minilm_dir()).eval()
    enc = tok(TEXTS, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.inference_mode():
        out = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        ref = torch.nn.functional.normalize((out * mask).sum(1) / mask.sum(1), dim=1).numpy()
    assert ours.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    assert np.abs(ours - ref).max() < 1e-5
    e = Embedder()
    for w in ["Oakvale", "xqzzkj", "hello", "blacksmith's"]:
        assert e.word_pieces(w) == len(tok.tokenize(w))
    assert e._vocab == frozenset(tok.get_vocab())


def test_a_broken_model_folder_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelMissingError, match="cannot read all-MiniLM-L6-v2"):
        Embedder(tmp_path)
