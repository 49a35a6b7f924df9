"""Program ids, instruction encoders and account decoders for the native programs we use.

Stake and Vote instructions are bincode: a little-endian ``u32`` variant tag followed by the
fields. SPL Token instructions are a ``u8`` tag followed by little-endian fields; the same
layout serves Token and Token-2022 for the instructions used here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from solders import sysvar
from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

SYSTEM_PROGRAM_ID = Pubkey.from_string("11111111111111111111111111111111")
STAKE_PROGRAM_ID = Pubkey.from_string("Stake11111111111111111111111111111111111111")
STAKE_CONFIG_ID = Pubkey.from_string("StakeConfig11111111111111111111111111111111")
VOTE_PROGRAM_ID = Pubkey.from_string("Vote111111111111111111111111111111111111111")
TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
ASSOCIATED_TOKEN_PROGRAM_ID = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
MEMO_PROGRAM_ID = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
MEMO_V1_PROGRAM_ID = Pubkey.from_string("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo")
TOKEN_PROGRAMS = frozenset({TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID})
MEMO_PROGRAMS = frozenset({MEMO_PROGRAM_ID, MEMO_V1_PROGRAM_ID})

STAKE_ACCOUNT_SIZE = 200
VOTE_ACCOUNT_SIZE = 3762
TOKEN_ACCOUNT_BASE_SIZE = 165
U64_MAX = 2**64 - 1

# Stake instruction tags (StakeInstruction enum order).
_STAKE_INITIALIZE = 0
_STAKE_AUTHORIZE = 1
_STAKE_DELEGATE = 2
_STAKE_SPLIT = 3
_STAKE_WITHDRAW = 4
_STAKE_DEACTIVATE = 5
_STAKE_INITIALIZE_CHECKED = 9
_STAKE_AUTHORIZE_CHECKED = 10
_STAKE_GET_MINIMUM_DELEGATION = 13

STAKE_AUTHORIZE_STAKER = 0
STAKE_AUTHORIZE_WITHDRAWER = 1

# SPL Token instruction tags.
TOKEN_TRANSFER = 3
TOKEN_BURN = 8
TOKEN_TRANSFER_CHECKED = 12
TOKEN_BURN_CHECKED = 15


def _meta(pk: Pubkey, *, signer: bool = False, writable: bool = False) -> AccountMeta:
    return AccountMeta(pk, signer, writable)


# --- stake program -------------------------------------------------------------------------


def stake_initialize(
    stake: Pubkey,
    staker: Pubkey,
    withdrawer: Pubkey,
    *,
    lockup_unix_timestamp: int = 0,
    lockup_epoch: int = 0,
    custodian: Pubkey | None = None,
) -> Instruction:
    """``Initialize``: set the stake and withdraw authorities and an optional lockup."""
    data = (
        struct.pack("<I", _STAKE_INITIALIZE)
        + bytes(staker)
        + bytes(withdrawer)
        + struct.pack("<qQ", lockup_unix_timestamp, lockup_epoch)
        + bytes(custodian or Pubkey.default())
    )
    return Instruction(STAKE_PROGRAM_ID, data, [_meta(stake, writable=True), _meta(sysvar.RENT)])


def stake_authorize(
    stake: Pubkey, authority: Pubkey, new_authority: Pubkey, which: int
) -> Instruction:
    """``Authorize``: hand the staker (0) or withdrawer (1) role to ``new_authority``."""
    data = struct.pack("<I", _STAKE_AUTHORIZE) + bytes(new_authority) + struct.pack("<I", which)
    return Instruction(
        STAKE_PROGRAM_ID,
        data,
        [_meta(stake, writable=True), _meta(sysvar.CLOCK), _meta(authority, signer=True)],
    )


def stake_delegate(stake: Pubkey, vote: Pubkey, authority: Pubkey) -> Instruction:
    """``DelegateStake`` to a vote account."""
    return Instruction(
        STAKE_PROGRAM_ID,
        struct.pack("<I", _STAKE_DELEGATE),
        [
            _meta(stake, writable=True),
            _meta(vote),
            _meta(sysvar.CLOCK),
            _meta(sysvar.STAKE_HISTORY),
            _meta(STAKE_CONFIG_ID),
            _meta(authority, signer=True),
        ],
    )


def stake_split(
    stake: Pubkey, destination: Pubkey, authority: Pubkey, lamports: int
) -> Instruction:
    """``Split`` ``lamports`` into an allocated, stake-owned ``destination``."""
    return Instruction(
        STAKE_PROGRAM_ID,
        struct.pack("<IQ", _STAKE_SPLIT, lamports),
        [
            _meta(stake, writable=True),
            _meta(destination, writable=True),
            _meta(authority, signer=True),
        ],
    )


def stake_withdraw(
    stake: Pubkey, recipient: Pubkey, withdrawer: Pubkey, lamports: int
) -> Instruction:
    """``Withdraw`` inactive lamports."""
    return Instruction(
        STAKE_PROGRAM_ID,
        struct.pack("<IQ", _STAKE_WITHDRAW, lamports),
        [
            _meta(stake, writable=True),
            _meta(recipient, writable=True),
            _meta(sysvar.CLOCK),
            _meta(sysvar.STAKE_HISTORY),
            _meta(withdrawer, signer=True),
        ],
    )


def stake_deactivate(stake: Pubkey, authority: Pubkey) -> Instruction:
    """``Deactivate`` a delegation (cools down over the following epoch)."""
    return Instruction(
        STAKE_PROGRAM_ID,
        struct.pack("<I", _STAKE_DEACTIVATE),
        [_meta(stake, writable=True), _meta(sysvar.CLOCK), _meta(authority, signer=True)],
    )


def stake_get_minimum_delegation() -> Instruction:
    """``GetMinimumDelegation``: the answer comes back as return data (u64 LE)."""
    return Instruction(STAKE_PROGRAM_ID, struct.pack("<I", _STAKE_GET_MINIMUM_DELEGATION), [])


@dataclass(frozen=True, slots=True)
class StakeAuthorityChange:
    """A stake instruction that sets an authority on ``stake`` (decoded from a transaction)."""

    stake: Pubkey
    staker: Pubkey | None
    withdrawer: Pubkey | None


def decode_stake_authority_change(
    data: bytes, accounts: list[Pubkey]
) -> StakeAuthorityChange | None:
    """Decode Initialize/InitializeChecked/Authorize/AuthorizeChecked, else ``None``."""
    if len(data) < 4 or not accounts:
        return None
    (tag,) = struct.unpack_from("<I", data, 0)
    if tag == _STAKE_INITIALIZE and len(data) >= 68:
        return StakeAuthorityChange(
            accounts[0], Pubkey.from_bytes(data[4:36]), Pubkey.from_bytes(data[36:68])
        )
    if tag == _STAKE_INITIALIZE_CHECKED and len(accounts) >= 4:
        return StakeAuthorityChange(accounts[0], accounts[2], accounts[3])
    if tag == _STAKE_AUTHORIZE and len(data) >= 40:
        new = Pubkey.from_bytes(data[4:36])
        (which,) = struct.unpack_from("<I", data, 36)
        return _authority_change(accounts[0], new, which)
    if tag == _STAKE_AUTHORIZE_CHECKED and len(data) >= 8 and len(accounts) >= 4:
        (which,) = struct.unpack_from("<I", data, 4)
        return _authority_change(accounts[0], accounts[3], which)
    return None


def _authority_change(stake: Pubkey, new: Pubkey, which: int) -> StakeAuthorityChange | None:
    if which == STAKE_AUTHORIZE_STAKER:
        return StakeAuthorityChange(stake, new, None)
    if which == STAKE_AUTHORIZE_WITHDRAWER:
        return StakeAuthorityChange(stake, None, new)
    return None


@dataclass(frozen=True, slots=True)
class StakeState:
    """A decoded stake account (``StakeStateV2``)."""

    kind: str  # "uninitialized" | "initialized" | "stake" | "rewards_pool"
    rent_exempt_reserve: int = 0
    staker: Pubkey | None = None
    withdrawer: Pubkey | None = None
    lockup_unix_timestamp: int = 0
    lockup_epoch: int = 0
    custodian: Pubkey | None = None
    voter: Pubkey | None = None
    stake: int = 0
    activation_epoch: int = 0
    deactivation_epoch: int = U64_MAX

    def lockup_in_force(self, unix_timestamp: int, epoch: int) -> bool:
        """Whether the lockup still binds at the given cluster time (stake program rule)."""
        return self.lockup_unix_timestamp > unix_timestamp or self.lockup_epoch > epoch

    @property
    def has_lockup(self) -> bool:
        """Whether any lockup field is set at all."""
        return bool(
            self.lockup_unix_timestamp
            or self.lockup_epoch
            or (self.custodian is not None and self.custodian != Pubkey.default())
        )


_STAKE_KINDS = {0: "uninitialized", 1: "initialized", 2: "stake", 3: "rewards_pool"}


def decode_stake_state(data: bytes) -> StakeState | None:
    """Decode a stake account's data, or ``None`` if it is not one."""
    if len(data) < 4:
        return None
    (tag,) = struct.unpack_from("<I", data, 0)
    kind = _STAKE_KINDS.get(tag)
    if kind is None:
        return None
    if kind in ("uninitialized", "rewards_pool") or len(data) < 124:
        return StakeState(kind)
    (reserve,) = struct.unpack_from("<Q", data, 4)
    ts, ep = struct.unpack_from("<qQ", data, 76)
    fields = {
        "rent_exempt_reserve": reserve,
        "staker": Pubkey.from_bytes(data[12:44]),
        "withdrawer": Pubkey.from_bytes(data[44:76]),
        "lockup_unix_timestamp": ts,
        "lockup_epoch": ep,
        "custodian": Pubkey.from_bytes(data[92:124]),
    }
    if kind == "stake" and len(data) >= 180:
        stake, act, deact = struct.unpack_from("<QQQ", data, 156)
        return StakeState(
            kind,
            voter=Pubkey.from_bytes(data[124:156]),
            stake=stake,
            activation_epoch=act,
            deactivation_epoch=deact,
            **fields,  # type: ignore[arg-type]
        )
    return StakeState(kind, **fields)  # type: ignore[arg-type]


