"""What the leaderboard page copies instead of rendering each time (its rows written in Python, the menu,
the footer and the filters rendered once per language): the same markup as before, and each viewer still
sees their own page (their menu, their CSRF token, their language and time zone, their form's errors)."""

import re

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from test_pages import give_points

from points import selectors
from points.models import TASK_NUMBERS
from points.recompute import points_recompute
from points.views import _leaderboard_rows, points_text

pytestmark = pytest.mark.django_db


# The rows as the table's template wrote them before they were written in the view (the loop, its
# labels translated once per table): the fast path must write exactly this.
TEMPLATE_ROWS = """{% load i18n %}{% translate "Rank" as rank_label %}{% translate "Country" as country_label %}\
{% translate "All time" as all_time_label %}{% translate "This week" as this_week_label %}\
{% translate "Anonymous contributor" as anonymous_name %}{% translate "Co-authorship (300+ points)" as coauthor_title %}\
{% translate "Co-author" as coauthor_badge %}{% translate "Certificate and merchandise (200+ points)" as certificate_title %}\
{% translate "Certificate" as certificate_badge %}{% for row in page.rows %}
      <tr data-contributor-row="{{ row.position|stringformat:'d' }}">
        <td class="leaderboard-rank" data-label="{{ rank_label }}">{{ row.rank_text }}</td>
        <td class="leaderboard-name">{{ row.public_name|default:anonymous_name }}
          {% if row.has_coauthorship_badge %}<span class="badge badge-coauthor" title="{{ coauthor_title }}">{{ coauthor_badge }}</span>
          {% elif row.has_certificate_badge %}<span class="badge badge-certificate" title="{{ certificate_title }}">{{ certificate_badge }}</span>{% endif %}
        </td>
        <td data-label="{{ country_label }}">{{ row.country_name }}</td>
        {{ row.task_cells }}
        <td class="leaderboard-total" data-label="{{ all_time_label }}"><strong>{{ row.total_text }}</strong></td>
        <td data-label="{{ this_week_label }}">{{ row.week_text }}</td>
      </tr>
    {% endfor %}"""


def template_rows(page) -> str:
    """The previous way: the view's per-row texts, then the template's loop."""
    names = {code: gettext(name) for code, name in selectors.country_names().items()}
    labels = [conditional_escape(gettext("Task %(number)s") % {"number": number}) for number in TASK_NUMBERS]
    for row in page.rows:
        row.country_name = names.get(row.country_code, row.country_code)
        row.task_cells = mark_safe(  # noqa: S308 - as the view did: escaped labels, points texts
            "".join(
                f'<td data-label="{label}">{points_text(value)}</td>'
                for label, value in zip(labels, row.task_points(), strict=True)
            )
        )
        row.total_text, row.week_text = points_text(row.total), points_text(row.week_points)
        row.rank_text = str(row.shown_rank)
    return engines["django"].from_string(TEMPLATE_ROWS).render({"page": page})


@pytest.mark.parametrize("language", ["en", "th", "km", "zh-hans"])
def test_the_rows_written_in_the_view_are_the_markup_the_template_wrote(make_user, language):
    give_points(make_user(display_name="Co-author <b>Ana</b> & “Q”", country="KH"), 301)
    give_points(make_user(display_name="Certified O'Brien", country="TH"), 205, task_number=3)
    give_points(make_user(display_name="Plain Budi", country="ID"), 3)
    give_points(make_user(complete_profile=False), 2)  # no profile: anonymous, no country
    points_recompute()

    with translation.override(language):
        for filters in (
            {},
            {"country": "KH"},
            {"task_number": 3},
            {"week": True},
            {"task_number": 2, "week": True},
        ):
            page = selectors.leaderboard_page(**filters)
            assert page.rows
            written = _leaderboard_rows(page.rows, task_numbers=TASK_NUMBERS)
            assert written == template_rows(page), filters

    everyone = str(_leaderboard_rows(selectors.leaderboard_page().rows, task_numbers=TASK_NUMBERS))
    assert "Co-author &lt;b&gt;Ana&lt;/b&gt; &amp; “Q”" in everyone and "<b>Ana" not in everyone
    assert (
        "Certified O&#x27;Brien" in everyone
        and "badge-coauthor" in everyone
        and "badge-certificate" in everyone
    )
    assert "Anonymous contributor" in everyone


def _header(html: str) -> str:
    return html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]


