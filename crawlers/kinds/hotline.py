"""12345 hotline exports (CSV or XLSX, GBK/GB18030 or UTF-8) as items: a file-import source kind,
also read by `yuqing ingest`.

Exports differ by platform, so columns are found by their header, from lists of the names seen
in practice (工单编号/受理编号…, 受理时间/来电时间…, 诉求内容/来电内容…); a district whose
export names them otherwise passes `columns` (field → header). A row without an id, a time or
a text is reported with its row number, and the rest are still read.
"""
from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Mapping

from yuqing.timeutil import SHANGHAI

# field → header names seen in 12345 exports, in order of preference
HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("工单编号", "工单号", "受理编号", "编号", "诉求编号", "id", "ID"),
    "published_at": ("受理时间", "来电时间", "登记时间", "创建时间", "诉求时间", "时间", "published_at"),
    "title": ("诉求标题", "标题", "主题", "事项标题", "title"),
    "content": ("诉求内容", "来电内容", "内容", "反映内容", "问题描述", "事项内容", "content"),
    "address": ("诉求地址", "发生地址", "地址", "事发地点", "地点"),
    "area": ("所属区域", "所属街道", "区域", "街道"),
    "kind": ("诉求类型", "类型", "工单类型", "事项类型"),
    "reply": ("办理结果", "答复内容", "处理结果", "回复内容"),
}
FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d",
           "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y%m%d%H%M%S")


class ExportError(ValueError):
    """The file cannot be read as an export at all (encoding, no header row we know)."""


def _decode(raw: bytes, encoding: str | None) -> str:
    if encoding:
        return raw.decode(encoding)
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")        # a superset of GBK: what Chinese office software writes
    except UnicodeDecodeError as exc:
        raise ExportError(f"neither UTF-8 nor GB18030 (byte {exc.start}); pass --encoding") from None


def _rows_csv(path: Path, encoding: str | None) -> Iterator[list[str]]:
    text = _decode(path.read_bytes(), encoding)
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;") if text.strip() else csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _rows_xlsx(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        for row in wb.active.iter_rows(values_only=True):
            yield ["" if v is None else v for v in row]
    finally:
        wb.close()


def _time(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=SHANGHAI)
    s = str(v or "").strip()
    for fmt in FORMATS:
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    return None


def _columns(header: list[Any], override: Mapping[str, str] | None) -> dict[str, int]:
    names = [str(h).strip() for h in header]
    out: dict[str, int] = {}
    for field, choices in HEADERS.items():
        wanted = [override[field]] if override and field in override else list(choices)
        for w in wanted:
            if w in names:
                out[field] = names.index(w)
                break
    return out


def read_export(path: str | Path, *, encoding: str | None = None, columns: Mapping[str, str] | None = None,
                source: str = "12345热线", id_prefix: str = "12345") -> Iterator[tuple[int, dict | None, str | None]]:
    """(row number, item dict or None, problem or None) for each data row."""
    path = Path(path)
    if not path.exists():
        raise ExportError(f"{path}: 文件不存在 / file not found")
    rows = _rows_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _rows_csv(path, encoding)
    header: list[Any] | None = None
    cols: dict[str, int] = {}
    for n, row in enumerate(rows, 1):
        if header is None:
            cols = _columns(row, columns)
            if "content" in cols and "published_at" in cols:
                header = row
                continue
            if n >= 10:
                raise ExportError(f"{path}: no header row with a text and a time column in the first 10 rows "
                                  f"(known: {', '.join(HEADERS['content'])}; {', '.join(HEADERS['published_at'])})")
            continue
        if not any(str(c).strip() for c in row):
            continue
        get = lambda f: (str(row[cols[f]]).strip() if f in cols and cols[f] < len(row) and row[cols[f]] != "" else "")
        when = _time(row[cols["published_at"]] if cols["published_at"] < len(row) else "")
        content = get("content")
        if not content:
            yield n, None, "empty content"
            continue
        if when is None:
            yield n, None, f"unreadable time {get('published_at')!r}"
            continue
        ident = get("id") or hashlib.sha1(f"{when.isoformat()}|{content}".encode("utf-8")).hexdigest()[:16]
        text = content
        if get("address") and get("address") not in content:
            text = f"{content}（地址：{get('address')}）"        # the place often sits only in its own column
        item = {"id": f"{id_prefix}-{ident}", "url": None, "platform": "hotline", "source": source, "author": None,
                "title": get("title") or None, "content": text, "published_at": when.isoformat(),
                "metrics": {}}
        if get("kind"):
            item["hotline_kind"] = get("kind")
        yield n, item, None


