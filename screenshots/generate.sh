#!/usr/bin/env bash
# Regenerates the PNGs in screenshots/ from the real `eos` binary: `eos demo --clock frozen`
# (the simulator's fixed seed and a frozen clock, so every run shows the same cluster) in a
# 120×36 tmux pane, driven with send-keys, captured with `capture-pane -e -p` (ANSI colours)
# and rendered by `eos-screenshot` (vt100 → SVG → PNG with resvg and DejaVu Sans Mono).
#
# The Swarm shots (swarm-*) start a private dockerd of their own (screenshots/swarm.sh).
# Needs tmux and fonts-dejavu-core (the Swarm shots also docker.io and busybox-static).
# Usage: screenshots/generate.sh [NAME…] (default: all).
# Keeps the captures in $KEEP_CAPTURES (a directory) if set.
set -euo pipefail
cd "$(dirname "$0")/.."

COLS=120
ROWS=36
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --features screenshots --bin eos --bin eos-screenshot
EOS="$CARGO_TARGET_DIR/release/eos"
RENDER="$CARGO_TARGET_DIR/release/eos-screenshot"

# One tmux server per shot (a server just killed may still hold its socket).
BASE_SOCK="eos-screenshots-$$"
SOCK="$BASE_SOCK"
WORK="$(mktemp -d)"
# The Swarm shots (swarm_shots, swarm_stop), from a dockerd of their own.
# shellcheck source=screenshots/swarm.sh
. screenshots/swarm.sh
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    swarm_stop
    rm -rf "$WORK"
}
trap cleanup EXIT
# Timestamps in UTC, so the pictures read the same wherever they are made.
mkdir -p "$WORK/eos"
printf 'timezone = "utc"\n' >"$WORK/eos/config.toml"

# --theme exists once themes land; only then are the light and mono shots made.
HAVE_THEME=no
if "$EOS" --help | grep -q -- '--theme'; then HAVE_THEME=yes; fi

# wait_for TEXT: until the pane shows TEXT (10 s at most).
wait_for() {
    for _ in $(seq 100); do
        if tmux -L "$SOCK" capture-pane -p -t shot | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
    done
    echo "generate.sh: timed out waiting for '$1'; the pane shows:" >&2
    tmux -L "$SOCK" capture-pane -p -t shot >&2
    return 1
}

# keys KEY…: send-keys one key at a time, as a person types.
keys() {
    for k in "$@"; do
        tmux -L "$SOCK" send-keys -t shot "$k"
        sleep 0.15
    done
}

# command TEXT: a `:` command line.
command() {
    keys ":"
    tmux -L "$SOCK" send-keys -t shot -l "$1"
    sleep 0.1
    keys Enter
}

# shot NAME WAIT_TEXT [EOS ARGS…] -- STEPS: a fresh console, the steps, a capture, a PNG.
shot() {
    local name="$1" ready="$2"
    shift 2
    local args=()
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
    shift
    if [ "${#SELECTED[@]}" -gt 0 ] && ! printf '%s\n' "${SELECTED[@]}" | grep -qx "$name"; then
        return 0
    fi
    local bg=1d2026 fg=d8dce2
    case " ${args[*]-} " in *" light "*) bg=fafafa fg=2a2e36 ;; esac
    SOCK="$BASE_SOCK-$name"
    tmux -L "$SOCK" -f /dev/null new-session -d -s shot -x "$COLS" -y "$ROWS" \
        "env TERM=xterm-256color COLORTERM=truecolor XDG_CONFIG_HOME=$WORK XDG_STATE_HOME=$WORK \
         $EOS ${args[*]-} demo --clock frozen"
    tmux -L "$SOCK" set-option -g status off >/dev/null
    wait_for "roles"
    "$@"
    wait_for "$ready"
    sleep 0.5
    tmux -L "$SOCK" capture-pane -e -p -t shot >"$WORK/$name.ansi"
    "$RENDER" --cols "$COLS" --rows "$ROWS" --bg "$bg" --fg "$fg" "$WORK/$name.ansi" "screenshots/$name.png"
    if [ -n "${KEEP_CAPTURES:-}" ]; then mkdir -p "$KEEP_CAPTURES"; cp "$WORK/$name.ansi" "$KEEP_CAPTURES/"; fi
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    echo "screenshots/$name.png"
}

SELECTED=("$@")
nothing() { :; }
jobs_view() { command "jobs search"; }
tasks_view() { command "job search/prod/indexer"; }
task_view() { tasks_view; wait_for "search-prod-indexer-0"; keys Enter; }
quota_view() { command "quota search"; }
update_view() { keys U; wait_for "ROLLING_FORWARD"; keys Enter; }
triage_view() { keys T; }
help_view() { tasks_view; wait_for "search-prod-indexer-0"; keys "?"; }
confirm_view() {
    command "job monitoring/prod/alertmanager"
    wait_for "monitoring-prod-alertmanager-0"
    keys Space j Space C-k
}

