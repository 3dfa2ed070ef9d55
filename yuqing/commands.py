"""Subcommands that run services (run, demo, dashboard) and train models.

The responders package adds its own (scheduler, case, report) through `responders.cli.register`.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from yuqing.config import ConfigError, default_config_dir, load_config
from yuqing.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def pairs(values: list[str] | None) -> dict[str, str]:
    """NAME=VALUE arguments (--set, --source-url) as a dict."""
    return dict(kv.partition("=")[::2] for kv in values or [])


def settings_for(args) -> Settings:
    cdir = Path(args.config) if getattr(args, "config", None) else default_config_dir()
    return Settings.load(cdir, pairs(getattr(args, "set", None)))


def _config_or_exit(args, err):
    try:
        return load_config(args.config)
    except ConfigError as exc:
        from yuqing.cli import _fail_config
        raise SystemExit(_fail_config(exc, err))


def cmd_demo(args, out, err) -> int:
    from yuqing.demo import run_demo
    cfg = _config_or_exit(args, err)
    settings = settings_for(args)
    if settings.source("STORE_URL") == "default":
        settings = Settings.load(cfg.dir, {"STORE_URL": "sqlite:///var/demo.db", **pairs(args.set)})
    return run_demo(cfg, settings, fresh=not args.keep, port=args.port, out=out)


def cmd_run(args, out, err) -> int:
    import threading
    from yuqing.service import Service
    cfg = _config_or_exit(args, err)
    svc = Service(cfg, settings_for(args), overrides=pairs(args.source_url)).start()
    print(f"运行中 / running: store {svc.store.url}; Ctrl-C stops", file=out, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        svc.stop()
    return 0


def cmd_dashboard(args, out, err) -> int:
    s = settings_for(args)
    env = dict(os.environ, YUQING_STORE_URL=s["STORE_URL"])
    port = args.port or s["DASHBOARD_PORT"]
    print(f"舆情看板 / dashboard: http://127.0.0.1:{port}", file=out, flush=True)
    return subprocess.call([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
                            "--server.headless", "true", "--server.address", "127.0.0.1",
                            "--server.port", str(port), "--browser.gatherUsageStats", "false"], env=env)


def cmd_train(args, out, err) -> int:
    """Retrain sentiment on a district's own labelled items (JSON Lines with text and label)."""
    from pipeline.sentiment import train
    examples, bad = [], 0
    with open(args.labels, encoding="utf-8") as f:
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


def register(sub) -> None:
    d = sub.add_parser("demo", help="start the demo: news site, crawler, pipeline, scheduler, dashboard")
    d.add_argument("--port", type=int, help="dashboard port (default DASHBOARD_PORT)")
    d.add_argument("--keep", action="store_true", help="keep the demo database of a previous run")
    d.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a setting")
    d.set_defaults(func=cmd_demo)

    r = sub.add_parser("run", help="crawl the configured sources and route into the store (embedded)")
    r.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a setting")
    r.add_argument("--source-url", action="append", metavar="NAME=URL", help="fill a ${NAME} in sources.yaml")
    r.set_defaults(func=cmd_run)

    db = sub.add_parser("dashboard", help="start the Streamlit dashboard on the store")
    db.add_argument("--port", type=int)
    db.add_argument("--set", action="append", metavar="NAME=VALUE")
    db.set_defaults(func=cmd_dashboard)

    t = sub.add_parser("train", help="retrain a model on the district's own labelled items")
    tsub = t.add_subparsers(dest="what", required=True)
    ts = tsub.add_parser("sentiment", help="sentiment from JSON Lines: {text|title+content, negative}")
    ts.add_argument("--labels", required=True, help="labelled items (JSON Lines)")
    ts.add_argument("--out", default="var/models/sentiment.json.gz", help="where to write the model")
    ts.set_defaults(func=cmd_train)

    try:
        from responders.cli import register as register_responders
    except ImportError:
        return
    register_responders(sub)
