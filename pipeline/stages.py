"""The built-in analysis stages, each a class with `from_config` and `process(ctx)` (the Stage seam).

Which stages run, and in what order, is data: `STAGES_BASE` (dotted path → order) merged with
the STAGES setting, where `None` switches a stage off and a new dotted path adds one (after
Scrapy's ITEM_PIPELINES). A stage that cannot work with the settings given raises NotConfigured
and is left out, logged. A new stage is one module with one class like these:

    class MyStage:
        name = "mine"
        @classmethod
        def from_config(cls, config, settings): return cls()
        def process(self, ctx): ctx.reasons.append("…")
"""
from __future__ import annotations

from typing import Any

from yuqing.config.base import any_of


def section(config, name: str):
    """A config section the stage needs; its absence is a wiring error, never a silent default."""
    sec = config.get(name)
    if sec is None:
        raise RuntimeError(f"config section {name!r} is not loaded: load the config through "
                           f"yuqing.app.build.load_config (it registers every package's files)")
    return sec

STAGES_BASE: dict[str, int] = {
    "pipeline.stages:SentimentStage": 300,
    "pipeline.stages:PlacesStage": 400,
    "pipeline.stages:CategoryStage": 500,   # after places: a cue inside a place name (大学 in 大学路) is no cue
    "pipeline.stages:FactsStage": 600,
    "pipeline.stages:VoiceStage": 700,
}
# Short names accepted in STAGES (and shown in logs) for the built-in stages.
ALIASES = {"sentiment": "pipeline.stages:SentimentStage", "places": "pipeline.stages:PlacesStage",
           "category": "pipeline.stages:CategoryStage", "facts": "pipeline.stages:FactsStage",
           "voice": "pipeline.stages:VoiceStage"}


class SentimentStage:
    name = "sentiment"

    def __init__(self, model):
        self.model = model

    @classmethod
    def from_config(cls, config, settings: Any) -> "SentimentStage":
        from pipeline.sentiment import SentimentModel
        return cls(SentimentModel.load((settings or {}).get("SENTIMENT_MODEL") or None))

    def process(self, ctx) -> None:
        s = self.model.score(ctx.norm.text)
        ctx.analysis.sentiment = s.score
        ctx.sentiment_negative = s.negative
        ctx.reasons += s.reasons


class PlacesStage:
    name = "places"

    def __init__(self, gazetteer, citizen_channels=("gov_board", "hotline")):
        self.gazetteer = gazetteer
        self.citizen_channels = set(citizen_channels)    # there `source` names the channel, not a voice

    @classmethod
    def from_config(cls, config, settings: Any) -> "PlacesStage":
        from pipeline.places import Gazetteer
        return cls(Gazetteer(config.district, section(config, "places")), config.rules.citizen_channels)

    def process(self, ctx) -> None:
        p = self.gazetteer.find(ctx.norm.text)
        a = ctx.analysis
        a.places, a.foreign_places, a.foreign_admin = p.places, list(p.foreign), list(p.foreign_admin)
        a.elsewhere_places = list(p.elsewhere_names)
        if ctx.item.platform not in self.citizen_channels:
            # (a letter or call reaches the district's own channel: it is the district's whoever it names)
            a.person_names = list(p.persons)
        a.home_named, a.home_context = p.home_named, p.home_context
        ctx.reasons += p.reasons
        hit = None if ctx.item.platform in self.citizen_channels else self.gazetteer.account_place(ctx.item.source)
        if hit is not None:
            ctx.place_account = hit.name
            if not a.places and not a.foreign_places:
                # the account of a place speaks of it (皋亭山景区 on its own opening hours)
                a.places = [hit]
                ctx.reasons.append(f"发布账号 {ctx.item.source} 代表 {hit.name} → {hit.unit}")


class CategoryStage:
    name = "category"

    def __init__(self, categoriser, citizen_channels=("gov_board", "hotline"), drafters=()):
        self.categoriser = categoriser
        self.citizen_channels = set(citizen_channels)    # there a department signs as the author
        # who drafted or issued a scheme (区应急管理局牵头起草的《…规定》): R1's 谁起草、谁解读
        self._drafter = any_of(drafters)

    @classmethod
    def from_config(cls, config, settings: Any) -> "CategoryStage":
        from pipeline.category import Categoriser
        return cls(Categoriser(config.district, section(config, "categories")), config.rules.citizen_channels,
                   config.rules.policy_cues.get("drafters", []))

    def process(self, ctx) -> None:
        title, content = ctx.norm.title, ctx.norm.content
        for p in ctx.analysis.places:      # place names are masked: 大学 in 大学路 is no education cue
            mask = "□" * len(p.matched or p.name)
            title, content = title.replace(p.matched or p.name, mask), content.replace(p.matched or p.name, mask)
        # a department signing on a citizen channel (区发改经信局's answer) speaks of its own field
        signer = ctx.item.author if ctx.item.platform in self.citizen_channels else None
        c = self.categoriser.classify(title, content, signed_by=signer)
        ctx.analysis.category, ctx.analysis.categories = c.main, list(c.involved)
        ctx.reasons += c.reasons
        if self._drafter is not None:
            text = f"{ctx.norm.title}\n{ctx.norm.content[:600]}"
            for m in self._drafter.finditer(text):
                unit = self.categoriser.department_of(m.group("unit"))
                if unit:
                    ctx.analysis.policy_author = unit
                    ctx.reasons.append(f"措施起草/发布部门：{unit}（“{m.group(0)}”）")
                    break


class FactsStage:
    name = "facts"

    def __init__(self, reader):
        self.reader = reader

    @classmethod
    def from_config(cls, config, settings: Any) -> "FactsStage":
        from pipeline.facts import FactReader
        return cls(FactReader(section(config, "readings")))

    def process(self, ctx) -> None:
        f = self.reader.read(ctx.norm.text)
        ctx.analysis.facts = f.facts
        ctx.refuted_kinds = set(f.refuted_kinds)
        ctx.exercise = f.exercise
        ctx.history = f.history
        ctx.analysis.refutes = bool(f.refuted_kinds)
        # An unsourced claim (网传、听说) is a rumour; a plea to share (扩散) alone is not.
        ctx.analysis.rumour = bool(f.rumour_claim)
        ctx.analysis.special_groups = list(f.special_groups)
        ctx.reasons += f.reasons


class VoiceStage:
    name = "voice"

    def __init__(self, reader):
        self.reader = reader

    @classmethod
    def from_config(cls, config, settings: Any) -> "VoiceStage":
        from pipeline.voice import VoiceReader
        return cls(VoiceReader(config.rules))

    def process(self, ctx) -> None:
        v = self.reader.read(ctx.item.source, ctx.norm.title, ctx.norm.content, ctx.item.platform,
                             author=ctx.item.author)
        if ctx.place_account and not v.official:
            v.official = True
            v.reasons.append(f"发布账号 {ctx.item.source} 为 {ctx.place_account} 的机构账号")
        ctx.analysis.official, ctx.analysis.about_policy = v.official, v.about_policy
        ctx.question, ctx.suggestion, ctx.complaint = v.question, v.suggestion, v.complaint
        ctx.praise, ctx.notice, ctx.reply = v.praise, v.notice, v.reply
        ctx.praise_title = v.praise_title
        ctx.inquiry, ctx.framed_inquiry, ctx.announcement = v.inquiry, v.framed_inquiry, v.announcement
        ctx.instruments = v.instruments
        ctx.reasons += v.reasons
