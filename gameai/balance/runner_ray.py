"""The Ray runner: the same work units as the process pool, scheduled by Ray.

`address=None` starts a local Ray instance with `workers` CPUs; an address ("auto",
"ray://head:10001", "head:6379") joins an existing cluster, whose nodes need gameai
installed. Rows come back to this process and are committed as each unit finishes, exactly
as with the local pool, so results are identical and a killed sweep resumes the same way.
"""
from __future__ import annotations

import os
from typing import Callable

from gameai.balance.plan import WorkUnit
from gameai.balance.play import play_unit


class RayUnavailable(RuntimeError):
    """Ray is missing or the cluster cannot be reached."""


def _warm_up() -> None:
    import agents.arena  # noqa: F401


class RayRunner:
    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None):
        self.workers = workers
        self.address = address
        self._started_here = False
        self._remote = None

    def __enter__(self) -> "RayRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self):
        """Start or join Ray and warm the workers (done on first use if not called)."""
        try:
            import ray
        except ImportError:
            raise RayUnavailable("Ray is not installed: pip install 'gameai[ray]', or use --backend local") from None
        if not ray.is_initialized():
            kwargs = dict(include_dashboard=False, logging_level="ERROR", log_to_driver=False)
            if self.address:
                kwargs["address"] = self.address
            else:
                kwargs["num_cpus"] = self.workers or os.cpu_count() or 1
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise RayUnavailable(f"cannot start or reach Ray at {self.address or 'a local instance'}: {exc}; "
                                     "check the address, or use --backend local") from None
            self._started_here = True
        self._remote = ray.remote(num_cpus=1, max_retries=2)(play_unit)
        # Start the workers and import the simulator in each now (seconds per process), so
        # that cost is paid once per session, like the process pool's start-up.
        cpus = int(ray.available_resources().get("CPU", 1))
        ray.get([ray.remote(num_cpus=1)(_warm_up).remote() for _ in range(max(1, cpus))])
        return ray

    def close(self) -> None:
        if self._started_here:
            import ray

            ray.shutdown()
            self._started_here = False
        self._remote = None

    def run(self, units: list[WorkUnit], on_rows: Callable[[list[dict]], None]) -> None:
        if not units:
            return
        if self._remote is None:
            self.start()
        import ray
        pending = [self._remote.remote(u) for u in units]
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    on_rows(ray.get(ref))
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
