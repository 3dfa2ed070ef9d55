"""Subcommands that run processes (run, worker, notifier, scheduler, demo, dashboard), move data
(ingest, dead-letter) and train models. Each builds its parts through `yuqing.app.build`.

Every command that starts children stops them all on SIGTERM and SIGINT.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from yuqing.app.build import Parts, fail_config, pairs, parts
from yuqing.config import ConfigError
from yuqing.settings import mask_url

ROOT = Path(__file__).resolve().parents[2]


def _parts(args, err, *, create_store: bool = True) -> Parts:
    try:
        return parts(getattr(args, "config", None), pairs(getattr(args, "set", None)),
                     now=getattr(args, "now", None), create_store=create_store,
                     store_url=getattr(args, "store", None), err=err)
    except ConfigError as exc:
        raise SystemExit(fail_config(exc, err))
    except ValueError as exc:          # a bad --set (unknown name, a secret on the command line)
        print(f"错误 / error: {exc}", file=err)
        raise SystemExit(2)


def _run_children(procs: list[subprocess.Popen], stop) -> None:
    """Wait until stopped or a child dies; then stop every child (its whole process group)."""
    import logging
    log = logging.getLogger("yuqing.app")
    try:
        while not stop.wait(1.0):
            for p in procs:
                if p.poll() is not None:
                    log.error("a child process exited (%s, code %s)", " ".join(map(str, p.args[:4])), p.returncode)
                    stop.set()
    finally:
        stop_children(procs)


def stop_children(procs: list[subprocess.Popen], timeout: float = 10) -> None:
    for p in procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for p in procs:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def streamlit_command(port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "yuqing" / "app" / "dashboard_main.py"),
            "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
            "--browser.gatherUsageStats", "false"]


# ---------------------------------------------------------------------------------------- processes
def cmd_run(args, out, err) -> int:
    from yuqing.app.service import Service, Stop, wait_forever
    p = _parts(args, err)
    stop = Stop(install=True)
    svc = Service(p, overrides=pairs(args.source_url), work=not args.no_worker, notify=not args.no_notifier).start()
    print(f"运行中 / running: store {mask_url(p.settings['STORE_URL'])}, bus {p.settings['BUS']}; Ctrl-C stops",
          file=out, flush=True)
    try:
        wait_forever(stop)
    finally:
        svc.stop()
    return 0


def cmd_worker(args, out, err) -> int:
    from yuqing.app.service import Stop, build_stage, worker_loop
    p = _parts(args, err)
    stage = args.stage or p.settings["WORKER_STAGE"]
    try:
        worker = build_stage(p, stage)
    except ValueError as exc:
        print(f"错误 / error: {exc}", file=err)
        p.close()
        return 2
    stop = Stop(install=True)
    print(f"研判流水线运行中 / worker ({stage}): bus {p.settings['BUS']}, store {mask_url(p.settings['STORE_URL'])}",
          file=out, flush=True)
    try:
        worker_loop(p, stop, worker=worker)
    finally:
        p.close()
    return 0


def cmd_notifier(args, out, err) -> int:
    from yuqing.app.service import Stop, notifier_loop, notify_once
    p = _parts(args, err)
    try:
        if args.once:
            r = notify_once(p)
            from responders.scheduler import describe
            print(describe(r), file=out)
            return 1 if r.errors else 0
        stop = Stop(install=True)
        print(f"通知服务运行中 / notifier: channels {', '.join(p.channels)}", file=out, flush=True)
        notifier_loop(p, stop, interval=args.interval)
        return 0
    finally:
        p.close()


def cmd_scheduler(args, out, err) -> int:
    from responders.scheduler import describe, sweep
    from yuqing.app.service import Stop, scheduler_loop
    p = _parts(args, err)
    try:
        if args.once or args.now:
            r = sweep(p.store, p.clock, p.channels, config=p.config, outbox=p.outbox)
            print(describe(r), file=out)
            return 1 if r.errors else 0
        stop = Stop(install=True)
        scheduler_loop(p, stop, interval=args.interval, out=out)
        return 0
    finally:
        p.close()


def cmd_notify_test(args, out, err) -> int:
    """A test message to UNIT on every channel configured for it; the status per channel."""
    from responders.notify_test import notify_test
    from yuqing.app.build import config_dir, load_config, make_clock, settings_for
    try:
        config = load_config(config_dir(getattr(args, "config", None)), err=err)
        settings = settings_for(getattr(args, "config", None), pairs(args.set))
    except ConfigError as exc:
        return fail_config(exc, err)
    try:
        rows = notify_test(config, settings, args.unit, make_clock(args.now).now())
    except KeyError:
        print(f"错误：未知单位“{args.unit}”（见 district.yaml）", file=err)
        return 2
    print(f"{args.unit} 通知渠道测试：", file=out)
    for r in rows:
        who = f"（{r.role}）" if r.role else ""
        addr = f" {r.address}" if r.address else ""
        print(f"  {r.channel}{who}{addr}：{r.status}", file=out)
    return 1 if any(r.ok is False for r in rows) else 0


def cmd_dashboard(args, out, err) -> int:
    from yuqing.app.service import Stop
    p = _parts(args, err, create_store=False)
    try:
        p.store                            # refuses a store that does not exist, before starting a page
    except Exception as exc:
        print(f"错误 / error: {exc}", file=err)
        return 2
    port = args.port or p.settings["DASHBOARD_PORT"]
    env = dict(os.environ, YUQING_STORE_URL=p.settings["STORE_URL"], YUQING_CONFIG=str(p.config.dir))
    stop = Stop(install=True)
    child = subprocess.Popen(streamlit_command(port), env=env, start_new_session=True)
    print(f"舆情看板 / dashboard: http://127.0.0.1:{port}", file=out, flush=True)
    _run_children([child], stop)
    return 0


def cmd_demo(args, out, err) -> int:
    from yuqing.app.demo import run_demo
    p = _parts(args, err)
    return run_demo(p, fresh=not args.keep, port=args.port, out=out, err=err)


# ---------------------------------------------------------------------------------------- data
def cmd_ingest(args, out, err) -> int:
    """Publish items from a file (JSON Lines, or a CSV/XLSX 12345 export) to the bus."""
    from collections import Counter
    from yuqing.app.readers import ReadError, read_any, reason_of, summary
    p = _parts(args, err)
    topic = p.settings["BUS_TOPIC_ITEMS"]
    bus = p.bus
    n = bad = 0
    reasons: Counter = Counter()
    try:
        for lineno, value, problem in read_any(args.inp, encoding=args.encoding, progress=not args.quiet, err=err):
            if problem:
                bad += 1
                reasons[reason_of(problem)] += 1
                print(f"{args.inp}:{lineno}: {problem}", file=err)
                continue
            bus.publish(topic, str(value.get("id")), value)
            n += 1
    except ReadError as exc:
        print(f"错误 / error: {exc}", file=err)
        return 2
    finally:
        p.close()
    print(summary("ingest", n + bad, n, f"已发布 / published to {topic}", reasons), file=err)
    return 1 if bad else 0


def cmd_dead_letter(args, out, err) -> int:
    from yuqing.store import StoreMissing
    from yuqing.timeutil import fmt_local
    p = _parts(args, err, create_store=False)
    try:
        store = p.store
    except StoreMissing as exc:         # say so instead of creating an empty store
        print(f"错误 / error: {exc}", file=err)
        return 2
    try:
        if args.dl_cmd == "list":
            with store.reader() as r:
                rows = r.dead_letters.list(None if args.all else "open", limit=args.limit)
            if args.json:
                print(json.dumps([{"id": d.id, "status": d.status, "item": d.payload.get("id"), "error": d.error,
                                   "attempts": d.attempts, "failed_at": d.last_failed_at.isoformat()}
                                  for d in rows], ensure_ascii=False), file=out)
                return 0
            if not rows:
                print("没有待处理的死信 / no dead letters", file=out)
            for d in rows:
                state = {"open": "待处理", "retried": "已重新处理", "dropped": "已丢弃"}.get(d.status, "—")
                print(f"#{d.id}  {fmt_local(d.last_failed_at)}  {state}  条目 {d.payload.get('id')!r}  "
                      f"尝试 {d.attempts} 次  {d.error[:120]}", file=out)
            return 0
        from yuqing.records import Action
        now = p.clock.now()
        with store.transaction() as tx:
            d = tx.dead_letters.get(args.id)
            if d is None:
                print(f"错误：没有编号为 {args.id} 的死信", file=err)
                return 1
            if d.status != "open":
                print(f"错误：死信 {args.id} 已处理（{d.status}）", file=err)
                return 1
            if args.dl_cmd == "retry":
                p.bus.publish(d.topic, d.key or str(d.payload.get("id")), d.payload)
            d.status, d.resolved_at, d.resolved_by = ("retried" if args.dl_cmd == "retry" else "dropped"), now, args.actor
            tx.actions.append(Action(at=now, actor=args.actor, action="item.retried" if args.dl_cmd == "retry"
                                     else "item.dropped", details={"dead_letter": d.id, "item": d.payload.get("id")}))
        print(("已重新发布，等待处理 / republished" if args.dl_cmd == "retry" else "已丢弃 / dropped") + f": #{args.id}",
              file=out)
        return 0
    finally:
        p.close()


def cmd_store(args, out, err) -> int:
    """Create the store or bring its schema up to date (once, before several processes write)."""
    p = _parts(args, err)
    try:
        p.store
        print(f"存储已就绪 / store up to date: {mask_url(str(p.store.url))}", file=out)
        return 0
    finally:
        p.close()


def cmd_train(args, out, err) -> int:
    """Retrain sentiment on a district's own labelled items (JSON Lines with text and label)."""
    from pipeline.sentiment import train
    examples, bad = [], 0
    with open(args.labels, encoding="utf-8-sig") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                text = d.get("text") or "\n".join(x for x in (d.get("title"), d.get("content")) if x)
                label = d["negative"] if "negative" in d else d["expect"]["negative"]
                if not text or not isinstance(label, bool):
                    raise ValueError("needs text (or title/content) and a boolean `negative`")
                examples.append((text, label))
            except (ValueError, KeyError, TypeError) as exc:
                bad += 1
                print(f"{args.labels}:{n}: skipped: {exc}", file=err)
    if not examples:
        print(f"{args.labels}: no usable labelled lines", file=err)
        return 2
    figures = train(examples, args.out)
    print(f"模型已保存 / model saved: {args.out}  ({len(examples)} 条, {bad} 条跳过) {figures}", file=out)
    print(f"使用 / use it: yuqing --config DIR route --model {args.out} …  或设置 YUQING_SENTIMENT_MODEL", file=out)
    return 1 if bad else 0


