"""Fixtures shared by every test folder: a real hub process, and a kiosk registered on it."""

from __future__ import annotations

import os

import pytest

from tests.hubproc import HubProcess, KioskAuth
from tests.xscreen import VirtualScreen

_screen = VirtualScreen()


def pytest_configure(config):
    # No screen: this process gets a virtual one of its own, before any test module imports
    # Kivy. Under pytest-xdist the controller runs no test, so only its workers need one.
    controller = bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")
    if not os.environ.get("DISPLAY") and not controller and VirtualScreen.available():
        os.environ["DISPLAY"] = _screen.start()      # children (main.py, xdotool) inherit it


def pytest_unconfigure(config):
    _screen.stop()


@pytest.fixture
def hub(tmp_path) -> HubProcess:
    """A started hub with demo data, on its own database and port; stopped at teardown."""
    process = HubProcess(tmp_path / "hub", demo=True)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def hub_token(hub) -> KioskAuth:
    """Kiosk "kiosk-test" (agency Centre Ouest) on `hub`: `kiosk_id, token = hub_token`."""
    return hub.add_kiosk_auth("kiosk-test")


@pytest.fixture(scope="module")
def module_hub(tmp_path_factory) -> HubProcess:
    """One demo hub for a whole test module; its tests must use their own kiosks and sessions."""
    process = HubProcess(tmp_path_factory.mktemp("hub"), demo=True)
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def bare_module_hub(tmp_path_factory) -> HubProcess:
    """One hub without demo data for a whole test module: for tests that count everything they see."""
    process = HubProcess(tmp_path_factory.mktemp("hub"))
    process.start()
    yield process
    process.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        # The hub's own account of what happened, next to the assertion that failed.
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, HubProcess):
                report.sections.append((f"hub log {value.log_path}", value.log_text()[-20000:]))
    return report
