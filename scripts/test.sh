#!/usr/bin/env bash
# The test command (README): installs what the tests need, then runs pytest.
#   bash scripts/test.sh [pytest args...]
# Runs as root on a fresh Debian 12 (as CI does): apt-get installs dovecot-imapd (the IMAP
# tests start their own Dovecot on a free 127.0.0.1 port), chromium (browser tests) and
# redis-server, each only when missing; pip installs requirements-dev.txt (with pymap, the
# second IMAP server of the compatibility matrix: tests/support/pymapserver.py).
set -euo pipefail
cd "$(dirname "$0")/.."

export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
export DEBIAN_FRONTEND=noninteractive

missing=()
command -v dovecot >/dev/null 2>&1 || missing+=(dovecot-imapd)
{ command -v chromium >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromium ]; } || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# Fonts so that screenshots of non-Latin and emoji mail are legible to the person reviewing them.
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || missing+=(fonts-noto-color-emoji)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "scripts/test.sh: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "scripts/test.sh: installing ${missing[*]}" >&2
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The package may start a system Dovecot on 143/993. Our fixture never uses those ports,
    # but stop it so it costs nothing; containers often have neither systemctl nor service.
    if dpkg -s dovecot-core >/dev/null 2>&1; then
        if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet dovecot 2>/dev/null; then
            systemctl stop dovecot || true
        elif command -v service >/dev/null 2>&1; then
            service dovecot stop >/dev/null 2>&1 || true
        fi
    fi
fi

python3 -m pip install -q -r requirements-dev.txt

# CI-friendly defaults: no colour codes in logs when CI is set, short tracebacks.
args=(-p no:cacheprovider)
if [ -n "${CI:-}" ]; then
    args+=(--color=no)
fi
status=0
python3 -m pytest "${args[@]}" "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "scripts/test.sh: no tests were collected: failing" >&2
    exit 1
fi
exit "$status"
