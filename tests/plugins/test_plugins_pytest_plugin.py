"""The kit's pytest plugin works in an author's own test tree (run in-process by pytester),
and the kit does not load into test runs that did not ask for it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONFTEST = """
import pytest
from omnistake_memchain.testing import harness

pytest_plugins = ["omnistake.testing.plugin"]

@pytest.fixture
def adapter_harness():
    return harness(confirmation_depth=2)
"""

TESTS = """
from omnistake.plugins import ChainSync
from omnistake.testing import Follower

async def test_follow_and_feed(adapter, controller, ledger_service):
    await controller.add_activity()
    await controller.mine(3)
    async with Follower(adapter) as follower:
        await follower.wait_for(lambda f: f.final_height >= 1)
    sync = ChainSync(ledger_service, adapter)
    await sync.catch_up(10)
    assert ledger_service.ledger.seq > 0

async def test_factory_builds_fresh_adapters(adapter_factory):
    assert adapter_factory() is not adapter_factory()
"""


def test_author_tree_uses_the_plugin(pytester: pytest.Pytester) -> None:
    pytest.importorskip("omnistake_memchain", reason="bash scripts/setup.d/examples.sh")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_author=TESTS)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_kit_is_not_autoloaded() -> None:
    """No pytest11 entry point: unrelated test runs never import the kit."""
    from importlib import metadata

    assert all(
        not ep.value.startswith("omnistake") for ep in metadata.entry_points(group="pytest11")
    )
