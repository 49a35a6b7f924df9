"""A staked regtest world shared by the lifecycle tests: chain, keys, params, submission."""

from __future__ import annotations

from dataclasses import dataclass

from omnistake.chains.bitcoin.params import StakingParams
from omnistake.chains.bitcoin.regtest import RegtestChain, Utxo, key_path_script
from omnistake.chains.bitcoin.secp import xonly_from_secret
from omnistake.chains.bitcoin.spv import REGTEST, HeaderChain
from omnistake.chains.bitcoin.staker import (
    covenant_sign,
    prepare_submission,
    staking_output,
    with_covenants_and_proof,
)
from omnistake.chains.bitcoin.testing import COVENANT_SKS, regtest_params, secret
from omnistake.chains.bitcoin.tx import Transaction, TxOut
from omnistake.chains.bitcoin.verifier import InclusionProof, StakingSubmission

K = 3
STAKING_TIME = 60
STAKE = 1_000_000


sk = secret
COV_SKS = list(COVENANT_SKS)
STAKER_SK = sk("staker")
FP_SK = sk("finality-provider")
FP_PK = xonly_from_secret(FP_SK)
STAKER_PK = xonly_from_secret(STAKER_SK)
make_params = regtest_params


@dataclass
class World:
    chain: RegtestChain
    params: StakingParams
    headers: HeaderChain
    staking_tx: Transaction
    funding: Utxo
    submission: StakingSubmission

    def sync(self) -> None:
        for block in self.chain.blocks[self.headers.tip_height + 1 :]:
            self.headers.add_header(block.header)


def build_world(
    params: StakingParams | None = None, mine_confirmations: int = K, n_covenants: int = 2
) -> World:
    params = params or make_params()
    chain = RegtestChain()
    funding = chain.fund(STAKER_SK)
    out = staking_output(STAKER_PK, [FP_PK], STAKING_TIME, STAKE, params)
    change = TxOut(funding.output.value - STAKE - 5_000, key_path_script(STAKER_SK))
    staking_tx = chain.spend_key_path(STAKER_SK, [funding], [change, out])
    chain.broadcast(staking_tx)
    chain.mine(1 + mine_confirmations)
    headers = HeaderChain(REGTEST, chain.blocks[0].header, 0)
    sub = prepare_submission(STAKER_SK, [FP_PK], staking_tx, STAKING_TIME, STAKE, params)
    covs = [covenant_sign(s, sub, params, bytes(32)) for s in COV_SKS[:n_covenants]]
    loc = chain.tx_with_proof(staking_tx.txid_bytes)
    sub = with_covenants_and_proof(sub, covs, InclusionProof(loc.block_hash, loc.index, loc.proof))
    world = World(chain, params, headers, staking_tx, funding, sub)
    world.sync()
    return world
