"""Chain adapters: omnistake.chains.<chain>, each an optional extra."""
