"""Data files shipped inside the envs package (the default ruleset)."""
