"""Ethereum adapter: mirrors Symbiotic vaults from chain; the hub slashes as network middleware."""
