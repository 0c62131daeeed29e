"""The speech queue (kiosk/speech.py) with the real espeak-ng and a real player: what is queued,
what is never said, what a new visitor gets, and a sentence cut short while it plays."""

from __future__ import annotations

import array
import math
import shutil
import wave
from dataclasses import replace

import pytest

from kiosk.config import SpeechSettings
from kiosk.speech import Speech
from tests.soundsink import DEVICE, sink_in_environment

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
FRENCH = ("Bonjour ! Vous êtes à la borne d'accueil. Touchez une image pour commencer, "
          "ou appelez un agent.")
LONG = " ".join([FRENCH] * 4)


@pytest.fixture(scope="module")
def sink():
    """A PulseAudio null sink that plays in real time; its address in this process's environment
    (the players the speech thread starts inherit it)."""
    with sink_in_environment() as sink:
        yield sink


@pytest.fixture
def speech(sink):
    speech = Speech(SpeechSettings(device=DEVICE))
    speech.start()
    yield speech
    speech.stop()


def wav_levels(path) -> tuple[float, float, int]:
    """(seconds, RMS, peak) of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1
        samples = array.array("h", wav.readframes(wav.getnframes()))
        seconds = wav.getnframes() / wav.getframerate()
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0
    return seconds, rms, max((abs(s) for s in samples), default=0)


@needs_espeak
def test_french_sentence_synthesised_to_wav_is_not_silent(tmp_path):
    import subprocess

    speech = Speech(SpeechSettings())
    path = tmp_path / "fr.wav"
    subprocess.run(speech.synth_command("fr", wav_path=str(path)), input=FRENCH.encode(),
                   check=True, timeout=30)
    seconds, rms, peak = wav_levels(path)
    print(f"fr-fr at 150 wpm, volume 80: {seconds:.2f} s, RMS {rms:.0f}, peak {peak} (of 32767)")
    # 16 words at 150 wpm: about 6 s; speech at this amplitude is far above silence (RMS 0).
    assert 3.0 < seconds < 12.0
    assert rms > 500 and peak > 5000


@needs_espeak
def test_quieter_volume_gives_a_quieter_wav(tmp_path):
    import subprocess

    levels = {}
    for volume in (20, 100):
        speech = Speech(SpeechSettings(volume=volume))
        path = tmp_path / f"{volume}.wav"
        subprocess.run(speech.synth_command("fr", wav_path=str(path)), input=b"Bonjour.",
                       check=True, timeout=30)
        levels[volume] = wav_levels(path)[1]
    assert levels[20] < levels[100] * 0.5


def test_voice_rate_and_volume_follow_the_config_and_the_language():
    speech = Speech(SpeechSettings(rate_wpm=130, volume=60, voice_pt="pt-br"))
    command = speech.synth_command("pt")
    assert command[command.index("-v") + 1] == "pt-br"
    assert command[command.index("-s") + 1] == "130"
    assert command[command.index("-a") + 1] == "60"
    assert speech.voice("fr") == "fr-fr" and speech.voice("en") == "en-gb" and speech.voice("es") == "es"


def test_log_records_what_is_queued_in_order():
    speech = Speech(SpeechSettings())          # not started: nothing plays, the log still fills
    speech.say("Bonjour !", "fr")
    speech.say("Touchez une image.", "fr", interrupt=False)
    speech.say("Hello!", "en")
    assert speech.log == [("fr", "Bonjour !"), ("fr", "Touchez une image."), ("en", "Hello!")]


def test_personal_text_is_never_said_on_the_loudspeaker():
    speech = Speech(SpeechSettings())
    assert speech.say("Marie Dupont", "fr", personal=True) is False
    speech.say("Votre nom :", "fr")
    assert speech.log == [("fr", "Votre nom :")]
    speech.repeat()
    assert speech.log[-1] == ("fr", "Votre nom :")


def test_personal_text_is_said_through_a_private_headset():
    speech = Speech(SpeechSettings(private_headset=True))
    assert speech.say("Marie Dupont", "fr", personal=True) is True
    assert speech.log == [("fr", "Marie Dupont")]


def test_repeat_says_the_last_utterance_again():
    speech = Speech(SpeechSettings())
    speech.say("Bonjour !", "fr")
    speech.say("Vérifiez vos informations", "fr")
    speech.repeat()
    assert speech.log[-1] == ("fr", "Vérifiez vos informations")
    assert len(speech.log) == 3


def test_clear_resets_volume_and_rate_and_forgets_the_last_utterance():
    speech = Speech(SpeechSettings(volume=80, rate_wpm=150))
    speech.default_volume = 0.5                # agent mode's site setting
    speech.volume, speech.rate_wpm = 1.0, 220  # this visitor's
    speech.say("Votre numéro de demande", "fr")
    speech.clear()
    assert (speech.volume, speech.rate_wpm) == (0.5, 150)
    assert speech.repeat() is False            # nothing of the last visitor is said again


def test_missing_espeak_makes_speech_unavailable_but_harmless():
    speech = Speech(replace(SpeechSettings(), espeak_command="no-such-espeak-ng"))
    assert speech.available is False
    speech.start()
    speech.say("Bonjour !", "fr")
    speech.stop_speaking()
    speech.stop()
    assert Speech(SpeechSettings(enabled=False)).available is False


@needs_espeak
def test_stop_speaking_cuts_a_playing_sentence(speech):
    speech.say(LONG, "fr")
    assert speech.wait_until_speaking(10)
    speech.stop_speaking()
    assert speech.wait_until_quiet(2)
    assert speech.outcomes[-1] == (LONG, "interrupted")


@needs_espeak
def test_a_new_sentence_interrupts_the_one_playing(speech):
    speech.say(LONG, "fr")
    assert speech.wait_until_speaking(10)
    speech.say("Hello.", "en")
    assert speech.wait_until_quiet(15)
    assert [outcome for _text, outcome in speech.outcomes] == ["interrupted", "done"]


@needs_espeak
def test_say_returns_while_the_sentence_plays(speech):
    speech.say(FRENCH, "fr")
    assert speech.wait_until_speaking(10)
    assert speech.speaking                     # say() came back long before the sound ends
    speech.stop_speaking()
    assert speech.wait_until_quiet(2)
