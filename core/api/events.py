"""Servicers: the event feed (list, watch, state hash) and token administration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from omnistake.api import auth
from omnistake.api.convert import decode_page_token, encode_page_token, event_to_proto, page_size
from omnistake.api.rpc import Call, ServiceDef, reading
from omnistake.errors import InvalidArgument, NotFound, Unauthorized
from omnistake.principals import Principal, Role
from omnistake.v1 import admin_pb2, events_pb2

events = ServiceDef(events_pb2, "EventService")
admin = ServiceDef(admin_pb2, "AdminService")


@events.stream("WatchEvents")
async def watch_events(request: Any, call: Call) -> AsyncIterator[events_pb2.WatchEventsResponse]:
    feed = call.service.watch(request.after_seq)
    try:
        async for record in feed:
            yield events_pb2.WatchEventsResponse(event=event_to_proto(record))
    finally:
        await feed.aclose()  # type: ignore[attr-defined]


@events.unary("ListEvents")
async def list_events(request: Any, call: Call) -> events_pb2.ListEventsResponse:
    limit = page_size(request.page_size)
    after = decode_page_token(request.page_token)
    cursor = int(after) if after is not None and after.isdigit() else request.after_seq
    records = await asyncio.to_thread(call.service.events_since, cursor, limit + 1)
    more = len(records) > limit
    records = records[:limit]
    token = encode_page_token(str(records[-1].seq)) if more and records else ""
    return events_pb2.ListEventsResponse(
        events=[event_to_proto(r) for r in records], next_page_token=token
    )


@events.unary("GetStateHash")
async def get_state_hash(request: Any, call: Call) -> events_pb2.GetStateHashResponse:
    with reading(call):
        ledger = call.service.ledger
        return events_pb2.GetStateHashResponse(seq=ledger.seq, state_hash=ledger.state_hash())


async def _require_admin(call: Call) -> Principal:
    principal = await call.principal()
    if principal.role is not Role.ADMIN:
        raise Unauthorized("only an admin manages API tokens", principal=str(principal))
    return principal


@admin.unary("IssueToken")
async def issue_token(request: Any, call: Call) -> admin_pb2.IssueTokenResponse:
    await _require_admin(call)
    principal = Principal.parse(request.principal)
    ttl = request.ttl_seconds if request.HasField("ttl_seconds") else 0
    if ttl < 0:
        raise InvalidArgument("ttl_seconds must not be negative", field="ttl_seconds")
    token, record = await asyncio.to_thread(
        auth.issue_token, call.service.store, principal, now=call.api.now(), ttl_seconds=ttl
    )
    out = admin_pb2.IssueTokenResponse(
        token=token, token_hash=record.token_hash, principal=record.principal
    )
    if record.expires_at is not None:
        out.expires_at = record.expires_at
    return out


@admin.unary("RevokeToken")
async def revoke_token(request: Any, call: Call) -> admin_pb2.RevokeTokenResponse:
    await _require_admin(call)
    digest = request.token_hash.lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidArgument("token_hash must be a SHA-256 hex digest", field="token_hash")
    if await asyncio.to_thread(call.service.store.find_token, digest) is None:
        raise NotFound("no token with that hash", field="token_hash")
    await asyncio.to_thread(call.service.store.revoke_token, digest)
    return admin_pb2.RevokeTokenResponse()
