#!/usr/bin/env bash
# A real Apache Kafka (KRaft) for dev and tests, run from the Maven jars listed in pom.xml.
#
#   kafka.sh start [--test | --sasl | --nodes 3]
#                                pnpm dev's broker on 127.0.0.1:9092; the tests' own broker on 9192; the tests' SASL
#                                broker (SCRAM on 9392, SASL over mutual TLS on 9394); or the tests' 3-node cluster
#                                on 19092-19094
#   kafka.sh stop  [--test | --sasl | --nodes 3]
#   kafka.sh kill-node N         SIGKILL node N (1..3) of the cluster
#   kafka.sh start-node N        restart node N of the cluster on its existing data
#   kafka.sh status
#   kafka.sh logs [N | test | sasl]  tail pnpm dev's broker's log, node N's, the tests' broker's or the SASL broker's
#   kafka.sh config [N | test | sasl]  print the server.properties start writes for that node (starts nothing)
#   kafka.sh sasl-tls-dir        the folder of the SASL broker's CA and client certificate (ca.pem, client.pem,
#                                client-key.pem)
#
# The settings every deployment shares come from broker.properties beside this script; docker-compose.yml runs them too.
# The JVM's options come from jvm.options beside it.
# KAFKA_START_TIMEOUT (seconds, default 120) bounds each wait for a port.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SHARED_PROPERTIES="$HERE/broker.properties"
LIB="$HERE/.lib"
DATA="$HERE/.data"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
STOP_TIMEOUT=30
CLUSTER_SIZE=3
# The SASL broker's users, created when its storage is formatted. Local test credentials, nothing else: the client's
# (SCRAM-SHA-512 and SCRAM-SHA-256 everywhere, PLAIN only over TLS) and the broker's own, for its inter-broker listener.
SASL_USER=dibs
SASL_PASSWORD=dibs-local-sasl-only
SASL_BROKER_USER=broker
SASL_BROKER_PASSWORD=broker-local-sasl-only
SASL_TLS_PORT=9394

say() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }

# A node is named "single" (pnpm dev's), "test" (the tests' single broker, so that no test run leaves topics or groups
# behind that pnpm dev would read), "sasl" (the tests' broker that lets in only clients that authenticate) or
# "cluster/N"; everything about it derives from that name and the data dir of its deployment ("single", "test", "sasl"
# or "cluster").
deployment_of() { echo "${1%%/*}"; }
deployment_data() {
  case "$1" in single) echo "$SINGLE_DATA" ;; test) echo "$TEST_DATA" ;; sasl) echo "$SASL_DATA" ;; *) echo "$CLUSTER_DATA" ;; esac
}
node_dir() { echo "$(deployment_data "$(deployment_of "$1")")/$1"; }
is_alone() { [[ $1 == single || $1 == test || $1 == sasl ]]; }
node_id() { if is_alone "$1"; then echo 1; else echo "${1#cluster/}"; fi; }
client_port() {
  case "$1" in single) echo 9092 ;; test) echo 9192 ;; sasl) echo 9392 ;; *) echo $((19091 + $(node_id "$1"))) ;; esac
}
controller_port() {
  case "$1" in single) echo 9093 ;; test) echo 9193 ;; sasl) echo 9393 ;; *) echo $((19191 + $(node_id "$1"))) ;; esac
}
# The option of start and stop that names the node's deployment.
start_option() {
  case "$1" in single) echo "" ;; test) echo " --test" ;; sasl) echo " --sasl" ;; *) echo " --nodes $CLUSTER_SIZE" ;; esac
}
cluster_nodes() { local n; for n in $(seq 1 "$CLUSTER_SIZE"); do echo "cluster/$n"; done; }

fetch_jars() {
  local stamp="$LIB/.pom.sha1" want
  want="$(sha1sum "$HERE/pom.xml" | cut -d' ' -f1)"
  if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then return; fi
  command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven) to fetch the Kafka jars"
  say "fetching Kafka jars with Maven into $LIB"
  rm -rf "$LIB"
  local out
  out="$(mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies -DoutputDirectory="$LIB" 2>&1)" \
    || { echo "$out" >&2; die "Maven could not fetch the jars listed in $HERE/pom.xml"; }
  echo "$want" >"$stamp"
}

mapfile -t JVM_OPTIONS < <(grep -Ev '^[[:space:]]*(#|$)' "$HERE/jvm.options")
JAVA_CMD=(java "${JVM_OPTIONS[@]}" -Djava.awt.headless=true -Dlog4j2.configurationFile="$HERE/log4j2.xml" -cp "$LIB/*")

