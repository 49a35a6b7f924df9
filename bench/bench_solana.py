"""Solana adapter benchmark: deposits verified per second, and what a slash payout costs.

Everything runs on LiteSVM in-process (real System, SPL Token, Stake and Vote programs):

* LST deposits: N stakers each send TransferChecked + memo into the vault; the hub then
  verifies every claim (status at the commitment, transaction fetch, memo, transfer, replay
  journal). Timed: the verification only.
* native deposits: N delegated stake accounts handed to the vault, then verified (adds the
  stake account read and Clock read).
* the same LST verification through RpcBackend and the loopback JSON-RPC server (HTTP +
  JSON + solders parsing on top).
* slash payouts: SPL burn, SPL redistribution and a native stake split to the burner:
  wall time (plan + sign + send + confirm), transaction size, fee, compute units.
* through the ledger (SolanaAdapter + ChainSync + LedgerService on a SQLite file): LST
  deposits verified and fed per second by ``ChainSync.verify_deposit``; the same deposits
  found by following the chain (slots and facts fed per second by ``catch_up``); and a slash
  end to end: the ledger ``Slash`` command, ``ChainSync.dispatch`` deriving the instruction,
  the adapter's transaction confirmed and the outcome recorded.

Run: .venv/bin/python bench/bench_solana.py [deposits]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

from omnistake.chains.solana.adapter import SolanaAdapter
from omnistake.chains.solana.backend import Commitment
from omnistake.chains.solana.custody import Burner, Custodian, PayoutResult
from omnistake.chains.solana.deposits import DepositVerifier
from omnistake.chains.solana.litesvm_backend import LAMPORTS_PER_SOL as SOL
from omnistake.chains.solana.litesvm_backend import LiteSvmBackend
from omnistake.chains.solana.localnet import (
    create_ata,
    create_mint,
    create_stake_account,
    create_vote_account,
    deposit_lst,
    deposit_stake,
    mint_to,
)
from omnistake.chains.solana.programs import TOKEN_PROGRAM_ID
from omnistake.chains.solana.rpc_backend import RpcBackend
from omnistake.chains.solana.rpc_server import LiteSvmRpcServer
from omnistake.chains.solana.signer import KeypairSigner, KeystoreSigner
from omnistake.chains.solana.vaults import StakeVault, TokenVault
from omnistake.clock import ManualClock
from omnistake.ledger import commands as C
from omnistake.plugins import ChainSync, DepositClaim, OutcomeStatus, SqliteSyncStore
from omnistake.principals import ADMIN, Principal, Role
from omnistake.service import LedgerService
from solders.keypair import Keypair
from solders.signature import Signature

UNIT = 10**9


async def setup(
    backend: LiteSvmBackend, keydir: Path
) -> tuple[KeypairSigner, KeystoreSigner, TokenVault, StakeVault]:
    payer = KeypairSigner(Keypair())
    backend.airdrop(payer.pubkey(), 100_000 * SOL)
    hub = KeystoreSigner.create(keydir / "hub.json")
    mint = await create_mint(backend, payer)
    await create_ata(backend, payer, hub.pubkey(), mint)
    vote = await create_vote_account(backend, payer)
    return (
        payer,
        hub,
        TokenVault.at_ata("lst", mint, 9, hub.pubkey(), TOKEN_PROGRAM_ID),
        StakeVault("sol", hub.pubkey(), frozenset({vote})),
    )


async def lst_claims(
    backend: LiteSvmBackend, payer: KeypairSigner, vault: TokenVault, n: int
) -> list[tuple[str, str, int]]:
    claims = []
    for i in range(n):
        staker = KeypairSigner(Keypair())
        ata = await create_ata(backend, payer, staker.pubkey(), vault.mint)
        await mint_to(backend, payer, vault.mint, ata, 10 * UNIT)
        backend.airdrop(staker.pubkey(), SOL)
        amount = (i % 9 + 1) * UNIT
        sig = await deposit_lst(backend, staker, vault, amount, staker_account=f"hub:{i}")
        claims.append((str(sig), f"hub:{i}", amount))
    return claims


async def bench_lst(
    backend: LiteSvmBackend, payer: KeypairSigner, vault: TokenVault, n: int
) -> float:
    claims = await lst_claims(backend, payer, vault, n)
    verifier = DepositVerifier(backend)
    t0 = time.perf_counter()
    for sig, who, amount in claims:
        await verifier.verify_lst(vault, sig, staker_account=who, amount=amount)
    return n / (time.perf_counter() - t0)


async def bench_lst_rpc(
    backend: LiteSvmBackend, payer: KeypairSigner, vault: TokenVault, n: int
) -> float:
    claims = await lst_claims(backend, payer, vault, n)
    with LiteSvmRpcServer(backend) as server:
        rpc = RpcBackend(server.url, commitment=Commitment.CONFIRMED)
        verifier = DepositVerifier(rpc)
        try:
            t0 = time.perf_counter()
            for sig, who, amount in claims:
                await verifier.verify_lst(vault, sig, staker_account=who, amount=amount)
            rate = n / (time.perf_counter() - t0)
        finally:
            await rpc.close()
    return rate


async def bench_native(
    backend: LiteSvmBackend, payer: KeypairSigner, vault: StakeVault, n: int
) -> float:
    vote = next(iter(vault.allowed_vote_accounts))
    claims = []
    for i in range(n):
        staker = KeypairSigner(Keypair())
        backend.airdrop(staker.pubkey(), 5 * SOL)
        stake = await create_stake_account(backend, staker, 2 * SOL, vote=vote)
        claims.append((staker, stake, f"hub:n{i}"))
    backend.warp_epochs(1)
    sigs = []
    for staker, stake, who in claims:
        sig = await deposit_stake(backend, staker, stake, vault.authority, staker_account=who)
        sigs.append((sig, stake, who))
    verifier = DepositVerifier(backend)
    t0 = time.perf_counter()
    for sig, stake, who in sigs:
        await verifier.verify_native(
            vault, sig, staker_account=who, stake_account=stake, amount=2 * SOL
        )
    return n / (time.perf_counter() - t0)


async def slash_cost(
    backend: LiteSvmBackend, label: str, run: Awaitable[PayoutResult]
) -> tuple[str, PayoutResult, float, int]:
    t0 = time.perf_counter()
    res = await run
    ms = (time.perf_counter() - t0) * 1000
    rec = await backend.get_transaction(Signature.from_string(res.signature))
    return label, res, ms, (rec.compute_units or 0) if rec else 0


CHAIN = "solana:litesvm-bench"


async def verify_only(adapter: SolanaAdapter, claims: list[DepositClaim]) -> float:
    """The adapter's verification alone (already-credited claims verify again: same fact)."""
    t0 = time.perf_counter()
    for claim in claims:
        await adapter.verify_deposit(claim)
    return len(claims) / (time.perf_counter() - t0)


