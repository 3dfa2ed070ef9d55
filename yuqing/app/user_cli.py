"""`yuqing user add|passwd|list|disable|enable`: the dashboard's accounts in the store.

A password is read from the environment variable named by --password-env, else asked for twice
at a prompt that does not echo it; it never appears on the command line (visible to every user
of the machine in `ps` and kept in shell history). The store must exist: a command pointed at a
wrong STORE_URL says so instead of creating an empty store, unless --create-store is given.
"""
from __future__ import annotations

import getpass
import os
from typing import IO

from yuqing import vocab

ROLE_HELP = "、".join(f"{k}（{v}）" for k, v in vocab.ROLES.items())


def _password(args, err: IO) -> str | None:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            print(f"错误：环境变量 {args.password_env} 未设置或为空", file=err)
            return None
        return value
    try:
        first = getpass.getpass("密码 / password: ")
        second = getpass.getpass("再次输入 / again: ")
    except (EOFError, KeyboardInterrupt):
        print("错误：未输入密码（无终端时请用 --password-env 变量名）", file=err)
        return None
    if first != second:
        print("错误：两次输入的密码不一致", file=err)
        return None
    return first


def cmd_user(args, out: IO, err: IO) -> int:
    from responders import accounts
    from yuqing.app.build import fail_config, parts
    from yuqing.config import ConfigError
    from yuqing.store import StoreMissing
    try:
        p = parts(args.config, now=None, create_store=bool(getattr(args, "create_store", False)),
                  store_url=args.store, err=err)
        store = p.store
    except ConfigError as exc:
        return fail_config(exc, err)
    except StoreMissing as exc:
        print(f"错误：{exc}", file=err)
        return 2
    now = p.clock.now()
    try:
        if args.user_cmd == "list":
            rows = accounts.list_users(store)
            if not rows:
                print("没有账号 / no accounts (yuqing user add …)", file=out)
            for u in rows:
                state = "已停用" if u.disabled else "正常"
                print(f"{u.username:20} {u.display_name:16} {vocab.label(vocab.ROLES, u.role):10} "
                      f"{u.unit or '—':16} {state}", file=out)
            return 0
        if args.user_cmd in ("disable", "enable"):
            accounts.set_disabled(store, args.username, args.user_cmd == "disable", now=now)
            print(("已停用 / disabled" if args.user_cmd == "disable" else "已启用 / enabled") + f": {args.username}",
                  file=out)
            return 0
        password = _password(args, err)
        if password is None:
            return 2
        if args.user_cmd == "add":
            u = accounts.add_user(store, args.username, password, role=args.role, unit=args.unit,
                                  display_name=args.name, now=now)
            print(f"已创建账号 / added: {u.username}（{u.role_label}{'，' + u.unit if u.unit else ''}）", file=out)
        else:
            accounts.set_password(store, args.username, password, now=now)
            print(f"已修改密码，原有登录已失效 / password changed, sessions ended: {args.username}", file=out)
        return 0
    except accounts.AccountError as exc:
        print(f"错误：{exc}", file=err)
        return 1
    finally:
        p.close()


def register(sub) -> None:
    u = sub.add_parser("user", help="dashboard accounts: add, passwd, list, disable, enable")
    usub = u.add_subparsers(dest="user_cmd", required=True)

    def common(x):
        x.add_argument("--store", help="store URL (default: setting STORE_URL)")
        x.set_defaults(func=cmd_user)
        return x
    a = common(usub.add_parser("add", help="create an account (password from a prompt or --password-env)"))
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=list(vocab.ROLES), help=ROLE_HELP)
    a.add_argument("--unit", help="the unit of a 责任单位 account (e.g. 南星街道); for office: 区委宣传部 or 区政府办公室")
    a.add_argument("--name", help="display name (姓名), shown in the action log")
    a.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
    a.add_argument("--create-store", action="store_true", help="create the store if it does not exist yet")
    pw = common(usub.add_parser("passwd", help="set a new password (ends the user's sessions)"))
    pw.add_argument("username")
    pw.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
    common(usub.add_parser("list", help="list accounts"))
    for name in ("disable", "enable"):
        x = common(usub.add_parser(name, help=f"{name} an account"))
        x.add_argument("username")
