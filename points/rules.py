"""The points an event earns: its points group (countries, language) and the rule in force when it happened.

One `RuleBook` is loaded per credit or per recomputation (a handful of queries) and then answers
millions of events from memory. Organizers change the rules through `point_rule_save` (a new effective
date, or corrected points; every change recorded) and `points_settings_update` (the rule for events
that name several countries).
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from campaign.audit import audit
from campaign.errors import Conflict, DomainError
from campaign.models import Country, Language
from campaign.reference import POINTS_GROUPS
from points.models import PointRule, PointRuleChange, PointsSettings

CENT = Decimal("0.01")  # points are counted in hundredths


@dataclass(frozen=True)
class Award:
    points: Decimal
    points_group: int
    rule_id: int
    rule_effective_from: datetime


class RuleBook:
    def __init__(
        self,
        *,
        rules: list[tuple[int, int, datetime, Decimal, int]],
        country_groups: dict[str, int],
        language_countries: dict[str, str],
        multi_country_rule: str,
    ):
        self.multi_country_rule = multi_country_rule
        self.country_groups = country_groups
        self.language_countries = language_countries
        # (task, group) -> parallel lists sorted by effective_from
        self._moments: dict[tuple[int, int], list[datetime]] = {}
        self._rules: dict[tuple[int, int], list[tuple[Decimal, int, datetime]]] = {}
        for task_number, group, effective_from, points, rule_id in sorted(
            rules, key=lambda r: (r[0], r[1], r[2])
        ):
            self._moments.setdefault((task_number, group), []).append(effective_from)
            self._rules.setdefault((task_number, group), []).append((points, rule_id, effective_from))
        self._groups_cache: dict[tuple, tuple[int, ...]] = {}
        # (task, countries, language) -> the Award when it cannot depend on the moment (one rule per group).
        self._timeless: dict[tuple, Award | None] = {}

    @classmethod
    def load(cls) -> "RuleBook":
        settings_row = PointsSettings.objects.first()
        return cls(
            rules=list(
                PointRule.objects.values_list("task_number", "points_group", "effective_from", "points", "pk")
            ),
            country_groups=dict(Country.objects.values_list("code", "points_group")),
            language_countries=dict(
                Language.objects.filter(points_country__isnull=False).values_list("code", "points_country_id")
            ),
            multi_country_rule=settings_row.multi_country_rule
            if settings_row
            else PointsSettings.MultiCountryRule.LOWEST,
        )

    def candidate_groups(self, country_codes: tuple[str, ...], language_code: str) -> tuple[int, ...]:
        """The groups the event could count for, in the order its countries are named."""
        key = (country_codes, language_code)
        cached = self._groups_cache.get(key)
        if cached is not None:
            return cached
        codes = [code.upper() for code in country_codes]
        if not codes and language_code:
            country = self.language_countries.get(language_code.lower())
            codes = [country] if country else []
        groups: list[int] = []
        for code in codes:
            group = self.country_groups.get(code)
            if group is not None and group not in groups:
                groups.append(group)
        # No country to go by (an English text, a rating without countries): any group, chosen by the
        # multi-country rule, so an unknown country never earns more than a known one would.
        result = tuple(groups) if groups else tuple(sorted(POINTS_GROUPS))
        self._groups_cache[key] = result
        return result

    def rule_at(self, task_number: int, group: int, moment: datetime) -> tuple[Decimal, int, datetime] | None:
        moments = self._moments.get((task_number, group))
        if not moments:
            return None
        index = bisect_right(moments, moment) - 1
        # An event before the first rule (back-filled history) earns the first rule.
        return self._rules[(task_number, group)][max(index, 0)]

    def award(
        self,
        *,
        task_number: int,
        occurred_at: datetime,
        country_codes: tuple[str, ...] = (),
        language_code: str = "",
    ) -> Award | None:
        key = (task_number, country_codes, language_code)
        known = key in self._timeless
        if known and self._timeless[key] is not None:
            return self._timeless[key]
        groups = self.candidate_groups(tuple(country_codes), language_code or "")
        award = self._choose(task_number, groups, occurred_at)
        if not known:
            # Every candidate group has a single rule: the award is the same at any moment.
            single = all(len(self._moments.get((task_number, group), ())) <= 1 for group in groups)
            self._timeless[key] = award if single else None
        return award

    def award_windows(
        self, *, task_number: int, country_codes: tuple[str, ...] = (), language_code: str = ""
    ) -> list[tuple[datetime | None, datetime | None, Award]]:
        """What `award()` answers for these countries and language at every moment, as windows
        [start, end) with None for an open end: the award can only change where a candidate group's
        rule takes effect. Lets the database apply the rules to millions of events in one join."""
        groups = self.candidate_groups(tuple(country_codes), language_code or "")
        moments = sorted({m for group in groups for m in self._moments.get((task_number, group), ())})
        if not moments:
            return []
        # Before the first rule takes effect, every group earns its first rule, as from the second
        # moment on: the first window is open-ended to the past.
        bounds: list[datetime | None] = [None, *moments[1:]]
        windows: list[tuple[datetime | None, datetime | None, Award]] = []
        for index, start in enumerate(bounds):
            end = bounds[index + 1] if index + 1 < len(bounds) else None
            award = self._choose(task_number, groups, start if start is not None else moments[0])
            if award is None:
                continue
            if windows and windows[-1][2] == award and windows[-1][1] == start:
                windows[-1] = (windows[-1][0], end, award)  # the same award on both sides: one window
            else:
                windows.append((start, end, award))
        return windows

    def _choose(self, task_number: int, groups: tuple[int, ...], occurred_at: datetime) -> Award | None:
        options = []
        for group in groups:
            rule = self.rule_at(task_number, group, occurred_at)
            if rule is not None:
                options.append((rule[0], group, rule))
        if not options:
            return None
        if self.multi_country_rule == PointsSettings.MultiCountryRule.HIGHEST:
            points, group, rule = max(options, key=lambda option: (option[0], -option[1]))
        elif self.multi_country_rule == PointsSettings.MultiCountryRule.FIRST:
            points, group, rule = options[0]
        else:
            points, group, rule = min(options, key=lambda option: (option[0], option[1]))
        return Award(points=points, points_group=group, rule_id=rule[1], rule_effective_from=rule[2])


# --- changing the rules ----------------------------------------------------------------------------


@transaction.atomic
def point_rule_save(
    *,
    rule: PointRule | None,
    task_number: int,
    points_group: int,
    points: Decimal,
    effective_from: datetime,
    changed_by,
) -> PointRule:
    """Add a rule (a new effective date) or correct the points of an existing one; both are recorded."""
    if points < 0:
        raise DomainError(_("Points cannot be negative."), field="points")
    old_points = old_effective_from = None
    if rule is None or rule.pk is None:
        rule = PointRule(task_number=task_number, points_group=points_group)
    else:
        rule = PointRule.objects.select_for_update().get(pk=rule.pk)
        old_points, old_effective_from = rule.points, rule.effective_from
    rule.points = Decimal(points).quantize(CENT)
    rule.effective_from = effective_from
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as error:
        raise Conflict(
            _("Task %(task)s, group %(group)s already has a rule from that moment.")
            % {"task": task_number, "group": points_group},
            field="effective_from",
        ) from error
    PointRuleChange.objects.create(
        rule=rule,
        task_number=rule.task_number,
        points_group=rule.points_group,
        old_points=old_points,
        new_points=rule.points,
        old_effective_from=old_effective_from,
        effective_from=rule.effective_from,
        changed_by=changed_by,
    )
    audit(
        actor=changed_by,
        action="point_rule.change",
        target=rule,
        details={
            "task": rule.task_number,
            "points_group": rule.points_group,
            "old_points": str(old_points) if old_points is not None else None,
            "new_points": str(rule.points),
            "effective_from": rule.effective_from.isoformat(),
        },
    )
    return rule


def _points_settings_row() -> PointsSettings:
    settings_row, _created = PointsSettings.objects.get_or_create(singleton=1)
    return settings_row


@transaction.atomic
def points_settings_update(*, multi_country_rule: str, updated_by) -> PointsSettings:
    if multi_country_rule not in PointsSettings.MultiCountryRule.values:
        raise DomainError(_("Unknown rule for several countries."), field="multi_country_rule")
    settings_row = _points_settings_row()
    settings_row = PointsSettings.objects.select_for_update().get(pk=settings_row.pk)
    settings_row.multi_country_rule = multi_country_rule
    settings_row.updated_by = updated_by
    settings_row.save(update_fields=["multi_country_rule", "updated_by", "updated_at"])
    return settings_row
