"""gameai: the framework face — balance sweeps, the NPC dialogue engine, the CLI and the public API.

Importing gameai stays light: heavy libraries (torch, transformers, stable-baselines3, pygame,
ray) are imported where they are used.
"""
__version__ = "0.1.0"
