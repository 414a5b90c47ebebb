#!/usr/bin/env bash
# Checks the .deb and the tarball from scripts/build-packages.sh as an operator uses them:
#   lintian finds no errors (and no warnings);
#   dpkg -i installs it and starts nothing; ccgw-shim-dbgsym's symbols turn an address of the
#   stripped binary into a function name and source line; the binary, the unit (systemd-analyze verify),
#   the conffile and the man page are in place; `ccgw-shim --version` and `check-config` on
#   the installed config work; a reinstall keeps an edited config; dpkg -r removes it and
#   leaves the config, dpkg -P removes everything;
#   the tarball holds the binary, the unit, the example config, README, LICENSE and docs/, and
#   its binary runs.
# Installs into this machine's /usr/bin: it refuses to run where ccgw-shim is already installed.
#   scripts/test-packages.sh        (as root; needs lintian, dpkg)
set -euo pipefail
source "$(dirname "$0")/release-lib.sh"
cd "$repo"
deb="$dist/ccgw-shim_${version}_amd64.deb"
dbgsym="$dist/ccgw-shim-dbgsym_${version}_amd64.deb"
tarball="$dist/ccgw-shim-$version-linux-x86_64.tar.gz"
[ -f "$deb" ] && [ -f "$dbgsym" ] && [ -f "$tarball" ] || { echo "no packages in $dist: run scripts/build-packages.sh" >&2; exit 2; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
if dpkg-query -W -f='${Status}' ccgw-shim 2>/dev/null | grep -q installed; then
  echo "ccgw-shim is already installed here; not touching it" >&2; exit 2
fi
work="$(mktemp -d)"
trap 'dpkg -P ccgw-shim-dbgsym ccgw-shim >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# The checksums cover what was built.
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "dist/SHA256SUMS does not match"
for file in "$deb" "$dbgsym" "$tarball"; do
  grep -q " $(basename "$file")$" "$dist/SHA256SUMS" || fail "dist/SHA256SUMS does not list $(basename "$file")"
done
pass "dist/SHA256SUMS: $(wc -l <"$dist/SHA256SUMS") files, all match"

# lintian: no errors, no warnings (informational tags are printed, not fatal).
lintian --fail-on error,warning "$deb" "$dbgsym" 2>/dev/null | tee "$work/lintian.txt" | grep -E '^(E|W):' && fail "lintian: see above"
pass "lintian: no errors or warnings"

# Install: nothing running, everything in place.
dpkg -i "$deb" >"$work/dpkg.txt" 2>&1 || { cat "$work/dpkg.txt" >&2; fail "dpkg -i"; }
[ "$(dpkg-query -W -f='${Status}' ccgw-shim)" = "install ok installed" ] || fail "not installed: $(dpkg-query -W -f='${Status}' ccgw-shim)"
pgrep -f '^/usr/bin/ccgw-shim' >/dev/null && fail "/usr/bin/ccgw-shim runs after the install"
[ "$(command -v ccgw-shim)" = /usr/bin/ccgw-shim ] || fail "ccgw-shim is not /usr/bin/ccgw-shim: $(command -v ccgw-shim || true)"
/usr/bin/ccgw-shim --version | grep -q "^$version (release" || fail "ccgw-shim --version: $(/usr/bin/ccgw-shim --version)"
unit=/lib/systemd/system/ccgw-shim.service
grep -q '^ExecStart=/usr/bin/ccgw-shim run --config /etc/ccgw-shim/config.yaml$' "$unit" || fail "the unit does not run /usr/bin/ccgw-shim"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" >"$work/verify.txt" 2>&1 || { cat "$work/verify.txt" >&2; fail "systemd-analyze verify refused the installed unit"; }
  pass "systemd-analyze verify accepts the installed unit"
fi
[ -f /usr/share/man/man1/ccgw-shim.1.gz ] || fail "no man page"
dpkg-query -W -f='${Conffiles}\n' ccgw-shim | grep -q '^ /etc/ccgw-shim/config.yaml ' || fail "/etc/ccgw-shim/config.yaml is not a conffile"
pass "installed: /usr/bin/ccgw-shim $version, the unit, the man page, /etc/ccgw-shim/config.yaml as a conffile; nothing started"

# The debug symbols: found by the installed binary's build id, as gdb and addr2line look.
dpkg -i "$dbgsym" >"$work/dpkg.txt" 2>&1 || { cat "$work/dpkg.txt" >&2; fail "dpkg -i ccgw-shim-dbgsym"; }
id="$(readelf -n /usr/bin/ccgw-shim | sed -n 's/^ *Build ID: //p')"
symbols="/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
[ -n "$id" ] && [ -f "$symbols" ] || fail "no symbols for the build id of /usr/bin/ccgw-shim (${id:-none})"
readelf -S /usr/bin/ccgw-shim | grep -q '\.symtab' && fail "/usr/bin/ccgw-shim is not stripped"
function='$s10ShimServer9DrainGateV3runyyYaKF'
entry="$(nm --defined-only "$symbols" | awk -v f="$function" '$3 == f && !found { print $1; found = 1 }')"
[ -n "$entry" ] || fail "the symbols do not have $function (DrainGate.run)"
addr2line -f -e /usr/bin/ccgw-shim "0x$entry" >"$work/addr2line.txt"
[ "$(head -1 "$work/addr2line.txt")" = "$function" ] && grep -q 'Sources/ShimServer/Lifecycle/DrainGate.swift:[0-9]' "$work/addr2line.txt" \
  || fail "addr2line on /usr/bin/ccgw-shim said: $(cat "$work/addr2line.txt")"
dpkg -r ccgw-shim-dbgsym >"$work/dpkg.txt" 2>&1 || { cat "$work/dpkg.txt" >&2; fail "dpkg -r ccgw-shim-dbgsym"; }
[ ! -e "$symbols" ] || fail "$symbols is still there after dpkg -r"
pass "ccgw-shim-dbgsym: addr2line on the stripped /usr/bin/ccgw-shim names DrainGate.run and its source line (build id $id)"

# check-config on the installed config, as the unit's ExecStartPre and as an operator runs it.
config=/etc/ccgw-shim/config.yaml
if CREDENTIALS_DIRECTORY='' ccgw-shim check-config --config "$config" 2>"$work/err.txt"; then fail "check-config passed without the agent's password"; fi
grep -q 'agents\[0\].passwordCredential' "$work/err.txt" || fail "check-config did not name the key: $(cat "$work/err.txt")"
install -d -m 0700 "$work/credentials"
printf 'pw-%s\n' "$RANDOM" >"$work/credentials/agent-1001"; chmod 0600 "$work/credentials/agent-1001"
ccgw-shim check-config --config "$config" --credentials-directory "$work/credentials" >"$work/ok.txt" || fail "check-config refused the installed config"
grep -q '^config OK: gateway https://cc-gateway.example.com:8043 (dynamic), 1 agent(s)' "$work/ok.txt" || fail "check-config said: $(cat "$work/ok.txt")"
CREDENTIALS_DIRECTORY="$work/credentials" ccgw-shim check-config --config "$config" >/dev/null || fail "check-config with CREDENTIALS_DIRECTORY (as under systemd)"
pass "check-config: names agents[0].passwordCredential without the password; accepts the installed config with it"

# A reinstall (as an upgrade would) keeps an edited config; remove keeps it; purge removes it.
sed -i 's|port: 8080|port: 8181|' "$config"
dpkg -i "$deb" >"$work/dpkg.txt" 2>&1 || { cat "$work/dpkg.txt" >&2; fail "dpkg -i (again)"; }
grep -q 'port: 8181' "$config" || fail "reinstalling lost the edited config"
dpkg -r ccgw-shim >"$work/dpkg.txt" 2>&1 || { cat "$work/dpkg.txt" >&2; fail "dpkg -r"; }
for path in /usr/bin/ccgw-shim "$unit" /usr/share/man/man1/ccgw-shim.1.gz /usr/share/doc/ccgw-shim; do
  [ ! -e "$path" ] || fail "$path is still there after dpkg -r"
done
[ -f "$config" ] || fail "dpkg -r removed the config (only a purge should)"
dpkg -P ccgw-shim >"$work/dpkg.txt" 2>&1 || { cat "$work/dpkg.txt" >&2; fail "dpkg -P"; }
[ ! -e /etc/ccgw-shim ] || fail "/etc/ccgw-shim is still there after dpkg -P"
dpkg-query -W -f='${Status}' ccgw-shim 2>/dev/null | grep -q 'ok installed' && fail "still installed after dpkg -P"
pass "reinstall keeps the edited config; dpkg -r removes the files and keeps the config; dpkg -P removes the config"

# The tarball.
tar -tzf "$tarball" | sort >"$work/list.txt"
name="ccgw-shim-$version-linux-x86_64"
{
  printf '%s\n' "$name/" "$name/LICENSE" "$name/README.md" "$name/ccgw-shim" "$name/ccgw-shim.service" "$name/config.example.yaml" "$name/docs/"
  for page in docs/*.md docs/openapi.yaml; do echo "$name/$page"; done
} | sort >"$work/want.txt"
diff "$work/want.txt" "$work/list.txt" >&2 || fail "the tarball's contents differ (above)"
tar -C "$work" -xzf "$tarball"
"$work/$name/ccgw-shim" --version | grep -q "^$version (release" || fail "the tarball's binary does not run"
if "$work/$name/ccgw-shim" check-config --config "$work/$name/config.example.yaml" 2>"$work/err.txt"; then
  fail "the example config passed without its password files"
fi
grep -q '^ccgw-shim: config error: agents\[0\].passwordFile: cannot read the file /run/secrets/agent-1001$' "$work/err.txt" \
  || fail "check-config on the example said: $(cat "$work/err.txt")"
pass "tarball: binary, unit, example config, README, LICENSE, docs; the binary runs and checks the example up to its secrets"
echo "packages: $(for file in "$deb" "$dbgsym" "$tarball"; do printf '%s %s MB, ' "$(basename "$file")" $(( $(stat -c %s "$file") / 1000000 )); done | sed 's/, $//')"
