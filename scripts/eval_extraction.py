#!/usr/bin/env python
"""Measure page decoding and article extraction on saved real pages.

Usage:
    .venv/bin/python scripts/eval_extraction.py /work/shared/extdata/news_pages [--per-page] [--json OUT]
        [--extractor ours|trafilatura|gne|readability]

--extractor scores one library alone on the same decoded pages (body, and the author and time
the library reports itself), to compare with the project's extractor (`ours`: the three of them
chosen by agreement, plus its own date and byline readers).

DIR is either the news_pages folder (its cwced_dev, cwced, readability_zh and gne_unverified
subfolders are scored separately) or one of those subfolders.

Figures per set, and per page kind (portal, news, forum, government: the reference JSON's
`kind` when it has one, else `crawlers.pagekind.page_kind` on the page's general features):
  decode_ok      share of pages where >= 80% of the ground-truth content lines (first 15
                 non-space chars) occur in the decoded page (no mojibake)
  line_recall    mean share of ground-truth content lines found in the decoded page
  garbled        pages whose extracted body looks like mojibake (`looks_mojibake`: many
                 replacement characters, or little CJK among the non-ASCII characters)
  body P/R/F1    character-level (bag of characters, whitespace removed) extracted body vs
                 reference content; macro average over pages, and the median F1
  author_exact   normalised exact match (UNKNOWN/empty = no value; both none counts as a match)
  time_exact     publish time compared at the reference's precision: the reference is read as
                 (year[, month[, day[, hour, minute[, second]]]]) by this script's own parser,
                 the extracted time must have at least that precision and agree on every part
                 the reference gives; time_date compares the date parts only
  title_exact    (readability_zh, gne) same title, or the bare headline of a reference title
                 that carries site suffixes ("headline _channel _site")
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.extract import decode_html, extract_article, looks_mojibake, meta_charset  # noqa: E402
from crawlers.pagekind import page_kind  # noqa: E402

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


_REF_TIME = re.compile(
    r"((?:19|20)\d{2})(?:\s*[-年/.]\s*(\d{1,2})(?:\s*[-月/.]\s*(\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?)?)?")


def time_parts(t: str | None) -> tuple[int, ...] | None:
    """(year[, month[, day[, hour, minute[, second]]]]) as written, None for no value."""
    if t is None or t.strip().lower() in _NONE:
        return None
    m = _REF_TIME.search(t)
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def norm_time(t: str | None) -> str | None:
    parts = time_parts(t)
    if parts is None:
        return None
    fmt = ["{:04d}", "-{:02d}", "-{:02d}", " {:02d}", ":{:02d}", ":{:02d}"]
    return "".join(f.format(v) for f, v in zip(fmt, parts))


def time_match(pred_plain: str | None, ref: str | None) -> tuple[bool, bool]:
    """(exact at the reference's precision, same date)."""
    ref_p = time_parts(ref)
    if ref_p is None:
        return pred_plain is None, pred_plain is None
    pred_p = time_parts(pred_plain)
    if pred_p is None:
        return False, False
    exact = len(pred_p) >= len(ref_p) and pred_p[:len(ref_p)] == ref_p
    return exact, pred_p[:min(3, len(ref_p))] == ref_p[:3]


def strip_site_suffix(t: str | None) -> str:
    t = (t or "").strip()
    return re.split(r"\s*[_|｜\-–—]\s*(?=[^_|｜\-–—]*$)", t)[0].strip() if re.search(r"[_|｜]", t) else t


def title_match(pred: str | None, ref: str) -> bool:
    """Same title, or the bare headline of a reference that carries site suffixes
    ("headline _channel _site" vs "headline")."""
    p, r = nows(pred), nows(ref)
    if not p:
        return False
    if p == r or nows(strip_site_suffix(pred)) == nows(strip_site_suffix(ref)):
        return True
    return r.startswith(p) and bool(re.match(r"[_|｜\-–—:：@]", r[len(p):]))


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
                      "bytes_as": j.get("bytes_decode_as"),
                      "kind": j.get("kind") or j.get("page_kind")})
    for sub in sorted(p for p in d.iterdir() if p.is_dir()):
        gt = sub / "ground_truth.json"
        if gt.exists() and (sub / "source.html").exists():
            j = json.loads(gt.read_text(encoding="utf-8"))
            exp = (sub / "expected.html").read_text(encoding="utf-8")
            cases.append({"id": sub.name, "html": sub / "source.html", "title": j.get("title"),
                          "author": j.get("author"), "time": j.get("publish_time"),
                          "content": html_text(exp), "bytes_as": "utf-8",
                          "kind": j.get("kind") or j.get("page_kind")})
    return cases


def _kind_of(text: str) -> str:
    import lxml.html
    try:
        return page_kind(lxml.html.fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text)))
    except Exception:  # noqa: BLE001 - an unparsable page is still scored
        return "news"


