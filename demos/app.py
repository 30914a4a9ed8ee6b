"""The demo game: one loop that walks the world, talks to villagers, shows and plays skirmishes.

Each frame: scripted input (if any) posts events -> the app takes the few events every mode
shares (quit, the pause/help/settings overlays, F1, F12) and hands the rest to the current mode
(`demos.modes`: world, chat, watch, play) -> the mode updates, then the world around it (NPC
replies, the battlefield) with a fixed step in headless runs (same seed + same script = same
frames) or the real frame time in a window -> everything is drawn -> the frame is paced.

The LLM never runs here: `LLMWorker` streams replies from another process and this loop
only polls it, so a frame costs the same whether an NPC is thinking or not.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from demos import ui_theme as ui
from demos.actors import TALK_RANGE, Walker
from demos.camera import Camera
from demos.controls import movement_keys
from demos.conversations import Conversations
from demos.game_rules import PlayerState
from demos.hud import Hud
from demos.input_script import ScriptError, ScriptPlayer, load_script
from demos.match_record import RecordingError, save_match
from demos.match_session import PLAYER_TEAM, MatchSession
from demos.style_learning import StyleLearner
from demos.menus import HelpScreen, PauseMenu, SettingsScreen
from demos.minimap import Minimap
from demos.modes.base import Steer
from demos.modes.chat import ChatMode
from demos.modes.play import PlayMode
from demos.modes.watch import WatchMode
from demos.modes.world import WorldMode
from demos.settings import DataPaths, Settings, SettingsError, default_data_dir, load_settings, save_settings
from demos.skirmish_view import SkirmishView
from demos.sound import Sounds
from demos.terrain_renderer import TILE_PX, ChunkedTerrainRenderer, relief
from demos.world_data import WorldData, WorldDataError, build_world
from demos.world_view import WorldView
from pcg.errors import MapParameterError

HEADLESS_DT = 1.0 / 60.0
MAX_FRAME_DT = 0.1  # a stalled frame (window dragged, debugger) does not teleport the world
#: Errors that are the player's input or environment (shown as a message by `gameai demo`), not bugs.
DEMO_ERRORS = (SettingsError, ScriptError, WorldDataError, MapParameterError)
MINIMAP_PX, MINIMAP_MARGIN_PX = 200, 16
DAY_START_HOUR = 9  # one game hour per real minute, starting mid-morning
VOID_COLOR = (10, 14, 24)  # around a map smaller than the view


@dataclass
class RunOptions:
    """How to run the demo (from the CLI); settings the player can change live are in Settings."""

    seed: int | None = None
    backend: str | None = None
    map_size: int | None = None
    headless: bool = False
    frames: int | None = None  # stop after this many frames (None: until the player quits)
    screenshot: Path | None = None  # saved after the last frame
    script: Path | None = None
    data_dir: Path | None = None
    width: int = 1280
    height: int = 720
    fps_cap: int = 60  # 0: uncapped (benchmarks)
    llm: bool = True  # False: no NPC brain process (benchmark peer, quick visual checks)
    skirmish_units: int = 24  # units per team
    log: bool = True
    takeover_model: Path | None = None  # the player's imitation (default: player_clone.zip in the data dir)
    takeover_tier: Path | None = None  # their calibrated tier (default: player_tier.toml in the data dir)
    learn_style: bool = False  # re-clone the player after each played match (demos.style_learning; the CLI's default)


@dataclass
class FrameStats:
    """Work time per frame (excluding the pacing sleep), for the benchmark and the log."""

    work_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this thread's CPU time: immune to other processes
    generating: list[bool] = field(default_factory=list)

    def add(self, ms: float, cpu_ms: float, generating: bool) -> None:
        self.work_ms.append(ms)
        self.cpu_ms.append(cpu_ms)
        self.generating.append(generating)


class DemoApp:
    """The game loop and what every mode shares: the world, the camera, the HUD, the villagers, the battlefield."""

    def __init__(self, options: RunOptions):
        import pygame

        self.opt = options
        self.paths = DataPaths(options.data_dir or default_data_dir()).ensure()
        self.settings = load_settings(self.paths.settings)
        if options.seed is not None:
            self.settings.seed = options.seed
        if options.backend is not None:
            self.settings.backend = options.backend
        if options.map_size is not None:
            self.settings.map_size = options.map_size
        self.settings.validate()
        self.script = None
        if options.script is not None:
            self.script = ScriptPlayer(load_script(options.script), base_dir=Path.cwd())

        pygame.init()
        ui.clear_caches()  # fonts from an earlier pygame session in this process are dead objects
        pygame.display.set_caption("gameai — demo world")
        self.screen = pygame.display.set_mode((options.width, options.height))
        self.log(f"display: {pygame.display.get_driver()} {options.width}x{options.height}")
        self.clock = pygame.time.Clock()
        self.sounds = Sounds(self.settings.volume)
        if self.sounds.note:
            self.log(self.sounds.note)
        self.hud = Hud()
        self.stats = FrameStats()
        self.frame = 0
        self.now = 0.0  # game time, seconds
        self.overlay: PauseMenu | HelpScreen | SettingsScreen | None = None
        self.overlay_stack: list = []
        self.show_minimap = True
        self.running = True
        self.fps_smooth = 0.0
        self.units_drawn = 0
        self.talk = Conversations(self)
        self.session = MatchSession(self.paths.root, options.takeover_model, log=self.log,
                                    tier_path=options.takeover_tier)
        self.style = self._style_learner(options)
        self.modes = {m.name: m for m in (WorldMode(self), ChatMode(self), WatchMode(self), PlayMode(self))}
        self.current = self.modes["world"]
        self.skirmish = None
        self.load_world(self.settings.seed)

    # ---------------------------------------------------------------- what the modes share
    @property
    def mode(self) -> str:
        """The current mode's name: "world", "chat", "watch" or "play"."""
        return self.current.name

    def switch(self, name: str) -> None:
        if name == self.current.name:
            return
        old, self.current = self.current, self.modes[name]
        old.exit()
        if self.current is self.modes[name]:  # exit may itself have switched
            self.current.enter()

    def pause(self) -> None:
        self.overlay = PauseMenu()

    def toggle_minimap(self) -> None:
        self.show_minimap = not self.show_minimap

    def new_skirmish(self) -> None:
        if self.skirmish.played and self.skirmish.ended_at is None:
            self.hud.toast("Your match is still being finished; a new skirmish starts after it", self.now, color=ui.BAD)
            return
        self.skirmish.new_skirmish()
        self.sounds.play("horn")
        self.hud.toast("A new skirmish begins!", self.now, color=ui.ACCENT)

    def log(self, message: str) -> None:
        if self.opt.log:
            print(f"[demo] {message}", flush=True)

    # conversations: the names the tests, the benchmark and scripts use
    chats = property(lambda self: self.talk.chats)
    pending = property(lambda self: self.talk.pending)
    offers = property(lambda self: self.talk.offers)
    memories = property(lambda self: self.talk.memories)
    worker = property(lambda self: self.talk.worker)
    talking_to = property(lambda self: self.talk.talking_to)

    def open_chat(self, npc) -> None:
        self.talk.open(npc)
        self.switch("chat")

    def close_chat(self) -> None:
        self.switch("world")

    def send_line(self) -> None:
        self.talk.send_line()

    def nearest_villager(self):
        best = min(self.world.villagers, key=lambda v: v.distance_to(self.player.x, self.player.y), default=None)
        if best is not None and best.distance_to(self.player.x, self.player.y) <= TALK_RANGE:
            return best
        return None

    def clock_text(self) -> str:
        hour = (DAY_START_HOUR + int(self.now / 60)) % 24
        part = "morning" if 5 <= hour < 12 else "afternoon" if hour < 18 else "evening" if hour < 22 else "night"
        return f"{part} ({hour:02d}:00)"

    # ---------------------------------------------------------------- world setup
    def load_world(self, seed: int) -> None:
        self.switch("world")  # leave chat/watch/play on the old world first (closes text input, hands over a match)
        t0 = time.perf_counter()
        self.world: WorldData = build_world(seed, self.settings.map_size)
        w = self.world
        self.log(f"world seed {seed}: {w.size}x{w.size} tiles, {len(w.settlements)} settlements, "
                 f"{len(w.landmarks)} landmarks, {len(w.villagers)} villagers ({time.perf_counter() - t0:.1f}s)")
        self.player_state = PlayerState.load(self.paths.save, seed)
        sx, sy = w.spawn
        if self.player_state.x is not None and w.walkable[int(self.player_state.y), int(self.player_state.x)]:
            sx, sy = self.player_state.x, self.player_state.y
        self.player = Walker(sx, sy)
        self.terrain = ChunkedTerrainRenderer(w.tiles, shade=relief(w.tiles, getattr(w.game_map, "height", None), seed))
        self.minimap = Minimap(w.tiles, size_px=MINIMAP_PX)
        self.camera = Camera(self.opt.width, self.opt.height, w.size * TILE_PX, w.size * TILE_PX)
        self.camera.center_on(sx * TILE_PX, sy * TILE_PX)
        self.skirmish = SkirmishView(w, seed=seed, units_per_team=self.opt.skirmish_units)
        self.world_view = WorldView(w)
        self.talk.reset()

    # ---------------------------------------------------------------- the battlefield's matches
    def _style_learner(self, options: RunOptions) -> StyleLearner | None:
        if not options.learn_style:
            return None
        if options.takeover_model is not None:
            self.log(f"learning your style is off: {options.takeover_model} is your own file, never overwritten")
            return None
        # the player is not reading a log: when a run ends, a short line says so on screen too
        return StyleLearner(self.session.replay_dir, self.session.clone_path, log=self.log,
                            notify=lambda message: self.hud.toast(message, self.now, seconds=4, color=ui.ACCENT))

    def hand_over_player_side(self, reason: str) -> None:
        """The player leaves a running match: a stand-in bot plays their side to the end (it still counts)."""
        view = self.skirmish
        stand_in = self.session.stand_in(view)
        view.replace_side(PLAYER_TEAM, stand_in.policy, stand_in.name, reason)
        for note in stand_in.notes:
            self.log(f"takeover: {note}")
        self.log(f"takeover: {stand_in.name} ({stand_in.source}) plays your side from step {view.takeover['step']}")
        self.hud.toast(f"You {reason}: {stand_in.name} finishes your match", self.now, seconds=5, color=ui.ACCENT)

    def _count_finished_match(self) -> None:
        view = self.skirmish
        if view.played and view.ended_at is not None and self.session.recorded_round != view.round:
            outcome = self.session.finish(view)
            self.sounds.play("quest" if outcome.score == 1.0 else "deny")
            if self.style is not None and outcome.replay is not None:
                self.style.request()
            if self.mode != "play":
                view.played = False  # finished by a stand-in while the player was away: back to the bots' show

    def save_watched_replay(self) -> None:
        """R while watching: save the last ended skirmish as a replay (the one on the field if it has ended)."""
        view = self.skirmish
        try:
            path = save_match(view, self.session.replay_dir, label="watched")
        except RecordingError as exc:
            self.hud.toast(f"No replay: {exc}", self.now, seconds=5, color=ui.BAD)
            self.log(f"replay not saved: {exc}")
            return
        self.hud.toast(f"Replay saved: {path.name}", self.now, color=ui.GOOD)
        self.log(f"replay saved: {path}")

    # ---------------------------------------------------------------- script host
    def post_key(self, key: int) -> None:
        import pygame

        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
        pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=0, unicode="", scancode=0))

    def post_text(self, text: str) -> None:
        import pygame

        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=text))

    def post_quit(self) -> None:
        import pygame

        pygame.event.post(pygame.event.Event(pygame.QUIT))

    def post_click(self, pos: tuple[int, int], button: int = 1, drag_to: tuple[int, int] | None = None) -> None:
        """A mouse click (or a left drag to ``drag_to``) as the pygame events a real mouse sends."""
        import pygame

        pos = (int(pos[0]), int(pos[1]))
        end = pos if drag_to is None else (int(drag_to[0]), int(drag_to[1]))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button))
        if end != pos:
            pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=end, rel=(end[0] - pos[0], end[1] - pos[1]),
                                                 buttons=(1, 0, 0)))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=end, button=button))

    def cell_on_screen(self, x: float, y: float) -> tuple[int, int]:
        return self.skirmish.cell_to_screen(self.camera, x, y)

    def unit_on_screen(self, team: str, n: int) -> tuple[int, int] | None:
        """Where the n-th living unit of a team ("blue"/"red") is drawn, or None if there is no such unit."""
        from demos.army_selection import living, unit_screen_xy

        slots = living(self.skirmish, 0 if team == "blue" else 1)
        if not 0 <= n < len(slots):
            return None
        px, py = unit_screen_xy(self.skirmish, self.camera)
        return int(px[slots[n]]), int(py[slots[n]])

    def match_running(self) -> bool:
        return self.skirmish.played and self.skirmish.ended_at is None

    def start_walk_to_npc(self, name: str | None) -> None:
        self.modes["world"].walk_to_npc(name)

    def start_walk_to(self, x: float, y: float) -> None:
        self.modes["world"].walk_to(x, y)

    def walking(self) -> bool:
        return self.modes["world"].autowalk is not None

    def squad_judging(self) -> bool:
        """Teaching mode: an order is still waiting for the squad's verdict."""
        review = self.modes["play"].review
        return review is not None and bool(review.pending)

    def reply_pending(self) -> bool:
        """An NPC is still answering: the model is generating, or its words are still appearing."""
        return self.talk.busy

    def save_screenshot(self, path: Path) -> None:
        import pygame

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.screen, str(path))
        self.log(f"screenshot saved: {path}")

    # ---------------------------------------------------------------- main loop
    def run(self) -> int:
        try:
            while self.running:
                self.tick()
                if self.opt.frames is not None and self.frame >= self.opt.frames:
                    self.running = False
                self.clock.tick(self.opt.fps_cap)
                fps = self.clock.get_fps()
                self.fps_smooth = fps if fps else self.fps_smooth
        except KeyboardInterrupt:
            self.log("interrupted: saving and closing")
        finally:
            self.shutdown()
        return 0

    def tick(self) -> float:
        """One frame: input, update, draw, present. Returns the frame's work time in ms (no pacing)."""
        import pygame

        start, cpu_start = time.perf_counter(), time.thread_time()
        dt = HEADLESS_DT if self.opt.headless else min(self.clock.get_time() / 1000.0 or HEADLESS_DT, MAX_FRAME_DT)
        if self.script is not None:
            self.script.update(self)
        for event in pygame.event.get():
            self.handle_event(event)
        self.update(dt)
        self.draw()
        pygame.display.flip()
        ms = (time.perf_counter() - start) * 1000.0
        # "generating": the model is producing a reply right now
        self.stats.add(ms, (time.thread_time() - cpu_start) * 1000.0, bool(self.pending))
        self.frame += 1
        return ms

    def shutdown(self) -> None:
        """Finish a match the player leaves, save the game, write the requested screenshot, stop the NPC
        process; safe to call twice."""
        import pygame

        if getattr(self, "_shut", False):
            return
        self._shut = True
        if self.opt.screenshot is not None and pygame.display.get_surface() is not None:
            self.save_screenshot(self.opt.screenshot)
        if self.match_running():  # closing the game mid-match: a stand-in plays it out, and it counts
            if self.skirmish.takeover is None:  # still the player's: hand it over first
                self.hand_over_player_side("closed the game")
            self.skirmish.finish_now()
            self._count_finished_match()
        self.save_game()
        if self.style is not None:
            self.style.close()
        self.talk.close()
        ui.clear_caches()
        pygame.quit()

    def save_game(self) -> None:
        ps = self.player_state
        ps.x, ps.y, ps.seed = round(self.player.x, 2), round(self.player.y, 2), self.world.seed
        ps.save(self.paths.save)

    # ---------------------------------------------------------------- events
    def handle_event(self, event) -> None:
        import pygame

        if event.type == pygame.QUIT:
            self.running = False
            return
        if self.overlay is not None:
            if event.type == pygame.KEYDOWN:
                self._overlay_key(event)
            return
        if event.type == pygame.KEYDOWN and event.key == pygame.K_F12:
            self.save_screenshot(self.paths.root / "screenshots" / time.strftime("shot-%Y%m%d-%H%M%S.png"))
            return
        if event.type == pygame.KEYDOWN and event.key == pygame.K_F1:
            self.overlay = HelpScreen()
            return
        self.current.handle_event(event)

    def _overlay_key(self, event) -> None:
        ov = self.overlay
        if isinstance(ov, SettingsScreen):
            action = ov.handle_key(event.key, getattr(event, "unicode", ""))
        else:
            action = ov.handle_key(event.key)
        if action is None:
            return
        if action == "resume":
            self.overlay = None
        elif action == "help":
            self.overlay_stack.append(ov)
            self.overlay = HelpScreen()
        elif action == "settings":
            self.overlay_stack.append(ov)
            self.overlay = SettingsScreen(self.settings)
        elif action == "quit":
            self.running = False
            self.overlay = None
        elif action in ("back", "cancel"):
            self.overlay = self.overlay_stack.pop() if self.overlay_stack else None
        elif action == "apply":
            self.apply_settings(ov.draft)
            self.overlay_stack.clear()
            self.overlay = None

    def apply_settings(self, new: Settings) -> None:
        old = self.settings
        self.settings = new.validate()
        save_settings(self.paths.settings, self.settings)
        self.sounds.set_volume(new.volume)
        if new.seed != old.seed:
            if self.match_running():  # a new world ends this battlefield: the player's match is played out first
                self.switch("world")
                self.skirmish.finish_now()
                self._count_finished_match()
            self.save_game()
            self.load_world(new.seed)
            self.hud.toast(f"A new world: seed {new.seed}", self.now, color=ui.ACCENT)
        elif new.backend != old.backend:
            self.talk.restart_worker()
            self.hud.toast(f"Model backend: {new.backend}", self.now)

    # ---------------------------------------------------------------- update
    def update(self, dt: float) -> None:
        self.talk.poll()
        if self.style is not None:
            self.style.poll()
        if self.overlay is not None:
            return  # paused: the world holds still, the NPC process keeps streaming into the chat
        self.now += dt
        self.current.update(dt, self._steer())
        for chat in self.chats.values():
            chat.update(dt)
        events = self.skirmish.update(dt)
        if self.skirmish.note:
            self.log(self.skirmish.note)
            self.skirmish.note = None
        self._count_finished_match()
        on_field = self.mode in ("watch", "play")
        if on_field or self.skirmish.visible_in(self.camera):  # no shouting from a field out of sight
            for message in events:
                self.hud.toast(message, self.now, color=ui.ACCENT)

    def _steer(self) -> Steer:
        import pygame

        keys = pygame.key.get_pressed()
        held = self.script.held_keys() if self.script else set()

        def down(codes) -> bool:
            return any(keys[c] or c in held for c in codes)

        left, right, up, down_k = movement_keys()
        return Steer(float(down(right)) - float(down(left)), float(down(down_k)) - float(down(up)),
                     down((pygame.K_LSHIFT, pygame.K_RSHIFT)))

    # ---------------------------------------------------------------- draw
    def draw(self) -> None:
        screen = self.screen
        off = self.camera.offset
        if self.camera.world_w_px < self.camera.view_w or self.camera.world_h_px < self.camera.view_h:
            screen.fill(VOID_COLOR)  # the map does not cover the view: clear the margins
        self.terrain.draw(screen, off)
        self.world_view.draw_labels(screen, off)
        self.units_drawn = self.skirmish.draw(screen, self.camera)
        self.current.draw(screen)
        near = self.nearest_villager() if self.mode == "world" else None
        self.world_view.draw_people(screen, self.camera, self.now, self.player, self.player_state, near)
        self._draw_hud()
        self.current.draw_over_hud(screen)
        self.talk.draw(screen, self.now, in_chat=self.mode == "chat")
        if self.overlay is not None:
            self.overlay.draw(screen)

    def _draw_hud(self) -> None:
        screen = self.screen
        ps = self.player_state
        quests = [q["title"] for q in ps.active_quests.values()]
        self.hud.draw_player(screen, ps.gold, ps.inventory, quests, self.world.place_name(self.player.x, self.player.y))
        if self.skirmish.visible_in(self.camera) or self.mode in ("watch", "play"):
            self.hud.draw_score(screen, *self.skirmish.score())
        if self.show_minimap:
            w = screen.get_width()
            cam = self.camera
            view = (cam.x / TILE_PX, cam.y / TILE_PX, cam.view_w / TILE_PX, cam.view_h / TILE_PX)
            self.minimap.draw(screen, (w - self.minimap.size[0] - MINIMAP_MARGIN_PX, MINIMAP_MARGIN_PX),
                              (self.player.x, self.player.y), view,
                              [(p.x, p.y) for p in self.world.settlements], self.world.battlefield,
                              [tuple(q["target_xy"]) for q in ps.active_quests.values()])
        self.hud.draw_toasts(screen, self.now)
        self.hud.draw_key_bar(screen, self.current.key_bar, None if self.opt.headless else self.fps_smooth)


def main(options: RunOptions) -> int:
    """Run the demo; returns the process exit code."""
    import os

    if options.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    app = DemoApp(options)
    return app.run()
