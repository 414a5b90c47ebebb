#!/usr/bin/env python3
"""Measurements for bench/cluster.sh against running ccgw-shim members (loopback).

  cluster_probe.py owners PORT FIRST COUNT          -> JSON {agent: owner}
  cluster_probe.py latency PORTS FIRST COUNT N      -> JSON: direct vs forwarded resetSkill latency
  cluster_probe.py failover PORTS AGENTS_FILE       -> seconds until every listed agent answers 200
PORTS is a comma-separated list of member API ports; members are named by GET /v1/cluster.
"""
import http.client
import json
import sys
import time

BODY = b'{"skills":[1]}'


class Member:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None):
        for attempt in range(2):
            try:
                headers = {"Content-Type": "application/json"} if body else {}
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read(), response.getheader("X-Ccgw-Owner")
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 1:
                    return 0, b"", None

    def reset(self, agent):
        return self.call("POST", f"/v1/agents/{agent}/reset-skill", BODY)


def members(ports):
    named = {}
    for port in ports:
        member = Member(port)
        _, body, _ = member.call("GET", "/v1/cluster")
        named[json.loads(body)["member"]["id"]] = member
    return named


def owners(port, first, count):
    member = Member(port)
    result = {}
    for agent in range(first, first + count):
        _, body, _ = member.call("GET", f"/v1/agents/{agent}")
        result[str(agent)] = json.loads(body).get("owner")
    return result


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def latency(ports, first, count, n):
    named = members(ports)
    owner_of = owners(ports[0], first, count)
    direct, forwarded, errors = [], [], 0
    agents = [a for a in owner_of if owner_of[a] in named]
    for i in range(n):
        agent = agents[i % len(agents)]
        owner = owner_of[agent]
        other = [m for m in named if m != owner][i % (len(named) - 1)]
        for target, sink in ((named[owner], direct), (named[other], forwarded)):
            started = time.perf_counter()
            status, _, _ = target.reset(agent)
            elapsed = (time.perf_counter() - started) * 1000
            if status == 200:
                sink.append(elapsed)
            else:
                errors += 1
    result = {"requests": n, "errors": errors}
    for name, values in (("direct", direct), ("forwarded", forwarded)):
        result[name] = {"p50_ms": round(percentile(values, 50), 2), "p99_ms": round(percentile(values, 99), 2)}
    result["added_p50_ms"] = round(result["forwarded"]["p50_ms"] - result["direct"]["p50_ms"], 2)
    result["added_p99_ms"] = round(result["forwarded"]["p99_ms"] - result["direct"]["p99_ms"], 2)
    print(json.dumps(result))


def failover(ports, agents_file):
    targets = [Member(p) for p in ports]
    pending = [line.strip() for line in open(agents_file) if line.strip()]
    started = time.monotonic()
    round_ = 0
    while pending and time.monotonic() - started < 300:
        still = []
        for index, agent in enumerate(pending):
            status, _, _ = targets[(index + round_) % len(targets)].reset(agent)
            if status != 200:
                still.append(agent)
        pending = still
        round_ += 1
        if pending:
            time.sleep(0.1)
    print(json.dumps({"seconds": round(time.monotonic() - started, 2), "failed": len(pending)}))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "owners":
        print(json.dumps(owners(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
    elif command == "latency":
        latency([int(p) for p in sys.argv[2].split(",")], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif command == "failover":
        failover([int(p) for p in sys.argv[2].split(",")], sys.argv[3])
    else:
        sys.exit(__doc__)
