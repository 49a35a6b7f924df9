"""The Solana adapter driving the real ledger: LedgerService + ChainSync on LiteSVM, with a
real SPL mint and real stake accounts delegated to real vote accounts.

Deposit (claimed, and found by following), stake through a network, withdraw across vault
epochs, claim and pay out, slash and burn. After every step the vault token account and the
custodied stake equal the ledger's vault balances, and the totals are conserved. Every kind
of rejected deposit leaves the ledger's state hash and sequence unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

pytest.importorskip("solders.litesvm", reason="the solana extra (solders) is not installed")

from omnistake.chains.solana.adapter import SolanaAdapter
from omnistake.chains.solana.custody import INCINERATOR
from omnistake.chains.solana.deposits import deposit_memo
from omnistake.chains.solana.litesvm_backend import LAMPORTS_PER_SOL, LiteSvmBackend
from omnistake.chains.solana.localnet import (
    create_ata,
    create_mint,
    create_stake_account,
    create_vote_account,
    deposit_lst,
    deposit_stake,
    mint_to,
    send,
)
from omnistake.chains.solana.programs import (
    STAKE_ACCOUNT_SIZE,
    STAKE_AUTHORIZE_STAKER,
    STAKE_AUTHORIZE_WITHDRAWER,
    STAKE_PROGRAM_ID,
    TOKEN_PROGRAM_ID,
    associated_token_address,
    decode_mint_supply,
    decode_stake_state,
    memo,
    stake_authorize,
    stake_initialize,
)
from omnistake.chains.solana.signer import KeypairSigner, KeystoreSigner
from omnistake.chains.solana.vaults import TokenVault, custodied_stake, token_balance
from omnistake.clock import ManualClock
from omnistake.errors import OmnistakeError
from omnistake.ledger import commands as C
from omnistake.plugins import (
    ChainSync,
    DepositClaim,
    DepositRejected,
    FactRejected,
    OutcomeStatus,
    PayoutInstruction,
    PayoutOutcome,
    SlashOutcome,
    SqliteSyncStore,
)
from omnistake.principals import ADMIN, Principal, Role
from omnistake.service import LedgerService
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account

SOL = LAMPORTS_PER_SOL
UNIT = 10**9  # the LST has 9 decimals
CHAIN = "solana:litesvm-lifecycle"
LST_VAULT = "sol-lst"
NATIVE_VAULT = "sol-native"
NET = "net-sol"
OP = "op-sol"
EPOCH = 3_600  # vault epoch: one hour of Solana Clock time
SLOTS_PER_EPOCH = EPOCH * 1000 // 400
FINAL = 32  # slots until finalized in LiteSVM's model


@dataclass(eq=False)
class Hub:
    """The cluster, the ledger, and the adapter between them."""

    svm: LiteSvmBackend
    clock: ManualClock
    service: LedgerService
    sync: ChainSync
    adapter: SolanaAdapter
    payer: KeypairSigner
    mint_authority: KeypairSigner
    mint: Pubkey
    lst: TokenVault
    vote_allowed: Pubkey
    vote_other: Pubkey
    options: dict[str, object]
    tmp: Path

    @property
    def hub_key(self) -> Pubkey:
        return self.lst.authority

    def account(self, who: KeypairSigner) -> str:
        """CAIP-10 account of a wallet on this cluster."""
        return f"{CHAIN}:{who.pubkey()}"

    async def now(self) -> int:
        """Move the ledger clock to the cluster's Clock (through the adapter's time map)."""
        t = await self.adapter.ledger_now()
        self.clock.set(t)
        return t

    async def do(self, command: C.Command, principal: Principal = ADMIN) -> None:
        await self.now()
        await self.service.execute(command, principal=principal)

    async def wallet(self, tokens: int = 0, sol: int = 40) -> KeypairSigner:
        who = KeypairSigner(Keypair())
        self.svm.airdrop(who.pubkey(), sol * SOL)
        if tokens:
            ata = await create_ata(self.svm, self.payer, who.pubkey(), self.mint, TOKEN_PROGRAM_ID)
            await mint_to(self.svm, self.mint_authority, self.mint, ata, tokens, TOKEN_PROGRAM_ID)
        return who

    def finalize(self) -> None:
        self.svm.warp_slots(FINAL)

    async def supply(self) -> int:
        acct = await self.svm.get_account(self.mint)
        assert acct is not None
        decoded = decode_mint_supply(bytes(acct.data))
        assert decoded is not None
        return decoded[0]

    async def tokens_of(self, who: KeypairSigner | Pubkey) -> int:
        owner = who if isinstance(who, Pubkey) else who.pubkey()
        return await token_balance(
            self.svm, associated_token_address(owner, self.mint, TOKEN_PROGRAM_ID)
        )

    async def check_balances(self) -> tuple[int, int]:
        """Chain == ledger for both vaults, and the ledger's own conservation identity."""
        vault_tokens = await token_balance(self.svm, self.lst.token_account)
        native = self.adapter.vaults[NATIVE_VAULT].custody
        held = await custodied_stake(self.svm, native)  # type: ignore[arg-type]
        staked = sum(c.stake for c in held)
        for vid, on_chain in ((LST_VAULT, vault_tokens), (NATIVE_VAULT, staked)):
            v = self.service.ledger.vault(vid)
            assert v.balance == on_chain, f"{vid}: ledger {v.balance}, chain {on_chain}"
            assert v.total_deposited == v.balance + v.total_claimed + v.total_slashed
        return vault_tokens, staked

    def snapshot(self) -> tuple[int, str]:
        return self.service.ledger.seq, self.service.ledger.state_hash()


