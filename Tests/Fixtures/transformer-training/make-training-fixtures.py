"""Reference fixtures for Mailroom's transformer trainer, written with Hugging Face transformers (PyTorch).

For each tiny checkpoint of Tests/Fixtures/transformer (bert-uncased, distilbert-cased) it builds the reference
multi-task model of ../shared/reference/hf_multitask_reference.py (encoder; per head pre_classifier Linear(C,C) -> ReLU
-> Dropout -> classifier Linear(C,K); loss = sum of the heads' cross-entropies with ignore_index) from the checkpoint's
own weights, in eval mode (dropout off: RNGs differ between implementations), and runs STEPS AdamW steps on one fixed
batch with grad-norm clipping and get_linear_schedule_with_warmup. It writes, beside this script,
Tests/Fixtures/transformer-training/<model>/:
  expected.json        {"magic": "mailroom-training-fixture", "version": 1, "sequences", "labels" {head: [...]},
                        "lr", "weight_decay", "clip", "warmup", "total_steps", "steps", "losses" [per step],
                        "grad_norm" (first step, before clipping)}
  expected.safetensors grad.<key> (first step's gradients, before clipping) and updated.<key> (weights after STEPS
                        steps) for every parameter, HF names (base-model keys, heads.<name>.*).
Usage: /work/peers/bin/python Tests/Fixtures/transformer-training/make-training-fixtures.py
(needs torch, transformers, safetensors).
"""
import json, os
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModel, get_linear_schedule_with_warmup

OUT = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(OUT, "..", "transformer")
MAGIC, VERSION = "mailroom-training-fixture", 1
LR, WD, CLIP, STEPS, TOTAL, WARMUP = 1e-3, 0.01, 1.0, 3, 10, 1
SEQUENCES = [[2, 17, 40, 99, 31, 3], [2, 123, 7, 3], [2, 55, 66, 77, 88, 11, 22, 3]]


class MultiTask(torch.nn.Module):
    def __init__(self, enc, heads, C):
        super().__init__()
        self.encoder = enc
        self.heads = torch.nn.ModuleDict({h: torch.nn.ModuleDict({
            "pre_classifier": torch.nn.Linear(C, C), "classifier": torch.nn.Linear(C, k)}) for h, k in heads})
        self.drop = torch.nn.Dropout(0.1)

    def forward(self, ids, mask):
        x = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state[:, 0]
        return {h: m["classifier"](self.drop(torch.relu(m["pre_classifier"](x)))) for h, m in self.heads.items()}


def make(name):
    src = os.path.join(SRC, name)
    cfg = json.load(open(os.path.join(src, "config.json")))
    heads = [(h["name"], len(h["labels"])) for h in cfg["mailroom"]["heads"]]
    enc = AutoModel.from_pretrained(src, attn_implementation="eager").float()
    C = cfg.get("hidden_size", cfg.get("dim"))
    model = MultiTask(enc, heads, C)
    weights = load_file(os.path.join(src, "model.safetensors"))
    with torch.no_grad():
        for h, _ in heads:
            for part in ("pre_classifier", "classifier"):
                for t in ("weight", "bias"):
                    getattr(model.heads[h][part], t).copy_(weights[f"heads.{h}.{part}.{t}"].float())
    V = enc.config.vocab_size
    seqs = [[i % V for i in s] for s in SEQUENCES]
    T = max(len(s) for s in seqs)
    ids = torch.tensor([s + [0] * (T - len(s)) for s in seqs])
    mask = torch.tensor([[1] * len(s) + [0] * (T - len(s)) for s in seqs])
    labels = {h: [(i + j) % k if not (j == 0 and i == 1) else -100 for i in range(len(seqs))]
              for j, (h, k) in enumerate(heads)}
    named = {("heads." + n[len("heads."):]) if n.startswith("heads.") else n[len("encoder."):]: p
             for n, p in model.named_parameters() if not n.startswith("encoder.pooler.")}  # pooler: unused
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WD)
    sched = get_linear_schedule_with_warmup(opt, WARMUP, TOTAL)
    ce = torch.nn.CrossEntropyLoss(ignore_index=-100)
    model.eval()  # dropout off; gradients still flow
    losses, grads, grad_norm = [], {}, None
    for step in range(STEPS):
        out = model(ids, mask)
        loss = sum(ce(out[h], torch.tensor(labels[h])) for h, _ in heads)
        opt.zero_grad(); loss.backward()
        if step == 0:
            grads = {k: p.grad.detach().clone() for k, p in named.items()}
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        if step == 0:
            grad_norm = float(norm)
        opt.step(); sched.step()
        losses.append(float(loss))
    tensors = {f"grad.{k}": v.contiguous() for k, v in grads.items()}
    tensors.update({f"updated.{k}": p.detach().clone().contiguous() for k, p in named.items()})
    dst = os.path.join(OUT, name)
    os.makedirs(dst, exist_ok=True)
    save_file(tensors, os.path.join(dst, "expected.safetensors"))
    json.dump({"magic": MAGIC, "version": VERSION, "model": name, "sequences": seqs, "labels": labels,
               "head_order": [h for h, _ in heads], "lr": LR, "weight_decay": WD, "clip": CLIP, "warmup": WARMUP,
               "total_steps": TOTAL, "steps": STEPS, "losses": losses, "grad_norm": grad_norm},
              open(os.path.join(dst, "expected.json"), "w"), indent=1)
    print(name, "losses", losses, "grad norm", grad_norm, "tensors", len(grads))


if __name__ == "__main__":
    torch.manual_seed(0)
    for m in ("bert-uncased", "distilbert-cased"):
        make(m)
