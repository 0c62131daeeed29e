"""Draw the kiosk's pictograms into assets/pictures/ (run once: python assets/make_pictures.py).

Flat pictures, thick shapes, few colours, each on its own light tile so it reads the same in the
default and the high-contrast theme. Drawn 4x larger then reduced, for smooth edges. No real
personal data anywhere (the rent notice is a mock-up).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

OUT = Path(__file__).resolve().parent / "pictures"
SIZE = 256
K = 4                      # supersampling factor
S = SIZE * K

BLUE = (0, 90, 156)
DARK_BLUE = (0, 51, 102)
ORANGE = (227, 116, 0)
GREEN = (46, 125, 50)
RED = (179, 38, 30)
INK = (28, 28, 28)
GREY = (150, 150, 150)
LIGHT_GREY = (215, 215, 215)
WHITE = (255, 255, 255)
TILE = (232, 241, 250)
YELLOW = (255, 200, 40)
SKIN = (241, 194, 150)


def font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    """Kivy's own Roboto: the same letters as on screen, and it is always there with Kivy."""
    kivy_dir = Path(importlib.util.find_spec("kivy").submodule_search_locations[0])
    name = "Roboto-Bold.ttf" if bold else "Roboto-Regular.ttf"
    return ImageFont.truetype(str(kivy_dir / "data" / "fonts" / name), size)


def u(value: float) -> int:
    """A coordinate on the 256 grid, in supersampled pixels."""
    return int(round(value * K))


def box(*values: float) -> list[int]:
    return [u(v) for v in values]


def pts(*values: float) -> list[tuple[int, int]]:
    """Points from a flat x, y, x, y... list on the 256 grid."""
    return [(u(x), u(y)) for x, y in zip(values[::2], values[1::2])]


def canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(box(4, 4, 252, 252), radius=u(36), fill=TILE)
    return image, draw


def save(image: Image.Image, name: str, size: tuple[int, int] = (SIZE, SIZE),
         palette: bool = True) -> Path:
    small = image.resize(size, Image.LANCZOS)
    if palette:
        # A palette keeps each file small; the flat pictures lose nothing visible.
        small = small.quantize(colors=96, method=Image.Quantize.FASTOCTREE,
                               dither=Image.Dither.NONE)
    else:
        # Median cut keeps the many greys of a blur (octree would band them).
        small = small.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                               dither=Image.Dither.NONE)
    path = OUT / f"{name}.png"
    small.save(path, optimize=True)
    return path


# --- shared shapes ------------------------------------------------------------------------------

def envelope(draw, x0, y0, x1, y1, open_flap=False):
    w = u(5)
    draw.rounded_rectangle(box(x0, y0, x1, y1), radius=u(8), fill=WHITE, outline=INK, width=w)
    mx = (x0 + x1) / 2
    if open_flap:
        draw.polygon([(u(x0), u(y0)), (u(mx), u(y0 - (y1 - y0) * 0.55)), (u(x1), u(y0))],
                     fill=WHITE, outline=INK, width=w)
        draw.line(pts(x0, y0, mx, y0 + (y1 - y0) * 0.5, x1, y0), fill=INK, width=w, joint="curve")
    else:
        draw.line(pts(x0 + 3, y0 + 3, mx, y0 + (y1 - y0) * 0.55, x1 - 3, y0 + 3),
                  fill=INK, width=w, joint="curve")


def badge(draw, cx, cy, r, colour):
    draw.ellipse(box(cx - r, cy - r, cx + r, cy + r), fill=colour, outline=WHITE, width=u(5))


def check(draw, cx, cy, r):
    draw.line(pts(cx - r * 0.5, cy, cx - r * 0.1, cy + r * 0.4, cx + r * 0.55, cy - r * 0.4),
              fill=WHITE, width=u(9), joint="curve")


def plus(draw, cx, cy, r):
    draw.line([(u(cx - r * 0.5), u(cy)), (u(cx + r * 0.5), u(cy))], fill=WHITE, width=u(9))
    draw.line([(u(cx), u(cy - r * 0.5)), (u(cx), u(cy + r * 0.5))], fill=WHITE, width=u(9))


def cross(draw, cx, cy, r, colour=WHITE, width=9):
    draw.line([(u(cx - r), u(cy - r)), (u(cx + r), u(cy + r))], fill=colour, width=u(width))
    draw.line([(u(cx - r), u(cy + r)), (u(cx + r), u(cy - r))], fill=colour, width=u(width))


