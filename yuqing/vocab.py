"""The one vocabulary: every code the system stores, each with the Chinese label people read.

Levels, fact kinds, clock kinds and states, case states, alert kinds, action names, delivery
states, platforms, actors, roles and rules are defined here and nowhere else. Code stores the
key; pages, messages and CLI output show the label (`label(TABLE, key)`), never the key.
Tests check that every action the code writes is here, that every action here is written
somewhere, and that no page or command output shows a key.
"""
from __future__ import annotations

from typing import Mapping

# ---------------------------------------------------------------------------------------- levels
LEVELS: tuple[str, ...] = ("无", "一般", "较大", "重大", "特别重大")   # ascending; the labels are the keys
CASE_LEVELS: tuple[str, ...] = LEVELS[1:]                           # 无 is never a case
MAJOR_LEVELS: tuple[str, ...] = ("重大", "特别重大")                 # need 区政府办公室's approval


def level_rank(level: str | None) -> int:
    """0 for 无 (or unknown) … 4 for 特别重大."""
    return LEVELS.index(level) if level in LEVELS else 0


def higher_level(a: str, b: str) -> str:
    return a if level_rank(a) >= level_rank(b) else b


# ---------------------------------------------------------------------------------------- facts
FACT_KINDS: dict[str, str] = {
    "deaths": "死亡", "injured": "受伤", "ill": "患病/不适", "gathering": "聚集人数",
    "trapped": "人员被困", "evacuated": "人员疏散", "explosion": "爆炸", "collapse": "倒塌",
}
SPECIAL_GROUPS: dict[str, str] = {"children": "未成年人/学生", "elderly": "老人", "food": "食品安全",
                                  "medical": "医疗"}
HANDLING_TYPES: tuple[str, ...] = ("建设性意见建议", "实际困难", "重大问题", "模糊认识", "错误看法", "虚假不实信息")

# ---------------------------------------------------------------------------------------- clocks
CLOCK_KINDS: dict[str, str] = {
    "statement": "发布权威信息",
    "press_conference": "举行新闻发布会",
    "follow_up": "持续发布",
    "response": "回应（48小时）",
    "feedback": "群众点题反馈",
    "feedback_extended": "群众点题反馈（延期）",
    "consultation": "征求意见回复",
    "repost": "转载上级重要政策",
}
EMERGENCY_CLOCKS: tuple[str, ...] = ("statement", "press_conference")
CLOCK_STATES: dict[str, str] = {"running": "计时中", "met": "已完成", "late": "已超时", "cancelled": "已取消",
                                "superseded": "已由突发时限取代"}
OPEN_CLOCK_STATES: tuple[str, ...] = ("running", "late")

# ---------------------------------------------------------------------------------------- cases
CASE_STATES: dict[str, str] = {"open": "处置中", "closed": "已结案", "not_a_case": "不立案"}
RULES: dict[str, str] = {"R1": "政策类（谁主管谁负责）", "R2": "功能区属地", "R3": "街道属地",
                         "R4": "跨街道/功能区", "R5": "区外·单一类别", "R6": "区外·多类别",
                         "R7": "无法定位（兜底分派）"}

