# linear_study_common: dataset loading shared by the linear-model study scripts (resampling, naive-Bayes,
# bootstrap): the rows of ../shared/datasets/DATASET/train.jsonl (or $DATASETS), and the model text as the
# datasets README defines it.
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