def cmd_train_grouping(args, out, err) -> int:
    """Fit the grouping weights to labelled item sets (pipeline/grouping_fit.py); write them as a file
    for GROUPING_WEIGHTS, with what they were fitted on and each step taken."""
    import functools
    from datetime import datetime, timezone
    from pipeline import grouping_fit as gf
    from yuqing.app.build import load_config, make_engine
    cfg = load_config(args.config, err=err)
    engine = make_engine(cfg)
    tok = engine._tokeniser
    tok.counted = functools.lru_cache(maxsize=20000)(tok.counted)   # each item is tokenised once, not per trial
    sets = []
    for path in args.labels:
        rows, bad = [], 0
        with open(path, encoding="utf-8-sig") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                    if not isinstance(d.get("expect", {}).get("event"), str):
                        raise ValueError("needs expect.event (the event the item belongs to)")
                    rows.append(d)
                except (ValueError, AttributeError) as exc:
                    bad += 1
                    print(f"{path}:{n}: skipped: {exc}", file=err)
        if not rows:
            print(f"{path}: no usable labelled lines", file=err)
            return 2
        sets.append(gf.record(engine, Path(path).name, rows))
    start = gf.score(engine.new_grouper, engine.rules.grouping, sets)
    print(f"配置权重 / configured weights: 平均成对F1 {start:.4f}（{len(sets)} 组，{sum(len(r.labels) for r in sets)} 条）", file=out)
    steps = []

    def told(st):
        steps.append(f"{st.name}: {st.old} -> {st.new} (F1 {st.before:.4f} -> {st.after:.4f})")
        print("  " + steps[-1], file=out, flush=True)
    fitted, best, _ = gf.fit(engine.new_grouper, engine.rules.grouping, sets, passes=args.passes,
                             min_gain=args.min_gain, workers=args.workers, on_step=told)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(gf.to_yaml(fitted, provenance={
        "fitted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "labels": [str(p) for p in args.labels], "mean_pair_f1": {"configured": round(start, 4), "fitted": round(best, 4)},
        "steps": steps}), encoding="utf-8")
    print(f"权重已保存 / weights saved: {args.out}  平均成对F1 {start:.4f} -> {best:.4f}", file=out)
    print(f"使用 / use it: 设置 YUQING_GROUPING_WEIGHTS={args.out}（先在未参与拟合的标注集上检验）", file=out)
    return 0


