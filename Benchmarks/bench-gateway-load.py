"""Load generator for Benchmarks/bench-gateway: concurrent keep-alive clients POSTing /v1/classify.

Prints, per batch size, requests, emails/s and request latency p50/p90/p99 (ms). Standard library only.
"""
import argparse, http.client, json, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True); ap.add_argument("--emails", required=True)
ap.add_argument("--clients", type=int, default=4); ap.add_argument("--seconds", type=float, default=20)
ap.add_argument("--key", help="an API key with the submit scope (`mailroom api-key new`)")
ap.add_argument("--label", default="", help="printed at the start of every row")
a = ap.parse_args()
emails = [json.loads(l) for l in open(a.emails, encoding="utf-8")]

def wait_ready():
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=2); c.request("GET", "/readyz")
            if c.getresponse().status == 200: return
        except OSError: pass
        time.sleep(0.1)
    raise SystemExit("gateway not ready")

def run(batch, tag):
    latencies, errors, lock = [], [0], threading.Lock()
    stop = time.time() + a.seconds
    def client(k):
        conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=60); i = k * 100000
        while time.time() < stop:
            body = [dict(e, id=f"{tag}-{k}-{i}-{j}") for j, e in enumerate(emails[(i % len(emails)):(i % len(emails)) + batch])]
            i += batch
            t0 = time.perf_counter()
            headers = {"Content-Type": "application/json"}
            if a.key: headers["Authorization"] = f"Bearer {a.key}"
            conn.request("POST", "/v1/classify", json.dumps({"emails": body}), headers)
            r = conn.getresponse(); r.read()
            dt = time.perf_counter() - t0
            with lock:
                if r.status == 200: latencies.append(dt)
                else: errors[0] += 1
    threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
    t0 = time.time(); [t.start() for t in threads]; [t.join() for t in threads]; wall = time.time() - t0
    latencies.sort(); n = len(latencies)
    pct = lambda p: latencies[min(n - 1, int(p * n))] * 1000 if n else float("nan")
    print(f"{a.label}batch={batch:3d} clients={a.clients} seconds={wall:.1f} requests={n} errors={errors[0]} "
          f"emails/s={n * batch / wall:8.1f} latency_ms p50={pct(0.50):7.2f} p90={pct(0.90):7.2f} p99={pct(0.99):7.2f}", flush=True)

wait_ready()
run(1, "warm")  # warm-up pass is printed too, for transparency
run(1, "b1")
run(16, "b16")
