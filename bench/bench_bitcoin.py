"""Bitcoin adapter benchmark: full staking verifications/s and EOTS verifications/s.

A delegation is staked on the in-process regtest chain (real PoW, real signatures), then the
hub-side verifier is timed on the complete submission: parsing the four transactions,
rebuilding the scripts and the NUMS-tweaked output key, every signature (2 staker, 2 covenant
unbonding, 4 covenant adaptor pre-signatures) and the SPV inclusion proof at depth k.

The second part runs the adapter through the core (LedgerService + ChainSync) on the regtest
builder: blocks fed per second while following delegations, deposit claims verified and
credited per second, and one FP slashing over many delegations (extract, complete, check,
broadcast, ledger Slash).

Run: .venv/bin/python bench/bench_bitcoin.py [seconds-per-figure] [delegations]
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction

os.environ.setdefault("BCL_DATA_DIR", tempfile.mkdtemp(prefix="omnistake-bcl-"))

from omnistake.chains.bitcoin.adaptor import enc_verify, encryption_key_from_xonly
from omnistake.chains.bitcoin.eots import EotsSigner, eots_verify
from omnistake.chains.bitcoin.params import StakingParams
from omnistake.chains.bitcoin.regtest import RegtestChain, key_path_script
from omnistake.chains.bitcoin.schnorr import schnorr_sign, schnorr_verify
from omnistake.chains.bitcoin.secp import xonly_from_secret
from omnistake.chains.bitcoin.slasher import (
    EquivocationEvidence,
    slash_finality_provider,
)
from omnistake.chains.bitcoin.spv import REGTEST, HeaderChain
from omnistake.chains.bitcoin.staker import (
    covenant_sign,
    prepare_submission,
    staking_output,
    with_covenants_and_proof,
)
from omnistake.chains.bitcoin.tx import TxOut
from omnistake.chains.bitcoin.verifier import InclusionProof, StakingVerifier


def _sk(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    fn()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(10):
            fn()
        n += 10
    return n / elapsed


def main() -> dict[str, float]:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    covs = [_sk(f"cov{i}") for i in range(3)]
    params = StakingParams(
        covenant_pks=tuple(xonly_from_secret(s) for s in covs),
        covenant_quorum=2,
        min_staking_value_sat=50_000,
        max_staking_value_sat=10**10,
        min_staking_time_blocks=100,
        max_staking_time_blocks=65535,
        slashing_pk_script=bytes.fromhex("6a07626162796c6f6e"),
        min_slashing_tx_fee_sat=1_000,
        slashing_rate=Fraction(1, 10),
        unbonding_time_blocks=50,
        unbonding_fee_sat=2_000,
    )
    staker, fp = _sk("staker"), _sk("fp")
    fp_pk = xonly_from_secret(fp)
    chain = RegtestChain()
    utxo = chain.fund(staker)
    out = staking_output(xonly_from_secret(staker), [fp_pk], 1000, 1_000_000, params)
    change = TxOut(utxo.output.value - 1_005_000, key_path_script(staker))
    staking_tx = chain.spend_key_path(staker, [utxo], [change, out])
    chain.broadcast(staking_tx)
    chain.mine(11)
    headers = HeaderChain(REGTEST, chain.blocks[0].header, 0)
    headers.add_headers(b.header for b in chain.blocks[1:])
    sub = prepare_submission(staker, [fp_pk], staking_tx, 1000, 1_000_000, params)
    loc = chain.tx_with_proof(staking_tx.txid_bytes)
    sub = with_covenants_and_proof(
        sub,
        [covenant_sign(s, sub, params, bytes(32)) for s in covs[:2]],
        InclusionProof(loc.block_hash, loc.index, loc.proof),
    )
    verifier = StakingVerifier(params, headers, confirmation_depth=10)
    record = verifier.verify(sub)

    signer = EotsSigner(fp, b"bench")
    app_a, app_b = _sk("a"), _sk("b")
    sig_a = signer.sign(500, app_a)
    pr = signer.pub_rand(500)
    evidence = EquivocationEvidence(
        fp_pk, 500, pr, app_a, sig_a, app_b, signer.sign(500, app_b, allow_double_sign=True)
    )
    msg = hashlib.sha256(b"m").digest()
    bip340_sig = schnorr_sign(staker, msg, bytes(32))
    staker_pk = xonly_from_secret(staker)
    enc = encryption_key_from_xonly(fp_pk)
    presig = record.covenant_sigs[0].slashing_adaptor_sigs[0]
    from omnistake.chains.bitcoin.signing import script_path_sighash

    s_msg = script_path_sighash(
        record.slashing_tx, 0, [record.staking_info.output], record.staking_info.slashing_leaf
    )
    cov_pk = record.covenant_sigs[0].covenant_pk

    figures = {
        "staking txs fully verified / s": rate(lambda: verifier.verify(sub), seconds),
        "EOTS verifications / s": rate(lambda: eots_verify(fp_pk, pr, 500, app_a, sig_a), seconds),
        "BIP-340 verifications / s": rate(
            lambda: schnorr_verify(staker_pk, msg, bip340_sig), seconds
        ),
        "adaptor pre-signature verifications / s": rate(
            lambda: enc_verify(cov_pk, s_msg, enc, presig), seconds
        ),
        "FP slashings (extract + 2 txs completed and checked) / s": rate(
            lambda: slash_finality_provider(evidence, [record], params), seconds
        ),
    }
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:>10,.0f}")
    per_verify = figures["BIP-340 verifications / s"] / figures["staking txs fully verified / s"]
    print(f"ratio: one full staking verification costs {per_verify:.1f} BIP-340 verifications")
    eots_ratio = figures["EOTS verifications / s"] / figures["BIP-340 verifications / s"]
    print(f"ratio: EOTS verify / BIP-340 verify throughput = {eots_ratio:.2f}")
    return figures


async def adapter_figures(n: int) -> dict[str, float]:
    """Throughput of the adapter through the core with ``n`` delegations to one FP."""
    from dataclasses import replace

    from omnistake.chains.bitcoin.adapter import BitcoinAdapter
    from omnistake.chains.bitcoin.evidence import encode_evidence
    from omnistake.chains.bitcoin.hub import (
        register_babylon_network,
        register_finality_provider,
        sign_fp_pop,
        slash_double_sign,
    )
    from omnistake.chains.bitcoin.registry import StakingRegistry, submission_to_proof
    from omnistake.chains.bitcoin.testing import StakingWorld, secret
    from omnistake.clock import ManualClock
    from omnistake.plugins import ChainSync, DepositClaim
    from omnistake.service import LedgerService

    k = 6
    world = StakingWorld.build(coins=2 * n + 2)
    adapter = BitcoinAdapter(
        world.backend,
        world.params,
        StakingRegistry(),
        confirmation_depth=k,
        start_height=world.start_height,
        poll_interval=0.001,
    )
    service = LedgerService.open("memory://", ManualClock(0))
    sync = ChainSync(service, adapter, strict_facts=True)
    await sync.start()
    fp_sk = secret("bench-fp")
    fp_pk = xonly_from_secret(fp_sk)
    await register_babylon_network(service, "babylon")
    await register_finality_provider(
        service,
        adapter,
        operator="fp",
        fp_pk=fp_pk,
        pop=sign_fp_pop(fp_sk, "fp"),
        network="babylon",
    )
    await sync.catch_up(60)
    # Pre-registered delegations, one per block, credited by follow().
    for i in range(n):
        staked = world.stake(secret(f"bench-staker-{i}"), fp_pk, 100_000 + i, staking_time=1000)
        await adapter.register_delegation(staked.submission)
        world.chain.mine(1)
    world.chain.mine(k)
    start = time.perf_counter()
    await sync.catch_up(600)
    follow_s = time.perf_counter() - start
    blocks = n + k
    # Late claims: full verification + SPV + ledger Deposit through ChainSync.
    late = [
        world.stake(secret(f"bench-late-{i}"), fp_pk, 200_000 + i, staking_time=1000)
        for i in range(n)
    ]
    world.chain.mine(1 + k)
    claims = []
    for staked in late:
        sub = replace(staked.submission, inclusion=world.inclusion(staked.tx))
        claims.append(
            DepositClaim(
                vault="btc-fp",
                staker=adapter.account(sub.staker_pk),
                reference=staked.txid,
                proof=submission_to_proof(sub),
            )
        )
    start = time.perf_counter()
    for claim in claims:
        await sync.verify_deposit(claim)
    claim_s = time.perf_counter() - start
    await sync.catch_up(600)
    signer = EotsSigner(fp_sk, b"bench")
    a, b = _sk("x"), _sk("y")
    evidence = EquivocationEvidence(
        fp_pk,
        7,
        signer.pub_rand(7),
        a,
        signer.sign(7, a),
        b,
        signer.sign(7, b, allow_double_sign=True),
    )
    start = time.perf_counter()
    result = await slash_double_sign(sync, adapter, encode_evidence(evidence), network="babylon")
    slash_s = time.perf_counter() - start
    assert result.report is not None and len(result.report.broadcast) == 2 * n
    await sync.close()
    service.close()
    return {
        f"blocks followed and fed to the ledger / s ({n} delegations)": blocks / follow_s,
        "deposit claims verified + credited via ChainSync / s": n / claim_s,
        f"slashing txs completed, checked, broadcast / s (one FP, {2 * n} delegations)": (
            2 * n / slash_s
        ),
    }


if __name__ == "__main__":
    base = main()
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    adapter = asyncio.run(adapter_figures(count))
    width = max(len(k) for k in adapter)
    for name, value in adapter.items():
        print(f"{name:<{width}}  {value:>10,.1f}")
    claims = adapter["deposit claims verified + credited via ChainSync / s"]
    bare = base["staking txs fully verified / s"]
    print(f"ratio: claim through the core / bare verification = {claims / bare:.2f}")
