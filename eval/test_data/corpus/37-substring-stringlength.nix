{ lib, ... }:
let token = "abcdef123456"; in {
  services.app.prefix = builtins.substring 0 6 token;
  services.app.tokenLength = builtins.stringLength token;
}
