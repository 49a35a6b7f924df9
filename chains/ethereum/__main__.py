"""``python -m omnistake.chains.ethereum``: the Ethereum CLI (see :mod:`.cli`)."""

from omnistake.chains.ethereum.cli import main

main()