# --- vote program --------------------------------------------------------------------------


def vote_initialize_account(
    vote: Pubkey, node: Pubkey, voter: Pubkey, withdrawer: Pubkey, commission: int
) -> Instruction:
    """``InitializeAccount`` for a freshly allocated vote account (node must sign)."""
    data = (
        struct.pack("<I", 0) + bytes(node) + bytes(voter) + bytes(withdrawer) + bytes([commission])
    )
    return Instruction(
        VOTE_PROGRAM_ID,
        data,
        [
            _meta(vote, writable=True),
            _meta(sysvar.RENT),
            _meta(sysvar.CLOCK),
            _meta(node, signer=True),
        ],
    )


# --- SPL token -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenAccount:
    """The base fields of an SPL Token / Token-2022 token account."""

    mint: Pubkey
    owner: Pubkey
    amount: int
    state: int  # 0 uninitialized, 1 initialized, 2 frozen


def decode_token_account(data: bytes) -> TokenAccount | None:
    """Decode a token account, or ``None`` if the data is not one."""
    if len(data) < TOKEN_ACCOUNT_BASE_SIZE:
        return None
    (amount,) = struct.unpack_from("<Q", data, 64)
    return TokenAccount(
        Pubkey.from_bytes(data[0:32]), Pubkey.from_bytes(data[32:64]), amount, data[108]
    )


