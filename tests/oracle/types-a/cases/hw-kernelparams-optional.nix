{ lib, ... }: {
  boot.kernelParams = [ "mem_sleep_default=deep" ] ++ lib.optional true "i915.enable_guc=2";
}
