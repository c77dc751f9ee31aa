{ ... }:
let name = "greeter"; in {
  systemd.services.greeter = {
    description = "Says hello to \${USER} from ${name}";
    script = ''
      echo "hello ''${USER:-nobody}"
      echo "unit ${name}"
    '';
  };
}
