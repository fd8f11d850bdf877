#!/usr/bin/env bash
# Install or remove opta-metrics as a per-user service that starts at login:
# a launchd agent on macOS, a systemd user unit on Linux.
#
#   install-service.sh install [--exporter] [--binary PATH] [--no-start]
#   install-service.sh uninstall [--exporter] [--no-start]
#
# --exporter: the Prometheus exporter (opta-metrics-export, /metrics on 127.0.0.1:9612) as a
# service of its own, beside the daemon's, instead of the daemon.
#
# It writes the service file with this user's home and the binary's absolute path (launchd
# expands neither ~ nor $HOME), loads it, and says what it did. Running it again rewrites
# the file and reloads the service, so it is safe to repeat, e.g. after moving the binary.
# --binary defaults to `opta-metrics` on PATH, else the one next to this script (the release
# tarball's layout). --no-start only writes or removes the file and prints the commands that
# would load or unload it. Not needed with `brew services`, which has its own service file.
#
# A script rather than an `opta-metrics service` command: the binary's baked permissions
# grant no access to ~/Library/LaunchAgents, ~/.config or launchctl/systemctl, and must not.
set -euo pipefail
# Bash 5.2 makes `&` in the replacement of ${var//pattern/replacement} stand for the match;
# the values put into the service files are literal text (older bash has no such option).
shopt -u patsub_replacement 2>/dev/null || true

usage="usage: install-service.sh install [--exporter] [--binary PATH] [--no-start] | uninstall [--exporter] [--no-start]"
label=dev.opta.metrics
unit_name=opta-metrics.service
program=opta-metrics
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

die() { echo "install-service.sh: $1" >&2; exit "${2:-1}"; }

action=${1:-}
[ $# -gt 0 ] && shift
case "$action" in
  install | uninstall) ;;
  -h | --help) echo "$usage"; exit 0 ;;
  "") die "missing command; $usage" 2 ;;
  *) die "unknown command '$action'; $usage" 2 ;;
esac

binary=""
start=1
# What the service runs, after the binary, and where it serves (for the last line).
what=serve
where="socket /tmp/opta-metrics.sock"
log_name=agent.log
os=$(uname -s)
while [ $# -gt 0 ]; do
  case "$1" in
    --binary)
      [ $# -ge 2 ] || die "--binary needs a path" 2
      [ "$action" = install ] || die "--binary applies to install only" 2
      binary=$2
      shift 2
      ;;
    --no-start) start=0; shift ;;
    --exporter)
      label=dev.opta.metrics.export
      unit_name=opta-metrics-export.service
      program=opta-metrics-export
      what="--listen 127.0.0.1:9612"
      where="metrics at http://127.0.0.1:9612/metrics"
      log_name=export.log
      shift
      ;;
    # Which service manager to write for; defaults to this machine's (for tests and packaging).
    --os)
      [ $# -ge 2 ] || die "--os needs Darwin or Linux" 2
      os=$2
      shift 2
      ;;
    *) die "unknown option '$1'; $usage" 2 ;;
  esac
done
case "$os" in
  Darwin | Linux) ;;
  *) die "unsupported system '$os': launchd (Darwin) and systemd (Linux) only" 2 ;;
esac

