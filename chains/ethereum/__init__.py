"""Ethereum adapter: Symbiotic vaults mirrored from chain; the hub slashes as a network middleware."""
