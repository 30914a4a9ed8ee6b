"""Playing on the battlefield: the player commands the blue army against a bot.

Three phases: `setup` (pick the opponent, its tier, adaptive difficulty), `playing` (select
units and give orders; they go through `agents.orders.OrderPolicy`, the same Policy interface
the bots use), and `over` (the result, the rating, where the replay went). Leaving while the
match runs — B, or closing the game — hands the player's side to a stand-in bot
(`demos.takeover`), which finishes the match; it still counts.

Mouse: left click selects a unit (Shift adds), left drag selects a box; right click on an enemy
attacks it, on the ground moves there. Keys: 1-4 select all warriors/archers/knights/healers,
0 the whole army, H hold, R retreat, [ and ] game speed, B leave, Esc pause.

With "Squad judges orders" on in the setup panel (teaching mode, `demos.order_review`), each order
is judged by rollouts before it is carried out: accepted, carried out with a warning, or refused,
and the squad says why through the NPC dialogue engine (the judge's own words when it is off).
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
PENDING_MARK_COLOR = (255, 210, 80)  # an order the squad is still judging
SQUAD_LINE_SECONDS = 9.0
VERDICT_COLORS = {"accept": ui.GOOD, "warn": ui.ACCENT, "refuse": ui.BAD}


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
        self.review = None  # demos.order_review.OrderReview while the squad judges this match's orders
        self.squad_says: tuple[str, tuple[int, int, int], float] | None = None  # (line, colour, until)

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
        self.stop_review()

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
                self.stop_review()

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
        self.stop_review()
        if app.session.choice.teaching:
            self.start_review(name)
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
        """Order the selected units; a refused order is shown to the player (never raised). True if given
        (in teaching mode: handed to the squad, which carries it out or not once it has judged it)."""
        app = self.app
        if self.phase != "playing" or self.orders is None:
            return False
        if not self.selected:
            app.hud.toast("Select units first: click, drag a box, or press 0-4", app.now, color=ui.BAD)
            return False
        view = app.skirmish
        where = cell if cell is not None else (
            (int(view.state.x[0, target]), int(view.state.y[0, target])) if target is not None else None)
        what = (f"{kind} order to {len(self.selected)} unit(s)" + (f" -> cell {cell}" if cell else "")
                + (f" -> unit {target}" if target is not None else ""))
        if self.review is not None:
            self.review.submit(view.state, self.orders, self.selected, kind, cell, target, where)
            app.log(f"play: {what}: the squad is judging it")
            return True
        if not self.carry_out(self.selected, kind, cell, target):
            return False
        if where is not None:
            color = ATTACK_MARK_COLOR if kind == "attack" else MOVE_MARK_COLOR
            self.mark = (where, color, app.now + ORDER_MARK_SECONDS)
        app.log(f"play: {what}")
        return True

    def carry_out(self, units, kind: str, cell, target) -> bool:
        from agents.orders import OrderError

        app = self.app
        try:
            self.orders.order(0, units, kind, cell=cell, target=target)
        except OrderError as exc:
            app.hud.toast(f"Order refused: {exc}", app.now, seconds=5, color=ui.BAD)
            app.log(f"play: order refused: {exc}")
            return False
        return True

    # --- teaching mode: the squad judges orders ------------------------------------------------
    def start_review(self, opponent_name: str) -> None:
        from demos.order_review import OrderReview

        view = self.app.skirmish
        self.review = OrderReview(view.params, opponent_name, seed=view.match_seed)
        view.step_gate = self.step_gate
        self.review.warm_up(view.state, self.orders)
        self.app.log(f"play: the squad judges orders (rollouts against {self.review.enemy})")

    def stop_review(self) -> None:
        if self.review is not None:
            self.review.close()
            self.review = None

    def step_gate(self, step: int) -> bool:
        """Called by the battle before each step: carry out (or not) the orders judged for this step."""
        if self.review is None:
            return True
        ready, go = self.review.due(step)
        for pending in ready:
            self.rule_on(pending)
        return go

    def rule_on(self, pending) -> None:
        from agents.orders import OrderError

        app = self.app
        try:
            j = pending.future.result()
        except OrderError as exc:
            app.hud.toast(f"Order refused: {exc}", app.now, seconds=5, color=ui.BAD)
            app.log(f"play: order refused: {exc}")
            return
        except Exception as exc:  # never lose the player's order to a judging failure: carry it out unjudged
            app.log(f"play: the squad could not judge the order ({type(exc).__name__}: {exc}); carried out")
            j = None
        alive = app.skirmish.state.alive[0]
        units = [u for u in pending.units if alive[u]]
        app.log(f"squad: {j.reason if j else 'not judged'}")
        if j is None or j.verdict != "refuse":
            if units:
                self.carry_out(units, pending.kind, pending.cell, pending.target)
            if pending.where is not None:
                color = ATTACK_MARK_COLOR if pending.kind == "attack" else MOVE_MARK_COLOR
                self.mark = (pending.where, color, app.now + ORDER_MARK_SECONDS)
        if j is not None and j.verdict != "accept":
            self.say(j)

    def say(self, j) -> None:
        """Show the squad's reason at once (the judge's words), then its spoken line when the engine has it."""
        app = self.app
        color = VERDICT_COLORS[j.verdict]
        head = "Order refused" if j.verdict == "refuse" else "Carried out, with a warning"
        self.squad_says = (f"Squad: {j.reason}", color, app.now + SQUAD_LINE_SECONDS)

        def spoken(text):
            if text:
                self.squad_says = (f"{head}. Sergeant Hale: {text}", color, app.now + SQUAD_LINE_SECONDS)
                app.log(f"squad says: {text}")

        app.talk.squad_line(j.facts(), spoken)

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
        if self.review is not None:
            for p in self.review.pending:
                if p.where is not None:
                    x, y = view.cell_to_screen(app.camera, *p.where)
                    pygame.draw.circle(screen, PENDING_MARK_COLOR, (x, y), 10, width=2)
                    ui.text(screen, "?", (x, y - 22), size=20, color=PENDING_MARK_COLOR, center=True, bold=True)
        if self.drag_from is not None and self.drag_to is not None and self.drag_from != self.drag_to:
            (x0, y0), (x1, y1) = self.drag_from, self.drag_to
            rect = pygame.Rect(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
            pygame.draw.rect(screen, SELECT_COLOR, rect, width=1)

    def draw_squad_line(self, screen) -> None:
        if self.squad_says is None or self.squad_says[2] <= self.app.now:
            return
        line, color, _ = self.squad_says
        w, h = screen.get_size()
        lines = ui.wrap(line, w - 120, 20)[:6]
        box_h = 20 + 24 * len(lines)
        ui.panel(screen, (40, h - 110 - box_h, w - 80, box_h))
        for i, part in enumerate(lines):
            ui.text(screen, part, (60, h - 100 - box_h + 24 * i), size=20, color=color)

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
            if self.review is not None and self.review.pending:
                text += "   the squad is judging an order..."
            app.hud.draw_prompt(screen, text)
            self.draw_squad_line(screen)
        elif app.session.last is not None:
            w, h = screen.get_size()
            lines = app.session.last.lines + ["Enter: play again   B: back to the world"]
            box_h = 40 + 30 * len(lines)
            ui.panel(screen, (w // 2 - 420, h // 2 - box_h // 2, 840, box_h))
            for i, line in enumerate(lines):
                color = ui.ACCENT if i == 0 else ui.TEXT
                ui.text(screen, line[:90], (w // 2, h // 2 - box_h // 2 + 30 + 30 * i), size=24, color=color,
                        center=True, bold=i == 0)
