"""A real Ray cluster of several nodes on 127.0.0.1 for the tests (``ray start`` processes).

Each node is one ``ray start ... --block`` process in its own session, as on a board of a
lab (docs/multi-jetson.md), with SIGINT ignored, as a node started in the background of a
board's script (``ray start ... &``, nohup) has it: its workers inherit that, whatever the
shell that started pytest did, and a sweep's stop must reach their jobs all the same;
``kill(node)`` SIGKILLs that node's whole process tree at
once, which is what a board losing power looks like to the rest of the cluster.
``shutdown()`` kills every node and removes Ray's files.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

RAY = str(Path(sys.executable).with_name("ray"))

# node deaths noticed within about two seconds instead of half a minute
FAST_HEALTH_CHECKS = {
    "RAY_health_check_initial_delay_ms": "0",
    "RAY_health_check_period_ms": "500",
    "RAY_health_check_timeout_ms": "500",
    "RAY_health_check_failure_threshold": "3",
}


def _free_port() -> int:
    # an ephemeral port: outside Ray's own worker port range (10002-19999)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ignore_sigint() -> None:
    """In a node's process before it starts: SIGINT ignored, as in a background process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@dataclass
class NetNamespace:
    """A network namespace joined to this machine by a veth pair: a second host on one machine.

    This machine's end has ``host_ip``, the namespace's ``ip``; processes started with
    ``ip netns exec <name>`` see only the namespace's addresses (needs root and iproute2).
    """

    name: str
    host_ip: str
    ip: str

    @classmethod
    def create(cls) -> NetNamespace:
        tag = f"{os.getpid() % 100000}"
        subnet = f"10.231.{os.getpid() % 250}"
        ns = cls(f"bjns{tag}", f"{subnet}.1", f"{subnet}.2")
        host, peer = f"bjh{tag}", f"bjp{tag}"
        for cmd in (
            ["ip", "netns", "add", ns.name],
            ["ip", "link", "add", host, "type", "veth", "peer", "name", peer],
            ["ip", "link", "set", peer, "netns", ns.name],
            ["ip", "addr", "add", f"{ns.host_ip}/24", "dev", host],
            ["ip", "link", "set", host, "up"],
            ["ip", "netns", "exec", ns.name, "ip", "addr", "add", f"{ns.ip}/24", "dev", peer],
            ["ip", "netns", "exec", ns.name, "ip", "link", "set", peer, "up"],
            ["ip", "netns", "exec", ns.name, "ip", "link", "set", "lo", "up"],
        ):
            subprocess.run(cmd, check=True, capture_output=True)
        ns._host_link = host  # type: ignore[attr-defined]
        return ns

    def delete(self) -> None:
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
        subprocess.run(["ip", "link", "del", getattr(self, "_host_link", "")], capture_output=True)


@dataclass
class Node:
    """One ``ray start --block`` process and what it declared."""

    proc: subprocess.Popen[bytes]
    resources: dict[str, float]
    num_cpus: int
    memory_gb: float
    log: Path
    node_id: str | None = None
    killed: bool = False