class HotlineSource:
    """A 12345 export as a source (kind `hotline`): a local file (`path`) or a URL the platform
    publishes it at (`url`: fetched with If-None-Match / If-Modified-Since, robots.txt obeyed
    unless `robots: false`). Re-reading an export emits only the rows that are new or whose text
    changed (a changed row is a new version: `<id>-v<hash>`)."""

    def __init__(self, entry, context):
        self.entry, self.context = entry, context
        self.key, self.kind = entry.key, entry.kind

    @classmethod
    def from_config(cls, entry, context) -> "HotlineSource":
        return cls(entry, context)

    def _fetch(self, seen: dict) -> tuple[Path | None, dict, int]:
        """(local file or None when unchanged, page record, pages fetched)."""
        import tempfile
        import urllib.error
        import urllib.request
        import urllib.robotparser
        from urllib.parse import urljoin, urlsplit
        e = self.entry
        if e.path is not None:
            return Path(e.path), {}, 0
        from crawlers.crawl import SETTINGS
        agent = SETTINGS["USER_AGENT"]
        if e.robots:
            rp = urllib.robotparser.RobotFileParser()
            try:
                with urllib.request.urlopen(urllib.request.Request(urljoin(e.url, "/robots.txt"),
                                                                   headers={"User-Agent": agent}),
                                            timeout=e.timeout_seconds) as r:
                    rp.parse(r.read().decode("utf-8", "replace").splitlines())
            except urllib.error.HTTPError as exc:
                rp.parse([] if exc.code >= 400 else ["User-agent: *", "Disallow: /"])
            except OSError:
                rp.parse([])
            if not rp.can_fetch(agent, e.url):
                raise ExportError(f"{e.url}: forbidden by robots.txt")
        old = seen.get(f"file:{e.url}", {})
        headers = {"User-Agent": agent}
        if old.get("etag"):
            headers["If-None-Match"] = old["etag"]
        if old.get("last_modified"):
            headers["If-Modified-Since"] = old["last_modified"]
        last: Exception | None = None
        for attempt in range(e.retries + 1):
            try:
                with urllib.request.urlopen(urllib.request.Request(e.url, headers=headers),
                                            timeout=e.timeout_seconds) as r:
                    body = r.read(64 * 1024 * 1024)
                    rec = {"url_key": f"file:{e.url}", "etag": r.headers.get("ETag"),
                           "last_modified": r.headers.get("Last-Modified")}
                suffix = Path(urlsplit(e.url).path).suffix or ".csv"
                tmp = Path(tempfile.mkdtemp(prefix="yuqing-hotline-")) / f"export{suffix}"
                tmp.write_bytes(body)
                return tmp, rec, 1
            except urllib.error.HTTPError as exc:
                if exc.code == 304:
                    return None, {}, 1
                last = exc
                if exc.code < 500:
                    break
            except OSError as exc:
                last = exc
            if attempt < e.retries:
                import time
                time.sleep(min(30.0, 2 ** attempt))      # back off before the next try
        raise ExportError(f"{e.url}: {last}")

    def crawl(self, emit) -> "CrawlStats":
        from crawlers.spiders.news import text_hash
        from yuqing.seams import CrawlStats
        e, state = self.entry, self.context.state
        stats = CrawlStats(source=self.key)
        seen = state.pages(self.key) if state is not None else {}
        try:
            path, file_rec, stats.pages = self._fetch(seen)
        except ExportError as exc:
            stats.failed, stats.errors = True, [str(exc)]
            stats.dropped["sources/failed/export"] = 1
            return stats
        if path is None:
            stats.not_modified = 1
            return stats
        records = []
        try:
            for n, item, problem in read_export(path, encoding=e.encoding, columns=e.columns,
                                                source=e.source or e.name, id_prefix=e.prefix):
                if item is None:
                    stats.dropped[f"items/dropped/{problem.split(' ')[0]}"] = \
                        stats.dropped.get(f"items/dropped/{problem.split(' ')[0]}", 0) + 1
                    stats.errors.append(f"row {n}: {problem}")
                    continue
                item["platform"] = e.platform if e.platform != "news" else "hotline"
                key, h = f"row:{item['id']}", text_hash(item.get("title"), item["content"])
                old = seen.get(key)
                if old and old.get("content_hash") == h:
                    continue
                if old and old.get("content_hash"):
                    item["id"] = f"{item['id']}-v{h[:8]}"
                emit(item)
                stats.items += 1
                records.append({"url_key": key, "content_hash": h, "item_id": item["id"]})
        except ExportError as exc:
            stats.failed = True
            stats.errors.append(str(exc))
            stats.dropped["sources/failed/export"] = 1
        finally:
            if e.path is None:
                path.unlink(missing_ok=True)
                path.parent.rmdir()
        if state is not None:
            state.mark(self.key, records + ([file_rec] if file_rec and not stats.failed else []))
        stats.errors = stats.errors[-20:]
        return stats
