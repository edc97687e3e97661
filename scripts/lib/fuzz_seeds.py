#!/usr/bin/env python3
"""Seeds a libFuzzer corpus from testdata/: scripts/lib/fuzz_seeds.py TARGET TESTDATA OUT_DIR.

config: every nginx configuration (*.conf, *.inc); pop3_session / smtp_session: the client
packets of the proxy dialogues (smtp-* cases for SMTP); auth_http: the auth_http stub's responses of those dialogues; probe_reply: the exact
bytes nginx sends (compile.json "wire"); script_json / script_text: the dialogue scripts.
"""
import hashlib
import json
import pathlib
import sys


def wire_strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from wire_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from wire_strings(value)


def seeds(target, testdata):
    if target == "config":
        for path in sorted(testdata.rglob("*")):
            if path.suffix in (".conf", ".inc") and path.is_file():
                yield path.read_bytes()
    elif target in ("pop3_session", "smtp_session", "auth_http"):
        for path in sorted(testdata.glob("proxy/*/dialogues.json")):
            if (target == "smtp_session") != path.parent.name.startswith("smtp-"):
                if target != "auth_http":
                    continue
            doc = json.loads(path.read_text())
            if target == "auth_http":
                for response in doc.get("env", {}).get("responses", {}).values():
                    yield response.encode()
                continue
            for dialogue in doc.get("dialogues", []):
                steps = [s for s in dialogue.get("steps", []) if isinstance(s, str) and not s.startswith("@")]
                yield "".join(steps).encode()
    elif target == "probe_reply":
        for path in sorted(testdata.glob("compile/*/compile.json")):
            for server in json.loads(path.read_text()).get("servers", []):
                wire = server.get("wire") or {}
                if wire:
                    texts = [t for t in wire_strings(wire) if "\r\n" in t]
                    yield "".join(texts).encode()
    elif target == "script_json":
        for path in sorted(testdata.rglob("*.json")):
            if "dialogues" in path.parts and path.parent.name == "dialogues":
                yield path.read_bytes()
    elif target == "script_text":
        for path in sorted((testdata / "dialogues").glob("*.txt")):
            yield path.read_bytes()


def main():
    target, testdata, out = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    count = 0
    for data in seeds(target, testdata):
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
        count += 1
    print(f"fuzz_seeds: {count} seeds for {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
