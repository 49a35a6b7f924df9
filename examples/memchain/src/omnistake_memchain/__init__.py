"""omnistake-memchain: an example third-party chain adapter package for omnistake.

A small, honest in-memory chain (:mod:`.chain`), its adapter (:mod:`.adapter`), the plugin
entry point (:mod:`.plugin`) and the conformance harness (:mod:`.testing`).
"""

__version__ = "0.1.0"

from .adapter import MemchainAdapter, native_asset
from .chain import NETWORK, Block, MemChain, MemchainError, Tx, create_chain

__all__ = [
    "NETWORK",
    "Block",
    "MemChain",
    "MemchainAdapter",
    "MemchainError",
    "Tx",
    "__version__",
    "create_chain",
    "native_asset",
]