def house(draw, x0, y0, x1, y1, colour=BLUE, door=ORANGE):
    """A house filling the box: roof triangle over a body with a door."""
    w = x1 - x0
    roof_y = y0 + (y1 - y0) * 0.42
    draw.polygon(pts(x0 - w * 0.08, roof_y, (x0 + x1) / 2, y0, x1 + w * 0.08, roof_y), fill=colour)
    draw.rectangle(box(x0, roof_y - 1, x1, y1), fill=colour)
    dw = w * 0.24
    mx = (x0 + x1) / 2
    draw.rectangle(box(mx - dw / 2, y1 - (y1 - roof_y) * 0.62, mx + dw / 2, y1), fill=door)


def person(draw, cx, top, scale=1.0, colour=BLUE):
    """Head and shoulders; top is the top of the head."""
    r = 26 * scale
    draw.ellipse(box(cx - r, top, cx + r, top + 2 * r), fill=colour)
    body_top = top + 2 * r + 8 * scale
    draw.rounded_rectangle(box(cx - 48 * scale, body_top, cx + 48 * scale, body_top + 70 * scale),
                           radius=u(34 * scale), fill=colour)
    return body_top + 70 * scale


def text_lines(draw, x0, y0, x1, count, gap=18, colour=GREY, width=7):
    for i in range(count):
        end = x1 if i % 3 != 2 else x0 + (x1 - x0) * 0.6
        draw.line(pts(x0, y0 + i * gap, end, y0 + i * gap), fill=colour, width=u(width))


def sheet(draw, x0, y0, x1, y1):
    draw.rounded_rectangle(box(x0, y0, x1, y1), radius=u(8), fill=WHITE, outline=INK, width=u(5))


def monitor(draw, x0, y0, x1, y1):
    draw.rounded_rectangle(box(x0, y0, x1, y1), radius=u(10), fill=INK)
    draw.rectangle(box(x0 + 10, y0 + 10, x1 - 10, y1 - 10), fill=WHITE)
    cx = (x0 + x1) / 2
    draw.polygon(pts(cx - 14, y1, cx + 14, y1, cx + 22, y1 + 22, cx - 22, y1 + 22), fill=INK)
    draw.rounded_rectangle(box(cx - 46, y1 + 20, cx + 46, y1 + 30), radius=u(4), fill=INK)


def pencil(draw, x, y, length=110, angle_down=True):
    """A pencil lying from (x, y) up to the right at 45 degrees, tip at (x, y)."""
    import math
    a = math.radians(-45)
    dx, dy = math.cos(a), math.sin(a)
    nx, ny = -dy, dx
    half = 11
    tip = (x, y)
    base = (x + dx * 26, y + dy * 26)
    end = (x + dx * length, y + dy * length)
    body = [(base[0] + nx * half, base[1] + ny * half), (end[0] + nx * half, end[1] + ny * half),
            (end[0] - nx * half, end[1] - ny * half), (base[0] - nx * half, base[1] - ny * half)]
    draw.polygon([(u(px), u(py)) for px, py in body], fill=ORANGE)
    draw.polygon(pts(*tip, *body[0], *body[3]), fill=SKIN)
    draw.polygon([(u(tip[0]), u(tip[1])), (u(x + dx * 10 + nx * 4.5), u(y + dy * 10 + ny * 4.5)),
                  (u(x + dx * 10 - nx * 4.5), u(y + dy * 10 - ny * 4.5))], fill=INK)
    far = (end[0] + dx * 14, end[1] + dy * 14)
    cap = [(end[0] + nx * half, end[1] + ny * half), (far[0] + nx * half, far[1] + ny * half),
           (far[0] - nx * half, far[1] - ny * half), (end[0] - nx * half, end[1] - ny * half)]
    draw.polygon([(u(px), u(py)) for px, py in cap], fill=RED)


# --- the pictures -------------------------------------------------------------------------------

def topic_email():
    image, draw = canvas()
    envelope(draw, 34, 70, 222, 196)
    badge(draw, 196, 70, 38, BLUE)
    draw.text((u(196), u(68)), "@", font=font(True, u(50)), fill=WHITE, anchor="mm")
    return image


def topic_internet():
    image, draw = canvas()
    cx, cy, r = 128, 124, 88
    draw.ellipse(box(cx - r, cy - r, cx + r, cy + r), fill=BLUE)
    w = u(6)
    for k in (0.45, 0.85):
        draw.ellipse(box(cx - r * k, cy - r, cx + r * k, cy + r), outline=WHITE, width=w)
    draw.line(box(cx, cy - r, cx, cy + r), fill=WHITE, width=w)
    draw.line(box(cx - r, cy, cx + r, cy), fill=WHITE, width=w)
    for dy in (-48, 48):
        half = (r * r - dy * dy) ** 0.5
        draw.line(box(cx - half, cy + dy, cx + half, cy + dy), fill=WHITE, width=w)
    # a pointer arrow: "you click here"
    arrow = [(170, 150), (170, 230), (188, 212), (202, 240), (216, 233), (202, 205), (228, 205)]
    draw.polygon([(u(x), u(y)) for x, y in arrow], fill=WHITE, outline=INK, width=u(5))
    return image


