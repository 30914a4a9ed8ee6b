"""The Ray runner: the same work units as the process pool, played by a pool of Ray actors.

`address=None` starts a local Ray instance with `workers` CPUs; an address ("auto",
"ray://head:10001", "head:6379") joins an existing cluster, whose nodes need gameai
installed. Rows come back to this process and are committed as each unit finishes, exactly
as with the local pool, so results are identical and a killed sweep resumes the same way.

Why actors rather than one Ray task per unit: an actor loads the simulator's compiled
kernels once, while Ray is still starting, and keeps `PREFETCH` units queued, so it never
waits for a round trip to this process between units (as the process pool's call queue
does). With one task per unit, Ray's per-task scheduling left each worker idle for a few
milliseconds between units and cost the first unit of every worker a kernel load.
"""
from __future__ import annotations

import os
import time
from collections import deque
from typing import Callable

from gameai.balance.plan import WorkUnit
from gameai.balance.play import play_unit, warm_up
from gameai.balance.rows import MatchRow

#: Units queued at each actor: one playing, one waiting, so the actor never idles.
PREFETCH = 2
#: How long a run waits for a failed actor to restart when no other actor is left.
RECOVERY_TIMEOUT_S = 120.0
#: How long a finished run waits for failed actors still restarting before giving them up.
RESTART_GRACE_S = 20.0


def _lost_errors() -> tuple[type, ...]:
    """Errors that mean "this unit's actor or its node is gone", not "the unit is wrong"."""
    from ray.exceptions import NodeDiedError, ObjectLostError, RayActorError

    return RayActorError, ObjectLostError, NodeDiedError


class RayUnavailable(RuntimeError):
    """Ray is missing, the cluster cannot be reached, or every Ray worker died."""


class _Player:
    """One per CPU of the Ray instance or cluster: warm once, then play units."""

    def __init__(self):
        warm_up()

    def ready(self) -> int:
        return os.getpid()

    def play(self, unit: WorkUnit) -> list[MatchRow]:
        return play_unit(unit)


