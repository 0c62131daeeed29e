"""Options for the outbox tests (the root conftest.py holds everything shared)."""

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--crash-rounds", type=int, default=25,
        help="kill -9 rounds in tests/test_crash.py (default 25; `make test-full` runs 200)")


@pytest.fixture
def crash_rounds(request) -> int:
    """How many times the crash test kills the enqueueing child."""
    return request.config.getoption("--crash-rounds")
