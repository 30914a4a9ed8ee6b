import time, threading, sys
from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
from gameai.dialogue.backends.base import Sampling
b = LlamaCppBackend(parallel=8)
msgs = lambda i: [{"role":"system","content":"You are Mara, a blacksmith in Oakvale. Speak briefly.\x1e Time: evening."},{"role":"user","content":["Good day to you.","What is new around here?","How is business lately?","Tell me about this town.","Any work for a traveller?","Lovely weather, isn't it?","Who are you?","What do you sell?"][i%8]}]
S = Sampling(max_tokens=32)
def one(i): return "".join(b.stream(msgs(i), S, seed=i, cache_key="mara"))
t=time.time(); alone=[one(i) for i in range(8)]; ta=time.time()-t
res=[None]*8
def w(i): res[i]=one(i)
t=time.time(); ths=[threading.Thread(target=w,args=(i,)) for i in range(8)]; [x.start() for x in ths]; [x.join() for x in ths]; tb=time.time()-t
print("alone %.2fs batched %.2fs"%(ta,tb))
for a,r in zip(alone,res): print(a==r, repr(a[:60]), '|', repr(r[:60]))
print("steps", b.decoder.steps, "hits", b.decoder.prefix_hits, "active", b.decoder.active())
b.close()
print("cpu", time.process_time())
