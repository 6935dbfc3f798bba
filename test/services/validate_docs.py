#!/usr/bin/env python3
"""Checks the ```json examples of docs/service-sets.md against docs/service-set.schema.json.

Exits 77 (skipped) when the `jsonschema` module is not installed. Also checks that the schema
rejects a few invalid sets, so it is not vacuously permissive.
"""
import json
import pathlib
import re
import sys

try:
    import jsonschema
except ImportError:
    print("jsonschema is not installed: skipped")
    sys.exit(77)

root = pathlib.Path(sys.argv[1])
schema = json.loads((root / "docs/service-set.schema.json").read_text())
validator = jsonschema.Draft202012Validator(schema)
jsonschema.Draft202012Validator.check_schema(schema)

markdown = (root / "docs/service-sets.md").read_text()
failures = 0
blocks = re.findall(r"^```json\n(.*?)^```$", markdown, flags=re.S | re.M)
for text in blocks:
    for error in validator.iter_errors(json.loads(text)):
        failures += 1
        print(f"example rejected by the schema: {error.message} at {list(error.path)}\n{text}")

invalid = [
    {"services": {"a": {"comand": "x"}}},
    {"services": {"a": {"command": "x", "port": "aut"}}},
    {"services": {"a": {"command": "x", "timeout": "10 seconds"}}},
    {"services": {"a": {"command": "x", "ready": {"tcp": {}, "http": {}}}}},
    {"services": {"a.b": {"command": "x"}}},
    {},
]
for document in invalid:
    if validator.is_valid(document):
        failures += 1
        print(f"the schema accepts an invalid set: {json.dumps(document)}")

print(f"{len(blocks)} examples, {failures} failures")
sys.exit(1 if failures else 0)
