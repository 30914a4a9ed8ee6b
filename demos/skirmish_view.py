"""Skirmishes on the battlefield: bots fight on the simulation core, drawn on the world map.

The battle is `envs.core` itself (one environment of the batched core, on the battlefield's
own tiles cut from the world map) driven by `agents` policies: learned bots when the
registry has them ("ppo"), scripted bots otherwise. The core steps a few times a second;
drawing interpolates unit positions between steps so the armies glide instead of jump.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from demos import ui_theme as ui
from demos.terrain_renderer import TILE_PX

STEP_INTERVAL = 0.25  # real seconds per core step: twice the rules' 0.5 s, so a fight is worth watching
RESTART_AFTER = 6.0  # seconds between the end of a skirmish and the next
# Share of each army by archetype (rounded, at least one of each when the army is big enough).
ARMY_MIX = (("warrior", 0.4), ("archer", 0.3), ("knight", 0.15), ("healer", 0.15))
# (blue bot, red bot) per round, so successive skirmishes show different strategies; when a learned
# bot is shipped it replaces one side (alternating), so it is seen against every scripted style.
MATCHUPS = (("focus_fire", "kite"), ("retreat", "focus_fire"), ("kite", "retreat"))


def army(ruleset, n: int) -> dict[str, int]:
    """An n-unit mixed army from the ruleset's archetypes (those it defines)."""
    mix = [(name, share) for name, share in ARMY_MIX if name in ruleset.units] or [(ruleset.unit_names[0], 1.0)]
    total = sum(s for _, s in mix)
    counts = {name: int(n * s / total) for name, s in mix}
    i = 0
    while sum(counts.values()) < n:  # hand out the rounding remainder
        counts[mix[i % len(mix)][0]] += 1
        i += 1
    return {k: v for k, v in counts.items() if v > 0}


def learned_bots() -> list[str]:
    """Names of the learned bots shipped with `agents` whose model file is present (may be none yet)."""
    try:
        from agents.pretrained import LEARNED_BOTS, model_path
    except ImportError:
        return []
    names = []
    for name in LEARNED_BOTS:
        try:
            model_path(name)
            names.append(name)
        except (ValueError, FileNotFoundError):
            pass
    return names


def make_bot(name: str, seed: int):
    from agents import make_policy

    return make_policy(name, "expert", seed)


@dataclass
class Flash:
    x0: float
    y0: float
    x1: float
    y1: float
    until: float
    kind: str  # "hit" | "shot" | "heal"


