"""The agents' console in a real browser (Debian's Chromium, headless) beside a real kiosk window:
a tenant's call shows up live, "J'arrive" puts the agent's first name on the kiosk, "Terminé" ends it."""

import time
from pathlib import Path

import pytest

from hub.tests.consoleclient import PASSWORD, add_agent
from kiosk.config import load_config
from tests.kiosk_harness import SCREENSHOTS, KioskHarness, write_config

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.ui,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: run deploy/system-deps.sh"),
]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def hub(module_hub):
    """One hub for the module, with the agent Camille."""
    add_agent(module_hub, "camille", "Camille", agency="Centre Ouest")
    return module_hub


@pytest.fixture
def page(browser, hub):
    context = browser.new_context(base_url=hub.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def kiosk(tmp_path, hub):
    harness = KioskHarness(load_config(write_config(tmp_path, hub.url, hub.add_kiosk("kiosk-test"))))
    yield harness
    harness.close()


def log_in(page, agent="camille", password=PASSWORD):
    page.goto("/console")
    submit_login(page, agent, password)


def submit_login(page, agent="camille", password=PASSWORD):
    page.fill("#agent", agent)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_call_from_the_kiosk_is_answered_from_the_browser(page, kiosk, hub):
    log_in(page)
    page.wait_for_selector("#no-calls")
    page.evaluate("window.notReloaded = true")   # gone if the page reloads
    kiosk.wait_until(lambda: kiosk.app.online is True, what="the kiosk's first contact with the hub")

    kiosk.tap("call_agent_button")
    kiosk.wait_until(lambda: len(hub.actions("assistance_call")) == 1, what="the call at the hub")
    arrived = time.monotonic()
    call_id = hub.actions("assistance_call")[0]["id"]
    item = page.wait_for_selector(f"#call-{call_id}", timeout=2_000)
    assert time.monotonic() - arrived < 2.0
    assert page.evaluate("window.notReloaded") is True
    assert "Page d'accueil de la borne" in item.inner_text() and "Centre Ouest" in item.inner_text()
    assert page.title().startswith("(1) ")
    page.screenshot(path=str(SCREENSHOTS / "console-call-waiting.png"))

    page.click(f"#call-{call_id} [data-action=acknowledge]")
    kiosk.wait_until(lambda: "Camille" in kiosk.text("call_status_label"), what="the agent's name on the kiosk")
    assert kiosk.text("call_status_label") == "Camille a vu votre appel. Camille arrive."
    page.wait_for_selector(f"#call-{call_id} .badge-ack")
    assert "Camille arrive" in page.inner_text(f"#call-{call_id}")
    kiosk.screenshot("console-kiosk-agent-coming")

    page.click(f"#call-{call_id} [data-action=resolve]")
    page.wait_for_selector("#no-calls")
    assert hub.query("SELECT status, acknowledged_by, resolved_by FROM assistance_calls WHERE id = ?", [call_id]) == [
        {"status": "resolved", "acknowledged_by": "camille", "resolved_by": "camille"}]
    assert page.evaluate("window.notReloaded") is True


def test_wrong_password_is_refused_and_pages_need_a_login(page):
    page.goto("/console/kiosks")
    assert page.url.endswith("/console/login?next=/console/kiosks")
    submit_login(page, password="not the password")
    assert page.inner_text("#login-error") == "Nom ou mot de passe incorrect."
    assert all(cookie["name"] != "console_session" for cookie in page.context.cookies())

    submit_login(page)  # the form kept where the agent was going
    page.wait_for_selector("#kiosks-summary, .empty")
    assert page.url.endswith("/console/kiosks")

    page.click("text=Se déconnecter")
    page.wait_for_selector("#password")
    page.goto("/console")
    assert "/console/login" in page.url


def test_console_fits_a_phone(page, hub):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page)
    page.wait_for_selector("#no-calls")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator("text=Se déconnecter").bounding_box()
    assert box["height"] >= 44
    page.screenshot(path=str(SCREENSHOTS / "console-phone.png"), full_page=True)
