{ ... }:
{
  imports = [ ./lib/etc-issue-legal.nix ];
  environment.etc.issue.text = "Welcome to web01";
}
