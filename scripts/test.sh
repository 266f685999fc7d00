#!/usr/bin/env bash
# Runs Sala's whole test suite on a fresh machine: starts PostgreSQL if it is not running (installing
# it when absent), installs Debian's Chromium and ChromeDriver and the browser tests' npm package
# when absent, then runs formatting and lint checks, every test on SQLite and PostgreSQL, and the
# browser tests against the real binary (screenshots in e2e/artifacts/), and last fuzzes the API
# against its OpenAPI document (scripts/api-fuzz.sh).
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

: "${SALA_TEST_POSTGRES_URL:=postgres://postgres@127.0.0.1:5432/test}"
export SALA_TEST_POSTGRES_URL

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if [ ! -d /etc/postgresql ]; then
    echo "== installing PostgreSQL"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  echo "== starting PostgreSQL"
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  # The tests connect as postgres with trust auth on 127.0.0.1 and create their own databases.
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 ||
    psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null
}

ensure_browser() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then return; fi
  echo "== installing Chromium and ChromeDriver"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
}

ensure_postgres
ensure_browser

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings

echo "== cargo test"
cargo test --workspace "$@"

echo "== browser tests"
cargo build --quiet -p sala-server --bin sala
(cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent && npm test --silent)

echo "== API fuzzing"
scripts/api-fuzz.sh
