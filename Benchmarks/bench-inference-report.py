"""Prints Benchmarks/bench-inference results (JSON lines) as a Markdown table with Mailroom / peer ratios."""
import json, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
pts = {(r["runtime"], r["model"], r["batch"], r["length"]): r for r in rows if "batch" in r}
print("| model | batch | length | Mailroom seq/s | Mailroom tokens/s | PyTorch seq/s | ONNX Runtime seq/s | Mailroom / ORT | Mailroom / PyTorch | Mailroom latency ms | ORT latency ms |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (rt, model, b, l), r in sorted(pts.items(), key=lambda kv: (kv[0][1], kv[0][3], kv[0][2])):
    if rt != "mailroom": continue
    pt = pts.get(("pytorch", model, b, l)); ort = pts.get(("onnxruntime", model, b, l))
    f = lambda x: f"{x:.1f}" if x is not None else "–"
    ratio = lambda p: f"{r['seq_per_s'] / p['seq_per_s']:.2f}x" if p else "–"
    print(f"| {model} | {b} | {l} | {f(r['seq_per_s'])} | {r['tokens_per_s']:.0f} | {f(pt and pt['seq_per_s'])} | "
          f"{f(ort and ort['seq_per_s'])} | {ratio(ort)} | {ratio(pt)} | {r['latency_ms']:.1f} | {f(ort and ort['latency_ms'])} |")
narrow = [k for k in pts if k[0] in ("mailroom-int8", "mailroom-bf16")]
if narrow:  # the precision table: Mailroom fp32 / int8 / bf16 against ONNX Runtime fp32 and its dynamic int8
    for r in rows:
        if r.get("machine"):
            print(f"\nMachine: {r['cpu']}, {r['cores']} cores, flags {' '.join(r['flags'])}, load average {r['load_average']:.2f} "
                  f"at start, OPENBLAS_CORETYPE {r['openblas_coretype']}, ONNX Runtime {r['onnxruntime']}")
    kern = {k[0]: pts[k].get("kernels", "?") for k in pts if k[0].startswith("mailroom")}
    print("Kernels: " + "; ".join(f"{rt}: {kv}" for rt, kv in sorted(kern.items())))
    print("\n| model | batch | length | Mailroom fp32 | Mailroom int8 | Mailroom bf16 | ORT fp32 | ORT int8 | int8 / fp32 | int8 / ORT fp32 | int8 / ORT int8 | bf16 / fp32 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (rt, model, b, l), r in sorted(pts.items(), key=lambda kv: (kv[0][1], kv[0][3], kv[0][2])):
        if rt != "mailroom": continue
        g = lambda name: (pts.get((name, model, b, l)) or {}).get("seq_per_s")
        i8, bf, o, oi = g("mailroom-int8"), g("mailroom-bf16"), g("onnxruntime"), g("onnxruntime-int8")
        f = lambda x: f"{x:.1f}" if x else "–"
        q = lambda x, y: f"{x / y:.2f}x" if x and y else "–"
        print(f"| {model} | {b} | {l} | {f(r['seq_per_s'])} | {f(i8)} | {f(bf)} | {f(o)} | {f(oi)} | {q(i8, r['seq_per_s'])} | "
              f"{q(i8, o)} | {q(i8, oi)} | {q(bf, r['seq_per_s'])} |")
full = [r for k, r in pts.items() if k[0] == "mailroom-full"]
for r in full:
    ort = pts.get(("onnxruntime", r["model"], r["batch"], r["length"]))
    print(f"\nLast layer on every token (like the peers): {r['model']} batch {r['batch']} length {r['length']}: "
          f"{r['seq_per_s']:.1f} seq/s" + (f", {r['seq_per_s'] / ort['seq_per_s']:.2f}x ONNX Runtime" if ort else ""))
peak = {}
for r in rows:  # per model, the run with the largest activation buffers (batch 32, length 256)
    if r.get("memory") and r["runtime"] == "mailroom":
        if r["model"] not in peak or r["activation_bytes"] >= peak[r["model"]]["activation_bytes"]: peak[r["model"]] = r
for r in peak.values():
    if True:
        w, a, peak = r["weights_bytes"], r["activation_bytes"], r["peak_rss_bytes"]
        print(f"\nMemory {r['runtime']} {r['model']} (OpenBLAS kernels {r.get('blas_core', '?')}): weights {w / 2**20:.0f} MiB, "
              f"activation buffers {a / 2**20:.0f} MiB, peak RSS {peak / 2**20:.0f} MiB = {peak / (w + a):.2f}x "
              f"(weights + activations); before loading {r['rss_before_load'] / 2**20:.0f} MiB")
