{ lib, ... }:
let sizes = [ 128 256 512 ]; in {
  services.app.totalMemory = builtins.foldl' (a: b: a + b) 0 sizes;
  services.app.merged = builtins.foldl' (a: b: a // b) { } [ { x = 1; } { y = 2; } ];
}
