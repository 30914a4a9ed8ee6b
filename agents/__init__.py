"""Bots: scripted (with skill tiers), SB3-trained policies, self-play, ratings."""
