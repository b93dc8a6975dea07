"""GET /admin/report: the editors' report as a page — per language, tables and charts.

Behind an admin key (``CSGUIDE_ADMIN_KEYS``, sha256 hashes, as for API keys), given as the
password of HTTP Basic authentication (what a browser asks for; any user name) or in an
``X-Admin-Key`` header. The charts are SVG drawn on the server by pygal (a small,
pure-Python chart library, without its tooltip script), so the page loads nothing from
anywhere and works on an air-gapped intranet.
"""

import base64
import binascii
import datetime as dt
import hmac
import time
from html import escape

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import IndexDep, SettingsDep
from api.errors import ProblemError
from api.security import hash_key
from pipeline.analytics.report import LanguageReport, Report, build_report, counted
from pipeline.analytics.store import FILE_NAME, AnalyticsError, open_store
from pipeline.languages import INDEX_LANGS, LANGUAGE_NAMES
from pipeline.settings import Settings

router = APIRouter(include_in_schema=False)

PERIODS = {"7d": 7, "30d": 30, "90d": 90}


def admin(request: Request, settings: SettingsDep) -> None:
    """401 problem unless the request carries one of the configured admin keys."""
    presented = request.headers.get("x-admin-key") or _basic_password(
        request.headers.get("authorization")
    )
    challenge = {"WWW-Authenticate": 'Basic realm="csguide report", charset="UTF-8"'}
    if not settings.admin_keys:
        raise ProblemError(
            401,
            "unauthorized",
            "no admin key is configured: make one with 'csguide keys new NAME --admin' and "
            "add its hash to CSGUIDE_ADMIN_KEYS",
            headers=challenge,
        )
    digest = hash_key(presented) if presented else ""
    if not any(hmac.compare_digest(digest, known) for known in settings.admin_keys):
        raise ProblemError(
            401,
            "unauthorized",
            "the report needs an admin key (as the password)",
            headers=challenge,
        )


def _basic_password(header: str | None) -> str | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2] or None


@router.get("/admin/report", response_class=HTMLResponse, dependencies=[Depends(admin)])
def report_page(
    settings: SettingsDep,
    index: IndexDep,
    since: str = Query("30d", pattern="^(7d|30d|90d)$"),
    lang: str | None = Query(None, pattern="^(lv|it|zh|ru|en)$"),
) -> HTMLResponse:
    days = PERIODS[since]
    start = time.time() - days * 86400
    report = _report(settings, start, index, lang)
    return HTMLResponse(_page(report, since, lang, days))


def _report(settings: Settings, start: float, index: IndexDep, lang: str | None) -> Report | None:
    if not settings.database_url and not (settings.data_dir / FILE_NAME).exists():
        return None
    try:
        store = open_store(settings.data_dir, settings.database_url)
    except AnalyticsError as exc:
        raise ProblemError(503, "analytics-unavailable", str(exc)) from None
    try:
        return build_report(store, start, index, lang)
    finally:
        store.close()


def _page(report: Report | None, since: str, lang: str | None, days: int) -> str:
    period = " ".join(
        f'<option value="{key}"{" selected" if key == since else ""}>last {value} days</option>'
        for key, value in PERIODS.items()
    )
    languages = '<option value="">all languages</option>' + "".join(
        f'<option value="{code}"{" selected" if code == lang else ""}>'
        f"{escape(LANGUAGE_NAMES[code])}</option>"
        for code in INDEX_LANGS
    )
    if report is None or report.searches == 0:
        body = (
            "<p class=empty>No searches recorded in this period. The server records them "
            "unless <code>CSGUIDE_ANALYTICS=0</code>.</p>"
        )
    else:
        body = "".join(
            _language(code, part, days) for code, part in report.languages.items() if part.searches
        )
    total = report.searches if report else 0
    events = report.events if report else 0
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>csguide — what agents look for</title>
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px;
  padding: 0 16px; color: #222; }}
h1 {{ font-size: 1.5em; margin: 0 0 4px; }} h2 {{ margin: 32px 0 4px; }}
form {{ margin: 12px 0 20px; display: flex; gap: 8px; flex-wrap: wrap; }}
.summary {{ color: #555; margin: 0 0 12px; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
  gap: 16px 28px; }}
table {{ border-collapse: collapse; width: 100%; font-size: .93em; }}
caption {{ text-align: left; font-weight: 600; padding: 6px 0; }}
th, td {{ text-align: left; padding: 4px 6px; border-bottom: 1px solid #e3e3e3;
  vertical-align: top; }}
