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

Run: .venv/bin/python bench/bench_solana.py [deposits]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

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


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
