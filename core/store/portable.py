"""The portable history file: the full event log and request journal of a store as JSON
Lines (gzip-compressed when the name ends in ``.gz``), so a history can move between
databases and be audited anywhere.

Line 1 is a header; then one line per event (``{"k":"e","seq":..,"body":..,"checksum":..}``,
the body being the event's canonical JSON) and one per journaled request (``"k":"r"``); the
last line (``"k":"end"``) holds the counts, the state hash the history gives and the SHA-256
of every line before it. :func:`verify_file` replays the file from nothing and checks all of
it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from omnistake.ledger.events import Event
from omnistake.ledger.ledger import Ledger, Recorded
from omnistake.store.base import Batch, RequestRecord, Store
from omnistake.store.errors import (
    BadHistoryFile,
    CorruptRecord,
    CorruptSnapshot,
    NotWriter,
    StoreNotEmpty,
)
from omnistake.store.schema import event_checksum

FORMAT = "omnistake-history"
VERSION = 1


@dataclass(frozen=True, slots=True)
class HistoryReport:
    """What a verification, export or import covered."""

    events: int
    requests: int
    state_hash: str
    snapshot_checked: bool = False


@contextmanager
def _open(path: Path, mode: str, gz: bool | None = None) -> Iterator[IO[str]]:
    if path.suffix == ".gz" if gz is None else gz:
        with gzip.open(path, mode + "t", encoding="utf-8") as f:
            yield f  # type: ignore[misc]
    else:
        with path.open(mode, encoding="utf-8") as f:
            yield f


def _line(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n"


def export_history(store: Store, path: Path) -> HistoryReport:
    """Write the store's whole history to ``path`` (replaying it to record the state hash)."""
    ledger = Ledger()
    digest = hashlib.sha256()
    last = store.last_seq()
    requests = 0
    tmp = path.with_name(path.name + ".part")
    with _open(tmp, "w", gz=path.suffix == ".gz") as f:

        def put(value: dict[str, Any]) -> None:
            text = _line(value)
            digest.update(text.encode())
            f.write(text)

        put({"k": "header", "format": FORMAT, "version": VERSION})
        for record in store.read_events(0, last):
            body = record.event.to_json()
            put(
                {
                    "k": "e",
                    "seq": record.seq,
                    "body": body,
                    "checksum": event_checksum(record.seq, body),
                }
            )
            ledger.apply(record.event, record.seq)
        for request in store.journal():
            if request.last_seq > last:
                break
            put({"k": "r", **asdict(request)})
            requests += 1
        state = ledger.state_hash()
        f.write(
            _line(
                {
                    "k": "end",
                    "events": last,
                    "requests": requests,
                    "state_hash": state,
                    "digest": digest.hexdigest(),
                }
            )
        )
    tmp.replace(path)
    return HistoryReport(last, requests, state)


def read_history(path: Path) -> tuple[list[Recorded], list[RequestRecord], HistoryReport]:
    """Read and check a history file: header, per-event checksums and order, the digest and
    the state hash of a replay from nothing. Raises :class:`BadHistoryFile` or
    :class:`CorruptRecord`."""
    if not path.is_file():
        raise BadHistoryFile(f"no history file at {path}", field="file")
    digest = hashlib.sha256()
    records: list[Recorded] = []
    requests: list[RequestRecord] = []
    ledger = Ledger()
    end: dict[str, Any] | None = None
    try:
        with _open(path, "r") as f:
            for n, text in enumerate(f, 1):
                if end is not None:
                    raise BadHistoryFile(f"{path}: data after the end line (line {n})")
                try:
                    item = json.loads(text)
                except ValueError:
                    raise BadHistoryFile(f"{path}: line {n} is not JSON (torn file?)") from None
                kind = item.get("k") if isinstance(item, dict) else None
                if n == 1:
                    if kind != "header" or item.get("format") != FORMAT:
                        raise BadHistoryFile(f"{path}: not an omnistake history file")
                    if item.get("version") != VERSION:
                        raise BadHistoryFile(f"{path}: unsupported version {item.get('version')}")
                elif kind == "e":
                    records.append(_event(item, ledger.seq + 1))
                    ledger.apply(records[-1].event, records[-1].seq)
                elif kind == "r":
                    fields = {k: v for k, v in item.items() if k != "k"}
                    requests.append(RequestRecord(**fields))
                elif kind == "end":
                    end = item
                    continue
                else:
                    raise BadHistoryFile(f"{path}: unknown line kind {kind!r} (line {n})")
                digest.update(text.encode())
    except (OSError, EOFError, UnicodeDecodeError, TypeError) as exc:
        raise BadHistoryFile(f"{path}: cannot be read: {exc}") from None
    if end is None:
        raise BadHistoryFile(f"{path}: the end line is missing (truncated file)")
    if end.get("digest") != digest.hexdigest():
        raise BadHistoryFile(f"{path}: digest mismatch (the file was altered)")
    if end.get("events") != len(records) or end.get("requests") != len(requests):
        raise BadHistoryFile(f"{path}: counts in the end line do not match its content")
    state = ledger.state_hash()
    if end.get("state_hash") != state:
        raise BadHistoryFile(
            f"{path}: replay gives state hash {state}, the file records {end.get('state_hash')}"
        )
    return records, requests, HistoryReport(len(records), len(requests), state)


def _event(item: dict[str, Any], expected: int) -> Recorded:
    seq, body, checksum = item.get("seq"), item.get("body"), item.get("checksum")
    if seq != expected:
        raise CorruptRecord(expected, f"the file has event {seq} where {expected} belongs")
    if not isinstance(body, str) or event_checksum(expected, body) != checksum:
        raise CorruptRecord(expected, "checksum mismatch in the history file")
    try:
        return Recorded(expected, Event.from_json(body))
    except (ValueError, TypeError, KeyError) as exc:
        raise CorruptRecord(expected, f"body does not decode: {exc}") from None


def verify_file(path: Path) -> HistoryReport:
    """Replay a history file from nothing; returns its counts and state hash."""
    return read_history(path)[2]


def import_history(store: Store, path: Path) -> HistoryReport:
    """Load a verified history file into an empty store, in one transaction."""
    records, requests, report = read_history(path)
    if not store.acquire_writer("omnistake import"):
        raise NotWriter(store.writer())
    if store.last_seq() or store.journal_length():
        raise StoreNotEmpty(
            f"the target database already holds {store.last_seq()} events; import needs an "
            "empty one"
        )
    store.append([Batch(records, None), *(Batch([], r) for r in requests)])
    return report


def verify_store(store: Store) -> HistoryReport:
    """Replay a live store's log from nothing (ignoring snapshots) and return its state hash;
    the latest snapshot's recorded hash is checked against the replay at its seq."""
    snapshot = store.latest_snapshot()
    ledger = Ledger()
    checked = False
    if snapshot is not None and snapshot.seq == 0:
        checked = True
    for record in store.read_events(0):
        ledger.apply(record.event, record.seq)
        if snapshot is not None and record.seq == snapshot.seq:
            if ledger.state_hash() != snapshot.state_hash:
                raise CorruptSnapshot(
                    f"snapshot at event {snapshot.seq} differs from a replay of the log"
                )
            checked = True
    return HistoryReport(ledger.seq, store.journal_length(), ledger.state_hash(), checked)


__all__ = [
    "HistoryReport",
    "export_history",
    "import_history",
    "read_history",
    "verify_file",
    "verify_store",
]
