"""Set-up helpers that work on any backend: mints, vote and stake accounts, staker deposits.

Tests and benchmarks use them on LiteSVM; the same calls work on a devnet through
:class:`~omnistake.chains.solana.rpc_backend.RpcBackend`. Each helper sends one transaction.
"""

from __future__ import annotations

import struct

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import CreateAccountParams, create_account

from .backend import SvmBackend, TxOutcome
from .deposits import deposit_memo
from .programs import (
    STAKE_ACCOUNT_SIZE,
    STAKE_AUTHORIZE_STAKER,
    STAKE_AUTHORIZE_WITHDRAWER,
    STAKE_PROGRAM_ID,
    TOKEN_PROGRAM_ID,
    VOTE_ACCOUNT_SIZE,
    VOTE_PROGRAM_ID,
    associated_token_address,
    create_associated_token_account_idempotent,
    memo,
    stake_authorize,
    stake_delegate,
    stake_initialize,
    token_transfer_checked,
    vote_initialize_account,
)
from .signer import HubSigner, KeypairSigner, build_transaction
from .vaults import TokenVault

MINT_SIZE = 82

__all__ = [
    "create_ata",
    "create_mint",
    "create_stake_account",
    "create_vote_account",
    "deposit_lst",
    "deposit_stake",
    "mint_to",
    "send",
]


async def send(
    backend: SvmBackend, payer: HubSigner, ixs: list[Instruction], signers: list[HubSigner]
) -> TxOutcome:
    """Build, sign and send one transaction."""
    bh = await backend.latest_blockhash()
    return await backend.send(build_transaction(payer, ixs, signers, bh.blockhash))


async def create_mint(
    backend: SvmBackend,
    payer: HubSigner,
    *,
    decimals: int = 9,
    token_program: Pubkey = TOKEN_PROGRAM_ID,
    mint_authority: Pubkey | None = None,
) -> Pubkey:
    """A new SPL mint (Token or Token-2022, no extensions)."""
    mint = KeypairSigner(Keypair())
    rent = await backend.minimum_balance_for_rent_exemption(MINT_SIZE)
    auth = mint_authority or payer.pubkey()
    init = Instruction(
        token_program,
        struct.pack("<BB", 20, decimals) + bytes(auth) + b"\x00" + bytes(32),
        [AccountMeta(mint.pubkey(), False, True)],
    )
    create = create_account(
        CreateAccountParams(
            from_pubkey=payer.pubkey(),
            to_pubkey=mint.pubkey(),
            lamports=rent,
            space=MINT_SIZE,
            owner=token_program,
        )
    )
    await send(backend, payer, [create, init], [mint])
    return mint.pubkey()


async def create_ata(
    backend: SvmBackend,
    payer: HubSigner,
    owner: Pubkey,
    mint: Pubkey,
    token_program: Pubkey = TOKEN_PROGRAM_ID,
) -> Pubkey:
    """The owner's associated token account (created if missing)."""
    ix = create_associated_token_account_idempotent(payer.pubkey(), owner, mint, token_program)
    await send(backend, payer, [ix], [])
    return associated_token_address(owner, mint, token_program)


async def mint_to(
    backend: SvmBackend,
    authority: HubSigner,
    mint: Pubkey,
    destination: Pubkey,
    amount: int,
    token_program: Pubkey = TOKEN_PROGRAM_ID,
) -> None:
    """Mint ``amount`` base units into a token account."""
    ix = Instruction(
        token_program,
        struct.pack("<BQ", 7, amount),
        [
            AccountMeta(mint, False, True),
            AccountMeta(destination, False, True),
            AccountMeta(authority.pubkey(), True, False),
        ],
    )
    await send(backend, authority, [ix], [])


