"""Peer side of Benchmarks/bench-predict: the whole job of `mailroom predict` done with ONNX Runtime.

`prepare WORK BASE_DIR TOKENIZER_DIR DATA.jsonl N`: writes WORK/checkpoint, a Mailroom checkpoint of the random
DistilBERT-base-sized encoder in BASE_DIR (bench-inference's weights) with three random heads (seed 0; the names
and sizes of the reference design's line_of_business / queue / topic) and TOKENIZER_DIR's tokenizer; WORK/emails.jsonl,
the first N rows of DATA.jsonl (id, subject, body); and WORK/peer-fp32.onnx, WORK/peer-int8.onnx, the same encoder
and heads as one ONNX graph (logits out), the second through `onnxruntime.quantization.quantize_dynamic`.

`run WORK MODEL.onnx OUT.jsonl THREADS`: what a team would run instead of `mailroom predict` (the process is timed
by the driver from start to exit): load the session and the fast tokenizer, read the emails, tokenize subject and
body (truncated to the checkpoint's max_length), run them sorted by length in batches of 32, soft-max, write one
JSON line per email with the top label and confidence of every head.
"""
import json, os, sys

HEADS = [("line_of_business", 4), ("queue", 12), ("topic", 24)]
MAX_LENGTH = 128

def prepare(work, base, tok_dir, data, n):
    import shutil
    import numpy as np, torch
    from safetensors.torch import load_file, save_file
    from transformers import AutoModel
    os.makedirs(work, exist_ok=True)
    ck = os.path.join(work, "checkpoint"); os.makedirs(ck, exist_ok=True)
    cfg = json.load(open(os.path.join(base, "config.json")))
    C = cfg["dim"]
    g = torch.Generator().manual_seed(0)
    def uniform(*shape):
        return (torch.rand(*shape, generator=g) * 2 - 1) / C ** 0.5
    tensors = dict(load_file(os.path.join(base, "model.safetensors")))
    for name, k in HEADS:
        tensors[f"heads.{name}.pre_classifier.weight"] = uniform(C, C)
        tensors[f"heads.{name}.pre_classifier.bias"] = uniform(C)
        tensors[f"heads.{name}.classifier.weight"] = uniform(k, C)
        tensors[f"heads.{name}.classifier.bias"] = uniform(k)
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(ck, "model.safetensors"), metadata={"format": "pt"})
    cfg["mailroom"] = {"kind": "transformer", "version": "bench-distilbert-base-size", "max_length": MAX_LENGTH,
                       "heads": [{"name": nm, "labels": [f"{nm}_{i}" for i in range(k)]} for nm, k in HEADS]}
    json.dump(cfg, open(os.path.join(ck, "config.json"), "w"), indent=1)
    for f in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        if os.path.exists(os.path.join(tok_dir, f)):
            shutil.copy(os.path.join(tok_dir, f), os.path.join(ck, f))
    rows = [json.loads(l) for l in open(data, encoding="utf-8")][:n]
    with open(os.path.join(work, "emails.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"id": r["id"], "subject": r.get("subject", ""), "body": r.get("body", "")}, ensure_ascii=False) + "\n")

    encoder = AutoModel.from_pretrained(base).eval()
    class Classifier(torch.nn.Module):  # the Mailroom checkpoint's computation: [CLS] → ReLU(pre) → classifier
        def __init__(self):
            super().__init__(); self.encoder = encoder
            self.pre = torch.nn.ModuleList(); self.cls = torch.nn.ModuleList()
            for name, k in HEADS:
                pre = torch.nn.Linear(C, C); cls = torch.nn.Linear(C, k)
                pre.weight.data = tensors[f"heads.{name}.pre_classifier.weight"]; pre.bias.data = tensors[f"heads.{name}.pre_classifier.bias"]
                cls.weight.data = tensors[f"heads.{name}.classifier.weight"]; cls.bias.data = tensors[f"heads.{name}.classifier.bias"]
                self.pre.append(pre); self.cls.append(cls)
        def forward(self, ids, mask):
            x = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state[:, 0]
            return tuple(c(torch.relu(p(x))) for p, c in zip(self.pre, self.cls))
    path = os.path.join(work, "peer-fp32.onnx"); ids = torch.ones(1, 16, dtype=torch.long)
    torch.onnx.export(Classifier().eval(), (ids, ids), path, input_names=["input_ids", "attention_mask"],
                      output_names=[h for h, _ in HEADS],
                      dynamic_axes={"input_ids": {0: "b", 1: "l"}, "attention_mask": {0: "b", 1: "l"}}, opset_version=17, dynamo=False)
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(path, os.path.join(work, "peer-int8.onnx"), weight_type=QuantType.QInt8)
    print(json.dumps({"checkpoint": ck, "emails": os.path.join(work, "emails.jsonl"), "rows": len(rows)}))

def run(work, model, out, threads):
    import numpy as np, onnxruntime as ort
    from tokenizers import Tokenizer
    so = ort.SessionOptions(); so.intra_op_num_threads = threads
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(os.path.join(work, "checkpoint", "tokenizer.json"))
    tok.no_padding(); tok.enable_truncation(MAX_LENGTH)  # MiniLM's tokenizer.json pads to 128 by itself
    emails = [json.loads(l) for l in open(os.path.join(work, "emails.jsonl"), encoding="utf-8")]
    enc = tok.encode_batch([e["body"] if not e["subject"] else e["subject"] + "\n" + e["body"] for e in emails])  # modelText
    order = sorted(range(len(emails)), key=lambda i: len(enc[i].ids))
    results = [None] * len(emails)
    for s in range(0, len(order), 32):
        batch = order[s:s + 32]; L = max(len(enc[i].ids) for i in batch)
        ids = np.zeros((len(batch), L), np.int64); mask = np.zeros((len(batch), L), np.int64)
        for r, i in enumerate(batch):
            ids[r, :len(enc[i].ids)] = enc[i].ids; mask[r, :len(enc[i].ids)] = 1
        logits = sess.run(None, {"input_ids": ids, "attention_mask": mask})
        for r, i in enumerate(batch):
            heads = {}
            for (name, _), z in zip(HEADS, logits):
                p = np.exp(z[r] - z[r].max()); p /= p.sum()
                heads[name] = {"label": f"{name}_{int(p.argmax())}", "confidence": float(p.max())}
            results[i] = {"id": emails[i]["id"], "heads": heads}
    with open(out, "w") as f:
        for r in results: f.write(json.dumps(r) + "\n")

if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        run(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
