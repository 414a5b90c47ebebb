#!/usr/bin/env bash
# The .deb and the release tarball, around the same release binary as the image:
#   dist/ccgw-shim_<version>_amd64.deb
#     /usr/bin/ccgw-shim, /lib/systemd/system/ccgw-shim.service (neither enabled nor
#     started at install), /etc/ccgw-shim/config.yaml (a conffile, deploy/debian/config.yaml),
#     the full example config, README, copyright and changelog under /usr/share/doc, a man page.
#   dist/ccgw-shim-dbgsym_<version>_amd64.deb
#     /usr/lib/debug/.build-id/<id>.debug: the binary's symbols, for gdb and addr2line.
#   dist/ccgw-shim-<version>-linux-x86_64.tar.gz
#     ccgw-shim, ccgw-shim.service, config.example.yaml, README.md, LICENSE, docs/.
#   dist/SHA256SUMS: for the three, and for the image's OCI archive when scripts/build-image.sh ran first.
#   scripts/build-packages.sh       (uses dist/bin/ccgw-shim; builds it if missing)
# Needs (Debian): dpkg-dev (dpkg-shlibdeps works out the library dependencies).
set -euo pipefail
source "$(dirname "$0")/release-lib.sh"
cd "$repo"
command -v dpkg-shlibdeps >/dev/null || { echo "dpkg-dev is not installed: apt-get install dpkg-dev" >&2; exit 2; }
[ -x "$binary" ] || scripts/build-release.sh >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 022

# --- the .deb -------------------------------------------------------------------------
root="$work/deb"
install -D -m 0755 "$binary" "$root/usr/bin/ccgw-shim"
# The packaged unit runs /usr/bin/ccgw-shim (the source install's is in /usr/local/bin).
install -d "$root/lib/systemd/system"
sed 's|/usr/local/bin/ccgw-shim|/usr/bin/ccgw-shim|g' deploy/systemd/ccgw-shim.service >"$root/lib/systemd/system/ccgw-shim.service"
chmod 0644 "$root/lib/systemd/system/ccgw-shim.service"
grep -q /usr/local "$root/lib/systemd/system/ccgw-shim.service" && { echo "the unit still names /usr/local" >&2; exit 1; }
install -D -m 0644 deploy/debian/config.yaml "$root/etc/ccgw-shim/config.yaml"
doc="$root/usr/share/doc/ccgw-shim"
install -D -m 0644 deploy/debian/copyright "$doc/copyright"
install -D -m 0644 config/example.yaml "$doc/examples/config.yaml"
install -m 0644 README.md "$doc/README.md"
gzip -9n <"$doc/README.md" >"$doc/README.md.gz" && rm "$doc/README.md"
install -D -m 0644 deploy/debian/lintian-overrides "$root/usr/share/lintian/overrides/ccgw-shim"
install -d "$root/usr/share/man/man1"
sed "s/@VERSION@/$version/" deploy/debian/ccgw-shim.1 | gzip -9n >"$root/usr/share/man/man1/ccgw-shim.1.gz"
date="$(date -R -u -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")"
sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/" deploy/debian/changelog | gzip -9n >"$doc/changelog.gz"

# Library dependencies, as dpkg-shlibdeps finds them from the binary's NEEDED entries.
install -d "$work/shlibs/debian"
printf 'Source: ccgw-shim\n\nPackage: ccgw-shim\nArchitecture: amd64\n' >"$work/shlibs/debian/control"
depends="$(cd "$work/shlibs" && dpkg-shlibdeps -O "$root/usr/bin/ccgw-shim" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }

install -d -m 0755 "$root/DEBIAN"
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$(du -sk --exclude=DEBIAN "$root" | cut -f1)/" \
  -e "s/@DEPENDS@/$depends/" deploy/debian/control >"$root/DEBIAN/control"
echo /etc/ccgw-shim/config.yaml >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "deploy/debian/$script" "$root/DEBIAN/$script"; done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | grep -zv '^etc/' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/conffiles" "$root/DEBIAN/control"
deb="$dist/ccgw-shim_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null

# --- the debug symbols: ccgw-shim-dbgsym, where gdb and addr2line look for them ------------
build_id() { readelf -n "$1" 2>/dev/null | sed -n 's/^ *Build ID: //p'; }
id="$(build_id "$binary")"
[ -n "$id" ] || { echo "$binary has no build id" >&2; exit 1; }
[ "$(build_id "$binary.debug")" = "$id" ] || { echo "$binary.debug is not $binary's: run scripts/build-release.sh" >&2; exit 1; }
dbg="$work/dbgsym"
symbols="$dbg/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
install -d "$(dirname "$symbols")" "$dbg/usr/share/doc"
# Compressed sections, as Debian's own dbgsym packages carry them (gdb and addr2line read them).
objcopy --compress-debug-sections=zlib "$binary.debug" "$symbols"
chmod 0644 "$symbols"
ln -s ccgw-shim "$dbg/usr/share/doc/ccgw-shim-dbgsym"
install -d -m 0755 "$dbg/DEBIAN"
sed -e "s/@VERSION@/$version/g" -e "s/@INSTALLED_SIZE@/$(du -sk --exclude=DEBIAN "$dbg" | cut -f1)/" -e "s/@BUILD_ID@/$id/" \
  deploy/debian/control-dbgsym >"$dbg/DEBIAN/control"
(cd "$dbg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$dbg/DEBIAN/md5sums"
chmod 0644 "$dbg/DEBIAN/md5sums" "$dbg/DEBIAN/control"
dbgsym="$dist/ccgw-shim-dbgsym_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$dbg" "$dbgsym" >/dev/null

# --- the tarball ----------------------------------------------------------------------
name="ccgw-shim-$version-linux-x86_64"
tree="$work/tar/$name"
install -D -m 0755 "$binary" "$tree/ccgw-shim"
install -m 0644 deploy/systemd/ccgw-shim.service "$tree/ccgw-shim.service"
install -m 0644 config/example.yaml "$tree/config.example.yaml"
install -m 0644 README.md LICENSE "$tree/"
# The pages the README links to, so its links work in the unpacked tree.
install -d "$tree/docs"
install -m 0644 docs/*.md docs/openapi.yaml "$tree/docs/"
tarball="$dist/$name.tar.gz"
tar -C "$work/tar" --owner=0 --group=0 --numeric-owner --sort=name -cf - "$name" | gzip -9n >"$tarball"

# Checksums of everything released from dist/ (the image's archive too, when built).
(cd "$dist" && sha256sum -- "$(basename "$deb")" "$(basename "$dbgsym")" "$(basename "$tarball")" $(ls "ccgw-shim-$version.oci.tar" 2>/dev/null) >SHA256SUMS)
echo "$deb ($(du -m "$deb" | cut -f1) MB), $dbgsym ($(du -m "$dbgsym" | cut -f1) MB), $tarball ($(du -m "$tarball" | cut -f1) MB), $dist/SHA256SUMS" >&2
printf '%s\n%s\n%s\n' "$deb" "$dbgsym" "$tarball"
