"""The conformance harness of the Solana adapter (``omnistake.chains.solana.conformance:
harness``): the plugin conformance kit finds it here and runs on a fresh LiteSVM cluster per
test, with a real SPL mint, the hub's LST vault account, a controller that makes memo-bound
LST deposits and produces slots, and adapters built by the plugin's own factory.

LiteSVM keeps a single chain, so the controller declares ``max_reorg_depth = 0`` and the
kit skips its reorg tests. Needs the ``solana`` extra (solders).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from omnistake.errors import OmnistakeError
from omnistake.ledger.commands import CreateVault, RegisterAsset
from omnistake.plugins import BlockRef, DepositClaim
from omnistake.principals import ADMIN, SYSTEM
from omnistake.service import LedgerService
from omnistake.testing import AdapterHarness
from solders.keypair import Keypair

from .adapter import SolanaAdapter
from .backend import Commitment
from .litesvm_backend import LAMPORTS_PER_SOL, LiteSvmBackend
from .localnet import create_ata, create_mint, deposit_lst, mint_to
from .plugin import omnistake_chain_adapters
from .programs import TOKEN_PROGRAM_ID
from .signer import KeypairSigner, KeystoreSigner
from .vaults import TokenVault

T = TypeVar("T")

_ids = itertools.count(1)
KIT_VAULT = "sol-kit-lst"
TOKENS = 10**9


class NoReorgs(OmnistakeError):
    """LiteSVM has one chain: there is nothing to reorganise."""

    reason = "NO_REORGS_ON_LITESVM"


class SolanaController:
    """Drives a LiteSVM cluster for the kit. Activity is one LST deposit (transfer + memo)
    with a distinct amount; a mined block is a slot."""

    def __init__(
        self,
        svm: LiteSvmBackend,
        chain_id: str,
        vault: TokenVault,
        staker: KeypairSigner,
        depth: int,
    ) -> None:
        self.svm = svm
        self.chain_id = chain_id
        self.vault = vault
        self.staker = staker
        self._depth = depth
        self._step = 0

    @property
    def confirmation_depth(self) -> int:
        return self._depth

    @property
    def max_reorg_depth(self) -> int | None:
        return 0

    @property
    def staker_account(self) -> str:
        """The staker's CAIP-10 account (what its deposit memo names)."""
        return f"{self.chain_id}:{self.staker.pubkey()}"

    async def setup_ledger(self, service: LedgerService) -> None:
        """Register the LST and create the hub vault (idempotently: request ids)."""
        asset = f"{self.chain_id}/token:{self.vault.mint}"
        await service.execute(
            RegisterAsset(asset_id=asset, decimals=9, symbol="kitSOL"),
            principal=SYSTEM,
            request_id="asset:" + asset,
        )
        await service.execute(
            CreateVault(
                vault=KIT_VAULT,
                asset_id=asset,
                curator="kit-curator",
                epoch_duration=3_600,
                domain="hub",
            ),
            principal=ADMIN,
            request_id="kit:create-vault",
        )

    async def add_activity(self) -> None:
        self._step += 1
        await deposit_lst(
            self.svm,
            self.staker,
            self.vault,
            self._step * TOKENS + self._step,
            staker_account=self.staker_account,
        )

    async def make_deposit(self, service: LedgerService) -> DepositClaim:
        """A final LST deposit, claimed with its exact amount."""
        self._step += 1
        amount = self._step * TOKENS + 500 + self._step
        sig = await deposit_lst(
            self.svm, self.staker, self.vault, amount, staker_account=self.staker_account
        )
        self.svm.warp_slots(self._depth + 1)
        return DepositClaim(
            vault=KIT_VAULT, staker=self.staker_account, reference=str(sig), amount=amount
        )

    def ref(self, slot: int) -> BlockRef:
        block = self.svm.block_sync(slot)
        assert block is not None and block.block_time is not None
        return BlockRef(slot, block.blockhash, block.block_time)

    async def mine(self, count: int = 1) -> list[BlockRef]:
        first = self.svm.slot + 1
        self.svm.warp_slots(count)
        return [self.ref(s) for s in range(first, self.svm.slot + 1)]

    async def reorg(self, depth: int) -> list[BlockRef]:
        raise NoReorgs("LiteSVM keeps one chain; max_reorg_depth is 0")

    async def head(self) -> BlockRef:
        return self.ref(self.svm.slot)


async def make_cluster(
    tmp_path: Path,
) -> tuple[LiteSvmBackend, KeystoreSigner, KeypairSigner, TokenVault, KeypairSigner]:
    """A LiteSVM cluster with a hub key file, a fee payer, a real mint, the vault's token
    account and a staker holding tokens."""
    svm = LiteSvmBackend()
    hub = KeystoreSigner.create(tmp_path / f"hub-{next(_ids)}.json")
    payer = KeypairSigner(Keypair())
    mint_authority = KeypairSigner(Keypair())
    staker = KeypairSigner(Keypair())
    for who in (payer, mint_authority, staker):
        svm.airdrop(who.pubkey(), 100 * LAMPORTS_PER_SOL)
    mint = await create_mint(svm, mint_authority, decimals=9, token_program=TOKEN_PROGRAM_ID)
    await create_ata(svm, payer, hub.pubkey(), mint, TOKEN_PROGRAM_ID)
    vault = TokenVault.at_ata(KIT_VAULT, mint, 9, hub.pubkey(), TOKEN_PROGRAM_ID)
    ata = await create_ata(svm, payer, staker.pubkey(), mint, TOKEN_PROGRAM_ID)
    await mint_to(svm, mint_authority, mint, ata, 10**6 * TOKENS, TOKEN_PROGRAM_ID)
    return svm, hub, payer, vault, staker


def run_inline(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never waits on anything (LiteSVM's async API executes in
    process) to completion without an event loop, so a plain ``harness()`` can build the
    cluster whether or not a loop is running."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("the LiteSVM set-up waited on something; it must run in process")


def harness(tmp_path: Path | None = None, commitment: str = "finalized") -> AdapterHarness:
    """A fresh cluster (its own CAIP-2 id) and adapters built by the plugin's factory. The
    hub's key file goes under ``tmp_path`` (default: a temporary folder the harness's
    teardown removes)."""
    owned = tmp_path is None
    root = Path(tempfile.mkdtemp(prefix="omnistake-solana-kit-")) if tmp_path is None else tmp_path
    svm, hub, payer, vault, staker = run_inline(make_cluster(root))
    chain_id = f"solana:litesvm-kit{next(_ids)}"
    (spec,) = list(omnistake_chain_adapters())
    options = {
        "backend": svm,
        "keystore": str(hub.path),
        "fee_payer": payer,
        "vaults": {KIT_VAULT: {"custody": vault, "symbol": "kitSOL"}},
        "commitment": commitment,
        "start_slot": svm.slot,
        "poll_interval": 0.005,
    }
    depth = svm.finalize_depth if Commitment.parse(commitment) is Commitment.FINALIZED else 1

    def make_adapter() -> SolanaAdapter:
        adapter = spec.factory(chain_id, options)
        if not isinstance(adapter, SolanaAdapter):
            raise TypeError(f"the solana factory built {type(adapter).__name__}")
        return adapter

    async def teardown() -> None:
        if owned:
            shutil.rmtree(root, ignore_errors=True)

    return AdapterHarness(
        make_adapter=make_adapter,
        controller=SolanaController(svm, chain_id, vault, staker, depth),
        namespace=spec.namespace,
        teardown=teardown,
    )


__all__ = ["KIT_VAULT", "NoReorgs", "SolanaController", "harness", "make_cluster", "run_inline"]
