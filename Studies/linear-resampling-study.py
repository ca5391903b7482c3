#!/usr/bin/env python3
# linear-resampling-study: a training-rows-only study of linear-model variants (scikit-learn mirror of
# MailroomLinear: word 1-2 + char_wb 2-5 tf-idf, first line at 0.3, C = 1/λ) against the TF-IDF + LR peer, on
# repeated 85/15 re-splits of a dataset's *train* split (validation rows are never read). Prints per re-split and
# mean macro-F1 differences to the peer for: peer, λ 0.3 + first line ("s03C3"), plus per-class bias tuning,
# half of it, and the one-scale prior correction that LinearTrainingOptions.decisionTuning implemented ("alpha"; removed
# from the product after this study).
# Usage: PYTHON Studies/linear-resampling-study.py DATASET REPS [FIRST_SEED]   (needs scikit-learn; slow: minutes/rep)
import sys, numpy as np, scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split, StratifiedKFold
ds = sys.argv[1]; reps = int(sys.argv[2]); start=int(sys.argv[3]) if len(sys.argv)>3 else 0
from linear_study_common import load_rows, text, first_line as first, peer_vectorizers, peer_lr
tr=[r for r in load_rows(ds) if r['split']=='train']
heads=list(tr[0]['labels'])
def tune_bias(P, y, K, rounds=3):
    b=np.zeros(K); L=np.log(P+1e-12)
    best=f1_score(y,(L+b).argmax(1),average='macro')
    for _ in range(rounds):
        for c in range(K):
            for d in np.arange(-1.5,1.55,0.1):
                bb=b.copy(); bb[c]=d
                s=f1_score(y,(L+bb).argmax(1),average='macro')
                if s>best+1e-9: best=s; b=bb
    return b
res={}
def rec(v,h,x): res.setdefault(v,{}).setdefault(h,[]).append(x)
for rep in range(start,start+reps):
    a,bset=train_test_split(tr,test_size=0.15,random_state=rep)
    vec=peer_vectorizers()
    Xa=sp.hstack([v.fit_transform([text(r) for r in a]) for v in vec]).tocsr(); Xb=sp.hstack([v.transform([text(r) for r in bset]) for v in vec]).tocsr()
    fv=TfidfVectorizer(ngram_range=(1,2),min_df=2,sublinear_tf=True)
    Fa=fv.fit_transform([first(r) for r in a]); Fb=fv.transform([first(r) for r in bset])
    XA=sp.hstack([Xa,Fa*0.3]).tocsr(); XB=sp.hstack([Xb,Fb*0.3]).tocsr()
    for h in heads:
        ya=np.array([r['labels'][h] for r in a]); yb=np.array([r['labels'][h] for r in bset])
        p=peer_lr().fit(Xa,ya).predict(Xb)
        rec('peer',h,f1_score(yb,p,average='macro'))
        m=peer_lr(3.33).fit(XA,ya)
        Pb=m.predict_proba(XB); cls=m.classes_
        rec('s03C3',h,f1_score(yb,cls[Pb.argmax(1)],average='macro'))
        oof=np.zeros((len(ya),len(cls)))
        for tri,tei in StratifiedKFold(3,shuffle=True,random_state=0).split(XA,ya):
            mm=peer_lr(3.33).fit(XA[tri],ya[tri]); oof[tei]=mm.predict_proba(XA[tei])
        yi=np.searchsorted(cls,ya)
        bias=tune_bias(oof,yi,len(cls))
        rec('s03C3+bias',h,f1_score(yb,cls[(np.log(Pb+1e-12)+bias).argmax(1)],average='macro'))
        rec('s03C3+halfbias',h,f1_score(yb,cls[(np.log(Pb+1e-12)+bias/2).argmax(1)],average='macro'))
        prior=np.bincount(yi,minlength=len(cls))/len(yi); corr=-np.log(prior)
        Loof=np.log(oof+1e-12); best=(-1,0)
        for al in np.arange(-1,1.55,0.1):
            s_=f1_score(yi,(Loof+al*corr).argmax(1),average='macro')
            if s_>best[0]+1e-9 or (abs(s_-best[0])<=1e-9 and abs(al)<abs(best[1])): best=(s_,al)
        rec('s03C3+alpha',h,f1_score(yb,cls[(np.log(Pb+1e-12)+best[1]*corr).argmax(1)],average='macro'))
    print('rep',rep,{v:{h:round(res[v][h][-1],3) for h in heads} for v in res},flush=True)
for v in res:
    print(v,' '.join(f"{h}: mean {np.mean(res[v][h]):.4f} d {np.mean(np.array(res[v][h])-np.array(res['peer'][h])):+.4f} sd {np.std(np.array(res[v][h])-np.array(res['peer'][h])):.4f} wins {np.mean(np.array(res[v][h])>=np.array(res['peer'][h])):.2f}" for h in heads))
