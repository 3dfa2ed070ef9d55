"""Who is speaking and what about: official statements, district policies (R1), handling cues.

All cues come from rules.yaml (`official_sources`, `official_cues`, `policy_cues`,
`handling_cues`) as regular expressions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from yuqing.config.base import any_of
from yuqing.config.rules import Rules


_FIELD_LABEL = re.compile(r"【[^】]{1,8}】")
# a hotline record's address field (发生地址：上城区…)
_ADDRESS_FIELD = re.compile(r"(?:发生|事发)?(?:地址|地点)[:：][^\n]*")
# A hotline record's field label (来电人反映：…), which says nothing of what is asked
_REPORT_LABEL = re.compile(r"(?:来电人|来信人|市民|诉求人|群众)?反映[:：]")

# A platform's label standing in for one of its users, not a named person (微博, 微博用户, 抖音网友,
# 19楼, 匿名): as a source it makes a post personal; as an account it ties no thread (pipeline/events.py)
USER_LABEL = re.compile(r"^.{0,6}?(用户|网友|博主|达人|市民|居民)$|^(微博|抖音|快手|小红书|知乎|豆瓣|贴吧|论坛|微信|今日头条|头条|B站|哔哩哔哩|19楼)(用户|网友)?$|^匿名$")
# what says the trouble told was put right before the thanks (修好了, 帮她…, 找到了, 亮了)
_RESOLVED = re.compile(r"修好|修复|解决了|处理好|处理了|恢复了|帮(她|他|我|我们|忙)|送回|找到了|亮了|通了|到账|搞定")


@dataclass
class VoiceReading:
    official: bool = False
    about_policy: bool = False
    complaint: bool = False
    praise: bool = False         # praise or thanks, no problem stated
    praise_title: bool = False   # the title thanks or praises someone (表扬：感谢小营巷社区的网格员)
    notice: bool = False         # an announcement of something new, no problem stated
    problem: bool = False        # a problem is stated
    reply: bool = False          # an official answer to someone
    instruments: set[str] = field(default_factory=set)   # policy instruments named (方案, 学区, 通告 …)
    question: bool = False
    suggestion: bool = False
    inquiry: bool = False        # a plain question asking for information, no problem stated
    framed_inquiry: bool = False  # … and its title says it is a consultation
    announcement: bool = False   # its title is a notice's (…的公告): it answers no letter
    reasons: list[str] = field(default_factory=list)


class VoiceReader:
    def __init__(self, rules: Rules):
        self._official_source = any_of(rules.official_sources)
        self._official_author = any_of(rules.official_authors)
        self._citizen_channels = set(rules.citizen_channels)
        self._official_cue = any_of(rules.official_cues)
        pc = rules.policy_cues
        self._actor = any_of(pc.get("actors", []))
        self._instrument = any_of(pc.get("instruments", []))
        self._act = any_of(pc.get("acts", []))
        self._document = any_of(pc.get("documents", []))
        self._firms_plan = any_of(pc.get("firms_plans", []))
        self._complaint = any_of(rules.complaint_cues)
        self._channel_complaint = any_of(rules.channel_complaint_cues)
        self._problem = any_of(rules.problem_cues)
        self._request = any_of(rules.request_cues)
        self._help = any_of(rules.help_cues)
        self._praise = any_of(rules.praise_cues)
        self._praise_title = any_of(rules.praise_titles)
        self._notice = any_of(rules.notice_cues)
        self._reply = any_of(rules.reply_cues)
        self._announcement = any_of(rules.announcement_titles)
        self._contrast = any_of(rules.contrast_cues)
        self._inquiry = any_of(rules.inquiry_cues)
        self._declared = any_of(rules.inquiry_declarations)
        self._petition = any_of(rules.petition_cues)
        self._resolved = any_of(rules.resolved_titles)
        self._irony = any_of(rules.irony_cues)
        self._sarcasm = any_of(rules.sarcasm_marks)
        self._inquiry_blockers = any_of(rules.inquiry_blockers)
        self._result = any_of(rules.handling_result_markers)
        self._personal = set(rules.personal_sources)
        self._account_platforms = set(rules.grouping.account_platforms)   # where people post as themselves
        hc = rules.handling_cues
        self._question = any_of(hc.get("question", []))
        self._suggestion = any_of(hc.get("suggestion", []))

    def read(self, source: str | None, title: str, content: str, platform: str | None = None,
             author: str | None = None) -> VoiceReading:
        r = VoiceReading()
        if platform in self._citizen_channels and self._result and (m := self._result.search(content)) \
                and m.start() > 0:
            # the unit's handling (【办理结果】经核实……) is not the caller speaking
            content = content[:m.start()]
            r.reasons.append(f"工单“{m.group(0)}”以后为承办单位的办理情况，口径按来电人诉求部分判断")
        if platform in self._citizen_channels:
            # a record's field labels (【诉求类型】【诉求内容】) are the form, not the caller's words
            content = _FIELD_LABEL.sub(" ", content)
        head = content[:300]
        by_source = platform not in self._citizen_channels
        if by_source and source and self._official_source and self._official_source.search(source):
            r.official = True
            r.reasons.append(f"发布者 {source} 为政府机构账号")
        elif author and self._official_author and self._official_author.search(author.strip()):
            # a department signs its answer on the message board as itself
            r.official = True
            r.reasons.append(f"署名 {author.strip()} 为政府机构")
        elif not by_source and not author and source and self._official_author \
                and self._official_author.search(source.strip()):
            # a department posting on a citizen channel in its own name (a plan's 公示 on the board)
            r.official = True
            r.reasons.append(f"发布单位 {source.strip()} 为政府机构")
        else:
            for text in (title, head):
                m = self._official_cue.search(text) if (self._official_cue and text) else None
                if m:
                    r.official = True
                    r.reasons.append(f"官方口径用语“{m.group(0)}”")
                    break
        r.announcement = bool(title and self._announcement and self._announcement.search(title))
        if title and not r.official and self._praise_title and (m := self._praise_title.search(title)):
            r.praise_title = True
            r.reasons.append(f"标题表扬、感谢：“{m.group(0)}”")
        if r.official and self._reply and (m := self._reply.search(f"{title}\n{head}")):
            r.reply = True
            r.reasons.append(f"答复网民：“{m.group(0)}”")
        # R1: a district actor, a policy instrument and an act, in the title or the opening.
        lead = f"{title}\n{content[:200]}"
        if self._firms_plan:
            # (督促该机构制定兑付方案: the plan an authority presses a firm for is the firm's, no policy)
            lead = self._firms_plan.sub(lambda m: " " * len(m.group(0)), lead)
        if self._instrument:
            r.instruments = set(self._instrument.findall(f"{title}\n{content[:2000]}"))
        if self._actor and self._instrument and self._act:
            # (发生地址：上城区采荷街道… names where, not who decided)
            a = self._actor.search(_ADDRESS_FIELD.sub("", lead))
            i, t = self._instrument.search(lead), self._act.search(lead)
            if a and i and t:
                r.about_policy = True
                r.reasons.append(f"涉及区政策/决策：{a.group(0)}·{i.group(0)}·{t.group(0)}")
        if not r.about_policy and self._document and (d := self._document.search(lead)):
            r.about_policy = True
            r.instruments.add(d.group(1))
            r.reasons.append(f"涉及政策文件{d.group(0)}")
        # an announcement comes from an organisation's account, not from a person posting on a platform
        # (the source may be the platform's label for a user: 微博用户, 抖音网友, 小红书用户)
        user_label = bool(source) and USER_LABEL.match(source.strip()) is not None \
            and source.strip().startswith(tuple(self._personal))
        personal = bool(author) and (not source or source.strip() in self._personal or user_label) \
            and author.strip() != (source or "").strip()
        personal = personal or (not author and user_label)
        text = f"{title}\n{content[:2000]}"
        problem = self._problem.search(text) if self._problem else None
        r.problem = problem is not None
        if not r.official and self._complaint and (m := self._complaint.search(text)):
            r.complaint = True
            r.reasons.append(f"投诉或求助：“{m.group(0)}”")
        elif not r.official and self._help and (m := self._help.search(text)) \
                and not (self._praise and self._praise.search(text)):      # "thanks for finding him" is no plea
            r.complaint = True
            r.reasons.append(f"求助：“{m.group(0)}”")
        elif not r.official and problem and self._request and (m := self._request.search(text)):
            r.complaint = True
            r.reasons.append(f"反映问题并提出诉求：“{problem.group(0)}”“{m.group(0)}”")
        elif not r.official and problem and not by_source:
            # a letter to the board or a call to the hotline about a problem is a request in itself
            r.complaint = True
            r.reasons.append(f"来信来电反映问题：“{problem.group(0)}”")
        elif not r.official and problem and (personal or platform in self._account_platforms) \
                and self._irony and self._irony.search(text):
            # 给城管点个大大的赞👍 …垃圾已经陪伴我们第四天了: praise beside a problem is sarcasm
            r.complaint = True
            r.reasons.append(f"反映问题（“{problem.group(0)}”）时的肯定用语按反讽理解")
        elif not r.official and (personal or platform in self._account_platforms) and self._sarcasm \
                and (s := self._sarcasm.search(text)) and self._praise and (m := self._praise.search(text)):
            # 设计得真贴心啊，8秒钟，全民百米冲刺…感谢相关部门[微笑]: the sneer makes the praise a complaint
            r.complaint = True
            r.reasons.append(f"肯定用语“{m.group(0)}”带反讽表情“{s.group(0)}”，按反讽理解")
        elif (not r.official and not by_source and self._channel_complaint
              and (m := self._channel_complaint.search(text))):
            r.complaint = True
            r.reasons.append(f"来信来电中的建议或诉求：“{m.group(0)}”")
        elif not r.official and problem and platform in self._account_platforms \
                and not (self._praise and self._praise.search(text)):
            # 点了10个链接6个是404😂: a person's post that states a problem reports one, whatever its tone
            r.complaint = True
            r.reasons.append(f"网民帖文反映问题：“{problem.group(0)}”")
        elif not r.official and self._petition and (m := self._petition.search(text)):
            # 建议区里让社区医院晚上也开儿科: a suggestion put to the government is a case (一般) anywhere
            r.complaint = True
            r.reasons.append(f"向政府部门提出建议或诉求：“{m.group(0)}”")
        if by_source and not personal and title and self._resolved and (m := self._resolved.search(title)):
            # “红色物业联盟”化解停车费纠纷: the outlet reports the dispute settled, not a grievance
            r.complaint = False
            r.praise = True
            r.reasons.append(f"报道问题已化解：“{m.group(0)}”")
        ask = (self._inquiry.search(title) or self._inquiry.search(content[:200])) if self._inquiry else None
        # a consultation that mentions a circumstance (房产证还没办下来) still asks; one that says it has
        # waited or been refused (至今没有任何消息) complains
        declared = bool(self._declared and self._declared.search(content[:200]))
        framed = bool(ask) and (bool(self._inquiry.search(title)) or declared) and not (
            self._inquiry_blockers and self._inquiry_blockers.search(text))
        # (来电人反映：来电人咨询…: 反映： is the record's field label, not a complaint)
        if r.complaint and framed and not (self._complaint and self._complaint.search(_REPORT_LABEL.sub("", text))):
            r.complaint = False
            r.reasons.append("标题为咨询，所述情况为背景，不按投诉理解")
        if not r.complaint and (not problem or framed) and (m := ask):
            r.inquiry, r.framed_inquiry = True, framed
            r.reasons.append(f"咨询办事信息：“{m.group(0)}”，未反映问题")
        if not r.complaint and not problem and by_source:
            m = self._praise.search(text) if self._praise else None
            if m and self._contrast and (c := self._contrast.search(text, m.end())):
                # thanks, then the point: 谢谢关心，但是……必须换掉
                r.reasons.append(f"肯定用语“{m.group(0)}”后有转折“{c.group(0)}”：不按肯定理解")
                m = None
            if m:
                r.praise = True
                r.reasons.append(f"肯定、感谢：“{m.group(0)}”")
            elif self._notice and not personal and (m := self._notice.search(text)):
                r.notice = True
                r.reasons.append(f"发布新服务、新举措等信息：“{m.group(0)}”")
        if not r.complaint and not r.praise and problem and by_source and not r.official and self._praise:
            # 热水器坏了她不会弄…网格员专门跑过来帮她修好了…真的太暖了: the trouble told first and put
            # right is the occasion of the thanks that end the post (unless a 但是 follows them)
            thanks = [m for m in self._praise.finditer(text) if m.start() > problem.end()]
            if thanks and _RESOLVED.search(text, problem.end(), thanks[-1].start()) \
                    and not (self._contrast and self._contrast.search(text, thanks[-1].end())) \
                    and not (self._irony and self._irony.search(text)) \
                    and not (self._sarcasm and self._sarcasm.search(text)):
                r.praise = True
                r.reasons.append(f"先述问题（“{problem.group(0)}”）后致谢（“{thanks[-1].group(0)}”）：按感谢理解")
        if self._question and (m := self._question.search(text)):
            r.question = True
            r.reasons.append(f"求证、疑问：“{m.group(0)}”")
        if self._suggestion and (m := self._suggestion.search(text)):
            r.suggestion = True
            r.reasons.append(f"意见建议：“{m.group(0)}”")
        return r
