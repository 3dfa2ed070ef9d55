"""`yuqing report --period week|month|quarter|year [--at DATE] [--out DIR]`: the timeliness
statistics (responders.stats) as an XLSX workbook and a readable Markdown document."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from responders.alerts import templates
from yuqing import vocab
from responders.stats import CLOCK_KINDS, period_bounds, timeliness, totals
from yuqing.timeutil import to_local


def _labels() -> dict[str, str]:
    return {k: vocab.clock_label(k) for k in CLOCK_KINDS}


def table(rows: list[dict[str, Any]], total: dict[str, Any] | None = None) -> tuple[list[str], list[list[Any]]]:
    """The statistics as a header and lines: one layout for the XLSX file and the dashboard."""
    labels, kinds = _labels(), list(CLOCK_KINDS)
    head = ["单位", "收到", "签收"]
    for k in kinds:
        head += [f"{labels[k]}·按时", f"{labels[k]}·逾期"]
    head += ["征求意见视为同意", "首次发布次数", "首发用时中位数（小时）", "首发用时90%分位（小时）",
             "预警", "逾期升级", "重新打开"]
    lines = []
    for r in rows + ([total] if total else []):
        line: list[Any] = [r["unit"], r["received"], r["acknowledged"]]
        for k in kinds:
            line += [r["on_time"].get(k, 0), r["late"].get(k, 0)]
        line += [r["consent"], r["statements"], r["statement_median_h"], r["statement_p90_h"],
                 r["warnings"], r["escalations"], r["reopened"]]
        lines.append(line)
    return head, lines


def workbook(rows: list[dict[str, Any]], period: str, at: date | datetime, *, district: str = "",
             now: datetime) -> Workbook:
    """The XLSX workbook of some units' statistics (the dashboard's download, `write_report`'s file)."""
    total = totals(rows)
    start, end, label = period_bounds(period, at)
    wb = Workbook()
    ws = wb.active
    ws.title = "时效统计"
    ws.append([f"{district}政务舆情回应时效统计（{label}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"统计区间：{to_local(start):%Y-%m-%d} 至 {to_local(end):%Y-%m-%d}（不含），生成时间：{to_local(now):%Y-%m-%d %H:%M}"])
    head, lines = table(rows, total)
    ws.append(head)
    for c in ws[3]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for line in lines:
        ws.append(line)
    for c in ws[ws.max_row]:          # the 合计 row
        c.font = Font(bold=True)
    ws.column_dimensions["A"].width = 26
    ws.freeze_panes = "B4"
    return wb


def workbook_bytes(rows: list[dict[str, Any]], period: str, at: date | datetime, *, district: str = "",
                   now: datetime) -> bytes:
    import io
    buf = io.BytesIO()
    workbook(rows, period, at, district=district, now=now).save(buf)
    return buf.getvalue()


def write_report(store, period: str, at: date | datetime, out_dir: str | Path, *, district: str = "",
                 now: datetime | None = None) -> tuple[Path, Path]:
    now = now or store.clock.now()
    rows = timeliness(store, period, at, now=now)
    total = totals(rows)
    start, end, label = period_bounds(period, at)
    labels = _labels()
    kinds = [k for k in CLOCK_KINDS]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"时效统计-{period}-{to_local(start):%Y%m%d}"
    xlsx, md = out / f"{stem}.xlsx", out / f"{stem}.md"
    workbook(rows, period, at, district=district, now=now).save(xlsx)

    for r in rows:
        r["late_total"] = sum(r["late"].values())
    text = templates().get_template("report.md.j2").render(
        district=district, label=label, start=f"{to_local(start):%Y-%m-%d}",
        end=f"{to_local(end):%Y-%m-%d}（不含）", generated=f"{to_local(now):%Y-%m-%d %H:%M}",
        rows=rows, total=total, kinds=kinds, labels=labels)
    md.write_text(text, encoding="utf-8")
    return xlsx, md
