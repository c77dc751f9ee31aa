{ lib, ... }: {
  imports = [ ./lib/modprobe-iwlwifi.nix ];
  boot.extraModprobeConfig = lib.mkAfter ''
    options snd_hda_intel power_save=1
  '';
}
