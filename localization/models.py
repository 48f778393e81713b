from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UploadedCatalog(models.Model):
    """The catalog organizers uploaded for a language, where every web node and worker sees it.

    Each process compares `version` with the one it applied (at most every CATALOG_SYNC_SECONDS, at its
    next request) and, when newer, compiles `po_text` into its local TRANSLATION_UPLOAD_ROOT and reloads
    its translations: an upload reaches every node without a restart. Version 0 is "none uploaded yet"
    (the row exists to be locked by the first upload)."""

    language = models.CharField(_("language"), max_length=16, primary_key=True)
    po_text = models.TextField(_("catalog (.po)"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("uploaded catalog")

    def __str__(self) -> str:
        return f"{self.language} v{self.version}"
