"""Servicers: slashing (instant, veto requests) and rewards."""

from __future__ import annotations

from typing import Any

from omnistake.api.convert import paginate
from omnistake.api.rpc import Call, ServiceDef, reading
from omnistake.ledger import commands as C
from omnistake.ledger.state import SlashRequest
from omnistake.v1 import rewards_pb2, slashing_pb2

slashing = ServiceDef(slashing_pb2, "SlashingService")
rewards = ServiceDef(rewards_pb2, "RewardService")

slashing.command("SetResolver", C.SetResolver)
slashing.command("Slash", C.Slash)
slashing.command("RequestSlash", C.RequestSlash)
slashing.command("VetoSlash", C.VetoSlash)
slashing.command("ExecuteSlash", C.ExecuteSlash)
rewards.command("SetCuratorFee", C.SetCuratorFee)
rewards.command("DistributeStakerRewards", C.DistributeStakerRewards)
rewards.command("ClaimStakerRewards", C.ClaimStakerRewards)
rewards.command("ClaimCuratorFee", C.ClaimCuratorFee)
rewards.command("DistributeOperatorRewards", C.DistributeOperatorRewards)
rewards.command("ClaimOperatorRewards", C.ClaimOperatorRewards)


def _info(vault: str, index: int, r: SlashRequest) -> slashing_pb2.SlashRequestInfo:
    return slashing_pb2.SlashRequestInfo(
        vault=vault,
        index=index,
        network=r.network,
        subnetwork=str(r.subnetwork),
        operator=r.operator,
        amount=str(r.amount),
        capture=r.capture,
        veto_deadline=r.veto_deadline,
        completed=r.completed,
    )


@slashing.unary("GetSlashRequest")
async def get_slash_request(request: Any, call: Call) -> slashing_pb2.SlashRequestInfo:
    with reading(call):
        r = call.service.ledger.slash_request(request.vault, request.index)
        return _info(request.vault, request.index, r)


_STATES = {
    slashing_pb2.SLASH_REQUEST_STATE_PENDING: False,
    slashing_pb2.SLASH_REQUEST_STATE_COMPLETED: True,
}


@slashing.unary("ListSlashRequests")
async def list_slash_requests(request: Any, call: Call) -> slashing_pb2.ListSlashRequestsResponse:
    ledger = call.service.ledger
    want_completed = _STATES.get(request.state)
    with reading(call):
        if request.vault:
            ledger.vault(request.vault)
        found: dict[str, slashing_pb2.SlashRequestInfo] = {}
        for vault_id, vault in ledger.state.vaults.items():
            if request.vault and vault_id != request.vault:
                continue
            for i, r in enumerate(vault.slash_requests):
                if request.network and r.network != request.network:
                    continue
                if request.operator and r.operator != request.operator:
                    continue
                if want_completed is not None and r.completed is not want_completed:
                    continue
                found[f"{vault_id}\x00{i:020d}"] = _info(vault_id, i, r)
        keys, token = paginate(sorted(found), request.page_size, request.page_token)
        return slashing_pb2.ListSlashRequestsResponse(
            slash_requests=[found[k] for k in keys], next_page_token=token
        )


@rewards.unary("GetClaimableStakerRewards")
async def get_claimable(request: Any, call: Call) -> rewards_pb2.GetClaimableStakerRewardsResponse:
    with reading(call):
        amount = call.service.ledger.claimable_staker_rewards(
            request.vault, request.staker, request.network, request.token
        )
    return rewards_pb2.GetClaimableStakerRewardsResponse(amount=str(amount))
