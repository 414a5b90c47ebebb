#!/usr/bin/env python3
"""A webhook receiver for ccgw-shim's tests: verifies every delivery with the Standard
Webhooks project's own library (PyPI `standardwebhooks`), never with the shim's code.

    webhook_receiver.py --secret whsec_... --out deliveries.jsonl [--fail-first N] [--delay S]

Prints its port on the first line of stdout, then serves on 127.0.0.1 until killed. Each
delivery is one JSON line in --out: {"id", "verified", "status", "body", "error"}.
Control: POST /control/down (answer 503 from now on), POST /control/up,
GET /control/state ({"inFlight", "received"}).
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

parser = argparse.ArgumentParser()
parser.add_argument("--secret", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--fail-first", type=int, default=0)
parser.add_argument("--delay", type=float, default=0.0)
args = parser.parse_args()

verifier = Webhook(args.secret)
lock = threading.Lock()
state = {"received": 0, "inFlight": 0, "down": False}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            body = json.dumps({"inFlight": state["inFlight"], "received": state["received"]}).encode()
        self.answer(200, body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path == "/control/down" or self.path == "/control/up":
            with lock:
                state["down"] = self.path.endswith("down")
            return self.answer(204)
        with lock:
            state["received"] += 1
            state["inFlight"] += 1
            number = state["received"]
            down = state["down"]
        try:
            if args.delay:
                time.sleep(args.delay)
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = {"id": headers.get("webhook-id"), "timestamp": headers.get("webhook-timestamp")}
            try:
                record["body"] = verifier.verify(raw, headers)
                record["verified"] = True
            except Exception as error:  # a wrong signature, a stale timestamp, a missing header
                record["verified"] = False
                record["error"] = str(error)
                record["body"] = json.loads(raw or b"null")
            status = 503 if down or number <= args.fail_first else 200
            record["status"] = status
            with lock:
                with open(args.out, "a") as out:
                    out.write(json.dumps(record) + "\n")
            self.answer(status)
        finally:
            with lock:
                state["inFlight"] -= 1


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
