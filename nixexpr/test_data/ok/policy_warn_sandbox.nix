# Warnings only (exit 0): turning off a sandbox setting that works inside a
# container is a choice the policy warns about; relaxing ProtectProc (which
# fails inside with DynamicUser and PrivateUsers together) is not.
{ ... }:
{
  systemd.services.app.serviceConfig = {
    PrivateTmp = false;
    ProtectHome = false;
    ProtectProc = "default";
    DynamicUser = true;
  };
}
