#!/usr/bin/env bash
# Install or remove opta-metrics as a per-user service that starts at login:
# a launchd agent on macOS, a systemd user unit on Linux.
#
#   install-service.sh install [--exporter] [--binary PATH | --from-source] [--no-start]
#   install-service.sh uninstall [--exporter] [--no-start]
#
# --exporter: the Prometheus exporter (opta-metrics-export, /metrics on 127.0.0.1:9612) as a
# service of its own, beside the daemon's, instead of the daemon.
#
# It writes the service file with this user's paths (launchd expands neither ~ nor $HOME),
# loads it, and says what it did. Running it again rewrites the file and reloads the
# service, so it is safe to repeat, e.g. after moving the binary. --binary defaults to
# `opta-metrics` on PATH, else the one next to this script (the release tarball's layout).
# --from-source runs the checkout this script is in with `deno run`, under the same
# permission set and V8 flags as `deno task start` plus exact grants for this user's socket
# (packaging/source_flags.ts), for a machine without a compiled binary (the daemon only).
# --no-start only
# writes or removes the file and prints the commands that would load or unload it. Not
# needed with `brew services`, which has its own service file.
#
# The socket is this user's: $XDG_RUNTIME_DIR/opta-metrics.sock (systemd's %t) on Linux;
# on macOS $TMPDIR/opta-metrics.sock from source, and Homebrew's var/run for a compiled
# binary, whose permissions are fixed when it is built and so cannot name $TMPDIR.
#
# A script rather than an `opta-metrics service` command: the binary's baked permissions
# grant no access to ~/Library/LaunchAgents, ~/.config or launchctl/systemctl, and must not.
set -euo pipefail
# Bash 5.2 makes `&` in the replacement of ${var//pattern/replacement} stand for the match;
# the values put into the service files are literal text (older bash has no such option).
shopt -u patsub_replacement 2>/dev/null || true

usage="usage: install-service.sh install [--exporter] [--binary PATH | --from-source] [--no-start] | uninstall [--exporter] [--no-start]"
label=dev.opta.metrics
unit_name=opta-metrics.service
program=opta-metrics
exporter=0
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
from_source=0
start=1
os=$(uname -s)
while [ $# -gt 0 ]; do
  case "$1" in
    --binary)
      [ $# -ge 2 ] || die "--binary needs a path" 2
      [ "$action" = install ] || die "--binary applies to install only" 2
      binary=$2
      shift 2
      ;;
    --from-source)
      [ "$action" = install ] || die "--from-source applies to install only" 2
      from_source=1
      shift
      ;;
    --no-start) start=0; shift ;;
    --exporter)
      exporter=1
      label=dev.opta.metrics.export
      unit_name=opta-metrics-export.service
      program=opta-metrics-export
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
[ -z "$binary" ] || [ "$from_source" -eq 0 ] || die "--binary and --from-source exclude each other" 2
[ "$exporter" -eq 0 ] || [ "$from_source" -eq 0 ] ||
  die "--from-source installs the daemon only; for the exporter, install its binary" 2
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

