{ pkgs, ... }: { hardware.opengl.extraPackages = [ pkgs.vaapiIntel "intel-media-driver" ]; }
