"""Servicers: vaults (deposits, withdrawals, claims) and delegation limits."""

from __future__ import annotations

from typing import Any

from omnistake.api.convert import paginate
from omnistake.api.rpc import Call, ServiceDef, reading
from omnistake.ledger import commands as C
from omnistake.ledger import vault_math as M
from omnistake.v1 import delegation_pb2, vaults_pb2

vaults = ServiceDef(vaults_pb2, "VaultService")
delegation = ServiceDef(delegation_pb2, "DelegationService")

vaults.command("CreateVault", C.CreateVault)
vaults.command("SetDepositWhitelist", C.SetDepositWhitelist)
vaults.command("SetDepositorWhitelisted", C.SetDepositorWhitelisted)
vaults.command("SetDepositLimit", C.SetDepositLimit)
vaults.command("Deposit", C.Deposit)
vaults.command("Withdraw", C.Withdraw)
vaults.command("Redeem", C.Redeem)
vaults.command("Claim", C.Claim)
delegation.command("SetMaxNetworkLimit", C.SetMaxNetworkLimit)
delegation.command("SetNetworkLimit", C.SetNetworkLimit)
delegation.command("SetOperatorNetworkShares", C.SetOperatorNetworkShares)
delegation.command("SetOperatorNetworkLimit", C.SetOperatorNetworkLimit)


def vault_message(call: Call, vault_id: str, at: int) -> vaults_pb2.Vault:
    """The Vault resource as of ``at``."""
    v = call.service.ledger.vault(vault_id)
    out = vaults_pb2.Vault(
        vault=v.vault,
        asset_id=v.asset_id,
        curator=v.curator,
        epoch_duration=v.epoch_duration,
        delegator_type=v.delegator_type,
        slasher_type=v.slasher_type,
        veto_duration=v.veto_duration,
        resolver_set_epochs_delay=v.resolver_set_epochs_delay,
        deposit_whitelist=v.deposit_whitelist,
        curator_fee_bps=v.curator_fee_bps,
        domain=v.domain,
        as_of=at,
        active_stake=str(v.active_stake.at(at)),
        total_stake=str(M.total_stake(v, at)),
        balance=str(v.balance),
        current_epoch=max(0, v.epoch_at(at)),
        slash_request_count=len(v.slash_requests),
    )
    for name in ("delegator_operator", "delegator_network", "burner"):
        value = getattr(v, name)
        if value is not None:
            setattr(out, name, value)
    if v.deposit_limit is not None:
        out.deposit_limit = str(v.deposit_limit)
    return out


@vaults.unary("GetVault")
async def get_vault(request: Any, call: Call) -> vaults_pb2.Vault:
    at = request.at if request.HasField("at") else call.api.now()
    with reading(call):
        return vault_message(call, request.vault, at)


@vaults.unary("ListVaults")
async def list_vaults(request: Any, call: Call) -> vaults_pb2.ListVaultsResponse:
    at = call.api.now()
    with reading(call):
        state = call.service.ledger.state
        keys = sorted(
            k
            for k, v in state.vaults.items()
            if (not request.asset_id or v.asset_id == request.asset_id)
            and (not request.curator or v.curator == request.curator)
        )
        page, token = paginate(keys, request.page_size, request.page_token)
        return vaults_pb2.ListVaultsResponse(
            vaults=[vault_message(call, k, at) for k in page], next_page_token=token
        )