async def all_delegated(svm: LiteSvmBackend) -> int:
    """Delegated lamports over every stake account on the cluster."""
    total = 0
    for _, acct in await svm.get_program_accounts(STAKE_PROGRAM_ID):
        st = decode_stake_state(bytes(acct.data))
        if st is not None and st.kind == "stake":
            total += st.stake
    return total


async def stake_authorities(svm: LiteSvmBackend, pk: Pubkey) -> tuple[int, Pubkey, Pubkey]:
    acct = await svm.get_account(pk)
    assert acct is not None
    st = decode_stake_state(bytes(acct.data))
    assert st is not None and st.staker is not None and st.withdrawer is not None
    return st.stake, st.staker, st.withdrawer


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    svm = LiteSvmBackend()
    signer = KeystoreSigner.create(tmp_path / "hub.json")
    payer = KeypairSigner(Keypair())
    mint_authority = KeypairSigner(Keypair())
    svm.airdrop(payer.pubkey(), 1_000 * SOL)
    svm.airdrop(mint_authority.pubkey(), 10 * SOL)
    mint = await create_mint(svm, mint_authority, decimals=9, token_program=TOKEN_PROGRAM_ID)
    await create_ata(svm, payer, signer.pubkey(), mint, TOKEN_PROGRAM_ID)
    vote_allowed = await create_vote_account(svm, payer)
    vote_other = await create_vote_account(svm, payer)
    options: dict[str, object] = {
        "backend": svm,
        "keystore": str(signer.path),
        "fee_payer": payer,
        "commitment": "finalized",
        "journal": str(tmp_path / "journal.sqlite"),
        "poll_interval": 0.005,
        "vaults": {
            LST_VAULT: {"kind": "lst", "mint": str(mint), "decimals": 9, "symbol": "xSOL"},
            NATIVE_VAULT: {"kind": "native", "vote_accounts": [str(vote_allowed)]},
        },
    }
    adapter = SolanaAdapter.from_options(CHAIN, options)
    clock = ManualClock(0)
    service = LedgerService.open("memory://", clock)
    sync = ChainSync(service, adapter, SqliteSyncStore(tmp_path / "sync.sqlite"))
    lst = adapter.vaults[LST_VAULT].custody
    assert isinstance(lst, TokenVault)
    h = Hub(
        svm,
        clock,
        service,
        sync,
        adapter,
        payer,
        mint_authority,
        mint,
        lst,
        vote_allowed,
        vote_other,
        options,
        tmp_path,
    )
    yield h
    await sync.close()
    service.close()


async def open_vaults(h: Hub) -> None:
    """The ledger side: assets (by the sync loop), a network, an operator, two hub vaults."""
    await h.now()
    await h.sync.start()
    assets = {a.asset_id for a in await h.adapter.list_assets()}
    assert assets == {f"{CHAIN}/token:{h.mint}", f"{CHAIN}/slip44:501"}
    await h.do(C.RegisterNetwork(network=NET, name="Solana network"))
    await h.do(C.RegisterOperator(operator=OP, keys={"solana": str(Keypair().pubkey())}))
    for vid, asset in (
        (LST_VAULT, f"{CHAIN}/token:{h.mint}"),
        (NATIVE_VAULT, f"{CHAIN}/slip44:501"),
    ):
        await h.do(
            C.CreateVault(
                vault=vid, asset_id=asset, curator="cur", epoch_duration=EPOCH, domain="hub"
            )
        )