def decode_mint_supply(data: bytes) -> tuple[int, int] | None:
    """``(supply, decimals)`` of a mint account, or ``None``."""
    if len(data) < 82:
        return None
    (supply,) = struct.unpack_from("<Q", data, 36)
    return supply, data[44]


TOKEN_2022_EXT_TRANSFER_FEE_CONFIG = 1
TOKEN_2022_EXT_TRANSFER_HOOK = 14
_ACCOUNT_TYPE_MINT = 1


def mint_extension_types(data: bytes) -> list[int]:
    """Token-2022 extension types present on a mint (empty for classic 82-byte mints).

    Layout: the 82-byte mint, zero padding to 165 bytes, an account-type byte (1 = mint),
    then TLV entries ``u16 type, u16 length, value``.
    """
    if len(data) <= TOKEN_ACCOUNT_BASE_SIZE or data[TOKEN_ACCOUNT_BASE_SIZE] != _ACCOUNT_TYPE_MINT:
        return []
    out = []
    i = TOKEN_ACCOUNT_BASE_SIZE + 1
    while i + 4 <= len(data):
        ext, length = struct.unpack_from("<HH", data, i)
        if ext == 0:
            break
        out.append(ext)
        i += 4 + length
    return out


@dataclass(frozen=True, slots=True)
class TokenTransfer:
    """A decoded Transfer/TransferChecked: ``mint`` is only known for the checked form."""

    source: Pubkey
    destination: Pubkey
    authority: Pubkey
    amount: int
    mint: Pubkey | None


