"""Fine-tuning the embedded model for in-character lines: the team's training set (composed from
hand-authored parts by a seeded generator), its loader, LoRA training and the GGUF conversion.

Heavy libraries (torch, transformers, peft, gguf) are imported inside the functions that need them.
"""
