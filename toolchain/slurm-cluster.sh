#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the tests of the slurm executor (test/tuner-slurm.test.ts):
# munged, slurmctld and slurmd (Debian's slurm-wlm 22.05) with the node "localhost" holding every core.
#   bash toolchain/slurm-cluster.sh start    # idempotent; returns once sinfo shows the node idle
#   bash toolchain/slurm-cluster.sh status   # exit 0 when the cluster answers and the node is up
#   bash toolchain/slurm-cluster.sh stop
# The configuration goes to /etc/slurm/slurm.conf, where sbatch, squeue and scancel look for it; a
# slurm.conf this script did not write is left alone (and start fails). Daemons run as root; their state and
# logs live under $MOBIPROX_SLURM_STATE (default /var/tmp/mobiprox-slurm). Needs root (or sudo).
set -euo pipefail
STATE="${MOBIPROX_SLURM_STATE:-/var/tmp/mobiprox-slurm}"
CONF=/etc/slurm/slurm.conf
MARK="# written by mobiprox toolchain/slurm-cluster.sh"
sudo="" as_munge="runuser -u munge --"
[ "$(id -u)" -eq 0 ] || sudo="sudo" as_munge="sudo -u munge"

die() { echo "slurm-cluster: $*" >&2; exit 1; }

node_state() { sinfo -h -n localhost -o '%T' 2>/dev/null | head -n1; }

write_conf() {
  if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    die "$CONF exists and was not written by this script: not overwriting it"
  fi
  local cpus memory
  cpus=$(nproc)
  # RealMemory in MB, a little under the total so that slurmd does not drain the node for lacking it
  memory=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)
  $sudo mkdir -p "$STATE/ctld" "$STATE/d" "$(dirname "$CONF")"
  $sudo tee "$CONF.tmp" >/dev/null <<EOF
$MARK
ClusterName=mobiprox
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
MaxArraySize=10001
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  $sudo mv "$CONF.tmp" "$CONF"
}

start() {
  for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || die "$tool is not installed (toolchain/setup.sh installs it)"
  done
  if status >/dev/null 2>&1; then
    echo "slurm-cluster: already running (node $(node_state))"
    return 0
  fi
  write_conf
  if ! pgrep -x munged >/dev/null; then
    $sudo mkdir -p /run/munge && $sudo chown munge:munge /run/munge
    [ -f /etc/munge/munge.key ] || $as_munge /usr/sbin/mungekey --create
    $as_munge /usr/sbin/munged
  fi
  pid_alive "$STATE/slurmctld.pid" || $sudo slurmctld
  pid_alive "$STATE/slurmd.pid" || $sudo slurmd
  for _ in $(seq 60); do
    case "$(node_state)" in
      idle*|mixed*|allocated*) echo "slurm-cluster: node localhost $(node_state)"; return 0 ;;
      down*|drain*) $sudo scontrol update nodename=localhost state=resume 2>/dev/null || true ;;
    esac
    sleep 1
  done
  die "the node did not come up idle: sinfo says '$(node_state)'; see $STATE/slurmctld.log and $STATE/slurmd.log"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {
  local pidfile
  for pidfile in "$STATE/slurmd.pid" "$STATE/slurmctld.pid"; do
    if pid_alive "$pidfile"; then $sudo kill "$(cat "$pidfile")"; fi
  done
  echo "slurm-cluster: stopped (munged left running)"
}

status() {
  pid_alive "$STATE/slurmctld.pid" && pid_alive "$STATE/slurmd.pid" || { echo "slurm-cluster: not running"; return 1; }
  local s
  s=$(node_state)
  case "$s" in
    idle*|mixed*|allocated*|completing*) echo "slurm-cluster: node localhost $s"; return 0 ;;
    *) echo "slurm-cluster: node localhost '${s:-unknown}'"; return 1 ;;
  esac
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
