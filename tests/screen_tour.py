"""Every view of the kiosk, one after the other, for tests that must look at all of them.

    for name in every_view(harness):      # "home", "account/details", "booking/name", ...
        settle(harness)
        ...look at harness.app.root...

Each view is put in place through the screens' own verbs (`app.show`, `choose_topic`,
`confirm_name`...), with plausible data: the harness's kiosk must be on a hub with the demo
catalogue (the `hub` / `module_hub` fixtures), and it waits for the catalogue to be cached.
The app's language and text size are kept as the caller set them: a view never goes home
(going home would reset them, and re-laying out every screen twice costs seconds).

A new screen or step is one line in VIEWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

# Plausible, and long where a tenant's own words can be long.
NAME = "Marie-Thérèse Dupont-Larrieu"
MOBILE = "06 12 34 56 78"
# tenant_ref None: the configured example reference.
ACCOUNT_ENTRIES = {"tenant_ref": None, "surname": "Etcheverry-Larrieu",
                   "birth_date": "07/05/1961", "email": "marie-therese.etcheverry@example.fr",
                   "mobile": MOBILE}
AGENT_NAME = "Jean-Christophe"


@dataclass(frozen=True)
class View:
    name: str
    enter: Callable[["object"], None]     # harness -> the app shows this view


# --- account -----------------------------------------------------------------------------------

def _screen(harness, name: str):
    return harness.app.root.ids.screens.get_screen(name)


def account_step(step: str):
    def enter(harness):
        harness.app.show("account", step=step)
    return enter


def account_review(harness) -> None:
    harness.app.show("account", step="details")
    screen = _screen(harness, "account")
    for name, value in ACCOUNT_ENTRIES.items():
        if value is None:
            value = harness.app.kiosk_config.tenant_reference.example
        screen.ids[f"{name}_field"].ids.input.text = value
    screen.consent = True
    screen.check_details()
    assert screen.step == "review", f"account details refused: {screen._errors}"


def account_receipt(harness) -> None:
    account_review(harness)
    screen = _screen(harness, "account")
    screen.send()
    assert screen.step == "receipt"


def account_feedback(harness) -> None:
    account_receipt(harness)
    _screen(harness, "account").next_step()


# --- booking and cancelling --------------------------------------------------------------------

def booking_topics(harness) -> None:
    harness.app.show("booking")


def _longest_session(harness):
    """The upcoming session with the longest place: the most text on a card and a receipt."""
    screen = _screen(harness, "booking")
    harness.wait_until(lambda: screen.catalog_ready and screen.journey.catalog is not None,
                       what="the workshop catalogue read by the booking screen")
    upcoming = screen.journey.catalog.upcoming(screen.journey.clock())
    assert upcoming, "the hub's demo catalogue has no upcoming session"
    return max(upcoming, key=lambda s: (len(s.place) + len(s.agency), s.id))


def booking_sessions(harness) -> None:
    booking_topics(harness)
    session = _longest_session(harness)
    _screen(harness, "booking").choose_topic(session.topic)


def booking_name(harness) -> None:
    booking_sessions(harness)
    screen = _screen(harness, "booking")
    screen.choose_session(_longest_session(harness).id)
    assert screen.step == "name"


def booking_name_refused(harness) -> None:
    """Nothing typed, "Continuer": the field says what to do, above the keyboard."""
    booking_name(harness)
    screen = _screen(harness, "booking")
    screen.confirm_name()
    assert screen.step == "name" and screen.ids.name_field.error


def booking_mobile(harness) -> None:
    booking_name(harness)
    screen = _screen(harness, "booking")
    screen.ids.name_field.ids.input.text = NAME
    screen.confirm_name()
    assert screen.step == "mobile"


def booking_review(harness) -> None:
    booking_mobile(harness)
    screen = _screen(harness, "booking")
    screen.ids.mobile_field.ids.input.text = MOBILE
    screen.confirm_mobile()
    assert screen.step == "review"


def booking_receipt(harness) -> None:
    booking_review(harness)
    screen = _screen(harness, "booking")
    screen.submit()
    assert screen.step == "receipt"


def cancel_reference(harness) -> None:
    harness.app.show("cancel")


def cancel_confirm(harness) -> None:
    from kiosk.references import new_reference

    cancel_reference(harness)
    screen = _screen(harness, "cancel")
    screen.ids.reference_field.ids.input.text = new_reference()
    screen.confirm_reference()
    assert screen.step == "confirm"


def cancel_receipt(harness) -> None:
    cancel_confirm(harness)
    screen = _screen(harness, "cancel")
    screen.submit()
    assert screen.step == "receipt"


# --- overlays and the call bar -----------------------------------------------------------------

def speech_on(harness) -> None:
    """Read-aloud on: the top bar gets its speech buttons (set directly: the tour needs no voice)."""
    harness.app.show("home")
    harness.app.speech_on = True


def language_chooser(harness) -> None:
    harness.app.show("home")
    harness.app.open_language_chooser()


def idle_warning(harness) -> None:
    """The idle timer at the start of its warning, seen by the app's own check: a later check
    (every 0.25 s) keeps the warning up instead of hiding it, however slow the machine."""
    app = harness.app
    app.show("booking")
    idle = app.idle
    idle._last_touch = idle._clock() - idle.timeout_seconds     # quiet for the whole idle period
    app.check_idle()
    assert app.idle_warning


def with_call(state: str, agent_name: str = "", then=None):
    """A call in that state shown in the call bar, over the view `then` puts in place."""
    def enter(harness):
        (then or (lambda h: h.app.show("home")))(harness)
        harness.app.call_state = state
        harness.app.call_agent_name = agent_name
    return enter


VIEWS: tuple[View, ...] = (
    View("home", lambda h: h.app.show("home")),
    View("account/intro", account_step(None)),
    View("account/where_reference", account_step("where_reference")),
    View("account/email_check", account_step("email_check")),
    View("account/no_email", account_step("no_email")),
    View("account/unsure_email", account_step("unsure_email")),
    View("account/details", account_step("details")),
    View("account/no_consent", account_step("no_consent")),
    View("account/review", account_review),
    View("account/receipt", account_receipt),
    View("account/feedback", account_feedback),
    View("account/existing_account", account_step("existing_account")),
    View("booking/topic", booking_topics),
    View("booking/sessions", booking_sessions),
    View("booking/name", booking_name),
    View("booking/name_refused", booking_name_refused),
    View("booking/mobile", booking_mobile),
    View("booking/review", booking_review),
    View("booking/receipt", booking_receipt),
    View("cancel/reference", cancel_reference),
    View("cancel/confirm", cancel_confirm),
    View("cancel/receipt", cancel_receipt),
    View("settings/speech_on", speech_on),
    View("overlay/language", language_chooser),
    View("overlay/idle", idle_warning),
    View("call/sent", with_call("sent")),
    View("call/acknowledged", with_call("acknowledged", AGENT_NAME, then=booking_review)),
    # Offline, while typing: the longest call message over the tightest step.
    View("call/offline", with_call("unreachable", then=booking_name)),
)


def fresh(harness) -> None:
    """No overlay, no call, the visitor counted as present; language and text size untouched."""
    app = harness.app
    app.keep_visiting()                  # hides the idle warning, restarts the idle period
    app.close_language_chooser()
    app.call_state = ""
    app.call_agent_name = ""
    app.call_repeated = False
    app.speech_on = False


def wait_for_catalogue(harness, timeout: float = 15.0) -> None:
    """The sync worker has cached the hub's catalogue (the booking views need it)."""
    cache = harness.app.kiosk_config.catalog_path
    harness.wait_until(cache.exists, timeout=timeout, what="the catalogue cached by the sync worker")


def every_view(harness, only: Callable[[str], bool] | None = None) -> Iterator[str]:
    """Put the app in each view of VIEWS in turn (those `only` accepts), yielding its name."""
    wait_for_catalogue(harness)
    for view in VIEWS:
        if only is not None and not only(view.name):
            continue
        fresh(harness)
        view.enter(harness)
        yield view.name
    fresh(harness)


def settle(harness, ticks: int = 6) -> None:
    """Let layouts, KV rules and label textures catch up, without drawing (drawing the window
    is what costs under Xvfb). Use harness.frames() instead when pixels matter (screenshots)."""
    from kivy.clock import Clock
    from kivy.lang import Builder

    for _ in range(ticks):
        Clock.tick()
        Builder.sync()
        Clock.tick_draw()
