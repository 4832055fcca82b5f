#!/usr/bin/env bash
# The real AT Protocol stack on loopback for the Bluesky peer tests: Bluesky's own PDS,
# AppView and PLC directory from @atproto/dev-env (peers/bluesky/), with PostgreSQL and
# Redis of its own. Dev mode uses fixed secrets: it listens on loopback only.
#
#   scripts/peers-bluesky.sh install   Node 22 (if needed) and the npm packages, into .peers/
#   scripts/peers-bluesky.sh start     a fresh network; prints the variables the tests read
#   scripts/peers-bluesky.sh stop      stops what `start` started and removes its data
#
# Example:
#   scripts/peers-bluesky.sh install && eval "$(scripts/peers-bluesky.sh start)"
#   .venv/bin/pytest tests/networks/bluesky; scripts/peers-bluesky.sh stop
#
# Only the `export ...` line goes to stdout; progress goes to stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
peers="$root/.peers"
app="$peers/bluesky"
node22_dir="$peers/node22"
state=/tmp/porch-peers-bluesky
pg_port=5433
redis_port=6380
pds_url=http://localhost:2583
control_url=http://localhost:2599

say() { echo "peers-bluesky: $*" >&2; }
die() { say "$*"; exit 1; }

node_arch() {
  case "$(uname -m)" in
    x86_64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "no Node 22 build for $(uname -m)" ;;
  esac
}

# The folder holding bin/node (and include/node for node-gyp) of a Node >= 22.
node_home() {
  local system_major
  system_major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || true)
  if [ -n "$system_major" ] && [ "$system_major" -ge 22 ]; then
    dirname "$(dirname "$(readlink -f "$(command -v node)")")"
  else
    echo "$node22_dir/node_modules/node-linux-$(node_arch)"
  fi
}

install_node22() {
  local home
  home=$(node_home)
  if [ -x "$home/bin/node" ]; then
    say "Node $("$home/bin/node" --version) in $home"
    return
  fi
  say "installing Node 22 into $node22_dir"
  mkdir -p "$node22_dir"
  # its own package.json: else npm installs into the nearest one above (Porch's, for axe-core)
  [ -f "$node22_dir/package.json" ] || echo '{"private": true}' > "$node22_dir/package.json"
  (cd "$node22_dir" && npm install --silent --no-save "node-linux-$(node_arch)@22" >&2)
  [ -x "$home/bin/node" ] || die "Node 22 did not install into $home"
}

# npm install of peers/bluesky into .peers/bluesky, skipped when nothing changed.
install_packages() {
  local home stamp
  home=$(node_home)
  stamp="$app/node_modules/.porch-installed"
  mkdir -p "$app"
  if [ -f "$stamp" ] && cmp -s "$root/peers/bluesky/package.json" "$app/package.json" &&
    cmp -s "$root/peers/bluesky/package-lock.json" "$app/package-lock.json" 2>/dev/null; then
    cp "$root/peers/bluesky/start-network.mjs" "$app/"
    say "npm packages already installed in $app"
    return
  fi
  cp "$root"/peers/bluesky/package*.json "$root/peers/bluesky/start-network.mjs" "$app/"
  say "npm install in $app (better-sqlite3 compiles from source)"
  # nodedir: node-gyp must build against Node 22's headers, whatever ~/.npmrc says.
  local nodedir=""
  [ -d "$home/include/node" ] && nodedir="$home"
  (cd "$app" && PATH="$home/bin:$PATH" npm_config_nodedir="$nodedir" \
    npm "$([ -f package-lock.json ] && echo ci || echo install)" --no-audit --no-fund >&2)
  touch "$stamp"
}

cmd_install() {
  local started=$SECONDS
  install_node22
  install_packages
  say "installed in $((SECONDS - started)) s"
}

pg_bin() {
  if command -v initdb >/dev/null; then
    dirname "$(command -v initdb)"
  else
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
  fi
}

# PostgreSQL refuses to run as root: as root, run its commands as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

start_postgres() {
  local bin
  bin=$(pg_bin)
  [ -x "$bin/initdb" ] || die "PostgreSQL not found (Debian: apt-get install postgresql)"
  mkdir -p "$state/pg" "$state/pgsock"
  [ "$(id -u)" = 0 ] && chown postgres "$state/pg" "$state/pgsock"
  as_pg "$bin/initdb -D $state/pg -A trust -U pg >/dev/null"
  as_pg "$bin/pg_ctl -D $state/pg -l $state/pg/log -w start \
    -o '-c listen_addresses=127.0.0.1 -p $pg_port -k $state/pgsock -c fsync=off \
        -c full_page_writes=off -c synchronous_commit=off' >/dev/null"
}

start_redis() {
  command -v redis-server >/dev/null || die "redis-server not found (Debian: apt-get install redis-server)"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$state/redis.pid" --logfile "$state/redis.log" --dir "$state"
}

network_running() {
  [ -f "$state/network.pid" ] && kill -0 "$(cat "$state/network.pid")" 2>/dev/null
}

start_network() {
  local home pid deadline
  home=$(node_home)
  [ -f "$app/node_modules/.porch-installed" ] || die "not installed: run scripts/peers-bluesky.sh install"
  cd "$app"
  DB_POSTGRES_URL="postgresql://pg@127.0.0.1:$pg_port/postgres" REDIS_HOST="127.0.0.1:$redis_port" \
    setsid "$home/bin/node" start-network.mjs </dev/null >"$state/network.log" 2>&1 &
  pid=$!
  echo "$pid" >"$state/network.pid"
  deadline=$((SECONDS + 120))
  until grep -q '^READY' "$state/network.log"; do
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$state/network.log" >&2; die "the network exited"; }
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 40 "$state/network.log" >&2; die "no READY in 120 s"; }
    sleep 0.2
  done
  say "$(grep '^READY' "$state/network.log")"
}

cmd_start() {
  local started=$SECONDS
  if network_running; then
    say "already running (scripts/peers-bluesky.sh stop first for a fresh one)"
  else
    cmd_stop 2>/dev/null
    mkdir -p "$state"
    start_postgres
    start_redis
    start_network
    say "started in $((SECONDS - started)) s; logs in $state"
  fi
  echo "export PORCH_TEST_BLUESKY_PDS=$pds_url PORCH_TEST_BLUESKY_CONTROL=$control_url"
}

stop_network() {
  local pid
  [ -f "$state/network.pid" ] || return 0
  pid=$(cat "$state/network.pid")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
  stop_network
  if [ -f "$state/redis.pid" ]; then kill "$(cat "$state/redis.pid")" 2>/dev/null || true; fi
  if [ -f "$state/pg/postmaster.pid" ]; then
    as_pg "$(pg_bin)/pg_ctl -D $state/pg -m immediate stop >/dev/null" || true
  fi
  rm -rf "$state"
  say "stopped"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  *) die "usage: scripts/peers-bluesky.sh install|start|stop" ;;
esac
