"""The side-by-side report of a policy what-if (``service.whatif.Comparison``): HTML with its
charts as inline SVG (drawn here, no script, so the same file prints to PDF with WeasyPrint),
and the PDF."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

import jinja2

from recouvre.domain.money import Cents
from recouvre.service.whatif import Comparison, RunResult

COLOURS = ("#3b5bdb", "#e8590c")
LETTER_LABELS = {
    "notification": "notifications",
    "reminder_1": "relances 1",
    "reminder_2": "relances 2",
    "formal_notice": "mises en demeure",
    "last_notice": "derniers avis",
    "commandement": "commandements",
    "contrainte": "contraintes",
    "remission_decision": "décisions de remise",
}


def _euros(cents: Cents) -> str:
    units = f"{abs(cents) / 100:,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{'-' if cents < 0 else ''}{units} €"


def _rate(value: Decimal | None) -> str:
    return "non calculable" if value is None else f"{value:.2f}".replace(".", ",") + " %"


def _difference(base: int, candidate: int, money: bool = True) -> str:
    delta = candidate - base
    shown = _euros(delta) if money else f"{delta:+d}"
    return ("+" if delta > 0 and money else "") + shown


def svg_lines(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]) -> str:
    """A line chart as inline SVG (title, x labels, one polyline per series, a legend)."""
    width, height, left, bottom, top = 640, 260, 70, 40, 30
    plot_w, plot_h = width - left - 20, height - top - bottom
    peak = max([max(values) for _, values in series if values] + [1.0])
    count = max(len(labels) - 1, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#555"/>',
    ]
    for step in range(5):
        value = peak * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{value:,.0f}</text>'
        )
    for index, label in enumerate(labels):
        x = left + plot_w * index / count
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="9" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    for number, (name, values) in enumerate(series):
        points = " ".join(
            f"{left + plot_w * index / count:.1f},{top + plot_h - plot_h * value / peak:.1f}"
            for index, value in enumerate(values)
        )
        colour = COLOURS[number % len(COLOURS)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(f'<rect x="{left + 10 + number * 200}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{left + 28 + number * 200}" y="16" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_bars(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]) -> str:
    """Grouped bars as inline SVG."""
    width, height, left, bottom, top = 640, 260, 70, 40, 30
    plot_w, plot_h = width - left - 20, height - top - bottom
    peak = max([max(values) for _, values in series if values] + [1.0])
    group = plot_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>',
    ]
    for step in range(5):
        value = peak * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{value:,.2f}</text>'
        )
    for index, label in enumerate(labels):
        x = left + group * index + group / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="9" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
        for number, (_, values) in enumerate(series):
            value = values[index] if index < len(values) else 0.0
            bar_h = plot_h * value / peak
            x0 = left + group * index + group * 0.1 + bar * number
            parts.append(
                f'<rect x="{x0:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar:.1f}" height="{bar_h:.1f}" '
                f'fill="{COLOURS[number % len(COLOURS)]}"/>'
            )
    for number, (name, _) in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        parts.append(f'<rect x="{left + 10 + number * 200}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{left + 28 + number * 200}" y="16" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


TEMPLATES = Path(__file__).parent / "templates"


def rows(c: Comparison) -> list[tuple[str, str, str, str]]:
    a, b = c.base, c.candidate

    def rate_delta() -> str:
        if a.recovery_rate is None or b.recovery_rate is None:
            return ""
        return f"{b.recovery_rate - a.recovery_rate:+.2f}".replace(".", ",") + " pt"

    return [
        ("Recouvré", _euros(a.recovered), _euros(b.recovered), _difference(a.recovered, b.recovered)),
        ("Taux de recouvrement financier", _rate(a.recovery_rate), _rate(b.recovery_rate), rate_delta()),
        (
            "dont retenues sur prestations",
            _euros(a.withheld),
            _euros(b.withheld),
            _difference(a.withheld, b.withheld),
        ),
        (
            "Remises accordées (montant)",
            _euros(a.remitted),
            _euros(b.remitted),
            _difference(a.remitted, b.remitted),
        ),
        (
            "Remises accordées (nombre)",
            str(a.remissions),
            str(b.remissions),
            _difference(a.remissions, b.remissions, False),
        ),
        (
            "Admissions en non-valeur",
            _euros(a.written_off),
            _euros(b.written_off),
            _difference(a.written_off, b.written_off),
        ),
        (
            "Montants devenus prescrits",
            f"{_euros(a.time_barred)} ({a.time_barred_claims} créances)",
            f"{_euros(b.time_barred)} ({b.time_barred_claims} créances)",
            _difference(a.time_barred, b.time_barred),
        ),
        (
            "Courriers",
            str(sum(a.letters.values())),
            str(sum(b.letters.values())),
            _difference(sum(a.letters.values()), sum(b.letters.values()), False),
        ),
        (
            "Appels (tâches)",
            str(a.phone_calls),
            str(b.phone_calls),
            _difference(a.phone_calls, b.phone_calls, False),
        ),
        ("Tâches créées", str(a.tasks), str(b.tasks), _difference(a.tasks, b.tasks, False)),
    ]


def _workload(a: RunResult, b: RunResult) -> list[tuple[str, int, int]]:
    kinds = sorted(set(a.letters) | set(b.letters), key=lambda kind: (kind not in LETTER_LABELS, kind))
    rows = [(LETTER_LABELS.get(kind, kind), a.letters.get(kind, 0), b.letters.get(kind, 0)) for kind in kinds]
    rows.append(("appels (tâches)", a.phone_calls, b.phone_calls))
    rows.append(("tâches (toutes)", a.tasks, b.tasks))
    return rows


def render_html(comparison: Comparison, *, fragment: bool = False) -> str:
    """The report as a whole HTML document, or (``fragment``) its body alone, to be shown inside
    a page of the back office (no style, no script: inline SVG and tables only)."""
    a, b = comparison.base, comparison.candidate
    months = [row.month for row in a.months]
    burden_b = {item.decile: item for item in b.burden}
    workload = _workload(a, b)
    context: dict[str, Any] = {
        "c": comparison,
        "rows": rows(comparison),
        "burden": [(item, burden_b.get(item.decile)) for item in a.burden],
        "workload": workload,
        "euros": _euros,
        "rate": _rate,
        "chart_recovered": svg_lines(
            "Recouvré par mois, en euros, pour les deux jeux de paramètres",
            months,
            [
                (a.name, [v / 100 for v in a.recovered_by_month]),
                (b.name, [v / 100 for v in b.recovered_by_month]),
            ],
        ),
        "chart_burden": svg_bars(
            "Retenues rapportées aux ressources, en pourcentage, par décile de RMP",
            [str(item.decile) for item in a.burden],
            [
                (a.name, [float(item.burden or 0) for item in a.burden]),
                (
                    b.name,
                    [
                        float((burden_b[item.decile].burden or 0) if item.decile in burden_b else 0)
                        for item in a.burden
                    ],
                ),
            ],
        ),
        "chart_workload": svg_bars(
            "Courriers, appels et tâches des deux jeux de paramètres",
            [label for label, _, _ in workload],
            [(a.name, [float(x) for _, x, _ in workload]), (b.name, [float(y) for _, _, y in workload])],
        ),
    }
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return environment.get_template("whatif_body.html" if fragment else "whatif_report.html").render(context)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # slow to load

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
