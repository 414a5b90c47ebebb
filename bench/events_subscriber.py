#!/usr/bin/env python3
"""One SSE subscriber for bench/events.sh: reads GET /v1/events for SECONDS, counts
events, and for AgentEvent_Ringing (queued by the simulator the moment it stamps
eventGenTime, so a held poll answers at once) records receive time - eventGenTime in ms.
Prints "count latency1 latency2 ..." on one line.

    events_subscriber.py PORT SECONDS
"""
import json
import socket
import sys
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
sock = socket.create_connection(("127.0.0.1", port))
sock.sendall(b"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
sock.settimeout(1.0)
end = time.time() + seconds
buffer = b""
count = 0
latencies = []
while time.time() < end:
    try:
        chunk = sock.recv(65536)
    except socket.timeout:
        continue
    if not chunk:
        break
    now = time.time() * 1000
    buffer += chunk
    *lines, buffer = buffer.split(b"\n")
    for line in lines:
        if not line.startswith(b"data: "):
            continue
        count += 1
        if b'"AgentEvent_Ringing"' in line:
            event = json.loads(line[6:])
            generated = event.get("gateway", {}).get("eventGenTime")
            if generated:
                latencies.append(now - generated)
print(count, " ".join("%.1f" % x for x in latencies))
