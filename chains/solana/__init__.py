"""Solana adapter: SOL and SPL liquid-staking tokens in hub-kept vaults."""
