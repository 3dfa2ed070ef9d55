"""A small logistic-regression model over character n-grams, pure Python.

Weights are a dict n-gram -> float; the model file is gzipped JSON. Label 1 = negative.
"""
from __future__ import annotations

import gzip
import json
import math
import random
from typing import Iterable, Sequence

from .features import ngrams, normalize


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class LinearModel:
    def __init__(self, weights: dict[str, float] | None = None, bias: float = 0.0,
                 max_n: int = 3, meta: dict | None = None):
        self.w = weights or {}
        self.bias = bias
        self.max_n = max_n
        self.meta = meta or {}

    # -- scoring ---------------------------------------------------------------------------
    def logit_feats(self, feats: Iterable[str]) -> float:
        w = self.w
        s = 0.0
        k = 0
        for f in feats:
            k += 1
            v = w.get(f)
            if v is not None:
                s += v
        return self.bias + (s / math.sqrt(k) if k else 0.0)

    def logit(self, norm_text: str) -> float:
        return self.logit_feats(ngrams(norm_text, self.max_n))

    def top_features(self, norm_text: str, k: int = 5) -> list[tuple[str, float]]:
        w = self.w
        hits = [(f, w[f]) for f in ngrams(norm_text, self.max_n) if f in w]
        hits.sort(key=lambda x: -abs(x[1]))
        return hits[:k]

    # -- training --------------------------------------------------------------------------
    def fit(self, docs: Sequence[tuple[set[str], int, float]], epochs: int = 6,
            lr: float = 0.5, l2: float = 1e-6, seed: int = 13, warm: bool = False,
            log=None) -> None:
        """Adagrad SGD on (features, label, example weight)."""
        rnd = random.Random(seed)
        w = self.w if warm else {}
        g2: dict[str, float] = {}
        b = self.bias if warm else 0.0
        gb = 0.0
        order = list(range(len(docs)))
        for ep in range(epochs):
            rnd.shuffle(order)
            loss = 0.0
            for i in order:
                feats, y, sw = docs[i]
                k = len(feats)
                if not k:
                    continue
                scale = 1.0 / math.sqrt(k)
                s = 0.0
                for f in feats:
                    v = w.get(f)
                    if v is not None:
                        s += v
                p = _sigmoid(b + s * scale)
                g = (p - y) * sw
                loss += -sw * math.log(p if y else 1.0 - p) if 1e-12 < p < 1 - 1e-12 else 0.0
                gf = g * scale
                for f in feats:
                    v = w.get(f, 0.0)
                    gg = gf + l2 * v
                    a = g2.get(f, 1e-8) + gg * gg
                    g2[f] = a
                    w[f] = v - lr * gg / math.sqrt(a)
                gb += g * g
                b -= lr * g / math.sqrt(gb + 1e-8)
            if log:
                log(f"epoch {ep + 1}: loss {loss / max(1, len(docs)):.4f}, features {len(w)}")
        self.w = w
        self.bias = b

    def prune(self, min_abs: float = 0.01) -> None:
        self.w = {f: round(v, 4) for f, v in self.w.items() if abs(v) >= min_abs}

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: str) -> None:
        obj = {"format": "yuqing-sentiment-linear/1", "max_n": self.max_n, "bias": self.bias,
               "meta": self.meta, "weights": self.w}
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, path: str) -> "LinearModel":
        with gzip.open(path, "rt", encoding="utf-8") as f:
            obj = json.load(f)
        if obj.get("format") != "yuqing-sentiment-linear/1":
            raise ValueError(f"not a yuqing sentiment model: {path}")
        return cls(obj["weights"], obj.get("bias", 0.0), obj.get("max_n", 3), obj.get("meta"))


def drop_rare(docs: list[tuple[set[str], int, float]], min_df: int = 2) -> list[tuple[set[str], int, float]]:
    """Remove n-grams seen in fewer than min_df documents (keeps the model small)."""
    df: dict[str, int] = {}
    for feats, _, _ in docs:
        for f in feats:
            df[f] = df.get(f, 0) + 1
    return [({f for f in feats if df[f] >= min_df}, y, w) for feats, y, w in docs]


def featurize(texts_labels: Iterable[tuple[str, bool]], weight: float = 1.0,
              max_n: int = 3) -> list[tuple[set[str], int, float]]:
    out = []
    for t, neg in texts_labels:
        nt = normalize(t)
        if nt:
            out.append((ngrams(nt, max_n), 1 if neg else 0, weight))
    return out
