#!/usr/bin/env python
"""Measure page decoding and article extraction on saved real pages.

Usage:
    .venv/bin/python scripts/eval_extraction.py /work/shared/extdata/news_pages [--per-page] [--json OUT]

DIR is either the news_pages folder (its cwced_dev, cwced, readability_zh and gne_unverified
subfolders are scored separately) or one of those subfolders.

Figures per set:
  decode_ok      share of pages where >= 80% of the ground-truth content lines (first 15
                 non-space chars) occur in the decoded page (no mojibake)
  line_recall    mean share of ground-truth content lines found in the decoded page
  body P/R/F1    character-level (bag of characters, whitespace removed) extracted body vs
                 reference content; macro average over pages
  author_exact   normalised exact match (UNKNOWN/empty = no value; both none counts as a match)
  time_exact     publish time normalised to YYYY-MM-DD[ HH:MM[:SS]] at the reference's
                 precision... exact string match; time_date compares the date only
  title_exact    (readability_zh, gne) after stripping a site suffix such as "_光明网"
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.extract import decode_html, extract_article, meta_charset, normalise_time  # noqa: E402

_WS = re.compile(r"\s+")
_NONE = {"", "unknown", "unknwon", "none", "null"}


def nows(s: str | None) -> str:
    return _WS.sub("", s or "")


def char_prf(pred: str, ref: str) -> tuple[float, float, float]:
    p, r = Counter(nows(pred)), Counter(nows(ref))
    if not r and not p:
        return 1.0, 1.0, 1.0
    if not p or not r:
        return 0.0, 0.0, 0.0
    common = sum((p & r).values())
    prec, rec = common / sum(p.values()), common / sum(r.values())
    f1 = 0.0 if common == 0 else 2 * prec * rec / (prec + rec)
    return prec, rec, f1


def line_recall(decoded: str, ref: str) -> float | None:
    """Share of reference lines (first 15 non-space chars) found in the decoded page's text."""
    import html as htmllib
    try:
        visible = html_text(re.sub(r"^\s*<\?xml[^>]*\?>", "", decoded))
    except Exception:  # noqa: BLE001
        visible = ""
    flat = nows(visible) + "\x00" + nows(htmllib.unescape(re.sub(r"<[^>]+>", "", decoded)))
    keys = [nows(ln)[:15] for ln in ref.splitlines() if len(nows(ln)) >= 6]
    if not keys:
        return None
    return sum(1 for k in keys if k in flat) / len(keys)


def norm_author(a: str | None) -> str | None:
    if a is None or a.strip().lower() in _NONE:
        return None
    return re.sub(r"[\s、，,;；/]+", "", a)


def norm_time(t: str | None) -> str | None:
    if t is None or t.strip().lower() in _NONE:
        return None
    _iso, plain = normalise_time(t)
    return plain or t.strip()


def time_match(pred_plain: str | None, ref: str | None) -> tuple[bool, bool]:
    """(exact at the reference's precision, same date)."""
    ref_n = norm_time(ref)
    if ref_n is None:
        return pred_plain is None, pred_plain is None
    if pred_plain is None:
        return False, False
    if re.fullmatch(r"\d{4}(-\d{1,2})?", ref.strip()):        # '2018' / '1998-3': year(-month) only
        parts = [int(x) for x in ref.strip().split("-")]
        pp = [int(x) for x in pred_plain[:10].split("-")]
        ok = pp[:len(parts)] == parts
        return ok, ok
    exact = pred_plain[:len(ref_n)] == ref_n and (len(pred_plain) == len(ref_n)
                                                 or len(ref_n) >= 16)
    return exact, pred_plain[:10] == ref_n[:10]


def strip_site_suffix(t: str | None) -> str:
    t = (t or "").strip()
    return re.split(r"\s*[_|｜\-–—]\s*(?=[^_|｜\-–—]*$)", t)[0].strip() if re.search(r"[_|｜]", t) else t


def html_text(html: str) -> str:
    import lxml.html
    return lxml.html.fromstring(html).text_content()


