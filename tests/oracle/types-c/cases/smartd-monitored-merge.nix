{ lib, ... }: { services.smartd.defaults.monitored = lib.mkMerge [ "-a -o on -s (S/../.././02|L/../../7/04)" "-W 4,35,40" ]; }
