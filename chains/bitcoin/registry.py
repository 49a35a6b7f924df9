"""The adapter's durable state: registered finality providers and verified delegations.

A self-custodial chain has nothing on chain that says "this output is a delegation to that
vault": the staker hands the hub its staking transaction with the pre-signed unbonding and
slashing transactions, and the hub must keep that material (to follow the delegation and to
slash it later). :class:`StakingRegistry` keeps it in memory and, with a ``path``, in a JSON
file rewritten atomically on every change, so a restarted adapter (or a second adapter on
the same chain) sees the same delegations and derives the same facts.

Every delegation stores ``registered_height``: the finalized Bitcoin height the adapter knew
when it accepted the delegation. ``follow`` only emits facts for blocks above it, so the facts
of a block never depend on when the chain is replayed.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from .verifier import CovenantSignatures, InclusionProof, StakingSubmission


class RegistryError(Exception):
    """A registry request that breaks its rules (``reason`` names which)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class FinalityProvider:
    """A finality provider known to the hub: its x-only key, hub operator and vault.

    ``slashed_height`` is the finalized Bitcoin height at which its key was extracted (None
    while it is not slashed); staking txs included above it are never credited.
    """

    fp_pk: bytes
    operator: str
    vault: str
    slashed_height: int | None = None


@dataclass(frozen=True)
class Delegation:
    """A delegation whose pre-signed transactions and covenant signatures were verified."""

    submission: StakingSubmission
    registered_height: int

    @property
    def staking_txid(self) -> str:
        """The staking txid in display (explorer) byte order."""
        from .tx import Transaction

        return Transaction.parse(self.submission.staking_tx).txid


# -- (de)serialising a submission: also the DepositClaim.proof format -------------------------

_SIZES = {"pk": 32, "sig": 64, "presig": 65}


def submission_to_proof(sub: StakingSubmission) -> dict[str, str]:
    """A submission as a map of hex (and decimal) strings: the ``DepositClaim.proof`` format.

    Covenant signatures are concatenated per member: ``pk(32) | unbonding sig(64) | one
    slashing pre-signature(65) per FP | one unbonding-slashing pre-signature(65) per FP``.
    The inclusion proof, when present, is ``block_hash`` (display order), ``tx_index`` and
    ``merkle_proof`` (32-byte nodes, internal order, concatenated).
    """
    covenants = b"".join(
        c.covenant_pk
        + c.unbonding_sig
        + b"".join(c.slashing_adaptor_sigs)
        + b"".join(c.unbonding_slashing_adaptor_sigs)
        for c in sub.covenant_sigs
    )
    out = {
        "staker_pk": sub.staker_pk.hex(),
        "fp_pks": b"".join(sub.fp_pks).hex(),
        "staking_time": str(sub.staking_time),
        "staking_value": str(sub.staking_value),
        "staking_tx": sub.staking_tx.hex(),
        "slashing_tx": sub.slashing_tx.hex(),
        "staker_slashing_sig": sub.staker_slashing_sig.hex(),
        "unbonding_time": str(sub.unbonding_time),
        "unbonding_value": str(sub.unbonding_value),
        "unbonding_tx": sub.unbonding_tx.hex(),
        "unbonding_slashing_tx": sub.unbonding_slashing_tx.hex(),
        "staker_unbonding_slashing_sig": sub.staker_unbonding_slashing_sig.hex(),
        "covenant_sigs": covenants.hex(),
    }
    if sub.inclusion is not None:
        out["block_hash"] = sub.inclusion.block_hash[::-1].hex()
        out["tx_index"] = str(sub.inclusion.index)
        out["merkle_proof"] = b"".join(sub.inclusion.proof).hex()
    return out


def _chunks(data: bytes, size: int, what: str) -> list[bytes]:
    if len(data) % size:
        raise RegistryError("MALFORMED_PROOF", f"{what} is not a multiple of {size} bytes")
    return [data[i : i + size] for i in range(0, len(data), size)]


