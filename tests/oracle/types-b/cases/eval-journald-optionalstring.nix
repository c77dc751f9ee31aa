{ lib, ... }:
{
  services.journald.extraConfig = "SystemMaxUse=1G\n"
    + lib.optionalString true "MaxRetentionSec=1month\n"
    + lib.optionalString false "Storage=volatile\n";
}
