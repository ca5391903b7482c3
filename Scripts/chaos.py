"""Scripts/chaos: the fault benchmark (see the shell wrapper for usage)."""
import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import zmq

from postgres_server import PostgresServer
from private_topology import PrivateTopology, http as http_call, log

VICTIMS = ["gateway", "cleaner", "classifier", "router", "feedback-collector"]
SUPERVISOR = "supervisor"


def main():
    parser = argparse.ArgumentParser(description="kill -9 processes under load; count lost and duplicated emails")
    parser.add_argument("--rate", type=float, default=50, help="emails per second (async submit)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the load and the faults run")
    parser.add_argument("--kill-every", type=float, default=5, help="seconds between kills")
    parser.add_argument("--bin-dir", default=None, help="built executables (default: the release build)")
    parser.add_argument("--settle", type=float, default=180, help="seconds to wait for stragglers after the load")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, journal, stores)")
    parser.add_argument("--stall-collector", type=float, default=0, metavar="SECONDS",
                        help="instead of kills: SIGSTOP the feedback-collector for SECONDS from the start of the load")
    parser.add_argument("--restart-topology", action="store_true",
                        help="instead of kills: `topology down` then `up` halfway through the load")
    parser.add_argument("--require-kills", type=int, default=0, metavar="N",
                        help="fail unless every process was killed at least N times (the CI run uses 2)")
    parser.add_argument("--full-disk", type=float, default=0, metavar="SECONDS",
                        help="instead of kills: the feedback store on a small tmpfs, filled up for SECONDS from the "
                             "start of the load (needs root or CAP_SYS_ADMIN to mount it)")
    parser.add_argument("--kill-supervisor", action="store_true",
                        help="the supervisor takes a turn too: kill -9 it, then `topology up` again (as systemd's "
                             "Restart= would), which stops its orphaned children and starts the topology afresh")
    parser.add_argument("--gateways", type=int, default=1, metavar="N",
                        help="gateway replicas; the load goes round-robin over them, status checks too")
    parser.add_argument("--classifiers", type=int, default=1, metavar="N", help="classifier replicas")
    parser.add_argument("--routers", type=int, default=1, metavar="N", help="router replicas (needs --loopback)")
    parser.add_argument("--collectors", type=int, default=1, metavar="N",
                        help="feedback-collector replicas (needs --postgres: a SQLite store has one writer, and --loopback)")
    parser.add_argument("--loopback", action="store_true",
                        help="every process replica on a loopback address of its own (127.0.K.N+1), every endpoint "
                             "tcp between them, as on a cluster: the multi-host run")
    parser.add_argument("--postgres", action="store_true",
                        help="the feedback store, the gateways' journals and the routers' outboxes on a PostgreSQL "
                             "server this run starts (--database, --journal and --outbox postgres://…)")
    parser.add_argument("--victims", default=",".join(VICTIMS),
                        help="comma-separated processes to kill in turn (replica 0 of each)")
    args = parser.parse_args()
    args.victims = [v for v in args.victims.split(",") if v]
    unknown = sorted(set(args.victims) - set(VICTIMS))
    if unknown:
        parser.error(f"--victims: unknown process {', '.join(unknown)} (known: {', '.join(VICTIMS)})")

    topo = PrivateTopology(args.bin_dir, name="chaos", keep=args.keep, gateways=args.gateways,
                           classifiers=args.classifiers, loopback=args.loopback, routers=args.routers,
                           collectors=args.collectors)
    if args.collectors > 1 and not args.postgres:
        parser.error("--collectors N needs --postgres: the SQLite feedback store has one writer")
    if args.postgres:
        if args.full_disk > 0:
            parser.error("--full-disk fills the SQLite store's disk; it does not go with --postgres")
        with PostgresServer() as pg:
            topo.database = pg.url
            topo.journals_in_database = True
            topo.postgres = pg
            with topo as t:
                return chaos(args, t)
    disk = None
    if args.full_disk > 0:
        disk = os.path.join(topo.work, "store-disk")
        os.makedirs(disk)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", disk],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            shutil.rmtree(topo.work, ignore_errors=True)
            sys.exit("E: --full-disk mounts an 8 MiB tmpfs for the feedback store, which needs root or "
                     f"CAP_SYS_ADMIN: {mounted.stderr.strip()}")
        topo.database = os.path.join(disk, "feedback.sqlite")
    try:
        with topo as t:
            return chaos(args, t, disk)
    finally:
        if disk:
            subprocess.run(["umount", "-l", disk], check=False)
            if not args.keep:
                shutil.rmtree(topo.work, ignore_errors=True)


