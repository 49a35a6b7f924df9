"""Bitcoin adapter benchmark: full staking verifications/s and EOTS verifications/s.

A delegation is staked on the in-process regtest chain (real PoW, real signatures), then the
hub-side verifier is timed on the complete submission: parsing the four transactions,
rebuilding the scripts and the NUMS-tweaked output key, every signature (2 staker, 2 covenant
unbonding, 4 covenant adaptor pre-signatures) and the SPV inclusion proof at depth k.

Run: .venv/bin/python bench/bench_bitcoin.py [seconds-per-figure]
"""

from __future__ import annotations

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


def main() -> None:
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


if __name__ == "__main__":
    main()
