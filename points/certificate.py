"""The certificate of participation as a one-page PDF (reportlab), with its public verification link.

Names and texts come in the campaign's scripts (Thai, Khmer, Lao, Burmese, Tamil, Chinese, Vietnamese),
which reportlab's built-in Helvetica cannot draw. Each line is drawn in the first font of
`CERTIFICATE_FONT_FILES` that has a glyph for every one of its characters (the Dockerfile installs
DejaVu, Noto and WenQuanYi); Helvetica only when no listed font is on the machine.
"""

from functools import cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas

from localization.templatetags.portal_i18n import points as points_text
from points.models import Certificate

FALLBACK_FONT = "Helvetica"


@cache
def _fonts() -> list[tuple[str, frozenset[int]]]:
    """(registered name, the code points it draws) for each listed font file present here."""
    fonts = []
    for index, path in enumerate(settings.CERTIFICATE_FONT_FILES):
        if not Path(path).is_file():
            continue
        name = f"certificate-{index}"
        try:
            font = TTFont(name, path, subfontIndex=0)
        except (TTFError, OSError):
            continue
        pdfmetrics.registerFont(font)
        fonts.append((name, frozenset(font.face.charToGlyph)))
    return fonts


def font_for(text: str) -> str:
    """The first listed font that draws every character of `text` (spaces aside)."""
    needed = {ord(character) for character in text if not character.isspace()}
    for name, covered in _fonts():
        if needed <= covered:
            return name
    return FALLBACK_FONT


def _line(pdf: canvas.Canvas, text: str, *, y: float, size: int, width: float) -> None:
    pdf.setFont(font_for(text), size)
    pdf.drawCentredString(width / 2, y, text)


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    buffer = BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(_("SEA-VL certificate of participation"))
    pdf.setStrokeColorRGB(0.04, 0.43, 0.31)
    pdf.setLineWidth(4)
    pdf.rect(1.2 * cm, 1.2 * cm, width - 2.4 * cm, height - 2.4 * cm)
    tasks = ", ".join(str(number) for number in certificate.task_numbers) or "-"
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
        (_("in tasks %(tasks)s") % {"tasks": tasks}, 11, 15),
        (_("Issued on %(date)s") % {"date": issued}, 12.5, 15),
    ]
    for text, from_top, size in lines:
        _line(pdf, text, y=height - from_top * cm, size=size, width=width)
    _line(pdf, _("Verify this certificate: %(url)s") % {"url": verify_url}, y=2.4 * cm, size=10, width=width)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