def test_each_viewer_sees_their_own_menu_and_csrf_token_whoever_came_before(make_user):
    organizer = make_user(display_name="Organizer Ana", roles=("organizer",))
    contributor = make_user(display_name="Contributor Budi")
    give_points(contributor, 2)
    points_recompute()
    as_organizer, as_contributor, anonymous = (Client(enforce_csrf_checks=True) for _n in range(3))
    as_organizer.force_login(organizer)
    as_contributor.force_login(contributor)

    for _round in range(2):  # the second round is served from the copies the first one made
        seen = {
            name: client.get("/leaderboard/").content.decode()
            for name, client in (
                ("organizer", as_organizer),
                ("contributor", as_contributor),
                ("anonymous", anonymous),
            )
        }
        assert "Sign out" in _header(seen["organizer"]) and "Waiting on organizers" in _header(
            seen["organizer"]
        )
        assert "Organizers: rates and exports" in seen["organizer"]
        assert "Sign out" in _header(seen["contributor"]) and "My points" in _header(seen["contributor"])
        assert "Waiting on organizers" not in seen["contributor"]
        assert "Organizers: rates and exports" not in seen["contributor"]
        assert "Sign in" in _header(seen["anonymous"]) and "Sign out" not in seen["anonymous"]
        assert "My points" not in _header(seen["anonymous"]) and "Organizers" not in _header(
            seen["anonymous"]
        )

    # Each page's language switcher carries its viewer's own token: it works for them, not for another.
    for name, client in (
        ("organizer", as_organizer),
        ("contributor", as_contributor),
        ("anonymous", anonymous),
    ):
        html = client.get("/leaderboard/?page=1").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        assert 'name="next" value="/leaderboard/?page=1"' in html
        response = client.post(
            reverse("localization:set-language"),
            {"csrfmiddlewaretoken": token, "language": "id", "next": "/leaderboard/"},
        )
        assert response.status_code == 302, name
        other = Client(enforce_csrf_checks=True)
        other.get("/leaderboard/")  # its own cookie, another secret
        refused = other.post(
            reverse("localization:set-language"), {"csrfmiddlewaretoken": token, "language": "id"}
        )
        assert refused.status_code == 403, name


def test_a_change_of_language_or_time_zone_changes_the_copied_parts(client, make_user):
    give_points(make_user(display_name="Leader Citra"), 2)
    points_recompute()

    english = client.get("/leaderboard/").content.decode()
    client.cookies["django_language"] = "id"
    indonesian = client.get("/leaderboard/").content.decode()
    client.cookies["django_language"] = "en"
    english_again = client.get("/leaderboard/").content.decode()

    with translation.override("id"):
        sign_in, filters, footer = (
            gettext("Sign in"),
            gettext("All countries"),
            gettext("Contributions are licensed CC-BY-SA 4.0."),
        )
    assert sign_in != "Sign in" and filters != "All countries" and footer in indonesian  # translated
    assert f">{sign_in}</a>" in _header(indonesian) and ">Sign in</a>" not in indonesian
    assert f">{filters}</option>" in indonesian and ">All countries</option>" not in indonesian
    assert '<option value="id" lang="id" selected>' in indonesian and '<html lang="id">' in indonesian
    assert english_again == english.replace(*_csrf(english, english_again))
    assert ">Sign in</a>" in english_again and '<option value="en" lang="en" selected>' in english_again

    assert "Times are shown in the Asia/Jakarta time zone." in english
    client.cookies["tz"] = "Europe/Paris"
    paris = client.get("/leaderboard/").content.decode()
    assert "Times are shown in the Europe/Paris time zone." in paris and "Asia/Jakarta" not in paris


def _csrf(first: str, second: str) -> tuple[str, str]:
    """The two pages' CSRF tokens (masked afresh on every page), to compare the rest byte for byte."""
    pattern = r'name="csrfmiddlewaretoken" value="([^"]+)"'
    return re.search(pattern, first).group(1), re.search(pattern, second).group(1)


def test_the_filters_show_each_readers_choice_and_errors(client, make_user):
    give_points(make_user(display_name="Leader Dewi", country="TH"), 2)
    points_recompute()

    thai = client.get("/leaderboard/?country=TH").content.decode()
    khmer = client.get("/leaderboard/?country=KH").content.decode()
    assert '<option value="TH" selected>' in thai and '<option value="KH" selected>' not in thai
    assert '<option value="KH" selected>' in khmer and '<option value="TH" selected>' not in khmer
    assert '<option value="" selected>All countries</option>' in client.get("/leaderboard/").content.decode()

    first = client.get("/leaderboard/?country=XX").content.decode()
    second = client.get("/leaderboard/?country=YY").content.decode()
    assert "XX is not one of the available choices" in first and 'aria-invalid="true"' in first
    # The first reader's value nowhere in the second's page (the CSRF token's random letters may hold "XX").
    assert "YY is not one of the available choices" in second and "XX is not one of" not in second
    assert "country=XX" not in second and 'value="XX"' not in second


