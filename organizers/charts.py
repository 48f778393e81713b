"""Charts as server-rendered inline SVG: no script, no inline style (the CSP forbids both), no library.

A chart is a small dataclass built by the view from a selector's aggregates; `{% chart obj %}` (see
templatetags/organizer_charts.py) renders it. Colours and sizes are SVG presentation attributes.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0b6e4f", "#d08c00", "#3f6fb5", "#a4161a", "#7a4fb5", "#5a6570"]
HIGHLIGHT_FILL = "#fff1d6"
WIDTH = 480


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@dataclass
class Series:
    label: str
    values: list[float]
    color: str = ""


@dataclass
class _Chart:
    title: str
    labels: list[str]
    series: list[Series]
    slug: str

    def __post_init__(self):
        for index, series in enumerate(self.series):
            series.color = series.color or PALETTE[index % len(PALETTE)]

    def _legend(self, top: int) -> tuple[list[str], int]:
        parts, x, y = [], 8, top
        for series in self.series:
            item_width = 24 + 7 * len(series.label)
            if x + item_width > WIDTH and x > 8:
                x, y = 8, y + 18
            parts.append(
                f'<rect x="{x}" y="{y}" width="12" height="12" fill="{series.color}"></rect>'
                f'<text x="{x + 16}" y="{y + 10}" font-size="11">{escape(series.label)}</text>'
            )
            x += item_width
        return parts, y + 18

    def _wrap(self, height: int, body: list[str]) -> SafeString:
        title_id = f"chart-{escape(self.slug)}-title"
        return mark_safe(  # noqa: S308 - every text is escaped above; numbers are formatted here
            f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{title_id}" '
            f'data-chart="{escape(self.slug)}" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{title_id}">{escape(self.title)}</title>' + "".join(body) + "</svg>"
        )


@dataclass
class StackedBarChart(_Chart):
    """Horizontal stacked bars, one row per label; `highlights` are row indexes drawn marked."""

    highlights: set[int] = field(default_factory=set)

    def render(self) -> SafeString:
        label_width, row_height, top = 116, 22, 6
        area = WIDTH - label_width - 56
        totals = [sum(s.values[i] for s in self.series) for i in range(len(self.labels))]
        biggest = max(totals, default=0) or 1
        body = []
        for row, label in enumerate(self.labels):
            y = top + row * row_height
            if row in self.highlights:
                body.append(
                    f'<rect class="chart-highlight" x="0" y="{y - 2}" width="{WIDTH}" height="{row_height}" '
                    f'fill="{HIGHLIGHT_FILL}"></rect>'
                )
            weight = ' font-weight="700"' if row in self.highlights else ""
            marker = " ★" if row in self.highlights else ""
            body.append(
                f'<text x="{label_width - 6}" y="{y + 13}" font-size="11" text-anchor="end"{weight}>'
                f"{escape(label)}{marker}</text>"
            )
            x = label_width
            for series in self.series:
                value = series.values[row]
                if value <= 0:
                    continue
                width = max(1.0, value / biggest * area)
                body.append(
                    f'<rect class="chart-bar" x="{x:.1f}" y="{y}" width="{width:.1f}" height="{row_height - 6}" '
                    f'fill="{series.color}"><title>{escape(label)}, {escape(series.label)}: {_number(value)}'
                    "</title></rect>"
                )
                x += width
            body.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="11">{_number(totals[row])}</text>')
        legend, height = self._legend(top + len(self.labels) * row_height + 8)
        return self._wrap(height + 4, body + legend)


@dataclass
class LineChart(_Chart):
    """One line per series over evenly spaced labels (weeks)."""

    def render(self) -> SafeString:
        left, right, top, bottom = 40, WIDTH - 12, 10, 170
        biggest = max((v for s in self.series for v in s.values), default=0) or 1
        count = len(self.labels)

        def x_of(index: int) -> float:
            return (left + right) / 2 if count <= 1 else left + index * (right - left) / (count - 1)

        def y_of(value: float) -> float:
            return bottom - value / biggest * (bottom - top)

        body = []
        for fraction in (0, 0.5, 1):
            y = y_of(biggest * fraction)
            body.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#d6dbe0" stroke-width="1"></line>'
                f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
                f"{_number(biggest * fraction)}</text>"
            )
        if count:
            shown = sorted({0, count // 2, count - 1})
            for index in shown:
                anchor = (
                    "start"
                    if index == 0 and count > 1
                    else ("end" if index == count - 1 and count > 1 else "middle")
                )
                body.append(
                    f'<text x="{x_of(index):.1f}" y="{bottom + 14}" font-size="10" text-anchor="{anchor}">'
                    f"{escape(self.labels[index])}</text>"
                )
        for series in self.series:
            points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(series.values))
            if count > 1:
                body.append(
                    f'<polyline class="chart-line" points="{points}" fill="none" stroke="{series.color}" '
                    'stroke-width="2"></polyline>'
                )
            for i, value in enumerate(series.values):
                body.append(
                    f'<circle class="chart-point" cx="{x_of(i):.1f}" cy="{y_of(value):.1f}" r="3" '
                    f'fill="{series.color}"><title>{escape(self.labels[i])}, {escape(series.label)}: '
                    f"{_number(value)}</title></circle>"
                )
        if not count:
            body.append(
                f'<text x="{WIDTH / 2}" y="{(top + bottom) / 2}" font-size="12" text-anchor="middle">—</text>'
            )
        legend, height = self._legend(bottom + 24)
        return self._wrap(height + 4, body + legend)


def week_label(week: date) -> str:
    return week.strftime("%d %b %Y")


STATUS_SERIES = [
    ("accepted", "#1b7f3b"),
    ("in_review", "#d08c00"),
    ("pending", "#8ea3b5"),
    ("rejected", "#a4161a"),
]


def dashboard_charts(dashboard) -> dict:
    """The dashboard's charts, from `organizers.selectors.dashboard.dashboard_get()`."""
    from django.utils.translation import gettext as _

    status_labels = {
        "accepted": _("Accepted"),
        "in_review": _("In review"),
        "pending": _("Pending"),
        "rejected": _("Rejected"),
    }
    task_labels = {task: _("Task %(number)s") % {"number": task} for task in dashboard.tasks}
    by_task = []
    for task in dashboard.tasks:
        cells = [c for c in dashboard.by_country if c.task == task]
        by_task.append(
            {
                "task": task,
                "cells": cells,
                "chart": StackedBarChart(
                    title=_("Task %(number)s: submissions per country and status") % {"number": task},
                    labels=[_(c.country_name) for c in cells],  # cached in English, shown translated
                    series=[
                        Series(status_labels[key], [getattr(c, key) for c in cells], color)
                        for key, color in STATUS_SERIES
                    ],
                    slug=f"task{task}-countries",
                    highlights={i for i, c in enumerate(cells) if c.underrepresented},
                ),
            }
        )
    weeks = [week_label(row.week) for row in dashboard.weekly_submissions]
    weekly = LineChart(
        title=_("Submissions per week"),
        labels=weeks,
        series=[
            Series(task_labels[t], [row.values[f"task{t}"] for row in dashboard.weekly_submissions])
            for t in dashboard.tasks
        ],
        slug="weekly",
    )
    review = LineChart(
        title=_("Images: submitted, rated, decided and waiting, per week"),
        labels=[week_label(row.week) for row in dashboard.review_weekly],
        series=[
            Series(_("Submitted"), [row.values["submitted"] for row in dashboard.review_weekly], "#3f6fb5"),
            Series(_("Ratings"), [row.values["ratings"] for row in dashboard.review_weekly], "#d08c00"),
            Series(_("Decided"), [row.values["decided"] for row in dashboard.review_weekly], "#1b7f3b"),
            Series(_("Backlog"), [row.values["backlog"] for row in dashboard.review_weekly], "#a4161a"),
        ],
        slug="review",
    )
    coverage = StackedBarChart(
        title=_("Task 3: prompts translated per language"),
        labels=[c.name for c in dashboard.coverage],
        series=[
            Series(
                _("Translated"), [min(c.prompts_done, c.prompts_total) for c in dashboard.coverage], "#0b6e4f"
            ),
            Series(
                _("To translate (or waiting for review)"),
                [max(c.prompts_total - c.prompts_done, 0) for c in dashboard.coverage],
                "#d6dbe0",
            ),
        ],
        slug="coverage",
    )
    translators = StackedBarChart(
        title=_("Task 3: translators per language"),
        labels=[c.name for c in dashboard.coverage],
        series=[
            Series(_("Translators"), [c.translators for c in dashboard.coverage], "#3f6fb5"),
            Series(
                _("Still needed"),
                [max(c.translators_needed - c.translators, 0) for c in dashboard.coverage],
                "#d6dbe0",
            ),
        ],
        slug="translators",
    )
    active = LineChart(
        title=_("Active contributors per week"),
        labels=[week_label(row.week) for row in dashboard.active_weekly],
        # Translators: contributors (a glossary term) are the campaign's volunteers, not staff or co-workers.
        series=[Series(_("Contributors"), [row.values["contributors"] for row in dashboard.active_weekly])],
        slug="active",
    )
    return {
        "by_task": by_task,
        "weekly": weekly,
        "review": review,
        "coverage": coverage,
        "translators": translators,
        "active": active,
        "task_labels": task_labels,
    }
