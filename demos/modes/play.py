"""Playing on the battlefield: the player commands the blue army against a bot.

Three phases: `setup` (pick the opponent, its tier, adaptive difficulty), `playing` (select
units and give orders; they go through `agents.orders.OrderPolicy`, the same Policy interface
the bots use), and `over` (the result, the rating, where the replay went). Leaving while the
match runs — B, or closing the game — hands the player's side to a stand-in bot
(`demos.takeover`), which finishes the match; it still counts.

Mouse: left click selects a unit (Shift adds), left drag selects a box; right click on an enemy
attacks it, on the ground moves there. Keys: 1-4 select all warriors/archers/knights/healers,
0 the whole army, H hold, R retreat, [ and ] game speed, B leave, Esc pause.
"""
from __future__ import annotations

from demos import army_selection as sel
from demos import ui_theme as ui
from demos.controls import KEY_BAR_PLAY, KEY_BAR_PLAY_OVER, KEY_BAR_PLAY_SETUP, type_keys
from demos.match_session import OPPONENT_TEAM, PLAYER_NAME, PLAYER_TEAM, opponent_bots
from demos.match_setup import MatchSetup
from demos.modes.base import Mode, Steer
from demos.modes.watch import PAN_SPEED_PX

SPEEDS = (1.0, 2.0, 4.0, 8.0)
SELECT_COLOR = (120, 255, 140)
ORDER_MARK_SECONDS = 0.8
MOVE_MARK_COLOR, ATTACK_MARK_COLOR = (120, 255, 140), (255, 90, 70)