def test_the_stored_orders_read_the_rows_the_orm_reads(make_user):
    from points.models import LeaderboardRow

    for n in range(7):
        give_points(make_user(display_name=f"Reader {n}", country=("KH", "TH")[n % 2]), n + 1, start=0)
    give_points(make_user(complete_profile=False), 2)
    points_recompute()
    snapshot = selectors.latest_snapshot()
    fields = [field.attname for field in LeaderboardRow._meta.concrete_fields]

    def values(rows) -> list[tuple]:
        return [tuple(getattr(row, name) for name in fields) for row in rows]

    for position, country in (("position", ""), ("week_position", ""), ("country_position", "KH")):
        for first, last in ((1, 3), (2, 8), (4, 50), (9, 60)):
            orm = LeaderboardRow.objects.filter(snapshot=snapshot, **{f"{position}__range": (first, last)})
            if country:
                orm = orm.filter(country_code=country)
            fast = selectors._stored_rows(
                snapshot=snapshot, country=country, position=position, first=first, last=last
            )
            assert values(fast) == values(orm.order_by(position)), (position, first, last)
            assert all(isinstance(row, LeaderboardRow) and not row._state.adding for row in fast)
    with pytest.raises(ValueError):
        selectors._stored_rows_sql(position="rank; DROP TABLE x", by_country=False)


def test_the_latest_snapshot_is_the_one_the_orm_reads(make_user):
    from points.models import LeaderboardSnapshot

    fields = [field.attname for field in LeaderboardSnapshot._meta.concrete_fields]
    assert selectors.latest_snapshot() is None
    leader = make_user(display_name="Leader Fajar", country="KH")
    for round_ in range(2):
        give_points(leader, 1, start=round_)
        points_recompute()
        fast, orm = selectors.latest_snapshot(), LeaderboardSnapshot.objects.order_by("-as_of", "-id").first()
        assert [getattr(fast, name) for name in fields] == [getattr(orm, name) for name in fields]
        assert isinstance(fast.counts, dict) and fast.counts[""] == 1


def _page_rendered_whole(response) -> str:
    """The leaderboard as the view rendered it before its shells: the whole template for this request,
    its table from the table's template, each row through `_leaderboard_rows` (held above to the loop)."""
    from django.shortcuts import render
    from django.template.loader import render_to_string
    from django.utils import timezone

    from campaign.pagination import page_number
    from points import views
    from points.forms import LeaderboardFilterForm
    from points.models import COAUTHORSHIP_THRESHOLD, MERCHANDISE_THRESHOLD

    request = response.wsgi_request
    with (
        translation.override(request.LANGUAGE_CODE),
        timezone.override(request.COOKIES.get("tz", "Asia/Jakarta")),
    ):
        form = LeaderboardFilterForm(request.GET or None)
        country, task_number, week = "", None, False
        if form.is_valid():
            country = form.cleaned_data["country"] or ""
            task_number = form.cleaned_data["task"]
            week = form.cleaned_data["view"] == "week"
        snapshot = selectors.latest_snapshot()
        page = selectors.leaderboard_page(
            country=country, task_number=task_number, week=week, page=page_number(request), snapshot=snapshot
        )
        query = views.filters_query(country=country, task_number=task_number, week=week)
        table = render_to_string(
            "points/leaderboard_table.html",
            {
                "page": page,
                "snapshot": snapshot,
                "task_numbers": TASK_NUMBERS,
                "query": query,
                "rows": _leaderboard_rows(page.rows, task_numbers=TASK_NUMBERS) if page.rows else "",
            },
        )
        context = {
            "filters": views._filters_markup(form),
            "snapshot": snapshot,
            "table": mark_safe(table),  # noqa: S308 - the template's own output
            "merchandise_threshold": MERCHANDISE_THRESHOLD,
            "coauthorship_threshold": COAUTHORSHIP_THRESHOLD,
        }
        return render(request, "points/leaderboard.html", context).content.decode()


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)


