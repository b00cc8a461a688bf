"""A generated cover image for e-book editions: title, subtitle, editors, publisher."""
import io
from pathlib import Path

FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto",
             "/usr/share/fonts/opentype/noto-cjk")
BOLD = "NotoSansCJK-Bold.ttc"
REGULAR = "NotoSansCJK-Regular.ttc"
#: The .ttc index of the Simplified Chinese face (JP, KR, SC, TC, HK order in Noto CJK).
SC_INDEX = 2
SIZE = (1600, 2400)
INK = (255, 255, 255)
BACKGROUND = (150, 24, 30)


def font_file(name):
    """Return the path of the Noto CJK font file ``name``, or None when it is not installed."""
    for folder in FONT_DIRS:
        path = Path(folder, name)
        if path.exists():
            return path
    return None


def _font(name, size):
    from PIL import ImageFont
    path = font_file(name)
    return ImageFont.truetype(str(path), size, index=SC_INDEX) if path else None


def _lines(draw, text, font, width):
    # CJK text breaks between any two characters; fill each line to the width.
    lines, line = [], ""
    for char in text:
        if line and draw.textlength(line + char, font=font) > width:
            lines.append(line)
            line = ""
        line += char
    return lines + ([line] if line else [])


def _centered(draw, y, text, font, width, fill=INK):
    for line in _lines(draw, text, font, width):
        left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
        draw.text(((SIZE[0] - (right - left)) / 2 - left, y), line, font=font, fill=fill)
        y += int((bottom - top) * 1.5)
    return y


def cover_png(meta, proof=False):
    """Return PNG bytes of a cover showing the book's title, or None without the CJK fonts.

    The cover carries the title, subtitle, editors and publisher from
    ``meta`` (book.yaml); ``proof`` adds a 校样 band.
    """
    from PIL import Image, ImageDraw
    bold, regular = _font(BOLD, 128), _font(REGULAR, 64)
    if bold is None or regular is None:
        return None
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    width = SIZE[0] - 240
    draw.rectangle([80, 80, SIZE[0] - 80, SIZE[1] - 80], outline=INK, width=6)
    y = _centered(draw, 560, str(meta.get("title") or ""), bold, width)
    if meta.get("subtitle"):
        y = _centered(draw, y + 80, str(meta["subtitle"]), regular, width)
    editors = meta.get("editors") or []
    if editors:
        names = editors if isinstance(editors, str) else "　".join(map(str, editors))
        _centered(draw, SIZE[1] - 720, f"{names}　主编", regular, width)
    if meta.get("publisher"):
        _centered(draw, SIZE[1] - 360, str(meta["publisher"]), regular, width)
    if proof:
        draw.rectangle([0, 300, SIZE[0], 440], fill=(250, 220, 60))
        _centered(draw, 320, "校样　未经审定", _font(BOLD, 80), width, fill=BACKGROUND)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
