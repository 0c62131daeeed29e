"""Speech benchmark: how fast read-aloud falls silent, how fast it starts, what say() costs the UI.

Run: .venv/bin/python -m bench bench_speech   (or `make bench`). Needs espeak-ng, and pulseaudio
with alsa-plugins for a null sink that plays in real time (tests/soundsink.py): aplay into ALSA's
null device returns at once and could not be interrupted mid-sentence. The kiosk's player is the
same `aplay`, pointed at device "pulse" here instead of the sound card.

Also measures, once, what pyttsx3 (the library first planned) does on engine.stop(): the reason
kiosk/speech.py drives the espeak-ng command line instead.
"""

from __future__ import annotations

import os
import statistics
import threading
import time

from kiosk.config import SpeechSettings
from kiosk.speech import Speech
from tests.soundsink import DEVICE, NullSink

ROUNDS = 15
PLAYING_BEFORE_STOP = 0.6      # seconds of real playback before the interruption
SENTENCE = ("Bonjour ! Vous êtes à la borne d'accueil. Touchez une image pour commencer, "
            "ou appelez un agent. Un agent peut aussi vous aider à créer votre compte.")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def speech_rounds(speech: Speech) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"say": [], "start": [], "stop": [], "stop_call": []}
    pause = threading.Event()
    for _ in range(ROUNDS):
        started = time.perf_counter()
        speech.say(SENTENCE, "fr")
        results["say"].append(time.perf_counter() - started)
        if not speech.wait_until_speaking(10):
            raise RuntimeError("speech never started")
        results["start"].append(time.perf_counter() - started)
        pause.wait(PLAYING_BEFORE_STOP)             # let it really play
        if not speech.speaking:
            raise RuntimeError("the sentence ended before the interruption: not a real-time sink?")
        stopped = time.perf_counter()
        speech.stop_speaking()
        results["stop_call"].append(time.perf_counter() - stopped)
        if not speech.wait_until_quiet(5):
            raise RuntimeError("speech did not stop within 5 s")
        results["stop"].append(time.perf_counter() - stopped)
        if speech.outcomes[-1][1] != "interrupted":
            raise RuntimeError(f"unexpected outcome {speech.outcomes[-1]}")
    return results


def pyttsx3_stop_latency() -> float | None:
    """Seconds from engine.stop() to runAndWait() returning, 2 s into a sentence (None: no pyttsx3)."""
    try:
        import pyttsx3
    except ImportError:
        return None
    engine = pyttsx3.init("espeak")
    engine.setProperty("voice", "fr")
    engine.setProperty("rate", 150)
    engine.say(SENTENCE)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (engine.runAndWait(), done.set()), daemon=True)
    thread.start()
    done.wait(2.0)
    stopped = time.perf_counter()
    engine.stop()
    done.wait(30)
    return time.perf_counter() - stopped


def row(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"| {name} | {ms(statistics.median(values))} / {ms(p95)} / {ms(max(values))} |"


def main() -> None:
    print("## Speech (`kiosk/speech.py`): espeak-ng piped into aplay\n")
    if not NullSink.available():
        print("Not measured: pulseaudio and alsa-plugins are needed for a sink that plays in real time.")
        return
    with NullSink() as sink:
        os.environ.update(sink.env)
        speech = Speech(SpeechSettings(device=DEVICE))
        speech.start()
        try:
            results = speech_rounds(speech)
        finally:
            speech.stop()
        legacy = pyttsx3_stop_latency()
    print(f"{ROUNDS} rounds: a French sentence (about 9 s at 150 wpm) is said through `aplay -D pulse` "
          f"into a PulseAudio null sink (real-time clock), interrupted after {PLAYING_BEFORE_STOP} s "
          "of playback.\n")
    print("| measure | median / p95 / max |")
    print("| --- | --- |")
    print(row("say() on the caller's (UI) thread", results["say"]))
    print(row("stop_speaking() on the caller's (UI) thread", results["stop_call"]))
    print(row("stop_speaking() -> player process gone (sound cut), **target < 100 ms**", results["stop"]))
    print(row("say() -> player process running", results["start"]))
    if legacy is not None:
        print(f"\npyttsx3 2.99 (espeak driver), for comparison: engine.stop() 2 s into the same sentence "
              f"returned after **{legacy:.2f} s**: its driver plays the whole sentence with "
              "`os.system(\"aplay ...\")`, which stop() cannot reach.")


if __name__ == "__main__":
    main()
