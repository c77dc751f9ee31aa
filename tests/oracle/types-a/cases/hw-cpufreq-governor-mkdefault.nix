{ lib, ... }: {
  powerManagement.cpuFreqGovernor = lib.mkMerge [ (lib.mkDefault "performance") "powersave" ];
}