td.n, th.n {{ text-align: right; white-space: nowrap; }}
td code {{ font-size: .85em; color: #555; overflow-wrap: anywhere; }}
figure {{ margin: 0; }} figcaption {{ font-weight: 600; padding: 6px 0; }}
figure svg {{ width: 100%; height: auto; }}
.empty {{ color: #666; }}
</style></head><body>
<h1>What agents look for</h1>
<p class=summary>{counted(total, "search", "searches")} and {counted(events, "event", "events")}
recorded in the last {days} days.</p>
<form method=get action="/admin/report">
<label>Period <select name=since>{period}</select></label>
<label>Language <select name=lang>{languages}</select></label>
<button type=submit>Show</button></form>
{body}
</body></html>"""


def _language(code: str, part: LanguageReport, days: int) -> str:
    mean = (
        f", mean position opened {part.mean_position_opened:g}" if part.mean_position_opened else ""
    )
    summary = (
        f"{counted(part.searches, 'search', 'searches')}, "
        f"{part.zero_result_share:.0%} found nothing, "
        f"{part.open_rate:.0%} had a result opened{mean}"
    )
    return f"""
<section lang="{code}" id="lang-{code}">
<h2 lang="en">{escape(LANGUAGE_NAMES[code])} ({code})</h2>
<p class=summary lang="en">{summary}</p>
<div class=grid>
{_charts(part, days)}
{_table("Top queries", ("query", "searches"), [(q.query, q.count) for q in part.top_queries])}
{
        _table(
            "Found nothing: content to write",
            ("query", "searches"),
            [(q.query, q.count) for q in part.zero_result_queries],
        )
    }
{
        _table(
            "Translate first",
            ("tip", "provenance", "demand"),
            [
                (
                    f"{p.title}<br><code>{escape(p.tip_id)}</code>",
                    p.provenance + (", outdated" if p.outdated else ""),
                    p.demand,
                )
                for p in part.translation_priorities
            ],
            raw_first=True,
        )
    }
{_table("Most opened", ("tip", "opens"), [(t.tip_id, t.count) for t in part.most_opened])}
{
        _table(
            "Voted not helpful",
            ("tip", "votes"),
            [(t.tip_id, t.count) for t in part.most_not_helpful],
        )
    }
</div></section>"""


def _table(
    caption: str,
    columns: tuple[str, ...],
    rows: list[tuple[object, ...]],
    raw_first: bool = False,
) -> str:
    if not rows:
        return f"<table><caption>{escape(caption)}</caption><tr><td>none</td></tr></table>"
    head = "".join(
        f"<th{' class=n' if i == len(columns) - 1 else ''}>{escape(c)}</th>"
        for i, c in enumerate(columns)
    )
    lines = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            # raw_first: the first cell was built above from escaped parts
            text = str(value) if i == 0 and raw_first else escape(str(value))
            numeric = i == len(row) - 1
            cells.append(f"<td{' class=n' if numeric else ''}>{text}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(lines)}</tbody></table>"
    )


def _charts(part: LanguageReport, days: int) -> str:
    """Searches per day and the share that found nothing, every day of the period shown."""
    # Imported here: pygal is 6 MiB of every worker's memory, for a page few people open.
    import pygal
    from pygal.style import Style

    today = dt.datetime.now(dt.UTC).date()
    span = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    by_day = {day.day: day for day in part.per_day}
    searches = [by_day[d.isoformat()].searches if d.isoformat() in by_day else 0 for d in span]
    shares = [
        round(100 * by_day[d.isoformat()].zero_results / by_day[d.isoformat()].searches, 1)
        if d.isoformat() in by_day
        else None
        for d in span
    ]
    labels = [d.strftime("%d.%m") for d in span]
    every = max(1, days // 8)
    options = {
        "style": Style(
            background="transparent",
            plot_background="transparent",
            foreground="#333",
            foreground_strong="#111",
            foreground_subtle="#999",
            colors=("#1f5fa8", "#b3261e"),
            font_family="system-ui, sans-serif",
        ),
        "width": 560,
        "height": 240,
        "show_legend": False,
        "js": [],  # pygal's tooltip script comes from a CDN: none
        "disable_xml_declaration": True,
        "x_labels_major_every": every,
        "show_minor_x_labels": False,
        "x_label_rotation": 0,
        "margin": 8,
    }
    bars = pygal.Bar(**options)
    bars.x_labels = labels
    step = max(1, -(-max(searches, default=0) // 5))  # whole searches on the axis
    bars.y_labels = list(range(0, max(searches, default=0) + step + 1, step))
    bars.add("searches", searches)
    line = pygal.Line(**options, range=(0, 100), allow_interruptions=True)
    line.x_labels = labels
    line.add("found nothing (%)", shares)
    return (
        f"<figure><figcaption>Searches per day</figcaption>{bars.render(is_unicode=True)}"
        "</figure>"
        "<figure><figcaption>Share that found nothing, per day (%)</figcaption>"
        f"{line.render(is_unicode=True)}</figure>"
    )
