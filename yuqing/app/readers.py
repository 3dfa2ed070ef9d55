"""Reading item files for `route`, `explain` and `ingest`: one place that knows encodings.

JSON Lines are UTF-8 (a BOM is allowed); another encoding is an error that says what the file
looks like and how to read it (`--encoding gbk`), raised before anything is written, never a
silent decode with replacement characters. CSV and XLSX 12345 hotline exports (GBK or UTF-8)
are read by the crawlers' file-import source kind and yield the same item dicts.
Each yielded row is (line number, item dict or None, problem or None): a bad line is reported
with its number and reason, and the rest is still read.
"""
from __future__ import annotations

import codecs
import io
import json
import sys
from pathlib import Path
from typing import IO, Iterator

SNIFF = 256 * 1024


class ReadError(ValueError):
    """The file cannot be read at all (not found, wrong encoding): nothing was processed."""


def _guess(raw: bytes) -> str:
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(raw[:SNIFF]).best()
        return (best.encoding if best else "gb18030").replace("_", "-")
    except Exception:
        return "gb18030"


def open_text(path: str, encoding: str | None = None) -> IO[str]:
    """A text stream over `path` ('-' for stdin), checked to decode before it is handed out."""
    binary = io.BytesIO(sys.stdin.buffer.read()) if path == "-" else _open_binary(path)
    head = binary.read(SNIFF)
    binary.seek(0)
    if encoding is None:
        encoding = "utf-8-sig"          # a UTF-8 BOM is dropped, not read as part of the first id
        try:
            # the head may end inside a character: let the incremental decoder keep the tail
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError as exc:
            guess = _guess(head)
            binary.close()
            raise ReadError(f"{path}: 不是 UTF-8 编码（第 {exc.start} 字节），看起来是 {guess}；"
                            f"请用 --encoding {guess} 读取 / not UTF-8 (byte {exc.start}), looks like {guess}: "
                            f"use --encoding {guess}") from None
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:
            binary.close()
            raise ReadError(f"unknown encoding {encoding!r}") from None
    return io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline=None)


def _open_binary(path: str):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise ReadError(f"{path}: 文件不存在 / file not found") from None
    except IsADirectoryError:
        raise ReadError(f"{path}: 是目录，不是文件 / is a directory") from None


def read_jsonl(stream: IO[str], name: str) -> Iterator[tuple[int, dict | None, str | None]]:
    n = 0
    while True:
        try:
            line = stream.readline()
        except UnicodeDecodeError as exc:
            raise ReadError(f"{name}:{n + 1}: 编码错误 / cannot decode ({exc.reason}); "
                            f"the lines before were processed") from None
        if not line:
            return
        n += 1
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, None, f"malformed JSON: {exc.msg} (column {exc.colno})"
            continue
        if not isinstance(data, dict):
            yield n, None, f"expected a JSON object, got {type(data).__name__}"
            continue
        yield n, data, None


def read_any(path: str, *, encoding: str | None = None, progress: bool = False,
             err=None) -> Iterator[tuple[int, dict | None, str | None]]:
    """Items of a JSON Lines, CSV or XLSX file, with a progress bar on a terminal when asked."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".xlsx", ".xls"):
        from crawlers.kinds.hotline import read_export
        rows = read_export(path, encoding=encoding)
    else:
        rows = read_jsonl(open_text(path, encoding), path)
    if progress and (err or sys.stderr).isatty():
        from tqdm import tqdm
        rows = tqdm(rows, desc="读取 / reading", unit="条", file=err or sys.stderr, leave=False)
    yield from rows


def summary(command: str, read: int, done: int, done_label: str, rejected: "dict[str, int]") -> str:
    """The closing line of a long import: items read, how many were handled, rejected by reason."""
    n = sum(rejected.values())
    why = "；".join(f"{k} {v}" for k, v in sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0])))
    return (f"{command}: 读取 {read} 条 / read {read}, {done_label} {done}, 拒绝 {n} 条 / rejected {n}"
            + (f"（{why}）" if why else ""))


def reason_of(problem: str) -> str:
    """The kind of a problem line (`invalid JSON: …` → `invalid JSON`), for the summary's counts."""
    return problem.split(":", 1)[0].split(" '")[0].strip() or "error"
