"""The Bitcoin chain adapter: Babylon-style self-custodial staking through the core.

Custody is self-custodial: every staker keeps its coins in its own Taproot staking output.
Each finality provider (FP) is a hub operator with an ``operator_specific`` vault of asset
``bip122:<genesis-prefix>/slip44:0`` (8 decimals) whose clock domain is this chain's CAIP-2 id,
so only this adapter (as ``SYSTEM``) changes it, at monotone chain time
(``max(block time, previous)``: Bitcoin block times are not monotone).

- A delegation is a ``Deposit`` of its staking amount (sats) for the staker account
  ``bip122:<ref>:<staker x-only key hex>``, once the staking tx has ``k`` confirmations.
- Unbonding, timelock expiry and on-chain slashing each end a delegation with one ``Redeem``
  of exactly its shares. Shares equal sats for every delegation: deposits only happen before
  the FP is slashed (the vault's share price is 1:1 until then, and only this adapter writes
  the vault), so the adapter needs no share book of its own.
- Facts are derived from the chain and the :class:`~.registry.StakingRegistry` only; their
  ids come from the staking txid (``<chain>:stake:<txid>``, ``<chain>:exit:<txid>``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from omnistake.errors import OmnistakeError
from omnistake.ledger.commands import Deposit, Redeem
from omnistake.plugins.errors import DepositRejected, Unsupported
from omnistake.plugins.records import (
    AssetInfo,
    BlockRef,
    ChainFact,
    ChainInfo,
    ChainUpdate,
    Cursor,
    Custody,
    DepositClaim,
    Finalized,
    OutcomeStatus,
    PayoutInstruction,
    PayoutOutcome,
    RolledBack,
    SlashInstruction,
    SlashOutcome,
    SyncStatus,
    VerifiedDeposit,
)

from .backend_api import BitcoinBackend, sync_header_chain
from .block import Block
from .errors import BitcoinError
from .evidence import InvalidEvidence, check_equivocation, decode_evidence
from .merkle import merkle_root
from .params import StakingParams
from .registry import (
    Delegation,
    FinalityProvider,
    RegistryError,
    StakingRegistry,
    submission_from_proof,
)
from .slasher import CompletedSlashingTx, SlashingFailure, slash_finality_provider
from .spv import NETWORKS, REGTEST, HeaderChain, HeaderEntry, NetworkParams
from .tx import OutPoint, Transaction
from .verifier import (
    CovenantSignatures,
    StakingSubmission,
    StakingVerifier,
    VerifiedStakingDelegation,
)

DEFAULT_DEPTH = 6
DECIMALS = 8


class BitcoinAdapterError(OmnistakeError):
    """The chain or the backend broke a rule the adapter relies on (``cause`` names it)."""

    reason = "BITCOIN_CHAIN_ERROR"
    kind = "failed_precondition"


def chain_id_for(network: NetworkParams) -> str:
    """CAIP-2 id: ``bip122:`` + the first 32 hex characters of the genesis hash."""
    return "bip122:" + network.genesis_hash_hex[:32]


def native_asset(chain_id: str) -> str:
    """CAIP-19 id of BTC on the chain."""
    return f"{chain_id}/slip44:0"


def staker_account(chain_id: str, staker_pk: bytes) -> str:
    """CAIP-10 account of a staker: its x-only key in hex."""
    return f"{chain_id}:{staker_pk.hex()}"


def _display(hash_bytes: bytes) -> str:
    return hash_bytes[::-1].hex()


@dataclass(frozen=True)
class _Tracked:
    """What follow() needs of a delegation, parsed once."""

    txid: str
    txid_bytes: bytes
    outpoint: OutPoint
    amount: int
    staker_pk: bytes
    fp_pk: bytes
    staking_time: int
    unbonding_time: int
    unbonding_txid: bytes
    slashing_txid: bytes
    unbonding_slashing_txid: bytes
    registered_height: int

    @classmethod
    def of(cls, d: Delegation) -> _Tracked:
        sub = d.submission
        staking = Transaction.parse(sub.staking_tx)
        unbonding = Transaction.parse(sub.unbonding_tx)
        return cls(
            txid=staking.txid,
            txid_bytes=staking.txid_bytes,
            outpoint=unbonding.inputs[0].prevout,
            amount=sub.staking_value,
            staker_pk=sub.staker_pk,
            fp_pk=sub.fp_pks[0],
            staking_time=sub.staking_time,
            unbonding_time=sub.unbonding_time,
            unbonding_txid=unbonding.txid_bytes,
            slashing_txid=Transaction.parse(sub.slashing_tx).txid_bytes,
            unbonding_slashing_txid=Transaction.parse(sub.unbonding_slashing_tx).txid_bytes,
            registered_height=d.registered_height,
        )


@dataclass(frozen=True)
class _Index:
    """Tracked delegations indexed for the per-block scan (rebuilt when the registry
    changes)."""

    version: int
    by_id: dict[str, _Tracked]
    by_txid: dict[bytes, _Tracked]
    by_outpoint: dict[OutPoint, _Tracked]
    by_registered: dict[int, list[_Tracked]]


@dataclass(frozen=True)
class EquivocationSlash:
    """What :meth:`BitcoinAdapter.slash_equivocation` did: the slashing txs it completed,
    validated and broadcast, the ones that failed (never broadcast), and broadcast errors."""

    fp: FinalityProvider
    broadcast: tuple[CompletedSlashingTx, ...]
    failures: tuple[SlashingFailure, ...]
    rejected_by_backend: tuple[tuple[str, str], ...] = ()


class BitcoinAdapter:
    """A :class:`~omnistake.plugins.ChainAdapter` for one Bitcoin network (self-custodial)."""

    def __init__(
        self,
        backend: BitcoinBackend,
        params: StakingParams,
        registry: StakingRegistry | None = None,
        *,
        network: NetworkParams = REGTEST,
        confirmation_depth: int = DEFAULT_DEPTH,
        start_height: int = 0,
        poll_interval: float = 1.0,
        owns_backend: bool = False,
    ) -> None:
        if confirmation_depth < 0 or start_height < 0:
            raise BitcoinAdapterError(
                "confirmation_depth and start_height must be >= 0", cause="BAD_OPTION"
            )
        self.backend = backend
        self.params = params
        self.registry = registry if registry is not None else StakingRegistry()
        self.network = network
        self.chain_id = chain_id_for(network)
        self.depth = confirmation_depth
        self.start_height = start_height
        self.poll_interval = poll_interval
        self._headers: HeaderChain | None = None
        self._sync_lock = asyncio.Lock()
        self._mono: dict[bytes, int] = {}
        self._tracked: dict[bytes, _Tracked] = {}
        self._included: dict[str, tuple[int, bytes]] = {}
        self._expiring: dict[int, set[str]] = {}
        self._index: _Index | None = None
        self._slashes: dict[str, SlashOutcome] = {}
        self.slash_reports: dict[str, EquivocationSlash] = {}
        self.owns_backend = owns_backend
        self.closed = False

    @classmethod
    def from_options(cls, chain_id: str, options: Mapping[str, Any]) -> BitcoinAdapter:
        """The plugin factory. ``options``: ``backend`` (a BitcoinBackend) or ``rpc_url``
        (+ ``rpc_user``, ``rpc_password``) or ``esplora_url``; ``params`` (StakingParams,
        default Babylon's); ``registry`` (a StakingRegistry) or ``registry_path``;
        ``network`` (``mainnet``/``testnet3``/``signet``/``regtest``, default: the one whose
        genesis matches ``chain_id``); ``confirmation_depth``; ``start_height``;
        ``poll_interval`` (seconds)."""
        network = _network_for(chain_id, options.get("network"))
        backend = options.get("backend")
        owns = backend is None
        if backend is None:
            from .http_backends import BitcoindRpcBackend, EsploraBackend

            if "rpc_url" in options:
                user, password = options.get("rpc_user"), options.get("rpc_password")
                backend = BitcoindRpcBackend(
                    str(options["rpc_url"]),
                    None if user is None else str(user),
                    None if password is None else str(password),
                )
            elif "esplora_url" in options:
                backend = EsploraBackend(str(options["esplora_url"]))
            else:
                raise BitcoinAdapterError(
                    "give a backend, rpc_url or esplora_url", cause="NO_BACKEND"
                )
        if not isinstance(backend, BitcoinBackend):
            raise BitcoinAdapterError("backend is not a BitcoinBackend", cause="BAD_OPTION")
        params = options.get("params") or StakingParams.babylon_defaults()
        if not isinstance(params, StakingParams):
            raise BitcoinAdapterError("params must be StakingParams", cause="BAD_OPTION")
        registry = options.get("registry")
        if registry is None:
            registry = StakingRegistry(options.get("registry_path"))
        if not isinstance(registry, StakingRegistry):
            raise BitcoinAdapterError("registry must be a StakingRegistry", cause="BAD_OPTION")
        return cls(
            backend,
            params,
            registry,
            network=network,
            confirmation_depth=int(options.get("confirmation_depth", DEFAULT_DEPTH)),
            start_height=int(options.get("start_height", 0)),
            poll_interval=float(options.get("poll_interval", 1.0)),
            owns_backend=owns,
        )

    # -- describing --------------------------------------------------------------------------

    @property
    def asset_id(self) -> str:
        """CAIP-19 id of BTC on this chain."""
        return native_asset(self.chain_id)

    def account(self, staker_pk: bytes) -> str:
        """The ledger account of a staker key."""
        return staker_account(self.chain_id, staker_pk)

    async def describe(self) -> ChainInfo:
        return ChainInfo(
            chain_id=self.chain_id,
            name=f"Bitcoin {self.network.name} (Babylon-style self-custodial staking)",
            custody=Custody.SELF_CUSTODIAL,
            confirmation_depth=self.depth,
            native_asset=self.asset_id,
            block_time_seconds=600,
            capabilities={
                "follow": True,
                "reorgs": True,
                "verify_deposit": True,
                "execute_slash": True,
                "execute_payout": False,
                "native_slashing": False,
                "mirrored_vaults": False,
            },
        )

    async def list_assets(self) -> Sequence[AssetInfo]:
        return [AssetInfo(asset_id=self.asset_id, decimals=DECIMALS, symbol="BTC")]

    # -- headers and time --------------------------------------------------------------------

    async def headers(self) -> HeaderChain:
        """The SPV header chain, synced to the backend's tip (every header checked: linkage,
        difficulty, proof of work, median time). Raises ``SpvError`` on a bad header."""
        async with self._sync_lock:
            if self._headers is None:
                base_hash = await self.backend.get_block_hash(self.start_height)
                header = await self.backend.get_header(base_hash)
                if header.hash != base_hash:
                    raise BitcoinAdapterError(
                        "backend's checkpoint header does not hash to its block hash",
                        cause="BAD_CHECKPOINT",
                    )
                if self.start_height == 0 and header.hash_hex != self.network.genesis_hash_hex:
                    raise BitcoinAdapterError(
                        f"backend's genesis is not {self.network.name}'s", cause="WRONG_NETWORK"
                    )
                self._headers = HeaderChain(self.network, header, self.start_height)
            await sync_header_chain(self._headers, self.backend)
            return self._headers

    def _time(self, headers: HeaderChain, entry: HeaderEntry) -> int:
        """Monotone chain time of a block: ``max(its time, its parent's monotone time)``."""
        known = self._mono.get(entry.hash)
        if known is not None:
            return known
        path: list[HeaderEntry] = []
        cur: HeaderEntry | None = entry
        while cur is not None and cur.hash not in self._mono and cur.height > headers.base_height:
            path.append(cur)
            cur = headers.entry(cur.header.prev_hash)
        if cur is None:
            raise BitcoinAdapterError("header has no known ancestor", cause="BAD_LINKAGE")
        t = self._mono.setdefault(cur.hash, cur.header.time)
        for e in reversed(path):
            t = max(e.header.time, t)
            self._mono[e.hash] = t
        return t

    async def block_time(self, block_hash_hex: str) -> int:
        """Monotone chain time of a known block (display-order hash)."""
        headers = await self.headers()
        entry = headers.entry(bytes.fromhex(block_hash_hex)[::-1])
        if entry is None:
            raise BitcoinAdapterError("unknown block", cause="UNKNOWN_BLOCK")
        return self._time(headers, entry)

    def _ref(self, headers: HeaderChain, entry: HeaderEntry) -> BlockRef:
        return BlockRef(entry.height, entry.header.hash_hex, self._time(headers, entry))

    def _main_entry(self, headers: HeaderChain, height: int) -> HeaderEntry:
        block_hash = headers.main_chain_hash(height)
        entry = headers.entry(block_hash) if block_hash is not None else None
        if entry is None:
            raise BitcoinAdapterError(f"no best-chain header at {height}", cause="NO_HEADER")
        return entry

    async def sync_status(self) -> SyncStatus:
        headers = await self.headers()
        tip = headers.tip
        final = tip.height - self.depth
        return SyncStatus(
            chain_id=self.chain_id,
            head=self._ref(headers, tip),
            finalized=(
                self._ref(headers, self._main_entry(headers, final))
                if final >= headers.base_height
                else None
            ),
        )

    # -- following ---------------------------------------------------------------------------

    async def _ancestor(self, headers: HeaderChain, block_hash: bytes) -> HeaderEntry:
        """Highest best-chain block that ``block_hash`` descends from."""
        cur = block_hash
        for _ in range(100_000):
            entry = headers.entry(cur)
            if entry is not None and headers.in_main_chain(cur):
                return entry
            if entry is not None:
                cur = entry.header.prev_hash
                continue
            try:
                cur = (await self.backend.get_header(cur)).prev_hash
            except BitcoinError as exc:
                raise BitcoinAdapterError(
                    f"cannot find where block {_display(cur)[:16]} left the best chain",
                    cause=exc.reason,
                ) from None
        raise BitcoinAdapterError("no common ancestor found", cause="NO_ANCESTOR")

    async def fetch_block(self, headers: HeaderChain, entry: HeaderEntry) -> Block:
        """The full block of a best-chain header; its hash and Merkle root are checked."""
        block = await self.backend.get_block(entry.hash)
        if block.hash != entry.hash:
            raise BitcoinAdapterError("backend served a different block", cause="BLOCK_MISMATCH")
        if merkle_root([t.txid_bytes for t in block.txs]) != block.header.merkle_root:
            raise BitcoinAdapterError(
                "block transactions do not match the header's Merkle root", cause="BAD_MERKLE_ROOT"
            )
        return block

    async def follow(self, cursor: Cursor | None) -> AsyncIterator[ChainUpdate]:
        headers = await self.headers()
        if cursor is None:
            last_height, last_hash = self.start_height - 1, None
        else:
            last_height, last_hash = cursor.height, bytes.fromhex(cursor.block_hash)[::-1]
        yielded: dict[int, tuple[str, ...]] = {}
        seen_tip: bytes | None = None
        await self._refresh_inclusions(headers)
        while True:
            headers = await self.headers()
            if last_hash is not None and not headers.in_main_chain(last_hash):
                ancestor = await self._ancestor(headers, last_hash)
                gone = sorted(h for h in yielded if h > ancestor.height)
                orphaned = tuple(fid for h in gone for fid in yielded.pop(h))
                self._reset_inclusions()
                await self._refresh_inclusions(headers)
                yield RolledBack(self._ref(headers, ancestor), orphaned, deep=True)
                last_height, last_hash, seen_tip = ancestor.height, ancestor.hash, None
                continue
            tip = headers.tip
            if seen_tip is not None and not headers.in_main_chain(seen_tip):
                ancestor = await self._ancestor(headers, seen_tip)
                self._reset_inclusions()
                await self._refresh_inclusions(headers)
                yield RolledBack(self._ref(headers, ancestor), (), deep=False)
            seen_tip = tip.hash
            for height in range(last_height + 1, tip.height - self.depth + 1):
                entry = self._main_entry(headers, height)
                if last_hash is not None and entry.header.prev_hash != last_hash:
                    break  # the best chain changed under us (headers synced meanwhile)
                block = await self.fetch_block(headers, entry)
                ref = self._ref(headers, entry)
                facts = await self._facts(headers, block, height, ref.timestamp)
                yielded[height] = tuple(f.fact_id for f in facts)
                yield Finalized(ref, facts)
                last_height, last_hash = height, entry.hash
            else:
                await self._wait_for_new_tip(tip.hash)

    async def _wait_for_new_tip(self, seen: bytes) -> None:
        while not self.closed:
            await asyncio.sleep(self.poll_interval)
            if (await self.backend.get_tip()).block_hash != seen:
                return

    def _track(self, d: Delegation) -> _Tracked:
        key = d.submission.staking_tx
        tracked = self._tracked.get(key)
        if tracked is None:
            tracked = self._tracked[key] = _Tracked.of(d)
        return tracked

    def _all_tracked(self) -> list[_Tracked]:
        return list(self._indexed().by_id.values())

    def _indexed(self) -> _Index:
        delegations = list(self.registry.delegations())  # refreshes a file-backed registry
        index = self._index
        if index is None or index.version != self.registry.version:
            tracked = [self._track(d) for d in delegations]
            by_registered: dict[int, list[_Tracked]] = {}
            for t in tracked:
                by_registered.setdefault(t.registered_height, []).append(t)
            index = self._index = _Index(
                self.registry.version,
                {t.txid: t for t in tracked},
                {t.txid_bytes: t for t in tracked},
                {t.outpoint: t for t in tracked},
                by_registered,
            )
        return index

    def _set_included(self, t: _Tracked, height: int, block_hash: bytes) -> None:
        self._drop_included(t)
        self._included[t.txid] = (height, block_hash)
        self._expiring.setdefault(self._expiry(t, height), set()).add(t.txid)

    def _drop_included(self, t: _Tracked) -> None:
        old = self._included.pop(t.txid, None)
        if old is not None:
            self._expiring.get(self._expiry(t, old[0]), set()).discard(t.txid)

    def _reset_inclusions(self) -> None:
        self._included.clear()
        self._expiring.clear()

    async def _confirmed_height(self, headers: HeaderChain, txid: bytes) -> int | None:
        """Height of a best-chain block holding ``txid`` (None if not confirmed there)."""
        try:
            loc = await self.backend.get_tx_with_proof(txid)
        except BitcoinError as exc:
            if _not_found(exc):
                return None
            # Never guess: an unreachable backend must not turn into "not confirmed".
            raise BitcoinAdapterError(
                f"backend failed to look up a transaction: {exc.message}", cause=exc.reason
            ) from None
        if headers.main_chain_hash(loc.height) != loc.block_hash:
            return None
        if loc.tx.txid_bytes != txid:
            raise BitcoinAdapterError("backend returned another tx", cause="BACKEND_MISMATCH")
        try:  # never trust the backend's location: check its Merkle proof against our header
            headers.verify_inclusion(loc.tx, loc.block_hash, loc.index, loc.proof, 0)
        except BitcoinError as exc:
            raise BitcoinAdapterError(
                f"backend's inclusion proof fails: {exc.message}", cause=exc.reason
            ) from None
        return loc.height

    async def _refresh_inclusions(self, headers: HeaderChain) -> None:
        for t in self._all_tracked():
            if t.txid not in self._included:
                height = await self._confirmed_height(headers, t.txid_bytes)
                if height is not None:
                    self._set_included(t, height, headers.main_chain_hash(height) or b"")

    async def _inclusion(self, headers: HeaderChain, t: _Tracked) -> int | None:
        """Best-chain inclusion height of a delegation's staking tx (cached, re-checked)."""
        cached = self._included.get(t.txid)
        if cached is not None and headers.main_chain_hash(cached[0]) == cached[1]:
            return cached[0]
        height = await self._confirmed_height(headers, t.txid_bytes)
        if height is None:
            self._drop_included(t)
            return None
        self._set_included(t, height, headers.main_chain_hash(height) or b"")
        return height

    def _credited(self, t: _Tracked, inclusion_height: int) -> bool:
        """Whether the delegation became stake: FP registered and not slashed before its
        inclusion, and enough staking time left once it is ``k`` deep (Babylon's
        ``tip + unbonding_time < inclusion + staking_time`` at activation)."""
        fp = self.registry.finality_provider(t.fp_pk)
        if fp is None:
            return False
        if fp.slashed_height is not None and inclusion_height > fp.slashed_height:
            return False
        return self.depth + t.unbonding_time < t.staking_time

    async def _facts(
        self, headers: HeaderChain, block: Block, height: int, at: int
    ) -> tuple[ChainFact, ...]:
        index = self._indexed()
        facts: list[ChainFact] = []
        exited: set[str] = set()
        for t in index.by_registered.get(height - 1, ()):
            # Claimed after its staking tx was final: credited by verify_deposit, and again
            # (a replay, same fact id) in the first block after the claim, in case the
            # ledger's clock had already passed the inclusion block.
            included = await self._inclusion(headers, t)
            late = included is not None and included <= t.registered_height
            if late and included is not None and self._credited(t, included):
                facts.append(self._deposit_fact(t, at))
        for tx in block.txs[1:]:
            staked = index.by_txid.get(tx.txid_bytes)
            if staked is not None and staked.registered_height < height:
                self._set_included(staked, height, block.hash)
                if self._credited(staked, height):
                    facts.append(self._deposit_fact(staked, at))
            for txin in tx.inputs:
                spent = index.by_outpoint.get(txin.prevout)
                if spent is None or spent.txid in exited or spent.registered_height >= height:
                    continue
                included = await self._inclusion(headers, spent)
                if included is None or not self._credited(spent, included):
                    continue
                if height <= self._expiry(spent, included):
                    facts.append(self._exit_fact(spent, at))
                    exited.add(spent.txid)
        for txid in sorted(self._expiring.get(height, ())):
            due = index.by_id.get(txid)
            if due is None or txid in exited or due.registered_height >= height:
                continue
            inc = self._included[txid]
            if await self._inclusion(headers, due) != inc[0] or not self._credited(due, inc[0]):
                continue
            earlier = [
                await self._confirmed_height(headers, spender)
                for spender in (due.unbonding_txid, due.slashing_txid)
            ]
            if any(h is not None and h < height for h in earlier):
                continue
            facts.append(self._exit_fact(due, at))
        return tuple(facts)

    @staticmethod
    def _expiry(t: _Tracked, inclusion_height: int) -> int:
        """First height at which Babylon no longer counts the delegation (timelock expiry:
        ``tip + unbonding_time >= inclusion + staking_time``)."""
        return inclusion_height + t.staking_time - t.unbonding_time

    def _vault_of(self, t: _Tracked) -> str:
        fp = self.registry.finality_provider(t.fp_pk)
        if fp is None:
            raise BitcoinAdapterError("delegation to an unknown FP", cause="UNKNOWN_FP")
        return fp.vault

    def _deposit_fact(self, t: _Tracked, at: int) -> ChainFact:
        command = Deposit(
            vault=self._vault_of(t), staker=self.account(t.staker_pk), amount=t.amount
        )
        return ChainFact(f"{self.chain_id}:stake:{t.txid}", command, at)

    def _exit_fact(self, t: _Tracked, at: int) -> ChainFact:
        command = Redeem(vault=self._vault_of(t), staker=self.account(t.staker_pk), shares=t.amount)
        return ChainFact(f"{self.chain_id}:exit:{t.txid}", command, at)

    # -- delegations -------------------------------------------------------------------------

    def _verifier(self, headers: HeaderChain | None) -> StakingVerifier:
        return StakingVerifier(self.params, headers, confirmation_depth=self.depth)

    def _check_fp(self, record: VerifiedStakingDelegation) -> FinalityProvider:
        fp = self.registry.finality_provider(record.fp_pks[0])
        if fp is None:
            raise BitcoinAdapterError(
                "the delegation names a finality provider the hub does not know",
                cause="UNKNOWN_FINALITY_PROVIDER",
            )
        if fp.slashed_height is not None:
            raise BitcoinAdapterError(
                "the finality provider was slashed; it takes no new delegations",
                cause="FINALITY_PROVIDER_SLASHED",
            )
        return fp

    async def register_delegation(
        self, submission: StakingSubmission, *, require_covenant_quorum: bool = True
    ) -> Delegation | None:
        """Register a delegation (Babylon's phase-2 flow): verify everything but the
        inclusion (scripts, output key, bounds, unbonding and slashing txs, the staker's
        slashing signatures, every covenant signature given) and keep it.

        With the covenant quorum, the delegation is tracked: ``follow`` credits it when its
        staking tx is ``k`` deep, or, when it already is, in the first block after now.
        Without it (``require_covenant_quorum=False``) it waits for
        :meth:`add_covenant_signatures` and returns None. Raises ``BitcoinError`` or
        :class:`BitcoinAdapterError` with the precise reason.
        """
        headers = await self.headers()
        verifier = StakingVerifier(
            self.params, None, self.depth, require_covenant_quorum=require_covenant_quorum
        )
        record = verifier.verify(replace(submission, inclusion=None))
        self._check_fp(record)
        if not record.has_covenant_quorum:
            self.registry.set_pending(record.staking_tx.txid, submission)
            return None
        return await self._admit(headers, record, submission)

    async def add_covenant_signatures(
        self, staking_txid: str, signatures: Sequence[CovenantSignatures]
    ) -> Delegation | None:
        """Collect covenant signatures for a delegation registered without its quorum; each
        set is verified (unknown member, bad signature or pre-signature: rejected). Returns
        the tracked delegation once the quorum is reached, else None."""
        pending = self.registry.pending(staking_txid)
        if pending is None:
            raise BitcoinAdapterError(
                "no delegation of this staking tx waits for covenant signatures",
                cause="NOT_PENDING",
            )
        merged = {c.covenant_pk: c for c in pending.covenant_sigs}
        merged.update((c.covenant_pk, c) for c in signatures)
        sub = replace(pending, covenant_sigs=tuple(merged.values()))
        return await self.register_delegation(sub, require_covenant_quorum=False)

    async def _admit(
        self, headers: HeaderChain, record: VerifiedStakingDelegation, sub: StakingSubmission
    ) -> Delegation:
        """Track a complete delegation from the current finalized height on. If its staking
        tx is already final it must still be unspent with staking time left."""
        final = headers.tip_height - self.depth
        included = await self._confirmed_height(headers, record.staking_tx.txid_bytes)
        if included is not None and included <= final:
            for spender in (record.unbonding_tx, record.slashing_tx):
                if await self._confirmed_height(headers, spender.txid_bytes) is not None:
                    raise BitcoinAdapterError(
                        "the staking output is already spent", cause="ALREADY_SPENT"
                    )
            if headers.tip_height + record.unbonding_time >= included + record.staking_time:
                raise BitcoinAdapterError(
                    "tip + unbonding time is not below inclusion height + staking time",
                    cause="STAKING_TIME_EXPIRED",
                )
        return self.registry.promote(Delegation(sub, final))

    async def verify_deposit(self, claim: DepositClaim) -> VerifiedDeposit:
        """Verify a staking tx with its pre-signed slashing signatures, covenant signatures
        and inclusion proof (``claim.proof``, see :func:`~.registry.submission_to_proof`),
        then return the ``Deposit`` fact (id from the staking txid: idempotent)."""
        try:
            return await self._verify_deposit(claim)
        except (BitcoinError, RegistryError) as exc:
            raise DepositRejected(exc.message, field="proof", cause=exc.reason) from None
        except BitcoinAdapterError as exc:
            raise DepositRejected(
                exc.message, field=exc.field or "proof", cause=exc.metadata.get("cause", exc.reason)
            ) from None

    async def _verify_deposit(self, claim: DepositClaim) -> VerifiedDeposit:
        if not claim.proof:
            raise BitcoinAdapterError(
                "a Bitcoin deposit claim carries the staking submission in proof",
                field="proof",
                cause="MALFORMED_PROOF",
            )
        sub = submission_from_proof(claim.proof)
        if sub.inclusion is None:
            raise BitcoinAdapterError(
                "the claim has no inclusion proof", cause="NO_INCLUSION_PROOF"
            )
        headers = await self.headers()
        record = self._verifier(headers).verify(sub)
        txid = record.staking_tx.txid
        if claim.reference.lower() != txid:
            raise BitcoinAdapterError(
                "reference is not the staking txid", field="reference", cause="REFERENCE_MISMATCH"
            )
        fp = self._check_fp(record)
        if claim.vault != fp.vault:
            raise BitcoinAdapterError(
                f"the finality provider's vault is {fp.vault!r}", field="vault", cause="WRONG_VAULT"
            )
        if claim.staker != self.account(record.staker_pk):
            raise BitcoinAdapterError(
                "the staker account is not the staking key's", field="staker", cause="WRONG_STAKER"
            )
        if claim.amount is not None and claim.amount != record.amount_sat:
            raise BitcoinAdapterError(
                "the claimed amount differs from the staking output",
                field="amount",
                cause="WRONG_AMOUNT",
            )
        assert record.inclusion_height is not None
        inclusion = self._main_entry(headers, record.inclusion_height)
        stored = self.registry.delegation(txid) or await self._admit(headers, record, sub)
        tracked = self._track(stored)
        self._set_included(tracked, record.inclusion_height, inclusion.hash)
        fact = self._deposit_fact(tracked, self._time(headers, inclusion))
        return VerifiedDeposit(
            fact=fact,
            block=self._ref(headers, inclusion),
            confirmations=headers.tip_height - record.inclusion_height + 1,
        )

    # -- slashing ----------------------------------------------------------------------------

    async def slash_equivocation(self, evidence: bytes) -> EquivocationSlash:
        """Verify an EOTS double-sign, extract the FP key, complete and validate every
        slashing tx of the FP's delegations whose funding output is unspent, and broadcast
        the valid ones. A tx that fails any check is reported, never broadcast."""
        parsed = decode_evidence(evidence)
        check_equivocation(parsed)
        fp = self.registry.finality_provider(parsed.fp_pk)
        if fp is None:
            raise InvalidEvidence(
                "the evidence names an FP the hub does not know", cause="UNKNOWN_FINALITY_PROVIDER"
            )
        headers = await self.headers()
        verifier = self._verifier(None)
        records = []
        unspent: set[OutPoint] = set()
        unusable: list[SlashingFailure] = []
        for d in self.registry.delegations_of(parsed.fp_pk):
            try:
                record = verifier.verify(replace(d.submission, inclusion=None))
            except BitcoinError as exc:  # a stored delegation no longer verifies: never sent
                op = Transaction.parse(d.submission.unbonding_tx).inputs[0].prevout
                unusable.append(SlashingFailure(op, "staking", exc.reason, exc.message))
                continue
            records.append(record)
            staked = await self._confirmed_height(headers, record.staking_tx.txid_bytes)
            unbonded = await self._confirmed_height(headers, record.unbonding_tx.txid_bytes)
            slashed = await self._confirmed_height(headers, record.slashing_tx.txid_bytes)
            if staked is not None and unbonded is None and slashed is None:
                unspent.add(record.outpoint)
            if unbonded is not None:
                done = await self._confirmed_height(
                    headers, record.unbonding_slashing_tx.txid_bytes
                )
                if done is None:
                    unspent.add(record.unbonding_outpoint)
        try:
            result = slash_finality_provider(
                parsed, records, self.params, funding_unspent=unspent.__contains__
            )
        except BitcoinError as exc:
            raise InvalidEvidence(exc.message, cause=exc.reason) from None
        sent: list[CompletedSlashingTx] = []
        refused: list[tuple[str, str]] = []
        for done_tx in result.completed:
            try:
                await self.backend.broadcast(done_tx.tx)
            except BitcoinError as exc:
                refused.append((done_tx.txid, exc.reason))
                continue
            sent.append(done_tx)
        fp = self.registry.mark_slashed(parsed.fp_pk, headers.tip_height - self.depth)
        failures = (*unusable, *result.failures)
        return EquivocationSlash(fp, tuple(sent), failures, tuple(refused))

    async def execute_slash(self, instruction: SlashInstruction) -> SlashOutcome:
        """Complete and broadcast the FP's pre-signed slashing txs. The instruction carries
        the evidence (``evidence["eots"]``, hex of :func:`~.evidence.encode_evidence`);
        idempotent per ``instruction_id``."""
        done = self._slashes.get(instruction.instruction_id)
        if done is not None:
            return done
        raw = instruction.evidence.get("eots")
        if not raw:
            return SlashOutcome(
                instruction_id=instruction.instruction_id,
                status=OutcomeStatus.FAILED,
                detail="EVIDENCE_REQUIRED: self-custodial BTC is slashed only with EOTS evidence",
            )
        try:
            evidence = bytes.fromhex(raw)
        except ValueError:
            raise InvalidEvidence("evidence is not hex", cause="MALFORMED_EVIDENCE") from None
        fp = self.registry.finality_provider(decode_evidence(evidence).fp_pk)
        if fp is not None and (fp.operator, fp.vault) != (instruction.operator, instruction.vault):
            raise InvalidEvidence(
                "the evidence's FP is not the instruction's operator and vault",
                cause="WRONG_OPERATOR",
            )
        report = await self.slash_equivocation(evidence)
        self.slash_reports[instruction.instruction_id] = report
        txids = ",".join(t.txid for t in report.broadcast)
        outcome = SlashOutcome(
            instruction_id=instruction.instruction_id,
            status=OutcomeStatus.SUBMITTED if report.broadcast else OutcomeStatus.EXECUTED,
            tx_id=txids,
            detail=(
                f"{len(report.broadcast)} slashing txs broadcast, "
                f"{len(report.failures)} failed checks, {len(report.rejected_by_backend)} "
                "refused by the backend"
            ),
        )
        self._slashes[instruction.instruction_id] = outcome
        return outcome

    async def execute_payout(self, instruction: PayoutInstruction) -> PayoutOutcome:
        raise Unsupported(
            "self-custodial BTC needs no payout: the staker spends its own output "
            "(unbonding or timelock path)",
            chain_id=self.chain_id,
        )

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.owns_backend:
                await self.backend.close()


_NOT_FOUND = frozenset({"UNKNOWN_TX", "UNCONFIRMED", "NOT_FOUND"})


def _not_found(exc: BitcoinError) -> bool:
    """The backend says the tx is not confirmed (bitcoind: RPC error -5)."""
    return exc.reason in _NOT_FOUND or (exc.reason == "RPC_ERROR" and ": -5 " in exc.message)


def _network_for(chain_id: str, name: object) -> NetworkParams:
    if name is not None:
        network = NETWORKS.get(str(name))
        if network is None:
            raise BitcoinAdapterError(f"unknown network {name!r}", cause="BAD_OPTION")
    else:
        matches = [n for n in NETWORKS.values() if chain_id_for(n) == chain_id]
        if not matches:
            raise BitcoinAdapterError(
                f"{chain_id} is not a known Bitcoin network; pass options['network']",
                cause="BAD_OPTION",
            )
        network = matches[0]
    if chain_id_for(network) != chain_id:
        raise BitcoinAdapterError(
            f"{chain_id} is not {network.name}'s chain id", cause="WRONG_NETWORK"
        )
    return network
