"""A real multi-node Ray cluster on this machine, for tests: `ray start` processes, loopback only.

Each node is one `ray start --block` process with its own temp dir and its own free ports, so
the cluster neither joins nor disturbs any other Ray session on the machine (no `ray stop`,
which stops every Ray process of the user). Stopping kills exactly the process trees this
helper started. Nodes get gameai from this checkout (PYTHONPATH), like a real cluster's nodes
have it installed.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
RAY = str(Path(sys.executable).with_name("ray"))

#: `ray start`, for a node joining a loopback-only head. Ray turns "127.0.0.1" in `--address` into
#: the machine's outward address (so that a cluster's address works from other machines), which
#: a head bound to loopback does not listen on; this runs the same `ray start` with loopback left
#: as given. (The head needs no patch: RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 keeps it on loopback,
#: but a joining node refuses that variable.)
RAY_START_LOOPBACK = [sys.executable, "-c",
                      "import sys, ray._private.services as s; s.resolve_ip_for_localhost = lambda host: host; "
                      "from ray.scripts.scripts import main; sys.argv[0] = 'ray'; sys.exit(main())"]

#: Notice a lost node in about two seconds rather than Ray's default of about twenty (the
#: GCS health check), so the test does not sit idle; Ray's own behaviour is otherwise unchanged.
FAST_FAILURE_DETECTION = {
    "RAY_health_check_initial_delay_ms": "0",
    "RAY_health_check_period_ms": "500",
    "RAY_health_check_timeout_ms": "1000",
    "RAY_health_check_failure_threshold": "3",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_ports() -> list[str]:
    """Every port a node opens, chosen free, so two nodes on one machine never collide."""
    args = []
    for flag in ("--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port",
                 "--dashboard-agent-grpc-port", "--metrics-export-port", "--runtime-env-agent-port"):
        args += [flag, str(free_port())]
    return args


class Node:
    def __init__(self, proc: subprocess.Popen, temp_dir: Path, log: Path):
        self.proc, self.temp_dir, self.log = proc, temp_dir, log

    def processes(self) -> list[psutil.Process]:
        """This node's `ray start` process and everything under it (raylet, GCS, workers...)."""
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def raylet_pid(self) -> int | None:
        return next(iter(self.pids_of("raylet")), None)

    def pids_of(self, name: str) -> list[int]:
        """Pids of this node's processes whose command line mentions `name` (Ray titles an
        actor's process `ray::ClassName`)."""
        out = []
        for p in self.processes():
            try:
                if name in " ".join(p.cmdline()) or p.name() == name:
                    out.append(p.pid)
            except psutil.NoSuchProcess:
                continue
        return out

    def kill(self) -> None:
        """The node dies at once, as a machine that loses power: SIGKILL to all its processes."""
        procs = self.processes()
        for p in procs:
            try:
                p.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(procs, timeout=10)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Graceful stop (SIGTERM: `ray start --block` stops its own processes), then SIGKILL what is left."""
        procs = self.processes()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        _, alive = psutil.wait_procs(procs, timeout=15)
        for p in alive:
            try:
                p.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=5)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


class LocalRayCluster:
    """`with LocalRayCluster(nodes=2) as c:` -> c.address ("127.0.0.1:P"), c.nodes[0] is the head."""

    def __init__(self, nodes: int = 2, cpus_per_node: int = 1, root: Path | None = None):
        self.n, self.cpus = nodes, cpus_per_node
        self._own_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="gameai-ray-"))     # the nodes' logs
        self.root.mkdir(parents=True, exist_ok=True)
        self.nodes: list[Node] = []
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)

    def env(self) -> dict:
        """For the nodes and for any driver: loopback addresses, this cluster's own auth token."""
        env = {**os.environ, **FAST_FAILURE_DETECTION, "RAY_USAGE_STATS_ENABLED": "0",
               "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1",
               # Ray 2.5x+ enables token auth when ~/.ray/auth_token exists: give this cluster
               # its own token rather than read (or create) the user's.
               "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.token,
               # A driver (`gameai sweep --address 127.0.0.1:P`) keeps loopback as given.
               "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
        env.pop("RAY_ADDRESS", None)
        return env

    def _start(self, i: int, args: list[str], env: dict | None = None) -> Node:
        log = self.root / f"node{i}.log"
        with open(log, "wb") as f:
            # A short temp dir: Ray puts Unix sockets in it, whose paths must stay under 108 bytes.
            temp = Path(tempfile.mkdtemp(prefix=f"r{i}-", dir="/tmp"))
            ray_start = [*(RAY_START_LOOPBACK if i else [RAY]), "start", "--block"]
            proc = subprocess.Popen(
                [*ray_start, "--num-cpus", str(self.cpus), "--temp-dir", str(temp), "--disable-usage-stats",
                 *node_ports(), *args],
                stdout=f, stderr=subprocess.STDOUT, env={**self.env(), **(env or {})}, start_new_session=True)
        return Node(proc, temp, log)

    def __enter__(self) -> "LocalRayCluster":
        try:
            # Loopback only (see RAY_START_LOOPBACK for the joining nodes).
            self.nodes.append(self._start(0, ["--head", "--port", str(self.port), "--node-ip-address", "127.0.0.1",
                                              "--include-dashboard", "false",
                                              "--ray-client-server-port", str(free_port())]))
            self._wait_started(self.nodes[0])
            for i in range(1, self.n):
                self.nodes.append(self._start(i, ["--address", self.address],
                                              env={"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "1"}))
                self._wait_started(self.nodes[i])
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for node in reversed(self.nodes):
            node.stop()
        for node in self.nodes:
            shutil.rmtree(node.temp_dir, ignore_errors=True)
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def _wait_started(self, node: Node, timeout: float = 60.0) -> None:
        """`ray start` says "Ray runtime started" once its node is registered with the head."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if node.proc.poll() is not None:
                raise RuntimeError(f"ray start exited ({node.proc.returncode}): {node.log.read_text()[-2000:]}")
            if "Ray runtime started" in node.log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise TimeoutError(f"ray start did not come up in {timeout:.0f} s: {node.log.read_text()[-2000:]}")
