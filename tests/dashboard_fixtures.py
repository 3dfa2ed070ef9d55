"""A small seeded store for the dashboard tests: records written straight through the repositories.

NOW is 2026-11-20 12:00 in Asia/Shanghai. The scenario:

- EV_COLLAPSE  特别重大, emergency, 区应急管理局 (R4, streets 南星街道 + 望江街道); its statement clock
               was due 10:50 and is late (已超时 1小时10分); press conference due tomorrow 05:50.
- EV_GAS       重大, emergency, 南星街道 (R3); statement due 14:03 (剩余 2小时03分), press conference
               due tomorrow 09:03; two items, two alerts to 南星街道 (one acknowledged), an action log.
- EV_SCHOOL    较大, 望江街道 (R3), 群众点题反馈 clock on a provisional calendar.
- EV_NOISE     一般, 区城管局 (R5), no clock.
- EV_OLD       一般, closed.
- EV_OTHER     无, not_a_case (someone else's matter).
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from yuqing.store.sql import SqlStore
from yuqing.records import Action as ActionRow, Alert as AlertRow, Case as CaseRow, Clock as ClockRow
from yuqing.records import Delivery as DeliveryRow, Heartbeat as HeartbeatRow, StoredItem as ItemRow
from yuqing.timeutil import SHANGHAI

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)
EV_COLLAPSE, EV_GAS, EV_SCHOOL, EV_NOISE, EV_OLD, EV_OTHER = (
    "ev-collapse", "ev-gas", "ev-school", "ev-noise", "ev-old", "ev-other")


def t(hours: float = 0, minutes: float = 0) -> datetime:
    """NOW shifted by hours/minutes."""
    return NOW + timedelta(hours=hours, minutes=minutes)


def make_store(tmp_path: Path, name: str = "yuqing.db") -> SqlStore:
    """A fresh SQLite file store (a file, so another process such as Streamlit can read it)."""
    return SqlStore(f"sqlite:///{tmp_path / name}")


def case(event_id: str, *, severity: str, first: str | None, emergency: bool = False, co=(), refer=(),
         rule: str = "R3", handling: str = "实际困难", category: str = "城市管理", places=(), heat: int = 0,
         title: str = "", status: str = "open", items: int = 1, first_published: datetime | None = None,
         reasons=()) -> CaseRow:
    fp = first_published or t(-3)
    return CaseRow(event_id=event_id, severity=severity, emergency=emergency, first_responsible=first,
                   co_responsible=list(co), refer_to=list(refer), rule=rule, route_path=[rule],
                   handling_type=handling, category=category, places=list(places), heat=heat,
                   reasons=list(reasons), title=title, item_count=items, status=status,
                   first_published_at=fp, last_published_at=fp, opened_at=None if status == "not_a_case" else fp,
                   updated_at=t(-1), policy=None)


def clock(case_id: str, kind: str, starts: datetime, due: datetime, *, status: str = "running",
          provisional: bool = False, seq: int = 0, reason: str = "") -> ClockRow:
    return ClockRow(case_id=case_id, kind=kind, seq=seq, starts_at=starts, due_at=due, status=status,
                    provisional=provisional, reason=reason)


def seed(store: SqlStore, *, heartbeat_age_s: float = 20) -> dict:
    """Insert the scenario above. Returns ids of interest (alert ids)."""
    with store.transaction() as tx:
        add_all = lambda rows: [tx.add(r) for r in rows]
        add_all([
            case(EV_COLLAPSE, severity="特别重大", emergency=True, first="区应急管理局",
                 co=["南星街道", "望江街道", "区住房和城市建设局"], refer=["区委宣传部"], rule="R4",
                 handling="重大问题", category="安全生产与事故", places=["南星街道", "望江街道"], heat=150000,
                 title="上城区一居民楼局部坍塌 3人遇难", first_published=t(-6, -10), items=3,
                 reasons=["规则 R4：涉及 南星街道、望江街道 两个属地", "级别 特别重大：重大突发事件，死亡3人"]),
            case(EV_GAS, severity="重大", emergency=True, first="南星街道", co=["区应急管理局"], rule="R3",
                 handling="重大问题", category="安全生产与事故", places=["南星街道", "复兴街"], heat=12000,
                 title="复兴街一餐馆燃气爆炸 多人受伤", first_published=t(-2, -57), items=2,
                 reasons=["规则 R3：地点 复兴街 属 南星街道", "级别 重大：重大突发事件（爆炸，4人受伤）"]),
            case(EV_SCHOOL, severity="较大", first="望江街道", co=["区教育局"], rule="R3", handling="实际困难",
                 category="教育", places=["望江街道"], heat=800, title="望江某小学门口接送拥堵 家长盼解决",
                 reasons=["规则 R3：地点属 望江街道", "级别 较大：涉及学生"]),
            case(EV_NOISE, severity="一般", first="区城管局", rule="R5", handling="建设性意见建议",
                 category="城市管理", heat=35, title="建议夜间施工噪音加强管理",
                 reasons=["规则 R5：区内无具体地点，单一类别 城市管理"]),
            case(EV_OLD, severity="一般", first="南星街道", title="已办结的旧诉求", status="closed"),
            case(EV_OTHER, severity="无", first=None, rule=None, title="外地新闻", status="not_a_case"),
        ])
        add_all([
            clock(EV_COLLAPSE, "statement", t(-6, -10), t(-1, -10), status="late"),
            clock(EV_COLLAPSE, "press_conference", t(-6, -10), t(17, 50)),
            clock(EV_GAS, "statement", t(-2, -57), t(2, 3)),
            clock(EV_GAS, "press_conference", t(-2, -57), t(21, 3)),
            clock(EV_SCHOOL, "feedback", t(-3), t(24 * 7), provisional=True,
                  reason="5个工作日；节假日安排为假定"),
            clock(EV_OLD, "feedback", t(-200), t(-100), status="met"),
        ])
        add_all([
            ItemRow(id="it-gas-1", url="https://news.example.cn/a/1", url_key="a1", fingerprint="f1",
                    platform="weibo", source="上城发布", author="网友甲", title="复兴街餐馆燃气爆炸",
                    content="今天上午复兴街一家餐馆发生燃气爆炸，4人受伤送医。", published_at=t(-2, -57),
                    received_at=t(-2, -50), metrics={"reposts": 5000, "comments": 4000, "likes": 2000},
                    event_id=EV_GAS, duplicate_of=None,
                    analysis={"negative": True, "category": "安全生产与事故",
                              "reasons": ["地点：复兴街 → 南星街道", "事实：爆炸；受伤4人"]}),
            ItemRow(id="it-gas-2", url="https://news.example.cn/a/2", url_key="a2", fingerprint="f2",
                    platform="news", source="钱江晚报", author=None, title="餐馆爆炸后续",
                    content="伤者已送医救治，事故原因正在调查。", published_at=t(-1),
                    received_at=t(-1, 5), metrics={"reposts": 500, "comments": 300, "likes": 200},
                    event_id=EV_GAS, duplicate_of=None,
                    analysis={"negative": True, "category": "安全生产与事故", "reasons": ["媒体层级：省级"]}),
        ])
        ack = AlertRow(dedup_key=f"{EV_GAS}|new_case|1|南星街道", case_id=EV_GAS, kind="new_case", level="1",
                       unit="南星街道", role="联络员", subject="【重大】复兴街一餐馆燃气爆炸 请签收",
                       body="请于5小时内发布权威信息。", created_at=t(-2, -50),
                       acknowledged_at=t(-2, -40), acknowledged_by="南星街道联络员张三")
        warn = AlertRow(dedup_key=f"{EV_GAS}|warn|2|南星街道", case_id=EV_GAS, kind="warning", step="warn60", level="2",
                        unit="南星街道", role="分管领导", subject="【时限预警】发布权威信息 剩余2小时",
                        body="发布权威信息时限 14:03 截止。", created_at=t(-0, -5))
        other = AlertRow(dedup_key=f"{EV_COLLAPSE}|overdue|3|区应急管理局", case_id=EV_COLLAPSE, kind="overdue",
                         level="3", unit="区应急管理局", role="主要负责人", subject="【已逾期】发布权威信息",
                         body="已超过5小时时限。", created_at=t(-1, -10))
        add_all([ack, warn, other])
        add_all([
            DeliveryRow(alert_id=ack.id, channel="inbox", status="sent", attempts=1, sent_at=t(-2, -50)),
            DeliveryRow(alert_id=ack.id, channel="email", address="lianluoyuan@nanxing.example.gov.cn", status="sent",
                        attempts=1, sent_at=t(-2, -49)),
            DeliveryRow(alert_id=warn.id, channel="inbox", status="sent", attempts=1, sent_at=t(0, -5)),
            DeliveryRow(alert_id=warn.id, channel="email", status="failed", attempts=3, last_error="连接超时"),
        ])
        add_all([
            ActionRow(at=t(-2, -50), actor="system", action="case.opened", case_id=EV_GAS, unit="南星街道",
                      details={"severity": "重大", "rule": "R3"}),
            ActionRow(at=t(-2, -50), actor="system", action="clock.started", case_id=EV_GAS, unit="南星街道",
                      details={"kind": "statement"}),
            ActionRow(at=t(-2, -40), actor="南星街道联络员张三", action="case.acknowledged", case_id=EV_GAS,
                      unit="南星街道", details={"alert_id": ack.id, "role": "联络员", "alerts": 1, "first": True}),
        ])
        tx.add(HeartbeatRow(name="scheduler", at=NOW - timedelta(seconds=heartbeat_age_s), details={"sweeps": 42}))
    return {"ack_alert": ack.id, "warn_alert": warn.id, "overdue_alert": other.id}


# accounts: username → (role, unit, display name); every password is password_of(username)
USERS = {
    "xcb": ("office", "区委宣传部", "宣传部值班员"),
    "qfb": ("office", "区政府办公室", "区府办主任周八"),
    "nanxing": ("unit", "南星街道", "南星街道宣传干事王五"),
    "nanxing2": ("unit", "南星街道", "南星街道宣传科长赵六"),
    "nanxing3": ("unit", "南星街道", "南星街道分管领导李四"),
    "nanxing4": ("unit", "南星街道", "南星街道党工委书记孙七"),
    "wangjiang": ("unit", "望江街道", "望江街道值班员"),
    "chengguan": ("unit", "区城管局", "区城管局值班员"),
    "yingji": ("unit", "区应急管理局", "区应急管理局值班员"),
    "leader": ("leader", None, "区领导"),
}


def password_of(username: str) -> str:
    return f"pw-{username}-2026"


def principal(username: str):
    from responders.accounts import Principal
    role, unit, name = USERS[username]
    return Principal(username, name, role, unit)


@functools.lru_cache(maxsize=None)
def _hash(username: str) -> str:
    from responders.accounts import hash_password
    return hash_password(password_of(username))     # Argon2 is slow by design: once per test process


def add_users(store: SqlStore, names=None) -> None:
    """The accounts above, each with its real Argon2 hash (`responders.accounts.add_user` is
    tested on its own; here the hashes are computed once per process)."""
    from yuqing.records import User
    with store.transaction() as tx:
        for n in names or USERS:
            role, unit, name = USERS[n]
            tx.add(User(username=n, display_name=name, password_hash=_hash(n), role=role, unit=unit,
                        created_at=NOW, password_changed_at=NOW))


@pytest.fixture()
def seeded_store(tmp_path):
    """A store seeded with the cases above; tests import it under the name `store`."""
    st = make_store(tmp_path)
    st.ids = seed(st)
    yield st
    st.close()


# ---------------------------------------------------------------------------------------- AppTest
APP = str(Path(__file__).resolve().parents[1] / "yuqing" / "app" / "dashboard_main.py")
CONFIG = str(Path(__file__).resolve().parents[1] / "config")
PAGE_FILES = {"overview": "overview.py", "cases": "cases.py", "case": "case.py", "todo": "todo.py",
              "stats": "stats.py", "search": "search.py", "system": "system.py"}


def run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in(at, username: str, password: str | None = None):
    """Sign in through the page's own form (as a person would)."""
    run(at)
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password if password is not None else password_of(username))
    at.button(key="login_btn").click()
    return run(at)


def open_page(at, page: str):
    """Switch to one of the dashboard's pages (ValueError when the role is not offered it)."""
    at.switch_page(f"../../dashboard/pages/{PAGE_FILES[page]}")
    return run(at)


def app_env(monkeypatch, store, tmp_path) -> None:
    monkeypatch.setenv("YUQING_STORE_URL", store.url)
    monkeypatch.setenv("YUQING_NOW", NOW.isoformat())
    monkeypatch.setenv("YUQING_CONFIG", CONFIG)
    monkeypatch.setenv("YUQING_SEARCH_FTS_PATH", str(tmp_path / "search.db"))


def page_text(at) -> str:
    """Everything the page shows as text: markdown, captions, metrics, warnings, errors, tables."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning]
    parts += [e.value for e in at.error] + [i.value for i in at.info] + [s.value for s in at.success]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.data.to_string() if hasattr(df.value, "data") else df.value.to_string() for df in at.dataframe]
    parts += [s.label for s in at.selectbox] + [str(s.format_func(s.value)) for s in at.selectbox if s.value]
    parts += [b.label for b in at.button]
    return "\n".join(parts)
