"""A staked regtest world and the conformance-kit harness for the Bitcoin adapter.

:class:`StakingWorld` drives the in-process regtest chain builder: a funded wallet split into
many confirmed coins, a covenant committee, finality providers and stakers with keys derived
from labels, and helpers that build real staking, unbonding and timelock transactions.
:class:`RegtestController` is the :class:`~omnistake.testing.ChainController` the
conformance kit needs: activity is a new delegation (and every third time an unbonding).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from omnistake.plugins.records import BlockRef, DepositClaim
from omnistake.service import LedgerService
from omnistake.testing import AdapterHarness

from .adapter import BitcoinAdapter, staker_account
from .params import StakingParams
from .plugin import omnistake_chain_adapters
from .registry import Delegation, StakingRegistry, submission_to_proof
from .regtest import RegtestBackend, RegtestChain, Utxo, key_path_script
from .secp import xonly_from_secret
from .staker import (
    covenant_sign,
    prepare_submission,
    signed_unbonding_tx,
    staking_output,
    timelock_spend,
    with_covenants_and_proof,
)
from .tx import OutPoint, Transaction, TxOut
from .verifier import InclusionProof, StakingSubmission, StakingVerifier

FEE = 2_000


def secret(label: str) -> bytes:
    """A deterministic secret key from a label (tests only)."""
    return hashlib.sha256(label.encode()).digest()


COVENANT_SKS = tuple(secret(f"covenant-{i}") for i in range(3))


def regtest_params(**overrides: object) -> StakingParams:
    """Small regtest staking parameters: 2-of-3 covenants, 10 % slashing, 10-block unbonding."""
    fields: dict[str, object] = dict(
        covenant_pks=tuple(xonly_from_secret(s) for s in COVENANT_SKS),
        covenant_quorum=2,
        min_staking_value_sat=50_000,
        max_staking_value_sat=10**10,
        min_staking_time_blocks=20,
        max_staking_time_blocks=1000,
        slashing_pk_script=bytes.fromhex("76a914" + "01" * 20 + "88ac"),
        min_slashing_tx_fee_sat=1_000,
        slashing_rate=Fraction(1, 10),
        unbonding_time_blocks=10,
        unbonding_fee_sat=2_000,
    )
    fields.update(overrides)
    return StakingParams(**fields)  # type: ignore[arg-type]


@dataclass
class Staked:
    """A staking tx (in the mempool or mined) and its full submission (no inclusion)."""

    staker_sk: bytes
    tx: Transaction
    submission: StakingSubmission

    @property
    def txid(self) -> str:
        return self.tx.txid


@dataclass
class StakingWorld:
    """A regtest chain with a funded wallet of ``coins`` confirmed outputs."""

    chain: RegtestChain
    params: StakingParams
    coins: list[Utxo] = field(default_factory=list)
    wallet_sk: bytes = field(default_factory=lambda: secret("wallet"))

    @classmethod
    def build(cls, params: StakingParams | None = None, coins: int = 40) -> StakingWorld:
        """Mine and mature a coinbase, split it into ``coins`` outputs, and confirm them."""
        world = cls(RegtestChain(), params or regtest_params())
        chain = world.chain
        funding = chain.fund(world.wallet_sk)
        each = (funding.output.value - FEE) // coins
        script = key_path_script(world.wallet_sk)
        split = chain.spend_key_path(
            world.wallet_sk, [funding], [TxOut(each, script) for _ in range(coins)]
        )
        chain.broadcast(split)
        chain.mine(1)
        world.coins = [chain.utxos[OutPoint(split.txid_bytes, i)] for i in range(coins)]
        return world

    @property
    def start_height(self) -> int:
        """Height of the block that confirmed the wallet's coins (adapters start here)."""
        return self.coins[0].height

    @property
    def backend(self) -> RegtestBackend:
        return RegtestBackend(self.chain)

    def stake(
        self,
        staker_sk: bytes,
        fp_pk: bytes,
        amount: int,
        staking_time: int = 60,
        *,
        broadcast: bool = True,
        covenants: Sequence[bytes] = COVENANT_SKS[:2],
    ) -> Staked:
        """Build (and by default broadcast) a staking tx of ``amount`` sats to ``fp_pk``,
        with the staker's pre-signed slashing signatures and covenant signatures."""
        coin = self.coins.pop(0)
        out = staking_output(
            xonly_from_secret(staker_sk), [fp_pk], staking_time, amount, self.params
        )
        change = TxOut(coin.output.value - amount - FEE, key_path_script(self.wallet_sk))
        tx = self.chain.spend_key_path(self.wallet_sk, [coin], [change, out])
        if broadcast:
            self.chain.broadcast(tx)
        sub = prepare_submission(staker_sk, [fp_pk], tx, staking_time, amount, self.params)
        sigs = [covenant_sign(c, sub, self.params, bytes(32)) for c in covenants]
        return Staked(staker_sk, tx, with_covenants_and_proof(sub, sigs, None))

    def inclusion(self, tx: Transaction) -> InclusionProof:
        """The backend's (unverified) inclusion proof of a mined tx."""
        loc = self.chain.tx_with_proof(tx.txid_bytes)
        return InclusionProof(loc.block_hash, loc.index, loc.proof)

    def unbond(self, staked: Staked) -> Transaction:
        """Broadcast the delegation's unbonding tx (staker + covenant signatures)."""
        tx = signed_unbonding_tx(staked.staker_sk, staked.submission, self.params)
        self.chain.broadcast(tx)
        return tx

    def withdraw_after_timelock(self, staked: Staked) -> Transaction:
        """Broadcast the timelock-path spend of the staking output back to the staker."""
        record = StakingVerifier(self.params).verify(staked.submission)
        leaf = record.staking_info.timelock_leaf
        tx = timelock_spend(
            staked.staker_sk,
            record.outpoint,
            record.staking_info.output,
            leaf,
            record.staking_info.control_block(leaf),
            staked.submission.staking_time,
            TxOut(record.amount_sat - FEE, key_path_script(staked.staker_sk)),
        )
        self.chain.broadcast(tx)
        return tx

    def head(self, start_height: int = 0) -> BlockRef:
        """The tip as a BlockRef (monotone time from ``start_height``, as the adapter)."""
        return chain_ref(self.chain, self.chain.height, start_height)


