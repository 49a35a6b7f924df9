"""SPV: proof of work, difficulty, linkage, reorgs, Merkle proofs, real mainnet headers."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omnistake.chains.bitcoin.block import BlockHeader, bits_to_target, target_to_bits
from omnistake.chains.bitcoin.errors import SpvError
from omnistake.chains.bitcoin.merkle import merkle_proof, merkle_root, verify_merkle_proof
from omnistake.chains.bitcoin.regtest import RegtestChain, regtest_genesis
from omnistake.chains.bitcoin.spv import MAINNET, REGTEST, HeaderChain, NetworkParams

MAINNET_GENESIS = BlockHeader(
    1,
    bytes(32),
    bytes.fromhex("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")[::-1],
    1231006505,
    0x1D00FFFF,
    2083236893,
)
MAINNET_BLOCK1 = bytes.fromhex(
    "010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744"
    "bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299"
)


def test_real_genesis_hashes() -> None:
    assert MAINNET_GENESIS.hash_hex == MAINNET.genesis_hash_hex
    assert regtest_genesis().header.hash_hex == REGTEST.genesis_hash_hex
    assert regtest_genesis().txs[0].txid == (
        "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    )


def test_mainnet_block1_accepted_and_tampering_rejected() -> None:
    chain = HeaderChain(MAINNET, MAINNET_GENESIS, 0)
    b1 = BlockHeader.parse(MAINNET_BLOCK1)
    assert b1.serialize() == MAINNET_BLOCK1
    assert b1.hash_hex == "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048"
    chain.add_header(b1)
    assert chain.tip_height == 1 and chain.tip.chain_work == 2 * 0x100010001
    chain2 = HeaderChain(MAINNET, MAINNET_GENESIS, 0)
    with pytest.raises(SpvError) as err:
        chain2.add_header(replace(b1, nonce=b1.nonce + 1))
    assert err.value.reason == "INSUFFICIENT_WORK"
    with pytest.raises(SpvError) as err:
        chain2.add_header(replace(b1, bits=0x1D00FFFE))
    assert err.value.reason == "BAD_DIFFICULTY"
    with pytest.raises(SpvError) as err:  # regtest difficulty is far above mainnet's limit
        chain2.add_header(replace(b1, bits=0x207FFFFF))
    assert err.value.reason == "TARGET_ABOVE_POW_LIMIT"


def test_compact_targets() -> None:
    assert bits_to_target(0x1D00FFFF) == 0xFFFF << 208
    assert target_to_bits(0xFFFF << 208) == 0x1D00FFFF
    assert bits_to_target(0x207FFFFF) == REGTEST.pow_limit
    assert REGTEST.pow_limit_bits == 0x207FFFFF
    # Core's GetCompact of a target whose top byte has the sign bit set shifts one byte.
    assert target_to_bits(0x80 << 200) == 0x1B008000
    assert bits_to_target(0x1B008000) == 0x80 << 200


def _regtest_chain(blocks: int) -> tuple[RegtestChain, HeaderChain]:
    rc = RegtestChain()
    rc.mine(blocks)
    hc = HeaderChain(REGTEST, rc.blocks[0].header, 0)
    hc.add_headers(b.header for b in rc.blocks[1:])
    return rc, hc


def _grind(header: BlockHeader, want_valid: bool) -> BlockHeader:
    n = header.nonce
    while True:
        h = replace(header, nonce=n)
        if h.meets_target() is want_valid:
            return h
        n += 1


def test_regtest_header_without_enough_work() -> None:
    rc, hc = _regtest_chain(5)
    nxt = rc.mine(1)[0].header
    weak = _grind(nxt, want_valid=False)
    with pytest.raises(SpvError) as err:
        hc.add_header(weak)
    assert err.value.reason == "INSUFFICIENT_WORK"
    with pytest.raises(SpvError) as err:
        hc.add_header(_grind(replace(nxt, prev_hash=bytes(32)), want_valid=True))
    assert err.value.reason == "BAD_LINKAGE"
    with pytest.raises(SpvError) as err:
        hc.add_header(_grind(replace(nxt, bits=0x1F7FFFFF), want_valid=True))
    assert err.value.reason == "BAD_DIFFICULTY"
    with pytest.raises(SpvError) as err:
        hc.add_header(_grind(replace(nxt, time=rc.blocks[1].header.time), want_valid=True))
    assert err.value.reason == "TIME_TOO_OLD"
    hc.add_header(nxt)
    assert hc.tip_height == 6


def test_reorg_to_more_work_and_stale_inclusion() -> None:
    rc, hc = _regtest_chain(3)
    tip = hc.tip
    # A competing branch of two blocks on top of height 2 beats the one-block tail.
    base = rc.blocks[2].header
    fork1 = _grind(
        BlockHeader(0x20000000, base.hash, bytes(32), base.time + 601, 0x207FFFFF, 0), True
    )
    hc.add_header(fork1)
    assert hc.tip == tip  # equal work: no switch
    fork2 = _grind(
        BlockHeader(0x20000000, fork1.hash, bytes(32), fork1.time + 1, 0x207FFFFF, 0), True
    )
    hc.add_header(fork2)
    assert hc.tip.hash == fork2.hash and hc.tip_height == 4
    assert not hc.in_main_chain(rc.blocks[3].hash)
    cb = rc.blocks[3].txs[0]
    with pytest.raises(SpvError) as err:
        hc.verify_inclusion(cb, rc.blocks[3].hash, 0, [], 0, allow_coinbase=True)
    assert err.value.reason == "NOT_IN_BEST_CHAIN"


def test_retarget_rules_with_short_interval() -> None:
    params = NetworkParams(
        "toy", REGTEST.pow_limit, "", retarget_interval=4, target_timespan=4 * 600
    )
    genesis = _grind(BlockHeader(1, bytes(32), bytes(32), 1_000_000, 0x207FFFFF, 0), True)
    hc = HeaderChain(params, genesis, 0)
    prev = genesis
    for _i in range(1, 4):  # blocks every 300 s: twice as fast as the target spacing
        prev = _grind(BlockHeader(1, prev.hash, bytes(32), prev.time + 300, 0x207FFFFF, 0), True)
        hc.add_header(prev)
    expected = target_to_bits(bits_to_target(0x207FFFFF) * 900 // 2400)
    ok = _grind(BlockHeader(1, prev.hash, bytes(32), prev.time + 300, expected, 0), True)
    with pytest.raises(SpvError) as err:
        hc.add_header(_grind(replace(ok, bits=0x207FFFFF), True))
    assert err.value.reason == "BAD_DIFFICULTY"
    hc.add_header(ok)
    assert hc.tip_height == 4 and hc.tip.header.bits == expected != 0x207FFFFF


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 70), data=st.data())
def test_merkle_proofs(n: int, data: st.DataObject) -> None:
    txids = [bytes([i % 256, i // 256]) * 16 for i in range(n)]
    root = merkle_root(txids)
    idx = data.draw(st.integers(0, n - 1))
    proof = merkle_proof(txids, idx)
    verify_merkle_proof(txids[idx], idx, proof, root)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        forged = list(proof)
        forged[k] = bytes(31) + b"\x01"
        if forged[k] != proof[k]:
            with pytest.raises(SpvError):
                verify_merkle_proof(txids[idx], idx, forged, root)
    with pytest.raises(SpvError):
        verify_merkle_proof(b"\xff" * 32, idx, proof, root)


def test_finality_depth() -> None:
    _rc, hc = _regtest_chain(12)
    assert hc.is_final(2, 10) and not hc.is_final(3, 10)


def test_testnet_minimum_difficulty_rule() -> None:
    params = NetworkParams(
        "toy-testnet", REGTEST.pow_limit, "", retarget_interval=1000, allow_min_difficulty=True
    )
    normal = target_to_bits(REGTEST.pow_limit // 4)
    genesis = _grind(BlockHeader(1, bytes(32), bytes(32), 1_000_000, normal, 0), True)
    hc = HeaderChain(params, genesis, 0)

    def child(prev: BlockHeader, dt: int, bits: int) -> BlockHeader:
        return _grind(BlockHeader(1, prev.hash, bytes(32), prev.time + dt, bits, 0), True)

    b1 = child(genesis, 600, normal)
    hc.add_header(b1)
    with pytest.raises(SpvError) as err:  # no 20-minute gap: minimum difficulty not allowed
        hc.add_header(child(b1, 600, REGTEST.pow_limit_bits))
    assert err.value.reason == "BAD_DIFFICULTY"
    b2 = child(b1, 1201, REGTEST.pow_limit_bits)  # more than 2 x 10 minutes later: allowed
    hc.add_header(b2)
    with pytest.raises(SpvError) as err:  # next on-time block returns to the last real bits
        hc.add_header(child(b2, 600, REGTEST.pow_limit_bits))
    assert err.value.reason == "BAD_DIFFICULTY"
    hc.add_header(child(b2, 600, normal))
    assert hc.tip_height == 3
