# Shared by the release scripts (sourced, not run): the version and where things go.
# shellcheck shell=bash
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The one version: the binary's own (Sources/ShimServer/Version.swift).
version="$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' "$repo/Sources/ShimServer/Version.swift")"
[ -n "$version" ] || { echo "cannot read the version from Sources/ShimServer/Version.swift" >&2; exit 1; }
# Everything built for a release lands here (ignored by git).
dist="${CCGW_DIST:-$repo/dist}"
# The stripped release binary that the image, the .deb and the tarball all carry.
binary="$dist/bin/ccgw-shim"
# Container storage used by buildah and podman on this machine kind (no overlay here).
containers=(--storage-driver vfs)
