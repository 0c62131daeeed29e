"""Read-aloud: a queue of sentences spoken on a thread of their own, cut short at any touch.

Why the espeak-ng command line and not pyttsx3 (measured, bench/RESULTS.md): pyttsx3 2.99's
espeak driver synthesises a whole sentence, then plays it with `os.system("aplay ...")` inside
its callback; `engine.stop()` cannot reach that aplay, so a 7.5 s sentence stopped after 2 s went
on for 7 to 9 s more. Here each utterance is two processes, `espeak-ng --stdout` piped into a
player (`aplay -D <device>`, configurable); stopping kills both, and the sound ends when the
player goes (ALSA and PulseAudio drop a closed stream's buffer).

The UI thread only puts text in a queue or sends a signal: `say()`, `stop_speaking()`,
`repeat()` and `clear()` never wait. Personal data (names, phone numbers, e-mail addresses,
references) is said only when the config says a private headset is fitted.
"""

from __future__ import annotations

import logging
import queue
import shlex
import shutil
import subprocess
import threading
from dataclasses import dataclass

from kiosk.config import SpeechSettings

log = logging.getLogger(__name__)

LOG_LENGTH = 200          # .log keeps the last sentences queued (tests read it)
_STOP = object()          # tells the worker thread to end


@dataclass(frozen=True)
class Utterance:
    text: str
    language: str
    generation: int       # stale once stop_speaking() has moved the generation on


