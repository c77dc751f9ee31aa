{ ... }:
let first = "Alice"; last = "Liddell"; login = "alice"; in {
  users.users.${login} = {
    isNormalUser = true;
    description = "${first} ${last}";
    home = builtins.concatStringsSep "/" [ "" "srv" "home" login ];
  };
}
