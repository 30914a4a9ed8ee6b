import time, numpy as np
t=time.time()
from gameai.dialogue.embeddings import Embedder, minilm_dir
e=Embedder(); print("load", time.time()-t)
texts=["Any rooms free tonight?","Where does your iron come from?","I'm looking for my brother, he's tall with red hair.", "x", "The forge has been here for as long as I can remember "*12]
t=time.time(); v=e.embed(texts); print("embed", time.time()-t)
import torch
from transformers import AutoModel, AutoTokenizer
tok=AutoTokenizer.from_pretrained(minilm_dir()); m=AutoModel.from_pretrained(minilm_dir()).eval()
enc=tok(texts,padding=True,truncation=True,max_length=128,return_tensors="pt")
with torch.inference_mode():
    out=m(**enc).last_hidden_state; mask=enc["attention_mask"].unsqueeze(-1).float()
    r=torch.nn.functional.normalize((out*mask).sum(1)/mask.sum(1),dim=1).numpy()
print("maxdiff", np.abs(r-v).max())
print([len(tok.tokenize(w)) for w in ["Oakvale","xqzzkj","hello"]],[e.word_pieces(w) for w in ["Oakvale","xqzzkj","hello"]])
print(set(tok.get_vocab())==e._vocab)