# A path that goes into deno's comma-separated permission flags, a systemd command line and
# XML unquoted: refuse what any of them would need to escape.
plain_path() {
  case "$2" in
    /*) ;;
    *) die "$1 '$2' is not an absolute path" ;;
  esac
  case "$2" in
    *[!A-Za-z0-9._/+@-]*) die "$1 '$2' has characters the service files cannot hold (only letters, digits and . _ / + @ -); move it" ;;
  esac
}

# The socket of this user's service: what %t is for a systemd user manager, and the per-user
# temporary directory (what launchd gives the agent as TMPDIR) on macOS.
user_socket() {
  if [ "$os" = Linux ]; then
    echo "/run/user/$(id -u)/opta-metrics.sock"
  else
    local tmp=${TMPDIR:-}
    [ -n "$tmp" ] || tmp=$(/usr/bin/getconf DARWIN_USER_TEMP_DIR 2>/dev/null) ||
      die "TMPDIR is not set and getconf DARWIN_USER_TEMP_DIR failed; set TMPDIR"
    echo "${tmp%/}/opta-metrics.sock"
  fi
}

# Sets `command` (the program of the service's command line, one word per element, to be
# followed by `serve --socket PATH`) and `service_socket` to run the checkout
# this script is in: deno run under the permission set, V8 flags and socket grants that
# `deno task start` uses, offline (--cached-only), with the config given explicitly. Checks
# it offline by running the same command line with `serve --help`.
source_command() {
  local checkout deno socket flags
  deno_dir="" # global: the service's environment
  checkout=$(cd "$here/.." && pwd -P)
  if [ ! -f "$checkout/deno.json" ] || [ ! -f "$checkout/src/main.ts" ]; then
    die "--from-source runs a checkout of the source, but $checkout has no deno.json and src/main.ts"
  fi
  deno=$(command -v deno) || die "--from-source needs deno on PATH (https://deno.com; CI uses 2.9.6)"
  deno="$(cd "$(dirname "$deno")" && pwd -P)/$(basename "$deno")"
  socket=$(user_socket)
  # The service's deno reads its cache from where this one does (a service has no shell
  # profile that might set DENO_DIR).
  deno_dir=$("$deno" info --json | sed -n 's/^ *"denoDir": *"\([^"]*\)",*$/\1/p')
  plain_path "the checkout" "$checkout"
  plain_path "DENO_DIR" "$deno_dir"
  plain_path "deno" "$deno"
  plain_path "the socket" "$socket"
  local flags_os=linux
  [ "$os" = Darwin ] && flags_os=darwin
  flags=$(cd "$checkout" && OPTA_METRICS_SOCKET=$socket "$deno" run --quiet -A \
    packaging/source_flags.ts serve --os "$flags_os") || die "packaging/source_flags.ts failed (above)"
  # shellcheck disable=SC2206 # the flags are words without spaces (checked above)
  command=("$deno" run --quiet --no-prompt --cached-only --config "$checkout/deno.json" $flags
    "$checkout/src/main.ts")
  service_socket=$socket
  if [ "$os" = "$(uname -s)" ]; then
    local out
    out=$(NO_COLOR=1 DENO_DIR=$deno_dir "${command[@]}" serve --help 2>&1 >/dev/null) ||
      die "the service's command line fails offline: ${out%%$'\n'*} (run deno task start once, online, to cache what it imports)"
  fi
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
    if [ "$exporter" -eq 1 ]; then
      find_binary
      plist=$(template "launchd/$label.plist")
      plist=${plist//@BINARY@/$binary}
      plist=${plist//@LOG@/$(xml_escape "$logs/export.log")}
      what="$binary --listen 127.0.0.1:9612"
      where="metrics at http://127.0.0.1:9612/metrics"
    else
      if [ "$from_source" -eq 1 ]; then
        source_command
      else
        find_binary
        # A compiled binary may serve only where its baked permissions say: on macOS,
        # Homebrew's var/run (this user's temporary directory differs for every user), under
        # Homebrew's prefix for this processor.
        run_dir=/usr/local/var/run
        [ "$(uname -m)" != arm64 ] || run_dir=/opt/homebrew/var/run
        service_socket=$run_dir/opta-metrics.sock
        if [ ! -d "$run_dir" ]; then
          echo "note: $run_dir does not exist (Homebrew makes it): until it does the agent cannot start; without Homebrew use --from-source, which serves in \$TMPDIR"
        fi
        command=("$binary")
      fi
      # The template's first argument becomes the command, one <string> per word.
      arguments=""
      for word in "${command[@]}"; do
        arguments+="    <string>$(xml_escape "$word")</string>"$'\n'
      done
      plist=$(template launchd/dev.opta.metrics.plist)
      plist=${plist//    <string>@BINARY@<\/string>$'\n'/$arguments}
      plist=${plist//@SOCKET@/$(xml_escape "$service_socket")}
      plist=${plist//@LOG@/$(xml_escape "$logs/agent.log")}
      if [ "$from_source" -eq 1 ]; then
        environment="  <key>EnvironmentVariables</key>"$'\n'"  <dict>"$'\n'
        environment+="    <key>DENO_DIR</key>"$'\n'"    <string>$(xml_escape "$deno_dir")</string>"$'\n'
        environment+="  </dict>"$'\n'"  <key>RunAtLoad</key>"
        plist=${plist//  <key>RunAtLoad<\/key>/$environment}
      fi
      what="${command[0]} serve"
      where="socket $service_socket"
    fi
    mkdir -p "$logs"
    echo "log directory: $logs"
    printf '%s\n' "$plist" | write_file "$agent"
    # bootstrap refuses a loaded job: unload first so a rewritten plist takes effect.
    if [ "$start" -eq 1 ] && /bin/launchctl print "$domain/$label" >/dev/null 2>&1; then
      run /bin/launchctl bootout "$domain/$label"
    fi
    run /bin/launchctl bootstrap "$domain" "$agent"
    installed "$label" "$what" "$where"
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
    if [ "$exporter" -eq 1 ]; then
      find_binary
      exec_line="ExecStart=\"$binary\" --listen 127.0.0.1:9612"
      what="$binary --listen 127.0.0.1:9612"
      where="metrics at http://127.0.0.1:9612/metrics"
    elif [ "$from_source" -eq 1 ]; then
      source_command
      exec_line="Environment=DENO_DIR=$deno_dir"$'\n'"ExecStart=${command[*]} serve --socket $service_socket"
      what="${command[0]} serve"
      where="socket $service_socket"
    else
      find_binary
      exec_line="ExecStart=\"$binary\" serve --socket %t/opta-metrics.sock"
      what="$binary serve"
      where="socket /run/user/$(id -u)/opta-metrics.sock"
    fi
    require_user_manager
    text=$(template "systemd/$unit_name")
    text=$(printf '%s\n' "$text" | while IFS= read -r line; do
      case "$line" in
        ExecStart=*) printf '%s\n' "$exec_line" ;;
        *) printf '%s\n' "$line" ;;
      esac
    done)
    printf '%s\n' "$text" | write_file "$unit"
    run /usr/bin/systemctl --user daemon-reload
    run /usr/bin/systemctl --user enable "$unit_name"
    run /usr/bin/systemctl --user restart "$unit_name"
    installed "$unit_name" "$what" "$where"
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