kafka_java() { "${JAVA_CMD[@]}" "$@"; }

voters() {
  if is_alone "$1"; then echo "1@127.0.0.1:$(controller_port "$1")"; return; fi
  local n out=()
  for n in $(cluster_nodes); do out+=("$(node_id "$n")@127.0.0.1:$(controller_port "$n")"); done
  (IFS=,; echo "${out[*]}")
}

listener_properties() {
  local node=$1
  if [[ $node != sasl ]]; then
    cat <<EOF
listeners=PLAINTEXT://127.0.0.1:$(client_port "$node"),CONTROLLER://127.0.0.1:$(controller_port "$node")
advertised.listeners=PLAINTEXT://127.0.0.1:$(client_port "$node")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
EOF
    return
  fi
  local tls
  tls="$(node_dir "$node")/tls"
  # Clients get in only with SASL. The broker talks to itself over the SCRAM listener as its own user, whose credential
  # (like the client's) is written into the metadata log at format time: in KRaft there is nowhere else to keep it
  # before the broker is up. The controller listener stays on plaintext, on the loopback interface only.
  cat <<EOF
listeners=SASL_PLAINTEXT://127.0.0.1:$(client_port "$node"),SASL_SSL://127.0.0.1:$SASL_TLS_PORT,CONTROLLER://127.0.0.1:$(controller_port "$node")
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$(client_port "$node"),SASL_SSL://127.0.0.1:$SASL_TLS_PORT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SASL_BROKER_USER" password="$SASL_BROKER_PASSWORD";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$tls/broker.pem
listener.name.sasl_ssl.ssl.truststore.type=PEM
listener.name.sasl_ssl.ssl.truststore.location=$tls/ca.pem
listener.name.sasl_ssl.ssl.client.auth=required
EOF
}

# The shared settings, without their comments. A node alone cannot hold more than one replica of anything.
shared_properties() {
  local settings
  settings="$(grep -Ev '^[[:space:]]*(#|$)' "$SHARED_PROPERTIES")"
  if is_alone "$1"; then
    sed -E 's/^([a-z.]*(replication\.factor|min\.insync\.replicas|min\.isr))=.*/\1=1/' <<<"$settings"
  else
    echo "$settings"
  fi
}

server_properties() {
  local node=$1
  cat <<EOF
$(shared_properties "$node")
node.id=$(node_id "$node")
controller.quorum.voters=$(voters "$node")
$(listener_properties "$node")
log.dirs=$(node_dir "$node")/logs
EOF
  if ! is_alone "$node"; then
    # A SIGKILLed node that was the active controller costs a quorum election (fetch timeout, then election
    # timeout) before the new controller fences it (session timeout): with the defaults 2 s + 1 s + 9 s. These bring
    # that down to ~1 s + 0.5 s + 2 s, still several missed heartbeats from a false alarm on a busy machine.
    cat <<EOF
broker.session.timeout.ms=2000
broker.heartbeat.interval.ms=250
controller.quorum.fetch.timeout.ms=1000
controller.quorum.election.timeout.ms=500
EOF
  fi
}

write_properties() {
  local node=$1
  mkdir -p "$(node_dir "$node")"
  server_properties "$node" >"$(node_dir "$node")/server.properties"
}

# One cluster id per deployment (single, or the whole cluster), kept beside its nodes.
cluster_id() {
  local file
  file="$(deployment_data "$(deployment_of "$1")")/$(deployment_of "$1")/cluster.id"
  if [[ ! -s $file ]]; then
    mkdir -p "$(dirname "$file")"
    kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1 >"$file"
  fi
  cat "$file"
}

format_storage() {
  local node=$1 dir scram=()
  dir="$(node_dir "$node")"
  [[ -f $dir/logs/meta.properties ]] && return
  say "formatting storage of $node"
  if [[ $node == sasl ]]; then
    scram=(--add-scram "SCRAM-SHA-512=[name=$SASL_BROKER_USER,password=$SASL_BROKER_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$SASL_PASSWORD]"
      --add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$SASL_PASSWORD]")
  fi
  kafka_java kafka.tools.StorageTool format -t "$(cluster_id "$node")" -c "$dir/server.properties" "${scram[@]}" \
    >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; die "could not format $dir/logs"; }
}

