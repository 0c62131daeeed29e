"""Start the lobby kiosk: python main.py --config PATH [--windowed]."""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Lobby kiosk for social-housing tenants.")
    parser.add_argument("--config", required=True, help="the kiosk's TOML file (see config/kiosk.toml)")
    parser.add_argument("--windowed", action="store_true",
                        help="development only: a normal window with a cursor, not full screen")
    return parser.parse_args(argv)


def configure_kivy(windowed: bool) -> None:
    """Kivy's settings from config/kivy.ini; must run before any other Kivy import."""
    os.environ["KIVY_NO_ARGS"] = "1"        # our flags are not Kivy's
    os.environ["KIVY_NO_CONFIG"] = "1"      # never read or write ~/.kivy/config.ini
    os.environ["KIVY_NO_FILELOG"] = "1"     # logs go to the journal via stderr
    from kivy.config import Config

    Config.remove_section("input")          # drop Kivy's default providers (see kivy.ini)
    Config.read(str(ROOT / "config" / "kivy.ini"))
    use_legible_font(Config)
    if windowed:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
        Config.set("graphics", "show_cursor", "1")
        Config.set("graphics", "width", "1280")
        Config.set("graphics", "height", "800")


def use_legible_font(Config) -> None:
    """Atkinson Hyperlegible (assets/fonts) as Kivy's default font: every label uses it."""
    from kiosk.geometry import FONT_BOLD, FONT_NAME, FONT_REGULAR

    regular, bold = str(FONT_REGULAR), str(FONT_BOLD)
    Config.set("kivy", "default_font", repr([FONT_NAME, regular, regular, bold, bold]))
    if "kivy.core.text" in sys.modules:     # Kivy's text was imported first: register it now
        from kivy.core.text import DEFAULT_FONT, LabelBase

        LabelBase.register(DEFAULT_FONT, regular, regular, bold, bold)


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from kiosk.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as err:
        print(f"lobby-kiosk: {err}", file=sys.stderr)
        return 2
    configure_kivy(args.windowed)
    from kiosk.app import run

    return run(config, windowed=args.windowed)


if __name__ == "__main__":
    sys.exit(main())
