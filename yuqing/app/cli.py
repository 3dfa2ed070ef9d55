"""The `yuqing` command: one entry point, one subcommand per task."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import IO, Iterator

from pydantic import ValidationError

from yuqing.app.build import fail_config as _fail_config
from yuqing.app.build import load_config, make_engine, settings_for
from yuqing import vocab
from yuqing.config import ConfigError
from yuqing.timeutil import iso_local


def _config(args, err=None) -> "Config":  # noqa: F821
    return load_config(args.config, err=err)


def read_items(path: str, err: IO[str], *, encoding: str | None = None,
               progress: bool = False) -> Iterator[tuple[int, "Item"]]:  # noqa: F821
    """Yield (line number, Item) for each good line; report each bad one on `err` and go on.
    `read_items.errors` counts the bad lines, `read_items.reasons` counts them by reason."""
    from collections import Counter
    from yuqing.app.readers import read_any, reason_of
    from yuqing.model import Item
    read_items.errors, read_items.reasons = 0, Counter()
    for n, data, problem in read_any(path, encoding=encoding, progress=progress, err=err):
        if problem is not None:
            read_items.errors += 1
            read_items.reasons[reason_of(problem)] += 1
            print(f"{path}:{n}: {problem}", file=err)
            continue
        try:
            yield n, Item.model_validate(data)
        except ValidationError as exc:
            read_items.errors += 1
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(item)'}: "
                                 f"{'missing required field' if e['type'] == 'missing' else e['msg']}"
                                 for e in exc.errors())
            read_items.reasons["invalid item"] += 1
            ident = data.get("id")
            print(f"{path}:{n}: invalid item{f' {ident!r}' if ident else ''}: {problems}", file=err)


def cmd_route(args, out: IO, err: IO) -> int:
    from yuqing.app.readers import ReadError
    try:
        cfg = _config(args, err)
        engine = make_engine(cfg, settings_for(cfg.dir), model=args.model)
    except ConfigError as exc:
        return _fail_config(exc, err)
    dst = out if args.out == "-" else open(args.out, "w", encoding="utf-8")
    written = read = 0
    progress = args.out != "-" and not args.quiet
    try:
        for n, item in read_items(args.inp, err, encoding=args.encoding, progress=progress):
            read += 1
            try:
                dec = engine.process(item)
            except Exception as exc:  # one bad item must not lose the rest
                read_items.errors += 1
                read_items.reasons[type(exc).__name__] += 1
                print(f"{args.inp}:{n}: item {item.id!r} failed: {type(exc).__name__}: {exc}", file=err)
                continue
            dst.write(json.dumps(dec.to_json(), ensure_ascii=False) + "\n")
            dst.flush()
            written += 1
    except ReadError as exc:
        print(f"route: {exc}", file=err)
        return 2
    finally:
        if dst is not out:
            dst.close()
    from yuqing.app.readers import summary
    errors = getattr(read_items, "errors", 0)
    rejected = errors - (read - written)          # bad lines; items that failed were read
    print(summary("route", read + rejected, written, "已研判 / decided", read_items.reasons), file=err)
    return 1 if errors else 0


def cmd_explain(args, out: IO, err: IO) -> int:
    """Run items up to the one asked for and print its path through the rules."""
    from yuqing.app.readers import ReadError
    try:
        cfg = _config(args, err)
        engine = make_engine(cfg, settings_for(cfg.dir), model=args.model)
    except ConfigError as exc:
        return _fail_config(exc, err)
    want = args.id
    last = None
    try:
        for n, item in read_items(args.inp, err, encoding=args.encoding):
            try:
                last = engine.process(item)
            except Exception as exc:
                print(f"{args.inp}:{n}: item {item.id!r} failed: {type(exc).__name__}: {exc}", file=err)
                continue
            if want is not None and item.id == want:
                break
        else:
            if want is not None:
                print(f"explain: item {want!r} not found in {args.inp}", file=err)
                return 1
    except ReadError as exc:
        print(f"explain: {exc}", file=err)
        return 2
    if last is None:
        print("explain: no item read", file=err)
        return 1
    print_explanation(last, out)
    return 0


def print_explanation(dec, out: IO) -> None:
    a, c, it = dec.analysis, dec.case, dec.item
    w = lambda s="": print(s, file=out)
    w(f"条目 {it.id}  {it.platform}  {it.source or ''}  {it.published_at.isoformat()}")
    w(f"  标题：{it.title or '（无）'}")
    w(f"  正文：{it.content[:120]}{'…' if len(it.content) > 120 else ''}")
    w("分析 / analysis:")
    w(f"  情感 {a.sentiment:.2f}  负面 {'是' if a.negative else '否'}  类别 {a.category or '—'}"
      f"  地点 {'、'.join(p.name + '→' + p.unit for p in a.places) or '—'}")
    for r in a.reasons:
        w(f"    · {r}")
    w("事件 / event:")
    w(f"  {c.event_id}  " + ("（新事件）" if dec.new_event else ""))
    for r in dec.grouping_reasons:
        w(f"    · {r}")
    if dec.duplicate_of:
        w(f"    · 重复（{dec.duplicate_reason}）：同 {dec.duplicate_of}")
    w("路由 / route:")
    w(f"  路径 {' → '.join(dec.route_path) or '（不立案）'}")
    w(f"  级别 {c.severity}  突发 {'是' if c.emergency else '否'}  规则 {c.rule or '—'}  处置类型 {c.handling_type or '—'}")
    w(f"  第一责任单位 {c.first_responsible or '—'}  配合 {'、'.join(c.co_responsible) or '—'}  移交/告知 {'、'.join(c.refer_to) or '—'}")
    for r in c.reasons:
        w(f"    · {r}")
    for k in c.clocks:
        w(f"  时钟 {vocab.clock_label(k.kind)} 截止 {iso_local(k.due_at)}{' （暂定）' if k.provisional else ''}")


def cmd_check_config(args, out: IO, err: IO) -> int:
    try:
        cfg = load_config(args.dir or args.config, announce=False)
    except ConfigError as exc:
        return _fail_config(exc, err)
    d = cfg.district
    print(f"配置无误 / config OK: {cfg.dir}", file=out)
    for n in cfg.notices:
        print(f"  注意 / note: {n}", file=out)
    print(f"  {d.district}: {len(d.streets)} 街道, {len(d.zones)} 功能区, {len(d.departments)} 部门, "
          f"{len(d.categories)} 类别, {len(d.place_index())} 地点", file=out)
    present = sorted(p.name for p in cfg.dir.glob("*.yaml"))
    print(f"  files: {', '.join(present)}", file=out)
    return 0


def cmd_rules(args, out: IO, err: IO) -> int:
    from yuqing.config.rules import walk_routes
    try:
        cfg = _config(args, err)
    except ConfigError as exc:
        return _fail_config(exc, err)
    if args.rules_cmd == "show":
        for path, r in walk_routes(cfg.rules.route):
            depth = path.count("/")
            m = r.match.model_dump(exclude_none=True) if r.match else {}
            print("  " * depth + f"{path}  {r.rule}  match={json.dumps(m, ensure_ascii=False) if m else '(default)'}"
                  f"  first={r.first_responsible or '-'}  co={r.co_responsible or '-'}  refer={r.refer_to or '-'}"
                  + ("  continue" if r.continue_ else ""), file=out)
        return 0
    from pipeline.rulestest import run_rule_tests
    return run_rule_tests(cfg, args.files, out, err, model=args.model, verbose=getattr(args, "verbose", False))


def cmd_due(args, out: IO, err: IO) -> int:
    from yuqing.app.due import main as due_main
    from yuqing.app.build import config_dir
    argv = [args.kind, "--from", args.start]
    cdir = config_dir(args.config)
    if (cdir / "clocks.yaml").exists():
        argv += ["--policy", str(cdir / "clocks.yaml")]
    if (cdir / "calendar.yaml").exists():
        argv += ["--calendar", str(cdir / "calendar.yaml")]
    if args.reason:
        argv.append("--reason")
    return due_main(argv, out=out, err=err)


def cmd_settings(args, out: IO, err: IO) -> int:
    from yuqing.app.build import pairs
    try:
        s = settings_for(args.config, pairs(args.set))
    except ValueError as exc:
        print(f"错误 / error: {exc}", file=err)
        return 2
    for name, value, source in s.show():
        print(f"{name:28} {value:40} ({source})", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yuqing", description="政务舆情监测与回应 / public-opinion monitoring and response")
    p.add_argument("--config", help="config directory (default: $YUQING_CONFIG or ./config)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("route", help="route items (JSON Lines) to decisions, one per item, in order")
    r.add_argument("--in", dest="inp", required=True, help="items file (- for stdin)")
    r.add_argument("--out", default="-", help="decisions file (- for stdout)")
    r.add_argument("--model", help="sentiment model path (default: shipped model)")
    r.add_argument("--encoding", help="encoding of the items file (default UTF-8, BOM allowed)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=cmd_route)

    e = sub.add_parser("explain", help="print one item's path through the analysis and the rules")
    e.add_argument("--in", dest="inp", required=True, help="items file: the events so far are replayed")
    e.add_argument("--id", help="the item to explain (default: the last)")
    e.add_argument("--model", help="sentiment model path")
    e.add_argument("--encoding", help="encoding of the items file (default UTF-8, BOM allowed)")
    e.set_defaults(func=cmd_explain)

    c = sub.add_parser("check-config", help="validate a config directory; list every error")
    c.add_argument("dir", nargs="?", help="config directory")
    c.set_defaults(func=cmd_check_config)

    ru = sub.add_parser("rules", help="show the routing tree, or test it against a file of cases")
    rsub = ru.add_subparsers(dest="rules_cmd", required=True)
    rs = rsub.add_parser("show", help="print the routing tree")
    rs.set_defaults(func=cmd_rules)
    rt = rsub.add_parser("test", help="run YAML test cases against the config; exit 1 on any failure")
    rt.add_argument("files", nargs="+")
    rt.add_argument("--model", help="sentiment model path")
    rt.add_argument("-v", "--verbose", action="store_true", help="print the path and reasons of passing cases too")
    rt.set_defaults(func=cmd_rules)

    d = sub.add_parser("due", help="print when a clock started at a time is due")
    d.add_argument("kind", help="statement | press_conference | follow_up | feedback | feedback_extended | consultation | repost")
    d.add_argument("--from", dest="start", required=True, help="ISO 8601 start time (no offset = Asia/Shanghai)")
    d.add_argument("--reason", action="store_true", help="also print the reason")
    d.set_defaults(func=cmd_due)

    st = sub.add_parser("settings", help="show settings with where each value came from")
    st.add_argument("action", choices=["show"])
    st.add_argument("--set", action="append", metavar="NAME=VALUE")
    st.set_defaults(func=cmd_settings)

    from yuqing.app import commands
    commands.register(sub)
    return p


def main(argv: list[str] | None = None, out: IO | None = None, err: IO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    return args.func(args, out, err)


if __name__ == "__main__":
    sys.exit(main())