# ---------------------------------------------------------------------------------------- alerts
ALERT_KINDS: dict[str, str] = {
    "new_case": "新舆情",
    "level_up": "舆情升级",
    "emergency": "重大突发事件",
    "rerouted": "改派",
    "warning": "时限预警",
    "overdue": "已逾期",
    "escalation": "逾期升级",
    "reminder": "催办",
    "consent": "视为同意",
    "closed": "结案",
    "digest": "汇总提醒",
    "release_seen": "疑似已发布回应",
    "test": "测试消息",
    "dead_letter": "信息处理失败",
    "source_failing": "采集源异常",
}
CASE_ALERTS: tuple[str, ...] = ("new_case", "level_up", "emergency", "rerouted", "closed")
CLOCK_ALERTS: tuple[str, ...] = ("warning", "overdue", "escalation", "reminder", "consent")
SYSTEM_ALERTS: tuple[str, ...] = ("dead_letter", "source_failing", "test")
# crawl sources on the system-status page
SOURCE_STATUS: dict[str, str] = {"ok": "正常", "degraded": "上次失败", "failing": "连续失败", "never": "尚未运行"}
SOURCE_STAT_LABELS: dict[str, str] = {
    "name": "采集源", "kind": "类型", "status_label": "状态", "last_run_text": "最近运行",
    "last_success_text": "最近成功", "pages": "抓取页数", "items": "采集条数", "errors": "错误数",
    "consecutive_failures": "连续失败次数", "last_error": "最近错误",
}
DELIVERY_STATES: dict[str, str] = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                                   "folded": "已并入汇总", "skipped": "已改用其他渠道"}
# Escalation steps of a clock (responders.escalation), as the alert kinds they fire.
STEP_KINDS: dict[str, str] = {"warn": "warning", "overdue": "overdue", "leader": "escalation",
                              "consent": "consent", "remind": "reminder"}

# ---------------------------------------------------------------------------------------- actions
ACTIONS: dict[str, str] = {
    "item.routed": "信息研判入案",
    "item.dead_lettered": "信息处理失败（转入死信）",
    "item.retried": "死信重新处理",
    "item.dropped": "死信丢弃",
    "case.opened": "立案",
    "case.level_raised": "级别上调",
    "case.emergency": "认定为重大突发事件",
    "case.rerouted": "改派责任单位",
    "case.acknowledged": "签收",
    "case.closed": "结案",
    "case.reopened": "重新打开",
    "clock.started": "时限启动",
    "clock.moved": "时限调整",
    "clock.cancelled": "时限取消",
    "clock.superseded": "时限由突发时限取代",
    "clock.met": "时限完成",
    "clock.late": "时限逾期",
    "clock.extended": "时限延期",
    "statement.drafted": "起草回应",
    "statement.reviewed": "三审三校",
    "statement.approved": "审核批准",
    "statement.published": "发布权威信息",
    "press_conference.held": "举行新闻发布会",
    "follow_up.published": "持续发布",
    "feedback.answered": "反馈群众点题",
    "consultation.replied": "回复征求意见",
    "consultation.consent": "逾期视为同意",
    "repost.published": "完成转载",
    "alert.fired": "发出提醒",
    "escalation.fired": "时限提醒/升级",
    "escalation.reminded": "催办",
    "escalation.climbed": "催办无人签收，逐级升级",
    "escalation.digested": "催办汇总",
    "release.suspected": "发现疑似已发布回应",
    "release.confirmed": "确认已发布回应",
    "release.dismissed": "确认不是本案回应",
}

# ---------------------------------------------------------------------------------------- people
ACTORS: dict[str, str] = {"system": "系统", "scheduler": "调度器", "pipeline": "研判流水线", "notifier": "通知服务",
                          "crawler": "采集器"}
LIAISON = "信息发布联络员"          # the role that receives a unit's case alerts
OPERATOR = "系统管理员"             # who is told when the system itself needs attention
ROLES: dict[str, str] = {"office": "宣传部/办公室", "unit": "责任单位", "leader": "领导"}

# ---------------------------------------------------------------------------------------- items
PLATFORMS: dict[str, str] = {"news": "新闻网站", "weibo": "微博", "wechat": "微信", "forum": "论坛",
                             "gov_board": "政府留言板", "video": "短视频", "hotline": "热线", "unknown": "未知"}
MEDIA_TIERS: dict[str, str] = {"central": "中央媒体", "provincial": "省级媒体"}


def label(table: Mapping[str, str], key: str | None, default: str = "—") -> str:
    """The Chinese label of a key; an unknown key shows as `default`, never as itself."""
    if key is None:
        return default
    return table.get(key, default)


def clock_label(kind: str, seq: int = 0) -> str:
    """发布权威信息; a repeating clock says which time: 持续发布（第2次）."""
    name = label(CLOCK_KINDS, kind)
    return f"{name}（第{seq}次）" if kind == "follow_up" and seq else name
