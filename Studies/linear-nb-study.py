#!/usr/bin/env python3
# linear-nb-study: a training-rows-only study (85/15 re-splits of a dataset's *train* split, seeds 100.., validation
# rows never read) of naive-Bayes log-count-ratio feature scaling (what NaiveBayesScaling.swift does) in a
# scikit-learn mirror of MailroomLinear, against the TF-IDF + LR peer. Prints per re-split and mean differences.
# Usage: PYTHON Studies/linear-nb-study.py DATASET REPS [GAMMAS=0.5,1.0] [CS=3.33,10]   (needs scikit-learn; slow)
import sys, numpy as np, scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
ds=sys.argv[1]; reps=int(sys.argv[2]); GAMMAS=[float(v) for v in (sys.argv[3] if len(sys.argv)>3 else "0.5,1.0").split(",")]; CS=[float(v) for v in (sys.argv[4] if len(sys.argv)>4 else "3.33,10").split(",")]
from linear_study_common import load_rows, text, first_line as first, peer_vectorizers, peer_lr, nb_log_ratios
tr=[r for r in load_rows(ds) if r['split']=='train']
heads=list(tr[0]['labels'])
res={}
def rec(v,h,x): res.setdefault(v,{}).setdefault(h,[]).append(x)
LR=peer_lr
for rep in range(reps):
    a,b=train_test_split(tr,test_size=0.15,random_state=100+rep)
    vs=peer_vectorizers()
    fv=TfidfVectorizer(ngram_range=(1,2),min_df=2,sublinear_tf=True)
    Xa=sp.hstack([v.fit_transform([text(r) for r in a]) for v in vs]).tocsr(); Xb=sp.hstack([v.transform([text(r) for r in b]) for v in vs]).tocsr()
    Fa=fv.fit_transform([first(r) for r in a]); Fb=fv.transform([first(r) for r in b])
    XA=sp.hstack([Xa,Fa*0.3]).tocsr(); XB=sp.hstack([Xb,Fb*0.3]).tocsr()
    for h in heads:
        ya=np.array([r['labels'][h] for r in a]); yb=np.array([r['labels'][h] for r in b])
        f=lambda p: f1_score(yb,p,average='macro')
        rec('peer',h,f(LR(10).fit(Xa,ya).predict(Xb)))
        rec('s03C3',h,f(LR(3.33).fit(XA,ya).predict(XB)))
        W=nb_log_ratios(XA,ya)
        for g in GAMMAS:
            D=sp.diags(W**g)
            for C in CS:
                rec(f'nb{g}C{C}',h,f(LR(C).fit(XA@D,ya).predict(XB@D)))
    print('rep',rep,{v:{h:round(res[v][h][-1],3) for h in heads} for v in res},flush=True)
for v in res:
    print(v,' '.join(f"{h}: d {np.mean(np.array(res[v][h])-np.array(res['peer'][h])):+.4f} sd {np.std(np.array(res[v][h])-np.array(res['peer'][h])):.4f} wins {np.mean(np.array(res[v][h])>=np.array(res['peer'][h])):.2f}" for h in heads))
