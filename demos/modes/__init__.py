"""The demo's modes: what the player is doing right now (walking, talking, watching, playing).

Each mode is one class behind the small interface in `base.Mode`; the app's loop hands the
current mode the frame's events, its update and its draw, and switches modes by name.
"""
