#!/bin/sh
# mmdebstrap --extract-hook for the image's root filesystem (scripts/build-image.sh).
# The extract variant runs no maintainer scripts, so what they would make is made here:
# the users, the CA bundle, and the directories the shim writes to.
# $1: the root filesystem being built.
set -eu
root="$1"
umask 022

# Users: root, and the unprivileged user the shim runs as (65532, "nonroot" by convention).
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
ccgw-shim:x:65532:65532:ccgw-shim:/var/lib/ccgw-shim:/usr/sbin/nologin
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
ccgw-shim:x:65532:
GROUP
cat >"$root/etc/nsswitch.conf" <<'NSS'
passwd: files
group:  files
hosts:  files dns
NSS

# The CA bundle (gateway.caFile replaces it for a private CA): Debian's ca-certificates
# bundle from the build machine, as update-ca-certificates would have written it.
install -d "$root/etc/ssl/certs"
install -m 0644 "${CCGW_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}" "$root/etc/ssl/certs/ca-certificates.crt"

# Where the config and secrets are mounted (read-only), the state directory (a volume;
# a new named volume takes this owner and mode), and a /tmp for the rare library that wants one.
install -d -m 0755 "$root/etc/ccgw-shim"
install -d -m 0700 -o 65532 -g 65532 "$root/var/lib/ccgw-shim"
install -d -m 1777 "$root/tmp"
