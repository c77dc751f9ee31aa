{ ... }: { nix.useSandbox = "relaxed"; }
