"""Fixtures for the API tests (see api_world.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_world import PRINCIPALS, T0, World, db_url
from omnistake import ManualClock, Principal
from omnistake.api.auth import issue_token
from omnistake.api.server import ApiServer
from omnistake.service import LedgerService


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = ManualClock(T0)
    service = LedgerService.open(db_url(tmp_path), clock)
    tokens = {}
    for who, principal in PRINCIPALS.items():
        tokens[who], _ = issue_token(service.store, Principal.parse(principal), now=T0)
    server = ApiServer(service, listen="127.0.0.1:0")
    port = await server.start()
    w = World(server, service, clock, port, tokens)
    try:
        yield w
    finally:
        for client in w.clients:
            await client.close()
        await server.stop(0)
        service.close()