class Speech:
    """`Speech(config.speech)`, then `start()`; `say(text, language)` from the UI thread."""

    def __init__(self, settings: SpeechSettings):
        self.settings = settings
        self._default_volume = settings.volume / 100
        self.volume = self._default_volume          # 0..1, this visitor's
        self.rate_wpm = settings.rate_wpm           # this visitor's
        self.log: list[tuple[str, str]] = []        # (language, text) of everything queued
        self.outcomes: list[tuple[str, str]] = []   # (text, "done" | "interrupted" | "failed")
        self.available = self._find_programs()
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._state = threading.Condition(self._lock)
        self._generation = 0
        self._playing: list[subprocess.Popen] = []  # the current synth and player processes
        self._speaking = False
        self._last: tuple[str, str] | None = None   # (text, language) for repeat()
        self._thread: threading.Thread | None = None
        self._player_failed = False

    def _find_programs(self) -> bool:
        if not self.settings.enabled:
            return False
        missing = [name for name in (self.settings.espeak_command, self._player_words()[0])
                   if shutil.which(name) is None]
        if missing:
            log.warning("speech unavailable: %s not found", ", ".join(missing))
        return not missing

    def _player_words(self) -> list[str]:
        return [word.replace("{device}", self.settings.device)
                for word in shlex.split(self.settings.player_command)]

    # --- lifetime -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None and self.available:
            self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self.stop_speaking()
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    # --- what the app calls (UI thread; none of these waits) -----------------------------------

    def say(self, text: str, language: str, *, personal: bool = False, interrupt: bool = True) -> bool:
        """Queue `text`; interrupt=True first silences what is being said. Personal text is
        dropped unless a private headset is fitted. True when queued."""
        text = " ".join(text.split())
        if not text or (personal and not self.settings.private_headset):
            return False
        if interrupt:
            self.stop_speaking()
        self.log.append((language, text))
        del self.log[:-LOG_LENGTH]
        self._last = (text, language)
        if self._thread is not None:
            with self._lock:
                generation = self._generation
            self._queue.put(Utterance(text, language, generation))
        return True

    def repeat(self) -> bool:
        """Say the last utterance again, from its start."""
        if self._last is None:
            return False
        text, language = self._last
        return self.say(text, language)

    def stop_speaking(self) -> None:
        """Silence now: what is queued is dropped and the playing processes are killed."""
        with self._lock:
            self._generation += 1
            playing = list(self._playing)
        for process in reversed(playing):     # the player first: it makes the sound
            _kill(process)
        self._drain()
        with self._state:
            self._state.notify_all()

    def clear(self, *_args) -> None:
        """The visitor is gone: silence, nothing to repeat, volume and rate back to defaults."""
        self.stop_speaking()
        self._last = None
        self.volume = self._default_volume
        self.rate_wpm = self.settings.rate_wpm

    @property
    def says_personal(self) -> bool:
        """True when a private headset is fitted: personal text is said too."""
        return self.settings.private_headset

    @property
    def default_volume(self) -> float:
        return self._default_volume

    @default_volume.setter
    def default_volume(self, value: float) -> None:
        """The site's volume (agent mode): for this visitor and every next one."""
        self._default_volume = self.volume = min(1.0, max(0.0, float(value)))

    # --- state, for tests and benchmarks ------------------------------------------------------

    @property
    def speaking(self) -> bool:
        """True while a player process is running."""
        return self._speaking

    def wait_until_speaking(self, timeout: float) -> bool:
        with self._state:
            return self._state.wait_for(lambda: self._speaking, timeout)

    def wait_until_quiet(self, timeout: float) -> bool:
        """True once nothing plays and nothing is queued."""
        with self._state:
            return self._state.wait_for(
                lambda: not self._speaking and self._queue.unfinished_tasks == 0, timeout)

    def voice(self, language: str) -> str:
        return getattr(self.settings, f"voice_{language.split('-')[0]}", self.settings.voice_fr)

    def synth_command(self, language: str, *, wav_path: str | None = None) -> list[str]:
        """espeak-ng reading text on stdin, writing a WAV to stdout (or to wav_path)."""
        output = ["-w", wav_path] if wav_path else ["--stdout"]
        return [self.settings.espeak_command, "-v", self.voice(language),
                "-s", str(int(self.rate_wpm)), "-a", str(round(self.volume * 100)),
                "-b", "1", *output, "--stdin"]

    # --- the worker thread --------------------------------------------------------------------

    def _drain(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            self._queue.task_done()
            if item is _STOP:          # keep the stop request for the worker
                self._queue.put(_STOP)
                return

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                if item.generation == self._generation:
                    self._speak(item)
            except Exception:  # noqa: BLE001 - one failed sentence must not end read-aloud
                log.exception("speech failed")
            finally:
                with self._state:
                    self._queue.task_done()
                    self._state.notify_all()

    def _speak(self, utterance: Utterance) -> None:
        synth = subprocess.Popen(self.synth_command(utterance.language), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            player = subprocess.Popen(self._player_words(), stdin=synth.stdout,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError:
            _kill(synth)
            synth.wait()
            raise
        finally:
            synth.stdout.close()       # the player holds it now
        with self._state:
            self._playing = [synth, player]
            self._speaking = True
            current = utterance.generation == self._generation
            self._state.notify_all()
        if not current:                # stop_speaking() came while the processes started
            _kill(player)
            _kill(synth)
        try:
            synth.stdin.write(utterance.text.encode("utf-8") + b"\n")
            synth.stdin.close()
        except OSError:
            pass                       # killed while we wrote
        errors = player.stderr.read()
        player.wait()
        player.stderr.close()
        if synth.poll() is None:
            _kill(synth)
        synth.wait()
        with self._state:
            self._playing = []
            self._speaking = False
            interrupted = utterance.generation != self._generation
            self._state.notify_all()
        outcome = "interrupted" if interrupted else "done" if player.returncode == 0 else "failed"
        if outcome == "failed":
            # Once at warning level: a kiosk without its loudspeaker would repeat it every sentence.
            level = logging.DEBUG if self._player_failed else logging.WARNING
            self._player_failed = True
            log.log(level, "speech player %s failed (%s): %s", self._player_words(), player.returncode,
                    errors.decode("utf-8", "replace").strip()[:300])
        self.outcomes.append((utterance.text, outcome))
        del self.outcomes[:-LOG_LENGTH]


def _kill(process: subprocess.Popen) -> None:
    try:
        process.kill()
    except OSError:
        pass                           # already gone
