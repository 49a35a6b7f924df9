"""The conformance harness: a fresh memchain, a controller, and the plugin's factory."""

from __future__ import annotations

import itertools

from omnistake.ledger.commands import CreateVault
from omnistake.plugins import BlockRef, DepositClaim
from omnistake.principals import ADMIN
from omnistake.service import LedgerService
from omnistake.testing import AdapterHarness

from .adapter import MemchainAdapter, native_asset, ref
from .chain import MemChain
from .plugin import omnistake_chain_adapters

_ids = itertools.count(1)
HUB_VAULT = "hub-vault"


class MemchainController:
    """Drives a :class:`MemChain` for the kit: activity is a vault creation, then deposits
    (and withdrawals) by a few stakers with distinct amounts."""

    def __init__(self, chain: MemChain, confirmation_depth: int, custody: str = "mirrored") -> None:
        self.chain = chain
        self._depth = confirmation_depth
        self.custody = custody
        self._step = 0

    @property
    def confirmation_depth(self) -> int:
        return self._depth

    @property
    def max_reorg_depth(self) -> int | None:
        return None

    async def setup_ledger(self, service: LedgerService) -> None:
        """Mirrored: nothing (the vault is a chain fact). Hub custody: the hub's vault."""
        if self.custody == "hub_custody":
            await service.execute(
                CreateVault(
                    vault=HUB_VAULT,
                    asset_id=native_asset(self.chain.chain_id),
                    curator="hub-curator",
                    epoch_duration=7 * 86_400,
                ),
                principal=ADMIN,
                request_id="kit:hub-vault",
                at=0,
            )

    async def make_deposit(self, service: LedgerService) -> DepositClaim:
        """A transfer into custody, final, and the staker's claim for it (hub custody)."""
        self._step += 1
        staker = f"claimer{self._step}"
        self.chain.submit("mint", to=staker, amount=5_000 + self._step)
        tx = self.chain.submit(
            "transfer", sender=staker, to="hub-custody", amount=5_000 + self._step
        )
        self.chain.mine(1 + self._depth)
        return DepositClaim(
            vault=HUB_VAULT,
            staker=f"{self.chain.chain_id}:{staker}",
            reference=tx.txid,
            amount=5_000 + self._step,
        )

    async def add_activity(self) -> None:
        self._step += 1
        if self.custody == "hub_custody":
            staker = f"staker{self._step % 3}"
            amount = 10**18 * self._step
            self.chain.submit("mint", to=staker, amount=amount)
            self.chain.submit(
                "transfer", sender=staker, to="hub-custody", amount=amount, vault=HUB_VAULT
            )
            return
        if self._step == 1:
            self.chain.submit(
                "create_vault", vault="mem-vault", curator="mem-curator", epoch_duration=7 * 86_400
            )
        staker = f"staker{self._step % 3}"
        amount = 10**18 * self._step
        self.chain.submit("mint", to=staker, amount=amount)
        self.chain.submit("deposit", vault="mem-vault", staker=staker, amount=amount)
        if self._step % 4 == 0:
            self.chain.submit("withdraw", vault="mem-vault", staker=staker, amount=amount // 2)

    async def mine(self, count: int = 1) -> list[BlockRef]:
        return [ref(b) for b in self.chain.mine(count)]

    async def reorg(self, depth: int) -> list[BlockRef]:
        # The new branch carries its own, different activity.
        self._step += 1
        amount = 10**18 * self._step + 7
        txs = [self.chain.make_tx("mint", to="forker", amount=amount)]
        if self.custody == "hub_custody":
            txs.append(
                self.chain.make_tx(
                    "transfer", sender="forker", to="hub-custody", amount=amount, vault=HUB_VAULT
                )
            )
        else:
            txs.append(
                self.chain.make_tx("deposit", vault="mem-vault", staker="forker", amount=amount)
            )
        return [ref(b) for b in self.chain.reorg(depth, txs)]

    async def head(self) -> BlockRef:
        return ref(self.chain.head)


def harness(confirmation_depth: int = 3, custody: str = "mirrored") -> AdapterHarness:
    """A fresh chain (its own CAIP-2 id) and adapters built by the plugin's factory."""
    chain = MemChain(f"memchain:kit{next(_ids)}")
    (spec,) = list(omnistake_chain_adapters())
    options = {"chain": chain, "confirmation_depth": confirmation_depth, "custody": custody}

    def make_adapter() -> MemchainAdapter:
        adapter = spec.factory(chain.chain_id, options)
        assert isinstance(adapter, MemchainAdapter)
        return adapter

    return AdapterHarness(
        make_adapter=make_adapter,
        controller=MemchainController(chain, confirmation_depth, custody),
        namespace=spec.namespace,
    )
