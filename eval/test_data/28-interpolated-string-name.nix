# nix-compare
let n = "a"; in { environment.etc."${n}.conf".text = "x"; }
