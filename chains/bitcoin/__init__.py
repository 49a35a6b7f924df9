"""Bitcoin adapter: Babylon-style self-custodial Taproot staking, slashed through EOTS key extraction."""
