"""Benchmarks/bench-scaling: see the shell driver. Standard library only (and Scripts/private_topology.py)."""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Scripts"))
from private_topology import PrivateTopology, log  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin-dir", required=True)
ap.add_argument("--replicas", default="1,2,4")
ap.add_argument("--clients", type=int, default=8)
ap.add_argument("--batch", type=int, default=16)
ap.add_argument("--seconds", type=float, default=30)
ap.add_argument("--kind", default="transformer", help="the model the classifiers serve: transformer or linear")
ap.add_argument("--wiring", default="shipped", choices=["shipped", "classifiers-bind", "both"],
                help="shipped: the classifiers connect to the cleaners' bound PUSH (--pull-from); classifiers-bind: "
                     "each classifier binds its input and the cleaners connect to every one (--push); both: each in turn")
a = ap.parse_args()
mailroom = os.path.join(a.bin_dir, "mailroom")
work = tempfile.mkdtemp(prefix="mailroom-scaling-")


def run(*argv):
    subprocess.run([mailroom, *argv], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


log(f"training one {a.kind} model in {work}")
run("sample", "--out", f"{work}/train.jsonl", "--count", "600", "--seed", "3")
extra = ["--epochs", "1", "--max-length", "128"] if a.kind == "transformer" else []
run("train", "--data", f"{work}/train.jsonl", "--out", f"{work}/model", "--kind", a.kind,
    "--model-version", "scaling-1", *extra)
run("sample", "--emails", "--out", f"{work}/emails.jsonl", "--count", "2000", "--seed", "7")
emails = [json.loads(line) for line in open(f"{work}/emails.jsonl", encoding="utf-8")]


def predictions_by_replica(topo):
    """Each classifier replica's predictions so far, as the gateway's /metrics reports them from its heartbeats."""
    url = urllib.parse.urlsplit(topo.bases[0])
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    c.request("GET", "/metrics", headers={"Authorization": f"Bearer {topo.key}"})
    text = c.getresponse().read().decode()
    return {m.group(1): float(m.group(2)) for m in re.finditer(
        r'^mailroom_classifier_predictions_total\{[^}]*replica="(\d+)"[^}]*\} (\S+)$', text, flags=re.M)}


def shares(before, after):
    """Each replica's share of the predictions made between two readings, in percent, largest first."""
    made = [after[r] - before.get(r, 0) for r in after]
    total = sum(made)
    return "/".join(f"{100 * m / total:.0f}" for m in sorted(made, reverse=True)) if total > 0 else "-"


def load(topo, seconds, tag):
    """Clients POST /v1/classify batches round-robin over the gateways; samples the in-flight gauge meanwhile."""
    done, errors, latencies, lock = [0], [0], [], threading.Lock()
    stop = time.time() + seconds
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {topo.key}"}

    def client(k):
        url = urllib.parse.urlsplit(topo.bases[k % len(topo.bases)])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        i = k * 100_000
        while time.time() < stop:
            body = [dict(emails[(i + j) % len(emails)], id=f"{tag}-{k}-{i + j}") for j in range(a.batch)]
            i += a.batch
            t0 = time.perf_counter()
            conn.request("POST", "/v1/classify", json.dumps({"emails": body}), headers)
            r = conn.getresponse()
            r.read()
            with lock:
                if r.status == 200:
                    done[0] += a.batch
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors[0] += 1

    in_flight = []

    def sampler():
        while time.time() < stop:
            total = 0.0
            for base in topo.bases:
                url = urllib.parse.urlsplit(base)
                try:
                    c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
                    c.request("GET", "/metrics", headers={"Authorization": f"Bearer {topo.key}"})
                    text = c.getresponse().read().decode()
                    m = re.search(r"^mailroom_gateway_in_flight(?:\{[^}]*\})? (\S+)$", text, flags=re.M)
                    total += float(m.group(1)) if m else 0
                except OSError:
                    pass
            in_flight.append(total)
            time.sleep(0.5)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)] + [threading.Thread(target=sampler)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - t0
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else float("nan")
    mean_in_flight = sum(in_flight) / len(in_flight) if in_flight else float("nan")
    return done[0] / wall, p50, mean_in_flight, max(in_flight or [0]), errors[0]


def classifiers_bind(text):
    """The other wiring: each classifier replica binds classifier.in; the cleaner connects to every one."""
    out = text.replace("cleaner.out        = ipc://{run_dir}/cleaner-out-{replica}.sock",
                       "classifier.in      = ipc://{run_dir}/classifier-{replica}.sock")
    out = out.replace("--push-bind {own:cleaner.out}", "--push {all:classifier.in}")
    out = out.replace("--pull-from {all:cleaner.out}", "--pull {own:classifier.in}")
    if out.count("classifier.in") != 3:
        sys.exit("E: the shipped topology's cleaner/classifier wiring changed: update classifiers_bind()")
    return out


wirings = ["shipped", "classifiers-bind"] if a.wiring == "both" else [a.wiring]
with open("/proc/loadavg") as f:
    log(f"load average before the runs: {f.read().split()[0]}")
rows = []
for n in [int(x) for x in a.replicas.split(",")]:
    for wiring in wirings:  # interleaved, so that a drift of the machine reaches both alike
        log(f"{n} classifier replica(s), wiring {wiring}")
        with PrivateTopology(a.bin_dir, name="scaling", classifiers=n, loopback=True, model=f"{work}/model",
                             edit=classifiers_bind if wiring == "classifiers-bind" else None) as topo:
            load(topo, 5, f"warm{n}")
            before = predictions_by_replica(topo)
            measured = load(topo, a.seconds, f"r{n}")
            time.sleep(1.5)  # the next heartbeats carry the last figures
            rows.append((wiring, n, *measured, shares(before, predictions_by_replica(topo))))

print(f"\nwiring           | classifier replicas | emails/s | vs 1 replica | request p50 ms | in flight mean | max | errors | "
      f"share per replica %   ({a.kind}, {a.clients} clients x {a.batch} emails, {a.seconds:g} s, {os.cpu_count()} CPUs)")
for wiring, n, rate, p50, mean, top, errors, share in rows:
    base = next((r[2] for r in rows if r[0] == wiring), 1)
    print(f"{wiring:16s} | {n:19d} | {rate:8.1f} | {rate / base:11.2f}x | {p50:14.1f} | {mean:14.1f} | {top:3.0f} | "
          f"{errors:6d} | {share}")
subprocess.run(["rm", "-rf", work])
