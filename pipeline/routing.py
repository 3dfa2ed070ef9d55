"""The routing tree (rules.yaml `route`) compiled and matched against an event.

Depth-first, left to right; the first matching child wins unless it sets `continue`; when no
child matches, the node itself applies (the root: R7). Every decision records the path of
route ids it took and why each matched, so `yuqing explain` can print it.
"""
from __future__ import annotations

from dataclasses import dataclass

from yuqing.config.district import District
from yuqing.config.rules import Match, Route


@dataclass
class Features:
    """What the routing tree can see of an event (the MATCH_KEYS of yuqing.config.rules)."""
    about_policy: bool
    place_units: list[tuple[str, str]]        # (unit, street|zone) in order of first mention
    main_category: str | None
    categories: list[str]                     # involved, main first
    rumour: bool
    emergency: bool
    policy_owner: str | None = None           # who drafted or issued the measure (R1: 谁起草、谁解读)

    @property
    def place_scope(self) -> str:
        units = {u for u, _ in self.place_units}
        if not units:
            return "none"
        if len(units) > 1:
            return "several"
        return "one_zone" if self.place_units[0][1] == "zone" else "one_street"


@dataclass
class RouteResult:
    rule: str | None
    path: list[str]
    first_responsible: str | None
    co_responsible: list[str]
    refer_to: list[str]
    reasons: list[str]


class Router:
    def __init__(self, root: Route, district: District):
        self.root = root
        self.district = district

    # ---- matching ----
    def _owners(self, f: Features) -> list[str]:
        out: list[str] = []
        for c in f.categories:
            o = self.district.owner_of(c)
            if o and o not in out:
                out.append(o)
        return out

    def _matches(self, m: Match | None, f: Features) -> tuple[bool, list[str]]:
        if m is None:
            return True, []
        why: list[str] = []
        checks = {
            "about_policy": (m.about_policy, f.about_policy, "涉及区政策/决策本身"),
            "has_category": (m.has_category, f.main_category is not None, "有主类别"),
            "rumour": (m.rumour, f.rumour, "谣言/不实信息"),
            "emergency": (m.emergency, f.emergency, "重大突发事件"),
        }
        for want, got, label in checks.values():
            if want is None:
                continue
            if want != got:
                return False, []
            why.append(label if got else "非" + label)
        if m.place_scope is not None:
            if m.place_scope != f.place_scope:
                return False, []
            why.append({"none": "无本区地点", "one_zone": "地点均在一个功能区", "one_street": "地点均在一个街道",
                        "several": "地点跨多个街道/功能区"}[m.place_scope])
        if m.category_owners is not None:
            n = len(self._owners(f))
            got = "one" if n == 1 else ("several" if n > 1 else None)
            if got != m.category_owners:
                return False, []
            why.append("单一主管部门" if got == "one" else f"{n}个主管部门")
        if m.main_category is not None:
            if f.main_category not in m.main_category:
                return False, []
            why.append(f"主类别 {f.main_category}")
        return True, why

    # ---- unit references ----
    def resolve(self, ref: str, f: Features) -> list[str]:
        d = self.district
        if ref == "owner_of_main_category":
            o = d.owner_of(f.main_category) if f.main_category else None
            return [o] if o else []
        if ref == "policy_owner":
            if f.policy_owner:
                return [f.policy_owner]
            return self.resolve("owner_of_main_category", f)
        if ref == "place_unit":
            return [f.place_units[0][0]] if f.place_units else []
        if ref == "place_units":
            out: list[str] = []
            for u, _ in f.place_units:
                if u not in out:
                    out.append(u)
            return out
        if ref == "owners_of_categories":
            return self._owners(f)
        if ref == "owners_of_other_categories":
            main_owner = d.owner_of(f.main_category) if f.main_category else None
            return [o for o in self._owners(f) if o != main_owner]
        return [ref]    # a unit named literally

    def route(self, f: Features) -> RouteResult:
        path: list[str] = []
        reasons: list[str] = []
        refer: list[str] = []
        chosen: Route | None = None

        def visit(node: Route, pid: str) -> bool:
            nonlocal chosen
            for i, child in enumerate(node.routes):
                ok, why = self._matches(child.match, f)
                if not ok:
                    continue
                cid = f"{pid}/{i}:{child.rule}"      # the same ids as `yuqing rules show` (walk_routes)
                path.append(cid)
                reasons.append(f"规则 {child.rule}：" + "，".join(why) + (f"（{child.description}）" if child.description else ""))
                for r in child.refer_to:
                    refer.extend(u for u in self.resolve(r, f) if u not in refer)
                if visit(child, cid):
                    return True
                if child.first_responsible:
                    chosen = child
                    return True
                if not child.continue_:
                    return False
            return False

        if not visit(self.root, "root") or chosen is None:
            chosen = self.root
            path.append("root")
            reasons.append(f"规则 {self.root.rule}：无其他规则适用（{self.root.description}）")
        first = next(iter(self.resolve(chosen.first_responsible, f)), None) if chosen.first_responsible else None
        if first is None and chosen is not self.root:
            # A resolver found no unit (e.g. no owner): fall back to the root's unit, and say so.
            reasons.append(f"规则 {chosen.rule} 未能确定责任单位，转 {self.root.rule}")
            chosen = self.root
            first = self.root.first_responsible
        co: list[str] = []
        for ref in chosen.co_responsible:
            co.extend(u for u in self.resolve(ref, f) if u != first and u not in co)
        for r in chosen.refer_to if chosen is self.root else []:
            refer.extend(u for u in self.resolve(r, f) if u not in refer)
        reasons.append(f"第一责任单位 {first}" + (f"；配合单位 {'、'.join(co)}" if co else "")
                       + (f"；移交/告知 {'、'.join(refer)}" if refer else ""))
        return RouteResult(chosen.rule, path, first, co, refer, reasons)