def submission_from_proof(proof: Mapping[str, str]) -> StakingSubmission:
    """Inverse of :func:`submission_to_proof`; raises :class:`RegistryError` when malformed."""
    try:

        def raw(key: str) -> bytes:
            return bytes.fromhex(proof[key])

        fp_pks = tuple(_chunks(raw("fp_pks"), 32, "fp_pks"))
        if not fp_pks:
            raise RegistryError("MALFORMED_PROOF", "fp_pks is empty")
        member = 32 + 64 + 2 * 65 * len(fp_pks)
        covenants = []
        for chunk in _chunks(raw("covenant_sigs"), member, "covenant_sigs"):
            n = len(fp_pks)
            pres = _chunks(chunk[96:], 65, "pre-signatures")
            covenants.append(
                CovenantSignatures(chunk[:32], chunk[32:96], tuple(pres[:n]), tuple(pres[n:]))
            )
        inclusion = None
        if "block_hash" in proof:
            inclusion = InclusionProof(
                raw("block_hash")[::-1],
                int(proof["tx_index"]),
                tuple(_chunks(raw("merkle_proof"), 32, "merkle_proof")),
            )
        return StakingSubmission(
            staker_pk=raw("staker_pk"),
            fp_pks=fp_pks,
            staking_time=int(proof["staking_time"]),
            staking_value=int(proof["staking_value"]),
            staking_tx=raw("staking_tx"),
            slashing_tx=raw("slashing_tx"),
            staker_slashing_sig=raw("staker_slashing_sig"),
            unbonding_time=int(proof["unbonding_time"]),
            unbonding_value=int(proof["unbonding_value"]),
            unbonding_tx=raw("unbonding_tx"),
            unbonding_slashing_tx=raw("unbonding_slashing_tx"),
            staker_unbonding_slashing_sig=raw("staker_unbonding_slashing_sig"),
            covenant_sigs=tuple(covenants),
            inclusion=inclusion,
        )
    except KeyError as exc:
        raise RegistryError("MALFORMED_PROOF", f"proof lacks {exc.args[0]!r}") from None
    except ValueError as exc:
        raise RegistryError("MALFORMED_PROOF", f"proof holds a malformed value: {exc}") from None


# -- the registry -----------------------------------------------------------------------------


