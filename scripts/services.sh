#!/usr/bin/env bash
# What the test suite needs on the machine (Debian/Ubuntu), shared by `make test` and .ci/run.
#
#   scripts/services.sh install   install the missing Debian packages (root, or sudo)
#   scripts/services.sh start     start PostgreSQL, MariaDB, Redis, RabbitMQ, Mosquitto and NATS if
#                                 their port is closed
#   scripts/services.sh           both
#
# A server this script installs itself is set up the way the tests expect it on loopback:
# PostgreSQL trusts 127.0.0.1 and ::1 (user postgres), MariaDB has root@127.0.0.1 without a
# password. A server that was already installed is left as it is configured.
set -euo pipefail

# Peers the tests start themselves, and the clients they call.
PEERS="nginx-light prometheus prometheus-alertmanager prometheus-blackbox-exporter chromium
postgresql-client mariadb-client zstd redis-tools pgbouncer memcached pgbackrest restic
iproute2"
# Servers the integration tests talk to: PostgreSQL 5432, MariaDB 3306, Redis 6379, RabbitMQ 5672,
# Mosquitto 1883, NATS 4222.
SERVERS="postgresql mariadb-server redis-server rabbitmq-server mosquitto nats-server"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "scripts/services.sh: '$*' needs root; run as root or install sudo" >&2
        return 1
    fi
}

missing() { for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || printf '%s ' "$p"; done; }

install() {
    command -v dpkg >/dev/null || { echo "scripts/services.sh: needs Debian or Ubuntu (dpkg, apt-get)" >&2; return 1; }
    local want new_servers
    # shellcheck disable=SC2086
    want=$(missing $PEERS $SERVERS)
    # shellcheck disable=SC2086
    new_servers=$(missing $SERVERS)
    [ -z "$want" ] && return 0
    echo "installing Debian packages: $want"
    as_root apt-get update -qq
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $want >/dev/null
    case " $new_servers " in *" postgresql "*) configure_postgresql ;; esac
    case " $new_servers " in *" mariadb-server "*) start_mariadb; configure_mariadb ;; esac
}

configure_postgresql() {
    local hba
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
        as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    done
    if port_open 5432; then  # started by the package: read the new rules
        as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main reload
    fi
}

configure_mariadb() {
    wait_port 3306
    as_root mariadb -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
        GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
}

port_open() { (echo > "/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1; }
wait_port() { for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 1; done; echo "port $1 did not open" >&2; return 1; }

start_postgresql() {
    port_open 5432 && return 0
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
    wait_port 5432
}

start_mariadb() {
    port_open 3306 && return 0
    as_root mkdir -p /run/mysqld
    as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_port 3306
}

start_redis() {
    port_open 6379 && return 0
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_port 6379
}

start_rabbitmq() {
    port_open 5672 && return 0
    as_root rabbitmq-server -detached
    wait_port 5672
}

start_mosquitto() {
    port_open 1883 && return 0
    as_root mosquitto -d -c /etc/mosquitto/mosquitto.conf
    wait_port 1883
}

start_nats() {
    port_open 4222 && return 0
    as_root mkdir -p /var/lib/nats-server
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
        -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
    wait_port 4222
}

start() { start_postgresql; start_mariadb; start_redis; start_rabbitmq; start_mosquitto; start_nats; }

case "${1:-all}" in
    install) install ;;
    start) start ;;
    all) install; start ;;
    *) echo "usage: scripts/services.sh [install|start]" >&2; exit 2 ;;
esac