async def create_vote_account(
    backend: SvmBackend, payer: HubSigner, *, commission: int = 5
) -> Pubkey:
    """A new, initialised vote account (its node identity is a throw-away key)."""
    vote = KeypairSigner(Keypair())
    node = KeypairSigner(Keypair())
    rent = await backend.minimum_balance_for_rent_exemption(VOTE_ACCOUNT_SIZE)
    ixs = [
        create_account(
            CreateAccountParams(
                from_pubkey=payer.pubkey(),
                to_pubkey=vote.pubkey(),
                lamports=rent,
                space=VOTE_ACCOUNT_SIZE,
                owner=VOTE_PROGRAM_ID,
            )
        ),
        vote_initialize_account(
            vote.pubkey(), node.pubkey(), node.pubkey(), payer.pubkey(), commission
        ),
    ]
    await send(backend, payer, ixs, [vote, node])
    return vote.pubkey()


async def create_stake_account(
    backend: SvmBackend,
    owner: HubSigner,
    stake_lamports: int,
    *,
    vote: Pubkey | None,
    lockup_unix_timestamp: int = 0,
    lockup_epoch: int = 0,
    custodian: Pubkey | None = None,
) -> Pubkey:
    """A stake account of ``stake_lamports`` (+ rent) owned by ``owner``, delegated if ``vote``."""
    stake = KeypairSigner(Keypair())
    rent = await backend.minimum_balance_for_rent_exemption(STAKE_ACCOUNT_SIZE)
    ixs = [
        create_account(
            CreateAccountParams(
                from_pubkey=owner.pubkey(),
                to_pubkey=stake.pubkey(),
                lamports=rent + stake_lamports,
                space=STAKE_ACCOUNT_SIZE,
                owner=STAKE_PROGRAM_ID,
            )
        ),
        stake_initialize(
            stake.pubkey(),
            owner.pubkey(),
            owner.pubkey(),
            lockup_unix_timestamp=lockup_unix_timestamp,
            lockup_epoch=lockup_epoch,
            custodian=custodian,
        ),
    ]
    if vote is not None:
        ixs.append(stake_delegate(stake.pubkey(), vote, owner.pubkey()))
    await send(backend, owner, ixs, [stake])
    return stake.pubkey()


async def deposit_lst(
    backend: SvmBackend,
    staker: HubSigner,
    vault: TokenVault,
    amount: int,
    *,
    staker_account: str | None,
    source: Pubkey | None = None,
    mint: Pubkey | None = None,
    destination: Pubkey | None = None,
    memo_text: str | None = None,
) -> Signature:
    """What a staker's wallet sends: TransferChecked into the vault plus the deposit memo.

    ``mint``/``destination``/``memo_text`` override the honest values (to build bad deposits).
    """
    m = mint or vault.mint
    src = source or associated_token_address(staker.pubkey(), m, vault.token_program)
    ixs = [
        token_transfer_checked(
            vault.token_program,
            src,
            m,
            destination or vault.token_account,
            staker.pubkey(),
            amount,
            vault.decimals,
        )
    ]
    text = (
        memo_text
        if memo_text is not None
        else (None if staker_account is None else deposit_memo(staker_account))
    )
    if text is not None:
        ixs.append(memo(text))
    out = await send(backend, staker, ixs, [])
    return out.signature


async def deposit_stake(
    backend: SvmBackend,
    staker: HubSigner,
    stake_account: Pubkey,
    vault_authority: Pubkey,
    *,
    staker_account: str | None,
    withdrawer: Pubkey | None = None,
) -> Signature:
    """Hand both authorities of ``stake_account`` to the vault, with the deposit memo.

    ``withdrawer`` overrides the new withdraw authority (to build bad deposits).
    """
    ixs = [
        stake_authorize(stake_account, staker.pubkey(), vault_authority, STAKE_AUTHORIZE_STAKER),
        stake_authorize(
            stake_account,
            staker.pubkey(),
            withdrawer or vault_authority,
            STAKE_AUTHORIZE_WITHDRAWER,
        ),
    ]
    if staker_account is not None:
        ixs.append(memo(deposit_memo(staker_account)))
    out = await send(backend, staker, ixs, [])
    return out.signature
