{ ... }: {
  environment.etc = [ { target = "nixos-release"; text = "custom"; } ];
}