def chaos(args, topo, disk=None):
    mailroom, topology, work, bin_dir = topo.mailroom, topo.topology, topo.work, topo.bin_dir
    pub_port, snapshot_port, base, key = topo.pub_port, topo.snapshot_port, topo.base, topo.key

    def http(method, url, body=None):
        return http_call(method, url, body, key=key)

    context = zmq.Context()
    published = {}  # id -> set of (topic, sequence)
    first_seen = {}
    stop = threading.Event()

    def subscribe():
        sub = topo.curve_client(context.socket(zmq.SUB))
        sub.setsockopt(zmq.SUBSCRIBE, b"assignments.")
        sub.setsockopt(zmq.RCVTIMEO, 200)
        for host in topo.pub_hosts:  # every router replica publishes its own assignments
            sub.connect(f"tcp://{host}:{pub_port}")
        while not stop.is_set():
            try:
                frames = sub.recv_multipart()
            except zmq.Again:
                continue
            if len(frames) != 4:
                continue
            email_id = json.loads(frames[2])["message_id"]
            published.setdefault(email_id, set()).add((frames[0].decode(), int(frames[1])))
            first_seen.setdefault(email_id, time.time())
        sub.close()

    subscriber = threading.Thread(target=subscribe, daemon=True)
    subscriber.start()
    time.sleep(0.5)

    sent_at, accepted, refused = {}, set(), 0
    victims = args.victims + ([SUPERVISOR] if args.kill_supervisor else [])
    kills = {v: 0 for v in victims}
    state_file = f"{work}/run/supervisor.state.json"

    def pid_of(process):
        with open(state_file) as f:
            return next(i["pid"] for i in json.load(f)["instances"] if i["process"] == process and i.get("pid"))

    def staller():
        pid = pid_of("feedback-collector")
        os.kill(pid, signal.SIGSTOP)
        stop.wait(args.stall_collector)
        os.kill(pid, signal.SIGCONT)
        log(f"feedback-collector continued after {args.stall_collector:g} s")

    def restarter():
        if stop.wait(args.seconds / 2):
            return
        log("topology down, then up, with work in flight")
        subprocess.run([mailroom, "topology", "down", topology], stdout=subprocess.DEVNULL, check=True)
        subprocess.run([mailroom, "topology", "up", topology, "--bin-dir", bin_dir], stdout=subprocess.DEVNULL, check=True)

    fill_report = {}

    def filler():
        """Fills the store's disk, holds it full while watching /readyz, then frees it."""
        path = os.path.join(disk, "filler")
        with open(path, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError:
                pass  # ENOSPC: the disk is full
        log(f"the feedback store's disk is full ({os.path.getsize(path) // 1024} KiB of filler)")
        full_until = time.time() + args.full_disk
        not_ready_seen = False
        while time.time() < full_until and not stop.is_set():
            status, body = http("GET", base + "/readyz")
            stages = (body or {}).get("stages", [])
            if any(s.get("stage") == "feedback-collector" and not s.get("ready") for s in stages):
                not_ready_seen = True
            time.sleep(0.5)
        os.remove(path)
        fill_report["collector reported not ready"] = not_ready_seen
        log(f"freed the disk after {args.full_disk:g} s; the collector reported not ready meanwhile: {not_ready_seen}")

    def killer():
        if args.full_disk > 0:
            return filler()
        if args.stall_collector > 0:
            return staller()
        if args.restart_topology:
            return restarter()
        turn = 0
        while not stop.wait(args.kill_every * random.uniform(0.8, 1.2)):
            victim = victims[turn % len(victims)]
            try:
                if victim == SUPERVISOR:
                    with open(state_file) as f:
                        os.kill(json.load(f)["supervisor_pid"], signal.SIGKILL)
                    kills[victim] += 1
                    turn += 1
                    subprocess.run([mailroom, "topology", "up", topology, "--bin-dir", bin_dir],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
                    continue
                with open(state_file) as f:
                    instances = json.load(f)["instances"]
                pid = random.choice([i["pid"] for i in instances if i["process"] == victim and i.get("pid")])
                os.kill(pid, signal.SIGKILL)
                kills[victim] += 1
                turn += 1
            except (IndexError, OSError, ValueError, KeyError):
                pass  # not running right now (being restarted): the next turn tries it again

    killing = threading.Thread(target=killer, daemon=True)
    log(f"load: {args.rate:g} emails/s for {args.seconds:g} s, " + (
        f"the feedback store's disk full for {args.full_disk:g} s" if args.full_disk > 0
        else f"the feedback-collector stopped (SIGSTOP) for {args.stall_collector:g} s" if args.stall_collector > 0
        else "topology down and up halfway" if args.restart_topology
        else f"a kill -9 about every {args.kill_every:g} s"))
    start = time.time()
    killing.start()
    n = 0
    while time.time() - start < args.seconds:
        email_id = f"chaos-{n}"
        body = {"emails": [{"id": email_id, "subject": "Kontoauszug", "body": f"Bitte senden Sie mir den Kontoauszug Nr. {n}."}]}
        t = time.time()
        status, _ = http("POST", topo.bases[n % len(topo.bases)] + "/v1/emails", body)
        if status == 202:
            accepted.add(email_id)
            sent_at[email_id] = t
        else:
            refused += 1  # not accepted (the gateway was down, or answered 429/503): the client retries
        n += 1
        time.sleep(max(0, start + n / args.rate - time.time()))
    if args.stall_collector > 0 or args.restart_topology or args.full_disk > 0:
        killing.join()  # the collector runs again before the checks
    stop.set()
    killing.join()
    log(f"faults over ({sum(kills.values())} kills); waiting up to {args.settle:g} s for every accepted email")

    statuses = {}
    deadline = time.time() + args.settle
    waiting = set(accepted)
    while waiting and time.time() < deadline:
        for email_id in list(waiting):
            # Any replica answers (from the others' journals when it did not take the email).
            status, body = http("GET", f"{random.choice(topo.bases)}/v1/emails/{email_id}")
            if status == 200 and body and body.get("status") in ("done", "failed"):
                statuses[email_id] = body["status"]
                waiting.discard(email_id)
        if waiting:
            time.sleep(1)
    time.sleep(2)
    subscriber.join(timeout=1)

    # What the subscriber missed while a router was down comes from its snapshot socket (each router numbers its own).
    snapshot_ids, gaps = [], 0
    for host in topo.pub_hosts:
        after = 0
        req = topo.curve_client(context.socket(zmq.REQ))
        req.setsockopt(zmq.RCVTIMEO, 5000)
        req.connect(f"tcp://{host}:{snapshot_port}")
        while True:
            req.send(f"after {after}".encode())
            reply = json.loads(req.recv())
            items = reply["assignments"]
            gaps += sum(1 for i, item in enumerate(items) if item["sequence"] != after + 1 + i)
            snapshot_ids += [item["assignment"]["id"] for item in items]
            after += len(items)
            if not items or after >= reply["last_sequence"]:
                break
        req.close()
    context.term()
    done = {i for i, s in statuses.items() if s == "done"}
    stored, journaled_done, in_outbox = set(), set(), set()
    shared = getattr(topo, "postgres", None) if topo.journals_in_database else None
    deadline = time.time() + 30
    while time.time() < deadline:
        if shared:
            # The replicas' shared journal and outbox: every accepted email done there, routed once.
            journaled_done = {row[0] for row in shared.query("SELECT id FROM journal_emails WHERE state = 'done'")}
            in_outbox = {row[0] for row in shared.query("SELECT id FROM outbox_assignments")}
        if getattr(topo, "postgres", None):
            stored = {row[0] for row in topo.postgres.query("SELECT email_id FROM predictions")}
        else:
            db = sqlite3.connect(f"file:{topo.database}?mode=ro", uri=True)
            stored = {row[0] for row in db.execute("SELECT email_id FROM predictions")}
            db.close()
        if accepted <= stored and (not shared or (done <= journaled_done and done <= in_outbox)):
            break
        time.sleep(1)

    failed = {i for i, s in statuses.items() if s == "failed"}
    stuck = accepted - done - failed
    duplicated = {i for i, seen in published.items() if len(seen) > 1}
    duplicated |= {i for i in set(snapshot_ids) if snapshot_ids.count(i) > 1}
    in_stream = set(snapshot_ids) | set(published)
    lost = (done - in_stream) | (done - stored)
    if shared:
        lost |= (done - journaled_done) | (done - in_outbox)
    latencies = sorted(first_seen[i] - sent_at[i] for i in accepted if i in first_seen)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

    print(f"sent {n}  accepted {len(accepted)}  refused {refused}  done {len(done)}  lost {len(lost)}  "
          f"duplicated {len(duplicated)}  failed {len(failed)}  stuck {len(stuck)}  sequence gaps {gaps}")
    print(f"published live {len(published)}, in the snapshot {len(set(snapshot_ids))}, in the feedback store "
          f"{len(stored & accepted)}")
    if shared:
        print(f"in the shared PostgreSQL journal done {len(journaled_done & accepted)}, in the shared outbox "
              f"{len(in_outbox & accepted)}")
    print("kills: " + ", ".join(f"{v} {k}" for v, k in kills.items()))
    print(f"latency submit -> live PUB during the faults: p50 {pct(0.5) * 1000:.0f} ms, p99 {pct(0.99) * 1000:.0f} ms")
    too_few = {v: k for v, k in kills.items() if k < args.require_kills}
    if too_few:
        print(f"too few faults: every process must be killed at least {args.require_kills} times; "
              + ", ".join(f"{v} {k}" for v, k in too_few.items()) + " (raise --seconds or lower --kill-every)")
    ok = not lost and not duplicated and not stuck and gaps == 0 and not too_few
    if args.full_disk > 0:
        print(f"feedback store's disk full for {args.full_disk:g} s; the collector reported not ready: "
              f"{fill_report.get('collector reported not ready')}; stored afterwards {len(stored & accepted)} of {len(accepted)}")
        ok = ok and fill_report.get("collector reported not ready") is True and accepted <= stored
    if not ok:
        for name, ids in [("lost", lost), ("duplicated", duplicated), ("stuck", stuck)]:
            if ids:
                print(f"{name}: {sorted(ids)[:20]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
