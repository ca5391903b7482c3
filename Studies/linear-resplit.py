#!/usr/bin/env python3
# linear-resplit: writes training-rows-only re-splits of the shared datasets, for running Benchmarks/bench-linear
# (Mailroom and the peer) without touching the validation split. For each seed, every dataset's *train* rows
# are shuffled with Python's random.Random(seed), the first 15 % become `split: validation`, the rest stay
# `split: train`; the dataset's real validation rows are left out. Output: OUT/s<seed>/<dataset>/train.jsonl.
# Usage: python3 Studies/linear-resplit.py OUT SEED [SEED ...]
#   then: DATASETS=OUT/s1 LINEAR_DATASETS=germeval2017 LINEAR_SAMPLE_COUNT=0 Benchmarks/bench-linear
import json, os, sys
from linear_study_common import load_rows, held_out

DATASETS = ['germeval2017', 'tickets', 'banking77']   # the peer script reads all three

def main():
    if len(sys.argv) < 3:
        sys.exit('usage: linear-resplit.py OUT SEED [SEED ...]')
    out = sys.argv[1]
    seeds = [int(s) for s in sys.argv[2:]]
    for ds in DATASETS:
        train = [r for r in load_rows(ds) if r.get('split') != 'validation']
        for seed in seeds:
            held = held_out(train, seed)
            folder = os.path.join(out, f's{seed}', ds)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, 'train.jsonl'), 'w', encoding='utf-8') as f:
                for i, r in enumerate(train):
                    f.write(json.dumps(dict(r, split='validation' if i in held else 'train'), ensure_ascii=False) + '\n')
            print(f'{ds} seed {seed}: {len(train) - len(held)} train, {len(held)} held out -> {folder}')

if __name__ == '__main__':
    main()
