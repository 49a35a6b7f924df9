"""The Bitcoin adapter's pieces: plugin registration, the evidence verifier, the registry
(proof format, persistence) and restarts that derive the same facts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from omnistake.chains.bitcoin.adapter import BitcoinAdapter, BitcoinAdapterError
from omnistake.chains.bitcoin.eots import EotsSigner
from omnistake.chains.bitcoin.evidence import (
    KIND,
    InvalidEvidence,
    decode_evidence,
    encode_evidence,
)
from omnistake.chains.bitcoin.registry import (
    Delegation,
    FinalityProvider,
    RegistryError,
    StakingRegistry,
    submission_from_proof,
    submission_to_proof,
)
from omnistake.chains.bitcoin.secp import xonly_from_secret
from omnistake.chains.bitcoin.slasher import EquivocationEvidence
from omnistake.chains.bitcoin.testing import StakingWorld, regtest_params, secret
from omnistake.plugins import PluginManager
from omnistake.plugins.errors import Unsupported
from omnistake.plugins.records import PayoutInstruction
from omnistake.testing.follower import canonical_final_blocks

FP_SK = secret("unit-fp")
FP_PK = xonly_from_secret(FP_SK)
REGTEST_ID = "bip122:0f9188f13cb7b2c71f2a335e3a4fc328"


@pytest.fixture(scope="module")
def world() -> StakingWorld:
    return StakingWorld.build(coins=8)


def _evidence(same_block: bool = False) -> EquivocationEvidence:
    signer = EotsSigner(FP_SK, b"unit")
    a = hashlib.sha256(b"a").digest()
    b = a if same_block else hashlib.sha256(b"b").digest()
    sig_a = signer.sign(9, a)
    sig_b = signer.sign(9, b, allow_double_sign=True)
    return EquivocationEvidence(FP_PK, 9, signer.pub_rand(9), a, sig_a, b, sig_b)


def test_entry_point_registers_adapter_and_evidence_verifier(world: StakingWorld) -> None:
    manager = PluginManager(strict=True, only={"bitcoin"})
    manager.load_entry_points()
    spec = manager.chain_adapters()["bip122"]
    assert spec.name == "bitcoin"
    verifier = manager.evidence_verifiers()[("bip122", KIND)]
    assert verifier.kind == "eots-double-sign"
    adapter = manager.create_adapter(
        REGTEST_ID, {"backend": world.backend, "params": world.params, "confirmation_depth": 2}
    )
    assert isinstance(adapter, BitcoinAdapter)
    assert adapter.chain_id == REGTEST_ID and adapter.depth == 2
    mainnet = manager.create_adapter(
        "bip122:000000000019d6689c085ae165831e93", {"esplora_url": "http://127.0.0.1:1/api"}
    )
    assert isinstance(mainnet, BitcoinAdapter) and mainnet.network.name == "mainnet"
    with pytest.raises(BitcoinAdapterError) as err:
        manager.create_adapter("bip122:00000000000000000000000000000000", {"backend": 1})
    assert err.value.metadata["cause"] == "BAD_OPTION"
    with pytest.raises(BitcoinAdapterError):
        manager.create_adapter(REGTEST_ID, {"backend": 1, "network": "mainnet"})
    for bad in ({"backend": 1}, {"backend": world.backend, "params": "babylon"}, {}):
        with pytest.raises(BitcoinAdapterError) as err:
            manager.create_adapter(REGTEST_ID, bad)
        assert err.value.metadata["cause"] in ("BAD_OPTION", "NO_BACKEND")


async def test_evidence_verifier_names_the_offender() -> None:
    from omnistake.chains.bitcoin.evidence import EotsDoubleSignVerifier

    offence = await EotsDoubleSignVerifier().verify(encode_evidence(_evidence()))
    assert offence.kind == KIND and offence.operator == FP_PK.hex() and offence.at == 9
    assert decode_evidence(encode_evidence(_evidence())) == _evidence()
    with pytest.raises(InvalidEvidence) as err:
        await EotsDoubleSignVerifier().verify(encode_evidence(_evidence(same_block=True)))
    assert err.value.metadata["cause"] == "SAME_BLOCK"
    with pytest.raises(InvalidEvidence) as err:
        await EotsDoubleSignVerifier().verify(b"{not json")
    assert err.value.metadata["cause"] == "MALFORMED_EVIDENCE"
    forged = replace(_evidence(), pub_rand=_evidence().sig_a[:32])
    with pytest.raises(InvalidEvidence) as err:
        await EotsDoubleSignVerifier().verify(encode_evidence(forged))
    assert err.value.metadata["cause"] == "BAD_EOTS_SIGNATURE"
    assert FP_SK.hex() not in str(err.value)


def test_proof_format_round_trips_and_rejects_malformed(world: StakingWorld) -> None:
    staked = world.stake(secret("unit-staker"), FP_PK, 200_000, broadcast=False)
    sub = staked.submission
    assert submission_from_proof(submission_to_proof(sub)) == sub
    proof = submission_to_proof(sub)
    for broken in (
        {k: v for k, v in proof.items() if k != "staking_tx"},
        {**proof, "covenant_sigs": proof["covenant_sigs"][:-2]},
        {**proof, "staking_value": "lots"},
        {**proof, "fp_pks": ""},
    ):
        with pytest.raises(RegistryError) as err:
            submission_from_proof(broken)
        assert err.value.reason == "MALFORMED_PROOF"


def test_registry_persists_and_guards_fp_keys(world: StakingWorld, tmp_path: Path) -> None:
    path = tmp_path / "reg.json"
    registry = StakingRegistry(path)
    fp = registry.add_finality_provider(FinalityProvider(FP_PK, "op", "vault-op"))
    assert registry.add_finality_provider(FinalityProvider(FP_PK, "op", "vault-op")) == fp
    with pytest.raises(RegistryError):
        registry.add_finality_provider(FinalityProvider(FP_PK, "other", "vault-other"))
    with pytest.raises(RegistryError):
        registry.add_finality_provider(FinalityProvider(secret("x")[:32], "op", "vault-x"))
    staked = world.stake(secret("unit-staker-2"), FP_PK, 300_000, broadcast=False)
    registry.add_delegation(Delegation(staked.submission, 7))
    registry.mark_slashed(FP_PK, 42)
    reloaded = StakingRegistry(path)
    assert reloaded.finality_provider(FP_PK) == FinalityProvider(FP_PK, "op", "vault-op", 42)
    (d,) = reloaded.delegations()
    assert d.registered_height == 7 and d.submission == staked.submission
    assert d.staking_txid == staked.txid
    assert json.loads(path.read_text())["delegations"][0]["staking_value"] == "300000"


async def test_payouts_are_not_needed(world: StakingWorld) -> None:
    adapter = BitcoinAdapter(world.backend, world.params)
    payout = PayoutInstruction(
        instruction_id="p", vault="v", asset_id=adapter.asset_id, recipient="x", amount=1
    )
    with pytest.raises(Unsupported):
        await adapter.execute_payout(payout)
    assert (await adapter.describe()).capabilities["execute_payout"] is False


async def test_restart_from_registry_file_derives_the_same_facts(tmp_path: Path) -> None:
    world = StakingWorld.build(coins=6)
    path = tmp_path / "reg.json"
    registry = StakingRegistry(path)
    registry.add_finality_provider(FinalityProvider(FP_PK, "op", "vault-op"))

    def adapter(reg: StakingRegistry) -> BitcoinAdapter:
        return BitcoinAdapter(
            world.backend,
            regtest_params(),
            reg,
            confirmation_depth=2,
            start_height=world.start_height,
            poll_interval=0.005,
        )

    first = adapter(registry)
    stakes = []
    for i in range(3):
        staked = world.stake(secret(f"restart-{i}"), FP_PK, 100_000 * (i + 1))
        await first.register_delegation(staked.submission)
        stakes.append(staked)
        world.chain.mine(1)
    world.unbond(stakes[0])
    world.chain.mine(3)
    top = world.chain.height - 2
    before = await canonical_final_blocks(first, top)
    after = await canonical_final_blocks(adapter(StakingRegistry(path)), top)
    assert before == after
    facts = [f for b in before for f in b.facts]
    assert [type(f.command).__name__ for f in facts] == ["Deposit"] * 3 + ["Redeem"]
    assert facts[-1].fact_id == f"{REGTEST_ID}:exit:{stakes[0].txid}"
    assert facts[-1].command.shares == 100_000  # type: ignore[attr-defined]
