"""How the adapter answers payout and slash instructions it cannot carry out: ``FAILED`` with
the precise reason when retrying cannot help (nothing sent, nothing recorded by the sync
loop), an error when the payout may still complete (the sync loop hands it over again), and
``EXECUTED`` once, whatever happens around it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

pytest.importorskip("solders.litesvm", reason="the solana extra (solders) is not installed")

from omnistake.chains.solana.adapter import SolanaAdapter
from omnistake.chains.solana.errors import SolanaError
from omnistake.chains.solana.journal import SqliteJournal
from omnistake.chains.solana.litesvm_backend import LiteSvmBackend
from omnistake.chains.solana.localnet import deposit_lst
from omnistake.chains.solana.programs import TOKEN_PROGRAM_ID, associated_token_address
from omnistake.chains.solana.signer import KeypairSigner
from omnistake.chains.solana.vaults import TokenVault, token_balance
from omnistake.clock import ManualClock
from omnistake.plugins import (
    ChainSync,
    DepositClaim,
    OutcomeStatus,
    PayoutInstruction,
    SlashInstruction,
)
from omnistake.service import LedgerService
from solana_kit import KIT_VAULT, make_cluster
from solders.keypair import Keypair
from solders.signature import Signature

CHAIN = "solana:litesvm-outcomes"
UNIT = 10**9


@dataclass(eq=False)
class Setup:
    svm: LiteSvmBackend
    adapter: SolanaAdapter
    vault: TokenVault
    journal_path: Path
    options: dict[str, object]

    @property
    def asset(self) -> str:
        return f"{CHAIN}/token:{self.vault.mint}"

    def payout(self, iid: str, amount: int, recipient: str | None = None) -> PayoutInstruction:
        return PayoutInstruction(
            instruction_id=iid,
            vault=KIT_VAULT,
            asset_id=self.asset,
            recipient=recipient or f"{CHAIN}:{Keypair().pubkey()}",
            amount=amount,
        )


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    svm, hub, payer, vault, staker = await make_cluster(tmp_path)
    await deposit_lst(svm, staker, vault, 50 * UNIT, staker_account=f"{CHAIN}:{staker.pubkey()}")
    options: dict[str, object] = {
        "backend": svm,
        "keystore": str(hub.path),
        "fee_payer": payer,
        "vaults": {KIT_VAULT: {"custody": vault, "burner": "burn"}},
        "journal": str(tmp_path / "journal.sqlite"),
    }
    adapter = SolanaAdapter.from_options(CHAIN, options)
    yield Setup(svm, adapter, vault, tmp_path / "journal.sqlite", options)
    await adapter.close()


async def test_impossible_instructions_fail_with_reasons(setup: Setup) -> None:
    s = setup
    before = await token_balance(s.svm, s.vault.token_account)
    cases = [
        (replace(s.payout("p1", UNIT), vault="elsewhere"), "UNKNOWN_VAULT"),
        (replace(s.payout("p2", UNIT), asset_id=f"{CHAIN}/slip44:501"), "WRONG_ASSET"),
        (s.payout("p3", UNIT, recipient="eip155:1:0x" + "ab" * 20), "RECIPIENT_NOT_ON_CHAIN"),
        (s.payout("p4", UNIT, recipient=f"{CHAIN}:not-a-key"), "RECIPIENT_NOT_ON_CHAIN"),
        (s.payout("p5", 51 * UNIT), "INSUFFICIENT_VAULT_BALANCE"),
        (s.payout("p6", 0), "INVALID_AMOUNT"),
    ]
    for instruction, reason in cases:
        outcome = await s.adapter.execute_payout(instruction)
        assert outcome.status is OutcomeStatus.FAILED and not outcome.tx_id
        assert outcome.detail.startswith(reason + ":"), outcome.detail
    slash = SlashInstruction(
        instruction_id="s1",
        vault=KIT_VAULT,
        asset_id=s.asset,
        network="n",
        operator="o",
        amount=60 * UNIT,
        capture=0,
    )
    outcome = await s.adapter.execute_slash(slash)
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.detail.startswith("INSUFFICIENT_VAULT_BALANCE:")
    assert await token_balance(s.svm, s.vault.token_account) == before

    # an id reused with other parameters after it was paid
    paid = await s.adapter.execute_payout(s.payout("p7", UNIT))
    assert paid.status is OutcomeStatus.EXECUTED
    reused = await s.adapter.execute_payout(s.payout("p7", 2 * UNIT))
    assert reused.status is OutcomeStatus.FAILED and reused.detail.startswith("PAYOUT_CONFLICT:")
    assert await token_balance(s.svm, s.vault.token_account) == before - UNIT


async def test_payout_in_flight_is_handed_over_again_until_it_completes(setup: Setup) -> None:
    """A crash left a payout's transaction signed and journaled but unsent: while its
    blockhash may still land, the adapter refuses to send another one (an error, so the sync
    loop records nothing); once it has expired, the payout is made, once."""
    s = setup
    wallet = KeypairSigner(Keypair())
    instruction = s.payout("wd-crash", 5 * UNIT, recipient=f"{CHAIN}:{wallet.pubkey()}")
    journal = SqliteJournal(s.journal_path)
    height = await s.svm.get_block_height()
    assert journal.begin(
        instruction.instruction_id,
        f"token_payout|{KIT_VAULT}|{wallet.pubkey()}|{5 * UNIT}",
        str(Signature.new_unique()),
        height + 150,
        {},
    )
    journal.close()
    service = LedgerService.open("memory://", ManualClock(0))
    sync = ChainSync(service, s.adapter)
    with pytest.raises(SolanaError) as pending:
        await sync.execute_payout(instruction)
    assert pending.value.reason == "PAYOUT_PENDING"
    assert sync.store.outcome(instruction.instruction_id) is None
    ata = associated_token_address(wallet.pubkey(), s.vault.mint, TOKEN_PROGRAM_ID)
    assert await token_balance(s.svm, ata) == 0
    s.svm.warp_slots(151)  # the journaled transaction can never land now
    outcome = await sync.execute_payout(instruction)
    assert outcome.status is OutcomeStatus.EXECUTED and outcome.tx_id
    assert await sync.execute_payout(instruction) == outcome  # recorded by the sync loop
    again = await s.adapter.execute_payout(instruction)  # and replayed by the journal
    assert again.tx_id == outcome.tx_id and "replayed" in again.detail
    assert await token_balance(s.svm, ata) == 5 * UNIT
    service.close()


async def test_a_misconfigured_vault_is_refused_before_anything_moves(
    setup: Setup, tmp_path: Path
) -> None:
    """A vault whose token account does not exist on chain (wrong mint, ATA never created):
    claims and payouts raise ConfigError; nothing is credited or sent."""
    from omnistake.chains.solana.errors import ConfigError

    s = setup
    stray_mint = Keypair().pubkey()
    options = {**s.options, "journal": str(tmp_path / "other.sqlite")}
    options["vaults"] = {KIT_VAULT: {"kind": "lst", "mint": str(stray_mint), "decimals": 9}}
    adapter = SolanaAdapter.from_options(CHAIN, options)
    try:
        claim = DepositClaim(vault=KIT_VAULT, staker=f"{CHAIN}:x", reference="1" * 64)
        with pytest.raises(ConfigError):
            await adapter.verify_deposit(claim)
        payout = replace(s.payout("p", UNIT), asset_id=f"{CHAIN}/token:{stray_mint}")
        with pytest.raises(ConfigError):
            await adapter.execute_payout(payout)
    finally:
        await adapter.close()
