"""Every typed rejection reason the ledger's handlers raise, each from a real state, each
leaving the state hash unchanged (World.reject checks the hash and the sequence number)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from core_world import (
    ALICE,
    ASSET,
    BOB,
    CURATOR,
    NET,
    OP,
    REWARD_TOKEN,
    T0,
    World,
    curator,
    network,
    operator,
    staker,
)
from omnistake import errors as E
from omnistake.ledger import commands as C
from omnistake.merkle import RewardTree
from omnistake.principals import Principal, Role

Case = Callable[[World], None]
CASES: dict[str, Case] = {}


def case(reason: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        CASES[reason] = fn
        return fn

    return register


def staked(w: World, **kw: object) -> str:
    v = w.vault(**kw)  # type: ignore[arg-type]
    w.wire(v)
    w.deposit(v, ALICE, 100)
    return v


@case("INVALID_ARGUMENT")
def _invalid_argument(w: World) -> None:
    w.reject(C.RegisterNetwork(network="has space"), "INVALID_ARGUMENT")
    w.reject(C.RegisterAsset(asset_id="not-caip19", decimals=18), "INVALID_ARGUMENT")
    w.reject(
        C.CreateVault(vault="v", asset_id=ASSET, curator=CURATOR, epoch_duration=0),
        "INVALID_ARGUMENT",
    )
    w.reject(
        C.CreateVault(
            vault="v", asset_id=ASSET, curator=CURATOR, epoch_duration=10, delegator_type="x"
        ),
        "INVALID_ARGUMENT",
    )
    w.reject(
        C.CreateVault(
            vault="v",
            asset_id=ASSET,
            curator=CURATOR,
            epoch_duration=10,
            slasher_type="veto",
            veto_duration=10,
        ),
        "INVALID_ARGUMENT",
    )  # veto must be shorter than the epoch
    w.reject(C.Deposit(vault="v", staker="not-an-account", amount=1), "INVALID_ARGUMENT")
    w.reject(C.Claim(vault="v", claimer=ALICE, epochs=[]), "INVALID_ARGUMENT")
    w.reject(C.RegisterNetwork(network="n2", max_slash_wad=10**20 + 1), "INVALID_ARGUMENT")
    w.reject(C.SetCuratorFee(vault="v", fee_bps=10_001), "INVALID_ARGUMENT")
    w.reject(
        C.DistributeOperatorRewards(network=NET, token=REWARD_TOKEN, amount=1, root="ab"),
        "INVALID_ARGUMENT",
    )
    with pytest.raises(E.InvalidArgument):
        w.ledger.execute(
            C.RegisterNetwork(network="n3"), principal=Principal.parse("admin:x"), at=-1
        )


@case("AMOUNT_OUT_OF_RANGE")
def _amount_out_of_range(w: World) -> None:
    v = w.vault()
    w.reject(C.Deposit(vault=v, staker=ALICE, amount=2**256), "AMOUNT_OUT_OF_RANGE")
    w.reject(
        C.SetMaxNetworkLimit(vault=v, network=NET, subnetwork=2**96, amount=1),
        "AMOUNT_OUT_OF_RANGE",
    )
    w.reject(C.SetNetworkLimit(vault=v, network=NET, amount=-5), "AMOUNT_OUT_OF_RANGE")


@case("NOT_FOUND")
def _not_found(w: World) -> None:
    w.reject(C.Deposit(vault="nope", staker=ALICE, amount=1), "NOT_FOUND")
    v = w.vault()
    w.reject(C.SetMaxNetworkLimit(vault=v, network="net-zzz", amount=1), "NOT_FOUND")
    w.reject(C.OptInVault(operator="op-zzz", vault=v), "NOT_FOUND")
    w.reject(
        C.CreateVault(
            vault="v9", asset_id="eip155:1/erc20:0x00", curator=CURATOR, epoch_duration=10
        ),
        "NOT_FOUND",
    )
    tree = RewardTree({OP: 1})
    w.reject(
        C.ClaimOperatorRewards(
            network=NET, token=REWARD_TOKEN, operator=OP, total_claimable=1, proof=tree.proof(OP)
        ),
        "NOT_FOUND",
    )


@case("ALREADY_EXISTS")
def _already_exists(w: World) -> None:
    w.reject(C.RegisterNetwork(network=NET), "ALREADY_EXISTS")
    w.reject(C.RegisterOperator(operator=OP), "ALREADY_EXISTS")
    w.reject(C.RegisterAsset(asset_id=ASSET, decimals=18), "ALREADY_EXISTS")
    v = w.vault()
    w.reject(
        C.CreateVault(vault=v, asset_id=ASSET, curator=CURATOR, epoch_duration=10),
        "ALREADY_EXISTS",
    )


@case("UNAUTHORIZED_PRINCIPAL")
def _unauthorized(w: World) -> None:
    v = w.vault()
    w.deposit(v, ALICE, 10)
    w.reject(C.Withdraw(vault=v, staker=ALICE, amount=1), "UNAUTHORIZED_PRINCIPAL", staker(BOB))
    w.reject(
        C.SetNetworkLimit(vault=v, network=NET, amount=0),
        "UNAUTHORIZED_PRINCIPAL",
        curator("someone-else"),
    )
    w.reject(
        C.SetMaxNetworkLimit(vault=v, network=NET, amount=5),
        "UNAUTHORIZED_PRINCIPAL",
        network("net-b"),
    )
    w.reject(C.OptInVault(operator=OP, vault=v), "UNAUTHORIZED_PRINCIPAL", operator("op-2"))
    w.reject(
        C.RegisterAsset(asset_id="eip155:1/erc20:0x01", decimals=6),
        "UNAUTHORIZED_PRINCIPAL",
        curator(),
    )
    # a mirrored vault changes only through its chain adapter
    w.do(
        C.CreateVault(
            vault="mirror", asset_id=ASSET, curator=CURATOR, epoch_duration=10, domain="eip155:1"
        )
    )
    w.reject(
        C.Deposit(vault="mirror", staker=ALICE, amount=1), "UNAUTHORIZED_PRINCIPAL", staker(ALICE)
    )


@case("TIME_WENT_BACKWARDS")
def _time_went_backwards(w: World) -> None:
    v = w.vault()
    w.deposit(v, ALICE, 10)
    w.reject(C.Deposit(vault=v, staker=ALICE, amount=1), "TIME_WENT_BACKWARDS", at=T0 - 1)
    w.reject(C.OptInNetwork(operator=OP, network=NET), "TIME_WENT_BACKWARDS", at=T0 - 1)


@case("ALREADY_SET")
def _already_set(w: World) -> None:
    v = w.vault()
    w.reject(C.SetDepositWhitelist(vault=v, enabled=False), "ALREADY_SET")
    w.reject(C.SetDepositLimit(vault=v, limit=None), "ALREADY_SET")
    w.reject(C.SetCuratorFee(vault=v, fee_bps=0), "ALREADY_SET")
    w.reject(C.SetMaxNetworkLimit(vault=v, network=NET, amount=0), "ALREADY_SET")
    w.reject(C.SetOperatorKey(operator=OP, namespace="eip155", key="0x" + "11" * 20), "ALREADY_SET")


@case("DEPOSITOR_NOT_WHITELISTED")
def _not_whitelisted(w: World) -> None:
    v = w.vault(deposit_whitelist=True)
    w.reject(C.Deposit(vault=v, staker=ALICE, amount=1), "DEPOSITOR_NOT_WHITELISTED")


@case("DEPOSIT_LIMIT_REACHED")
def _deposit_limit(w: World) -> None:
    v = w.vault(deposit_limit=5)
    w.reject(C.Deposit(vault=v, staker=ALICE, amount=6), "DEPOSIT_LIMIT_REACHED")


@case("INSUFFICIENT_DEPOSIT")
def _insufficient_deposit(w: World) -> None:
    v = w.vault()
    w.reject(C.Deposit(vault=v, staker=ALICE, amount=0), "INSUFFICIENT_DEPOSIT")


@case("INSUFFICIENT_SHARES")
def _insufficient_shares(w: World) -> None:
    v = w.vault()
    w.deposit(v, ALICE, 10)
    w.reject(C.Withdraw(vault=v, staker=ALICE, amount=11), "INSUFFICIENT_SHARES")
    w.reject(C.Redeem(vault=v, staker=BOB, shares=1), "INSUFFICIENT_SHARES")


@case("INSUFFICIENT_WITHDRAWAL")
def _insufficient_withdrawal(w: World) -> None:
    v = w.vault()
    w.deposit(v, ALICE, 10)
    w.reject(C.Withdraw(vault=v, staker=ALICE, amount=0), "INSUFFICIENT_WITHDRAWAL")
    w.reject(C.Redeem(vault=v, staker=ALICE, shares=0), "INSUFFICIENT_WITHDRAWAL")


@case("INVALID_EPOCH")
def _invalid_epoch(w: World) -> None:
    v = w.vault()
    w.deposit(v, ALICE, 10)
    w.do(C.Withdraw(vault=v, staker=ALICE, amount=1))
    w.reject(C.Claim(vault=v, claimer=ALICE, epochs=[1]), "INVALID_EPOCH")
    w.reject(C.Claim(vault=v, claimer=ALICE, epochs=[0]), "INVALID_EPOCH")


@case("ALREADY_CLAIMED")
def _already_claimed(w: World) -> None:
    v = w.vault(epoch=10)
    w.deposit(v, ALICE, 10)
    w.do(C.Withdraw(vault=v, staker=ALICE, amount=1))
    w.advance(20)
    w.do(C.Claim(vault=v, claimer=ALICE, epochs=[1]))
    w.reject(C.Claim(vault=v, claimer=ALICE, epochs=[1]), "ALREADY_CLAIMED")


@case("INSUFFICIENT_CLAIM")
def _insufficient_claim(w: World) -> None:
    v = w.vault(epoch=10)
    w.advance(20)
    w.reject(C.Claim(vault=v, claimer=ALICE, epochs=[1]), "INSUFFICIENT_CLAIM")
    w.reject(C.ClaimCuratorFee(vault=v, token=REWARD_TOKEN), "INSUFFICIENT_CLAIM")


@case("NOT_OPTED_IN")
def _not_opted_in(w: World) -> None:
    v = w.vault()
    w.reject(C.OptOutVault(operator=OP, vault=v), "NOT_OPTED_IN")
    w.reject(C.OptOutNetwork(operator=OP, network=NET), "NOT_OPTED_IN")


@case("ALREADY_OPTED_IN")
def _already_opted_in(w: World) -> None:
    v = w.vault()
    w.do(C.OptInVault(operator=OP, vault=v))
    w.reject(C.OptInVault(operator=OP, vault=v), "ALREADY_OPTED_IN")


@case("OPT_OUT_COOLDOWN")
def _opt_out_cooldown(w: World) -> None:
    w.do(C.OptInNetwork(operator=OP, network=NET))
    w.reject(C.OptOutNetwork(operator=OP, network=NET), "OPT_OUT_COOLDOWN")


@case("LIMIT_EXCEEDED")
def _limit_exceeded(w: World) -> None:
    v = w.vault()
    w.reject(C.SetNetworkLimit(vault=v, network=NET, amount=1), "LIMIT_EXCEEDED")


@case("WRONG_DELEGATOR_TYPE")
def _wrong_delegator(w: World) -> None:
    v = w.vault()
    w.reject(
        C.SetOperatorNetworkLimit(vault=v, network=NET, operator=OP, amount=1),
        "WRONG_DELEGATOR_TYPE",
    )


@case("WRONG_SLASHER_TYPE")
def _wrong_slasher(w: World) -> None:
    v = staked(w, slasher="none")
    w.advance(1)
    w.reject(
        C.Slash(vault=v, network=NET, operator=OP, amount=1, capture=w.now - 1),
        "WRONG_SLASHER_TYPE",
    )


@case("CAPTURE_TOO_OLD")
def _capture_too_old(w: World) -> None:
    v = staked(w, epoch=10)
    w.advance(20)
    w.reject(
        C.Slash(vault=v, network=NET, operator=OP, amount=1, capture=w.now - 11),
        "CAPTURE_TOO_OLD",
    )


@case("INVALID_CAPTURE_TIMESTAMP")
def _invalid_capture(w: World) -> None:
    v = staked(w)
    w.reject(
        C.Slash(vault=v, network=NET, operator=OP, amount=1, capture=w.now),
        "INVALID_CAPTURE_TIMESTAMP",
    )


@case("INSUFFICIENT_SLASH")
def _insufficient_slash(w: World) -> None:
    v = w.vault()
    w.wire(v)
    w.advance(1)
    w.reject(
        C.Slash(vault=v, network=NET, operator=OP, amount=1, capture=w.now - 1),
        "INSUFFICIENT_SLASH",
    )  # nothing was deposited


@case("SLASH_CAP_EXCEEDED")
def _slash_cap(_: World) -> None:
    w = World(max_slash_wad=50 * 10**18)
    v = staked(w)
    w.advance(1)
    w.reject(
        C.Slash(vault=v, network=NET, operator=OP, amount=51, capture=w.now - 1),
        "SLASH_CAP_EXCEEDED",
    )


def _requested(w: World, resolver: bool = True) -> str:
    v = staked(w, slasher="veto", epoch=100)
    if resolver:
        w.do(C.SetResolver(vault=v, network=NET, resolver="res-1"))
    w.advance(5)
    w.do(C.RequestSlash(vault=v, network=NET, operator=OP, amount=10, capture=w.now - 1))
    return v


RESOLVER = Principal(Role.RESOLVER, "res-1")


@case("VETO_PERIOD_NOT_ENDED")
def _veto_not_ended(w: World) -> None:
    v = _requested(w)
    w.reject(C.ExecuteSlash(vault=v, request=0), "VETO_PERIOD_NOT_ENDED")


@case("VETO_PERIOD_ENDED")
def _veto_ended(w: World) -> None:
    v = _requested(w)
    w.advance(20)
    w.reject(C.VetoSlash(vault=v, request=0), "VETO_PERIOD_ENDED", RESOLVER)


@case("SLASH_PERIOD_ENDED")
def _slash_period_ended(w: World) -> None:
    v = _requested(w)
    w.advance(101)
    w.reject(C.ExecuteSlash(vault=v, request=0), "SLASH_PERIOD_ENDED")


@case("SLASH_REQUEST_COMPLETED")
def _completed(w: World) -> None:
    v = _requested(w)
    w.do(C.VetoSlash(vault=v, request=0), RESOLVER)
    w.reject(C.VetoSlash(vault=v, request=0), "SLASH_REQUEST_COMPLETED", RESOLVER)


@case("NO_RESOLVER")
def _no_resolver(w: World) -> None:
    v = _requested(w, resolver=False)
    w.reject(C.VetoSlash(vault=v, request=0), "NO_RESOLVER", RESOLVER)


@case("NOT_RESOLVER")
def _not_resolver(w: World) -> None:
    v = _requested(w)
    w.reject(C.VetoSlash(vault=v, request=0), "NOT_RESOLVER", Principal(Role.RESOLVER, "x"))


@case("INVALID_REWARD_TIMESTAMP")
def _invalid_reward_ts(w: World) -> None:
    v = w.vault()
    w.advance(5)
    w.reject(
        C.DistributeStakerRewards(
            vault=v, network=NET, token=REWARD_TOKEN, amount=1, timestamp=w.now - 1
        ),
        "INVALID_REWARD_TIMESTAMP",
    )


@case("HIGH_CURATOR_FEE")
def _high_fee(w: World) -> None:
    v = w.vault(curator_fee_bps=100)
    w.deposit(v, ALICE, 10)
    w.advance(1)
    w.reject(
        C.DistributeStakerRewards(
            vault=v,
            network=NET,
            token=REWARD_TOKEN,
            amount=1,
            timestamp=w.now - 1,
            max_curator_fee_bps=99,
        ),
        "HIGH_CURATOR_FEE",
    )


@case("NO_REWARDS_TO_CLAIM")
def _no_rewards(w: World) -> None:
    v = w.vault()
    w.reject(
        C.ClaimStakerRewards(vault=v, staker=ALICE, network=NET, token=REWARD_TOKEN),
        "NO_REWARDS_TO_CLAIM",
    )


def _pool(w: World, totals: dict[str, int], fund: int) -> RewardTree:
    tree = RewardTree(totals)
    w.do(C.DistributeOperatorRewards(network=NET, token=REWARD_TOKEN, amount=fund, root=tree.root))
    return tree


@case("INVALID_MERKLE_PROOF")
def _bad_proof(w: World) -> None:
    tree = _pool(w, {OP: 5, "op-2": 7}, 12)
    for proof in ([], ["00" * 32], ["zz"], tree.proof("op-2")):
        w.reject(
            C.ClaimOperatorRewards(
                network=NET,
                token=REWARD_TOKEN,
                operator=OP,
                total_claimable=5,
                proof=proof,  # type: ignore[arg-type]
            ),
            "INVALID_MERKLE_PROOF",
        )


@case("INSUFFICIENT_BALANCE")
def _insufficient_balance(w: World) -> None:
    tree = _pool(w, {OP: 5}, 4)
    w.reject(
        C.ClaimOperatorRewards(
            network=NET, token=REWARD_TOKEN, operator=OP, total_claimable=5, proof=tree.proof(OP)
        ),
        "INSUFFICIENT_BALANCE",
    )


@pytest.mark.parametrize("reason", sorted(CASES))
def test_rejection(reason: str) -> None:
    CASES[reason](World())


def test_every_reason_the_handlers_raise_has_a_case() -> None:
    source = (Path(E.__file__).parent / "ledger" / "handlers.py").read_text()
    raised = {getattr(E, name).reason for name in set(re.findall(r"E\.(\w+)\(", source))}
    # check_amount / check_uint / ids raise these two from outside handlers.py
    raised |= {"INVALID_ARGUMENT", "AMOUNT_OUT_OF_RANGE"}
    assert raised - set(CASES) == set()
