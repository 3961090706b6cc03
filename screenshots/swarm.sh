# Sourced by generate.sh (uses its EOS, WORK, COLS, ROWS, SELECTED and its tmux helpers):
# the Docker Swarm shots, from a swarm this script starts and stops itself.
#
# A private dockerd, started as the tests start theirs (tests/swarm_common): its own socket,
# data, exec root and pid file under one temporary directory, --iptables=false --bridge=none,
# a single-node swarm on a free 127.0.0.1 port (never 2377, which one daemon per machine can
# hold). Images are built locally FROM scratch plus Debian's busybox-static: nothing is pulled.
# It never touches any other daemon, and `swarm_stop` (called by generate.sh's exit trap)
# stops it and removes its directory.
#
# Needs Debian's docker.io (dockerd and a docker CLI) and busybox-static.

SWARM_NAMES=(swarm-services swarm-update swarm-nodes)
SWARM_DIR=""
SWARM_PID=""
SWARM_HOST=""
SWARM_V1="eos-demo/busybox:1"
SWARM_V2="eos-demo/busybox:2"

# The step from the services view to the live rolling update of `web`: its update screen.
swarm_update_view() { command "update web"; }
SWARM_UPDATE_READY="SPEC CHANGE"

# sdocker ARGS…: the docker CLI against the private daemon only.
sdocker() {
    env -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH DOCKER_BUILDKIT=0 \
        docker -H "$SWARM_HOST" "$@"
}

swarm_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Stops the private dockerd (TERM, then KILL after 30 s) and removes its directory.
swarm_stop() {
    if [ -n "$SWARM_PID" ] && kill -0 "$SWARM_PID" 2>/dev/null; then
        kill -TERM "$SWARM_PID" 2>/dev/null || true
        for _ in $(seq 300); do
            kill -0 "$SWARM_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SWARM_PID" 2>/dev/null || true
        wait "$SWARM_PID" 2>/dev/null || true
    fi
    SWARM_PID=""
    if [ -n "$SWARM_DIR" ]; then
        # A mount the daemon left behind can refuse removal; the rest goes.
        rm -rf "$SWARM_DIR" 2>/dev/null || true
        SWARM_DIR=""
    fi
}

# swarm_wait WHAT CMD…: until CMD succeeds (0.2 s apart, 3 minutes at most).
swarm_wait() {
    local what="$1"
    shift
    for _ in $(seq 900); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    echo "generate.sh: timed out waiting for $what" >&2
    [ -z "$SWARM_DIR" ] || tail -20 "$SWARM_DIR/dockerd.log" >&2
    return 1
}

# swarm_running SERVICE N [IMAGE]: N tasks of SERVICE run (IMAGE, when given).
swarm_running() {
    local n
    n=$(sdocker service ps --filter desired-state=running --format '{{.CurrentState}} {{.Image}}' "$1" |
        grep '^Running' | grep -c -- "${3:-}" || true)
    [ "$n" -ge "$2" ]
}

swarm_start() {
    SWARM_DIR="$(mktemp -d /tmp/eos-shots-dockerd-XXXXXX)"
    SWARM_HOST="unix://$SWARM_DIR/docker.sock"
    dockerd -H "$SWARM_HOST" --data-root "$SWARM_DIR/data" --exec-root "$SWARM_DIR/exec" \
        --pidfile "$SWARM_DIR/docker.pid" --iptables=false --bridge=none \
        </dev/null >"$SWARM_DIR/dockerd.log" 2>&1 &
    SWARM_PID=$!
    swarm_wait "the private dockerd to answer" sdocker version
    local addr="127.0.0.1:$(swarm_free_port)"
    sdocker swarm init --listen-addr "$addr" --advertise-addr "$addr" >/dev/null
    # Two images: the same busybox, different labels, so updating from one to the other is a
    # real rolling update to a different image.
    mkdir -p "$SWARM_DIR/image"
    cp /bin/busybox "$SWARM_DIR/image/busybox"
    local v
    for v in 1 2; do
        printf 'FROM scratch\nCOPY busybox /bin/busybox\nLABEL eos.demo.version=%s\nENTRYPOINT ["/bin/busybox"]\nCMD ["sleep", "100000"]\n' \
            "$v" >"$SWARM_DIR/image/Dockerfile"
        # (The CLI's notice that the legacy builder is deprecated is noise here.)
        if ! sdocker build -q -t "eos-demo/busybox:$v" "$SWARM_DIR/image" \
            >/dev/null 2>"$SWARM_DIR/build.err"; then
            cat "$SWARM_DIR/build.err" >&2
            return 1
        fi
    done
}

# A few services with fixed names, then a rolling update of `web` (one task at a time, 15 s
# apart) that is still in progress while the shots are taken.
swarm_services() {
    local common=(service create --detach --quiet --no-resolve-image --stop-grace-period 1s)
    sdocker "${common[@]}" --name web --replicas 6 "$SWARM_V1" httpd -f -p 8080 >/dev/null
    sdocker "${common[@]}" --name api --replicas 2 "$SWARM_V1" httpd -f -p 8081 >/dev/null
    sdocker "${common[@]}" --name worker --replicas 3 "$SWARM_V1" sleep 100000 >/dev/null
    sdocker "${common[@]}" --name agent --mode global "$SWARM_V1" sleep 100000 >/dev/null
    swarm_wait "web's 6 tasks" swarm_running web 6
    swarm_wait "worker's 3 tasks" swarm_running worker 3
    swarm_wait "api's 2 tasks" swarm_running api 2
    swarm_wait "agent's task" swarm_running agent 1
    sdocker service update --detach --quiet --no-resolve-image --image "$SWARM_V2" --update-parallelism 1 \
        --update-delay 15s --update-monitor 2s web >/dev/null
    # Two slots on the new image: visibly under way, far from done.
    swarm_wait "web's rolling update to start" swarm_running web 2 "$SWARM_V2"
}

swarm_shots() {
    local want=no n
    if [ "${#SELECTED[@]}" -eq 0 ]; then want=yes; fi
    for n in "${SWARM_NAMES[@]}"; do
        if printf '%s\n' "${SELECTED[@]-}" | grep -qx "$n"; then want=yes; fi
    done
    [ "$want" = yes ] || return 0
    # (`type -P`: generate.sh defines its own `command`, the `:` command line.)
    if ! type -P dockerd docker >/dev/null || [ ! -x /bin/busybox ]; then
        echo "generate.sh: Swarm shots need docker.io and busybox-static: skipped" >&2
        return 0
    fi
    swarm_start
    swarm_services
    SOCK="$BASE_SOCK-swarm"
    tmux -L "$SOCK" -f /dev/null new-session -d -s shot -x "$COLS" -y "$ROWS" \
        "env TERM=xterm-256color COLORTERM=truecolor XDG_CONFIG_HOME=$WORK XDG_STATE_HOME=$WORK \
         $EOS --docker=$SWARM_HOST --refresh 1"
    tmux -L "$SOCK" set-option -g status off >/dev/null
    wait_for "worker"
    wait_for "updating"
    sleep 1
    capture swarm-services
    swarm_update_view
    wait_for "$SWARM_UPDATE_READY"
    sleep 1
    capture swarm-update
    keys Escape
    wait_for "worker"
    command "nodes"
    wait_for "leader"
    sleep 1
    capture swarm-nodes
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    swarm_stop
}
