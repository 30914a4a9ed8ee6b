"""A few synthesised sound effects (no audio files to ship), at the player's volume.

Sounds are optional: a machine without an audio device runs the game silently, with one
note in the log instead of an error.
"""
from __future__ import annotations

import numpy as np

RATE = 22050


def _tone(freqs, seconds: float, decay: float = 6.0, wave: str = "sine") -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    out = np.zeros_like(t)
    for i, f in enumerate(freqs):
        start = i * seconds / (len(freqs) + 1)
        tt = np.clip(t - start, 0, None)
        phase = 2 * np.pi * f * tt
        w = np.sin(phase) if wave == "sine" else np.sign(np.sin(phase)) * 0.5
        out += np.where(t >= start, w * np.exp(-decay * tt), 0.0)
    out /= max(1e-9, np.abs(out).max())
    return (out * 0.6 * 32767).astype(np.int16)


class Sounds:
    def __init__(self, volume: float):
        self.enabled = False
        self.note: str | None = None
        self._sounds = {}
        try:
            import pygame

            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=RATE, size=-16, channels=1)
            freq, _, channels = pygame.mixer.get_init()
            recipes = {
                "talk": _tone([523, 659], 0.25),
                "coin": _tone([988, 1319], 0.3, decay=9),
                "quest": _tone([523, 659, 784, 1047], 0.7, decay=3),
                "horn": _tone([220, 277, 330], 0.9, decay=2.5, wave="square"),
                "deny": _tone([196, 147], 0.3, decay=7, wave="square"),
            }
            for name, mono in recipes.items():
                if freq != RATE:  # match the device rate so pitch and length stay right
                    idx = np.linspace(0, len(mono) - 1, int(len(mono) * freq / RATE)).astype(int)
                    mono = mono[idx]
                data = np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono
                self._sounds[name] = pygame.sndarray.make_sound(np.ascontiguousarray(data))
            self.enabled = True
        except Exception as exc:  # no audio device is normal on servers and CI
            self.note = f"sound is off ({exc})"
        self.set_volume(volume)

    def set_volume(self, volume: float) -> None:
        self.volume = float(volume)
        for s in self._sounds.values():
            s.set_volume(self.volume)

    def play(self, name: str) -> None:
        if self.enabled and self.volume > 0 and name in self._sounds:
            self._sounds[name].play()