# The SASL broker's own CA, a server certificate for 127.0.0.1 and a client certificate, made once.
make_sasl_certificates() {
  local tls
  tls="$(node_dir sasl)/tls"
  [[ -s $tls/client.pem ]] && return
  command -v openssl >/dev/null || die "openssl not found: install it (apt-get install openssl) for the SASL broker's TLS listener"
  say "making the SASL broker's CA and certificates in $tls"
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=dibs local test CA" -keyout ca-key.pem -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout broker-key.pem -out broker.csr
    openssl x509 -req -days 3650 -in broker.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out broker-cert.pem \
      -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
    cat broker-key.pem broker-cert.pem >broker.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$SASL_USER" -keyout client-key.pem -out client.csr
    openssl x509 -req -days 3650 -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out client.pem \
      -extfile <(printf 'extendedKeyUsage=clientAuth\n')
    rm -f ./*.csr
  ) >"$tls/openssl.log" 2>&1 || { cat "$tls/openssl.log" >&2; die "could not make the certificates in $tls"; }
}

pid_of() {
  local file pid
  file="$(node_dir "$1")/broker.pid"
  [[ -f $file ]] || return 1
  pid="$(cat "$file")"
  # Guards against a stale pid file whose number now belongs to another process.
  if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$(node_dir "$1")/server.properties"; then
    echo "$pid"
  else
    rm -f "$file"
    return 1
  fi
}

answers() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

launch() {
  local node=$1 dir
  dir="$(node_dir "$node")"
  write_properties "$node"
  [[ $node != sasl ]] || make_sasl_certificates
  format_storage "$node"
  [[ ! -f $dir/broker.log ]] || mv "$dir/broker.log" "$dir/broker.log.1"
  # setsid: the broker must outlive the shell or test run that started it.
  # shellcheck disable=SC2016 # $$ is the inner shell's pid, which exec hands to java.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$dir/broker.pid" \
    "${JAVA_CMD[@]}" kafka.Kafka "$dir/server.properties" >"$dir/broker.log" 2>&1 </dev/null &
  disown
  local tries=20
  while [[ ! -s $dir/broker.pid ]] && ((tries-- > 0)); do sleep 0.1; done
  say "started $node (pid $(cat "$dir/broker.pid" 2>/dev/null || echo '?')), client port 127.0.0.1:$(client_port "$node")"
}

# Returns 0 once every node answers; otherwise prints each silent node's log tail and returns 1.
wait_until_answering() {
  local began=$SECONDS deadline=$((SECONDS + START_TIMEOUT)) node pending
  printf 'kafka: waiting for'; printf ' %s' "$@"; printf ' '
  while :; do
    pending=()
    for node in "$@"; do answers "$(client_port "$node")" || pending+=("$node"); done
    if ((${#pending[@]} == 0)); then echo " up after $((SECONDS - began))s"; return 0; fi
    for node in "${pending[@]}"; do
      pid_of "$node" >/dev/null || { echo; report_failure "$node" "exited during start-up"; return 1; }
    done
    if ((SECONDS >= deadline)); then
      echo
      for node in "${pending[@]}"; do report_failure "$node" "did not answer within ${START_TIMEOUT}s"; done
      return 1
    fi
    printf '.'
    sleep 1
  done
}

report_failure() {
  local node=$1 why=$2 log home
  log="$(node_dir "$node")/broker.log"
  home="$(deployment_data "$(deployment_of "$node")")/$(deployment_of "$node")"
  echo "kafka: $node $why." >&2
  echo "kafka: first errors in $log:" >&2
  grep -m 3 -A 4 -E '^\[[^]]*\] (ERROR|FATAL) ' "$log" >&2 2>/dev/null || echo "  (none)" >&2
  echo "kafka: last lines of $log:" >&2
  tail -n 10 "$log" 2>/dev/null | cut -c1-240 >&2 || true
  local opt
  opt="$(start_option "$node")"
  cat >&2 <<EOF
kafka: what to do: read the errors above. A port in use: free 127.0.0.1:$(client_port "$node") and $(controller_port "$node").
kafka: Bad or foreign storage: delete $home/ (that wipes its topics). Then run
kafka:   bash infra/kafka/kafka.sh stop$opt && bash infra/kafka/kafka.sh start$opt
EOF
}

start_nodes() {
  local node to_wait=()
  fetch_jars
  for node in "$@"; do
    if pid_of "$node" >/dev/null; then
      if answers "$(client_port "$node")"; then
        say "$node already running and answering on 127.0.0.1:$(client_port "$node")$(elsewhere "$node"); reusing it"
        continue
      fi
      say "$node is running (pid $(pid_of "$node")) but not answering yet"
    elif answers "$(client_port "$node")"; then
      say "something not started by this script already answers on 127.0.0.1:$(client_port "$node"); reusing it"
      continue
    else
      launch "$node"
    fi
    to_wait+=("$node")
  done
  ((${#to_wait[@]} == 0)) || wait_until_answering "${to_wait[@]}" || exit 1
}

stop_nodes() {
  local node pid pids=() deadline
  for node in "$@"; do
    if pid="$(pid_of "$node")"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$node:$pid"); fi
  done
  ((${#pids[@]} > 0)) || { say "nothing to stop"; return 0; }
  deadline=$((SECONDS + STOP_TIMEOUT))
  for entry in "${pids[@]}"; do
    node="${entry%%:*}" pid="${entry##*:}"
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$node did not stop within ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$(node_dir "$node")/broker.pid"
    say "stopped $node"
  done
}

cluster_node_arg() {
  if [[ ! ${1:-} =~ ^[1-9][0-9]*$ ]] || (($1 > CLUSTER_SIZE)); then
    die "expected a node number 1..$CLUSTER_SIZE, got '${1:-}'"
  fi
  echo "cluster/$1"
}

nodes_for() {
  case "${1:-}" in
    "") echo single ;;
    --test) echo test ;;
    --sasl) echo sasl ;;
    --nodes) [[ ${2:-} == "$CLUSTER_SIZE" ]] || die "only --nodes $CLUSTER_SIZE is supported"; cluster_nodes ;;
    *) die "unknown option '$1'" ;;
  esac
}

status() {
  local node pid state
  for node in single test sasl $(cluster_nodes); do
    if pid="$(pid_of "$node")"; then state="running (pid $pid)"; else state="stopped"; fi
    if answers "$(client_port "$node")"; then state+=", answering"; fi
    printf '%-10s 127.0.0.1:%-6s %s\n' "$node" "$(client_port "$node")" "$state"
  done
}

# Another checkout may run a deployment already (a CI clone on a dev machine, a second worktree).
# Work on that one's data dir then, so that kill-node, start-node and stop reach the running nodes.
data_in_use() {
  local deployment=$1 cmdline path found=""
  while read -r cmdline; do
    path="$({ tr '\0' '\n' <"$cmdline"; } 2>/dev/null | grep -E "/$deployment(/[0-9]+)?/server\.properties$")" || continue
    path="${path%"/$deployment/"*}"
    [[ $path == "$DATA" ]] && { echo "$DATA"; return; }
    found="$path"
  done < <(grep -l -a -F kafka.Kafka /proc/[0-9]*/cmdline 2>/dev/null)
  echo "${found:-$DATA}"
}

