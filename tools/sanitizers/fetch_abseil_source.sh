#!/usr/bin/env bash
# Fetches the source of the installed Abseil (Debian's `abseil` source
# package, same version and patches as libabsl-dev) into DIR, for the tsan
# config (repositories.bzl). Uses apt-get with a private deb-src list and
# state directory, so the machine's apt configuration is left untouched.
# usage: fetch_abseil_source.sh DIR    (does nothing if DIR is already there)
set -euo pipefail

dest="${1:?usage: fetch_abseil_source.sh DIR}"
if [[ -f "$dest/absl/synchronization/mutex.cc" ]]; then
  exit 0
fi
command -v dpkg-source >/dev/null || {
  echo "fetch_abseil_source: dpkg-source missing (apt-get install dpkg-dev)" >&2
  exit 1
}
version="$(dpkg-query -W -f='${source:Version}' libabsl-dev)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/src"
cat >"$work/sources.list" <<LIST
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
LIST
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists"
  -o "APT::Sandbox::User=root"
  -q
)
echo "fetch_abseil_source: fetching Debian's abseil ${version} source" >&2
apt-get "${apt_opts[@]}" update >/dev/null
(cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only "abseil=${version}" >/dev/null)
dpkg-source -x "$work"/src/abseil_*.dsc "$work/abseil" >/dev/null
cmp -s "$work/abseil/absl/synchronization/mutex.h" /usr/include/absl/synchronization/mutex.h || {
  echo "fetch_abseil_source: the source's mutex.h differs from the installed one" >&2
  exit 1
}
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$work/abseil" "$dest"
