"""Mirror translation rules that need no chain: creation order inside a transaction,
withdraw vs redeem, the deposit-limit pair, and what is left out loudly."""

from __future__ import annotations

from omnistake.chains.ethereum import events as ev
from omnistake.chains.ethereum.mirror import Mirror, TokenInfo, fact_ids_of
from omnistake.ledger import commands as C

CHAIN = "eip155:31337"
VAULT = "0x" + "11" * 20
DELEG = "0x" + "22" * 20
SLASH = "0x" + "33" * 20
TOKEN = "0x" + "44" * 20
ALICE = "0x" + "aa" * 20
CURATOR = "0x" + "cc" * 20
T0 = 1_700_000_000


def tokens(address: str) -> TokenInfo:
    assert address == TOKEN
    return TokenInfo(8, "WBTC")


def at(
    i: int, record: ev.EventRecord, address: str, tx: str = "0xt1", ts: int = T0
) -> ev.IndexedEvent:
    return ev.IndexedEvent(
        block_number=10,
        block_hash="0xb10",
        log_index=i,
        timestamp=ts,
        tx_hash=tx,
        address=address,
        kind=ev.SourceKind.VAULT,
        record=record,
    )


def creation() -> list[ev.IndexedEvent]:
    meta = ev.VaultMetadata(TOKEN, "0x" + "00" * 19 + "de", 600, T0, False, True, 50, 1)
    admin = ev.AdminEvent(
        name="RoleGranted", args=(("role", bytes(32)), ("account", CURATOR), ("sender", CURATOR))
    )
    # Log order on chain: the vault's own set-up first, the factory's AddEntity later.
    return [
        at(0, admin, VAULT),
        at(1, ev.SetIsDepositLimit(status=True), VAULT),
        at(2, ev.SetDepositLimit(limit=50), VAULT),
        at(3, ev.VaultCreated(vault=VAULT, metadata=meta), "0xfac"),
        at(
            4, ev.DelegatorCreated(delegator=DELEG, metadata=ev.DelegatorMetadata(VAULT, 1)), "0xdf"
        ),
        at(
            5,
            ev.SlasherCreated(slasher=SLASH, metadata=ev.SlasherMetadata(VAULT, 1, 100, 3)),
            "0xsf",
        ),
        at(6, ev.SetDelegator(delegator=DELEG), VAULT),
        at(7, ev.SetSlasher(slasher=SLASH), VAULT),
    ]


def test_vault_creation_comes_first_with_its_setup_and_nothing_twice() -> None:
    m = Mirror(CHAIN)
    facts = m.block_facts(creation(), tokens)
    commands = [f.command for f in facts]
    assert [type(c).__name__ for c in commands] == ["RegisterAsset", "CreateVault"]
    asset, vault = commands
    assert isinstance(asset, C.RegisterAsset) and asset.decimals == 8
    assert asset.asset_id == f"{CHAIN}/erc20:{TOKEN}"
    assert isinstance(vault, C.CreateVault)
    assert vault.vault == f"{CHAIN}:{VAULT}" and vault.curator == f"{CHAIN}:{CURATOR}"
    assert (vault.delegator_type, vault.slasher_type) == ("full_restake", "veto")
    assert (vault.veto_duration, vault.resolver_set_epochs_delay) == (100, 3)
    assert vault.deposit_limit == 50 and vault.domain == CHAIN
    assert vault.burner == f"{CHAIN}:{'0x' + '00' * 19 + 'de'}"
    assert {f.fact_id for f in facts} == {f"{CHAIN}:0xb10:3:asset", f"{CHAIN}:0xb10:3:vault"}
    assert set(fact_ids_of(CHAIN, [("0xb10", 3)])) >= {f.fact_id for f in facts}
    # A second vault on the same collateral does not register the asset again.
    assert all(not isinstance(f.command, C.RegisterAsset) for f in m.block_facts([], tokens))


def _ready() -> Mirror:
    m = Mirror(CHAIN)
    m.block_facts(creation(), tokens)
    return m


def test_withdraw_or_redeem_is_chosen_to_reproduce_the_burned_shares() -> None:
    m = _ready()
    dep = ev.Deposit(depositor=ALICE, on_behalf_of=ALICE, amount=1000, shares=1000)
    m.block_facts([at(0, dep, VAULT, "0xd")], tokens)
    tally = m.vaults[VAULT.lower()]
    tally.active = 700  # as after a slash of 300 (shares untouched)
    # withdraw(100): burns ceil(100 * 1001 / 701) = 143 shares.
    w = ev.Withdraw(
        withdrawer=ALICE, claimer=ALICE, amount=100, burned_shares=143, minted_shares=100
    )
    [fact] = m.block_facts([at(1, w, VAULT, "0xw")], tokens)
    assert isinstance(fact.command, C.Withdraw) and fact.command.amount == 100
    # A redemption whose amount, fed as withdraw(amount), would burn fewer shares.
    a, s = tally.active, tally.shares
    shares = next(n for n in range(1, s) if -(-(n * (a + 1) // (s + 1)) * (s + 1) // (a + 1)) != n)
    amount = shares * (a + 1) // (s + 1)
    r = ev.Withdraw(
        withdrawer=ALICE, claimer=ALICE, amount=amount, burned_shares=shares, minted_shares=amount
    )
    [fact] = m.block_facts([at(2, r, VAULT, "0xr")], tokens)
    assert isinstance(fact.command, C.Redeem) and fact.command.shares == shares
    assert not m.warnings


def test_deposit_limit_pair_becomes_one_effective_limit() -> None:
    m = _ready()
    off = m.block_facts([at(0, ev.SetIsDepositLimit(status=False), VAULT, "0x1")], tokens)
    assert [f.command for f in off] == [C.SetDepositLimit(vault=f"{CHAIN}:{VAULT}", limit=None)]
    # Changing the limit while it is switched off changes nothing in the ledger.
    assert m.block_facts([at(1, ev.SetDepositLimit(limit=9), VAULT, "0x2")], tokens) == []
    on = m.block_facts([at(2, ev.SetIsDepositLimit(status=True), VAULT, "0x3")], tokens)
    assert [f.command for f in on] == [C.SetDepositLimit(vault=f"{CHAIN}:{VAULT}", limit=9)]


def test_share_transfers_between_holders_are_reported_not_dropped_silently() -> None:
    m = _ready()
    move = ev.SharesTransfer(from_address=ALICE, to_address=CURATOR, value=5)
    assert m.block_facts([at(0, move, VAULT, "0x9")], tokens) == []
    assert m.warnings and "not mirrored" in m.warnings[0]
