{ ... }:
{
  hardware.bluetooth.config.General.Enable = [ "Source" "Sink" "Media" ];
}
