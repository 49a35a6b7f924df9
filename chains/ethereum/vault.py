"""Bindings for one vault (with its delegator and slasher) and for ERC-20 collateral."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address
from omnistake.chains.ethereum.abi import BoundContract, ContractAbi, checksum
from omnistake.chains.ethereum.errors import InvalidParameter, TransactionError
from omnistake.chains.ethereum.events import (
    EventDecoder,
    EventRecord,
    ExecuteSlash,
    RequestSlash,
    Slash,
    SourceKind,
)
from omnistake.chains.ethereum.params import (
    DelegatorType,
    SlasherType,
    SlashRequestInfo,
    VaultInfo,
)
from omnistake.chains.ethereum.toolchain import Toolchain
from omnistake.chains.ethereum.tx import ErrorDecoder, TxResult, TxSender
from web3 import AsyncHTTPProvider, AsyncWeb3


def _tx(contract: BoundContract, fn: str, *args: Any) -> dict[str, Any]:
    return contract.tx(fn, *args)


@dataclass
class BindingContext:
    """What the bindings share: web3, ABIs, error and event decoders."""

    w3: AsyncWeb3[AsyncHTTPProvider]
    toolchain: Toolchain
    errors: ErrorDecoder
    events: EventDecoder
    abis: dict[str, ContractAbi] = field(default_factory=dict)

    def contract(self, name: str, address: str) -> BoundContract:
        if name not in self.abis:
            self.abis[name] = ContractAbi(name, self.toolchain.abi(name))
        return BoundContract(self.w3, self.abis[name], address, self.errors)

    async def view(
        self, contract: BoundContract, fn: str, *args: Any, block: int | str = "latest"
    ) -> Any:
        return await contract.call(fn, *args, block=block)

    def decode_receipt(self, res: TxResult, address: str, kind: SourceKind) -> list[EventRecord]:
        out: list[EventRecord] = []
        for lg in res.logs:
            if str(lg["address"]).lower() != address.lower():
                continue
            rec = self.events.decode(kind, [bytes(t) for t in lg["topics"]], bytes(lg["data"]))
            if rec is not None:
                out.append(rec)
        return out


_DELEGATOR_ABI = {
    DelegatorType.NETWORK_RESTAKE: "NetworkRestakeDelegator",
    DelegatorType.FULL_RESTAKE: "FullRestakeDelegator",
    DelegatorType.OPERATOR_SPECIFIC: "OperatorSpecificDelegator",
    DelegatorType.OPERATOR_NETWORK_SPECIFIC: "OperatorNetworkSpecificDelegator",
}


class Erc20:
    """Minimal ERC-20 bindings."""

    def __init__(self, ctx: BindingContext, address: str) -> None:
        self._ctx = ctx
        self.address = to_checksum_address(address)
        self.contract = ctx.contract("OmnistakeTestToken", self.address)

    async def mint(
        self, minter: TxSender, to: str, amount: int, *, op_id: str | None = None
    ) -> TxResult:
        """Mint test tokens (test token only; the deployer is the minter)."""
        return await minter.send(
            _tx(self.contract, "mint", to_checksum_address(to), amount), op_id=op_id, what="mint"
        )

    async def approve(
        self, owner: TxSender, spender: str, amount: int, *, op_id: str | None = None
    ) -> TxResult:
        """Approve ``spender`` for ``amount``."""
        return await owner.send(
            _tx(self.contract, "approve", to_checksum_address(spender), amount),
            op_id=op_id,
            what="approve",
        )

    async def balance_of(self, account: str, block: int | str = "latest") -> int:
        """Token balance."""
        return int(
            await self._ctx.view(
                self.contract, "balanceOf", to_checksum_address(account), block=block
            )
        )

    async def decimals(self) -> int:
        """Token decimals."""
        return int(await self._ctx.view(self.contract, "decimals"))


class VaultBinding:
    """A vault, its delegator and its slasher."""

    def __init__(self, ctx: BindingContext, info: VaultInfo) -> None:
        self._ctx = ctx
        self.info = info
        self.vault = ctx.contract("VaultTokenized" if info.tokenized else "Vault", info.vault)
        self.delegator = ctx.contract(_DELEGATOR_ABI[info.delegator_type], info.delegator)
        self.slasher: BoundContract | None = None
        if info.slasher:
            name = "VetoSlasher" if info.slasher_type == SlasherType.VETO else "Slasher"
            self.slasher = ctx.contract(name, info.slasher)
        self.collateral = Erc20(ctx, info.collateral)

    def _need_slasher(self, veto: bool) -> BoundContract:
        want = SlasherType.VETO if veto else SlasherType.INSTANT
        if self.slasher is None or self.info.slasher_type != want:
            raise InvalidParameter(
                f"vault {self.info.vault} has slasher type {self.info.slasher_type.name},"
                f" not {want.name}",
                reason="WRONG_SLASHER_TYPE",
            )
        return self.slasher

    async def _v(self, c: BoundContract, fn: str, *args: Any, block: int | str = "latest") -> Any:
        return await self._ctx.view(c, fn, *args, block=block)

    # ---- staker operations
    async def deposit(
        self,
        staker: TxSender,
        amount: int,
        *,
        on_behalf_of: str | None = None,
        op_id: str | None = None,
    ) -> TxResult:
        """Deposit ``amount`` of collateral (the staker must have approved the vault)."""
        who = to_checksum_address(on_behalf_of or staker.address)
        return await staker.send(
            _tx(self.vault, "deposit", who, amount), op_id=op_id, what="deposit"
        )

    async def withdraw(
        self, staker: TxSender, amount: int, *, claimer: str | None = None, op_id: str | None = None
    ) -> TxResult:
        """Request a withdrawal of ``amount`` (claimable from epoch current + 2)."""
        who = to_checksum_address(claimer or staker.address)
        return await staker.send(
            _tx(self.vault, "withdraw", who, amount), op_id=op_id, what="withdraw"
        )

    async def redeem(
        self, staker: TxSender, shares: int, *, claimer: str | None = None, op_id: str | None = None
    ) -> TxResult:
        """Request a withdrawal of ``shares`` active shares."""
        who = to_checksum_address(claimer or staker.address)
        return await staker.send(_tx(self.vault, "redeem", who, shares), op_id=op_id, what="redeem")

    async def claim(
        self,
        staker: TxSender,
        epoch: int,
        *,
        recipient: str | None = None,
        op_id: str | None = None,
    ) -> TxResult:
        """Claim the withdrawal of ``epoch``."""
        who = to_checksum_address(recipient or staker.address)
        return await staker.send(_tx(self.vault, "claim", who, epoch), op_id=op_id, what="claim")

    async def claim_batch(
        self,
        staker: TxSender,
        epochs: list[int],
        *,
        recipient: str | None = None,
        op_id: str | None = None,
    ) -> TxResult:
        """Claim several epochs at once."""
        who = to_checksum_address(recipient or staker.address)
        return await staker.send(
            _tx(self.vault, "claimBatch", who, list(epochs)), op_id=op_id, what="claimBatch"
        )

    # ---- curator / network settings
    async def set_max_network_limit(
        self, network: TxSender, identifier: int, amount: int, *, op_id: str | None = None
    ) -> TxResult:
        """The network caps the stake it accepts from this vault for one subnetwork."""
        return await network.send(
            _tx(self.delegator, "setMaxNetworkLimit", identifier, amount),
            op_id=op_id,
            what="setMaxNetworkLimit",
        )

    async def set_network_limit(
        self, curator: TxSender, subnetwork: bytes, amount: int, *, op_id: str | None = None
    ) -> TxResult:
        """The curator sets a subnetwork's limit (types 0-2)."""
        if self.info.delegator_type == DelegatorType.OPERATOR_NETWORK_SPECIFIC:
            raise InvalidParameter(
                "OperatorNetworkSpecificDelegator has no setNetworkLimit", reason="UNSUPPORTED"
            )
        return await curator.send(
            _tx(self.delegator, "setNetworkLimit", subnetwork, amount),
            op_id=op_id,
            what="setNetworkLimit",
        )

    async def set_operator_network_shares(
        self,
        curator: TxSender,
        subnetwork: bytes,
        operator: str,
        shares: int,
        *,
        op_id: str | None = None,
    ) -> TxResult:
        """NetworkRestake: an operator's shares of the subnetwork's stake."""
        self._need_type(DelegatorType.NETWORK_RESTAKE)
        return await curator.send(
            _tx(
                self.delegator,
                "setOperatorNetworkShares",
                subnetwork,
                to_checksum_address(operator),
                shares,
            ),
            op_id=op_id,
            what="setOperatorNetworkShares",
        )

    async def set_operator_network_limit(
        self,
        curator: TxSender,
        subnetwork: bytes,
        operator: str,
        amount: int,
        *,
        op_id: str | None = None,
    ) -> TxResult:
        """FullRestake: an operator's limit within the subnetwork."""
        self._need_type(DelegatorType.FULL_RESTAKE)
        return await curator.send(
            _tx(
                self.delegator,
                "setOperatorNetworkLimit",
                subnetwork,
                to_checksum_address(operator),
                amount,
            ),
            op_id=op_id,
            what="setOperatorNetworkLimit",
        )

    def _need_type(self, t: DelegatorType) -> None:
        if self.info.delegator_type != t:
            raise InvalidParameter(
                f"delegator is {self.info.delegator_type.name}, this call needs {t.name}",
                reason="WRONG_DELEGATOR_TYPE",
            )

    async def set_deposit_limit(
        self, curator: TxSender, limit: int | None, *, op_id: str | None = None
    ) -> TxResult:
        """Switch the deposit limit on with ``limit``, or off with None."""
        if limit is None:
            return await curator.send(
                _tx(self.vault, "setIsDepositLimit", False), op_id=op_id, what="setIsDepositLimit"
            )
        if not await self._v(self.vault, "isDepositLimit"):
            await curator.send(
                _tx(self.vault, "setIsDepositLimit", True),
                op_id=f"{op_id}:on" if op_id else None,
                what="setIsDepositLimit",
            )
        return await curator.send(
            _tx(self.vault, "setDepositLimit", limit), op_id=op_id, what="setDepositLimit"
        )

    # ---- slashing (sent by the network's middleware)
    async def slash(
        self,
        middleware: TxSender,
        subnetwork: bytes,
        operator: str,
        amount: int,
        capture_timestamp: int,
        *,
        op_id: str | None = None,
    ) -> int:
        """Instant slash; returns the amount the slasher recorded (the vault may burn less)."""
        c = self._need_slasher(veto=False)
        res = await middleware.send(
            _tx(
                c,
                "slash",
                subnetwork,
                to_checksum_address(operator),
                amount,
                capture_timestamp,
                b"",
            ),
            op_id=op_id,
            what="slash",
        )
        for rec in self._ctx.decode_receipt(res, c.address, SourceKind.SLASHER):
            if isinstance(rec, Slash):
                return rec.slashed_amount
        raise TransactionError("slash emitted no Slash event", reason="SLASH_EVENT_MISSING")

    async def request_slash(
        self,
        middleware: TxSender,
        subnetwork: bytes,
        operator: str,
        amount: int,
        capture_timestamp: int,
        *,
        op_id: str | None = None,
    ) -> RequestSlash:
        """Veto slasher: request a slash; returns the RequestSlash record (index, deadline)."""
        c = self._need_slasher(veto=True)
        res = await middleware.send(
            _tx(
                c,
                "requestSlash",
                subnetwork,
                to_checksum_address(operator),
                amount,
                capture_timestamp,
                b"",
            ),
            op_id=op_id,
            what="requestSlash",
        )
        for rec in self._ctx.decode_receipt(res, c.address, SourceKind.VETO_SLASHER):
            if isinstance(rec, RequestSlash):
                return rec
        raise TransactionError(
            "requestSlash emitted no RequestSlash event", reason="SLASH_EVENT_MISSING"
        )

    async def veto_slash(
        self, resolver: TxSender, index: int, *, op_id: str | None = None
    ) -> TxResult:
        """Veto slasher: the resolver vetoes request ``index``."""
        c = self._need_slasher(veto=True)
        return await resolver.send(_tx(c, "vetoSlash", index, b""), op_id=op_id, what="vetoSlash")

    async def execute_slash(
        self, middleware: TxSender, index: int, *, op_id: str | None = None
    ) -> int:
        """Veto slasher: execute request ``index``; returns the slashed amount."""
        c = self._need_slasher(veto=True)
        res = await middleware.send(
            _tx(c, "executeSlash", index, b""), op_id=op_id, what="executeSlash"
        )
        for rec in self._ctx.decode_receipt(res, c.address, SourceKind.VETO_SLASHER):
            if isinstance(rec, ExecuteSlash):
                return rec.slashed_amount
        raise TransactionError(
            "executeSlash emitted no ExecuteSlash event", reason="SLASH_EVENT_MISSING"
        )

    async def set_resolver(
        self, network: TxSender, identifier: int, resolver: str, *, op_id: str | None = None
    ) -> TxResult:
        """Veto slasher: the network sets the resolver of its subnetwork ``identifier``."""
        c = self._need_slasher(veto=True)
        return await network.send(
            _tx(c, "setResolver", identifier, to_checksum_address(resolver), b""),
            op_id=op_id,
            what="setResolver",
        )

    # ---- views: vault
    async def epoch_duration(self) -> int:
        """Epoch length in seconds."""
        return int(await self._v(self.vault, "epochDuration"))

    async def epoch_duration_init(self) -> int:
        """Creation timestamp (epoch 0 start)."""
        return int(await self._v(self.vault, "epochDurationInit"))

    async def current_epoch(self, block: int | str = "latest") -> int:
        """Current epoch index."""
        return int(await self._v(self.vault, "currentEpoch", block=block))

    async def epoch_at(self, timestamp: int) -> int:
        """Epoch index at ``timestamp``."""
        return int(await self._v(self.vault, "epochAt", timestamp))

    async def current_epoch_start(self) -> int:
        """Start timestamp of the current epoch."""
        return int(await self._v(self.vault, "currentEpochStart"))

    async def active_stake(self, at: int | None = None) -> int:
        """Active stake now, or at timestamp ``at``."""
        if at is None:
            return int(await self._v(self.vault, "activeStake"))
        return int(await self._v(self.vault, "activeStakeAt", at, b""))

    async def active_shares(self, at: int | None = None) -> int:
        """Total active shares now, or at ``at``."""
        if at is None:
            return int(await self._v(self.vault, "activeShares"))
        return int(await self._v(self.vault, "activeSharesAt", at, b""))

    async def active_shares_of(self, account: str, at: int | None = None) -> int:
        """Active shares of ``account`` now, or at ``at``."""
        a = to_checksum_address(account)
        if at is None:
            return int(await self._v(self.vault, "activeSharesOf", a))
        return int(await self._v(self.vault, "activeSharesOfAt", a, at, b""))

    async def active_balance_of(self, account: str) -> int:
        """Collateral value of ``account``'s active shares."""
        return int(await self._v(self.vault, "activeBalanceOf", to_checksum_address(account)))

    async def slashable_balance_of(self, account: str) -> int:
        """Active balance plus the account's withdrawals of the current and next epoch."""
        return int(await self._v(self.vault, "slashableBalanceOf", to_checksum_address(account)))

    async def withdrawals(self, epoch: int) -> int:
        """Collateral in the withdrawal bucket of ``epoch``."""
        return int(await self._v(self.vault, "withdrawals", epoch))

    async def withdrawal_shares(self, epoch: int) -> int:
        """Withdrawal shares of ``epoch``."""
        return int(await self._v(self.vault, "withdrawalShares", epoch))

    async def withdrawals_of(self, epoch: int, account: str) -> int:
        """``account``'s claim on the bucket of ``epoch``."""
        return int(await self._v(self.vault, "withdrawalsOf", epoch, to_checksum_address(account)))

    async def is_withdrawals_claimed(self, epoch: int, account: str) -> bool:
        """Whether ``account`` claimed ``epoch``."""
        return bool(
            await self._v(self.vault, "isWithdrawalsClaimed", epoch, to_checksum_address(account))
        )

    async def total_stake(self) -> int:
        """Active stake plus the current and next epoch's withdrawals (the slashable total)."""
        return int(await self._v(self.vault, "totalStake"))

    # ---- views: delegator
    async def stake_at(self, subnetwork: bytes, operator: str, timestamp: int) -> int:
        """Stake of ``operator`` in ``subnetwork`` at ``timestamp`` (opt-ins included)."""
        return int(
            await self._v(
                self.delegator, "stakeAt", subnetwork, to_checksum_address(operator), timestamp, b""
            )
        )

    async def stake(self, subnetwork: bytes, operator: str) -> int:
        """Current stake of ``operator`` in ``subnetwork``."""
        return int(
            await self._v(self.delegator, "stake", subnetwork, to_checksum_address(operator))
        )

    async def max_network_limit(self, subnetwork: bytes) -> int:
        """Cap the network set for this vault."""
        return int(await self._v(self.delegator, "maxNetworkLimit", subnetwork))

    async def network_limit(self, subnetwork: bytes, at: int | None = None) -> int:
        """Curator-set network limit (types 0-2)."""
        if at is None:
            return int(await self._v(self.delegator, "networkLimit", subnetwork))
        return int(await self._v(self.delegator, "networkLimitAt", subnetwork, at, b""))

    async def operator_network_shares(
        self, subnetwork: bytes, operator: str, at: int | None = None
    ) -> int:
        """NetworkRestake shares of ``operator``."""
        op = to_checksum_address(operator)
        if at is None:
            return int(await self._v(self.delegator, "operatorNetworkShares", subnetwork, op))
        return int(
            await self._v(self.delegator, "operatorNetworkSharesAt", subnetwork, op, at, b"")
        )

    async def operator_network_limit(
        self, subnetwork: bytes, operator: str, at: int | None = None
    ) -> int:
        """FullRestake limit of ``operator``."""
        op = to_checksum_address(operator)
        if at is None:
            return int(await self._v(self.delegator, "operatorNetworkLimit", subnetwork, op))
        return int(await self._v(self.delegator, "operatorNetworkLimitAt", subnetwork, op, at, b""))

    # ---- views: slasher
    async def slashable_stake(
        self, subnetwork: bytes, operator: str, capture_timestamp: int
    ) -> int:
        """Stake at capture minus slashes executed since (0 outside the capture window)."""
        c = self._any_slasher()
        return int(
            await self._v(
                c,
                "slashableStake",
                subnetwork,
                to_checksum_address(operator),
                capture_timestamp,
                b"",
            )
        )

    async def cumulative_slash(
        self, subnetwork: bytes, operator: str, at: int | None = None
    ) -> int:
        """Sum of slashes recorded for (subnetwork, operator), now or at ``at``."""
        c = self._any_slasher()
        op = to_checksum_address(operator)
        if at is None:
            return int(await self._v(c, "cumulativeSlash", subnetwork, op))
        return int(await self._v(c, "cumulativeSlashAt", subnetwork, op, at, b""))

    async def slash_request(self, index: int) -> SlashRequestInfo:
        """Veto slasher: request ``index``."""
        c = self._need_slasher(veto=True)
        sn, op, amount, capture, deadline, completed = await self._v(c, "slashRequests", index)
        return SlashRequestInfo(
            index,
            bytes(sn),
            checksum(op),
            int(amount),
            int(capture),
            int(deadline),
            bool(completed),
        )

    async def slash_requests_length(self) -> int:
        """Veto slasher: number of requests."""
        return int(await self._v(self._need_slasher(veto=True), "slashRequestsLength"))

    async def resolver(self, subnetwork: bytes, at: int | None = None) -> str:
        """Veto slasher: resolver of ``subnetwork`` now or at ``at``."""
        c = self._need_slasher(veto=True)
        if at is None:
            return checksum(await self._v(c, "resolver", subnetwork, b""))
        return checksum(await self._v(c, "resolverAt", subnetwork, at, b""))

    def _any_slasher(self) -> BoundContract:
        if self.slasher is None:
            raise InvalidParameter(f"vault {self.info.vault} has no slasher", reason="NO_SLASHER")
        return self.slasher