def _common(p, *, store: bool = True, now: bool = False) -> None:
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a setting")
    if store:
        p.add_argument("--store", help="store URL (default: setting STORE_URL)")
    if now:
        p.add_argument("--now", help="as if it were this ISO time (replays, tests); a fixed clock")


def register(sub) -> None:
    d = sub.add_parser("demo", help="start the demo: news site, crawler, pipeline, scheduler, dashboard")
    d.add_argument("--port", type=int, help="dashboard port (default DASHBOARD_PORT)")
    d.add_argument("--keep", action="store_true", help="keep the demo's data of a previous run")
    _common(d, store=False)
    d.set_defaults(func=cmd_demo)

    r = sub.add_parser("run", help="crawl the configured sources; with the embedded default also route and notify")
    _common(r, store=False)
    r.add_argument("--source-url", action="append", metavar="NAME=URL", help="fill a ${NAME} in sources.yaml")
    r.add_argument("--no-worker", action="store_true", help="only crawl (workers run as `yuqing worker`)")
    r.add_argument("--no-notifier", action="store_true", help="do not notify (a `yuqing notifier` does)")
    r.set_defaults(func=cmd_run)

    w = sub.add_parser("worker", help="consume items from the bus into the store (several may run)")
    w.add_argument("--stage", choices=["all", "analyse", "decide", "record"],
                   help="one stage of the pipeline for several workers (default WORKER_STAGE: all)")
    _common(w)
    w.set_defaults(func=cmd_worker)

    n = sub.add_parser("notifier", help="turn case events into alerts and deliver them (its own process)")
    _common(n, now=True)
    n.add_argument("--once", action="store_true", help="one pass, then exit")
    n.add_argument("--interval", type=float, help="seconds between passes (default NOTIFIER_POLL_SECONDS)")
    n.set_defaults(func=cmd_notifier)

    s = sub.add_parser("scheduler", help="时限调度器：每 SCHEDULER_SWEEP_SECONDS 秒扫描到期时限、升级与投递（独立进程）")
    _common(s, now=True)
    s.add_argument("--once", action="store_true", help="run one sweep and exit")
    s.add_argument("--interval", type=int, help="seconds between sweeps (default: SCHEDULER_SWEEP_SECONDS)")
    s.set_defaults(func=cmd_scheduler)

    nt = sub.add_parser("notify-test", help="send a test message to UNIT on every channel configured for it")
    nt.add_argument("unit", help="单位名称, e.g. 南星街道")
    _common(nt, store=False, now=True)
    nt.set_defaults(func=cmd_notify_test)

    db = sub.add_parser("dashboard", help="start the Streamlit dashboard on the store")
    db.add_argument("--port", type=int)
    _common(db, store=False)
    db.set_defaults(func=cmd_dashboard)

    i = sub.add_parser("ingest", help="publish items from a file (JSON Lines, CSV or XLSX 12345 export) to the bus")
    i.add_argument("--in", dest="inp", required=True, help="items file")
    i.add_argument("--encoding", help="text encoding of the file (default: UTF-8, BOM allowed; e.g. gbk)")
    i.add_argument("--quiet", action="store_true", help="no progress bar")
    _common(i, store=False)
    i.set_defaults(func=cmd_ingest)

    dl = sub.add_parser("dead-letter", help="items that failed after their retries: list, retry, drop")
    dsub = dl.add_subparsers(dest="dl_cmd", required=True)
    dls = dsub.add_parser("list", help="list dead letters (open ones by default)")
    dls.add_argument("--all", action="store_true")
    dls.add_argument("--json", action="store_true")
    dls.add_argument("--limit", type=int, default=200)
    _common(dls)
    dls.set_defaults(func=cmd_dead_letter)
    for name, help_ in (("retry", "publish the item again for processing"), ("drop", "drop it for good")):
        x = dsub.add_parser(name, help=help_)
        x.add_argument("id", type=int)
        x.add_argument("--actor", required=True, help="操作人")
        _common(x)
        x.set_defaults(func=cmd_dead_letter)

    st = sub.add_parser("store", help="the store's schema: create it or apply its migrations")
    st_sub = st.add_subparsers(dest="store_cmd", required=True)
    su = st_sub.add_parser("upgrade", help="create the store or apply pending migrations, then exit")
    _common(su)
    su.set_defaults(func=cmd_store)

    t = sub.add_parser("train", help="retrain a model on the district's own labelled items")
    tsub = t.add_subparsers(dest="what", required=True)
    ts = tsub.add_parser("sentiment", help="sentiment from JSON Lines: {text|title+content, negative}")
    ts.add_argument("--labels", required=True, help="labelled items (JSON Lines)")
    ts.add_argument("--out", default="var/models/sentiment.json.gz", help="where to write the model")
    ts.set_defaults(func=cmd_train)
    tg = tsub.add_parser("grouping", help="fit the grouping weights to labelled sets (items with expect.event)")
    tg.add_argument("--labels", required=True, action="append", help="a labelled set (JSON Lines); repeat for more")
    tg.add_argument("--out", default="var/models/grouping.yaml", help="where to write the weights")
    tg.add_argument("--passes", type=int, default=2, help="passes of the coordinate search")
    tg.add_argument("--min-gain", type=float, default=0.002, help="smallest rise of mean F1 a change must bring")
    tg.add_argument("--workers", type=int, default=1, help="processes scoring trials in parallel")
    tg.set_defaults(func=cmd_train_grouping)

    from yuqing.app.case_cli import register as register_cases
    register_cases(sub)
    from yuqing.app.user_cli import register as register_users
    register_users(sub)
