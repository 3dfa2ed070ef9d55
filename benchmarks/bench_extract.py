#!/usr/bin/env python3
"""Pages per second of the article extractor against trafilatura alone, on the same pages, in one run.

    python benchmarks/bench_extract.py DIR [--limit N] [--repeat R] [--json]

DIR is searched recursively for *.html / *.htm files (for example a folder of saved pages).
Both sides get the same decoded text (`decode_html` is timed apart, once per page): the
extractor is `crawlers.extract.extract_article` (three extractors, agreement, boilerplate,
dates, bylines); the baseline is `trafilatura.extract` with the settings the project used
before (precision mode, tables, no comments). Imports and a warm-up page are not timed.
Reports pages per second for both, the ratio (extractor / trafilatura; below 1 means the
extractor is slower), the slowest pages, and the peak resident memory of the run.
"""
from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _pages(d: Path, limit: int | None) -> list[Path]:
    files = sorted(p for p in d.rglob("*") if p.suffix.lower() in (".html", ".htm") and p.is_file())
    return files[:limit] if limit else files


def _trafilatura(text: str) -> str:
    import trafilatura
    try:
        return trafilatura.extract(text, include_comments=False, include_tables=True,
                                   favor_precision=True, deduplicate=False) or ""
    except Exception:  # noqa: BLE001 - the baseline may fail on odd markup; so be it
        return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="folder of saved pages")
    ap.add_argument("--limit", type=int, help="at most this many pages")
    ap.add_argument("--repeat", type=int, default=1, help="passes over the pages (default 1)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)

    from crawlers.extract import decode_html, extract_article
    files = _pages(args.dir, args.limit)
    if not files:
        print(f"no .html pages under {args.dir}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    texts = [decode_html(f.read_bytes(), None)[0] for f in files]
    decode_s = time.perf_counter() - t0

    extract_article(texts[0], None)          # warm-up: imports, regex compilation
    _trafilatura(texts[0])

    per_page: list[tuple[float, str]] = []
    ours = base = 0.0
    for _ in range(args.repeat):
        for f, text in zip(files, texts):
            t = time.perf_counter()
            extract_article(text, None)
            dt = time.perf_counter() - t
            ours += dt
            per_page.append((dt, f.name))
        t = time.perf_counter()
        for text in texts:
            _trafilatura(text)
        base += time.perf_counter() - t
    n = len(files) * args.repeat
    res = {
        "pages": len(files), "repeat": args.repeat,
        "decode_pages_per_s": round(len(files) / decode_s, 1) if decode_s else None,
        "extract_pages_per_s": round(n / ours, 2) if ours else None,
        "trafilatura_pages_per_s": round(n / base, 2) if base else None,
        "ratio": round((n / ours) / (n / base), 3) if ours and base else None,
        "slowest": [(name, round(dt, 3)) for dt, name in sorted(per_page, reverse=True)[:5]],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
    else:
        for k, v in res.items():
            print(f"{k:24s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