elsewhere() {
  local data
  data="$(deployment_data "$(deployment_of "$1")")"
  [[ $data == "$DATA" ]] || echo " (started from $data)"
}

main() {
  local cmd="${1:-}"
  shift || true
  command -v java >/dev/null || die "java not found: install a JDK 17+ (apt-get install openjdk-17-jre-headless)"
  SINGLE_DATA="$(data_in_use single)"
  TEST_DATA="$(data_in_use test)"
  SASL_DATA="$(data_in_use sasl)"
  CLUSTER_DATA="$(data_in_use cluster)"
  case "$cmd" in
    start | stop)
      local nodes
      nodes="$(nodes_for "$@")" || exit 2
      mapfile -t nodes <<<"$nodes"
      if [[ $cmd == start ]]; then start_nodes "${nodes[@]}"; else stop_nodes "${nodes[@]}"; fi
      ;;
    kill-node)
      local node pid
      node="$(cluster_node_arg "${1:-}")" || exit 2
      pid="$(pid_of "$node")" || die "$node is not running"
      kill -KILL "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      rm -f "$(node_dir "$node")/broker.pid"
      say "killed $node (pid $pid)"
      ;;
    start-node)
      local node
      node="$(cluster_node_arg "${1:-}")" || exit 2
      [[ -f $(node_dir "$node")/logs/meta.properties ]] || die "$node has no data yet: run 'kafka.sh start --nodes 3' first"
      start_nodes "$node"
      ;;
    status) status ;;
    sasl-tls-dir) echo "$(node_dir sasl)/tls" ;;
    logs | config)
      local node=single
      if [[ ${1:-} == test || ${1:-} == sasl ]]; then node=$1; elif [[ -n ${1:-} ]]; then node="$(cluster_node_arg "$1")" || exit 2; fi
      if [[ $cmd == logs ]]; then tail -n 100 "$(node_dir "$node")/broker.log"; else server_properties "$node"; fi
      ;;
    *) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; [[ -z $cmd ]] || exit 2 ;;
  esac
}

main "$@"
