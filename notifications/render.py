"""What a notice says, built in the active language from the facts the notice stored."""

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from contributions.reasons import reason_text
from notifications.models import Notice, NoticeKind


def _task_name(number: int) -> str:
    return _("Task %(number)s") % {"number": number}


def _item_link(item: dict) -> str:
    if item.get("task") == 1:
        return settings.SITE_URL.rstrip("/") + reverse("contributions:detail", args=[item["id"]])
    return settings.SITE_URL.rstrip("/") + reverse("texttasks:mine")


def notice_context(notice: Notice) -> dict:
    """Title, lines and links of a notice, for the page and the email (in the active language)."""
    data = notice.data or {}
    if notice.kind == NoticeKind.DAILY_DIGEST:
        accepted, rejected = int(data.get("accepted", 0)), int(data.get("rejected", 0))
        title = _("Decisions on your submissions, %(day)s") % {"day": data.get("day", notice.period)}
        summary = " ".join(
            part
            for part in (
                _("Accepted: %(count)s.") % {"count": accepted}
                if accepted
                else "",
                _("Not accepted: %(count)s.") % {"count": rejected}
                if rejected
                else "",
            )
            if part
        )
        items = []
        for item in data.get("items", []):
            status = _("Accepted") if item.get("status") == "accepted" else _("Not accepted")
            reasons = [reason_text(reason) for reason in item.get("reasons") or []]
            items.append(
                {
                    "task": _task_name(int(item.get("task", 0))),
                    "label": item.get("label", ""),
                    "status": status,
                    "reasons": [reason for reason in reasons if reason],
                    "url": _item_link(item),
                }
            )
        more = int(data.get("more", 0))
        return {
            "title": title,
            "summary": summary,
            "items": items,
            "more": _("Not listed here: %(count)s more.") % {"count": more} if more else "",
            "action_url": settings.SITE_URL.rstrip("/") + reverse("contributions:my-images"),
            "action": _("See my submissions"),
        }
    if notice.kind == NoticeKind.REWARD_THRESHOLD:
        threshold = data.get("threshold", notice.period)
        is_coauthor = Decimal(str(threshold)) >= Decimal("300")
        url_name = "points:coauthorship" if is_coauthor else "points:merchandise"
        # Translators: co-authorship (a glossary term): being named as one of the paper's several authors.
        reward = _("co-authorship of the SEA-VL paper") if is_coauthor else _("a SEA-VL T-shirt and keychain")
        return {
            "title": _("You reached %(threshold)s confirmed points") % {"threshold": threshold},
            "summary": _("You have %(points)s confirmed points. You can now claim %(reward)s.")
            % {"points": data.get("points", ""), "reward": reward},
            "items": [],
            "more": "",
            "action_url": settings.SITE_URL.rstrip("/") + reverse(url_name),
            "action": _("Claim your reward"),
        }
    # Weekly summary.
    lines = [
        _("Your confirmed points: %(points)s (rank %(rank)s).")
        % {"points": data.get("points", ""), "rank": data.get("rank", "")},
        _("This week: %(points)s points.") % {"points": data.get("week_points", "0")},
    ]
    if data.get("next_threshold"):
        lines.append(
            _("%(missing)s points to go until %(threshold)s.")
            % {"missing": data.get("to_next", ""), "threshold": data["next_threshold"]}
        )
    return {
        "title": _("Your week on SEA-VL (%(week)s)") % {"week": data.get("week", notice.period)},
        "summary": " ".join(lines),
        "items": [],
        "more": "",
        "action_url": settings.SITE_URL.rstrip("/") + reverse("points:mine"),
        "action": _("See my points"),
    }