async def bench_ledger(n: int, workdir: Path) -> None:
    """Deposits verified + fed through the ledger, following, and slashes end to end."""
    svm = LiteSvmBackend()
    (workdir / "ledger").mkdir()
    payer, hub, tvault, svault = await setup(svm, workdir / "ledger")
    vote = next(iter(svault.allowed_vote_accounts))
    adapter = SolanaAdapter(
        CHAIN,
        svm,
        hub,
        {"lst": tvault, "sol": svault},
        fee_payer=payer,
        commitment="confirmed",
        start_slot=svm.slot,
        poll_interval=0.001,
    )
    clock = ManualClock(0)
    service = LedgerService.open(f"sqlite:///{workdir / 'ledger.sqlite'}", clock)
    sync = ChainSync(service, adapter, SqliteSyncStore(workdir / "sync.sqlite"))

    async def do(command: C.Command, principal: Principal = ADMIN) -> None:
        clock.set(await adapter.ledger_now())
        await service.execute(command, principal=principal)

    clock.set(await adapter.ledger_now())
    await sync.start()
    for vid, asset in (("lst", f"{CHAIN}/token:{tvault.mint}"), ("sol", f"{CHAIN}/slip44:501")):
        await do(C.CreateVault(vault=vid, asset_id=asset, curator="c", epoch_duration=3_600))
    await do(C.RegisterNetwork(network="net"))
    await do(C.RegisterOperator(operator="op"))
    for vid in ("lst", "sol"):
        await do(C.SetMaxNetworkLimit(vault=vid, network="net", amount=10**30))
        await do(C.SetNetworkLimit(vault=vid, network="net", amount=10**30))
        await do(C.SetOperatorNetworkShares(vault=vid, network="net", operator="op", shares=1))
        await do(C.OptInVault(operator="op", vault=vid))
    await do(C.OptInNetwork(operator="op", network="net"))

    stakers = []
    for _ in range(n):
        staker = KeypairSigner(Keypair())
        ata = await create_ata(svm, payer, staker.pubkey(), tvault.mint)
        await mint_to(svm, payer, tvault.mint, ata, 10 * UNIT)
        svm.airdrop(staker.pubkey(), 5 * SOL)
        stakers.append(staker)
    stake_accounts = [await create_stake_account(svm, s, 2 * SOL, vote=vote) for s in stakers[:4]]
    svm.warp_epochs(1)
    adapter.start_slot = svm.slot
    claims = []
    for i, staker in enumerate(stakers):
        who = f"{CHAIN}:{staker.pubkey()}"
        sig = await deposit_lst(svm, staker, tvault, (i % 9 + 1) * UNIT, staker_account=who)
        claims.append(DepositClaim(vault="lst", staker=who, reference=str(sig)))
    for staker, stake in zip(stakers[:4], stake_accounts, strict=True):
        who = f"{CHAIN}:{staker.pubkey()}"
        sig = await deposit_stake(svm, staker, stake, hub.pubkey(), staker_account=who)
        claims.append(
            DepositClaim(
                vault="sol", staker=who, reference=str(sig), proof={"stake_account": str(stake)}
            )
        )
    svm.warp_slots(1)
    half = n // 2
    # one claim at a time: every deposit waits for its own ledger commit (fsync)
    t0 = time.perf_counter()
    for claim in claims[:half]:
        result = await sync.verify_deposit(claim)
        assert not result.replayed
    seq_rate = half / (time.perf_counter() - t0)
    # 32 claims in flight: the ledger's commit loop batches their writes
    t0 = time.perf_counter()
    pending = claims[half:n]
    for i in range(0, len(pending), 32):
        results = await asyncio.gather(*(sync.verify_deposit(c) for c in pending[i : i + 32]))
        assert not any(r.replayed for r in results)
    conc_rate = (n - half) / (time.perf_counter() - t0)
    for claim in claims[n:]:
        await sync.verify_deposit(claim)
    print(f"LST deposits verified+fed/s, one at a time:         {seq_rate:10.0f}")
    print(f"LST deposits verified+fed/s, 32 in flight:          {conc_rate:10.0f}")
    alone = await verify_only(adapter, claims[:n])
    print(f"  (adapter verification alone, same deposits:        {alone:10.0f})")

    # following: a fresh ledger fed by catch_up finds the same deposits slot by slot
    follow_service = LedgerService.open(f"sqlite:///{workdir / 'follow.sqlite'}", clock)
    follower = ChainSync(follow_service, adapter, SqliteSyncStore(workdir / "follow-sync.sqlite"))
    await follower.start()
    await follow_service.execute(
        C.CreateVault(
            vault="lst", asset_id=f"{CHAIN}/token:{tvault.mint}", curator="c", epoch_duration=3_600
        ),
        principal=ADMIN,
        at=0,
    )
    slots = (await svm.get_slot(Commitment.CONFIRMED)) - adapter.start_slot + 1
    t0 = time.perf_counter()
    await follower.catch_up(600)
    elapsed = time.perf_counter() - t0
    assert follow_service.ledger.vault("lst").total_deposited == (
        service.ledger.vault("lst").total_deposited
    )
    print(f"follow: slots fed/s (catch_up, {slots} slots):       {slots / elapsed:10.0f}")
    print(f"follow: deposit facts fed/s:                         {n / elapsed:10.0f}")
    follow_service.close()

    # slash end to end: ledger Slash -> dispatch -> adapter transaction -> outcome recorded
    svm.warp_slots(2_000)
    network = Principal(Role.NETWORK, "net")
    print()
    print(f"{'slash end to end':<24}{'wall ms':>9}  (ledger command + dispatch + confirmed tx)")
    for vid, amount in (("lst", UNIT), ("sol", SOL)):
        now = await adapter.ledger_now()
        clock.set(now)
        t0 = time.perf_counter()
        await service.execute(
            C.Slash(vault=vid, network="net", operator="op", amount=amount, capture=now - 1),
            principal=network,
        )
        outcomes = await sync.dispatch()
        ms = (time.perf_counter() - t0) * 1000
        assert [o.status for o in outcomes] == [OutcomeStatus.EXECUTED], outcomes
        label = "SPL burn" if vid == "lst" else "stake split to burner"
        print(f"{label:<24}{ms:9.2f}")
    await sync.close()
    service.close()


