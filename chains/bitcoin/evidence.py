"""The ``eots-double-sign`` evidence verifier and the evidence encoding.

Evidence is two EOTS signatures by one finality provider at one height over different
blocks, encoded as UTF-8 JSON of hex strings (``fp_pk``, ``pub_rand``, ``app_hash_a``,
``sig_a``, ``app_hash_b``, ``sig_b``) and the decimal ``height``. The verifier checks both
signatures and names the offender by its x-only key; extracting the key and completing the
slashing transactions is the adapter's job (:meth:`BitcoinAdapter.execute_slash`).
"""

from __future__ import annotations

import hashlib
import json

from omnistake.errors import OmnistakeError
from omnistake.plugins.records import Offence

from .eots import eots_verify
from .errors import BitcoinError
from .slasher import EquivocationEvidence

KIND = "eots-double-sign"
_FIELDS = ("fp_pk", "pub_rand", "app_hash_a", "sig_a", "app_hash_b", "sig_b")


class InvalidEvidence(OmnistakeError):
    """Slashing evidence that is malformed or does not prove an offence (``cause`` names
    the precise check)."""

    reason = "INVALID_EVIDENCE"
    kind = "invalid_argument"


def encode_evidence(evidence: EquivocationEvidence) -> bytes:
    """The wire form of an equivocation (UTF-8 JSON of hex strings)."""
    body = {name: getattr(evidence, name).hex() for name in _FIELDS}
    body["height"] = str(evidence.height)
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def decode_evidence(data: bytes) -> EquivocationEvidence:
    """Parse :func:`encode_evidence` output; raises :class:`InvalidEvidence`."""
    try:
        body = json.loads(data.decode())
        values = {name: bytes.fromhex(body[name]) for name in _FIELDS}
        height = int(body["height"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidEvidence(f"malformed evidence: {exc}", cause="MALFORMED_EVIDENCE") from None
    if height < 0 or len(values["fp_pk"]) != 32:
        raise InvalidEvidence("bad height or key length", cause="MALFORMED_EVIDENCE")
    return EquivocationEvidence(height=height, **values)


def evidence_digest(data: bytes) -> str:
    """SHA-256 hex of the canonical evidence (stable ids for slashes it leads to)."""
    return hashlib.sha256(encode_evidence(decode_evidence(data))).hexdigest()


def check_equivocation(evidence: EquivocationEvidence) -> None:
    """Both signatures verify, over different blocks: raise :class:`InvalidEvidence` if not."""
    if evidence.app_hash_a == evidence.app_hash_b:
        raise InvalidEvidence("both signatures sign the same block", cause="SAME_BLOCK")
    try:
        for app_hash, sig in (
            (evidence.app_hash_a, evidence.sig_a),
            (evidence.app_hash_b, evidence.sig_b),
        ):
            if not eots_verify(evidence.fp_pk, evidence.pub_rand, evidence.height, app_hash, sig):
                raise InvalidEvidence(
                    "an EOTS signature does not verify under the FP key and public randomness",
                    cause="BAD_EOTS_SIGNATURE",
                )
    except BitcoinError as exc:
        raise InvalidEvidence(exc.message, cause=exc.reason) from None


class EotsDoubleSignVerifier:
    """:class:`~omnistake.plugins.EvidenceVerifier` for ``eots-double-sign`` on ``bip122``.

    The offence names the FP by its x-only key (hex) in ``operator``; map it to the hub
    operator with the operator's ``bip122`` key. ``at`` is the consumer-chain height the FP
    signed twice.
    """

    async def verify(self, evidence: bytes) -> Offence:
        """Return the verified offence, or raise :class:`InvalidEvidence`."""
        parsed = decode_evidence(evidence)
        check_equivocation(parsed)
        return Offence(
            kind=KIND,
            operator=parsed.fp_pk.hex(),
            at=parsed.height,
            digest=hashlib.sha256(encode_evidence(parsed)).hexdigest(),
            detail={"fp_pk": parsed.fp_pk.hex(), "height": str(parsed.height)},
        )
