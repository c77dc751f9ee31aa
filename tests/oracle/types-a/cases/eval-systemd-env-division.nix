{ ... }:
let memMB = 1000; in {
  systemd.services.web.environment = {
    HALF_INT = toString (memMB / 3);
    HALF_FLOAT = toString (memMB / 3.0);
    DIV_BUILTIN = toString (builtins.div 7 2);
  };
}
