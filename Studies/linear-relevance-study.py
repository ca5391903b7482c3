#!/usr/bin/env python3
# linear-relevance-study: is any model of the linear family reliably better than the TF-IDF + LR peer on one head?
# Training rows only: each seed re-splits the dataset's *train* rows 85/15 exactly as Studies/linear-resplit.py does
# (linear_study_common.held_out); the real validation rows are never read. On every re-split it fits the peer
# (../shared/reference/tfidf_baseline.py: word 1-2 + char_wb 2-5 tf-idf, min_df 2, sublinear tf, C 10, balanced
# class weights) and the variants below on the same features, and prints held-out macro-F1, variant - peer, then
# per variant the mean difference and on how many re-splits it was >= the peer.
#
# Variants (scikit-learn stand-ins for ideas that could be built into MailroomLinear):
#   C3 / C30 / C100        the peer with a stronger / weaker penalty
#   thr-oof                the peer with its decision threshold (binary heads) chosen on 3-fold out-of-fold
#                          probabilities of the training part, for macro-F1
#   nb0.5, avg(peer,nb)    naive-Bayes feature scaling, gamma 0.5 (MailroomLinear's NaiveBayesScaling); and its
#                          probabilities averaged with the peer's
#   avg(word,char), avg(peer,word,char)   separate word-only and char-only models, averaged (with the peer)
#   bag5, avg(peer,bag5)   five bootstrap-resampled peers, averaged (with the peer)
#   len0.3                 an extra feature group: one-hot of floor(log2(characters)) clipped to 4...12, length 0.3
#   char-x                 char 2-5-grams across word boundaries instead of char_wb
#   svc0.3 / svc1          linear SVM (squared hinge), balanced
#   ridge                  ridge classifier, alpha 1, balanced
#   joint                  every head fitted as the peer, then decoded jointly: the label combination seen in the
#                          training part with the highest summed log-probability
#   fine:H, avg(peer,fine:H)   for each other head H whose labels each occur with one label of HEAD (in >= 99 % of
#                          the training part; a finer head, e.g. germeval aspect "none" ~ relevance "false"): H
#                          fitted as the peer, each label mapped to the HEAD label it occurs with most, its
#                          probabilities summed into HEAD's labels (alone, and averaged with the peer's)
# Usage: /work/peers/bin/python Studies/linear-relevance-study.py DATASET HEAD SEED [SEED ...]
#   e.g. germeval2017 relevance 1 2 3 4 5 6 7 8   (2 processes; about 9 minutes on the 2-core dev machine)
import math, sys
from collections import Counter
from multiprocessing import Pool
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC
from linear_study_common import load_rows, text, held_out, peer_vectorizers, peer_lr, nb_log_ratios

def length_group(texts, weight):
    cols = [min(max(int(math.log2(max(len(t), 1))), 4), 12) - 4 for t in texts]
    return sp.csr_matrix((np.full(len(texts), weight), (np.arange(len(texts)), cols)), shape=(len(texts), 9))

