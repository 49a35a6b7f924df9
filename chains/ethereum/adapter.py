"""``EthereumAdapter``: real Symbiotic vaults mirrored into the ledger (custody ``mirrored``).

- :meth:`EthereumAdapter.follow` runs a :class:`~omnistake.chains.ethereum.indexer.SymbioticIndexer`
  in ``all_blocks`` mode with the confirmation depth, feeds each block's events through a
  :class:`~omnistake.chains.ethereum.mirror.Mirror` and yields one ``Finalized`` per block
  (facts at the block timestamp, ids from block hash and log index). A reorg deeper than the
  confirmation depth becomes a deep ``RolledBack`` with the orphaned fact ids; a cursor that
  is no longer canonical starts with one.
- :meth:`EthereumAdapter.execute_slash` sends the hub's slash as the network's middleware
  (instant ``slash``, veto ``requestSlash`` / ``executeSlash``), at most one transaction per
  instruction id (:class:`~omnistake.chains.ethereum.tx.TxSender` with a ``TxStore``), and
  answers ``SUBMITTED`` with the tx hash, or ``FAILED`` with the decoded revert reason.
- Deposits arrive only through ``follow`` and the hub pays nothing out: ``verify_deposit`` and
  ``execute_payout`` raise :class:`~omnistake.plugins.Unsupported`.

Each ``follow`` call rebuilds the mirror by reading the deployment from its start block (the
indexer's state is in memory), so any cursor can be resumed from; the cursor's ``state``
keeps recent block hashes to find the common ancestor after a reorg. The last
``history_window`` blocks are kept to undo a reorg (the mirror below them is kept as one
snapshot); a reorg deeper than that reads the chain from the start block again.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import logging
import os
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from omnistake.chains.ethereum import events as ev
from omnistake.chains.ethereum.abi import BoundContract, ContractAbi
from omnistake.chains.ethereum.cursor_store import CursorStore
from omnistake.chains.ethereum.deploy import CoreDeployment
from omnistake.chains.ethereum.errors import (
    EthereumAdapterError,
    InvalidParameter,
    TransactionReverted,
)
from omnistake.chains.ethereum.events import EventDecoder, make_subnetwork
from omnistake.chains.ethereum.indexer import (
    BlockInfo,
    EventBatch,
    IndexerConfig,
    Rollback,
    SymbioticIndexer,
)
from omnistake.chains.ethereum.mirror import Mirror, TokenInfo, address_of, asset_id, collaterals
from omnistake.chains.ethereum.params import DelegatorType, SlasherType, VaultInfo
from omnistake.chains.ethereum.rpc import RetryPolicy, make_web3, raw_request, with_retries
from omnistake.chains.ethereum.signer import KeystoreSigner, Signer
from omnistake.chains.ethereum.toolchain import Toolchain, find_toolchain
from omnistake.chains.ethereum.tx import ErrorDecoder, TxSender, TxStore
from omnistake.chains.ethereum.vault import BindingContext, VaultBinding
from omnistake.ids import parse_chain_id
from omnistake.plugins.errors import Unsupported
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

log = logging.getLogger(__name__)

#: Recent (height, hash) pairs kept in ``Cursor.state`` to find a reorg's common ancestor.
STATE_HASHES = 32


class AdapterConfigError(EthereumAdapterError):
    """Bad or missing adapter options (reason ``INVALID_OPTIONS``)."""

    reason = "INVALID_OPTIONS"


@dataclass(frozen=True)
class EthereumOptions:
    """Adapter options (``factory(chain_id, options)`` takes the same keys as a mapping).

    ``deployment``: a :class:`CoreDeployment`, a dict of its fields, or the path of a file
    written by ``CoreDeployment.save``. The middleware signer is ``middleware_signer`` (a
    :class:`Signer`), or ``middleware_keystore`` with ``middleware_password`` or
    ``middleware_password_env`` (the variable holding it). ``tx_store``: SQLite path of the
    sent-transaction journal (exactly-once slashes across restarts need a file).
    """

    rpc_url: str
    deployment: CoreDeployment
    confirmation_depth: int = 12
    start_block: int | None = None
    poll_interval: float = 1.0
    batch_size: int = 500
    middleware_signer: Signer | None = None
    middleware_keystore: str | None = None
    middleware_password: str | None = field(default=None, repr=False)
    middleware_password_env: str | None = None
    tx_store: str = ":memory:"
    assets: tuple[str, ...] = ()
    artifacts_dir: str | None = None
    block_time_seconds: int = 12
    rpc_timeout: float = 10.0
    #: Blocks kept in memory to undo a reorg; a deeper one re-reads from the start block.
    history_window: int = 4096
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> EthereumOptions:
        """Options from a mapping (config file or embedding code)."""
        known = set(cls.__dataclass_fields__)
        unknown = set(options) - known
        if unknown:
            raise AdapterConfigError(f"unknown Ethereum adapter options: {sorted(unknown)}")
        if "rpc_url" not in options or "deployment" not in options:
            raise AdapterConfigError("the Ethereum adapter needs rpc_url and deployment")
        values = dict(options)
        dep = values["deployment"]
        if isinstance(dep, str | Path):
            values["deployment"] = CoreDeployment.load(dep)
        elif isinstance(dep, Mapping):
            values["deployment"] = CoreDeployment(**dep)
        elif not isinstance(dep, CoreDeployment):
            raise AdapterConfigError("deployment must be a CoreDeployment, a dict or a path")
        values["assets"] = tuple(values.get("assets", ()))
        for name in ("confirmation_depth", "batch_size", "block_time_seconds", "history_window"):
            if name in values:
                values[name] = int(values[name])
        for name in ("poll_interval", "rpc_timeout"):
            if name in values:
                values[name] = float(values[name])
        if values.get("start_block") is not None:
            values["start_block"] = int(values["start_block"])
        opts = cls(**values)
        if opts.confirmation_depth < 0:
            raise AdapterConfigError("confirmation_depth must be >= 0")
        return opts


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


def _state(hashes: Sequence[tuple[int, str]]) -> str:
    return ",".join(f"{n}:{h}" for n, h in hashes[-STATE_HASHES:])


def _parse_state(state: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for part in filter(None, state.split(",")):
        n, _, h = part.partition(":")
        with contextlib.suppress(ValueError):
            out.append((int(n), h))
    return out


@dataclass
class _Block:
    info: BlockInfo
    events: list[ev.IndexedEvent]
    facts: tuple[ChainFact, ...] = ()


class EthereumAdapter:
    """The :class:`~omnistake.plugins.ChainAdapter` for Symbiotic on an EVM chain."""

    def __init__(
        self, chain_id: str, options: EthereumOptions, *, toolchain: Toolchain | None = None
    ) -> None:
        parse_chain_id(chain_id)
        namespace, _, reference = chain_id.partition(":")
        if namespace != "eip155" or not reference.isdigit():
            raise AdapterConfigError(f"{chain_id!r} is not an eip155 chain id")
        if int(reference) != options.deployment.chain_id:
            raise AdapterConfigError(
                f"the deployment is on chain {options.deployment.chain_id}, not {chain_id}"
            )
        self.chain_id = chain_id
        self.options = options
        self._toolchain = toolchain
        self._w3: Any = None
        self._tokens: dict[str, TokenInfo] = {}
        self._assets: list[AssetInfo] | None = None
        self._sender: TxSender | None = None
        self._tx_store: TxStore | None = None
        self._ctx: BindingContext | None = None
        self._closed = False
        self.mirror: Mirror | None = None  # the latest follow()'s mirror (for inspection)
        #: Times follow() started reading from the start block (1 + reorgs below the window).
        self.indexer_passes = 0

    @classmethod
    def from_options(cls, chain_id: str, options: Mapping[str, Any]) -> EthereumAdapter:
        """The plugin factory: ``factory(chain_id, options)``."""
        return cls(chain_id, EthereumOptions.parse(options))

    # -- plumbing --------------------------------------------------------------------------

    @property
    def toolchain(self) -> Toolchain:
        """ABIs (the compiled artifacts)."""
        if self._toolchain is None:
            if self.options.artifacts_dir:
                self._toolchain = Toolchain(
                    anvil=Path("anvil"), artifacts_dir=Path(self.options.artifacts_dir)
                )
            else:
                self._toolchain = find_toolchain()
        return self._toolchain

    @property
    def w3(self) -> Any:
        """The AsyncWeb3 on ``rpc_url`` (made on first use)."""
        if self._w3 is None:
            self._w3 = make_web3(self.options.rpc_url, timeout=self.options.rpc_timeout)
        return self._w3

    async def _raw(self, method: str, params: list[Any]) -> Any:
        return await with_retries(
            lambda: raw_request(self.w3, method, params), what=method, policy=self.options.retry
        )

    async def _block(self, number: int | str) -> BlockRef | None:
        tag = number if isinstance(number, str) else hex(number)
        b = await self._raw("eth_getBlockByNumber", [tag, False])
        if b is None:
            return None
        return BlockRef(_int(b["number"]), _hex(b["hash"]), _int(b["timestamp"]))

    @property
    def start_block(self) -> int:
        """First block followed (default: the deployment block)."""
        s = self.options.start_block
        return self.options.deployment.deploy_block if s is None else s

    def _indexer(self) -> SymbioticIndexer:
        return SymbioticIndexer(
            self.w3,
            self.options.deployment,
            self.toolchain,
            CursorStore(),
            IndexerConfig(
                confirmations=self.options.confirmation_depth,
                batch_size=self.options.batch_size,
                all_blocks=True,
                retry=self.options.retry,
            ),
            start_block=self.start_block,
        )

    def _binding_context(self) -> BindingContext:
        if self._ctx is None:
            tc = self.toolchain
            self._ctx = BindingContext(
                self.w3, tc, ErrorDecoder.from_toolchain(tc), EventDecoder(tc)
            )
        return self._ctx

    def _contract(self, name: str, address: str) -> BoundContract:
        abi = ContractAbi(name, self.toolchain.abi(name))
        return BoundContract(self.w3, abi, address, retry=self.options.retry)

    async def _token(self, address: str) -> TokenInfo:
        key = address.lower()
        if key not in self._tokens:
            c = self._contract("OmnistakeTestToken", to_checksum_address(address))
            decimals = int(await c.call("decimals"))
            symbol = ""
            with contextlib.suppress(Exception):
                symbol = str(await c.call("symbol"))[:32]
            self._tokens[key] = TokenInfo(decimals, symbol)
        return self._tokens[key]

    # -- ChainAdapter ----------------------------------------------------------------------

    async def describe(self) -> ChainInfo:
        """Chain id, custody ``mirrored``, confirmation depth, ETH and capabilities."""
        return ChainInfo(
            chain_id=self.chain_id,
            name="ethereum",
            custody=Custody.MIRRORED,
            confirmation_depth=self.options.confirmation_depth,
            native_asset=f"{self.chain_id}/slip44:60",
            capabilities={
                "follow": True,
                "reorgs": True,
                "verify_deposit": False,
                "execute_slash": True,
                "execute_payout": False,
                "native_slashing": True,
                "mirrored_vaults": True,
            },
            block_time_seconds=self.options.block_time_seconds,
        )

    async def list_assets(self) -> Sequence[AssetInfo]:
        """ETH plus the ERC-20s named in the ``assets`` option. Collateral of vaults found
        on chain is registered by the vault-creation facts themselves."""
        if self._assets is None:
            assets = [AssetInfo(asset_id=f"{self.chain_id}/slip44:60", decimals=18, symbol="ETH")]
            for token in self.options.assets:
                info = await self._token(token)
                assets.append(
                    AssetInfo(
                        asset_id=asset_id(self.chain_id, token),
                        decimals=info.decimals,
                        symbol=info.symbol,
                    )
                )
            self._assets = assets
        return self._assets

    async def sync_status(self) -> SyncStatus:
        """The node's head and the block ``confirmation_depth`` below it."""
        head = await self._block("latest")
        finalized = None
        if head is not None:
            n = head.height - self.options.confirmation_depth
            if n >= self.start_block:  # nothing below the start block is ever followed
                finalized = head if n == head.height else await self._block(n)
        return SyncStatus(chain_id=self.chain_id, head=head, finalized=finalized)

    async def verify_deposit(self, claim: DepositClaim) -> VerifiedDeposit:
        """Mirrored vaults: deposits arrive as facts through :meth:`follow`."""
        raise Unsupported(
            "Ethereum vaults are mirrored: deposits arrive through follow(), not by claim"
        )

    async def execute_payout(self, instruction: PayoutInstruction) -> PayoutOutcome:
        """Mirrored vaults pay out on chain (the staker claims from the vault contract)."""
        raise Unsupported("Ethereum vaults are mirrored: stakers claim from the vault contract")

    async def close(self) -> None:
        """Close the RPC session and the transaction journal; harmless twice."""
        if self._closed:
            return
        self._closed = True
        w3, self._w3 = self._w3, None
        if w3 is not None:
            with contextlib.suppress(Exception):
                await w3.provider.disconnect()
        if self._tx_store is not None:
            self._tx_store.close()
            self._tx_store = None

    # -- follow ----------------------------------------------------------------------------

    async def _ancestor(self, cursor: Cursor) -> BlockRef:
        """The highest block of the cursor's recent hashes still on the chain."""
        for height, block_hash in sorted(_parse_state(cursor.state), reverse=True):
            if height >= cursor.height or height < self.start_block:
                continue
            block = await self._block(height)
            if block is not None and block.hash == block_hash:
                return block
        below = self.start_block - 1
        block = await self._block(max(below, 0))
        if block is None:
            raise EthereumAdapterError("the chain has no block below the start block")
        return block if below >= 0 else BlockRef(-1, "", 0)

    async def follow(self, cursor: Cursor | None) -> AsyncIterator[ChainUpdate]:  # type: ignore[override]
        """Finalized blocks from ``cursor`` (or the start block), forever; see the module
        docstring for rollbacks."""
        await self.list_assets()
        known = {a.asset_id for a in self._assets or ()}
        emitted = self.start_block - 1  # highest block yielded (or already fed)
        if cursor is not None:
            emitted = cursor.height
            here = await self._block(cursor.height)
            if here is None or here.hash != cursor.block_hash:
                common = await self._ancestor(cursor)
                emitted = common.height
                yield RolledBack(to_block=common, deep=True)
        window = max(self.options.history_window, 1)
        while True:  # one pass per indexer; a reorg below the kept window starts a new one
            indexer = self._indexer()
            self.indexer_passes += 1
            base = Mirror(self.chain_id, known_assets=known)  # state below the window
            base_height = self.start_block - 1
            mirror = self.mirror = Mirror(self.chain_id, known_assets=known)
            history: deque[_Block] = deque()
            restart = False
            while not restart:
                async for update in indexer.updates():
                    if isinstance(update, Rollback):
                        ancestor = update.from_block - 1
                        dropped = [b for b in history if b.info.number > ancestor]
                        kept = [b for b in history if b.info.number <= ancestor]
                        restart = ancestor < base_height
                        if not restart:
                            history = deque(kept)
                            mirror = self.mirror = copy.deepcopy(base)
                            for b in kept:
                                if b.events:
                                    mirror.block_facts(b.events, self._tokens_lookup)
                        out = self._rolled_back(update, dropped, kept, emitted)
                        if out is not None:
                            emitted = out.to_block.height
                            yield out
                        if restart:
                            break
                        continue
                    for block in await self._blocks(update, mirror):
                        history.append(block)
                        while len(history) > window:
                            old = history.popleft()
                            if old.events:
                                base.block_facts(old.events, self._tokens_lookup)
                            base_height = old.info.number
                        if block.info.number <= emitted:
                            continue
                        emitted = block.info.number
                        recent = list(itertools.islice(reversed(history), STATE_HASHES))
                        yield Finalized(
                            BlockRef(block.info.number, block.info.hash, block.info.timestamp),
                            block.facts,
                            _state([(b.info.number, b.info.hash) for b in reversed(recent)]),
                        )
                if not restart:
                    await asyncio.sleep(self.options.poll_interval)

    async def _blocks(self, batch: EventBatch, mirror: Mirror) -> list[_Block]:
        for token in collaterals(batch.events):
            await self._token(token)
        by_block: dict[int, list[ev.IndexedEvent]] = {}
        for e in batch.events:
            by_block.setdefault(e.block_number, []).append(e)
        out: list[_Block] = []
        for info in batch.blocks:
            events = by_block.get(info.number, [])
            facts = mirror.block_facts(events, self._tokens_lookup) if events else []
            out.append(_Block(info, events, tuple(facts)))
        return out

    def _tokens_lookup(self, address: str) -> TokenInfo:
        return self._tokens[address.lower()]

    def _rolled_back(
        self, update: Rollback, dropped: list[_Block], kept: list[_Block], emitted: int
    ) -> RolledBack | None:
        """What the ledger must forget after a rollback (None when nothing yielded was
        dropped: the reorg stayed above the confirmation depth)."""
        ancestor = update.from_block - 1
        if ancestor >= emitted:
            return None
        orphaned = tuple(f.fact_id for b in dropped if b.info.number <= emitted for f in b.facts)
        if kept:
            last = kept[-1].info
            to = BlockRef(last.number, last.hash, last.timestamp)
        else:
            to = BlockRef(ancestor, update.ancestor_hash or "", 0)
        log.warning("%s: reorg dropped final blocks above %d", self.chain_id, ancestor)
        return RolledBack(to_block=to, orphaned_fact_ids=orphaned, deep=True)

    # -- slashing ---------------------------------------------------------------------------

    def _signer(self) -> Signer:
        o = self.options
        if o.middleware_signer is not None:
            return o.middleware_signer
        if o.middleware_keystore:
            password = o.middleware_password
            if password is None and o.middleware_password_env:
                password = os.environ.get(o.middleware_password_env)
            if password is None:
                raise AdapterConfigError(
                    "middleware_keystore needs middleware_password or middleware_password_env"
                )
            return KeystoreSigner.open(o.middleware_keystore, password)
        raise AdapterConfigError(
            "no middleware signer configured (middleware_signer or middleware_keystore)"
        )

    def middleware(self) -> TxSender:
        """The middleware's sender (opened on first use)."""
        if self._sender is None:
            self._tx_store = TxStore(self.options.tx_store)
            ctx = self._binding_context()
            self._sender = TxSender(
                self.w3, self._signer(), store=self._tx_store, decoder=ctx.errors
            )
        return self._sender

    async def vault_binding(self, vault_id: str) -> VaultBinding:
        """Bindings of a vault (CAIP-10 id), its delegator and slasher types read from chain."""
        address = to_checksum_address(address_of(vault_id))
        v = self._contract("Vault", address)
        delegator, slasher, collateral, epoch = await asyncio.gather(
            v.call("delegator"), v.call("slasher"), v.call("collateral"), v.call("epochDuration")
        )
        dtype = int(await self._contract("NetworkRestakeDelegator", delegator).call("TYPE"))
        stype = SlasherType.NONE
        slasher_addr: str | None = None
        if int(slasher, 16) if isinstance(slasher, str) else int(slasher or 0):
            slasher_addr = to_checksum_address(slasher)
            stype = SlasherType(int(await self._contract("Slasher", slasher_addr).call("TYPE")))
        info = VaultInfo(
            vault=address,
            delegator=to_checksum_address(delegator),
            slasher=slasher_addr,
            delegator_type=DelegatorType(dtype),
            slasher_type=stype,
            collateral=to_checksum_address(collateral),
            epoch_duration=int(epoch),
        )
        return VaultBinding(self._binding_context(), info)

    async def execute_slash(self, instruction: SlashInstruction) -> SlashOutcome:
        """Send the slash as the network's middleware, once per instruction id."""
        i = instruction
        if not i.vault.startswith(self.chain_id + ":"):
            raise InvalidParameter(
                f"vault {i.vault!r} is not on {self.chain_id}", reason="WRONG_CHAIN"
            )
        sender = self.middleware()
        binding = await self.vault_binding(i.vault)
        subnetwork = make_subnetwork(to_checksum_address(address_of(i.network)), i.subnetwork)
        operator = to_checksum_address(address_of(i.operator))
        op_id = f"omnistake:slash:{i.instruction_id}"
        try:
            if i.action == "slash":
                await binding.slash(sender, subnetwork, operator, i.amount, i.capture, op_id=op_id)
            elif i.action == "request_slash":
                await binding.request_slash(
                    sender, subnetwork, operator, i.amount, i.capture, op_id=op_id
                )
            elif i.action == "execute_slash":
                if i.request is None:
                    raise InvalidParameter("execute_slash needs the request index")
                await binding.execute_slash(sender, i.request, op_id=op_id)
            else:
                raise InvalidParameter(f"unknown slash action {i.action!r}")
        except (TransactionReverted, InvalidParameter) as exc:
            name = getattr(exc, "error_name", None) or exc.reason
            return SlashOutcome(
                instruction_id=i.instruction_id,
                status=OutcomeStatus.FAILED,
                detail=f"{name}: {exc}"[:2000],
            )
        record = sender.store.get(op_id)
        tx_hash = record.tx_hash if record is not None else ""
        return SlashOutcome(
            instruction_id=i.instruction_id,
            status=OutcomeStatus.SUBMITTED,
            tx_id=tx_hash,
            detail=f"{i.action} sent by middleware {sender.address}",
        )


__all__ = ["AdapterConfigError", "EthereumAdapter", "EthereumOptions"]