hosts_view() {
    command "hosts"
    wait_for "agent-0001"
    keys j D
    wait_for "Drain 1 host"
    # More than five tasks move: the drain asks for the host's name first (the field has the
    # focus; once it matches, Enter reaches the button and Enter drains).
    tmux -L "$SOCK" send-keys -t shot -l "agent-0002"
    keys Enter Enter
    wait_for "DRAINING"
}

# The log pane on a demo web task, and a merged tail of three marked instances.
logs_view() {
    command "job www-data/prod/frontend"
    wait_for "www-data-prod-frontend-0"
    keys l
}
logs_merged_view() {
    command "job www-data/prod/frontend"
    wait_for "www-data-prod-frontend-0"
    keys Space j Space j Space l
}

shot roles "analytics" -- nothing
shot logs "server  stdout" -- logs_view
shot logs-merged "instances " -- logs_merged_view
shot jobs "indexer" -- jobs_view
shot tasks "search-prod-indexer-0" -- tasks_view
shot task "TIMELINE" -- task_view
shot quota "CPU" -- quota_view
shot update "progress" -- update_view
shot triage "CRASHLOOP" -- triage_view
shot help "Kill the marked" -- help_view
shot confirm "Kill 2 instances?" -- confirm_view
shot hosts "DRAINING" -- hosts_view
if [ "$HAVE_THEME" = yes ]; then
    shot update-light "progress" --theme light -- update_view
    shot tasks-mono "search-prod-indexer-0" --theme mono -- tasks_view
else
    echo "generate.sh: this eos has no --theme yet: light and mono shots skipped" >&2
fi

# Real-cluster shots: two simulators as the clusters of a clusters.json (plus one that is
# down, and a Swarm of the config nobody runs), `:clusters` with their kind and health, then
# the first one dies: the fail-over banner.
cluster_shots() {
    local want=no
    if [ "${#SELECTED[@]}" -eq 0 ]; then want=yes; fi
    for n in clusters failover; do
        if printf '%s\n' "${SELECTED[@]-}" | grep -qx "$n"; then want=yes; fi
    done
    [ "$want" = yes ] || return 0
    mkdir -p "$WORK/etc"
    "$EOS" sim --listen 127.0.0.1:0 --clock frozen --cluster-name east >"$WORK/east.out" 2>&1 &
    local east=$!
    "$EOS" sim --listen 127.0.0.1:0 --clock frozen --cluster-name west --seed 7 >"$WORK/west.out" 2>&1 &
    local west=$!
    local e w
    for _ in $(seq 100); do
        e=$(grep -o 'http://[0-9.:]*' "$WORK/east.out" | head -1 || true)
        w=$(grep -o 'http://[0-9.:]*' "$WORK/west.out" | head -1 || true)
        if [ -n "$e" ] && [ -n "$w" ]; then break; fi
        sleep 0.1
    done
    printf '[{"name":"east","scheduler_uri":"%s"},{"name":"west","scheduler_uri":"%s"},{"name":"lab","zk":"127.0.0.1","zk_port":9,"scheduler_zk_path":"/aurora/scheduler"}]\n' \
        "$e" "$w" >"$WORK/etc/clusters.json"
    mkdir -p "$WORK/eos"
    printf '[clusters.west]\naccent = "red"\nprod = true\n' >>"$WORK/eos/config.toml"
    # A Swarm of Eos's config that nobody runs: `:clusters` lists it as a docker cluster.
    printf '[clusters.apps]\ndocker = "unix:///run/eos-demo/docker.sock"\n' >>"$WORK/eos/config.toml"
    SOCK="$BASE_SOCK-clusters"
    tmux -L "$SOCK" -f /dev/null new-session -d -s shot -x "$COLS" -y "$ROWS" \
        "env TERM=xterm-256color COLORTERM=truecolor XDG_CONFIG_HOME=$WORK XDG_STATE_HOME=$WORK \
         AURORA_CONFIG_ROOT=$WORK/etc $EOS --cluster east --refresh 1 --connect-timeout 1"
    tmux -L "$SOCK" set-option -g status off >/dev/null
    wait_for "analytics"
    command "clusters"
    wait_for "lab"
    wait_for "ok "
    sleep 4
    capture clusters
    keys Escape
    wait_for "analytics"
    kill "$east"
    wait_for "unreachable for 3 s"
    capture failover
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    kill "$west" 2>/dev/null || true
}

# capture NAME: the pane as it is now, to screenshots/NAME.png.
capture() {
    tmux -L "$SOCK" capture-pane -e -p -t shot >"$WORK/$1.ansi"
    "$RENDER" --cols "$COLS" --rows "$ROWS" --bg 1d2026 --fg d8dce2 "$WORK/$1.ansi" "screenshots/$1.png"
    echo "screenshots/$1.png"
}

cluster_shots
swarm_shots
