import time, cProfile, pstats
from gameai.dialogue.embeddings import Embedder
e=Embedder(); e.embed(['warm'])
cProfile.run("for i in range(30): e.embed([f'What is the price of a sword number {i}?'])", '/work/wt/serve/.scratch/p.out')
pstats.Stats('/work/wt/serve/.scratch/p.out').sort_stats('tottime').print_stats(8)