async def main(n: int) -> None:
    keydir = Path(tempfile.mkdtemp(prefix="omnistake-sol-bench-"))
    backend = LiteSvmBackend()
    payer, hub, tvault, svault = await setup(backend, keydir)
    print(f"# Solana adapter on LiteSVM (solders), {n} deposits per figure")
    lst_rate = await bench_lst(backend, payer, tvault, n)
    print(f"LST deposits verified/s (LiteSVM backend):          {lst_rate:10.0f}")
    native_rate = await bench_native(backend, payer, svault, max(n // 2, 1))
    print(f"native stake deposits verified/s (LiteSVM backend): {native_rate:10.0f}")
    rpc_rate = await bench_lst_rpc(backend, payer, tvault, max(n // 2, 1))
    print(f"LST deposits verified/s (RpcBackend over loopback):  {rpc_rate:10.0f}")
    print(f"ratio in-process / RPC loopback:                     {lst_rate / rpc_rate:10.1f}x")

    custodian = Custodian(backend, hub, fee_payer=payer)
    burner = KeypairSigner(Keypair()).pubkey()
    rows = [
        await slash_cost(
            backend, "SPL burn", custodian.slash_tokens("b", tvault, UNIT, Burner.burn())
        ),
        await slash_cost(
            backend,
            "SPL redistribute",
            custodian.slash_tokens("r", tvault, UNIT, Burner.redistribute(burner)),
        ),
        await slash_cost(
            backend,
            "stake split to burner",
            custodian.slash_stake("s", svault, SOL, Burner.redistribute(burner)),
        ),
    ]
    print()
    print(f"{'slash payout':<24}{'wall ms':>9}{'tx bytes':>10}{'fee lamports':>14}{'CU':>8}")
    for label, res, ms, cu in rows:
        print(f"{label:<24}{ms:9.2f}{res.tx_size:10d}{res.fee:14d}{cu:8d}")
    print(f"(transaction size limit: 1232 bytes; largest used {max(r[1].tx_size for r in rows)})")
    print()
    print(f"# through the ledger (SolanaAdapter + ChainSync + LedgerService, SQLite), {n} deposits")
    await bench_ledger(n, keydir)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