async def wire(h: Hub) -> None:
    """Stake both vaults to OP in NET."""
    for vid in (LST_VAULT, NATIVE_VAULT):
        await h.do(C.SetMaxNetworkLimit(vault=vid, network=NET, amount=10**30))
        await h.do(C.SetNetworkLimit(vault=vid, network=NET, amount=10**30))
        await h.do(C.SetOperatorNetworkShares(vault=vid, network=NET, operator=OP, shares=1))
        await h.do(C.OptInVault(operator=OP, vault=vid))
    await h.do(C.OptInNetwork(operator=OP, network=NET))


async def test_lifecycle_balances_equal_after_every_step(hub: Hub) -> None:
    h = hub
    # Stakers' native stake accounts, delegated and active before the vaults open.
    alice = await h.wallet(tokens=100 * UNIT)
    bob = await h.wallet(tokens=100 * UNIT)
    carol = await h.wallet(tokens=100 * UNIT)
    a_stake = await create_stake_account(h.svm, alice, 5 * SOL, vote=h.vote_allowed)
    b_stake = await create_stake_account(h.svm, bob, 3 * SOL, vote=h.vote_allowed)
    h.svm.warp_epochs(1)
    delegated = await all_delegated(h.svm)
    supply0 = await h.supply()
    await open_vaults(h)
    assert await h.check_balances() == (0, 0)

    # -- deposits, claimed through ChainSync.verify_deposit ---------------------------------
    h.adapter.start_slot = h.svm.slot
    sig_a = await deposit_lst(h.svm, alice, h.lst, 60 * UNIT, staker_account=h.account(alice))
    sig_b = await deposit_lst(h.svm, bob, h.lst, 40 * UNIT, staker_account=h.account(bob))
    nat_a = await deposit_stake(h.svm, alice, a_stake, h.hub_key, staker_account=h.account(alice))
    nat_b = await deposit_stake(h.svm, bob, b_stake, h.hub_key, staker_account=h.account(bob))
    claim_a = DepositClaim(vault=LST_VAULT, staker=h.account(alice), reference=str(sig_a))
    before = h.snapshot()
    with pytest.raises(DepositRejected) as early:
        await h.sync.verify_deposit(claim_a)
    assert early.value.metadata["cause"] == "UNCONFIRMED"  # confirmed, not yet finalized
    assert h.snapshot() == before
    h.finalize()
    first_verified = await h.adapter.verify_deposit(replace(claim_a, amount=60 * UNIT))
    assert first_verified.confirmations == h.svm.slot - h.svm.executed(sig_a).slot + 1  # type: ignore[union-attr]
    first = await h.sync.verify_deposit(replace(claim_a, amount=60 * UNIT))
    again = await h.sync.verify_deposit(claim_a)
    assert not first.replayed and again.replayed
    await h.sync.verify_deposit(
        DepositClaim(vault=LST_VAULT, staker=h.account(bob), reference=str(sig_b))
    )
    for who, sig, stake, amount in ((alice, nat_a, a_stake, 5 * SOL), (bob, nat_b, b_stake, None)):
        await h.sync.verify_deposit(
            DepositClaim(
                vault=NATIVE_VAULT,
                staker=h.account(who),
                reference=str(sig),
                amount=amount,
                proof={"stake_account": str(stake)},
            )
        )
    assert await h.check_balances() == (100 * UNIT, 8 * SOL)
    # credited at the Clock time of the verification
    (deposited,) = [r.event for r in first.events]
    assert deposited.at == h.svm.unix_time_at(h.svm.slot)  # type: ignore[attr-defined]
    assert first_verified.block.height == h.svm.slot
    assert first.request_id == f"{CHAIN}:{sig_a}"
    assert h.service.ledger.active_balance_of(LST_VAULT, h.account(alice), await h.now()) == (
        60 * UNIT
    )

    # -- following the chain finds the same deposits (replayed) and one nobody claimed ------
    sig_c = await deposit_lst(h.svm, carol, h.lst, 7 * UNIT, staker_account=h.account(carol))
    h.finalize()
    seq = h.service.ledger.seq
    await h.sync.catch_up(30)
    assert h.service.ledger.seq == seq + 1, "followed facts replay the claimed deposits"
    assert h.service.ledger.vault(LST_VAULT).total_deposited == 107 * UNIT
    carol_claim = DepositClaim(vault=LST_VAULT, staker=h.account(carol), reference=str(sig_c))
    assert (await h.sync.verify_deposit(carol_claim)).replayed
    assert await h.check_balances() == (107 * UNIT, 8 * SOL)

    # -- stake through a network --------------------------------------------------------------
    await wire(h)
    h.svm.warp_slots(SLOTS_PER_EPOCH // 4)
    now = await h.now()
    assert h.service.ledger.stake_at(LST_VAULT, NET, 0, OP, now) == 107 * UNIT
    assert h.service.ledger.stake_at(NATIVE_VAULT, NET, 0, OP, now) == 8 * SOL
    assert await h.check_balances() == (107 * UNIT, 8 * SOL)

    # -- withdraw, then claim across vault epochs -----------------------------------------------
    alice_p = Principal(Role.STAKER, h.account(alice))
    await h.do(C.Withdraw(vault=LST_VAULT, staker=h.account(alice), amount=20 * UNIT), alice_p)
    await h.do(C.Withdraw(vault=NATIVE_VAULT, staker=h.account(alice), amount=2 * SOL), alice_p)
    (pending,) = h.service.ledger.pending_withdrawals(LST_VAULT, h.account(alice))
    assert pending.amount == 20 * UNIT
    epoch = pending.epoch
    assert await h.check_balances() == (107 * UNIT, 8 * SOL)  # still held, now pending
    before = h.snapshot()
    with pytest.raises(OmnistakeError):
        await h.do(C.Claim(vault=LST_VAULT, claimer=h.account(alice), epochs=[epoch]), alice_p)
    assert h.snapshot() == before
    with pytest.raises(OmnistakeError):  # still in the epoch of the withdrawal
        h.svm.warp_slots(SLOTS_PER_EPOCH)
        await h.do(C.Claim(vault=LST_VAULT, claimer=h.account(alice), epochs=[epoch]), alice_p)
    assert h.snapshot() == before
    # the first slot whose Clock time reaches the end of the withdrawal's epoch
    await h.now()
    h.svm.warp_to_slot(h.adapter.time_map.first_slot_at_or_after(pending.claimable_from))
    assert await h.now() >= pending.claimable_from
    alice_tokens = await h.tokens_of(alice)
    for vid in (LST_VAULT, NATIVE_VAULT):
        await h.do(C.Claim(vault=vid, claimer=h.account(alice), epochs=[epoch]), alice_p)
    outcomes = await h.sync.dispatch()
    assert [type(o) for o in outcomes] == [PayoutOutcome, PayoutOutcome]
    assert all(o.status is OutcomeStatus.EXECUTED and o.tx_id for o in outcomes)
    assert await h.tokens_of(alice) == alice_tokens + 20 * UNIT
    paid = [
        pk
        for pk, acct in await h.svm.get_program_accounts(STAKE_PROGRAM_ID)
        if (st := decode_stake_state(bytes(acct.data))) is not None
        and st.withdrawer == alice.pubkey()
        and pk not in (a_stake, b_stake)
    ]
    assert len(paid) == 1
    assert await stake_authorities(h.svm, paid[0]) == (2 * SOL, alice.pubkey(), alice.pubkey())
    assert await h.check_balances() == (87 * UNIT, 6 * SOL)
    assert await all_delegated(h.svm) == delegated

    # a payout is never sent twice: not by the sync loop, not by a restarted adapter
    assert await h.sync.dispatch() == []
    restarted = SolanaAdapter.from_options(CHAIN, h.options)
    try:
        for instruction in h.sync.instructions(h.service.events_since(0, 10_000)):
            assert isinstance(instruction, PayoutInstruction)
            again_out = await restarted.execute_payout(instruction)
            assert again_out.tx_id in {o.tx_id for o in outcomes}
            assert "replayed" in again_out.detail
    finally:
        await restarted.close()
    assert await h.tokens_of(alice) == alice_tokens + 20 * UNIT
    assert await h.check_balances() == (87 * UNIT, 6 * SOL)

    # -- slash and burn --------------------------------------------------------------------------
    net_p = Principal(Role.NETWORK, NET)
    now = await h.now()
    await h.do(
        C.Slash(vault=LST_VAULT, network=NET, operator=OP, amount=17 * UNIT, capture=now - 1),
        net_p,
    )
    await h.do(
        C.Slash(vault=NATIVE_VAULT, network=NET, operator=OP, amount=SOL, capture=now - 1),
        net_p,
    )
    slashes = await h.sync.dispatch()
    assert [type(o) for o in slashes] == [SlashOutcome, SlashOutcome]
    assert all(o.status is OutcomeStatus.EXECUTED for o in slashes)
    burned_lst = h.service.ledger.vault(LST_VAULT).total_slashed
    burned_sol = h.service.ledger.vault(NATIVE_VAULT).total_slashed
    assert (burned_lst, burned_sol) == (17 * UNIT, SOL)
    assert await h.supply() == supply0 - 17 * UNIT  # an SPL burn, not a transfer
    burned_accounts = [
        pk
        for pk, acct in await h.svm.get_program_accounts(STAKE_PROGRAM_ID)
        if (st := decode_stake_state(bytes(acct.data))) is not None and st.withdrawer == INCINERATOR
    ]
    assert len(burned_accounts) == 1
    assert await stake_authorities(h.svm, burned_accounts[0]) == (SOL, INCINERATOR, INCINERATOR)
    assert await h.check_balances() == (70 * UNIT, 5 * SOL)

    # -- conservation ----------------------------------------------------------------------
    # tokens: what stakers deposited = still in the vault + paid out + burned
    assert 107 * UNIT == 70 * UNIT + 20 * UNIT + 17 * UNIT
    assert await h.tokens_of(alice) + await h.tokens_of(bob) + await h.tokens_of(carol) == (
        300 * UNIT - 107 * UNIT + 20 * UNIT
    )
    # stake: no lamport of delegation created or lost; it only changed hands
    assert await all_delegated(h.svm) == delegated
    for vid in (LST_VAULT, NATIVE_VAULT):
        v = h.service.ledger.vault(vid)
        assert v.total_deposited == v.balance + v.total_claimed + v.total_slashed


async def test_rejected_deposits_leave_the_ledger_unchanged(hub: Hub) -> None:
    h = hub
    alice = await h.wallet(tokens=100 * UNIT, sol=60)
    me = h.account(alice)
    await open_vaults(h)
    rent = await h.svm.minimum_balance_for_rent_exemption(STAKE_ACCOUNT_SIZE)

    async def rejected(claim: DepositClaim) -> str:
        before = h.snapshot()
        with pytest.raises(DepositRejected) as caught:
            await h.sync.verify_deposit(claim)
        assert h.snapshot() == before, "a rejected deposit changed the ledger"
        return caught.value.metadata["cause"]

    def lst(sig: object, **kw: object) -> DepositClaim:
        return DepositClaim(vault=LST_VAULT, staker=me, reference=str(sig), **kw)  # type: ignore[arg-type]

    def native(sig: object, stake: Pubkey, **kw: object) -> DepositClaim:
        return DepositClaim(
            vault=NATIVE_VAULT,
            staker=me,
            reference=str(sig),
            proof={"stake_account": str(stake)},
            **kw,  # type: ignore[arg-type]
        )

    # unconfirmed: sent, but not finalized yet
    sig = await deposit_lst(h.svm, alice, h.lst, 10 * UNIT, staker_account=me)
    assert await rejected(lst(sig)) == "UNCONFIRMED"
    h.finalize()
    # amount mismatch
    assert await rejected(lst(sig, amount=11 * UNIT)) == "AMOUNT_MISMATCH"
    # another account than the memo names
    assert await rejected(replace(lst(sig), staker=f"{CHAIN}:{Keypair().pubkey()}")) == (
        "MEMO_MISMATCH"
    )
    # wrong mint: another token sent to the hub's account for that mint
    other_auth = await h.wallet()
    other = await create_mint(h.svm, other_auth, decimals=9, token_program=TOKEN_PROGRAM_ID)
    hub_other = await create_ata(h.svm, h.payer, h.hub_key, other, TOKEN_PROGRAM_ID)
    src = await create_ata(h.svm, h.payer, alice.pubkey(), other, TOKEN_PROGRAM_ID)
    await mint_to(h.svm, other_auth, other, src, 50 * UNIT, TOKEN_PROGRAM_ID)
    bad = await deposit_lst(
        h.svm, alice, h.lst, 5 * UNIT, staker_account=me, mint=other, destination=hub_other
    )
    h.finalize()
    assert await rejected(lst(bad)) == "WRONG_MINT"
    # an unknown vault, a native claim without its stake account
    assert await rejected(replace(lst(sig), vault="nope")) == "UNKNOWN_VAULT"
    assert await rejected(replace(lst(sig), vault=NATIVE_VAULT)) == "STAKE_ACCOUNT_MISSING"

    # native: unknown vote account, wrong authority, lockup
    off_vote = await create_stake_account(h.svm, alice, 2 * SOL, vote=h.vote_other)
    sig_off = await deposit_stake(h.svm, alice, off_vote, h.hub_key, staker_account=me)
    keep = await create_stake_account(h.svm, alice, 2 * SOL, vote=h.vote_allowed)
    sig_keep = await deposit_stake(
        h.svm, alice, keep, h.hub_key, staker_account=me, withdrawer=alice.pubkey()
    )
    locked = KeypairSigner(Keypair())
    out = await send(
        h.svm,
        alice,
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=alice.pubkey(),
                    to_pubkey=locked.pubkey(),
                    lamports=rent + 2 * SOL,
                    space=STAKE_ACCOUNT_SIZE,
                    owner=STAKE_PROGRAM_ID,
                )
            ),
            stake_initialize(
                locked.pubkey(),
                h.hub_key,
                h.hub_key,
                lockup_epoch=10**6,
                custodian=alice.pubkey(),
            ),
            memo(deposit_memo(me)),
        ],
        [locked],
    )
    h.finalize()
    assert await rejected(native(sig_off, off_vote)) == "UNKNOWN_VOTE_ACCOUNT"
    assert await rejected(native(sig_keep, keep)) == "WRONG_AUTHORITY"
    assert await rejected(native(out.signature, locked.pubkey())) == "LOCKUP"

    # replayed signature: one transaction hands two stake accounts over; it credits one
    s1 = await create_stake_account(h.svm, alice, 2 * SOL, vote=h.vote_allowed)
    s2 = await create_stake_account(h.svm, alice, 3 * SOL, vote=h.vote_allowed)
    ixs = [
        stake_authorize(s, alice.pubkey(), h.hub_key, which)
        for s in (s1, s2)
        for which in (STAKE_AUTHORIZE_STAKER, STAKE_AUTHORIZE_WITHDRAWER)
    ]
    both = await send(h.svm, alice, [*ixs, memo(deposit_memo(me))], [])
    h.finalize()
    before = h.snapshot()
    await h.sync.verify_deposit(native(both.signature, s1))
    assert h.service.ledger.seq > before[0]
    assert (await h.sync.verify_deposit(native(both.signature, s1, amount=2 * SOL))).replayed
    assert await rejected(native(both.signature, s2)) == "REPLAYED_SIGNATURE"
    # ... and the journal remembers it across a restart of the adapter
    restarted = SolanaAdapter.from_options(CHAIN, h.options)
    try:
        with pytest.raises(DepositRejected) as caught:
            await restarted.verify_deposit(native(both.signature, s2))
        assert caught.value.metadata["cause"] == "REPLAYED_SIGNATURE"
    finally:
        await restarted.close()

    # the honest LST deposit, claimed late (after later hub changes), still credits once
    credited = await h.sync.verify_deposit(lst(sig, amount=10 * UNIT))
    assert not credited.replayed
    vault = h.service.ledger.vault(LST_VAULT)
    assert vault.total_deposited == 10 * UNIT
    assert await token_balance(h.svm, h.lst.token_account) == 10 * UNIT
    assert await h.tokens_of(h.hub_key) == 10 * UNIT