case "${HOME:-}" in
  /*) ;;
  *) die "HOME is not set to an absolute path" ;;
esac
# HOME goes into the launchd agent (escaped for XML) and names the directories written:
# refuse what no file name there should hold rather than write it somewhere unexpected.
case "$HOME" in
  *[[:cntrl:]]*) die "HOME holds a control character (such as a newline); fix HOME" ;;
esac

# A value as XML text: the plist holds HOME's paths, which may contain & < > " '.
xml_escape() {
  local s=$1
  s=${s//&/&amp;}
  s=${s//</&lt;}
  s=${s//>/&gt;}
  s=${s//\"/&quot;}
  s=${s//\'/&apos;}
  printf '%s' "$s"
}

# Runs a service-manager command, or only prints it with --no-start.
run() {
  if [ "$start" -eq 1 ]; then
    echo "running: $*"
    "$@"
  else
    echo "to apply, run: $*"
  fi
}

# Writes stdin to $1 (mode 0644) and says whether it changed.
write_file() {
  local dest=$1 tmp
  mkdir -p "$(dirname "$dest")"
  tmp=$(mktemp "$dest.XXXXXX")
  cat >"$tmp"
  chmod 0644 "$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    echo "unchanged: $dest"
  else
    mv -f "$tmp" "$dest"
    echo "wrote: $dest"
  fi
}

# Stops with one line unless `systemctl --user` reaches this user's systemd manager: without
# one (PID 1 is not systemd, or no login session of this user: su, sudo, a container) every
# systemctl call fails with a bare "Failed to connect to bus".
require_user_manager() {
  [ "$start" -eq 1 ] || return 0
  [ -x /usr/bin/systemctl ] || die "no /usr/bin/systemctl: this system has no systemd; nothing was changed (--no-start only writes or removes the unit)"
  local err
  if ! err=$(/usr/bin/systemctl --user show-environment 2>&1 >/dev/null); then
    local why=""
    [ -n "${XDG_RUNTIME_DIR:-}" ] || why="XDG_RUNTIME_DIR is not set, so this shell has no login session; "
    die "systemctl --user cannot reach your systemd user manager (${err%%$'\n'*}): ${why}it needs systemd as the init system and a login session of yours, or lingering (loginctl enable-linger $(id -un) and XDG_RUNTIME_DIR=/run/user/$(id -u)); nothing was changed (--no-start only writes or removes the unit)"
  fi
}

# The last line of an install: what runs from now on, or that nothing was started.
installed() {
  if [ "$start" -eq 1 ]; then
    echo "installed: $1 runs '$2' now and at login ($3)"
  else
    echo "written, not started: run the commands above to start $1 now and at login ($3)"
  fi
}

find_binary() {
  if [ -z "$binary" ]; then
    if binary=$(command -v "$program"); then
      :
    elif [ -x "$here/$program" ]; then
      binary=$here/$program
    else
      die "no $program binary on PATH or next to this script; pass --binary PATH"
    fi
  fi
  if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
    die "$binary is not an executable file"
  fi
  binary="$(cd "$(dirname "$binary")" && pwd -P)/$(basename "$binary")"
  # The path goes verbatim into XML and into a systemd command line: refuse what would need
  # escaping in either rather than escape it wrongly.
  case "$binary" in
    *[!A-Za-z0-9._/+@\ -]*) die "binary path '$binary' has characters the service files cannot hold; move it" ;;
  esac
}

template() {
  [ -f "$here/$1" ] || die "template $here/$1 is missing (run from the release tarball or packaging/)"
  cat "$here/$1"
}

if [ "$os" = Darwin ]; then
  agent="$HOME/Library/LaunchAgents/$label.plist"
  logs="$HOME/Library/Logs/opta-metrics"
  domain="gui/$(id -u)"
  if [ "$action" = install ]; then
    find_binary
    plist=$(template "launchd/$label.plist")
    plist=${plist//@BINARY@/$binary}
    plist=${plist//@LOG@/$(xml_escape "$logs/$log_name")}
    mkdir -p "$logs"
    echo "log directory: $logs"
    printf '%s\n' "$plist" | write_file "$agent"
    # bootstrap refuses a loaded job: unload first so a rewritten plist takes effect.
    if [ "$start" -eq 1 ] && /bin/launchctl print "$domain/$label" >/dev/null 2>&1; then
      run /bin/launchctl bootout "$domain/$label"
    fi
    run /bin/launchctl bootstrap "$domain" "$agent"
    installed "$label" "$binary $what" "$where"
  else
    if [ "$start" -eq 1 ] && /bin/launchctl print "$domain/$label" >/dev/null 2>&1; then
      run /bin/launchctl bootout "$domain/$label"
    fi
    if [ -e "$agent" ]; then
      rm -f "$agent"
      echo "removed: $agent"
    else
      echo "not installed: $agent does not exist"
    fi
    echo "kept: $logs (remove it yourself if you no longer want the logs)"
  fi
else
  # The XDG base directory rule: a relative XDG_CONFIG_HOME is invalid and ignored (it
  # would put the unit relative to wherever the script happens to run).
  config_home=${XDG_CONFIG_HOME:-}
  case "$config_home" in
    /*) ;;
    "") config_home=$HOME/.config ;;
    *)
      echo "ignoring XDG_CONFIG_HOME='$config_home': not an absolute path"
      config_home=$HOME/.config
      ;;
  esac
  unit="$config_home/systemd/user/$unit_name"
  if [ "$action" = install ]; then
    find_binary
    require_user_manager
    text=$(template "systemd/$unit_name")
    quoted="\"$binary\""
    text=${text//ExecStart=%h\/.local\/bin\/$program /ExecStart=$quoted }
    printf '%s\n' "$text" | write_file "$unit"
    run /usr/bin/systemctl --user daemon-reload
    run /usr/bin/systemctl --user enable "$unit_name"
    run /usr/bin/systemctl --user restart "$unit_name"
    installed "$unit_name" "$binary $what" "$where"
  else
    [ ! -e "$unit" ] || require_user_manager
    if [ "$start" -eq 1 ] && [ -e "$unit" ]; then
      run /usr/bin/systemctl --user disable --now "$unit_name"
    fi
    if [ -e "$unit" ]; then
      rm -f "$unit"
      echo "removed: $unit"
      run /usr/bin/systemctl --user daemon-reload
    else
      echo "not installed: $unit does not exist"
    fi
  fi
fi