def topic_office():
    image, draw = canvas()
    sheet(draw, 52, 30, 182, 222)
    draw.line(box(74, 62, 150, 62), fill=BLUE, width=u(10))
    text_lines(draw, 74, 94, 160, 6, gap=20)
    pencil(draw, 150, 214, length=120)
    return image


def topic_portal():
    image, draw = canvas()
    monitor(draw, 28, 36, 228, 178)
    house(draw, 92, 60, 164, 152)
    # a padlock: the portal is personal and protected
    badge(draw, 206, 62, 34, GREEN)
    draw.rounded_rectangle(box(192, 60, 220, 82), radius=u(4), fill=WHITE)
    draw.arc(box(196, 42, 216, 70), 180, 360, fill=WHITE, width=u(5))
    return image


def topic_housing_request():
    image, draw = canvas()
    sheet(draw, 40, 26, 170, 226)
    house(draw, 66, 48, 144, 124, colour=BLUE, door=ORANGE)
    text_lines(draw, 62, 152, 150, 3, gap=22)
    pencil(draw, 146, 222, length=110)
    return image


def topic_exchange():
    image, draw = canvas()
    house(draw, 30, 44, 104, 124, colour=BLUE, door=ORANGE)
    house(draw, 152, 132, 226, 212, colour=GREEN, door=YELLOW)
    w = u(10)
    draw.arc(box(90, 40, 230, 180), 250, 350, fill=INK, width=w)
    draw.polygon([(u(224), u(122)), (u(238), u(92)), (u(208), u(98))], fill=INK)
    draw.arc(box(26, 78, 166, 218), 70, 170, fill=INK, width=w)
    draw.polygon([(u(32), u(136)), (u(18), u(166)), (u(48), u(160))], fill=INK)
    return image


def account_new():
    image, draw = canvas()
    person(draw, 112, 40, 1.25)
    badge(draw, 196, 178, 40, GREEN)
    plus(draw, 196, 178, 40)
    return image


def account_existing():
    image, draw = canvas()
    person(draw, 112, 40, 1.25)
    badge(draw, 196, 178, 40, ORANGE)
    # a key: "I already have my access"
    draw.ellipse(box(170, 164, 196, 190), outline=WHITE, width=u(7))
    draw.line(box(194, 177, 222, 177), fill=WHITE, width=u(7))
    draw.line(box(214, 177, 214, 190), fill=WHITE, width=u(6))
    return image


def workshop():
    image, draw = canvas()
    # a board with a chart, and three learners in front of it
    draw.rounded_rectangle(box(40, 26, 216, 126), radius=u(8), fill=WHITE, outline=INK, width=u(5))
    draw.line(pts(62, 104, 104, 70, 140, 92, 190, 48), fill=BLUE, width=u(8), joint="curve")
    for cx, colour in ((64, ORANGE), (128, BLUE), (192, GREEN)):
        draw.ellipse(box(cx - 20, 142, cx + 20, 182), fill=colour)
        draw.rounded_rectangle(box(cx - 32, 188, cx + 32, 246), radius=u(24), fill=colour)
    return image


def cancel():
    image, draw = canvas()
    draw.rounded_rectangle(box(34, 48, 206, 214), radius=u(12), fill=WHITE, outline=INK, width=u(5))
    draw.rounded_rectangle(box(34, 48, 206, 90), radius=u(12), fill=BLUE)
    draw.rectangle(box(34, 76, 206, 90), fill=BLUE)
    for x in (74, 166):
        draw.rounded_rectangle(box(x - 7, 32, x + 7, 62), radius=u(6), fill=INK)
    for row in range(3):
        for col in range(4):
            x, y = 56 + col * 36, 108 + row * 30
            draw.rectangle(box(x, y, x + 18, y + 14), fill=LIGHT_GREY)
    badge(draw, 196, 196, 42, RED)
    cross(draw, 196, 196, 17)
    return image


def email_check():
    image, draw = canvas()
    envelope(draw, 30, 96, 204, 214, open_flap=True)
    # the message sticking out of the opened envelope
    draw.rectangle(box(56, 60, 178, 150), fill=WHITE, outline=INK, width=u(4))
    text_lines(draw, 72, 82, 162, 3, gap=18, colour=BLUE)
    envelope(draw, 30, 130, 204, 214)
    badge(draw, 200, 70, 40, GREEN)
    check(draw, 200, 70, 40)
    return image


