{ ... }:
let a = 0.1; b = 0.2; in {
  environment.etc."app/limits.conf".text = ''
    sum=${toString (a + b)}
    scaled=${toString (a * 3)}
    json=${builtins.toJSON (a + b)}
    third=${toString (1 / 3.0)}
    big=${toString 1.0e10}
  '';
}
