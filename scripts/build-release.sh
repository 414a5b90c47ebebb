#!/usr/bin/env bash
# The release binary that the image, the .deb and the tarball carry: built once, with the
# Swift runtime linked in (--static-swift-stdlib), so it needs only glibc, libstdc++, libgcc
# and zlib at run time. Writes dist/bin/ccgw-shim (symbols stripped) and
# dist/bin/ccgw-shim.debug (its symbols), and prints the binary's path.
#   scripts/build-release.sh
set -euo pipefail
source "$(dirname "$0")/release-lib.sh"
cd "$repo"
swift build -c release --static-swift-stdlib --product ccgw-shim >&2
built="$(swift build -c release --static-swift-stdlib --show-bin-path)/ccgw-shim"
install -d "$dist/bin"
# Stripped: the Swift runtime needs its metadata sections, not the symbol table; the
# backtraces the runtime prints on a crash then show addresses instead of names. The symbols
# and debug info are kept beside it (dist/bin/ccgw-shim.debug, not shipped) to turn those
# addresses into names: addr2line -f -C -e dist/bin/ccgw-shim.debug 0xADDRESS
objcopy --only-keep-debug "$built" "$binary.debug"
strip --strip-unneeded --remove-section=.comment -o "$binary" "$built"
objcopy --add-gnu-debuglink="$binary.debug" "$binary"
chmod 0755 "$binary"
"$binary" --version >&2
echo "$binary"
