"""What several areas of Task 2 share: the task's number and credit source, an annotator's answers to one
served item (a rating, a gold answer, a screening answer) and what recording them gave."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from campaign.errors import DomainError
from review.models import Flag

TASK_NUMBER = 2
RATING_SOURCE = "review.rating"


@dataclass(frozen=True)
class Answers:
    """What an annotator answers for one served item; `skipped` answers nothing."""

    skipped: bool = False
    relevance: int | None = None
    caption_fit: bool | None = None
    quality_ok: bool | None = None
    flag: str = ""
    flag_note: str = ""

    def validate(self) -> "Answers":
        if self.skipped:
            return Answers(skipped=True)
        if self.relevance not in (1, 2, 3, 4, 5):
            raise DomainError(_("Choose how culturally relevant the image is (1 to 5)."), field="relevance")
        if self.caption_fit is None:
            raise DomainError(_("Say whether the description fits the image."), field="caption_fit")
        if self.quality_ok is None:
            raise DomainError(_("Say whether the image quality is acceptable."), field="quality_ok")
        if self.flag not in Flag.values:
            raise DomainError(_("Choose a problem from the list."), field="flag")
        note = (self.flag_note or "").strip()
        if self.flag and not note:
            raise DomainError(_("Say in a few words what the problem is."), field="flag_note")
        if len(note) > 500:
            raise DomainError(_("Keep the note under 500 characters."), field="flag_note")
        return Answers(
            False, int(self.relevance), bool(self.caption_fit), bool(self.quality_ok), self.flag, note
        )


@dataclass(frozen=True)
class AnswerResult:
    counted: bool
    decided: bool = False
    message: str = ""
