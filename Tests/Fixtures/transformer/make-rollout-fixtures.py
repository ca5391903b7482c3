#!/usr/bin/env python3
"""Writes rollout.json beside expected.json in the distilbert-cased and bert-uncased fixtures: the attention
rollout (Abnar & Zuidema, 2020) of each expected input, computed from Hugging Face transformers' own attention
probabilities (output_attentions, eager attention): per layer the head mean A, then 0.5·A + 0.5·I multiplied
from the first layer to the last, and the [CLS] row. Mailroom's TransformerEncoder.attentionRollout must match.

  /work/peers/bin/python Tests/Fixtures/transformer/make-rollout-fixtures.py   (needs torch, transformers)
"""
import json, os
import torch
from transformers import AutoModel

ROOT = os.path.dirname(os.path.abspath(__file__))
for name in ["distilbert-cased", "bert-uncased"]:
    d = os.path.join(ROOT, name)
    exp = json.load(open(os.path.join(d, "expected.json"), encoding="utf-8"))
    model = AutoModel.from_pretrained(d, attn_implementation="eager").eval()
    out = []
    with torch.no_grad():
        for ids in exp["input_ids"]:
            att = model(input_ids=torch.tensor([ids]), output_attentions=True).attentions   # L × (1, NH, T, T)
            T = len(ids)
            r = torch.eye(T, dtype=torch.float64)
            for a in att:
                m = 0.5 * a[0].mean(0).double() + 0.5 * torch.eye(T, dtype=torch.float64)
                r = m @ r
            out.append(r[0].tolist())
    json.dump({"magic": "mailroom-rollout-fixture", "version": 1, "input_ids": exp["input_ids"], "rollout": out},
              open(os.path.join(d, "rollout.json"), "w"))
    print(name, len(out), "rollouts")
