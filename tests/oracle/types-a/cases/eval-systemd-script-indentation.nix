{ lib, ... }:
let hosts = [ "a.example.org" "b.example.org" ]; in {
  systemd.services.report.script = ''
    for h in ${lib.concatStringsSep " " hosts}; do
      if ping -c1 "$h"; then
        echo "$h up"
      fi
    done
  '';
}
