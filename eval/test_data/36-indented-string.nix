# nix-compare
let user = "app"; in { environment.etc.x.text = ''
    first line
      indented ${user}
    last
  ''; }
