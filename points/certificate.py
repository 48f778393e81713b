"""The certificate of participation as a one-page PDF (reportlab), with its public verification link."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.pdfgen import canvas

from points.models import Certificate


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    buffer = BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(_("SEA-VL certificate of participation"))
    pdf.setStrokeColorRGB(0.04, 0.43, 0.31)
    pdf.setLineWidth(4)
    pdf.rect(1.2 * cm, 1.2 * cm, width - 2.4 * cm, height - 2.4 * cm)
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawCentredString(width / 2, height - 4.5 * cm, _("Certificate of participation"))
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(width / 2, height - 6.5 * cm, _("This certifies that"))
    pdf.setFont("Helvetica-Bold", 26)
    pdf.drawCentredString(width / 2, height - 8.2 * cm, certificate.name)
    pdf.setFont("Helvetica", 15)
    pdf.drawCentredString(
        width / 2,
        height - 10 * cm,
        _("contributed to SEA-VL Phase 2 with %(points)s points") % {"points": certificate.points},
    )
    tasks = ", ".join(str(number) for number in certificate.task_numbers) or "-"
    pdf.drawCentredString(width / 2, height - 11 * cm, _("in tasks %(tasks)s") % {"tasks": tasks})
    issued = timezone.localtime(certificate.issued_at).strftime("%d %B %Y")
    pdf.drawCentredString(width / 2, height - 12.5 * cm, _("Issued on %(date)s") % {"date": issued})
    pdf.setFont("Helvetica", 10)
    pdf.drawCentredString(width / 2, 2.4 * cm, _("Verify this certificate: %(url)s") % {"url": verify_url})
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
