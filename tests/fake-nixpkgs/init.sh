# (The build puts `#!<out>/bin/busybox sh` in front of this.)
# PID 1 of a stub container: waits for the host's network marker, records
# what it saw, then waits for SIGRTMIN+3 (systemd-nspawn --kill-signal).
bb=$(dirname "$0")/bin/busybox
# First of all: PID 1 ignores signals it has no handler for. 37 is
# SIGRTMIN+3 (systemd-nspawn --kill-signal; busybox has no name for it).
trap 'exit 0' 37 TERM INT
$bb mkdir -p /run/nixunits /var/log
# A test asks for a payload that crashes at once (the marker /crash-me).
if [ -e /crash-me ]; then
  echo "init: crashing as /crash-me asks" >&2
  exit 3
fi
echo "init: started $($bb date +%s)" > /var/log/stub-init.log
i=0
while [ ! -e /run/nixunits/net-ready ] && [ $i -lt 300 ]; do
  $bb sleep 0.1
  i=$((i + 1))
done
# Credentials (systemd-nspawn --load-credential): their names and a hash of
# each, never the secret.
if [ -n "$CREDENTIALS_DIRECTORY" ] && [ -d "$CREDENTIALS_DIRECTORY" ]; then
  for c in "$CREDENTIALS_DIRECTORY"/*; do
    [ -e "$c" ] && echo "credential $($bb basename "$c") $($bb sha256sum < "$c" | $bb cut -d' ' -f1)" >> /var/log/stub-init.log
  done
fi
# The addresses it sees (a netlink dump can be interrupted under load: a
# few tries, the last error kept).
addrs=""
for try in 1 2 3 4 5; do
  if addrs=$($bb ip -o addr 2>&1); then break; fi
  $bb sleep 0.2
done
{
  echo "net-ready: $([ -e /run/nixunits/net-ready ] && echo yes || echo no)"
  echo "$addrs"
} >> /var/log/stub-init.log
# A test asks (the marker /probe-me) for /probe to run as a child of this
# init, under the container's own restrictions (tests/e2e/probe.c).
while :; do
  if [ -e /probe-me ]; then
    /probe > /var/log/probe.init 2>&1
    $bb rm -f /probe-me
  fi
  $bb sleep 0.2 & wait $!
done
