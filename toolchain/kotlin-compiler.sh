#!/usr/bin/env bash
# Downloads the Kotlin compiler that toolchain/kotlin-compiler.txt names (kotlin-compiler-embeddable and its
# runtime dependencies) from Maven Central into ${XDG_CACHE_HOME:-~/.cache}/mobiprox/kotlin-<version>/, each jar
# checked against the .sha1 Maven Central serves beside it. Jars already there whose recorded SHA-1 matches are
# kept, so a second run downloads nothing. Prints the folder.
set -euo pipefail
list="$(dirname "$0")/kotlin-compiler.txt"
repo="https://repo1.maven.org/maven2"
coordinates=()
while read -r line; do
  line="${line%%#*}"
  [ -n "${line// /}" ] && coordinates+=("${line// /}")
done <"$list"
version="${coordinates[0]##*:}"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/mobiprox/kotlin-$version"
mkdir -p "$dir"

sha1_of() { sha1sum "$1" | cut -d' ' -f1; }

for c in "${coordinates[@]}"; do
  IFS=: read -r group artifact v <<<"$c"
  jar="$artifact-$v.jar"
  if [ -f "$dir/$jar" ] && [ -f "$dir/$jar.sha1" ] && [ "$(sha1_of "$dir/$jar")" = "$(cat "$dir/$jar.sha1")" ]; then
    continue
  fi
  url="$repo/${group//.//}/$artifact/$v/$jar"
  echo "kotlin-compiler: downloading $c" >&2
  # The .sha1 file holds the hash, sometimes followed by the file's name.
  want="$(curl -fsSL --retry 3 "$url.sha1" | tr -d '\r' | awk '{print $1; exit}')"
  if ! [[ "$want" =~ ^[0-9a-f]{40}$ ]]; then
    echo "kotlin-compiler: $url.sha1 is not a SHA-1 ('$want')" >&2
    exit 1
  fi
  tmp="$dir/.$jar.part"
  curl -fsSL --retry 3 -o "$tmp" "$url"
  got="$(sha1_of "$tmp")"
  if [ "$got" != "$want" ]; then
    rm -f "$tmp"
    echo "kotlin-compiler: $url has SHA-1 $got, Maven Central says $want" >&2
    exit 1
  fi
  mv "$tmp" "$dir/$jar"
  echo "$want" >"$dir/$jar.sha1"
done
echo "$dir"
