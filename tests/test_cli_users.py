"""`yuqing user …`, the demo's accounts, and one store for every command."""
from __future__ import annotations

import io
from pathlib import Path

from responders.accounts import sign_in
from tests.dashboard_fixtures import NOW, make_store
from yuqing.app.cli import main
from yuqing.settings import Settings
from yuqing.store.sql import SqlStore


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def test_user_add_reads_the_password_from_the_environment_and_never_prints_it(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'y.db'}"
    make_store(tmp_path, "y.db").close()
    monkeypatch.setenv("NEWPW", "s3cret-password-1")
    rc, out, err = cli("user", "add", "wangwu", "--role", "unit", "--unit", "南星街道", "--name", "王五",
                       "--password-env", "NEWPW", "--store", url)
    assert rc == 0 and "wangwu" in out and "s3cret" not in out + err
    rc, out, _ = cli("user", "list", "--store", url)
    assert rc == 0 and "王五" in out and "责任单位" in out and "unit" not in out.split()
    store = SqlStore(url, create=False)
    try:
        assert sign_in(store, "wangwu", "s3cret-password-1", now=NOW)[1].unit == "南星街道"
        monkeypatch.setenv("NEWPW", "another-password-2")
        assert cli("user", "passwd", "wangwu", "--password-env", "NEWPW", "--store", url)[0] == 0
        assert sign_in(store, "wangwu", "another-password-2", now=NOW)[1].username == "wangwu"
    finally:
        store.close()
    rc, _, err = cli("user", "add", "x", "--role", "unit", "--password-env", "NEWPW", "--store", url)
    assert rc == 1 and "所属单位" in err                                  # a unit account needs its unit
    monkeypatch.setenv("SHORT", "short")
    assert cli("user", "add", "y", "--role", "leader", "--password-env", "SHORT", "--store", url)[0] == 1


def test_user_commands_refuse_a_store_that_does_not_exist(tmp_path):
    missing = tmp_path / "nowhere.db"
    rc, _, err = cli("user", "list", "--store", f"sqlite:///{missing}")
    assert rc == 2 and "不存在" in err and not missing.exists()
    rc, _, err = cli("dead-letter", "list", "--store", f"sqlite:///{missing}")
    assert rc == 2 and "不存在" in err and not missing.exists()


def test_a_relative_store_path_is_the_projects_wherever_a_command_starts(tmp_path, monkeypatch):
    project = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(tmp_path)
    s = Settings.load(project / "config", environ={})
    assert s["STORE_URL"] == f"sqlite:///{project / 'var' / 'yuqing.db'}"
    assert s["SEARCH_FTS_PATH"] == str(project / "var" / "search.db")
    pg = Settings.load(project / "config", {"STORE_URL": "postgresql+psycopg://u:p@h/db"}, environ={})
    assert pg["STORE_URL"] == "postgresql+psycopg://u:p@h/db"


def test_the_demo_creates_accounts_once_and_prints_the_password_once(tmp_path):
    from yuqing.app.build import Parts, load_config, settings_for
    from yuqing.app.demo import demo_accounts
    cfg = load_config(str(Path(__file__).resolve().parents[1] / "config"))
    p = Parts(cfg, settings_for(cfg.dir), store_url=f"sqlite:///{tmp_path / 'demo.db'}")
    out = io.StringIO()
    made = demo_accounts(p, out, environ={"YUQING_DEMO_PASSWORD": "demo-password-1"})
    assert {"xcb", "leader", "南星街道"} <= {m[0] for m in made}
    assert "YUQING_DEMO_PASSWORD" in out.getvalue() and "demo-password-1" not in out.getvalue()
    assert sign_in(p.store, "南星街道", "demo-password-1", now=NOW)[1].role == "unit"
    again = io.StringIO()
    assert demo_accounts(p, again, environ={}) == [] and "已存在" in again.getvalue()
    p.close()


def test_wrong_passwords_in_a_row_lock_the_account_for_a_while(tmp_path):
    from datetime import timedelta

    import pytest

    from responders.accounts import AccessDenied, SessionPolicy, add_user

    store = make_store(tmp_path, "lock.db")
    try:
        add_user(store, "zhaoliu", "right-password-1", role="unit", unit="南星街道", now=NOW)
        policy = SessionPolicy(max_failures=3, lock_minutes=15)
        for _ in range(3):
            with pytest.raises(AccessDenied, match="用户名或密码错误"):
                sign_in(store, "zhaoliu", "guess", now=NOW, policy=policy)
        # locked: even the right password is refused, with when to try again
        with pytest.raises(AccessDenied, match="暂时锁定"):
            sign_in(store, "zhaoliu", "right-password-1", now=NOW + timedelta(minutes=5), policy=policy)
        assert sign_in(store, "zhaoliu", "right-password-1", now=NOW + timedelta(minutes=16), policy=policy)[1].unit == "南星街道"
        # a right password resets the count: two wrong ones later do not lock
        for _ in range(2):
            with pytest.raises(AccessDenied):
                sign_in(store, "zhaoliu", "guess", now=NOW + timedelta(minutes=17), policy=policy)
        assert sign_in(store, "zhaoliu", "right-password-1", now=NOW + timedelta(minutes=18), policy=policy)
    finally:
        store.close()
