"""Vault set-up checks: the token account and mint a vault is configured with."""

from __future__ import annotations

import struct

import pytest
from omnistake.chains.solana.errors import ConfigError
from omnistake.chains.solana.litesvm_backend import LiteSvmBackend
from omnistake.chains.solana.localnet import create_ata, create_mint, send
from omnistake.chains.solana.programs import (
    TOKEN_2022_EXT_TRANSFER_FEE_CONFIG,
    TOKEN_2022_PROGRAM_ID,
    TOKEN_PROGRAM_ID,
    mint_extension_types,
)
from omnistake.chains.solana.signer import KeypairSigner
from omnistake.chains.solana.vaults import TokenVault, check_token_vault
from solana_world import SOL
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.system_program import CreateAccountParams, create_account
from spl.token.instructions import initialize_transfer_fee_config
from spl.token.models import InitializeTransferFeeConfigParams

FEE_MINT_SIZE = 165 + 1 + 4 + 108  # base mint padded, account type, TLV header, TransferFeeConfig


async def test_transfer_fee_mint_is_refused() -> None:
    b = LiteSvmBackend()
    payer = KeypairSigner(Keypair())
    hub = KeypairSigner(Keypair())
    b.airdrop(payer.pubkey(), 10 * SOL)
    mint = KeypairSigner(Keypair())
    rent = await b.minimum_balance_for_rent_exemption(FEE_MINT_SIZE)
    ixs = [
        create_account(
            CreateAccountParams(
                from_pubkey=payer.pubkey(),
                to_pubkey=mint.pubkey(),
                lamports=rent,
                space=FEE_MINT_SIZE,
                owner=TOKEN_2022_PROGRAM_ID,
            )
        ),
        initialize_transfer_fee_config(
            InitializeTransferFeeConfigParams(
                program_id=TOKEN_2022_PROGRAM_ID,
                mint=mint.pubkey(),
                transfer_fee_config_authority=payer.pubkey(),
                withdraw_withheld_authority=payer.pubkey(),
                transfer_fee_basis_points=50,
                maximum_fee=10**9,
            )
        ),
        Instruction(
            TOKEN_2022_PROGRAM_ID,
            struct.pack("<BB", 20, 9) + bytes(payer.pubkey()) + b"\x00" + bytes(32),
            [AccountMeta(mint.pubkey(), False, True)],
        ),
    ]
    await send(b, payer, ixs, [mint])
    acct = await b.get_account(mint.pubkey())
    assert acct is not None
    assert TOKEN_2022_EXT_TRANSFER_FEE_CONFIG in mint_extension_types(bytes(acct.data))
    await create_ata(b, payer, hub.pubkey(), mint.pubkey(), TOKEN_2022_PROGRAM_ID)
    vault = TokenVault.at_ata("fee", mint.pubkey(), 9, hub.pubkey(), TOKEN_2022_PROGRAM_ID)
    with pytest.raises(ConfigError) as info:
        await check_token_vault(b, vault)
    assert info.value.reason == "UNSUPPORTED_MINT"


async def test_misconfigured_vaults() -> None:
    b = LiteSvmBackend()
    payer = KeypairSigner(Keypair())
    hub = KeypairSigner(Keypair())
    b.airdrop(payer.pubkey(), 10 * SOL)
    mint = await create_mint(b, payer)
    plain = await create_mint(b, payer, token_program=TOKEN_2022_PROGRAM_ID)
    acct = await b.get_account(plain)
    assert acct is not None and mint_extension_types(bytes(acct.data)) == []
    vault = TokenVault.at_ata("v", mint, 9, hub.pubkey(), TOKEN_PROGRAM_ID)
    with pytest.raises(ConfigError):  # the vault's token account does not exist yet
        await check_token_vault(b, vault)
    await create_ata(b, payer, hub.pubkey(), mint)
    assert await check_token_vault(b, vault) == 0
    with pytest.raises(ConfigError):
        TokenVault.at_ata("v", mint, 9, hub.pubkey(), payer.pubkey())
