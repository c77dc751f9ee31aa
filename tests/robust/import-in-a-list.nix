# Regression: a definition whose value imports a file only when it is
# forced (here an overlay in a list). `check` died on such files with
# "RefCell already borrowed": the table of files was borrowed while the
# value was forced, and the import added to it.
{ ... }:
{
  nixpkgs.overlays = [ (import ./parts/overlay.nix) ];
  services.openssh.enable = true;
}
