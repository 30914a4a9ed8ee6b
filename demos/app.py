"""The demo game: one loop that walks the world, talks to villagers and shows the skirmishes.

Each frame: scripted input (if any) posts events -> events are handled by the current mode
(world, chat, watching the battlefield, pause/help/settings) -> the world updates with a
fixed step in headless runs (same seed + same script = same frames) or the real frame time
in a window -> everything is drawn -> the frame is paced to the fps cap.

The LLM never runs here: `LLMWorker` streams replies from another process and this loop
only polls it, so a frame costs the same whether an NPC is thinking or not.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from demos import ui_theme as ui
from demos.actors import TALK_RANGE, AutoWalk, Walker, draw_person, find_path
from demos.buildings import house_sprites
from demos.camera import Camera
from demos.chat_box import ChatBox, ChatLine
from demos.controls import KEY_BAR_CHAT, KEY_BAR_WATCH, KEY_BAR_WORLD, movement_keys
from demos.game_rules import Offer, PlayerState, accept, check_quests, judge_intent
from demos.hud import Hud
from demos.input_script import ScriptError, ScriptPlayer, load_script
from demos.llm_worker import DONE, ERROR, FAILED, MEMORIES, READY, TEXT, LLMWorker
from demos.menus import HelpScreen, PauseMenu, SettingsScreen
from demos.minimap import Minimap
from demos.settings import DataPaths, Settings, SettingsError, default_data_dir, load_settings, save_settings
from demos.skirmish_view import SkirmishView
from demos.sound import Sounds
from demos.terrain_renderer import TILE_PX, ChunkedTerrainRenderer, relief
from demos.world_data import WorldData, WorldDataError, build_world
from pcg.errors import MapParameterError

HEADLESS_DT = 1.0 / 60.0
#: Errors that are the player's input or environment (shown as a message by `gameai demo`), not bugs.
DEMO_ERRORS = (SettingsError, ScriptError, WorldDataError, MapParameterError)


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
        self.mode = "world"  # world | chat | watch
        self.overlay: PauseMenu | HelpScreen | SettingsScreen | None = None
        self.overlay_stack: list = []
        self.show_minimap = True
        self.running = True
        self.worker: LLMWorker | None = None
        self.chats: dict[str, ChatBox] = {}
        self.talking_to: str | None = None
        self.pending: dict[int, str] = {}  # request id -> npc id
        self.offers: dict[str, Offer] = {}
        self.autowalk: AutoWalk | None = None
        self._swallow: tuple[str, int] | None = None  # (text, frame): a TEXTINPUT made by a command key
        self.fps_smooth = 0.0
        self.load_world(self.settings.seed)

    # ---------------------------------------------------------------- world setup
    def log(self, message: str) -> None:
        if self.opt.log:
            print(f"[demo] {message}", flush=True)

    def load_world(self, seed: int) -> None:
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
        self.minimap = Minimap(w.tiles, size_px=200)
        self.camera = Camera(self.opt.width, self.opt.height, w.size * TILE_PX, w.size * TILE_PX)
        self.camera.center_on(sx * TILE_PX, sy * TILE_PX)
        self.skirmish = SkirmishView(w, seed=seed, units_per_team=self.opt.skirmish_units)
        self.labels = self._make_labels()
        self.house_sprites = house_sprites(TILE_PX)
        self.chats.clear()
        self.recalled: set[str] = set()
        self.memories: dict[str, list[str]] = {}
        self.offers.clear()
        self.pending.clear()
        self.mode, self.talking_to = "world", None
        self._restart_worker()

    def _restart_worker(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        if not self.opt.llm:
            return
        from demos.llm_worker import WorkerSpec

        spec = WorkerSpec(personas=self.world.personas, memory_path=str(self.paths.memory),
                          backend=self.settings.backend, threads=int(os.environ.get("GAMEAI_THREADS", "1")))
        self.worker = LLMWorker(spec).start()

    def _make_labels(self):
        labels = []
        for place in self.world.settlements:  # above the houses, clear of the villagers
            labels.append((place.x + 0.5, place.y - 5.2, ui.font(30, True).render(place.name, True, (255, 246, 220)),
                           ui.font(30, True).render(place.name, True, (0, 0, 0))))
        for place in self.world.landmarks:
            labels.append((place.x, place.y - 1.2, ui.font(22).render(place.name, True, (230, 230, 255)),
                           ui.font(22).render(place.name, True, (0, 0, 0))))
        return labels

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

    def start_walk_to_npc(self, name: str | None) -> None:
        candidates = [v for v in self.world.villagers if name is None or name.lower() in v.name.lower()]
        if not candidates:
            self.log(f"walk_to: no villager named {name!r}")
            return
        target = min(candidates, key=lambda v: v.distance_to(self.player.x, self.player.y))
        self._walk_to(target.x, target.y, stop_within=TALK_RANGE * 0.6)

    def start_walk_to(self, x: float, y: float) -> None:
        self._walk_to(x, y, stop_within=0.2)

    def _walk_to(self, x: float, y: float, stop_within: float) -> None:
        path = find_path(self.world.walk_cost, (int(self.player.x), int(self.player.y)), (int(x), int(y)))
        if path is None:
            self.log(f"walk_to: no walkable path to ({x:.0f}, {y:.0f})")
            self.autowalk = None
            return
        points = [(tx + 0.5, ty + 0.5) for tx, ty in path[1:]] + [(x, y)]
        self.autowalk = AutoWalk(points, stop_within=stop_within)

    def walking(self) -> bool:
        return self.autowalk is not None

    def reply_pending(self) -> bool:
        """An NPC is still answering: the model is generating, or its words are still appearing."""
        return bool(self.pending) or any(c.busy for c in self.chats.values())

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
        dt = HEADLESS_DT if self.opt.headless else min(self.clock.get_time() / 1000.0 or HEADLESS_DT, 0.1)
        if self.script is not None:
            self.script.update(self)
        for event in pygame.event.get():
            self.handle_event(event)
        self.update(dt)
        self.draw()
        pygame.display.flip()
        ms = (time.perf_counter() - start) * 1000.0
        self.stats.add(ms, (time.thread_time() - cpu_start) * 1000.0, bool(self.pending))  # "generating": the model is producing a reply right now
        self.frame += 1
        return ms

    def shutdown(self) -> None:
        """Save the game, write the requested screenshot, stop the NPC process; safe to call twice."""
        import pygame

        if getattr(self, "_shut", False):
            return
        self._shut = True
        if self.opt.screenshot is not None and pygame.display.get_surface() is not None:
            self.save_screenshot(self.opt.screenshot)
        self.save_game()
        if self.worker is not None:
            self.worker.close()
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
        if self.mode == "chat":
            self._chat_event(event)
        elif event.type == pygame.KEYDOWN:
            self._world_key(event.key)

    def _world_key(self, key: int) -> None:
        import pygame

        if key == pygame.K_ESCAPE:
            self.overlay = PauseMenu()
        elif key == pygame.K_e and self.mode == "world":
            npc = self.nearest_villager()
            if npc is not None:
                self.open_chat(npc)
        elif key == pygame.K_b:
            self.mode = "world" if self.mode == "watch" else "watch"
            if self.mode == "watch":
                self.autowalk = None
        elif key == pygame.K_n:
            self.skirmish.new_skirmish()
            self.sounds.play("horn")
            self.hud.toast("A new skirmish begins!", self.now, color=ui.ACCENT)
        elif key == pygame.K_m:
            self.show_minimap = not self.show_minimap

    def _chat_event(self, event) -> None:
        import pygame

        chat = self.chats[self.talking_to]
        if event.type == pygame.TEXTINPUT:
            if self._swallow == (event.text.lower(), self.frame):
                self._swallow = None  # the "e" of the key that opened this chat is not part of the line
                return
            chat.type_text(event.text)
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.close_chat()
            elif event.key == pygame.K_BACKSPACE:
                chat.backspace()
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.send_line()
            elif event.key == pygame.K_TAB and self.talking_to in self.offers:
                self.accept_offer(self.talking_to)  # Tab, not Y: Tab types nothing, so "yes" stays typeable

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
            self.save_game()
            self.load_world(new.seed)
            self.hud.toast(f"A new world: seed {new.seed}", self.now, color=ui.ACCENT)
        elif new.backend != old.backend:
            self._restart_worker()
            self.hud.toast(f"Model backend: {new.backend}", self.now)

    # ---------------------------------------------------------------- talking
    def nearest_villager(self):
        best = min(self.world.villagers, key=lambda v: v.distance_to(self.player.x, self.player.y), default=None)
        if best is not None and best.distance_to(self.player.x, self.player.y) <= TALK_RANGE:
            return best
        return None

    def open_chat(self, npc) -> None:
        import pygame

        self.autowalk = None
        self.mode, self.talking_to = "chat", npc.npc_id
        self._swallow = ("e", self.frame)
        if npc.npc_id not in self.chats:
            self.chats[npc.npc_id] = ChatBox(npc.name, f"{npc.role} of {npc.settlement}")
        if self.worker is None:
            self.chats[npc.npc_id].notice = "(NPC voices are off in this run: started with --no-llm)"
        elif self.worker.failed:
            self.chats[npc.npc_id].notice = f"(NPC voices are unavailable: {self.worker.failed})"
        elif npc.npc_id not in self.recalled:
            self.recalled.add(npc.npc_id)
            self.worker.ask_memories(npc.npc_id)
        pygame.key.start_text_input()
        self.sounds.play("talk")

    def close_chat(self) -> None:
        import pygame

        pygame.key.stop_text_input()
        self.mode, self.talking_to = "world", None

    def send_line(self) -> None:
        chat = self.chats[self.talking_to]
        if self.worker is None or self.worker.failed:
            return
        line = chat.take_input()
        if line is None:
            return
        self.offers.pop(self.talking_to, None)
        npc = self.world.villager(self.talking_to)
        rid = self.worker.ask(npc.npc_id, line, self.world.world_facts(npc, self.player_state, self.clock_text()))
        self.pending[rid] = npc.npc_id

    def accept_offer(self, npc_id: str) -> None:
        offer = self.offers.pop(npc_id)
        message = accept(offer, self.player_state, self.world.shops.get(npc_id, {}))
        ok = message.startswith(("Bought", "Quest accepted"))
        self.sounds.play("coin" if ok else "deny")
        chat = self.chats[npc_id]
        chat.offer, chat.notice = None, message
        self.hud.toast(message, self.now, color=ui.GOOD if ok else ui.BAD)
        self.save_game()  # a purchase is never lost to a crash

    def _poll_worker(self) -> None:
        if self.worker is None:
            return
        for kind, rid, payload in self.worker.poll():
            if kind == READY:
                self.log(f"NPC brain ready: {payload}")
            elif kind == MEMORIES:
                npc_id, mems = payload["npc_id"], payload["memories"]
                self.memories[npc_id] = mems
                if mems and npc_id in self.chats:
                    npc = self.world.villager(npc_id)
                    self.log(f"{npc.name} remembers {len(mems)} thing(s) about you")
                    # Shown above this visit's lines: what they recall from before.
                    self.chats[npc_id].lines.insert(0, ChatLine("", f"({npc.name} remembers you: {mems[-1][:120]})",
                                                                ui.MUTED))
            elif kind == FAILED:
                self.log(f"NPC brain unavailable: {payload}")
                for rid_, npc_id in list(self.pending.items()):
                    self.chats[npc_id].fail_reply(f"({payload})")
                    del self.pending[rid_]
            elif rid in self.pending:
                npc_id = self.pending[rid]
                chat = self.chats[npc_id]
                if kind == TEXT:
                    chat.add_stream_text(payload)
                elif kind == DONE:
                    del self.pending[rid]
                    chat.finish_reply(payload.get("text"))
                    how = payload.get("backend", "?") + (", authored fallback" if payload.get("fallback") else "")
                    self.log(f"{chat.npc_name} ({how}): {payload.get('text')}")
                    self._judge(npc_id, payload)
                elif kind == ERROR:
                    del self.pending[rid]
                    chat.fail_reply(f"({payload})")
                    self.log(f"NPC reply failed: {payload}")

    def _judge(self, npc_id: str, reply: dict) -> None:
        ruling = judge_intent(reply.get("intent", "small_talk"), reply.get("intent_args", {}), npc_id,
                              self.world.shops.get(npc_id, {}), self.world.quests.get(npc_id, {}), self.player_state)
        chat = self.chats[npc_id]
        chat.offer, chat.notice = (ruling.offer.label if ruling.offer else None), ruling.notice
        if ruling.offer:
            self.offers[npc_id] = ruling.offer

    def clock_text(self) -> str:
        hour = (9 + int(self.now / 60)) % 24  # one game hour per real minute, starting mid-morning
        part = "morning" if 5 <= hour < 12 else "afternoon" if hour < 18 else "evening" if hour < 22 else "night"
        return f"{part} ({hour:02d}:00)"

    # ---------------------------------------------------------------- update
    def update(self, dt: float) -> None:
        import pygame

        self._poll_worker()
        if self.overlay is not None:
            return  # paused: the world holds still, the NPC process keeps streaming into the chat
        self.now += dt
        keys = pygame.key.get_pressed()
        held = self.script.held_keys() if self.script else set()

        def down(codes) -> bool:
            return any(keys[c] or c in held for c in codes)

        left, right, up, down_k = movement_keys()
        dx = float(down(right)) - float(down(left))
        dy = float(down(down_k)) - float(down(up))
        run = down((pygame.K_LSHIFT, pygame.K_RSHIFT))
        if self.mode == "world":
            if dx or dy:
                self.autowalk = None  # the player's own keys win over a scripted walk
            elif self.autowalk is not None:
                d = self.autowalk.direction(self.player.x, self.player.y)
                if d is None:
                    self.autowalk = None
                else:
                    dx, dy = d
            self.player.move(dx, dy, dt, self.world.tiles, self.world.walkable, run)
            for message in check_quests(self.player_state, self.player.x, self.player.y):
                self.hud.toast(message, self.now, color=ui.GOOD)
                self.sounds.play("quest")
                self.save_game()
            self.camera.follow(self.player.x * TILE_PX, self.player.y * TILE_PX, dt)
        elif self.mode == "watch":
            self.player.moving = False
            bx, by = self.skirmish.center_px()
            self._watch_pan = getattr(self, "_watch_pan", [0.0, 0.0])
            self._watch_pan[0] += dx * 600 * dt
            self._watch_pan[1] += dy * 600 * dt
            self.camera.follow(bx + self._watch_pan[0], by + self._watch_pan[1], dt)
        else:
            self.player.moving = False
            self.camera.follow(self.player.x * TILE_PX, self.player.y * TILE_PX + 120, dt)
        if self.mode != "watch":
            self._watch_pan = [0.0, 0.0]
        for chat in self.chats.values():
            chat.update(dt)
        events = self.skirmish.update(dt)
        if self.skirmish.note:
            self.log(self.skirmish.note)
            self.skirmish.note = None
        if self.mode == "watch" or self.skirmish.visible_in(self.camera):  # no shouting from a field out of sight
            for message in events:
                self.hud.toast(message, self.now, color=ui.ACCENT)

    # ---------------------------------------------------------------- draw
    def draw(self) -> None:
        screen = self.screen
        off = self.camera.offset
        if self.camera.world_w_px < self.camera.view_w or self.camera.world_h_px < self.camera.view_h:
            screen.fill((10, 14, 24))  # the map does not cover the view: clear the margins
        self.terrain.draw(screen, off)
        self._draw_labels(off)
        self.units_drawn = self.skirmish.draw(screen, self.camera)
        self._draw_people()
        self._draw_hud()
        if self.talking_to and (self.mode == "chat" or self.chats[self.talking_to].busy):
            self.chats[self.talking_to].draw(screen, self.now)  # a reply still arriving stays on screen
        if self.overlay is not None:
            self.overlay.draw(screen)

    def _draw_labels(self, off) -> None:
        """Settlement names first, then landmarks; a label that would overlap one already drawn is skipped."""
        taken = []
        for wx, wy, surf, shadow in self.labels:
            sx, sy = wx * TILE_PX - off[0], wy * TILE_PX - off[1]
            if -200 < sx < self.opt.width + 200 and -40 < sy < self.opt.height + 40:
                r = surf.get_rect(center=(sx, sy))
                if r.collidelist(taken) >= 0:
                    continue
                taken.append(r.inflate(8, 4))
                self.screen.blit(shadow, r.move(2, 2))
                self.screen.blit(surf, r)

    def _draw_people(self) -> None:
        cam = self.camera
        for hx, hy, style in self.world.houses:
            if cam.visible(hx * TILE_PX, hy * TILE_PX):
                self.screen.blit(self.house_sprites[style], cam.to_screen(hx * TILE_PX, hy * TILE_PX))
        near = None if self.mode != "world" else self.nearest_villager()
        for v in self.world.villagers:
            px, py = v.x * TILE_PX, v.y * TILE_PX
            if not cam.visible(px, py):
                continue
            sx, sy = cam.to_screen(px, py)
            bob = math.sin(self.now * 2.0 + v.phase) * 1.5
            draw_person(self.screen, sx, sy, v.color, size=TILE_PX + 2, bob=bob)
            if v.distance_to(self.player.x, self.player.y) < 9:
                ui.text(self.screen, v.name, (sx, sy - 22), size=20, color=ui.ACCENT if v is near else ui.TEXT,
                        center=True)
            ps = self.player_state
            if any(q not in ps.active_quests and q not in ps.done_quests for q in self.world.quests.get(v.npc_id, {})):
                ui.text(self.screen, "!", (sx + 10, sy - 14), size=26, color=ui.ACCENT, center=True, bold=True)
        px, py = cam.to_screen(self.player.x * TILE_PX, self.player.y * TILE_PX)
        bob = abs(math.sin(self.player.step_phase)) * -2.5 if self.player.moving else 0.0
        draw_person(self.screen, px, py, (60, 110, 220), size=TILE_PX + 4, bob=bob, outline=(255, 255, 255),
                    facing=self.player.facing)
        if near is not None:
            self.hud.draw_prompt(self.screen, f"[E] Talk to {near.name}, the {near.role}")

    def _draw_hud(self) -> None:
        screen = self.screen
        ps = self.player_state
        quests = [q["title"] for q in ps.active_quests.values()]
        self.hud.draw_player(screen, ps.gold, ps.inventory, quests, self.world.place_name(self.player.x, self.player.y))
        if self.skirmish.visible_in(self.camera) or self.mode == "watch":
            self.hud.draw_score(screen, *self.skirmish.score())
        if self.show_minimap:
            w = screen.get_width()
            cam = self.camera
            view = (cam.x / TILE_PX, cam.y / TILE_PX, cam.view_w / TILE_PX, cam.view_h / TILE_PX)
            self.minimap.draw(screen, (w - self.minimap.size[0] - 16, 16), (self.player.x, self.player.y), view,
                              [(p.x, p.y) for p in self.world.settlements], self.world.battlefield,
                              [tuple(q["target_xy"]) for q in ps.active_quests.values()])
        self.hud.draw_toasts(screen, self.now)
        bar = {"chat": KEY_BAR_CHAT, "watch": KEY_BAR_WATCH}.get(self.mode, KEY_BAR_WORLD)
        self.hud.draw_key_bar(screen, bar, None if self.opt.headless else self.fps_smooth)


def main(options: RunOptions) -> int:
    """Run the demo; returns the process exit code."""
    if options.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    app = DemoApp(options)
    return app.run()