async def test_followed_deposit_behind_the_hub_clock_is_claimed_instead(hub: Hub) -> None:
    """The ledger keeps hub vaults in one clock domain that never goes back. A deposit that
    following reaches only after a later hub change is rejected as a fact (reported, not
    fatal); the staker's claim then credits it, at the Clock time of the verification."""
    h = hub
    alice = await h.wallet(tokens=100 * UNIT)
    await open_vaults(h)
    h.adapter.start_slot = h.svm.slot
    sig = await deposit_lst(h.svm, alice, h.lst, 9 * UNIT, staker_account=h.account(alice))
    h.finalize()
    # a change to a hub vault, later than the deposit's slot
    await h.do(C.SetMaxNetworkLimit(vault=LST_VAULT, network=NET, amount=10**30))
    await h.sync.catch_up(30)
    rejected = [e for e in h.sync.events if isinstance(e, FactRejected)]
    assert [(e.fact_id, e.reason) for e in rejected] == [(f"{CHAIN}:{sig}", "TIME_WENT_BACKWARDS")]
    assert h.service.ledger.vault(LST_VAULT).total_deposited == 0
    claim = DepositClaim(vault=LST_VAULT, staker=h.account(alice), reference=str(sig))
    assert not (await h.sync.verify_deposit(claim)).replayed
    assert await h.check_balances() == (9 * UNIT, 0)