def test_the_page_from_its_shells_is_the_page_rendered_whole_for_every_viewer(make_user, monkeypatch):
    """The page around the table and the table around its rows are rendered once per kind of viewer and
    filled per request (localization.fragments.Shell): byte for byte what the whole template renders for
    that viewer, language, time zone, filters and page, whoever came before."""
    from localization.fragments import fragments_forget

    monkeypatch.setattr(selectors, "LEADERBOARD_PAGE_SIZE", 2)  # pages first, between and last
    for n in range(7):
        give_points(
            make_user(display_name=f"Reader <{n}>", country=("KH", "TH")[n % 2]),
            n + 1,
            task_number=(2, 3)[n % 2],
        )
    points_recompute()
    fragments_forget()
    viewers = {"anonymous": Client()}
    for name, options in (
        ("contributor", {}),
        # The same kind of viewer as the one before: anything of the viewer's own that base.html came to
        # show (a name, an e-mail) would reach them from the first one's shell, and differ here.
        ("another contributor", {"display_name": "Another Contributor"}),
        ("incomplete profile", {"complete_profile": False}),
        ("annotator", {"roles": ("annotator",)}),
        ("organizer", {"roles": ("organizer",)}),
    ):
        viewers[name] = Client()
        viewers[name].force_login(make_user(**options))
    admin = make_user()
    admin.is_staff = True
    admin.save()
    viewers["admin"] = Client()
    viewers["admin"].force_login(admin)
    urls = (
        "/leaderboard/",
        "/leaderboard/?page=1",
        "/leaderboard/?page=2",
        "/leaderboard/?page=3",
        "/leaderboard/?page=4",
        "/leaderboard/?page=99",
        "/leaderboard/?country=KH&page=2",
        "/leaderboard/?view=week&page=2&utm=<x>",
        "/leaderboard/?task=3&view=week",
        "/leaderboard/?country=&task=&view=",
    )
    pages = 0
    for language, zone in (("en", None), ("th", "Europe/Paris")):
        for name, client in viewers.items():
            client.cookies["django_language"] = language
            if zone:
                client.cookies["tz"] = zone
            for url in urls:
                for _time in range(2):  # the second from the shells the first (or another viewer) left
                    response = client.get(url)
                    assert response.status_code == 200
                    html = response.content.decode()
                    assert "seavlhole" not in html
                    assert _without_csrf(html) == _without_csrf(_page_rendered_whole(response)), (name, url)
                    pages += 1
    assert pages == 2 * len(viewers) * len(urls) * 2


def test_the_filters_read_without_the_form_are_what_the_form_accepts():
    """`choice_made` stands in for the form on every valid page: the same values where the form is valid,
    None (the form then says why) wherever it is not, for valid, empty, repeated and hostile values."""
    from django.http import QueryDict

    from points.forms import LeaderboardFilterForm

    countries = selectors.country_names()
    assert countries  # the campaign's countries, from the migrations
    values = {
        "country": ["", "KH", "TH", "kh", "XX", " KH", "KH ", "K", "KHM", "\x00", "<b>", "ID"],
        "task": ["", "1", "3", "6", "0", "7", "01", "1.0", " 1", "-1", "one", "１"],
        "view": ["", "all", "week", "WEEK", "month", "week "],
    }
    queries = [
        "",
        "page=2",
        "country=KH&country=XX",
        "country=XX&country=KH",
        "task=3&task=",
        "view=week&view=all",
    ]
    for name, choices in values.items():
        queries += [f"{name}={choice}" for choice in choices]
        queries += [f"{name}={choice}&page=3&other=1" for choice in choices]
    queries += [
        f"country={country}&task={task}&view={view}"
        for country in values["country"][:5]
        for task in values["task"][:6]
        for view in values["view"]
    ]
    for query in queries:
        data = QueryDict(query.replace("\x00", "%00"))
        form = LeaderboardFilterForm(data or None, countries=countries)
        fast = LeaderboardFilterForm.choice_made(data, countries=countries)
        if form.is_valid():
            cleaned = form.cleaned_data
            assert fast == (cleaned["country"] or "", cleaned["task"], cleaned["view"] == "week"), query
        elif form.is_bound:
            assert fast is None, query
        else:  # no filters asked: the unbound form's defaults
            assert fast == ("", None, False), query
    assert LeaderboardFilterForm().fields["country"].choices[1:] == [
        (code, name) for code, name in countries.items()
    ]


def test_the_countries_and_rows_read_as_the_orm_reads_them():
    from django.db.models import signals

    from campaign.models import Country
    from points.models import LeaderboardRow, LeaderboardSnapshot

    assert list(selectors.country_names().items()) == list(Country.objects.values_list("code", "name"))
    # The rows and the snapshot are built without Model.__init__: nothing may listen to it for them.
    for model in (LeaderboardRow, LeaderboardSnapshot):
        assert not signals.pre_init.has_listeners(model) and not signals.post_init.has_listeners(model)
