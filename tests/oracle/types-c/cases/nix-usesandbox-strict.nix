{ ... }: { nix.useSandbox = "strict"; }
