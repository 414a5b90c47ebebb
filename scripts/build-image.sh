#!/usr/bin/env bash
# Builds the ccgw-shim image without any registry: a root filesystem from Debian's packages
# (mmdebstrap), the static-stdlib release binary, FROM scratch (buildah), running as uid 65532.
# Writes dist/ccgw-shim-<version>.oci.tar (an OCI archive: `podman load -i` or
# `skopeo copy oci-archive:… docker://your-registry/…`) and leaves the image in local
# container storage as localhost/ccgw-shim:<version>.
#   scripts/build-image.sh            (uses dist/bin/ccgw-shim; builds it if missing)
# Needs (Debian): buildah mmdebstrap ca-certificates; podman to run the image.
# CCGW_DEBIAN_MIRROR=http://mirror/debian picks the mirror the root filesystem comes from.
set -euo pipefail
source "$(dirname "$0")/release-lib.sh"
cd "$repo"
for tool in buildah mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed: apt-get install buildah mmdebstrap" >&2; exit 2; }
done
[ -x "$binary" ] || scripts/build-release.sh >/dev/null

# Debian's packages from this machine's bookworm sources (security updates included), or
# from the mirror in CCGW_DEBIAN_MIRROR, or from deb.debian.org.
if [ -n "${CCGW_DEBIAN_MIRROR:-}" ]; then
  sources=("deb $CCGW_DEBIAN_MIRROR bookworm main" "deb $CCGW_DEBIAN_MIRROR bookworm-updates main")
elif grep -qs 'bookworm' /etc/apt/sources.list.d/debian.sources; then
  sources=(/etc/apt/sources.list.d/debian.sources)
else
  sources=("deb http://deb.debian.org/debian bookworm main" "deb http://deb.debian.org/debian bookworm-updates main"
    "deb http://deb.debian.org/debian-security bookworm-security main")
fi
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
# The libraries the binary links (libc, libm, libstdc++, libgcc_s, libz), time zones, and
# /etc/services; no shell, no package manager, no documentation.
mmdebstrap --quiet --variant=extract --skip=output/dev \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --include=libc6,libgcc-s1,libstdc++6,zlib1g,tzdata,netbase \
  --extract-hook="$repo/deploy/container/rootfs-hook.sh \"\$1\"" \
  bookworm "$context/rootfs.tar" "${sources[@]}"
install -m 0755 "$binary" "$context/ccgw-shim"

image="localhost/ccgw-shim:$version"
previous="$(buildah "${containers[@]}" images --quiet --no-trunc "$image" 2>/dev/null || true)"
buildah "${containers[@]}" bud --quiet --isolation chroot --pull=never --layers=false \
  --build-arg "VERSION=$version" -f deploy/container/Containerfile.scratch -t "$image" "$context" >/dev/null
# The image this one replaces under the tag would stay behind untagged: remove it (unless a
# container still uses it).
current="$(buildah "${containers[@]}" images --quiet --no-trunc "$image")"
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  buildah "${containers[@]}" rmi "$previous" >/dev/null 2>&1 || true
fi
archive="$dist/ccgw-shim-$version.oci.tar"
rm -f "$archive"
buildah "${containers[@]}" push --quiet "$image" "oci-archive:$archive:$image"
echo "image $image ($(du -m "$archive" | cut -f1) MB archive: $archive)" >&2
echo "$archive"
