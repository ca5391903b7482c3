# linear_study_common: what the linear-model study scripts (resampling, naive-Bayes, relevance, bootstrap, re-split)
# share: the rows of ../shared/datasets/DATASET/train.jsonl (or $DATASETS), the model text as the datasets README
# defines it, the training-rows re-split, the peer's features and classifier (../shared/reference/tfidf_baseline.py)
# and naive-Bayes log-count ratios (what NaiveBayesScaling.swift computes). scikit-learn is imported only by the
# functions that need it, so linear-resplit.py runs without it.
import json, os, random

def load_rows(dataset):
    """Every row of the dataset's train.jsonl (both splits)."""
    root = os.environ.get('DATASETS', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'datasets'))
    return [json.loads(l) for l in open(os.path.join(root, dataset, 'train.jsonl'), encoding='utf-8')]

def text(r):
    """subject + "\\n" + body, or the body when the subject is empty."""
    return (r['subject'] + '\n' + r['body']) if r['subject'] else r['body']

def first_line(r):
    """The first line of the model text (the subject when there is one)."""
    return text(r).split('\n')[0]

def held_out(train, seed):
    """Indices of the 15 % of `train` held out in re-split `seed`: the first 15 % of a random.Random(seed) shuffle."""
    order = list(range(len(train)))
    random.Random(seed).shuffle(order)
    return set(order[:int(round(0.15 * len(train)))])

def peer_vectorizers():
    """The peer's two tf-idf feature groups, unfitted: word 1-2-grams and char_wb 2-5-grams, min_df 2, sublinear tf."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    return [TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 5), min_df=2, sublinear_tf=True)]

def peer_lr(C=10):
    """The peer's classifier: logistic regression, balanced class weights (C 10 in the reference script)."""
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(max_iter=2000, C=C, class_weight='balanced')

def nb_log_ratios(x, y):
    """Per feature: max over classes c of |log((p_c/|p_c|) / (q_c/|q_c|))|, p_c / q_c the rows of class c / of the
    other classes that contain the feature, plus one. Scale features by its power gamma for NB scaling."""
    import numpy as np
    present = (x > 0).astype(np.float64).tocsr()
    y = np.asarray(y)
    r = np.zeros(x.shape[1])
    for c in np.unique(y):
        p = np.asarray(present[y == c].sum(0)).ravel() + 1
        q = np.asarray(present[y != c].sum(0)).ravel() + 1
        r = np.maximum(r, np.abs(np.log((p / p.sum()) / (q / q.sum()))))
    return r
