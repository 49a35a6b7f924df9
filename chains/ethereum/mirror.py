"""Translate indexed Symbiotic events into the ledger commands that reproduce them.

:class:`Mirror` is a small deterministic state machine fed one finalized block at a time
(:meth:`Mirror.block_facts`). It keeps just enough of each vault to choose the right ledger
command (a vault's active stake and shares, to tell ``withdraw(amount)`` from
``redeem(shares)``; which delegator and slasher belong to which vault; the deposit-limit
switch) and turns every event into a :class:`~omnistake.plugins.ChainFact`:

- ids are CAIP-10 with lowercase addresses (``eip155:31337:0xabc...``), assets CAIP-19
  (``eip155:31337/erc20:0x...``), subnetworks the uint96 identifier of the network;
- fact ids are ``<chain id>:<block hash>:<log index>`` (plus ``:asset`` / ``:vault`` for the
  two commands a vault creation means), so the same block always yields the same facts;
- a new vault's own set-up logs come before the factory's ``AddEntity`` in the creation
  transaction, so each transaction is buffered and its creations handled first; the vault's
  set-up values come from the metadata the indexer reads at the creation block.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from omnistake.chains.ethereum import events as ev
from omnistake.chains.ethereum.errors import EthereumAdapterError
from omnistake.ledger import commands as C
from omnistake.plugins.records import ChainFact

log = logging.getLogger(__name__)

ZERO = "0x" + "00" * 20
DELEGATOR_TYPES = {
    0: "network_restake",
    1: "full_restake",
    2: "operator_specific",
    3: "operator_network_specific",
}
SLASHER_TYPES = {0: "instant", 1: "veto"}
_ADMIN_ROLE = bytes(32)


class MirrorError(EthereumAdapterError):
    """An indexed event the mirror cannot translate (reason ``MIRROR_INCONSISTENT``)."""

    reason = "MIRROR_INCONSISTENT"


def account_id(chain_id: str, address: str) -> str:
    """CAIP-10 id of an address on ``chain_id`` (lowercase hex)."""
    return f"{chain_id}:{address.lower()}"


def asset_id(chain_id: str, token: str) -> str:
    """CAIP-19 id of an ERC-20 on ``chain_id``."""
    return f"{chain_id}/erc20:{token.lower()}"


def address_of(caip10: str) -> str:
    """The address part of a CAIP-10 id."""
    return caip10.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class TokenInfo:
    """What RegisterAsset needs about a collateral token (read from the chain)."""

    decimals: int
    symbol: str = ""


@dataclass
class VaultTally:
    """The little of a vault the mirror needs: active stake and shares, withdrawal buckets
    (for ``Vault.onSlash``'s split) and the deposit-limit switch."""

    vault: str
    meta: ev.VaultMetadata
    active: int = 0
    shares: int = 0
    withdrawals: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    is_limit: bool = False
    limit: int = 0
    delegator: str | None = None
    slasher: str | None = None
    created: bool = False

    @property
    def effective_limit(self) -> int | None:
        """The ledger's deposit limit (None: no limit)."""
        return self.limit if self.is_limit else None

    def on_slash(self, slashed: int, capture: int, at: int) -> None:
        """Vault.onSlash (v1.0.3): split the burned amount over active stake and buckets."""
        epoch = self.meta.epoch_at(at)
        cur, nxt, active = self.withdrawals[epoch], self.withdrawals[epoch + 1], self.active
        if self.meta.epoch_at(capture) == epoch:
            total = active + nxt
            from_active = slashed * active // total if total else 0
            self.active = active - from_active
            self.withdrawals[epoch + 1] = nxt - (slashed - from_active)
            return
        total = active + cur + nxt
        from_active = slashed * active // total if total else 0
        from_next = slashed * nxt // total if total else 0
        from_cur = slashed - from_active - from_next
        if from_cur > cur:
            from_next += from_cur - cur
            from_cur = cur
        self.active = active - from_active
        self.withdrawals[epoch] = cur - from_cur
        self.withdrawals[epoch + 1] = nxt - from_next


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass
class _Pending:
    vault: ev.IndexedEvent | None = None
    delegators: list[ev.IndexedEvent] = field(default_factory=list)
    slashers: list[ev.IndexedEvent] = field(default_factory=list)


class Mirror:
    """Indexed events of one Symbiotic deployment -> ledger facts, block by block."""

    def __init__(self, chain_id: str, *, known_assets: Iterable[str] = ()) -> None:
        """``known_assets``: asset ids the ledger already has (not registered again)."""
        self.chain_id = chain_id
        self.vaults: dict[str, VaultTally] = {}
        self.delegators: dict[str, tuple[str, ev.DelegatorMetadata]] = {}
        self.slashers: dict[str, tuple[str, ev.SlasherMetadata]] = {}
        self.assets: set[str] = set(known_assets)
        self.events_seen = 0
        #: Commands emitted so far, by command type name.
        self.counts: dict[str, int] = defaultdict(int)
        self.warnings: list[str] = []

    # -- helpers ---------------------------------------------------------------------------

    def _id(self, address: str) -> str:
        return account_id(self.chain_id, address)

    def _fid(self, e: ev.IndexedEvent, suffix: str = "") -> str:
        return f"{self.chain_id}:{e.block_hash}:{e.log_index}{suffix}"

    def _warn(self, message: str) -> None:
        log.warning("%s", message)
        self.warnings.append(message)

    def vault_of(self, e: ev.IndexedEvent) -> VaultTally | None:
        """The vault an event of a vault, delegator or slasher belongs to."""
        a = e.address.lower()
        if a in self.vaults:
            return self.vaults[a]
        if a in self.delegators:
            return self.vaults.get(self.delegators[a][0])
        if a in self.slashers:
            return self.vaults.get(self.slashers[a][0])
        return None

    # -- one block -------------------------------------------------------------------------

    def block_facts(
        self,
        events: Sequence[ev.IndexedEvent],
        tokens: Callable[[str], TokenInfo],
    ) -> list[ChainFact]:
        """Facts of one block's events (in log order). ``tokens(address)`` gives a collateral
        token's decimals and symbol (the adapter reads them from the chain beforehand)."""
        facts: list[ChainFact] = []
        by_tx: dict[str, list[ev.IndexedEvent]] = {}
        for e in events:
            by_tx.setdefault(e.tx_hash, []).append(e)
        for tx_events in by_tx.values():
            facts.extend(self._tx_facts(tx_events, tokens))
        self.events_seen += len(events)
        for fact in facts:
            self.counts[type(fact.command).__name__] += 1
        return facts

    def _tx_facts(
        self, events: list[ev.IndexedEvent], tokens: Callable[[str], TokenInfo]
    ) -> list[ChainFact]:
        out: list[ChainFact] = []
        created_here: set[str] = set()
        pending: dict[str, _Pending] = defaultdict(_Pending)
        for e in events:  # creations first: their set-up logs precede AddEntity
            r = e.record
            if isinstance(r, ev.VaultCreated) and r.metadata is not None:
                pending[r.vault.lower()].vault = e
            elif isinstance(r, ev.DelegatorCreated) and r.metadata is not None:
                self.delegators[r.delegator.lower()] = (r.metadata.vault.lower(), r.metadata)
                pending[r.metadata.vault.lower()].delegators.append(e)
            elif isinstance(r, ev.SlasherCreated) and r.metadata is not None:
                self.slashers[r.slasher.lower()] = (r.metadata.vault.lower(), r.metadata)
                pending[r.metadata.vault.lower()].slashers.append(e)
        for vault, p in pending.items():
            if p.vault is not None:
                assert isinstance(p.vault.record, ev.VaultCreated)
                meta = p.vault.record.metadata
                assert meta is not None
                self.vaults[vault] = VaultTally(
                    vault=vault,
                    meta=meta,
                    is_limit=meta.is_deposit_limit,
                    limit=meta.deposit_limit,
                )
                created_here.add(vault)
        for e in events:
            r = e.record
            if isinstance(r, ev.SetDelegator):
                tally = self.vaults.get(e.address.lower())
                if tally is not None:
                    tally.delegator = r.delegator.lower()
            elif isinstance(r, ev.SetSlasher):
                tally = self.vaults.get(e.address.lower())
                if tally is not None:
                    tally.slasher = r.slasher.lower()
        # Vaults whose delegator is known become ledger vaults (a vault created without a
        # delegator waits for the transaction that sets one).
        for tally in self.vaults.values():
            if not tally.created and tally.delegator in self.delegators:
                out.extend(self._create_vault(tally, events, tokens))
        for e in events:
            out.extend(self._translate(e, created_here))
        return out

    def _curator(self, vault: str, events: list[ev.IndexedEvent]) -> str:
        for e in events:
            r = e.record
            if (
                isinstance(r, ev.AdminEvent)
                and r.name == "RoleGranted"
                and e.address.lower() == vault
            ):
                args = dict(r.args)
                if bytes(args.get("role", b"\x01")) == _ADMIN_ROLE:
                    return self._id(str(args["account"]))
        return self._id(vault)

    def _create_vault(
        self,
        tally: VaultTally,
        events: list[ev.IndexedEvent],
        tokens: Callable[[str], TokenInfo],
    ) -> list[ChainFact]:
        tally.created = True
        created = next(
            (
                e
                for e in events
                if isinstance(e.record, ev.VaultCreated) and e.record.vault.lower() == tally.vault
            ),
            None,
        )
        anchor = created or next(
            e for e in events if isinstance(e.record, ev.SetDelegator | ev.DelegatorCreated)
        )
        assert tally.delegator is not None
        dmeta = self.delegators[tally.delegator][1]
        smeta = self.slashers[tally.slasher][1] if tally.slasher in self.slashers else None
        meta = tally.meta
        out: list[ChainFact] = []
        aid = asset_id(self.chain_id, meta.collateral)
        if aid not in self.assets:
            info = tokens(meta.collateral)
            out.append(
                ChainFact(
                    self._fid(anchor, ":asset"),
                    C.RegisterAsset(asset_id=aid, decimals=info.decimals, symbol=info.symbol),
                    anchor.timestamp,
                )
            )
            self.assets.add(aid)
        dtype = DELEGATOR_TYPES.get(dmeta.type)
        if dtype is None:
            raise MirrorError(f"vault {tally.vault}: unknown delegator type {dmeta.type}")
        stype = "none" if smeta is None else SLASHER_TYPES.get(smeta.type)
        if stype is None:
            raise MirrorError(f"vault {tally.vault}: unknown slasher type {smeta and smeta.type}")
        burner = None if meta.burner.lower() == ZERO else self._id(meta.burner)
        command = C.CreateVault(
            vault=self._id(tally.vault),
            asset_id=aid,
            curator=self._curator(tally.vault, events),
            epoch_duration=meta.epoch_duration,
            delegator_type=dtype,
            delegator_operator=self._id(dmeta.operator)
            if dmeta.type in (2, 3) and dmeta.operator
            else None,
            delegator_network=self._id(dmeta.network)
            if dmeta.type == 3 and dmeta.network
            else None,
            slasher_type=stype,
            veto_duration=(smeta.veto_duration or 0) if stype == "veto" and smeta else 0,
            resolver_set_epochs_delay=(smeta.resolver_set_epochs_delay or 3)
            if stype == "veto" and smeta
            else 3,
            burner=burner,
            deposit_whitelist=meta.deposit_whitelist,
            deposit_limit=tally.effective_limit,
            domain=self.chain_id,
        )
        # The ledger's epoch_duration_init is the CreateVault time; on chain it is the
        # creation block's timestamp (the same block as this fact).
        if meta.epoch_duration_init != anchor.timestamp:
            self._warn(
                f"vault {tally.vault}: epochDurationInit {meta.epoch_duration_init} differs "
                f"from its creation block's timestamp {anchor.timestamp}"
            )
        out.append(ChainFact(self._fid(anchor, ":vault"), command, anchor.timestamp))
        return out

    # -- one event ---------------------------------------------------------------------------

    def _translate(self, e: ev.IndexedEvent, created_here: set[str]) -> list[ChainFact]:
        r = e.record
        command = self._command(e, r, created_here)
        if command is None:
            return []
        return [ChainFact(self._fid(e), command, e.timestamp)]

    def _command(
        self, e: ev.IndexedEvent, r: ev.EventRecord, created_here: set[str]
    ) -> C.Command | None:
        cid = self._id
        if isinstance(r, ev.NetworkRegistered):
            return C.RegisterNetwork(network=cid(r.network))
        if isinstance(r, ev.OperatorRegistered):
            return C.RegisterOperator(operator=cid(r.operator))
        if isinstance(r, ev.OptIn | ev.OptOut):
            opt_in = isinstance(r, ev.OptIn)
            if r.service == "vault":
                if r.where.lower() not in self.vaults:
                    return None  # a vault of another deployment
                cls_v = C.OptInVault if opt_in else C.OptOutVault
                return cls_v(operator=cid(r.who), vault=cid(r.where))
            cls_n = C.OptInNetwork if opt_in else C.OptOutNetwork
            return cls_n(operator=cid(r.who), network=cid(r.where), domain=self.chain_id)
        tally = self.vault_of(e)
        if tally is None or not tally.created:
            return None
        vault = cid(tally.vault)
        own = e.address.lower() == tally.vault
        if own:
            return self._vault_command(e, r, tally, vault, created_here)
        if isinstance(r, ev.SetMaxNetworkLimit):
            return C.SetMaxNetworkLimit(
                vault=vault, network=cid(r.network), subnetwork=r.identifier, amount=r.amount
            )
        if isinstance(r, ev.SetNetworkLimit):
            return C.SetNetworkLimit(
                vault=vault, network=cid(r.network), subnetwork=r.identifier, amount=r.amount
            )
        if isinstance(r, ev.SetOperatorNetworkShares):
            return C.SetOperatorNetworkShares(
                vault=vault,
                network=cid(r.network),
                subnetwork=r.identifier,
                operator=cid(r.operator),
                shares=r.shares,
            )
        if isinstance(r, ev.SetOperatorNetworkLimit):
            return C.SetOperatorNetworkLimit(
                vault=vault,
                network=cid(r.network),
                subnetwork=r.identifier,
                operator=cid(r.operator),
                amount=r.amount,
            )
        if isinstance(r, ev.Slash):
            return C.Slash(
                vault=vault,
                network=cid(r.network),
                subnetwork=r.identifier,
                operator=cid(r.operator),
                amount=r.slashed_amount,
                capture=r.capture_timestamp,
            )
        if isinstance(r, ev.RequestSlash):
            return C.RequestSlash(
                vault=vault,
                network=cid(r.network),
                subnetwork=r.identifier,
                operator=cid(r.operator),
                amount=r.slash_amount,
                capture=r.capture_timestamp,
            )
        if isinstance(r, ev.ExecuteSlash):
            return C.ExecuteSlash(vault=vault, request=r.slash_index)
        if isinstance(r, ev.VetoSlash):
            return C.VetoSlash(vault=vault, request=r.slash_index)
        if isinstance(r, ev.SetResolver):
            resolver = None if r.resolver.lower() == ZERO else cid(r.resolver)
            return C.SetResolver(
                vault=vault, network=cid(r.network), subnetwork=r.identifier, resolver=resolver
            )
        return None  # DelegatorOnSlash, SetHook, admin events: nothing for the ledger

    def _vault_command(
        self,
        e: ev.IndexedEvent,
        r: ev.EventRecord,
        tally: VaultTally,
        vault: str,
        created_here: set[str],
    ) -> C.Command | None:
        cid = self._id
        if isinstance(r, ev.Deposit):
            tally.active += r.amount
            tally.shares += r.shares
            return C.Deposit(
                vault=vault, staker=cid(r.on_behalf_of), amount=r.amount, depositor=cid(r.depositor)
            )
        if isinstance(r, ev.Withdraw):
            return self._withdraw(e, r, tally, vault)
        if isinstance(r, ev.Claim):
            return C.Claim(
                vault=vault, claimer=cid(r.claimer), epochs=[r.epoch], recipient=cid(r.recipient)
            )
        if isinstance(r, ev.ClaimBatch):
            return C.Claim(
                vault=vault,
                claimer=cid(r.claimer),
                epochs=list(r.epochs),
                recipient=cid(r.recipient),
            )
        if isinstance(r, ev.VaultOnSlash):
            tally.on_slash(r.slashed_amount, r.capture_timestamp, e.timestamp)
            return None
        if tally.vault in created_here:
            return None  # the vault's own initialisation: already in CreateVault
        if isinstance(r, ev.SetDepositWhitelist):
            return C.SetDepositWhitelist(vault=vault, enabled=r.status)
        if isinstance(r, ev.SetDepositorWhitelistStatus):
            return C.SetDepositorWhitelisted(vault=vault, account=cid(r.account), allowed=r.status)
        if isinstance(r, ev.SetIsDepositLimit | ev.SetDepositLimit):
            before = tally.effective_limit
            if isinstance(r, ev.SetIsDepositLimit):
                tally.is_limit = r.status
            else:
                tally.limit = r.limit
            after = tally.effective_limit
            return None if after == before else C.SetDepositLimit(vault=vault, limit=after)
        if isinstance(r, ev.SharesTransfer):
            if ZERO not in (r.from_address.lower(), r.to_address.lower()):
                self._warn(
                    f"vault {tally.vault}: a transfer of {r.value} tokenized shares at block "
                    f"{e.block_number} is not mirrored (the ledger has no share transfers)"
                )
            return None
        return None

    def _withdraw(
        self, e: ev.IndexedEvent, r: ev.Withdraw, tally: VaultTally, vault: str
    ) -> C.Command:
        a, s = tally.active, tally.shares
        tally.active = a - r.amount
        tally.shares = s - r.burned_shares
        tally.withdrawals[tally.meta.epoch_at(e.timestamp) + 1] += r.amount
        staker, claimer = self._id(r.withdrawer), self._id(r.claimer)
        # withdraw(amount) burns ceil(amount*(S+1)/(A+1)); redeem(shares) pays
        # floor(shares*(A+1)/(S+1)). Feed whichever reproduces the event exactly.
        if _ceil_div(r.amount * (s + 1), a + 1) == r.burned_shares:
            return C.Withdraw(vault=vault, staker=staker, amount=r.amount, claimer=claimer)
        if r.burned_shares * (a + 1) // (s + 1) != r.amount:
            self._warn(
                f"vault {tally.vault}: Withdraw at block {e.block_number} log {e.log_index} "
                f"fits neither withdraw nor redeem (mirror out of step)"
            )
        return C.Redeem(vault=vault, staker=staker, shares=r.burned_shares, claimer=claimer)


def collaterals(events: Iterable[ev.IndexedEvent]) -> set[str]:
    """Collateral tokens of the vaults created in ``events`` (for the token look-up)."""
    return {
        e.record.metadata.collateral
        for e in events
        if isinstance(e.record, ev.VaultCreated) and e.record.metadata is not None
    }


def fact_ids_of(chain_id: str, orphaned: Iterable[tuple[str, int]]) -> list[str]:
    """Fact ids (with the creation suffixes) of orphaned (block hash, log index) pairs."""
    out: list[str] = []
    for block_hash, index in orphaned:
        base = f"{chain_id}:{block_hash}:{index}"
        out.extend((base, base + ":asset", base + ":vault"))
    return out


__all__ = [
    "Mirror",
    "MirrorError",
    "TokenInfo",
    "VaultTally",
    "account_id",
    "address_of",
    "asset_id",
    "collaterals",
    "fact_ids_of",
]
