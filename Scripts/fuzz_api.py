"""Scripts/fuzz-api: the OpenAPI fuzzer against a running private topology (see the shell wrapper for usage)."""
import argparse
import copy
import json
import os
import subprocess
import sys

from private_topology import PrivateTopology, log


def deployment_schema(path, model_dir):
    """API/openapi.json with the served model's heads and labels written into Outcome.labels: the document says
    feedback must name them, and only the deployment knows which they are."""
    with open(path) as f:
        schema = json.load(f)
    with open(os.path.join(model_dir, "config.json")) as f:
        heads = json.load(f)["mailroom"]["heads"]
    labels = schema["components"]["schemas"]["Outcome"]["properties"]["labels"]
    labels["propertyNames"] = {"enum": [h["name"] for h in heads]}
    labels["properties"] = {h["name"]: {"type": "string", "enum": h["labels"]} for h in heads}
    labels["maxProperties"] = len(heads)
    outcome = schema["components"]["schemas"]["Outcome"]["properties"]
    outcome["new_labels"]["items"]["enum"] = [h["name"] for h in heads]
    outcome["new_labels"]["maxItems"] = len(heads)
    return schema


def main():
    parser = argparse.ArgumentParser(description="schemathesis against a private topology; exits 1 on any failure")
    parser.add_argument("--bin-dir", default=None, help="built executables (default: the release build)")
    parser.add_argument("--max-examples", type=int, default=40, help="test cases per operation and phase")
    parser.add_argument("--seed", type=int, default=2026, help="schemathesis seed (a run is reproducible)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, journal, reports)")
    parser.add_argument("extra", nargs="*", help="after --: more schemathesis run arguments")
    args = parser.parse_args()

    with PrivateTopology(args.bin_dir, name="fuzz", keep=args.keep) as t:
        schema_path = os.path.join(t.work, "openapi.json")
        with open(schema_path, "w") as f:
            json.dump(deployment_schema("API/openapi.json", os.path.join(t.work, "model")), f, indent=2)
        schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
        command = [schemathesis, "run", schema_path, "--url", t.base, "--checks", "all",
                   "--header", f"Authorization: Bearer {t.key}", "--max-examples", str(args.max_examples),
                   "--seed", str(args.seed), "--workers", "1", "--request-timeout", "40", "--no-color",
                   "--generation-database", "none", "--report", "junit",
                   "--report-junit-path", os.path.join(t.work, "schemathesis-junit.xml"), *args.extra]
        log("running: " + " ".join(c if not c.startswith("Authorization") else "Authorization: Bearer ***" for c in command))
        result = subprocess.run(command, env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
        gateway_log = os.path.join(t.work, "run", "logs", "gateway-0.log")
        if result.returncode != 0 and os.path.exists(gateway_log):
            log(f"the gateway's log: {gateway_log}" + ("" if args.keep else " (pass --keep to keep it)"))
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
