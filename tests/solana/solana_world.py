"""Shared LiteSVM worlds for the Solana adapter tests (imported by conftest and tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("solders.litesvm", reason="the solana extra (solders) is not installed")

from omnistake.chains.solana.backend import SvmBackend
from omnistake.chains.solana.custody import Custodian
from omnistake.chains.solana.deposits import DepositVerifier
from omnistake.chains.solana.litesvm_backend import LAMPORTS_PER_SOL, LiteSvmBackend
from omnistake.chains.solana.localnet import (
    create_ata,
    create_mint,
    create_vote_account,
    mint_to,
)
from omnistake.chains.solana.programs import TOKEN_PROGRAM_ID
from omnistake.chains.solana.rpc_backend import RpcBackend
from omnistake.chains.solana.rpc_server import LiteSvmRpcServer
from omnistake.chains.solana.signer import KeypairSigner, KeystoreSigner
from omnistake.chains.solana.vaults import StakeVault, TokenVault
from solders.keypair import Keypair
from solders.pubkey import Pubkey

SOL = LAMPORTS_PER_SOL


@dataclass(eq=False)
class World:
    """One cluster with a hub, a fee payer, an LST vault and a native-stake vault."""

    backend: SvmBackend  # what the adapter talks to: LiteSVM directly, or RPC over loopback
    svm: LiteSvmBackend  # the cluster itself, for test controls
    hub: KeystoreSigner
    payer: KeypairSigner
    mint_authority: KeypairSigner
    mint: Pubkey
    token_vault: TokenVault
    vote_allowed: Pubkey
    vote_other: Pubkey
    stake_vault: StakeVault
    verifier: DepositVerifier
    custodian: Custodian
    server: LiteSvmRpcServer | None = None

    async def close(self) -> None:
        """Stop the loopback RPC server, if any."""
        if isinstance(self.backend, RpcBackend):
            await self.backend.close()
        if self.server is not None:
            self.server.stop()

    async def funded_staker(self, sol: int = 50, tokens: int = 0) -> KeypairSigner:
        """A staker wallet with lamports and (optionally) LST tokens in its ATA."""
        staker = KeypairSigner(Keypair())
        self.svm.airdrop(staker.pubkey(), sol * SOL)
        if tokens:
            ata = await create_ata(
                self.backend, self.payer, staker.pubkey(), self.mint, self.token_vault.token_program
            )
            await mint_to(
                self.backend,
                self.mint_authority,
                self.mint,
                ata,
                tokens,
                self.token_vault.token_program,
            )
        return staker


async def make_world(
    tmp_path: Path, token_program: Pubkey = TOKEN_PROGRAM_ID, *, via_rpc: bool = False
) -> World:
    """Build a world on a fresh LiteSVM, seen directly or through the loopback RPC server."""
    svm = LiteSvmBackend()
    server = LiteSvmRpcServer(svm).start() if via_rpc else None
    backend: SvmBackend = (
        svm
        if server is None
        else RpcBackend(server.url, commitment=svm.commitment, poll_interval=0.005)
    )
    hub = KeystoreSigner.create(tmp_path / "hub-vault-authority.json")
    payer = KeypairSigner(Keypair())
    mint_authority = KeypairSigner(Keypair())
    svm.airdrop(payer.pubkey(), 1_000 * SOL)
    svm.airdrop(mint_authority.pubkey(), 10 * SOL)
    mint = await create_mint(backend, mint_authority, decimals=9, token_program=token_program)
    await create_ata(backend, payer, hub.pubkey(), mint, token_program)
    token_vault = TokenVault.at_ata("vault-lst", mint, 9, hub.pubkey(), token_program)
    vote_allowed = await create_vote_account(backend, payer)
    vote_other = await create_vote_account(backend, payer)
    stake_vault = StakeVault("vault-sol", hub.pubkey(), frozenset({vote_allowed}))
    return World(
        backend,
        svm,
        hub,
        payer,
        mint_authority,
        mint,
        token_vault,
        vote_allowed,
        vote_other,
        stake_vault,
        DepositVerifier(backend),
        Custodian(backend, hub, fee_payer=payer),
        server,
    )