@dataclass
class LocalCluster:
    """A head and worker nodes on 127.0.0.1, each with its own resources."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bjr", dir="/tmp")))
    port: int = field(default_factory=_free_port)
    nodes: list[Node] = field(default_factory=list)
    head_ip: str = "127.0.0.1"

    @property
    def address(self) -> str:
        return f"{self.head_ip}:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment of the nodes and of every driver (sweep) that joins them.

        Token authentication as a lab should run it: one token, shared by every node and
        driver through a file (docs/multi-jetson.md).
        """
        token = self.root / "auth_token"
        if not token.exists():
            token.write_text(secrets.token_hex(32))
            token.chmod(0o600)
        return {
            **os.environ,
            **FAST_HEALTH_CHECKS,
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN_PATH": str(token),
        }

    def node_env(self) -> dict[str, str]:
        """A board's environment: no PostgreSQL credentials of its own (the sweep hands them
        over, ``hydra.launcher.ray.forward_env``), and Ray's memory monitor off, as the
        multi-Jetson guide starts nodes."""
        env = {k: v for k, v in self.env().items() if not k.startswith("PG")}
        env["RAY_memory_monitor_refresh_ms"] = "0"
        return env

    def _start(
        self,
        args: list[str],
        num_cpus: int,
        memory_gb: float,
        resources: dict[str, float],
        *,
        ip: str | None = None,
        prefix: list[str] | None = None,
    ) -> Node:
        log = self.root / f"node{len(self.nodes)}.log"
        cmd = [
            *(prefix or []),
            RAY,
            "start",
            *args,
            f"--node-ip-address={ip or self.head_ip}",
            f"--num-cpus={num_cpus}",
            "--num-gpus=0",
            f"--memory={int(memory_gb * 1024**3)}",
            f"--resources={json.dumps(resources)}",
            "--disable-usage-stats",
            "--block",
        ]
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.node_env(),
                start_new_session=True,
                preexec_fn=_ignore_sigint,
            )
        node = Node(proc, resources, num_cpus, memory_gb, log)
        self.nodes.append(node)
        return node

    def start_head(self, num_cpus: int, memory_gb: float, resources: dict[str, float]) -> Node:
        node = self._start(
            [
                "--head",
                f"--port={self.port}",
                f"--temp-dir={self.root / 'ray'}",
                "--include-dashboard=false",
            ],
            num_cpus,
            memory_gb,
            resources,
        )
        self.wait_nodes(1)
        return node

    def add_node(
        self,
        num_cpus: int,
        memory_gb: float,
        resources: dict[str, float],
        *,
        netns: NetNamespace | None = None,
    ) -> Node:
        """A worker node; in ``netns`` it is another machine as far as the network goes."""
        node = self._start(
            [f"--address={self.address}"],
            num_cpus,
            memory_gb,
            resources,
            ip=netns.ip if netns else None,
            prefix=["ip", "netns", "exec", netns.name] if netns else None,
        )
        self.wait_nodes(sum(not n.killed for n in self.nodes))
        return node

    def live_nodes(self) -> list[dict]:
        """The cluster's live nodes as Ray reports them (read by a short-lived driver)."""
        code = (
            "import json, ray\n"
            f"ray.init(address={self.address!r}, logging_level='ERROR')\n"
            "print(json.dumps([n for n in ray.nodes() if n['Alive']]))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=120,
        )
        if out.returncode != 0:
            return []
        return json.loads(out.stdout.strip().splitlines()[-1])

    def wait_nodes(self, count: int, timeout: float = 90) -> None:
        """Wait until ``count`` nodes are alive, and learn each started node's id."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node in self.nodes:
                if not node.killed and node.proc.poll() is not None:
                    raise RuntimeError(f"ray start exited: {node.log.read_text()[-2000:]}")
            live = self.live_nodes()
            if len(live) >= count:
                for node in self.nodes:
                    for n in live if not node.killed else []:
                        res = n["Resources"]
                        if all(res.get(k) == v for k, v in node.resources.items()):
                            node.node_id = n["NodeID"]
                return
            time.sleep(1)
        raise TimeoutError(f"{count} Ray node(s) not alive after {timeout} s")

    @staticmethod
    def _tree(node: Node) -> list[psutil.Process]:
        procs: dict[int, psutil.Process] = {}
        group = node.proc.pid  # start_new_session: the node's process group id
        for p in psutil.process_iter():
            try:
                if os.getpgid(p.pid) == group:
                    procs[p.pid] = p
            except (ProcessLookupError, psutil.Error):
                continue
        for p in list(procs.values()):
            try:
                for child in p.children(recursive=True):  # Ray workers start their own sessions
                    procs[child.pid] = child
            except psutil.Error:
                continue
        return list(procs.values())

    def kill(self, node: Node) -> None:
        """SIGKILL the node's processes all at once (a board losing power)."""
        procs = self._tree(node)
        for p in procs:
            try:
                p.send_signal(signal.SIGKILL)
            except psutil.Error:
                pass
        psutil.wait_procs(procs, timeout=10)
        node.proc.wait(timeout=10)
        node.killed = True

    def shutdown(self) -> None:
        """Kill every node and remove Ray's files."""
        for node in self.nodes:
            self.kill(node)
        shutil.rmtree(self.root, ignore_errors=True)

    def leftovers(self) -> list[str]:
        """Command lines of processes still using this cluster's files (should be none)."""
        out = []
        for p in psutil.process_iter(["cmdline"]):
            cmd = " ".join(p.info.get("cmdline") or [])
            if str(self.root) in cmd or f"127.0.0.1:{self.port}" in cmd:
                out.append(cmd)
        return out
