"""The ledger: a deterministic state machine of commands, events and state."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from omnistake.clock import Clock, SystemClock
from omnistake.errors import InvalidArgument, OmnistakeError
from omnistake.ledger.apply import APPLIERS
from omnistake.ledger.commands import Command
from omnistake.ledger.events import Event
from omnistake.ledger.handlers import HANDLERS, Context
from omnistake.ledger.queries import LedgerQueries
from omnistake.ledger.shape import check_shape
from omnistake.ledger.state import LedgerState
from omnistake.principals import Principal


@dataclass(frozen=True, slots=True)
class Recorded:
    """An event with its position in the ledger's history (1, 2, 3, ...)."""

    seq: int
    event: Event


Listener = Callable[[Recorded], None]


class Ledger(LedgerQueries):
    """Keeps the books of restaked collateral.

    ``execute`` validates a command against state; a rejected command raises a typed
    :class:`~omnistake.errors.OmnistakeError` and changes nothing, an accepted one becomes
    events, and only applying events changes state. Replaying the same events on any machine
    gives the same :meth:`state_hash`.
    """

    def __init__(self, clock: Clock | None = None, state: LedgerState | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self.state = state or LedgerState()
        self._listeners: list[Listener] = []

    @property
    def seq(self) -> int:
        """Sequence number of the last applied event (0 when empty)."""
        return self.state.seq

    def decide(
        self, command: Command, *, principal: Principal, at: int | None = None
    ) -> list[Event]:
        """Validate ``command`` and return the events it would produce, changing nothing."""
        handler = HANDLERS.get(type(command))
        if handler is None:
            raise TypeError(f"not a ledger command: {type(command).__name__}")
        when = self.clock.now() if at is None else at
        if isinstance(when, bool) or not isinstance(when, int) or when < 0:
            raise InvalidArgument("at must be a non-negative integer timestamp", field="at")
        check_shape(command)
        return handler(Context(self.state, principal, when), command)

    def execute(
        self, command: Command, *, principal: Principal, at: int | None = None
    ) -> list[Recorded]:
        """Validate and apply ``command`` as ``principal`` at ``at`` (default: the clock's
        now). Returns the recorded events."""
        return [self.apply(event) for event in self.decide(command, principal=principal, at=at)]

    def apply(self, event: Event, seq: int | None = None) -> Recorded:
        """Apply one event (from a handler, or from a log being replayed)."""
        expected = self.state.seq + 1
        if seq is not None and seq != expected:
            raise ValueError(f"event {seq} out of order: the ledger expects event {expected}")
        APPLIERS[type(event)](self.state, event)
        self.state.seq = expected
        recorded = Recorded(expected, event)
        for listener in self._listeners:
            listener(recorded)
        return recorded

    def replay(self, events: Iterable[Event | Recorded]) -> None:
        """Apply a history of events in order."""
        for item in events:
            if isinstance(item, Recorded):
                self.apply(item.event, item.seq)
            else:
                self.apply(item)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event applied from now on; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def state_hash(self) -> str:
        """SHA-256 (hex) of the canonical form of the whole state."""
        return state_hash(self.state)

    @classmethod
    def from_events(cls, events: Iterable[Event | Recorded], clock: Clock | None = None) -> Ledger:
        """A ledger rebuilt from a history."""
        ledger = cls(clock)
        ledger.replay(events)
        return ledger


def canonical_state(state: LedgerState) -> bytes:
    """Canonical JSON bytes of a state (sorted keys, no spaces)."""
    return json.dumps(state.dump(), sort_keys=True, separators=(",", ":")).encode()


def state_hash(state: LedgerState) -> str:
    """SHA-256 (hex) of :func:`canonical_state`."""
    return hashlib.sha256(canonical_state(state)).hexdigest()


__all__ = ["Ledger", "OmnistakeError", "Recorded", "canonical_state", "state_hash"]
