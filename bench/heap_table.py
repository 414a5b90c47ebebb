# The table of bench/heap.sh: heaptrack_print's "MEMORY LEAKS" (what the killed shim held) per agent,
# each site named by its first frames outside buffers, collections and futures (demangled).
#   python3 bench/heap_table.py LEAKS.txt AGENTS TOP
import re, sys, subprocess
path, agents, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
text = open(path, encoding="utf-8", errors="replace").read()
section = text.split("MEMORY LEAKS", 1)[-1]
units = {"B": 1, "K": 1e3, "M": 1e6, "G": 1e9}
header = re.compile(r"^(\s*)([\d.]+)([BKMG])? leaked over (\d+) calls from:?$")
blocks, current = [], None
for line in section.splitlines():
    m = header.match(line)
    if m:
        current = {"indent": len(m.group(1)), "size": float(m.group(2)) * units.get(m.group(3) or "B", 1), "calls": int(m.group(4)), "frames": []}
        blocks.append(current)
    elif current is not None and line.strip() and not line.strip().startswith(("at ", "in ")):
        current["frames"].append(line.strip())
total = sum(b["size"] for b in blocks if b["indent"] == 0)
subs = [b for b in blocks if b["indent"] > 0] or blocks
symbols = sorted({f for b in subs for f in b["frames"]})
demangled = dict(zip(symbols, subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(symbols), capture_output=True, text=True).stdout.splitlines()))
noise = re.compile(r"ByteBuffer|Allocator|allocateUninitialized|swift_allocObject|swift_slowAlloc|_allocate|malloc|realloc|ContiguousArray|Array\.|_StringGuts|String\(|reserveCapacity|append|Dictionary|_NativeDictionary|Set<|specialized static Swift|thunk for|closure #\d+ \(\) in|EventLoopFuture|CallbackList|_whenComplete|_flatMap|flatMap|whenComplete|map<")
def where(frames):
    names = [demangled.get(f, f) for f in frames]
    meaningful = [n for n in names if not noise.search(n)]
    picked = (meaningful or names)[:2]
    return " ← ".join(re.sub(r"\(.*", "", n)[:80] for n in picked).replace("|", "\\|")
subs.sort(key=lambda b: -b["size"])
print("| bytes per agent | allocations per agent | share of all | allocated in (first frames outside buffers and collections) |")
print("|---|---|---|---|")
for b in subs[:top]:
    print(f"| {b['size'] / agents:,.0f} | {b['calls'] / agents:.2f} | {100 * b['size'] / total:.1f} % | {where(b['frames'])} |")
print(f"\nheld when the shim was stopped (SIGKILL): {total / 1e6:.1f} MB, {total / agents:,.0f} bytes per agent")