def _stamp(path: Path) -> tuple[int, int, int]:
    """Changes on every rewrite (os.replace gives the file a new inode)."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


class StakingRegistry:
    """Finality providers and delegations, in memory or write-through to a JSON file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._fps: dict[bytes, FinalityProvider] = {}
        self._delegations: dict[str, Delegation] = {}
        self._pending: dict[str, StakingSubmission] = {}
        self._stamp: tuple[int, int, int] | None = None
        #: Bumped on every change (and reload): callers cache derived indexes by it.
        self.version = 0
        if self.path is not None and self.path.exists():
            self._load()

    def refresh(self) -> None:
        """Re-read the file if another registry object (or process) rewrote it. Readers call
        this before every lookup; there must be one writer at a time."""
        if self.path is None:
            return
        try:
            stamp = _stamp(self.path)
        except FileNotFoundError:
            return
        if stamp != self._stamp:
            with self._lock:
                self._fps.clear()
                self._delegations.clear()
                self._pending.clear()
                self._load()

    # -- finality providers ------------------------------------------------------------------

    def add_finality_provider(self, fp: FinalityProvider) -> FinalityProvider:
        """Register an FP (idempotent for the same operator and vault)."""
        self.refresh()
        with self._lock:
            known = self._fps.get(fp.fp_pk)
            if known is not None:
                if (known.operator, known.vault) != (fp.operator, fp.vault):
                    raise RegistryError(
                        "FP_ALREADY_REGISTERED", "this key belongs to another operator or vault"
                    )
                return known
            for other in self._fps.values():
                if other.operator == fp.operator or other.vault == fp.vault:
                    raise RegistryError(
                        "FP_ALREADY_REGISTERED", "operator or vault already has another FP key"
                    )
            self._fps[fp.fp_pk] = fp
            self._save()
            return fp

    def finality_provider(self, fp_pk: bytes) -> FinalityProvider | None:
        """The FP with this key, if registered."""
        self.refresh()
        return self._fps.get(fp_pk)

    def finality_providers(self) -> list[FinalityProvider]:
        """Every registered FP."""
        self.refresh()
        return list(self._fps.values())

    def mark_slashed(self, fp_pk: bytes, height: int) -> FinalityProvider:
        """Record that the FP's key was extracted at finalized height ``height`` (first wins)."""
        self.refresh()
        with self._lock:
            fp = self._fps.get(fp_pk)
            if fp is None:
                raise RegistryError("UNKNOWN_FINALITY_PROVIDER", "no FP with this key")
            if fp.slashed_height is None:
                fp = replace(fp, slashed_height=height)
                self._fps[fp_pk] = fp
                self._save()
            return fp

    # -- delegations -------------------------------------------------------------------------

    def add_delegation(self, delegation: Delegation) -> Delegation:
        """Keep a verified delegation (the first registration of a staking tx wins)."""
        txid = delegation.staking_txid
        self.refresh()
        with self._lock:
            known = self._delegations.get(txid)
            if known is not None:
                return known
            stored = replace(delegation, submission=replace(delegation.submission, inclusion=None))
            self._delegations[txid] = stored
            self._save()
            return stored

    def delegation(self, staking_txid: str) -> Delegation | None:
        """The delegation of a staking txid (display order), if registered."""
        self.refresh()
        return self._delegations.get(staking_txid)

    def delegations(self) -> Iterator[Delegation]:
        """Every delegation, in registration order."""
        self.refresh()
        return iter(list(self._delegations.values()))

    def delegations_of(self, fp_pk: bytes) -> list[Delegation]:
        """Delegations to one FP."""
        self.refresh()
        return [d for d in self._delegations.values() if fp_pk in d.submission.fp_pks]

    # -- delegations waiting for covenant signatures ---------------------------------------

    def set_pending(self, staking_txid: str, submission: StakingSubmission) -> None:
        """Keep (or update) a submission that lacks the covenant quorum."""
        self.refresh()
        with self._lock:
            self._pending[staking_txid] = replace(submission, inclusion=None)
            self._save()

    def pending(self, staking_txid: str) -> StakingSubmission | None:
        """A submission still collecting covenant signatures, if any."""
        self.refresh()
        return self._pending.get(staking_txid)

    def promote(self, delegation: Delegation) -> Delegation:
        """Move a submission that reached its quorum into the delegations."""
        self.refresh()
        with self._lock:
            self._pending.pop(delegation.staking_txid, None)
        stored = self.add_delegation(delegation)
        with self._lock:
            self._save()
        return stored

    # -- persistence -------------------------------------------------------------------------

    def _save(self) -> None:
        self.version += 1
        if self.path is None:
            return
        data = {
            "finality_providers": [
                {
                    "fp_pk": fp.fp_pk.hex(),
                    "operator": fp.operator,
                    "vault": fp.vault,
                    "slashed_height": fp.slashed_height,
                }
                for fp in self._fps.values()
            ],
            "delegations": [
                {"registered_height": d.registered_height, **submission_to_proof(d.submission)}
                for d in self._delegations.values()
            ],
            "pending": [submission_to_proof(sub) for sub in self._pending.values()],
        }
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, self.path)
        self._stamp = _stamp(self.path)

    def _load(self) -> None:
        assert self.path is not None
        self.version += 1
        self._stamp = _stamp(self.path)
        data = json.loads(self.path.read_text())
        for item in data.get("finality_providers", []):
            fp = FinalityProvider(
                bytes.fromhex(item["fp_pk"]),
                item["operator"],
                item["vault"],
                item["slashed_height"],
            )
            self._fps[fp.fp_pk] = fp
        for item in data.get("delegations", []):
            height = int(item.pop("registered_height"))
            d = Delegation(submission_from_proof(item), height)
            self._delegations[d.staking_txid] = d
        for item in data.get("pending", []):
            sub = submission_from_proof(item)
            self._pending[Delegation(sub, -1).staking_txid] = sub
