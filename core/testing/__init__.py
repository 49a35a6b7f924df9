"""The adapter conformance kit: what every chain adapter must pass.

Adapter authors subclass :class:`AdapterConformance` and provide an ``adapter_harness``
fixture returning an :class:`AdapterHarness` (a way to build the adapter plus a
:class:`ChainController` for the test chain). See docs/plugins.md.

Nothing here is a pytest11 entry point: the kit loads only where a test module imports it.
"""

from .conformance import AdapterConformance, running, wait_until
from .follower import Follower, canonical_final_blocks
from .harness import HARNESS_GROUP, AdapterHarness, ChainController, installed_harnesses

__all__ = [
    "HARNESS_GROUP",
    "AdapterConformance",
    "AdapterHarness",
    "ChainController",
    "Follower",
    "canonical_final_blocks",
    "installed_harnesses",
    "running",
    "wait_until",
]