def load_cases(d: Path) -> list[dict]:
    cases = []
    if (d / "readability_zh").is_dir() or d.name == "readability_zh":
        pass
    for jf in sorted(d.glob("*.json")):
        hf = jf.with_suffix(".html")
        if not hf.exists():
            continue
        j = json.loads(jf.read_text(encoding="utf-8"))
        cases.append({"id": jf.stem, "html": hf, "title": j.get("title"), "author": j.get("author"),
                      "time": j.get("publish_time"), "content": j.get("content") or "",
                      "bytes_as": j.get("bytes_decode_as")})
    for sub in sorted(p for p in d.iterdir() if p.is_dir()):
        gt = sub / "ground_truth.json"
        if gt.exists() and (sub / "source.html").exists():
            j = json.loads(gt.read_text(encoding="utf-8"))
            exp = (sub / "expected.html").read_text(encoding="utf-8")
            cases.append({"id": sub.name, "html": sub / "source.html", "title": j.get("title"),
                          "author": j.get("author"), "time": j.get("publish_time"),
                          "content": html_text(exp), "bytes_as": "utf-8"})
    return cases


def evaluate(d: Path, per_page: bool) -> dict:
    cases = load_cases(d)
    rows = []
    t0 = time.perf_counter()
    for c in cases:
        body = c["html"].read_bytes()
        text, enc, reason = decode_html(body, None)
        art = extract_article(text, None)
        lr = line_recall(text, c["content"])
        p, r, f = char_prf(art["content"], c["content"])
        a_ref, a_pred = norm_author(c["author"]), norm_author(art["author"])
        t_exact, t_date = time_match(art["published_text"], c["time"])
        row = {"id": c["id"][:8], "declared": meta_charset(body), "encoding": enc, "reason": reason,
               "replacement_chars": text.count("\ufffd"), "bytes_as": c.get("bytes_as"),
               "line_recall": lr, "decode_ok": None if lr is None else lr >= 0.8,
               "P": p, "R": r, "F1": f, "author_ref": a_ref, "author": a_pred,
               "author_ok": a_ref == a_pred, "time_ref": c["time"], "time": art["published_text"],
               "time_exact": t_exact, "time_date": t_date}
        if c["title"]:
            row["title_ok"] = strip_site_suffix(art["title"]) == strip_site_suffix(c["title"]) or \
                nows(art["title"]) == nows(c["title"])
            row["title"] = art["title"]
        rows.append(row)
    secs = time.perf_counter() - t0

    def mean(key):
        vals = [r[key] for r in rows if r.get(key) is not None]
        return round(sum(vals) / len(vals), 3) if vals else None

    n = len(rows)
    with_author = [r for r in rows if r["author_ref"]]
    with_time = [r for r in rows if norm_time(r["time_ref"])]
    summary = {
        "set": d.name, "pages": n, "seconds": round(secs, 1),
        "decode_ok": f"{sum(1 for r in rows if r['decode_ok'])}/{sum(1 for r in rows if r['decode_ok'] is not None)}",
        "line_recall": mean("line_recall"),
        "pages_with_replacement_chars": sum(1 for r in rows if r["replacement_chars"]),
        "body_P": mean("P"), "body_R": mean("R"), "body_F1": mean("F1"),
        "body_F1_median": round(sorted(r["F1"] for r in rows)[n // 2], 3) if n else None,
        "author_exact_all": f"{sum(r['author_ok'] for r in rows)}/{n}",
        "author_exact_where_ref_has_one": f"{sum(r['author_ok'] for r in with_author)}/{len(with_author)}",
        "time_exact_all": f"{sum(r['time_exact'] for r in rows)}/{n}",
        "time_exact_where_ref_has_one": f"{sum(r['time_exact'] for r in with_time)}/{len(with_time)}",
        "time_date_where_ref_has_one": f"{sum(r['time_date'] for r in with_time)}/{len(with_time)}",
    }
    if any("title_ok" in r for r in rows):
        tr = [r for r in rows if "title_ok" in r]
        summary["title_exact"] = f"{sum(r['title_ok'] for r in tr)}/{len(tr)}"
    summary["encodings"] = dict(Counter(r["encoding"] for r in rows))
    if per_page:
        summary["rows"] = rows
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--per-page", action="store_true", help="print one line per page")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args(argv)
    d = args.dir
    subs = [d / s for s in ("cwced_dev", "cwced", "readability_zh", "gne_unverified") if (d / s).is_dir()]
    if not subs:
        subs = [d]
    results = []
    for s in subs:
        res = evaluate(s, args.per_page)
        results.append(res)
        rows = res.pop("rows", [])
        print(f"== {res['set']}")
        for k, v in res.items():
            if k != "set":
                print(f"  {k:32s} {v}")
        for r in rows:
            print("   {id} enc={encoding:8s} lines={lr} F1={F1:.2f} author={author!r}/{author_ref!r} "
                  "time={time!r}/{time_ref!r} [{reason}]".format(
                      lr="-" if r["line_recall"] is None else f"{r['line_recall']:.2f}", **r))
        res["rows"] = rows
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
