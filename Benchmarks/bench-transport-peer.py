# bench-transport-peer: the Python peer of Benchmarks/bench-transport (pyzmq and sqlite3 doing the same work).
# Usage: python3 bench-transport-peer.py SCRATCH_DIR   — prints one "name value unit" line per figure.
import json, os, sqlite3, sys, threading, time
import zmq

scratch = sys.argv[1]
env = os.environ
RAW = int(env.get("BENCH_RAW_MESSAGES", 200_000))
ENVELOPES = int(env.get("BENCH_ENVELOPES", 50_000))
ROUND_TRIPS = int(env.get("BENCH_ROUND_TRIPS", 10_000))
STORE_ROWS = int(env.get("BENCH_STORE_ROWS", 20_000))
ctx = zmq.Context()

def report(name, value, unit):
    print(name, "%.1f" % value, unit, flush=True)

def raw():
    pull = ctx.socket(zmq.PULL); pull.bind(f"ipc://{scratch}/raw-py")
    def produce():
        push = ctx.socket(zmq.PUSH); push.connect(f"ipc://{scratch}/raw-py")
        frame = b"a" * 1024
        for _ in range(RAW): push.send(frame)
        push.close(linger=-1)
    t0 = time.perf_counter(); th = threading.Thread(target=produce); th.start()
    for _ in range(RAW): pull.recv()
    report("raw_push_pull_1KB", RAW / (time.perf_counter() - t0), "msg/s"); th.join(); pull.close()

def latency():
    a, b = f"ipc://{scratch}/ping-py", f"ipc://{scratch}/pong-py"
    ready = threading.Event()
    def echo():
        pull = ctx.socket(zmq.PULL); pull.bind(a); push = ctx.socket(zmq.PUSH); push.connect(b); ready.set()
        for _ in range(ROUND_TRIPS): push.send(pull.recv())
        push.close(linger=-1); pull.close()
    th = threading.Thread(target=echo); th.start(); ready.wait()
    pull = ctx.socket(zmq.PULL); pull.bind(b); push = ctx.socket(zmq.PUSH); push.connect(a)
    frame, hops = b"a" * 1024, []
    for _ in range(ROUND_TRIPS):
        t = time.perf_counter(); push.send(frame); pull.recv(); hops.append((time.perf_counter() - t) * 1e6 / 2)
    hops.sort()
    report("one_hop_p50_1KB", hops[len(hops) // 2], "us"); report("one_hop_p99_1KB", hops[len(hops) * 99 // 100], "us")
    th.join(); push.close(); pull.close()

def envelopes():
    # Same work as EnvelopeSender/EnvelopeReceiver: JSON header + JSON payload frames, decoded on receipt.
    endpoint = f"ipc://{scratch}/envelopes-py"
    pull = ctx.socket(zmq.PULL); pull.bind(endpoint)
    body = "Please confirm the transfer. " * 35
    def produce():
        push = ctx.socket(zmq.PUSH); push.connect(endpoint)
        for i in range(ENVELOPES):
            header = {"schema_version": 1, "type": "cleaned", "message_id": f"mail-{i}", "trace_id": "t",
                      "stamps": [{"stage": "bench", "replica": 0, "at_ms": int(time.time() * 1000)}]}
            payload = {"id": f"mail-{i}", "subject": "Transfer", "text": body, "language": "en", "removed": []}
            push.send_multipart([json.dumps(header).encode(), json.dumps(payload).encode()])
        push.close(linger=-1)
    t0 = time.perf_counter(); th = threading.Thread(target=produce); th.start()
    for _ in range(ENVELOPES):
        h, p = pull.recv_multipart()
        header = json.loads(h); payload = json.loads(p)
        assert header["schema_version"] == 1 and payload["id"]
    report("envelope_push_pull_1KB", ENVELOPES / (time.perf_counter() - t0), "msg/s"); th.join(); pull.close()

def store():
    db = sqlite3.connect(f"{scratch}/feedback-py.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
    db.executescript("""
      CREATE TABLE IF NOT EXISTS predictions (email_id TEXT PRIMARY KEY, model_version TEXT NOT NULL,
        subject TEXT NOT NULL, text TEXT NOT NULL, language TEXT, assigned_queue TEXT NOT NULL,
        needs_review INTEGER NOT NULL, heads_json TEXT NOT NULL, predicted_at_ms INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS outcomes (email_id TEXT PRIMARY KEY, labels_json TEXT NOT NULL,
        resolution TEXT, closed_at TEXT, received_at_ms INTEGER NOT NULL);""")
    up_p = """INSERT INTO predictions VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(email_id) DO UPDATE SET
      model_version=excluded.model_version, subject=excluded.subject, text=excluded.text, language=excluded.language,
      assigned_queue=excluded.assigned_queue, needs_review=excluded.needs_review, heads_json=excluded.heads_json,
      predicted_at_ms=excluded.predicted_at_ms"""
    up_o = """INSERT INTO outcomes VALUES (?,?,?,?,?) ON CONFLICT(email_id) DO UPDATE SET
      labels_json=excluded.labels_json, resolution=excluded.resolution, closed_at=excluded.closed_at,
      received_at_ms=excluded.received_at_ms"""
    t0 = time.perf_counter()
    for batch in range(0, STORE_ROWS, 100):
        db.execute("BEGIN IMMEDIATE")
        for i in range(batch, min(STORE_ROWS, batch + 100)):
            heads = {"intent": {"label": "payment", "confidence": 0.9}, "urgency": {"label": "high", "confidence": 0.7}}
            now = int(time.time() * 1000)
            db.execute(up_p, (f"mail-{i}", "v1", "Transfer", "Please confirm the transfer.", None, "payments", 0,
                              json.dumps(heads, sort_keys=True), now))
            db.execute(up_o, (f"mail-{i}", json.dumps({"intent": "payment", "urgency": "low"}, sort_keys=True),
                              "done", None, now))
        db.execute("COMMIT")
    report("store_record_pairs_batch100", STORE_ROWS / (time.perf_counter() - t0), "pairs/s")
    t0 = time.perf_counter()
    rows = db.execute("""SELECT p.email_id, p.model_version, p.heads_json, o.labels_json, o.resolution, o.closed_at,
        p.assigned_queue, p.needs_review, p.subject, p.text, p.language FROM outcomes o
        JOIN predictions p ON p.email_id = o.email_id ORDER BY p.email_id""").fetchall()
    cases = [(r[0], json.loads(r[2]), json.loads(r[3])) for r in rows]
    assert len(cases) == STORE_ROWS
    report("store_closed_cases_read", STORE_ROWS / (time.perf_counter() - t0), "rows/s")

raw(); latency(); envelopes(); store()
ctx.term()
