# The tests' stand-in for nix/default.nix: the same interface (DESIGN §6),
# no nixpkgs. It builds, with a plain `derivation`, a store path holding
# etc/nixunits/<id>.conf (made by the real conf function, ./lib.nix) and an
# `init`: a script for a static busybox that reports what it finds and
# waits, as a container's PID 1 would.
#
# A snippet containing the text `nixunits-test: fail the build` makes the
# build fail, so tests can check that a failed build changes nothing.
{ id, configFile, unitJSON, nixpkgs ? null }:
let
  lib = import ./lib.nix;
  unit = builtins.fromJSON unitJSON;
  config = builtins.readFile configFile;
  fail = builtins.match ".*nixunits-test: fail the build.*" config != null;
  out = builtins.placeholder "out";
in
derivation {
  name = "nixunits-${id}";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  # A derivation's builder starts without PATH.
  PATH = "/usr/local/bin:/usr/bin:/bin";
  inherit id config unitJSON;
  conf = lib.confText { systemPath = out; inherit unit; };
  init = ./init.sh;
  passAsFile = [ "conf" "config" ];
  args = [
    "-ec"
    ''
      ${if fail then "echo 'stub: failing as the snippet asks' >&2; exit 1" else ""}
      echo "stub: building $id"
      mkdir -p "$out/etc/nixunits" "$out/bin"
      cp "$confPath" "$out/etc/nixunits/$id.conf"
      cp "$configPath" "$out/etc/nixunits/config.nix"
      printf '%s' "$unitJSON" > "$out/etc/nixunits/unit.json"
      busybox=$(command -v busybox || true)
      if [ -z "$busybox" ]; then
        echo "stub: busybox not found; install Debian's busybox-static" >&2
        exit 1
      fi
      cp "$busybox" "$out/bin/busybox"
      # The applets as commands (id, ip, ping6, …), as a system has them.
      for applet in $("$busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$out/bin/$applet"
      done
      # The container has no /bin: the interpreter is the store's busybox.
      printf '#!%s/bin/busybox sh\n' "$out" > "$out/init"
      cat "$init" >> "$out/init"
      chmod +x "$out/init"
      echo "stub: done"
    ''
  ];
}
