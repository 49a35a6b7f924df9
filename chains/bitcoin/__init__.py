"""Bitcoin adapter: Babylon-style self-custodial Taproot staking, slashed via EOTS key extraction.

Modules: ``schnorr``/``taproot``/``sighash`` (BIP-340/341), ``staking``/``staking_txs`` (Babylon
scripts and transaction rules), ``eots``/``adaptor`` (slashing crypto), ``spv``/``merkle``
(header chain and inclusion), ``backend_api``/``http_backends``/``regtest`` (chain access),
``verifier``/``slasher`` (the hub's two jobs). See docs/bitcoin.md.
"""