def decode_token_transfer(data: bytes, accounts: list[Pubkey]) -> TokenTransfer | None:
    """Decode an SPL Transfer or TransferChecked instruction, else ``None``."""
    if len(data) >= 9 and data[0] == TOKEN_TRANSFER and len(accounts) >= 3:
        (amount,) = struct.unpack_from("<Q", data, 1)
        return TokenTransfer(accounts[0], accounts[1], accounts[2], amount, None)
    if len(data) >= 10 and data[0] == TOKEN_TRANSFER_CHECKED and len(accounts) >= 4:
        (amount,) = struct.unpack_from("<Q", data, 1)
        return TokenTransfer(accounts[0], accounts[2], accounts[3], amount, accounts[1])
    return None


def token_transfer_checked(
    program_id: Pubkey,
    source: Pubkey,
    mint: Pubkey,
    destination: Pubkey,
    owner: Pubkey,
    amount: int,
    decimals: int,
) -> Instruction:
    """SPL ``TransferChecked``."""
    return Instruction(
        program_id,
        struct.pack("<BQB", TOKEN_TRANSFER_CHECKED, amount, decimals),
        [
            _meta(source, writable=True),
            _meta(mint),
            _meta(destination, writable=True),
            _meta(owner, signer=True),
        ],
    )


def token_burn_checked(
    program_id: Pubkey, account: Pubkey, mint: Pubkey, owner: Pubkey, amount: int, decimals: int
) -> Instruction:
    """SPL ``BurnChecked`` (reduces the mint's supply)."""
    return Instruction(
        program_id,
        struct.pack("<BQB", TOKEN_BURN_CHECKED, amount, decimals),
        [_meta(account, writable=True), _meta(mint, writable=True), _meta(owner, signer=True)],
    )


def associated_token_address(owner: Pubkey, mint: Pubkey, token_program: Pubkey) -> Pubkey:
    """The canonical associated token account of ``owner`` for ``mint``."""
    addr, _ = Pubkey.find_program_address(
        [bytes(owner), bytes(token_program), bytes(mint)], ASSOCIATED_TOKEN_PROGRAM_ID
    )
    return addr


def create_associated_token_account_idempotent(
    payer: Pubkey, owner: Pubkey, mint: Pubkey, token_program: Pubkey
) -> Instruction:
    """ATA ``CreateIdempotent`` (tag 1): a no-op when the account already exists."""
    ata = associated_token_address(owner, mint, token_program)
    return Instruction(
        ASSOCIATED_TOKEN_PROGRAM_ID,
        bytes([1]),
        [
            _meta(payer, signer=True, writable=True),
            _meta(ata, writable=True),
            _meta(owner),
            _meta(mint),
            _meta(SYSTEM_PROGRAM_ID),
            _meta(token_program),
        ],
    )


def memo(text: str, signers: list[Pubkey] | None = None) -> Instruction:
    """SPL Memo (v2) instruction carrying UTF-8 ``text``."""
    return Instruction(
        MEMO_PROGRAM_ID,
        text.encode(),
        [_meta(s, signer=True) for s in (signers or [])],
    )