def figures(rows: list[dict], short: bool = False) -> dict:
    def mean(key):
        vals = [r[key] for r in rows if r.get(key) is not None]
        return round(sum(vals) / len(vals), 3) if vals else None

    n = len(rows)
    with_author = [r for r in rows if r["author_ref"]]
    with_time = [r for r in rows if norm_time(r["time_ref"])]
    out = {"pages": n} if short else {}
    out.update({
        "decode_ok": f"{sum(1 for r in rows if r['decode_ok'])}/{sum(1 for r in rows if r['decode_ok'] is not None)}",
        "garbled": sum(1 for r in rows if r["garbled"]),
        "body_F1": mean("F1"),
        "body_F1_median": round(statistics.median(r["F1"] for r in rows), 3) if n else None,
        "author_exact_where_ref_has_one": f"{sum(r['author_ok'] for r in with_author)}/{len(with_author)}",
        "time_exact_where_ref_has_one": f"{sum(r['time_exact'] for r in with_time)}/{len(with_time)}",
        "time_date_where_ref_has_one": f"{sum(r['time_date'] for r in with_time)}/{len(with_time)}",
    })
    if short:
        return out
    out.update({
        "line_recall": mean("line_recall"),
        "pages_with_replacement_chars": sum(1 for r in rows if r["replacement_chars"]),
        "body_P": mean("P"), "body_R": mean("R"),
        "body_F1_min": round(min(r["F1"] for r in rows), 3) if n else None,
        "author_exact_all": f"{sum(r['author_ok'] for r in rows)}/{n}",
        "time_exact_all": f"{sum(r['time_exact'] for r in rows)}/{n}",
    })
    return out


def _alone(name: str):
    """One library as an extractor with extract_article's output keys."""
    def trafilatura_alone(text, url):
        import trafilatura
        doc = trafilatura.bare_extraction(text, include_comments=False, include_tables=True,
                                          favor_precision=True, with_metadata=True)
        get = (lambda k: getattr(doc, k, None)) if doc is not None and not isinstance(doc, dict) else \
            (lambda k: (doc or {}).get(k))
        return {"content": get("text") or "", "author": get("author"), "published_text": get("date"),
                "title": get("title")}

    def gne_alone(text, url):
        from gne import GeneralNewsExtractor
        try:
            r = GeneralNewsExtractor().extract(text)
        except Exception:  # noqa: BLE001 - GNE raises on some markup; score it as empty
            r = {}
        return {"content": r.get("content") or "", "author": r.get("author") or None,
                "published_text": r.get("publish_time") or None, "title": r.get("title")}

    def readability_alone(text, url):
        import lxml.html
        from readability import Document
        doc = Document(text)
        body = lxml.html.fromstring(doc.summary()).text_content()
        return {"content": body, "author": None, "published_text": None, "title": doc.short_title()}

    return {"trafilatura": trafilatura_alone, "gne": gne_alone, "readability": readability_alone}[name]


EXTRACTOR = None


def evaluate(d: Path, per_page: bool) -> dict:
    cases = load_cases(d)
    rows = []
    t0 = time.perf_counter()
    for c in cases:
        body = c["html"].read_bytes()
        text, enc, reason = decode_html(body, None)
        art = extract_article(text, None) if EXTRACTOR is None else EXTRACTOR(text, None)
        kind = c.get("kind") or _kind_of(text)
        garbled = looks_mojibake(art["content"])
        lr = line_recall(text, c["content"])
        p, r, f = char_prf(art["content"], c["content"])
        a_ref, a_pred = norm_author(c["author"]), norm_author(art["author"])
        t_exact, t_date = time_match(art["published_text"], c["time"])
        row = {"id": c["id"][:8], "kind": kind, "garbled": garbled, "declared": meta_charset(body), "encoding": enc, "reason": reason,
               "replacement_chars": text.count("\ufffd"), "bytes_as": c.get("bytes_as"),
               "line_recall": lr, "decode_ok": None if lr is None else lr >= 0.8,
               "P": p, "R": r, "F1": f, "author_ref": a_ref, "author": a_pred,
               "author_ok": a_ref == a_pred, "time_ref": c["time"], "time": art["published_text"],
               "time_exact": t_exact, "time_date": t_date}
        if c["title"]:
            row["title_ok"] = title_match(art["title"], c["title"])
            row["title"] = art["title"]
        rows.append(row)
    secs = time.perf_counter() - t0

    summary = {"set": d.name, "pages": len(rows), "seconds": round(secs, 1)}
    summary.update(figures(rows))
    by_kind = defaultdict(list)
    for r in rows:
        by_kind[r["kind"]].append(r)
    summary["by_kind"] = {k: figures(v, short=True) for k, v in sorted(by_kind.items())}
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
    ap.add_argument("--extractor", default="ours", choices=("ours", "trafilatura", "gne", "readability"),
                    help="score one library alone instead of the project's extractor")
    args = ap.parse_args(argv)
    global EXTRACTOR
    EXTRACTOR = None if args.extractor == "ours" else _alone(args.extractor)
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
            if k not in ("set", "by_kind"):
                print(f"  {k:32s} {v}")
        print("  by page kind:")
        for kind, fig in res["by_kind"].items():
            print(f"    {kind:11s} " + "  ".join(f"{k.replace('_where_ref_has_one', '')}={v}"
                                               for k, v in fig.items()))
        for r in rows:
            print("   {id} {kind:10s} enc={encoding:8s} lines={lr} F1={F1:.2f} author={author!r}/{author_ref!r} "
                  "time={time!r}/{time_ref!r} [{reason}]".format(
                      lr="-" if r["line_recall"] is None else f"{r['line_recall']:.2f}", **r))
        res["rows"] = rows
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
