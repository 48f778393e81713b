"""The certificate of participation as a one-page PDF (reportlab), with its public verification link.

Names and texts come in the campaign's scripts (Thai, Khmer, Lao, Burmese, Tamil, Chinese, Vietnamese),
which reportlab's built-in Helvetica cannot draw. Each line is drawn in the first font of
`CERTIFICATE_FONT_FILES` that has a glyph for every one of its characters (the Dockerfile installs
DejaVu, Noto and WenQuanYi); Helvetica only when no listed font is on the machine.

reportlab places glyphs one after another, which is right for Latin, Chinese and Thai but not for
scripts whose marks reorder or stack (Burmese, Khmer, Tamil, Lao): a line in those is shaped by Pillow's
Raqm layout (HarfBuzz) and drawn as a high-resolution image.
"""

from functools import cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, features
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas

from localization.templatetags.portal_i18n import points as points_text
from points.models import Certificate

FALLBACK_FONT = "Helvetica"
# Unicode blocks whose text needs shaping (marks that reorder or stack): Tamil, Lao, Myanmar, Khmer.
SHAPED_BLOCKS = ((0x0B80, 0x0BFF), (0x0E80, 0x0EFF), (0x1000, 0x109F), (0xAA60, 0xAA7F), (0x1780, 0x17FF))
SHAPED_SCALE = 6  # image pixels per PDF point: sharp in print


@cache
def _fonts() -> dict[str, tuple[str, frozenset[int]]]:
    """Registered name -> (its file, the code points it draws), in the listed order, for the files here."""
    fonts = {}
    for index, path in enumerate(settings.CERTIFICATE_FONT_FILES):
        if not Path(path).is_file():
            continue
        name = f"certificate-{index}"
        try:
            font = TTFont(name, path, subfontIndex=0)
        except (TTFError, OSError):
            continue
        pdfmetrics.registerFont(font)
        fonts[name] = (path, frozenset(font.face.charToGlyph))
    return fonts


def needs_shaping(text: str) -> bool:
    return any(low <= ord(character) <= high for character in text for low, high in SHAPED_BLOCKS)


def font_for(text: str) -> str:
    """The first listed font that draws every character of `text` (spaces aside)."""
    needed = {ord(character) for character in text if not character.isspace()}
    for name, (_path, covered) in _fonts().items():
        if needed <= covered:
            return name
    return FALLBACK_FONT


def _runs(text: str) -> list[tuple[str, str]]:
    """The line cut where the font must change: a Burmese sentence around a Latin number takes two."""
    runs: list[tuple[str, str]] = []
    for character in text:
        if runs and (character.isspace() or font_for(character) == runs[-1][0]):
            runs[-1] = (runs[-1][0], runs[-1][1] + character)
        else:
            runs.append((font_for(character), character))
    return runs


def _shaped_image(text: str, *, font_file: str, size: int) -> tuple[Image.Image, float]:
    """The run shaped by Raqm (HarfBuzz) into an image; and how far below the baseline it reaches (pt)."""
    font = ImageFont.truetype(font_file, size * SHAPED_SCALE, layout_engine=ImageFont.Layout.RAQM)
    left, top, right, bottom = font.getbbox(text, anchor="ls")  # relative to the baseline
    image = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (255, 255, 255, 0))
    ImageDraw.Draw(image).text((-left, -top), text, font=font, fill=(0, 0, 0, 255), anchor="ls")
    return image, bottom / SHAPED_SCALE


def _line(pdf: canvas.Canvas, text: str, *, y: float, size: int, width: float) -> None:
    """One centred line, run by run: text where reportlab draws it right, a shaped image where not."""
    shaping = features.check("raqm")
    pieces = []
    for font, run in _runs(text):
        if shaping and font in _fonts() and needs_shaping(run):
            image, descent = _shaped_image(run, font_file=_fonts()[font][0], size=size)
            pieces.append(("image", image, descent, image.width / SHAPED_SCALE))
        else:
            pieces.append(("text", run, font, pdfmetrics.stringWidth(run, font, size)))
    x = (width - sum(piece[3] for piece in pieces)) / 2
    for kind, content, detail, piece_width in pieces:
        if kind == "image":
            height = content.height / SHAPED_SCALE
            pdf.drawImage(ImageReader(content), x, y - detail, width=piece_width, height=height, mask="auto")
        else:
            pdf.setFont(detail, size)
            pdf.drawString(x, y, content)
        x += piece_width


def certificate_task_names(certificate: Certificate) -> list[str]:
    """`Task 1: Submit a culturally-relevant image with description`, one per task, in the reader's
    language."""
    from campaign.models import Task

    names = dict(Task.objects.filter(number__in=certificate.task_numbers).values_list("number", "name"))
    return [
        _("Task %(number)s: %(name)s") % {"number": number, "name": _(names.get(number, ""))}
        if names.get(number)
        else _("Task %(number)s") % {"number": number}
        for number in certificate.task_numbers
    ]


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    buffer = BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(_("SEA-VL certificate of participation"))
    pdf.setStrokeColorRGB(0.04, 0.43, 0.31)
    pdf.setLineWidth(4)
    pdf.rect(1.2 * cm, 1.2 * cm, width - 2.4 * cm, height - 2.4 * cm)
    task_names = certificate_task_names(certificate)
    issued = timezone.localtime(certificate.issued_at).date().isoformat()
    lines = [
        (_("Certificate of participation"), 4.5, 30),
        (_("This certifies that"), 6.5, 16),
        (certificate.name, 8.2, 26),
        (
            _("contributed to SEA-VL Phase 2 with %(points)s points")
            % {"points": points_text(certificate.points)},
            10,
            15,
        ),
        (_("in these tasks:"), 11, 15),
        # One task a line, by its name: "in tasks 1" said little.
        *[(name, 11.8 + 0.7 * n, 12) for n, name in enumerate(task_names)],
        (_("Issued on %(date)s") % {"date": issued}, 12.6 + 0.7 * len(task_names), 15),
    ]
    for text, from_top, size in lines:
        _line(pdf, text, y=height - from_top * cm, size=size, width=width)
    _line(pdf, _("Verify this certificate: %(url)s") % {"url": verify_url}, y=2.4 * cm, size=10, width=width)
    # The verification line is a link a PDF reader opens with a click.
    pdf.linkURL(verify_url, (1.2 * cm, 2.4 * cm - 4, width - 1.2 * cm, 2.4 * cm + 12), relative=0)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
