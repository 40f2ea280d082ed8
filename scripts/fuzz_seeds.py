#!/usr/bin/env python3
"""Seed corpora for the cargo-fuzz targets (fuzz/fuzz_targets), made from the
bundled pack so nothing large is committed:

  customer_json  one file per sample customer (rules/samples/customers.json)
                 and per fixture customer (rules/fixtures/*.json)
  rule_source    each bundled rule twice: its body under the target's header
                 for its kind (first byte 0-4), and the whole file (first byte 5)
  pack           pack.json (0), products.json (1), each rule (2, its index),
                 each fixture file (3): the first byte picks the file

Usage: scripts/fuzz_seeds.py OUT_DIR   (writes OUT_DIR/<target>/..., plus
fuzz/curated/<target>/* copied in)
"""
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT, "rules")
# The order of rule_source's HEADERS.
KINDS = ["signal", "route", "cross_sell", "up_sell", "referral"]


def write(out, target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1]
    counts = {}
    # customer_json
    samples = json.load(open(os.path.join(RULES, "samples", "customers.json"), encoding="utf-8"))
    fixtures = sorted(f for f in os.listdir(os.path.join(RULES, "fixtures")) if f.endswith(".json"))
    customers = list(samples)
    for f in fixtures:
        doc = json.load(open(os.path.join(RULES, "fixtures", f), encoding="utf-8"))
        customers += [case["customer"] for case in doc["cases"]]
    for c in customers:
        write(out, "customer_json", json.dumps(c, ensure_ascii=False, indent=1).encode())
    counts["customer_json"] = len(customers)

    # rule_source
    rules = sorted(f for f in os.listdir(RULES) if f.endswith(".rhai"))
    for r in rules:
        text = open(os.path.join(RULES, r), "rb").read()
        lines = text.decode().splitlines(keepends=True)
        kind = next((l.split(":", 1)[1].strip() for l in lines if l.startswith("//! kind:")), "cross_sell")
        body = "".join(l for l in lines if not l.startswith("//!")).encode()
        pick = KINDS.index(kind) if kind in KINDS else 2
        write(out, "rule_source", bytes([pick]) + body)
        write(out, "rule_source", bytes([5]) + text)
    counts["rule_source"] = 2 * len(rules)

    # pack
    write(out, "pack", b"\x00" + open(os.path.join(RULES, "pack.json"), "rb").read())
    write(out, "pack", b"\x01" + open(os.path.join(RULES, "products.json"), "rb").read())
    for i, r in enumerate(rules):
        write(out, "pack", bytes([2, i]) + open(os.path.join(RULES, r), "rb").read())
    for f in fixtures:
        write(out, "pack", b"\x03" + open(os.path.join(RULES, "fixtures", f), "rb").read())
    counts["pack"] = 2 + len(rules) + len(fixtures)

    # Hand-picked inputs (small, committed): hostile values and earlier finds,
    # readable as they stand. The target's selector byte is added here: a
    # rule_source *.rhai is a whole file (5); a pack file named N-... replaces
    # file N (0 pack.json, 1 products.json, 3 the fixtures).
    curated = os.path.join(ROOT, "fuzz", "curated")
    if os.path.isdir(curated):
        for target in sorted(os.listdir(curated)):
            for name in sorted(os.listdir(os.path.join(curated, target))):
                data = open(os.path.join(curated, target, name), "rb").read()
                if target == "rule_source" and name.endswith(".rhai"):
                    data = b"\x05" + data
                elif target == "pack" and name[:1].isdigit() and name[1:2] == "-":
                    data = bytes([int(name[0])]) + data
                write(out, target, data)
                counts[target] = counts.get(target, 0) + 1
    for target, n in counts.items():
        print(f"seeds: {target}: {n} files in {os.path.join(out, target)}")


if __name__ == "__main__":
    main()
