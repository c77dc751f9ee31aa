{ ... }: {
  security.sudo.extraRules = [
    { users = [ "backup" "database" ]; groups = [ 1006 ];
      commands = [ { command = "/home/root/secret.sh"; options = [ "SETENV" "NOPASSWD" ]; } ]; }
    { groups = [ "bar" ]; runAs = "foo";
      commands = [ "/home/baz/cmd1.sh hello-sudo" { command = "/home/baz/cmd2.sh \"\""; options = [ "SETENV" ]; } ]; }
  ];
}
