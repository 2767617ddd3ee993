#!/usr/bin/env bash
# Installs everything vaultui's tests and demo need: Debian packages, the Python venv in .venv
# and the Node test services in .testenv/node. Safe to re-run: each step is skipped when its
# result is already in place, so a warm re-run takes about a second.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

say() { printf 'setup: %s\n' "$*" >&2; }

# --- Debian packages --------------------------------------------------------------------------
# Qt offscreen needs the first line; the xcb lines are for real windows under Xvfb (screenshots);
# dbus + gnome-keyring give the tests a real Secret Service; openssh-server is the SFTP server.
# openbox, xdotool, x11-utils (xprop) and imagemagick (import) are for the real-input tests
# (tests/gui/realinput): a window manager, real key and mouse events, screenshots.
# fuse3 is the FUSE mount's libfuse 3, and litmus, rclone, rsync, sqlite3, git the real programs
# the mount tests drive.
apt_packages=(
    libglib2.0-0 libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3
    xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-render-util0 libxcb-shape0 libxcb-xkb1
    openbox xdotool x11-utils imagemagick
    dbus gnome-keyring openssh-server
    fuse3 litmus rclone rsync sqlite3 git
)
command -v npm >/dev/null || apt_packages+=(nodejs npm)

# One dpkg-query for all packages keeps the warm path fast; unknown names go to stderr.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${apt_packages[@]}" 2>/dev/null \
    | awk '$NF == "installed" { print $1 }' || true)
missing=()
for pkg in "${apt_packages[@]}"; do
    grep -qxF "$pkg" <<<"$installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        say "not root, skipping apt; missing Debian packages: ${missing[*]}"
        say "tests that need them will be skipped (or fail when CI=true)"
    else
        say "apt-get install ${missing[*]}"
        # Without systemd, openssh-server's postinst would start a system sshd on port 22; a
        # policy-rc.d that denies every start keeps the install from leaving a daemon behind.
        own_policy=
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            own_policy=1
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        if [ -n "$own_policy" ]; then
            rm -f /usr/sbin/policy-rc.d
            trap - EXIT
        fi
    fi
fi

# --- Python venv ------------------------------------------------------------------------------
# The stamp records what the venv was built from; pip runs again only when that changes.
venv=$root/.venv
stamp=$venv/.vaultui-setup
want=$(cat pyproject.toml scripts/constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
    say "creating .venv"
    python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    say "pip install -e '.[test,gui]'"
    # This machine's pip.conf names local mirror folders that pip warns about once per package;
    # drop only those lines (sed, unlike grep -v, exits 0 on empty input so pipefail still
    # reports pip's own status).
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        -c scripts/constraints.txt -e '.[test,gui]' 2>&1 \
        | sed "/^WARNING: Location 'file:.*' is ignored/d" >&2
    printf '%s\n' "$want" >"$stamp"
fi

# --- Node test services (Azurite) -------------------------------------------------------------
# Versions are pinned by scripts/node/package-lock.json; npm ci installs exactly that tree.
node_dir=$root/.testenv/node
if [ ! -x "$node_dir/node_modules/.bin/azurite-blob" ] \
    || ! cmp -s scripts/node/package-lock.json "$node_dir/package-lock.json"; then
    say "npm ci azurite into .testenv/node"
    mkdir -p "$node_dir"
    cp scripts/node/package.json scripts/node/package-lock.json "$node_dir/"
    npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error >/dev/null
fi
