{ lib, ... }:
{
  services.app = { enable = true; } // lib.optionalAttrs true { port = 80; } // lib.optionalAttrs false { debug = true; };
}
