#!/usr/bin/env python3
# linear-bootstrap: paired bootstrap (1,000 resamples of the validation rows, seed 0) of the macro-F1 difference
# between Mailroom's predictions and the TF-IDF + LR peer (refitted here exactly as tfidf_baseline.py does), per head.
# Usage: PYTHON Studies/linear-bootstrap.py DATASET PREDICTIONS.jsonl   (predictions from `mailroom predict` on the
#        dataset's validation rows; needs scikit-learn)
import json, sys, numpy as np
from sklearn.pipeline import make_union
from sklearn.metrics import f1_score
from linear_study_common import load_rows, text, peer_vectorizers, peer_lr
rows=load_rows(sys.argv[1])
tr=[r for r in rows if r['split']=='train']; va=[r for r in rows if r['split']=='validation']
vec=make_union(*peer_vectorizers())
Xtr=vec.fit_transform([text(r) for r in tr]); Xva=vec.transform([text(r) for r in va])
ours={}
for l in open(sys.argv[2]):
    d=json.loads(l); ours[d['id']]={h:v['label'] for h,v in d['heads'].items()}
rng=np.random.default_rng(0)
for h in tr[0]['labels']:
    peer=peer_lr().fit(Xtr,[r['labels'][h] for r in tr]).predict(Xva)
    y=np.array([r['labels'][h] for r in va]); mine=np.array([ours[r['id']][h] for r in va])
    base=f1_score(y,mine,average='macro')-f1_score(y,peer,average='macro')
    diffs=[]
    for _ in range(1000):
        i=rng.integers(0,len(y),len(y))
        diffs.append(f1_score(y[i],mine[i],average='macro')-f1_score(y[i],peer[i],average='macro'))
    lo,hi=np.percentile(diffs,[2.5,97.5])
    print(f"{h}: linear {f1_score(y,mine,average='macro'):.3f} peer {f1_score(y,peer,average='macro'):.3f} diff {base:+.3f} 95% CI [{lo:+.3f}, {hi:+.3f}] P(diff<0) {np.mean(np.array(diffs)<0):.2f}",flush=True)