class RayRunner:
    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None):
        self.workers = workers
        self.address = address
        self._started_here = False
        self._actors: list | None = None

    def __enter__(self) -> "RayRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self):
        """Start or join Ray and start one warm actor per CPU (done on first use if not called)."""
        try:
            import ray
        except ImportError:
            raise RayUnavailable("Ray is not installed: pip install 'gameai[ray]', or use --backend local") from None
        if not ray.is_initialized():
            kwargs = dict(include_dashboard=False, logging_level="ERROR", log_to_driver=False)
            if self.address:
                kwargs["address"] = self.address
            else:   # a local instance: as many CPUs as the process pool would use
                from gameai.balance.runner_local import default_workers

                kwargs["num_cpus"] = self.workers or default_workers()
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise RayUnavailable(f"cannot start or reach Ray at {self.address or 'a local instance'}: {exc}; "
                                     "check the address, or use --backend local") from None
            self._started_here = True
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        # More actors than CPUs would wait forever for a CPU; fewer leaves the cluster idle.
        n = min(self.workers, cpus) if self.workers else cpus
        # An actor whose process dies restarts (up to twice); its units are replayed by `run`
        # (play_unit is a pure function of the unit, so a replay gives the same rows).
        player = ray.remote(num_cpus=1, max_restarts=2, max_task_retries=0)(_Player)
        actors = [player.remote() for _ in range(n)]
        ray.get([a.ready.remote() for a in actors])      # all warm before the clock of a sweep starts
        self._actors = actors
        self.workers = n
        return ray

    def ready(self) -> int:
        """Start (or join) Ray if not yet done; the number of workers it plays on. Without
        --workers that is every CPU of the local instance or of the cluster joined."""
        if self._actors is None:
            self.start()
        return self.workers

    def close(self) -> None:
        if self._actors is not None:
            import ray

            for a in self._actors:
                ray.kill(a)
            self._actors = None
        if self._started_here:
            import ray

            ray.shutdown()
            self._started_here = False

    def run(self, units: list[WorkUnit], on_rows: Callable[[list[MatchRow]], None]) -> None:
        """Play every unit; call `on_rows(rows)` in this process as each unit finishes.

        A unit whose actor fails (its process crashed, its node was lost) goes back to the queue
        for the live actors: Ray does not retry it (max_task_retries=0), because a retry waits for
        the actor's restart, which never comes when the lost node's CPU was the one it needs. The
        failed actor is pinged: answered, it restarted and gets work again; a death answer, or no
        answer by the time the work is done, and it is given up. Nothing is committed twice: a
        unit's rows arrive once, from the one task that finished it.
        """
        if not units:
            return
        self.ready()
        import ray

        todo = deque(units)
        in_flight: dict = {}       # ObjectRef -> (actor, unit)
        pings: dict = {}           # ObjectRef of actor.ready() -> actor, for actors that failed a unit
        alive = list(self._actors)

        def feed(actor) -> None:
            while todo and sum(1 for b, _ in in_flight.values() if b is actor) < PREFETCH:
                unit = todo.popleft()
                in_flight[actor.play.remote(unit)] = (actor, unit)

        for actor in alive:
            feed(actor)
        try:
            while in_flight or todo:
                if not in_flight and not alive:
                    self._await_recovery(pings, alive)
                    for a in alive:
                        feed(a)
                    continue
                (ref,), _ = ray.wait(list(in_flight) + list(pings), num_returns=1)
                if ref in pings:
                    self._ping_answered(ref, pings, alive)
                    for a in alive:
                        feed(a)
                    continue
                actor, unit = in_flight.pop(ref)
                try:
                    rows = ray.get(ref)
                except _lost_errors():
                    todo.appendleft(unit)
                    if actor in alive:
                        alive.remove(actor)
                        pings[actor.ready.remote()] = actor
                    for a in alive:
                        feed(a)
                    continue
                on_rows(rows)
                feed(actor)
            # Actors still restarting when the work ran out: give them a moment (a crashed
            # process is back in about a second), then give up on the rest (a lost node's).
            # A ping answered "still restarting" is asked again, so wait until the deadline, not
            # for the first round of answers (under load a restart can outlast the first ping).
            deadline = time.monotonic() + RESTART_GRACE_S
            while pings and time.monotonic() < deadline:
                ready, _ = ray.wait(list(pings), num_returns=1, timeout=max(0.0, deadline - time.monotonic()))
                for ref in ready:
                    self._ping_answered(ref, pings, alive)
                if ready and pings:
                    time.sleep(0.2)  # a re-asked ping can fail fast again: don't spin on it
            for actor in pings.values():
                ray.kill(actor)
            self._actors = alive
        except BaseException:
            # Stop the actors' queued work: kill them; the next run starts fresh ones.
            for a in [*self._actors, *pings.values()]:
                ray.kill(a)
            self._actors = None
            raise

    @staticmethod
    def _ping_answered(ref, pings: dict, alive: list) -> None:
        import ray

        from ray.exceptions import ActorUnavailableError

        actor = pings.pop(ref)
        try:
            ray.get(ref)
        except ActorUnavailableError:
            pings[actor.ready.remote()] = actor      # still restarting: ask again
            return
        except _lost_errors():
            return                                   # dead for good
        alive.append(actor)

    def _await_recovery(self, pings: dict, alive: list) -> None:
        """Every actor failed: wait for one to come back, or say the cluster is gone."""
        import ray

        while pings and not alive:
            ready, _ = ray.wait(list(pings), num_returns=1, timeout=RECOVERY_TIMEOUT_S)
            if not ready:
                break
            self._ping_answered(ready[0], pings, alive)
        if not alive:
            raise RayUnavailable("every Ray worker died; rerun the command (stored matches are "
                                 "kept), or use --backend local")
