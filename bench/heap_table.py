# The table of bench/heap.sh: heaptrack_print's "MEMORY LEAKS" (what the killed shim still
# held) per agent: each row is one call path (heaptrack's sub-entries), named by the
# allocating function and the first frames outside buffers, collections and futures.
#   python3 bench/heap_table.py LEAKS.txt AGENTS TOP
import re, subprocess, sys

path, agents, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
text = open(path, encoding="utf-8", errors="replace").read()
units = {"B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
size = lambda number, unit: float(number) * units.get(unit or "B", 1)
total_match = re.search(r"total memory leaked: ([\d.]+)([BKMG])?", text)
section = text.split("MEMORY LEAKS", 1)[-1].split("\n\n\n")[0]
header = re.compile(r"^(\s*)([\d.]+)([BKMG])? leaked over (\d+) calls from:?$")
rows, allocator, current = [], None, None
for line in section.splitlines():
    m = header.match(line)
    if m:
        # heaptrack_print: a call path ("… calls from:") follows its allocating function ("… calls from").
        current = {"top": not line.endswith(":"), "size": size(m.group(2), m.group(3)), "calls": int(m.group(4)), "frames": []}
        if current["top"]:
            allocator = current
        else:
            current["allocator"] = allocator
            rows.append(current)
    elif current is not None and line.strip() and not line.strip().startswith(("at ", "in ", "and ")):
        current["frames"].append(line.strip())
total = size(*total_match.groups()) if total_match else sum(r["size"] for r in rows)
symbols = sorted({f for r in rows for f in r["frames"]} | {f for r in rows for f in r["allocator"]["frames"][:1]})
out = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(symbols), capture_output=True, text=True).stdout
names = dict(zip(symbols, out.splitlines()))
noise = re.compile(
    r"ByteBuffer|Allocator|allocateUninitialized|swift_allocObject|swift_slowAlloc|_allocate|malloc|ContiguousArray|"
    r"_StringGuts|reserveCapacity|_NativeDictionary|thunk for|EventLoopFuture|CallbackList|whenComplete|flatMap|"
    r"runJobInEstablishedExecutorContext|swift_task|swift::")
short = lambda name: re.sub(r"\(.*", "", name)[:70].replace("|", "\\|")
def where(frames):
    named = [names.get(f, f) for f in frames]
    kept = [n for n in named if not noise.search(n)] or named
    return " ← ".join(short(n) for n in kept[:2])
rows.sort(key=lambda r: -r["size"])
print("| bytes per agent | allocations per agent | share | allocated by | from |")
print("|---|---|---|---|---|")
for r in rows[:top]:
    by = short(names.get(r["allocator"]["frames"][0], r["allocator"]["frames"][0])) if r["allocator"]["frames"] else "?"
    print(f"| {r['size'] / agents:,.0f} | {r['calls'] / agents:.2f} | {100 * r['size'] / total:.1f} % | {by} | {where(r['frames'])} |")
shown = sum(r["size"] for r in rows[:top])
print(f"\nheld when the shim was killed: {total / 1024**2:.1f} MiB, {total / agents:,.0f} bytes per agent "
      f"({100 * shown / total:.0f} % of it in the rows above)")