class PlayMode(Mode):
    name = "play"

    def __init__(self, app):
        super().__init__(app)
        self.phase = "setup"  # setup | playing | over
        self.setup: MatchSetup | None = None
        self.orders = None  # agents.orders.OrderPolicy for the player's side
        self.selected: list[int] = []
        self.drag_from: tuple[int, int] | None = None
        self.drag_to: tuple[int, int] | None = None
        self.mark: tuple[tuple[int, int], tuple[int, int, int], float] | None = None  # (cell, colour, until)
        self.pan = [0.0, 0.0]

    @property
    def key_bar(self) -> str:
        return {"setup": KEY_BAR_PLAY_SETUP, "playing": KEY_BAR_PLAY}.get(self.phase, KEY_BAR_PLAY_OVER)

    # --- mode interface ---------------------------------------------------------------------
    def enter(self) -> None:
        app = self.app
        self.pan = [0.0, 0.0]
        view = app.skirmish
        if view.played and view.ended_at is None:  # the player's own match, being finished by a stand-in
            app.hud.toast(f"Your match is being finished by {view.bots[PLAYER_TEAM][1]}; play again when it ends",
                          app.now, color=ui.BAD)
            app.switch("watch")
            return
        self.phase = "setup"
        self.setup = MatchSetup(app.session, opponent_bots())

    def exit(self) -> None:
        view = self.app.skirmish
        if self.phase == "playing" and view.ended_at is None:
            self.app.hand_over_player_side("left the battlefield")
        elif view.played and view.ended_at is not None:
            view.played = False  # the field goes back to the bots' show
        self.phase = "setup"
        self.selected = []
        self.drag_from = self.drag_to = None

    def handle_event(self, event) -> None:
        import pygame

        if self.phase == "setup":
            if event.type == pygame.KEYDOWN:
                action = self.setup.handle_key(event.key)
                if action == "start":
                    self.start_match()
                elif action == "back":
                    self.app.switch("watch")
            return
        if event.type == pygame.KEYDOWN:
            self._key(event)
        elif self.phase == "playing" and event.type == pygame.MOUSEBUTTONDOWN:
            if event.button == 1:
                self.drag_from = self.drag_to = event.pos
            elif event.button == 3:
                self.command_at(event.pos)
        elif self.phase == "playing" and event.type == pygame.MOUSEMOTION and self.drag_from is not None:
            self.drag_to = event.pos
        elif self.phase == "playing" and event.type == pygame.MOUSEBUTTONUP and event.button == 1 \
                and self.drag_from is not None:
            additive = bool(pygame.key.get_mods() & pygame.KMOD_SHIFT)
            self.select_drag(self.drag_from, event.pos, additive)
            self.drag_from = self.drag_to = None

    def _key(self, event) -> None:
        import pygame

        app, key = self.app, event.key
        if key == pygame.K_ESCAPE:
            app.pause()
        elif key == pygame.K_b:
            app.switch("world")
        elif key == pygame.K_m:
            app.toggle_minimap()
        elif self.phase == "over":
            if key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_p):
                self.phase = "setup"
                self.setup = MatchSetup(app.session, opponent_bots())
        elif key in type_keys():
            self.select(sel.of_type(app.skirmish, PLAYER_TEAM, type_keys()[key]))
        elif key == pygame.K_0:
            self.select(list(sel.living(app.skirmish, PLAYER_TEAM)))
        elif key == pygame.K_h:
            self.give_order("hold")
        elif key == pygame.K_r:
            self.give_order("retreat")
        elif key in (pygame.K_LEFTBRACKET, pygame.K_RIGHTBRACKET):
            i = SPEEDS.index(app.skirmish.speed) + (1 if key == pygame.K_RIGHTBRACKET else -1)
            app.skirmish.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i))]

    def update(self, dt: float, steer: Steer) -> None:
        app = self.app
        app.player.moving = False
        self.pan[0] += steer.dx * PAN_SPEED_PX * dt
        self.pan[1] += steer.dy * PAN_SPEED_PX * dt
        bx, by = app.skirmish.center_px()
        app.camera.follow(bx + self.pan[0], by + self.pan[1], dt)
        if self.phase == "playing":
            alive = app.skirmish.state.alive[0]
            self.selected = [u for u in self.selected if alive[u]]  # the fallen drop out of the selection
            if app.skirmish.ended_at is not None:
                self.phase = "over"
                self.selected = []

    # --- starting a match -------------------------------------------------------------------
    def start_match(self) -> None:
        from agents.orders import HoldGroundPolicy, OrderPolicy

        app = self.app
        view = app.skirmish
        try:
            opponent, name = app.session.make_opponent(seed=view.seed + view.round + 1)
        except (ValueError, OSError, ImportError) as exc:
            app.hud.toast(f"Cannot start: {exc}", app.now, seconds=6, color=ui.BAD)
            app.log(f"play: cannot build the opponent: {exc}")
            return
        self.orders = OrderPolicy(fallback=HoldGroundPolicy())
        view.start_played(self.orders, PLAYER_NAME, opponent, name)
        view.speed = SPEEDS[0]
        self.phase, self.selected, self.pan = "playing", [], [0.0, 0.0]
        app.sounds.play("horn")
        app.hud.toast(f"You (blue) vs {name}: select with the mouse or 0-4, right click to order", app.now,
                      seconds=5, color=ui.ACCENT)
        app.log(f"played match {view.round}: human vs {name} on seed {view.match_seed}")

    # --- selecting --------------------------------------------------------------------------
    def select(self, units: list[int], additive: bool = False) -> None:
        self.selected = sorted(set(self.selected) | set(units)) if additive else list(units)

    def select_drag(self, a: tuple[int, int], b: tuple[int, int], additive: bool = False) -> None:
        view, cam = self.app.skirmish, self.app.camera
        if abs(a[0] - b[0]) < sel.DRAG_THRESHOLD_PX and abs(a[1] - b[1]) < sel.DRAG_THRESHOLD_PX:
            unit = sel.pick(view, cam, b, PLAYER_TEAM)
            self.select([] if unit is None else [unit], additive and unit is not None)
        else:
            self.select(sel.in_box(view, cam, a, b, PLAYER_TEAM), additive)

    # --- ordering ---------------------------------------------------------------------------
    def command_at(self, pos: tuple[int, int]) -> None:
        """A right click: attack the enemy under the cursor, else move to the cell under it."""
        view, cam = self.app.skirmish, self.app.camera
        target = sel.pick(view, cam, pos, OPPONENT_TEAM)
        if target is not None:
            self.give_order("attack", target=target)
        else:
            self.give_order("move", cell=view.cell_at(cam, *pos))

    def give_order(self, kind: str, cell: tuple[int, int] | None = None, target: int | None = None) -> bool:
        """Order the selected units; a refused order is shown to the player (never raised). True if given."""
        from agents.orders import OrderError

        app = self.app
        if self.phase != "playing" or self.orders is None:
            return False
        if not self.selected:
            app.hud.toast("Select units first: click, drag a box, or press 0-4", app.now, color=ui.BAD)
            return False
        try:
            self.orders.order(0, self.selected, kind, cell=cell, target=target)
        except OrderError as exc:
            app.hud.toast(f"Order refused: {exc}", app.now, seconds=5, color=ui.BAD)
            app.log(f"play: order refused: {exc}")
            return False
        view = app.skirmish
        where = cell if cell is not None else (
            (int(view.state.x[0, target]), int(view.state.y[0, target])) if target is not None else None)
        if where is not None:
            color = ATTACK_MARK_COLOR if kind == "attack" else MOVE_MARK_COLOR
            self.mark = (where, color, app.now + ORDER_MARK_SECONDS)
        app.log(f"play: {kind} order to {len(self.selected)} unit(s)"
                + (f" -> cell {cell}" if cell else "") + (f" -> unit {target}" if target is not None else ""))
        return True

    # --- drawing ----------------------------------------------------------------------------
    def draw(self, screen) -> None:
        import pygame

        app = self.app
        view = app.skirmish
        if self.phase == "playing" and self.selected and view.screen_xy is not None:
            px, py = view.screen_xy
            r = int(sel.PICK_RADIUS_PX)
            for u in self.selected:
                pygame.draw.circle(screen, SELECT_COLOR, (int(px[u]), int(py[u])), r, width=2)
        if self.mark is not None and self.mark[2] > app.now:
            (cx, cy), color, _ = self.mark
            x, y = view.cell_to_screen(app.camera, cx, cy)
            pygame.draw.circle(screen, color, (x, y), 10, width=2)
            pygame.draw.line(screen, color, (x - 5, y), (x + 5, y), 2)
        if self.drag_from is not None and self.drag_to is not None and self.drag_from != self.drag_to:
            (x0, y0), (x1, y1) = self.drag_from, self.drag_to
            rect = pygame.Rect(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
            pygame.draw.rect(screen, SELECT_COLOR, rect, width=1)

    def draw_over_hud(self, screen) -> None:
        app = self.app
        if self.phase == "setup":
            self.setup.draw(screen)
        elif self.phase == "playing":
            n = len(self.selected)
            rating = app.session.rating()
            text = (f"{n} selected" if n else "nothing selected") + "   right click: move / attack   H hold   R retreat"
            if rating is not None:
                text += f"   rating {rating:.1f}"
            app.hud.draw_prompt(screen, text)
        elif app.session.last is not None:
            w, h = screen.get_size()
            lines = app.session.last.lines + ["Enter: play again   B: back to the world"]
            box_h = 40 + 30 * len(lines)
            ui.panel(screen, (w // 2 - 420, h // 2 - box_h // 2, 840, box_h))
            for i, line in enumerate(lines):
                color = ui.ACCENT if i == 0 else ui.TEXT
                ui.text(screen, line[:90], (w // 2, h // 2 - box_h // 2 + 30 + 30 * i), size=24, color=color,
                        center=True, bold=i == 0)
