"""A private copy of the shipped topology for the checkers (Scripts/chaos, Scripts/fuzz-api): its own work directory,
free ports, a linear model trained on sample data, an API key with every scope. Python standard library only."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count):
    """The first of `count` consecutive free ports."""
    for _ in range(50):
        first = free_port()
        sockets = []
        try:
            for n in range(count):
                s = socket.socket()
                s.bind(("127.0.0.1", first + n))
                sockets.append(s)
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    sys.exit(f"E: found no {count} consecutive free ports")


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


def default_bin_dir():
    return subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"],
                          capture_output=True, text=True, check=True).stdout.strip()


class PrivateTopology:
    """`with PrivateTopology(bin_dir) as t:` trains, starts and waits for /readyz; leaving stops it (and removes the
    work directory unless keep). Gives t.base, t.key, t.work, t.topology, t.pub_port, t.snapshot_port, t.feedback_metrics_port, t.mailroom,
    and t.curve_client(socket) for subscribers of the router's CURVE-guarded sockets."""

    def __init__(self, bin_dir=None, name="private", keep=False, gateway_env=None, gateways=1, classifiers=1,
                 loopback=False, model=None, routers=1, collectors=1, edit=None):
        self.bin_dir = bin_dir or default_bin_dir()
        self.mailroom = os.path.join(self.bin_dir, "mailroom")
        if not os.access(self.mailroom, os.X_OK):
            sys.exit(f"E: no mailroom executable in {self.bin_dir}: run `swift build -c release` or pass --bin-dir")
        self.name, self.keep, self.gateway_env = name, keep, gateway_env or {}
        self.work = tempfile.mkdtemp(prefix=f"mailroom-{name}-")
        self.http_port, self.pub_port, self.snapshot_port = free_port(), free_port(), free_port()
        self.feedback_metrics_port = free_port()
        self.gateways, self.classifiers, self.routers, self.loopback = gateways, classifiers, routers, loopback
        self.collectors = collectors
        if collectors > 1 and not loopback:
            sys.exit("E: more than one feedback-collector needs loopback (each replica's listener on an address of its own)")
        if routers > 1 and not loopback:
            sys.exit("E: more than one router needs loopback (each replica's PUB on an address of its own)")
        self.model = model  # a trained model directory (version NAME-1) to serve instead of training a linear one
        self.edit = edit  # a function of the shipped topology's text, applied first (benchmarks' variants)
        if gateways > 1 and not loopback:  # replica N listens on http_port + N: find a run of free ports
            self.http_port = free_ports(gateways)
        # loopback: every process replica is a host of its own, 127.0.K.(N+1) (K: the process's place in the file),
        # and every endpoint is tcp on its owner's address, as on a cluster (the same port on every host).
        self.hosts = {}
        if loopback:
            self.bases = [f"http://127.0.1.{n + 1}:{self.http_port}" for n in range(gateways)]
        else:
            self.bases = [f"http://127.0.0.1:{self.http_port + n}" for n in range(gateways)]
        self.base = self.bases[0]
        self.pub_host = "127.0.0.1"
        self.pub_hosts = [self.pub_host]  # every router replica's PUB and snapshot host
        self.topology = os.path.join(self.work, f"{name}.topology")
        self.key = None
        self.database = os.path.join(self.work, "feedback.sqlite")
        # With a postgres:// database: the gateways' journals and the routers' outboxes there too (`--journal
        # {database}`, `--outbox {database}`), as every replica on a cluster shares them.
        self.journals_in_database = False

    def run(self, *argv, capture=False):
        result = subprocess.run([self.mailroom, *argv], check=True, text=True,
                                stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
        return result.stdout if capture else None

    def write_topology(self):
        with open("Topology/mailroom.topology") as f:
            text = f.read()
        if self.edit:
            text = self.edit(text)
        w = self.work
        for key, value in [("name", self.name), ("run_dir", f"{w}/run"), ("registry", f"{w}/registry"),
                           ("database", self.database), ("journal_dir", f"{w}/journal"),
                           ("api_keys", f"{w}/api-keys"), ("curve_dir", f"{w}/curve"), ("http_port", self.http_port), ("pub_port", self.pub_port),
                           ("snapshot_port", self.snapshot_port), ("feedback_metrics_port", self.feedback_metrics_port),
                           ("cleaner_metrics_port", free_port()), ("classifier_metrics_port", free_port()),
                           ("router_metrics_port", free_port())]:
            text = re.sub(rf"^{key}\s*=.*$", f"{key} = {value}", text, count=1, flags=re.M)
        if self.journals_in_database:
            for flag, old in [("--journal", "{journal_dir}/gateway-{replica}.sqlite"), ("--outbox", "{journal_dir}/router-{replica}.sqlite")]:
                if f"{flag} {old}" not in text:
                    sys.exit(f"E: the shipped topology has no `{flag} {old}` to put in the database")
                text = text.replace(f"{flag} {old}", f"{flag} {{database}}")
        extra = "".join(f"env.{k} = {v}\n" for k, v in self.gateway_env.items())
        text = text.replace("[process gateway]\n", "[process gateway]\n" + extra, 1)
        for process, count in [("gateway", self.gateways), ("classifier", self.classifiers), ("router", self.routers),
                               ("feedback-collector", self.collectors)]:
            text = re.sub(rf"(\[process {process}\][^\[]*?^replicas\s*=\s*)1$", rf"\g<1>{count}", text, count=1,
                          flags=re.M | re.S)
        if self.loopback:
            text = self.spread_over_loopback(text)
        with open(self.topology, "w") as f:
            f.write(text)

    def spread_over_loopback(self, text):
        """Every endpoint tcp on its owner replica's own loopback address; each process listens (HTTP, /metrics) there."""
        processes = re.findall(r"^\[process ([\w-]+)\]$", text, flags=re.M)
        octet = {p: i + 1 for i, p in enumerate(processes)}
        host = lambda p: f"127.0.{octet[p]}.{{1+replica}}"

        def endpoint(m):
            name, address = m.group(1), m.group(2)
            owner = name.split(".")[0]
            port = self.pub_port if name == "router.assignments" else self.snapshot_port if name == "router.snapshot" else free_port()
            return f"{name} = tcp://{host(owner)}:{port}"

        head, rest = text.split("[endpoints]\n", 1)
        body, tail = rest.split("\n[", 1)
        body = re.sub(r"^([\w-]+\.[\w-]+)\s*=\s*(\S+).*$", endpoint, body, flags=re.M)
        text = head + "[endpoints]\n" + body + "\n[" + tail
        for p in processes:
            env = (f"env.MAILROOM_HOST = {host(p)}\nenv.MAILROOM_METRICS_HOST = {host(p)}\n"
                   "env.MAILROOM_REPLICA_PORT_OFFSET = false\n")
            text = text.replace(f"[process {p}]\n", f"[process {p}]\n{env}", 1)
        # A process that binds no endpoint runs as a Deployment on a cluster, known by its pod's name: here too.
        owners = set(re.findall(r"^([\w-]+)\.[\w-]+\s*=", body, flags=re.M))
        for p in processes:
            if p in owners:
                continue
            head, section = text.split(f"[process {p}]\n", 1)
            section, sep, rest = section.partition("\n[")
            section = section.replace("--replica {replica}", f"--replica {p}-7d9f5c6b8-pod{{replica}}")
            text = head + f"[process {p}]\n" + section + sep + rest
        self.pub_host = f"127.0.{octet['router']}.1"
        self.pub_hosts = [f"127.0.{octet['router']}.{n + 1}" for n in range(self.routers)]
        self.hosts = {f"{p}-{n}.{p}": f"127.0.{octet[p]}.{n + 1}" for p in processes for n in range(4)}
        return text

    def up(self):
        w = self.work
        model = self.model
        if model is None:
            log(f"training a linear model in {w}")
            self.run("sample", "--out", f"{w}/sample.jsonl", "--count", "2000", "--seed", "7")
            self.run("train", "--data", f"{w}/sample.jsonl", "--out", f"{w}/model", "--model-version", f"{self.name}-1")
            model = f"{w}/model"
        self.run("registry", "register", "--registry", f"{w}/registry", "--model", model, "--by", self.name)
        self.run("registry", "approve", f"{self.name}-1", "--registry", f"{w}/registry", "--by", self.name)
        self.run("registry", "promote", f"{self.name}-1", "--registry", f"{w}/registry")
        self.write_topology()
        self.key = self.run("api-key", "new", "--keys", f"{w}/api-keys", "--name", self.name,
                            "--scopes", "submit,read,feedback,metrics", capture=True).strip()
        self.curve_file = self.run("curve", "client", "--dir", f"{w}/curve", "--name", self.name, capture=True).strip()
        log("starting the topology")
        self.run("topology", "up", self.topology, "--bin-dir", self.bin_dir)
        deadline = time.time() + 90
        while any(http("GET", base + "/readyz")[0] != 200 for base in self.bases):
            if time.time() > deadline:
                sys.exit(f"E: the topology never became ready; logs in {w}/run")
            time.sleep(0.5)
        return self

    def curve_client(self, socket):
        """Makes a pyzmq socket a CURVE client of the router's PUB/snapshot sockets, with this topology's key."""
        with open(os.path.join(self.work, "curve", "server.pub")) as f:
            socket.curve_serverkey = f.read().strip().encode()
        with open(self.curve_file) as f:
            pair = dict(line.split(" ", 1) for line in f.read().split("\n") if " " in line)
        socket.curve_publickey = pair["public"].encode()
        socket.curve_secretkey = pair["secret"].encode()
        return socket

    def down(self):
        subprocess.run([self.mailroom, "topology", "down", self.topology], stdout=subprocess.DEVNULL, check=False)

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()
        if self.keep:
            log(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)
        return False


def http(method, url, body=None, timeout=10, key=None):
    """(status, parsed JSON or None); status 0 when the gateway does not answer (down, being restarted)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"null")
        except ValueError:
            return error.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, None