class SkirmishView:
    def __init__(self, world, seed: int, units_per_team: int = 24, ruleset=None):
        from envs import core
        from envs.ruleset import apply_overrides, default_ruleset

        self.core = core
        base = ruleset or default_ruleset()
        # Demo battles are bigger than a ranked match: lift the budget to fit the chosen army size.
        need = sum(base.units[u].cost * c for u, c in army(base, int(units_per_team)).items())
        self.ruleset = apply_overrides(base, {"match.budget": max(base.match.budget, need)})
        self.params = core.compile_params(self.ruleset)
        self.spec = core.observation_spec(self.params)  # layout 1: what stand-ins built on the view read
        # observed in the newest layout; each bot reads the prefix in the layout it was made for (envs.spec)
        self.obs_spec = core.observation_spec(self.params, version=core.LATEST_LAYOUT)
        bx, by, bw, bh = world.battlefield
        self.origin = (bx, by)
        self.rect = (bx, by, bw, bh)
        self.terrain = np.ascontiguousarray(world.tiles[by:by + bh, bx:bx + bw]).astype(np.int16)
        self.seed = int(seed)
        self.units_per_team = int(units_per_team)
        self.round = 0
        self.wins = [0, 0]
        self.draws = 0
        self.clock = 0.0
        self.learned = learned_bots()
        self.note: str | None = None
        self.speed = 1.0  # game speed: core steps per STEP_INTERVAL of real time
        self.played = False
        self.screen_xy = None
        self._sprites = self._make_sprites()
        self.new_skirmish()

    # ------------------------------------------------------------------ simulation
    def new_skirmish(self) -> None:
        """The next bot-versus-bot round (the battlefield's show when nobody plays)."""
        self.round += 1
        match_seed = self._reset_state()
        names = list(MATCHUPS[(self.round - 1) % len(MATCHUPS)])
        if self.learned:  # a learned bot takes one side, switching sides every round
            names[self.round % 2] = self.learned[(self.round // 2) % len(self.learned)]
        try:
            bots = [(make_bot(n, match_seed + i), n) for i, n in enumerate(names)]
        except (ValueError, OSError) as exc:  # a broken model file: note it once, fight on with scripted bots
            self.note = f"learned bots unavailable ({exc}); scripted bots fight instead"
            self.learned = []
            names = list(MATCHUPS[(self.round - 1) % len(MATCHUPS)])
            bots = [(make_bot(n, match_seed + i), n) for i, n in enumerate(names)]
        self._begin(bots, played=False)

    def start_played(self, player, player_name: str, opponent, opponent_name: str) -> None:
        """A match the player commands (blue) against ``opponent`` (red); it does not restart by itself."""
        self.round += 1
        self._reset_state()
        self._begin([(player, player_name), (opponent, opponent_name)], played=True)

    def _reset_state(self) -> int:
        core = self.core
        self.match_seed = (self.seed * 1_000_003 + self.round) % 2**31
        self.comp = army(self.ruleset, self.units_per_team)
        while True:
            try:
                self.state = core.reset(self.params, self.comp, self.comp, [self.match_seed], terrain=self.terrain)
                break
            except core.MapError:
                # Not enough open ground on this battlefield for that many: halve until it fits.
                smaller = max(2, self.units_per_team // 2)
                if smaller == self.units_per_team:
                    raise
                self.units_per_team = smaller
                self.comp = army(self.ruleset, self.units_per_team)
        team = self.state.team[0]
        # Team and archetype never change during a skirmish: pick each unit's sprite once.
        self.unit_sprites = [self._sprites[(int(t), int(u))] for t, u in zip(team, self.state.utype[0])]
        self.idx = (np.flatnonzero(team == core.BLUE), np.flatnonzero(team == core.RED))
        return self.match_seed

    def _begin(self, bots, played: bool) -> None:
        self.bots = list(bots)
        for ti, (bot, _) in enumerate(self.bots):
            self._seat(ti, bot)
        self.played = played
        self.step_gate = None  # callable(step) -> False to hold the battle before that step (teaching mode)
        self.takeover: dict | None = None
        self.actions_log: list[np.ndarray] = []  # every step's actions, for a replay
        self.prev_xy = np.stack([self.state.x[0], self.state.y[0]], axis=1).astype(np.float64)
        self.timer = 0.0
        self.ended_at: float | None = None
        self.result = ""
        self.winner: str | None = None  # "blue" | "red" | "draw" once ended
        self.flashes: list[Flash] = []
        self.death_time = np.full(self.state.n_units, -1.0)
        self.kills = [0, 0]

    def _seat(self, team: int, bot) -> None:
        if hasattr(bot, "bind"):  # policies that command by map position (agents.orders) see the live state
            bot.bind(self.params, self.state)
        bot.reset(self._spec_for(bot), team, [self.match_seed])

    def _spec_for(self, bot):
        return self.core.observation_spec(self.params, version=getattr(bot, "obs_layout", 1))

    def replace_side(self, team: int, bot, name: str, reason: str) -> None:
        """A bot takes over ``team`` from this step on (the player left); the match goes on and counts."""
        self._seat(team, bot)
        self.step_gate = None
        self.takeover = {"side": ("blue", "red")[team], "step": int(self.state.t[0]), "bot": name,
                         "was": self.bots[team][1], "reason": reason}
        self.bots[team] = (bot, name)

    def finish_now(self) -> None:
        """Play the rest of the match at once (no drawing, no waiting): the game is closing."""
        while self.ended_at is None:
            self._step()

    def update(self, dt: float) -> list[str]:
        """Advance the battle by dt seconds; returns messages worth a toast."""
        self.clock += dt
        messages: list[str] = []
        if self.ended_at is not None:
            if not self.played and self.clock - self.ended_at >= RESTART_AFTER:
                self.new_skirmish()
                messages.append(f"Skirmish {self.round} begins: {self.bots[0][1]} vs {self.bots[1][1]}")
            return messages
        self.timer += dt * self.speed
        while self.timer >= STEP_INTERVAL and self.ended_at is None:
            if self.step_gate is not None and not self.step_gate(int(self.state.t[0])):
                self.timer = STEP_INTERVAL  # held: no burst of catch-up steps when the gate opens
                break
            self.timer -= STEP_INTERVAL
            msg = self._step()
            if msg:
                messages.append(msg)
        return messages

    def _step(self) -> str | None:
        core, s = self.core, self.state
        obs, mask = core.observe(self.params, s, self.obs_spec)
        actions = np.zeros((1, s.n_units), dtype=np.int64)
        for ti, (bot, _) in enumerate(self.bots):
            idx = self.idx[ti]
            actions[:, idx] = bot.act(obs[:, idx, :self._spec_for(bot).size], mask[:, idx])
        self.actions_log.append(actions[0].copy())
        self.prev_xy = np.stack([s.x[0], s.y[0]], axis=1).astype(np.float64)
        ev = core.step_inplace(self.params, s, actions)
        until = self.clock + STEP_INTERVAL * 1.2
        for i in np.flatnonzero(ev.attack_target[0] >= 0):
            j = ev.attack_target[0, i]
            ranged = (s.x[0, i] - s.x[0, j]) ** 2 + (s.y[0, i] - s.y[0, j]) ** 2 > 2
            self.flashes.append(Flash(s.x[0, i], s.y[0, i], s.x[0, j], s.y[0, j], until, "shot" if ranged else "hit"))
        for i in np.flatnonzero(ev.heal_target[0] >= 0):
            j = ev.heal_target[0, i]
            self.flashes.append(Flash(s.x[0, i], s.y[0, i], s.x[0, j], s.y[0, j], until, "heal"))
        for i in np.flatnonzero(ev.killed[0]):
            self.death_time[i] = self.clock
            killer = ev.killer[0, i]
            if killer >= 0:
                self.kills[int(s.team[0, killer])] += 1
        if ev.done[0]:
            self.ended_at = self.clock
            w = int(ev.winner[0])
            self.winner = core.WINNER_NAMES[w]
            if w in (core.BLUE_WINS, core.RED_WINS):
                self.wins[w] += 1
                self.result = f"{'Blue' if w == core.BLUE_WINS else 'Red'} wins skirmish {self.round}!"
            else:
                self.draws += 1
                self.result = f"Skirmish {self.round} is a draw."
            return self.result
        return None

    # ------------------------------------------------------------------ queries for the HUD
    def alive_counts(self) -> tuple[int, int]:
        alive, team = self.state.alive[0], self.state.team[0]
        return int((alive & (team == 0)).sum()), int((alive & (team == 1)).sum())

    def score(self):
        blue, red = self.alive_counts()
        teams = [(f"Blue ({self.bots[0][1]})", blue, self.kills[0], ui.TEAM_COLORS[0]),
                 (f"Red ({self.bots[1][1]})", red, self.kills[1], ui.TEAM_COLORS[1])]
        if self.ended_at is not None and self.played:
            status = self.result
        elif self.ended_at is not None:
            left = max(0, math.ceil(RESTART_AFTER - (self.clock - self.ended_at)))
            status = f"{self.result}  Next skirmish in {left}s (N: now)"
        else:
            status = f"step {int(self.state.t[0])}/{self.params.max_steps}" + (
                f"  speed x{self.speed:g}" if self.speed != 1 else "")
        title = f"Skirmish {self.round}" + (f"  (draws {self.draws})" if self.draws else "")
        return title, teams, self.wins, status

    def cell_at(self, camera, sx: float, sy: float) -> tuple[int, int]:
        """The battlefield cell under a screen point (may lie outside the field)."""
        ox, oy = camera.offset
        bx, by = self.origin
        return int((sx + ox) // TILE_PX) - bx, int((sy + oy) // TILE_PX) - by

    def cell_to_screen(self, camera, x: float, y: float) -> tuple[int, int]:
        """The screen point at the centre of battlefield cell (x, y)."""
        bx, by = self.origin
        return camera.to_screen((bx + x + 0.5) * TILE_PX, (by + y + 0.5) * TILE_PX)

    def unit_names(self) -> list[str]:
        return self.ruleset.unit_names

    def center_px(self) -> tuple[float, float]:
        bx, by, bw, bh = self.rect
        return (bx + bw / 2) * TILE_PX, (by + bh / 2) * TILE_PX

    def visible_in(self, camera) -> bool:
        bx, by, bw, bh = self.rect
        ox, oy = camera.offset
        return (bx * TILE_PX < ox + camera.view_w and (bx + bw) * TILE_PX > ox
                and by * TILE_PX < oy + camera.view_h and (by + bh) * TILE_PX > oy)

    # ------------------------------------------------------------------ drawing
    def _make_sprites(self):
        """One small surface per (team, archetype): shape tells the role, colour the team."""
        import pygame

        size = TILE_PX
        sprites = {}
        for ti in (0, 1):
            color = ui.TEAM_COLORS[ti]
            for ui_, name in enumerate(self.ruleset.unit_names):
                surf = pygame.Surface((size, size), pygame.SRCALPHA)
                c, r = size // 2, size // 2 - 2
                if name == "archer":
                    pts = [(c, 1), (size - 2, size - 2), (1, size - 2)]
                    pygame.draw.polygon(surf, (15, 15, 15), pts)
                    pygame.draw.polygon(surf, color, [(c, 4), (size - 5, size - 4), (4, size - 4)])
                elif name == "knight":
                    pygame.draw.rect(surf, (15, 15, 15), (1, 1, size - 2, size - 2), border_radius=3)
                    pygame.draw.rect(surf, color, (3, 3, size - 6, size - 6), border_radius=2)
                else:
                    pygame.draw.circle(surf, (15, 15, 15), (c, c), r + 1)
                    pygame.draw.circle(surf, color, (c, c), r - 1)
                    if name == "healer":
                        pygame.draw.line(surf, (255, 255, 255), (c, c - 4), (c, c + 4), 2)
                        pygame.draw.line(surf, (255, 255, 255), (c - 4, c), (c + 4, c), 2)
                sprites[(ti, ui_)] = surf.convert_alpha() if pygame.display.get_surface() is not None else surf
        return sprites

    def draw(self, screen, camera) -> int:
        """Draw the field's border, every unit, attacks and heals; returns the units drawn."""
        import pygame

        if not self.visible_in(camera):
            return 0
        ox, oy = camera.offset
        bx, by, bw, bh = self.rect
        border = pygame.Rect(bx * TILE_PX - ox, by * TILE_PX - oy, bw * TILE_PX, bh * TILE_PX)
        pygame.draw.rect(screen, (120, 30, 30), border, width=2)
        for fx, fy in (border.topleft, border.topright, border.bottomleft, border.bottomright):
            pygame.draw.line(screen, (60, 40, 20), (fx, fy), (fx, fy - 18), 2)
            pygame.draw.polygon(screen, ui.BAD, [(fx, fy - 18), (fx + 10, fy - 14), (fx, fy - 10)])
        ui.text(screen, "The Battlefield", (border.centerx, border.y - 16), size=26, color=(255, 220, 200),
                center=True, bold=True)

        s = self.state
        a = 1.0 if self.ended_at is not None else min(1.0, self.timer / STEP_INTERVAL)
        cur = np.stack([s.x[0], s.y[0]], axis=1).astype(np.float64)
        pos = self.prev_xy + (cur - self.prev_xy) * a
        px = ((bx + pos[:, 0] + 0.5) * TILE_PX - ox).astype(int)
        py = ((by + pos[:, 1] + 0.5) * TILE_PX - oy).astype(int)
        self.screen_xy = (px, py)  # where each unit was drawn this frame (play mode's selection rings)
        half = TILE_PX // 2
        alive = s.alive[0]
        utype = s.utype[0]
        idx = np.flatnonzero(alive)
        # One batched blit call for all units (Surface.blits) instead of one Python call each.
        sprites, xs, ys = self.unit_sprites, (px - half).tolist(), (py - half).tolist()
        screen.blits([(sprites[i], (xs[i], ys[i])) for i in idx.tolist()], doreturn=False)
        frac = s.hp[0] / self.params.hp[utype]
        for i in idx[frac[idx] < 0.999]:  # health bars only for the wounded
            f = float(frac[i])
            x0, y0 = int(px[i]) - half, int(py[i]) - half - 4
            pygame.draw.rect(screen, (30, 30, 30), (x0, y0, TILE_PX, 3))
            pygame.draw.rect(screen, ui.GOOD if f > 0.5 else ui.ACCENT if f > 0.25 else ui.BAD,
                             (x0, y0, max(1, int(TILE_PX * f)), 3))
        for i in np.flatnonzero(~alive & (self.death_time >= 0) & (self.clock - self.death_time < 1.5)):
            c = (180, 180, 180)  # a fading cross where a unit fell
            x, y = int(px[i]), int(py[i])
            pygame.draw.line(screen, c, (x - 4, y - 4), (x + 4, y + 4), 2)
            pygame.draw.line(screen, c, (x - 4, y + 4), (x + 4, y - 4), 2)
        drawn = len(idx)
        self.flashes = [f for f in self.flashes if f.until > self.clock]
        for f in self.flashes:
            p0 = ((bx + f.x0 + 0.5) * TILE_PX - ox, (by + f.y0 + 0.5) * TILE_PX - oy)
            p1 = ((bx + f.x1 + 0.5) * TILE_PX - ox, (by + f.y1 + 0.5) * TILE_PX - oy)
            if f.kind == "heal":
                pygame.draw.line(screen, (140, 255, 160), p0, p1, 1)
            elif f.kind == "shot":
                pygame.draw.line(screen, (250, 240, 200), p0, p1, 1)
            else:
                pygame.draw.circle(screen, (255, 250, 220), (int(p1[0]), int(p1[1])), 4, width=1)
        return drawn