def agent():
    image, draw = canvas()
    person(draw, 104, 46, 1.2, colour=BLUE)
    # a name badge on the chest
    draw.rounded_rectangle(box(112, 158, 148, 178), radius=u(4), fill=YELLOW)
    # a speech bubble: "I am here to help"
    draw.rounded_rectangle(box(150, 24, 236, 90), radius=u(18), fill=ORANGE)
    draw.polygon([(u(164), u(84)), (u(152), u(112)), (u(186), u(88))], fill=ORANGE)
    for x in (172, 193, 214):
        draw.ellipse(box(x - 6, 51, x + 6, 63), fill=WHITE)
    return image


def rent_notice():
    """A mock 'avis d'échéance': the client reference boxed and pointed at, amounts blurred."""
    w, h, k = 900, 600, 2
    image = Image.new("RGB", (w * k, h * k), (246, 246, 246))
    draw = ImageDraw.Draw(image)

    def b(*values):
        return [int(v * k) for v in values]

    draw.rectangle(b(20, 14, 880, 586), fill=WHITE, outline=(180, 180, 180), width=k * 2)
    # landlord header
    draw.rectangle(b(20, 14, 880, 96), fill=BLUE)
    draw.rounded_rectangle(b(40, 28, 96, 84), radius=8 * k, fill=WHITE)
    roof = [(44, 58), (68, 34), (92, 58)]
    draw.polygon([(x * k, y * k) for x, y in roof], fill=BLUE)
    draw.rectangle(b(52, 56, 84, 78), fill=BLUE)
    draw.text((112 * k, 30 * k), "Votre bailleur", font=font(True, 30 * k), fill=WHITE)
    draw.text((112 * k, 66 * k), "Service clientèle", font=font(False, 20 * k), fill=WHITE)
    draw.text((860 * k, 40 * k), "AVIS D'ÉCHÉANCE", font=font(True, 32 * k), fill=WHITE,
              anchor="ra")

    # the tenant's address and the period: greyed bars, never a real name
    for i, length in enumerate((260, 300, 220)):
        draw.rounded_rectangle(b(560, 116 + i * 26, 560 + length, 130 + i * 26), radius=6 * k,
                               fill=LIGHT_GREY)
    draw.text((44 * k, 122 * k), "Période : mars", font=font(False, 24 * k), fill=INK)

    # the reference: boxed, strong colour, with an arrow
    ref_box = (40, 176, 460, 246)
    left, top, right, bottom = ref_box
    draw.rectangle(b(left - 8, top - 8, right + 8, bottom + 8), fill=(255, 236, 204))
    draw.rectangle(b(*ref_box), outline=ORANGE, width=7 * k)
    draw.text((60 * k, 211 * k), "Référence client : 00123456", font=font(True, 28 * k), fill=INK,
              anchor="lm")
    # the arrow from the right, pointing at the box
    arrow = [(476, 211), (530, 181), (530, 198), (620, 198), (620, 224), (530, 224), (530, 241)]
    draw.polygon([(x * k, y * k) for x, y in arrow], fill=ORANGE)

    # the amounts table, blurred: only where things are, not what they say
    table = Image.new("RGB", (820 * k, 290 * k), WHITE)
    tdraw = ImageDraw.Draw(table)
    for i in range(6):
        y = (18 + i * 42) * k
        tdraw.line([(0, y + 34 * k), (820 * k, y + 34 * k)], fill=(225, 225, 225), width=2 * k)
        label_end = (250 + (i * 37) % 120) * k
        tdraw.rounded_rectangle([14 * k, y, label_end, y + 20 * k], radius=6 * k, fill=GREY)
        tdraw.rounded_rectangle([660 * k, y, 800 * k, y + 20 * k], radius=6 * k, fill=GREY)
    table = table.filter(ImageFilter.GaussianBlur(7 * k))
    image.paste(table, (40 * k, 276 * k))
    draw.text((44 * k, 556 * k), "Montants (cachés dans cet exemple)", font=font(False, 18 * k),
              fill=GREY, anchor="lm")
    return image, (w, h)


PICTURES = {
    "topic-email": topic_email,
    "topic-internet": topic_internet,
    "topic-office": topic_office,
    "topic-portal": topic_portal,
    "topic-housing_request": topic_housing_request,
    "topic-exchange": topic_exchange,
    "account-new": account_new,
    "account-existing": account_existing,
    "workshop": workshop,
    "cancel": cancel,
    "email-check": email_check,
    "agent": agent,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw_picture in PICTURES.items():
        path = save(draw_picture(), name)
        print(f"{path.name}: {path.stat().st_size // 1024} KB")
    image, size = rent_notice()
    path = save(image.convert("RGB"), "rent-notice", size, palette=False)   # the blur's greys
    print(f"{path.name}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
