"""The Babylon lifecycle through the core: LedgerService + ChainSync + the Bitcoin adapter on
the regtest chain builder, with ledger numbers checked after every step, and rejections that
leave the ledger's state hash unchanged."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import pytest_asyncio
from omnistake.chains.bitcoin.adapter import BitcoinAdapter, BitcoinAdapterError
from omnistake.chains.bitcoin.backend_api import ChainTip, TxWithProof
from omnistake.chains.bitcoin.block import BlockHeader
from omnistake.chains.bitcoin.eots import EotsSigner
from omnistake.chains.bitcoin.errors import BitcoinError
from omnistake.chains.bitcoin.evidence import InvalidEvidence, encode_evidence
from omnistake.chains.bitcoin.hub import (
    domain_time,
    register_babylon_network,
    register_finality_provider,
    sign_fp_pop,
    slash_double_sign,
)
from omnistake.chains.bitcoin.registry import StakingRegistry, submission_to_proof
from omnistake.chains.bitcoin.regtest import RegtestBackend
from omnistake.chains.bitcoin.secp import xonly_from_secret
from omnistake.chains.bitcoin.slasher import EquivocationEvidence
from omnistake.chains.bitcoin.staker import covenant_sign
from omnistake.chains.bitcoin.testing import (
    COVENANT_SKS,
    Staked,
    StakingWorld,
    regtest_params,
    secret,
)
from omnistake.chains.bitcoin.tx import OutPoint
from omnistake.clock import ManualClock
from omnistake.errors import OmnistakeError
from omnistake.ledger.commands import RegisterOperator
from omnistake.ledger.events import Slashed
from omnistake.plugins import ChainSync, DepositClaim, DepositRejected
from omnistake.principals import Principal, Role
from omnistake.service import LedgerService

K = 3
NETWORK = "babylon"
ALICE_SK = secret("fp-alice")
ALICE_PK = xonly_from_secret(ALICE_SK)


@dataclass
class Hub:
    world: StakingWorld
    registry: StakingRegistry
    adapter: BitcoinAdapter
    service: LedgerService
    sync: ChainSync

    @property
    def chain_id(self) -> str:
        return self.adapter.chain_id

    @property
    def now(self) -> int:
        return domain_time(self.service, self.chain_id)

    def stake(self) -> int:
        """Alice's stake for the network at the domain's latest time."""
        return self.service.ledger.stake_at("btc-fp-alice", NETWORK, 0, "fp-alice", self.now)

    def balance(self, staked: Staked) -> int:
        return self.service.ledger.active_balance_of("btc-fp-alice", self.account(staked), self.now)

    def account(self, staked: Staked) -> str:
        return self.adapter.account(staked.submission.staker_pk)

    async def mine(self, count: int = 1) -> None:
        self.world.chain.mine(count)
        await self.sync.catch_up(10)

    def fingerprint(self) -> tuple[int, str]:
        return self.service.ledger.seq, self.service.ledger.state_hash()

    def claim(self, staked: Staked, **proof_changes: str) -> DepositClaim:
        sub = replace(staked.submission, inclusion=self.world.inclusion(staked.tx))
        proof = {**submission_to_proof(sub), **proof_changes}
        return DepositClaim(
            vault="btc-fp-alice",
            staker=self.account(staked),
            reference=staked.txid,
            amount=staked.submission.staking_value,
            proof=proof,
        )


def make_adapter(
    world: StakingWorld, registry: StakingRegistry, backend: object = None
) -> BitcoinAdapter:
    return BitcoinAdapter(
        backend or RegtestBackend(world.chain),  # type: ignore[arg-type]
        world.params,
        registry,
        confirmation_depth=K,
        start_height=world.start_height,
        poll_interval=0.005,
    )


@pytest_asyncio.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    world = StakingWorld.build()
    registry = StakingRegistry(tmp_path / "registry.json")
    adapter = make_adapter(world, registry)
    service = LedgerService.open("memory://", ManualClock(0))
    sync = ChainSync(service, adapter, strict_facts=True)
    await sync.start()
    await register_babylon_network(service, NETWORK)
    await register_finality_provider(
        service,
        adapter,
        operator="fp-alice",
        fp_pk=ALICE_PK,
        pop=sign_fp_pop(ALICE_SK, "fp-alice"),
        network=NETWORK,
    )
    await sync.catch_up(10)
    yield Hub(world, registry, adapter, service, sync)
    await sync.close()
    service.close()


def double_sign(height: int = 77) -> bytes:
    signer = EotsSigner(ALICE_SK, b"bbn-regtest")
    a, b = hashlib.sha256(b"block-a").digest(), hashlib.sha256(b"block-b").digest()
    sig_a = signer.sign(height, a)
    sig_b = signer.sign(height, b, allow_double_sign=True)
    return encode_evidence(
        EquivocationEvidence(ALICE_PK, height, signer.pub_rand(height), a, sig_a, b, sig_b)
    )


async def test_registration_sets_up_a_slashable_operator_vault(hub: Hub) -> None:
    state = hub.service.ledger.state
    assert state.operators["fp-alice"].keys == {"bip122": ALICE_PK.hex()}
    vault = state.vaults["btc-fp-alice"]
    assert vault.domain == hub.chain_id and vault.delegator_type == "operator_specific"
    assert vault.asset_id == f"{hub.chain_id}/slip44:0"
    assert state.assets[vault.asset_id].decimals == 8
    assert hub.service.ledger.is_opted_in_network("fp-alice", NETWORK, hub.now, hub.chain_id)
    with pytest.raises(BitcoinAdapterError) as err:
        await register_finality_provider(
            hub.service,
            hub.adapter,
            operator="fp-mallory",
            fp_pk=ALICE_PK,
            pop=sign_fp_pop(secret("mallory"), "fp-mallory"),
            network=NETWORK,
        )
    assert err.value.metadata["cause"] == "BAD_PROOF_OF_POSSESSION"
    # An operator already working on another chain adds its BTC key.
    bob_sk = secret("fp-bob")
    await hub.service.execute(
        RegisterOperator(operator="fp-bob", keys={"eip155": "0x" + "ab" * 20}),
        principal=Principal(Role.OPERATOR, "fp-bob"),
    )
    kwargs = {"operator": "fp-bob", "network": NETWORK}
    bob = await register_finality_provider(
        hub.service,
        hub.adapter,
        fp_pk=xonly_from_secret(bob_sk),
        pop=sign_fp_pop(bob_sk, "fp-bob"),
        **kwargs,  # type: ignore[arg-type]
    )
    assert bob.vault == "btc-fp-bob"
    keys = hub.service.ledger.state.operators["fp-bob"].keys
    assert keys == {"eip155": "0x" + "ab" * 20, "bip122": xonly_from_secret(bob_sk).hex()}
    carol_sk = secret("fp-carol")
    with pytest.raises(BitcoinAdapterError) as err:
        await register_finality_provider(
            hub.service,
            hub.adapter,
            fp_pk=xonly_from_secret(carol_sk),
            pop=sign_fp_pop(carol_sk, "fp-bob"),
            **kwargs,  # type: ignore[arg-type]
        )
    assert err.value.metadata["cause"] == "OPERATOR_KEY_MISMATCH"


async def test_full_lifecycle(hub: Hub) -> None:
    w = hub.world
    # 1. Staker 1 registers first (pre-signed slashing + covenant sigs), then it is mined.
    s1 = w.stake(secret("staker-1"), ALICE_PK, 1_000_000, broadcast=False)
    await hub.adapter.register_delegation(s1.submission)
    w.chain.broadcast(s1.tx)
    await hub.mine(1)
    await hub.mine(K - 1)
    assert hub.stake() == 0, "credited before k confirmations"
    await hub.mine(1)
    assert hub.stake() == 1_000_000
    assert hub.balance(s1) == 1_000_000

    # 2. Staker 2 stakes unannounced and claims with an inclusion proof once k deep.
    s2 = w.stake(secret("staker-2"), ALICE_PK, 2_000_000)
    await hub.mine(1 + K)
    claim = hub.claim(s2)
    await hub.sync.verify_deposit(claim)
    assert hub.stake() == 3_000_000 and hub.balance(s2) == 2_000_000
    before = hub.fingerprint()
    again = await hub.sync.verify_deposit(claim)  # idempotent: derived from the txid
    assert again.replayed and hub.fingerprint() == before

    # 3. Staker 3 stakes for a short time and lets the timelock expire.
    s3 = w.stake(secret("staker-3"), ALICE_PK, 500_000, staking_time=30)
    await hub.adapter.register_delegation(s3.submission)
    await hub.mine(1 + K)
    assert hub.stake() == 3_500_000
    inclusion = w.chain.tx_with_proof(s3.tx.txid_bytes).height

    # 4. Staker 1 unbonds: released once the unbonding tx is k deep.
    w.unbond(s1)
    await hub.mine(1)
    assert hub.stake() == 3_500_000, "released before the unbonding tx is final"
    await hub.mine(K)
    assert hub.stake() == 2_500_000 and hub.balance(s1) == 0
    (pending,) = hub.service.ledger.pending_withdrawals("btc-fp-alice", hub.account(s1))
    assert pending.amount == 1_000_000

    # 5. Timelock expiry (inclusion + staking_time - unbonding_time) releases staker 3.
    expiry = inclusion + 30 - w.params.unbonding_time_blocks
    await hub.mine(expiry + K - w.chain.height - 1)
    assert hub.stake() == 2_500_000
    await hub.mine(1)
    assert hub.stake() == 2_000_000 and hub.balance(s3) == 0
    await hub.mine(inclusion + 30 - w.chain.height - 1)
    w.withdraw_after_timelock(s3)  # the staker spends its own output: no second exit
    seq = hub.service.ledger.seq
    await hub.mine(1 + K)
    assert hub.service.ledger.seq == seq

    # 6. Alice double-signs: key extracted, slashing txs completed, checked, broadcast, and
    #    the vault slashed by the slashing rate of her stake.
    stake_before = hub.stake()
    total_before = hub.service.ledger.total_stake("btc-fp-alice", hub.now)
    result = await slash_double_sign(hub.sync, hub.adapter, double_sign(), network=NETWORK)
    assert result.requested == result.slashed == 200_000 == stake_before // 10
    assert hub.service.ledger.total_stake("btc-fp-alice", hub.now) == total_before - 200_000
    report = result.report
    assert report is not None and not report.failures
    sent = {(c.delegation_outpoint.txid, c.kind) for c in report.broadcast}
    assert sent == {(s2.tx.txid_bytes, "staking"), (s1.tx.txid_bytes, "unbonding")}
    # Staker 3's output was already spent through its timelock: the node refuses that one.
    assert [reason for _, reason in report.rejected_by_backend] == ["MISSING_INPUT"]
    mempool = {t.txid_bytes for t in w.chain.mempool}
    assert {c.tx.txid_bytes for c in report.broadcast} == mempool
    await hub.mine(1)
    slashing = next(c for c in report.broadcast if c.kind == "staking")
    burn = w.chain.utxos[OutPoint(slashing.tx.txid_bytes, 0)].output
    assert burn.script_pubkey == w.params.slashing_pk_script and burn.value == 200_000
    # The ledger splits the slash pro rata over active stake and the withdrawal buckets
    # (stakers 1 and 3 are still in theirs), as the vault math does.
    (slashed,) = [
        r.event for r in hub.service.events_since(0, 10_000) if isinstance(r.event, Slashed)
    ]
    assert slashed.slashed == 200_000 and 0 < slashed.active_burned < 200_000
    assert hub.stake() == 2_000_000 - slashed.active_burned == hub.balance(s2)
    remaining = hub.balance(s2)
    # Staker 2's delegation ends when its slashing tx is final: all its shares redeemed.
    await hub.mine(K)
    assert hub.stake() == 0 and hub.balance(s2) == 0
    (pending2,) = hub.service.ledger.pending_withdrawals("btc-fp-alice", hub.account(s2))
    # Exactly its shares were redeemed; the virtual +1 offsets round against the leaver.
    assert remaining - 1 <= pending2.amount <= remaining

    # 7. The same evidence again changes nothing; a slashed FP takes no new delegations.
    before = hub.fingerprint()
    await slash_double_sign(hub.sync, hub.adapter, double_sign(), network=NETWORK)
    assert hub.fingerprint() == before
    late = w.stake(secret("staker-4"), ALICE_PK, 300_000, broadcast=False)
    with pytest.raises(BitcoinAdapterError) as err:
        await hub.adapter.register_delegation(late.submission)
    assert err.value.metadata["cause"] == "FINALITY_PROVIDER_SLASHED"


# -- rejections: a precise reason, and the ledger untouched ------------------------------------


async def _rejected(hub: Hub, claim: DepositClaim, adapter: BitcoinAdapter | None = None) -> str:
    before = hub.fingerprint()
    with pytest.raises(DepositRejected) as err:
        if adapter is None:
            await hub.sync.verify_deposit(claim)
        else:
            await adapter.verify_deposit(claim)
    assert hub.fingerprint() == before
    return err.value.metadata["cause"]


@pytest_asyncio.fixture
async def mined(hub: Hub) -> Staked:
    staked = hub.world.stake(secret("staker-r"), ALICE_PK, 1_000_000)
    await hub.mine(1 + K)
    return staked


async def test_wrong_script_amount_timelock_or_covenants_are_rejected(
    hub: Hub, mined: Staked
) -> None:
    other_fp = xonly_from_secret(secret("other-fp")).hex()
    assert await _rejected(hub, hub.claim(mined, fp_pks=other_fp)) == "WRONG_SCRIPT"
    assert await _rejected(hub, hub.claim(mined, staking_value="1000001")) == "WRONG_AMOUNT"
    assert await _rejected(hub, hub.claim(mined, staking_time="61")) == "WRONG_SCRIPT"
    assert await _rejected(hub, hub.claim(mined, staking_time="5")) == "WRONG_TIMELOCK"
    stranger = covenant_sign(secret("stranger"), mined.submission, hub.world.params, bytes(32))
    foreign = replace(mined.submission, covenant_sigs=(stranger, mined.submission.covenant_sigs[0]))
    sigs = submission_to_proof(foreign)["covenant_sigs"]
    assert await _rejected(hub, hub.claim(mined, covenant_sigs=sigs)) == "UNKNOWN_COVENANT"
    one = submission_to_proof(replace(mined.submission, covenant_sigs=foreign.covenant_sigs[1:]))
    assert (
        await _rejected(hub, hub.claim(mined, covenant_sigs=one["covenant_sigs"]))
        == "NOT_ENOUGH_COVENANT_SIGS"
    )
    # A staking output committed to another covenant committee does not match the script.
    other_covenants = tuple(secret(f"other-cov-{i}") for i in range(3))
    other = StakingWorld(
        hub.world.chain,
        regtest_params(covenant_pks=tuple(xonly_from_secret(c) for c in other_covenants)),
        hub.world.coins,
    )
    foreign_set = other.stake(
        secret("staker-f"), ALICE_PK, 1_000_000, covenants=other_covenants[:2]
    )
    await hub.mine(1 + K)
    assert await _rejected(hub, hub.claim(foreign_set)) == "WRONG_SCRIPT"
    wrong_vault = replace(hub.claim(mined), vault="btc-fp-bob")
    assert await _rejected(hub, wrong_vault) == "WRONG_VAULT"
    assert hub.stake() == 0
    await hub.sync.verify_deposit(hub.claim(mined))  # the untouched claim is fine
    assert hub.stake() == 1_000_000


async def test_forged_merkle_proof_and_shallow_inclusion_are_rejected(
    hub: Hub, mined: Staked
) -> None:
    proof = hub.claim(mined).proof["merkle_proof"]
    forged = ("ff" if proof[:2] != "ff" else "00") + proof[2:]
    assert await _rejected(hub, hub.claim(mined, merkle_proof=forged)) == "BAD_MERKLE_PROOF"
    other_index = str(int(hub.claim(mined).proof["tx_index"]) + 2)
    assert await _rejected(hub, hub.claim(mined, tx_index=other_index)) == "BAD_MERKLE_PROOF"
    fresh = hub.world.stake(secret("staker-s"), ALICE_PK, 600_000)
    await hub.mine(K)  # k - 1 blocks on top of it
    assert await _rejected(hub, hub.claim(fresh)) == "NOT_DEEP_ENOUGH"


class ForgedTipBackend(RegtestBackend):
    """Serves the regtest chain plus one extra header whose hash misses its target."""

    def __init__(self, world: StakingWorld) -> None:
        super().__init__(world.chain)
        tip = world.chain.tip.header
        nonce = 0
        while True:
            header = BlockHeader(
                tip.version, tip.hash, tip.merkle_root, tip.time + 1, tip.bits, nonce
            )
            if not header.meets_target():
                break
            nonce += 1
        self.forged = header

    async def get_tip(self) -> ChainTip:
        return ChainTip(self.chain.height + 1, self.forged.hash)

    async def get_block_hash(self, height: int) -> bytes:
        if height == self.chain.height + 1:
            return self.forged.hash
        return await super().get_block_hash(height)

    async def get_header(self, block_hash: bytes) -> BlockHeader:
        if block_hash == self.forged.hash:
            return self.forged
        return await super().get_header(block_hash)


async def test_header_without_enough_work_is_rejected(hub: Hub, mined: Staked) -> None:
    forged = make_adapter(hub.world, hub.registry, ForgedTipBackend(hub.world))
    assert await _rejected(hub, hub.claim(mined), forged) == "INSUFFICIENT_WORK"


async def test_invalid_evidence_slashes_nothing(hub: Hub, mined: Staked) -> None:
    await hub.sync.verify_deposit(hub.claim(mined))
    before = hub.fingerprint()
    body = json.loads(double_sign())
    body["sig_b"] = body["sig_a"]
    body["app_hash_b"] = hashlib.sha256(b"block-c").digest().hex()
    with pytest.raises(InvalidEvidence) as err:
        await slash_double_sign(hub.sync, hub.adapter, json.dumps(body).encode(), network=NETWORK)
    assert err.value.metadata["cause"] == "BAD_EOTS_SIGNATURE"
    assert hub.fingerprint() == before and not hub.world.chain.mempool
    assert hub.registry.finality_provider(ALICE_PK).slashed_height is None  # type: ignore[union-attr]


async def test_slashing_tx_with_failing_signature_is_never_broadcast(
    hub: Hub, mined: Staked, tmp_path: Path
) -> None:
    await hub.sync.verify_deposit(hub.claim(mined))
    good = hub.world.stake(secret("staker-g"), ALICE_PK, 700_000)
    await hub.adapter.register_delegation(good.submission)
    await hub.mine(2 + K)  # captures are strictly in the past: one block after the credit
    assert hub.stake() == 1_700_000
    # The stored staker signature of one delegation gets corrupted on disk.
    path = tmp_path / "registry.json"
    data = json.loads(path.read_text())
    for item in data["delegations"]:
        if item["staking_tx"] == mined.tx.serialize().hex():
            item["staker_slashing_sig"] = item["staker_unbonding_slashing_sig"]
    path.write_text(json.dumps(data))
    hub.adapter.registry = StakingRegistry(path)
    result = await slash_double_sign(hub.sync, hub.adapter, double_sign(), network=NETWORK)
    report = result.report
    assert report is not None
    (failure,) = report.failures
    assert failure.delegation_outpoint.txid == mined.tx.txid_bytes
    assert failure.reason == "BAD_STAKER_SIGNATURE"
    (sent,) = report.broadcast
    assert sent.delegation_outpoint.txid == good.tx.txid_bytes
    assert [t.txid_bytes for t in hub.world.chain.mempool] == [sent.tx.txid_bytes]
    assert result.slashed == 170_000


async def test_reorg_deeper_than_k_uncredits_and_reinclusion_credits_again(hub: Hub) -> None:
    w = hub.world
    staked = w.stake(secret("staker-z"), ALICE_PK, 400_000, broadcast=False)
    await hub.adapter.register_delegation(staked.submission)
    w.chain.broadcast(staked.tx)
    await hub.mine(1 + K)
    assert hub.stake() == 400_000
    w.chain.reorg(K + 1)  # the staking block itself is orphaned
    await hub.sync.catch_up(10)
    deep = [e for e in hub.sync.events if getattr(e, "deep", False)]
    assert deep and deep[-1].rebuilt
    assert hub.stake() == 0 and hub.balance(staked) == 0
    w.chain.broadcast(staked.tx)  # its input is unspent again on the new branch
    await hub.mine(1 + K)
    assert hub.stake() == 400_000


async def test_late_claim_behind_the_ledger_clock_is_credited_by_follow(hub: Hub) -> None:
    w = hub.world
    late = w.stake(secret("staker-late"), ALICE_PK, 300_000)  # nobody announces it yet
    w.chain.mine(1)
    other = w.stake(secret("staker-other"), ALICE_PK, 100_000, broadcast=False)
    await hub.adapter.register_delegation(other.submission)
    w.chain.broadcast(other.tx)
    await hub.mine(1 + K)  # `other` credited: the ledger clock passes `late`'s block
    assert hub.stake() == 100_000
    before = hub.fingerprint()
    with pytest.raises(OmnistakeError) as err:
        await hub.sync.verify_deposit(hub.claim(late))
    assert err.value.reason == "TIME_WENT_BACKWARDS"
    assert hub.fingerprint() == before
    await hub.mine(1)  # the first block after the claim credits it, under the same fact id
    assert hub.stake() == 400_000 and hub.balance(late) == 300_000
    again = await hub.sync.verify_deposit(hub.claim(late))
    assert again.replayed and hub.stake() == 400_000


async def test_covenant_signatures_are_collected_before_the_stake_counts(hub: Hub) -> None:
    w = hub.world
    staked = w.stake(secret("staker-c"), ALICE_PK, 800_000, covenants=())
    pending = await hub.adapter.register_delegation(
        staked.submission, require_covenant_quorum=False
    )
    assert pending is None
    await hub.mine(1 + K)
    assert hub.stake() == 0, "credited without the covenant quorum"
    sign = [covenant_sign(c, staked.submission, w.params, bytes(32)) for c in COVENANT_SKS]
    forged = replace(sign[2], unbonding_sig=sign[1].unbonding_sig)
    with pytest.raises(BitcoinError) as err:
        await hub.adapter.add_covenant_signatures(staked.txid, [forged])
    assert err.value.reason == "BAD_COVENANT_SIGNATURE"
    assert await hub.adapter.add_covenant_signatures(staked.txid, [sign[0]]) is None
    await hub.mine(1)
    assert hub.stake() == 0
    tracked = await hub.adapter.add_covenant_signatures(staked.txid, [sign[1]])
    assert tracked is not None and len(tracked.submission.covenant_sigs) == 2
    # Already final when the quorum arrived: credited in the next block.
    await hub.mine(1)
    assert hub.stake() == 800_000 and hub.balance(staked) == 800_000
    # The registry file survives a restart with everything it learnt.
    assert StakingRegistry(hub.registry.path).delegation(staked.txid) == tracked


class LyingLocationBackend(RegtestBackend):
    """Serves a transaction's location with a corrupted Merkle proof."""

    async def get_tx_with_proof(self, txid: bytes) -> TxWithProof:
        loc = await super().get_tx_with_proof(txid)
        return replace(loc, proof=(bytes(32), *loc.proof[1:]))


async def test_backend_tx_locations_are_checked_by_spv(hub: Hub, mined: Staked) -> None:
    liar = make_adapter(hub.world, StakingRegistry(), LyingLocationBackend(hub.world.chain))
    liar.registry.add_finality_provider(hub.registry.finality_provider(ALICE_PK))  # type: ignore[arg-type]
    with pytest.raises(BitcoinAdapterError) as err:
        await liar.register_delegation(mined.submission)
    assert err.value.metadata["cause"] == "BAD_MERKLE_PROOF"
    assert liar.registry.delegation(mined.txid) is None