def run(args):
    dataset, head, seed = args
    train = [r for r in load_rows(dataset) if r.get('split') != 'validation']
    held = held_out(train, seed)
    tr = [r for i, r in enumerate(train) if i not in held]
    va = [r for i, r in enumerate(train) if i in held]
    ttr = [text(r) for r in tr]; tva = [text(r) for r in va]
    word, char = peer_vectorizers()
    wtr = word.fit_transform(ttr); wva = word.transform(tva)
    ctr = char.fit_transform(ttr); cva = char.transform(tva)
    xtr = sp.hstack([wtr, ctr]).tocsr(); xva = sp.hstack([wva, cva]).tocsr()
    y = np.array([r['labels'][head] for r in tr]); yv = [r['labels'][head] for r in va]
    score = lambda pred: f1_score(yv, pred, average='macro')

    peer = peer_lr().fit(xtr, y); classes = peer.classes_
    pp = peer.predict_proba(xva)
    out = {'peer': score(classes[pp.argmax(1)])}
    for C in (3, 30, 100):
        out[f'C{C}'] = score(peer_lr(C).fit(xtr, y).predict(xva))
    if len(classes) == 2:
        oof = cross_val_predict(peer_lr(), xtr, y, cv=StratifiedKFold(3, shuffle=True, random_state=0), method='predict_proba')
        logit = lambda p: np.log(p[:, 1] + 1e-12) - np.log(p[:, 0] + 1e-12)
        grid = np.arange(-2, 2.01, 0.1)
        best = grid[int(np.argmax([f1_score(y, np.where(logit(oof) > t, classes[1], classes[0]), average='macro') for t in grid]))]
        out['thr-oof'] = score(np.where(logit(pp) > best, classes[1], classes[0]))
    s = nb_log_ratios(xtr, y) ** 0.5
    pn = peer_lr().fit(xtr.multiply(s).tocsr(), y).predict_proba(xva.multiply(s).tocsr())
    out['nb0.5'] = score(classes[pn.argmax(1)]); out['avg(peer,nb)'] = score(classes[(pp + pn).argmax(1)])
    pw = peer_lr().fit(wtr, y).predict_proba(wva); pc = peer_lr().fit(ctr, y).predict_proba(cva)
    out['avg(word,char)'] = score(classes[(pw + pc).argmax(1)]); out['avg(peer,word,char)'] = score(classes[(pp + pw + pc).argmax(1)])
    rng = np.random.RandomState(seed); pb = np.zeros_like(pp)
    for _ in range(5):
        i = rng.choice(len(y), len(y), replace=True)
        m = peer_lr().fit(xtr[i], y[i])
        pb[:, np.searchsorted(classes, m.classes_)] += m.predict_proba(xva)
    out['bag5'] = score(classes[pb.argmax(1)]); out['avg(peer,bag5)'] = score(classes[(pp + pb / 5).argmax(1)])
    out['len0.3'] = score(peer_lr().fit(sp.hstack([xtr, length_group(ttr, 0.3)]).tocsr(), y)
                          .predict(sp.hstack([xva, length_group(tva, 0.3)]).tocsr()))
    cross = TfidfVectorizer(analyzer='char', ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    x2 = sp.hstack([wtr, cross.fit_transform(ttr)]).tocsr(); v2 = sp.hstack([wva, cross.transform(tva)]).tocsr()
    out['char-x'] = score(peer_lr().fit(x2, y).predict(v2))
    for C in (0.3, 1):
        out[f'svc{C:g}'] = score(LinearSVC(C=C, class_weight='balanced').fit(xtr, y).predict(xva))
    out['ridge'] = score(RidgeClassifier(alpha=1, class_weight='balanced').fit(xtr, y).predict(xva))
    heads = list(tr[0]['labels'])
    logp, labels = {}, {}
    for h in heads:
        m = peer if h == head else peer_lr().fit(xtr, [r['labels'][h] for r in tr])
        logp[h] = np.log(m.predict_proba(xva) + 1e-12); labels[h] = list(m.classes_)
    combos = sorted({tuple(r['labels'][h] for h in heads) for r in tr})
    idx = np.array([[labels[h].index(c[k]) for k, h in enumerate(heads)] for c in combos])   # (combos, heads)
    total = sum(logp[h][:, idx[:, k]] for k, h in enumerate(heads))                          # (rows, combos)
    k = heads.index(head)
    out['joint'] = score([labels[head][j] for j in idx[total.argmax(1), k]])
    for h in heads:
        pairs = Counter((r['labels'][h], r['labels'][head]) for r in tr)
        coarse = {}   # H's label -> HEAD's label it occurs with most
        for (f, c), n in sorted(pairs.items(), key=lambda e: e[1]):
            coarse[f] = c
        agree = sum(n for (f, c), n in pairs.items() if coarse[f] == c)
        if h == head or agree < 0.99 * len(tr):
            continue
        pf = np.zeros_like(pp)   # (rows, HEAD's classes)
        for j, c in enumerate(labels[h]):
            pf[:, list(classes).index(coarse[c])] += np.exp(logp[h][:, j])
        out[f'fine:{h}'] = score(classes[pf.argmax(1)]); out[f'avg(peer,fine:{h})'] = score(classes[(pp + pf).argmax(1)])
    return seed, out

def main():
    if len(sys.argv) < 4:
        sys.exit('usage: linear-relevance-study.py DATASET HEAD SEED [SEED ...]')
    dataset, head = sys.argv[1], sys.argv[2]
    results = []
    with Pool(2) as pool:
        for seed, out in pool.imap(run, [(dataset, head, int(s)) for s in sys.argv[3:]]):
            results.append(out)
            print(f"{dataset} {head} seed {seed}: peer {out['peer']:.3f} | " +
                  ' | '.join(f'{k} {v - out["peer"]:+.3f}' for k, v in out.items() if k != 'peer'), flush=True)
    print(f'summary over {len(results)} re-splits (variant - peer): mean, re-splits with variant >= peer')
    for k in results[0]:
        if k == 'peer':
            continue
        d = [o[k] - o['peer'] for o in results]
        print(f'  {k:22s} {np.mean(d):+.4f}  {sum(x >= 0 for x in d)}/{len(d)}')

if __name__ == '__main__':
    main()
