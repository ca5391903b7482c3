"""Times mailgun/talon (PyPI) on the same fixture inputs as Benchmarks/Sources/BenchCleaner/main.swift.

Usage: python bench-cleaner-talon.py <cases.jsonl> [repetitions]
Runs talon's quotation extraction (extract_from_plain / extract_from_html) plus its brute-force
signature extraction on every input, like the Swift cleaner's full pass, and prints emails/s.
"""
import json
import sys
import time

import joblib
import sklearn.externals

# talon 1.4.4 imports `sklearn.externals.joblib`, which scikit-learn removed; point it at joblib.
sys.modules["sklearn.externals.joblib"] = joblib
sklearn.externals.joblib = joblib

from talon import quotations  # noqa: E402
from talon.signature import bruteforce  # noqa: E402


def clean(case):
    # extract_from is talon's public entry point; it returns the input unchanged when parsing fails.
    if case["format"] == "html":
        return quotations.extract_from(case["input"], "text/html")
    text = quotations.extract_from(case["input"], "text/plain")
    body, _signature = bruteforce.extract_signature(text)
    return body


def main():
    cases = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for case in cases:  # warm-up (imports, regex caches)
        clean(case)
    start = time.perf_counter()
    cpu_start = time.process_time()
    for _ in range(repetitions):
        for case in cases:
            clean(case)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    emails = repetitions * len(cases)
    print(f"talon: {emails} emails ({repetitions} x {len(cases)}) in {seconds:.3f} s wall: {emails / seconds:.0f} emails/s;"
          f" {cpu:.3f} s CPU: {emails / cpu:.0f} emails/s")
    print(f"TALON_EMAILS_PER_S={emails / seconds:.1f}")
    print(f"TALON_EMAILS_PER_CPU_S={emails / cpu:.1f}")


if __name__ == "__main__":
    main()