def chain_ref(chain: RegtestChain, height: int, start_height: int = 0) -> BlockRef:
    """BlockRef of the block at ``height``, with the adapter's monotone time rule
    (``max(block time, previous)``, counted from ``start_height``)."""
    t = 0
    for b in chain.blocks[start_height : height + 1]:
        t = max(t, b.header.time)
    return BlockRef(height, chain.blocks[height].header.hash_hex, t)


class RegtestController:
    """The kit's chain controller over a :class:`StakingWorld` with one finality provider."""

    def __init__(
        self,
        world: StakingWorld,
        registry: StakingRegistry,
        make_adapter: object,
        confirmation_depth: int,
        network: str = "babylon",
    ) -> None:
        self.world = world
        self.registry = registry
        self._make_adapter = make_adapter
        self._depth = confirmation_depth
        self.network = network
        self.fp_sk = secret("kit-fp")
        self.fp_pk = xonly_from_secret(self.fp_sk)
        self.staked: list[Staked] = []
        self._step = 0

    def _adapter(self) -> BitcoinAdapter:
        adapter = self._make_adapter()  # type: ignore[operator]
        assert isinstance(adapter, BitcoinAdapter)
        return adapter

    @property
    def confirmation_depth(self) -> int:
        return self._depth

    @property
    def max_reorg_depth(self) -> int | None:
        return None

    async def setup_ledger(self, service: LedgerService) -> None:
        from .hub import register_babylon_network, register_finality_provider, sign_fp_pop

        adapter = self._adapter()
        await register_babylon_network(service, self.network)
        await register_finality_provider(
            service,
            adapter,
            operator="kit-fp",
            fp_pk=self.fp_pk,
            pop=sign_fp_pop(self.fp_sk, "kit-fp"),
            network=self.network,
        )
        await adapter.close()

    def _ensure_fp(self) -> None:
        from .registry import FinalityProvider

        self.registry.add_finality_provider(FinalityProvider(self.fp_pk, "kit-fp", "btc-kit-fp"))

    async def add_activity(self) -> None:
        self._ensure_fp()
        self._step += 1
        staker = secret(f"kit-staker-{self._step % 3}")
        staked = self.world.stake(staker, self.fp_pk, 100_000 + 1_000 * self._step)
        adapter = self._adapter()
        await adapter.register_delegation(staked.submission)
        await adapter.close()
        if self._step % 3 == 0:
            for earlier in self.staked:
                if (
                    earlier.submission
                    and OutPoint(earlier.tx.txid_bytes, 1) in self.world.chain.utxos
                ):
                    self.world.unbond(earlier)
                    break
        self.staked.append(staked)

    async def make_deposit(self, service: LedgerService) -> DepositClaim:
        """A delegation staked without pre-registration, ``k`` deep: claimed with its proof."""
        self._ensure_fp()
        self._step += 1
        staked = self.world.stake(secret(f"kit-claimer-{self._step}"), self.fp_pk, 250_000)
        self.world.chain.mine(1 + self._depth)
        self.staked.append(staked)
        sub = replace(staked.submission, inclusion=self.world.inclusion(staked.tx))
        return DepositClaim(
            vault="btc-kit-fp",
            staker=staker_account(self._adapter().chain_id, sub.staker_pk),
            reference=staked.txid,
            amount=sub.staking_value,
            proof=submission_to_proof(sub),
        )

    async def mine(self, count: int = 1) -> list[BlockRef]:
        self.world.chain.mine(count)
        chain = self.world.chain
        start = self.world.start_height
        return [
            chain_ref(chain, h, start) for h in range(chain.height - count + 1, chain.height + 1)
        ]

    async def reorg(self, depth: int) -> list[BlockRef]:
        self._ensure_fp()
        self._step += 1
        chain = self.world.chain
        staked = self.world.stake(
            secret("kit-forker"), self.fp_pk, 100_000 + 1_000 * self._step + 7, broadcast=False
        )
        StakingVerifier(self.world.params).verify(staked.submission)
        self.registry.add_delegation(Delegation(staked.submission, chain.height - depth))
        blocks = chain.reorg(depth, [staked.tx])
        self.staked.append(staked)
        first = chain.height - len(blocks) + 1
        start = self.world.start_height
        return [chain_ref(chain, h, start) for h in range(first, chain.height + 1)]

    async def head(self) -> BlockRef:
        return self.world.head(self.world.start_height)


_ids = itertools.count(1)


def harness(confirmation_depth: int = 3, registry_path: str | None = None) -> AdapterHarness:
    """A fresh regtest world, one FP, and adapters built by the plugin's factory. With
    ``registry_path`` every adapter reads the registry from that file (as after a restart,
    or in another process); otherwise they share one in-memory registry."""
    world = StakingWorld.build()
    registry = StakingRegistry(registry_path)
    (spec,) = list(omnistake_chain_adapters())
    shared: dict[str, object] = (
        {"registry_path": registry_path} if registry_path else {"registry": registry}
    )
    options = {
        **shared,
        "backend": world.backend,
        "params": world.params,
        "confirmation_depth": confirmation_depth,
        "start_height": world.start_height,
        "poll_interval": 0.005,
    }
    chain_id = "bip122:" + world.chain.blocks[0].header.hash_hex[:32]

    def make_adapter() -> BitcoinAdapter:
        adapter = spec.factory(chain_id, options)
        assert isinstance(adapter, BitcoinAdapter)
        return adapter

    controller = RegtestController(world, registry, make_adapter, confirmation_depth)
    return AdapterHarness(make_adapter=make_adapter, controller=controller, namespace="bip122")
