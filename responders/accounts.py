"""Accounts, sign-in sessions and who may see and do what (the dashboard's roles).

Passwords are hashed with Argon2id (argon2-cffi, the reference implementation's bindings; it runs
offline and its parameters travel inside each hash, so they can be raised later). A session is a
random token the browser keeps; the store keeps only the token's SHA-256, an absolute expiry
(SESSION_HOURS) and the last time it was used (SESSION_IDLE_MINUTES), so a copied database
holds no usable session and a session can be ended from the server.

Roles (vocab.ROLES):
- office  宣传部/办公室: every case, every action (it may act for a case's unit or as 区政府办公室);
- unit    责任单位: the cases its unit is responsible for (first or co-responsible, or referred to it) only, acting
          as its own unit only;
- leader  领导: reads every unit's cases and the timeliness statistics, acts on nothing.

`Principal` is the signed-in user as the data layer and the workflow see it: it is rebuilt from
the store on every page run from the session token, never from anything the browser sends.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from yuqing import vocab
from yuqing.records import Session as SessionRow, User as UserRow
from yuqing.timeutil import to_local

OFFICE_UNIT = "区政府办公室"
ROLES = tuple(vocab.ROLES)
MIN_PASSWORD = 8
_HASHER = PasswordHasher()          # Argon2id with the library's current recommended parameters
# a hash to verify against when the user does not exist, so a wrong name takes as long as a
# wrong password (no user enumeration by timing)
_DUMMY = _HASHER.hash("not a password of anyone")


class AccessDenied(PermissionError):
    """The signed-in user may not see or do this (a Chinese message for the page)."""


class AccountError(ValueError):
    """A bad account request: unknown role, a unit missing, a short password (Chinese message)."""


@dataclass(frozen=True)
class Principal:
    username: str
    display_name: str
    role: str                       # office | unit | leader
    unit: str | None = None

    @property
    def role_label(self) -> str:
        return vocab.label(vocab.ROLES, self.role)

    @property
    def sees_all(self) -> bool:
        return self.role in ("office", "leader")

    @property
    def can_act(self) -> bool:
        return self.role in ("office", "unit")

    @property
    def scope(self) -> list[str] | None:
        """The units whose cases this user sees; None for all."""
        return None if self.sees_all else [self.unit or ""]

    def sees(self, first_responsible: str | None, co_responsible: Iterable[str] = ()) -> bool:
        if self.sees_all:
            return True
        return bool(self.unit) and (self.unit == first_responsible or self.unit in set(co_responsible or ()))

    def sees_case(self, case) -> bool:
        """A unit sees the cases it is first- or co-responsible for, or that were referred to it."""
        return self.sees(case.first_responsible, [*(case.co_responsible or ()), *(getattr(case, "refer_to", None) or ())])

    def require_case(self, case) -> None:
        if case is None or not self.sees_case(case):
            # the same answer for "not yours" and "does not exist": no probing for case ids
            raise AccessDenied("无权查看该案件，或案件不存在")

    def acting_unit(self, unit: str | None) -> str:
        """The unit this user acts as: a unit account always its own, whatever was asked."""
        if not self.can_act:
            raise AccessDenied(f"{self.role_label}账号为只读，不能执行处置操作")
        if self.role == "unit":
            if unit is not None and unit != self.unit:
                raise AccessDenied(f"{self.display_name} 属于 {self.unit}，不能以 {unit} 的名义操作")
            return self.unit or ""
        return unit or OFFICE_UNIT

    def who(self) -> str:
        return f"{self.display_name}（{self.unit or self.role_label}）"

    @classmethod
    def of(cls, user: UserRow) -> "Principal":
        return cls(user.username, user.display_name, user.role, user.unit)


# ---------------------------------------------------------------------------------------- passwords
def hash_password(password: str) -> str:
    check_password(password)
    return _HASHER.hash(password)


def check_password(password: str) -> None:
    if not password or len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password or "") and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------------------------------- accounts
def add_user(store, username: str, password: str, *, role: str, unit: str | None = None,
             display_name: str | None = None, now: datetime) -> Principal:
    username = (username or "").strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AccountError("用户名不能为空、不能含空格，最长 100 个字符")
    if role not in ROLES:
        raise AccountError(f"未知角色 {role!r}；应为 " + "、".join(f"{k}（{v}）" for k, v in vocab.ROLES.items()))
    unit = (unit or "").strip() or None
    if role == "unit" and not unit:
        raise AccountError("责任单位账号须指定所属单位（--unit）")
    if role != "unit":
        unit = unit if role == "office" else None
    row = UserRow(username=username, display_name=(display_name or "").strip() or username,
                  password_hash=hash_password(password), role=role, unit=unit, created_at=now,
                  password_changed_at=now)
    with store.transaction() as tx:
        if tx.users.get(username) is not None:
            raise AccountError(f"用户 {username} 已存在")
        tx.add(row)
    return Principal.of(row)


def set_password(store, username: str, password: str, *, now: datetime) -> None:
    """A new password; every session of the user ends."""
    h = hash_password(password)
    with store.transaction() as tx:
        u = tx.users.get(username)
        if u is None:
            raise AccountError(f"没有用户 {username}")
        u.password_hash, u.password_changed_at = h, now
        tx.sessions.revoke_all(username, now)


def set_disabled(store, username: str, disabled: bool, *, now: datetime) -> None:
    with store.transaction() as tx:
        u = tx.users.get(username)
        if u is None:
            raise AccountError(f"没有用户 {username}")
        u.disabled = disabled
        if disabled:
            tx.sessions.revoke_all(username, now)


def list_users(store) -> list[UserRow]:
    with store.reader() as r:
        return r.users.list()


def display_names(store, usernames: Iterable[str]) -> dict[str, str]:
    """username → 姓名（单位） for the action log."""
    with store.reader() as r:
        return {n: Principal.of(u).who() for n, u in r.users.names(usernames).items()}


# ---------------------------------------------------------------------------------------- sessions
@dataclass(frozen=True)
class SessionPolicy:
    hours: float = 8.0
    idle_minutes: float = 60.0
    max_failures: int = 5          # wrong passwords in a row before the account is locked …
    lock_minutes: float = 15.0     # … for this long (guessing a unit's password gets slow)

    @classmethod
    def of(cls, settings) -> "SessionPolicy":
        if settings is None:
            return cls()
        return cls(float(settings.get("SESSION_HOURS", 8.0)), float(settings.get("SESSION_IDLE_MINUTES", 60.0)),
                   int(settings.get("SIGNIN_MAX_FAILURES", 5)), float(settings.get("SIGNIN_LOCK_MINUTES", 15.0)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_in(store, username: str, password: str, *, now: datetime,
            policy: SessionPolicy = SessionPolicy()) -> tuple[str, Principal]:
    """(token, principal) for a right name and password of an enabled account; AccessDenied otherwise."""
    username = (username or "").strip()
    with store.reader() as r:
        u = r.users.get(username) if username else None
    if u is not None and u.locked_until is not None and now < u.locked_until:
        # checked before the password, so a locked account tells a guesser nothing
        raise AccessDenied(f"密码错误次数过多，账号已暂时锁定，请于 {to_local(u.locked_until):%H:%M} 后再试")
    ok = verify_password(u.password_hash if u is not None else None, password)
    if u is None or not ok or u.disabled:
        if u is not None and not ok:
            with store.transaction() as tx:
                row = tx.users.get(u.username)
                row.failed_sign_ins = (row.failed_sign_ins or 0) + 1
                if row.failed_sign_ins >= policy.max_failures:
                    row.locked_until, row.failed_sign_ins = now + timedelta(minutes=policy.lock_minutes), 0
        raise AccessDenied("用户名或密码错误，或账号已停用")
    token = secrets.token_urlsafe(32)
    with store.transaction() as tx:
        row = tx.users.get(u.username)
        row.failed_sign_ins, row.locked_until = 0, None
        tx.add(SessionRow(token_hash=_digest(token), username=u.username, created_at=now,
                          expires_at=now + timedelta(hours=policy.hours), last_seen_at=now))
    return token, Principal.of(u)


def resolve(store, token: str | None, *, now: datetime, policy: SessionPolicy = SessionPolicy()) -> Principal | None:
    """The user of a live session, or None (no token, unknown, signed out, expired, idle, disabled).

    Using a session moves its idle deadline; the write happens at most once a minute."""
    if not token or not isinstance(token, str):
        return None
    with store.transaction() as tx:
        sess = tx.sessions.get(_digest(token))
        if sess is None or sess.revoked_at is not None or now >= sess.expires_at:
            return None
        if now - sess.last_seen_at >= timedelta(minutes=policy.idle_minutes):
            sess.revoked_at = now
            return None
        u = tx.users.get(sess.username)
        if u is None or u.disabled:
            return None
        if now - sess.last_seen_at >= timedelta(minutes=1):
            sess.last_seen_at = now
        return Principal.of(u)


def sign_out(store, token: str | None, *, now: datetime) -> None:
    if not token:
        return
    with store.transaction() as tx:
        sess = tx.sessions.get(_digest(token))
        if sess is not None and sess.revoked_at is None:
            sess.revoked_at = now
