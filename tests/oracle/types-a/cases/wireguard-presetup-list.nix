{ pkgs, ... }: {
  networking.wireguard.interfaces.wg0 = {
    ips = [ "10.100.0.2/24" ];
    privateKeyFile = "/root/wireguard-keys/private";
    preSetup = [ "${pkgs.iproute}/bin/ip netns add foo" "${pkgs.coreutils}/bin/true" ];
    postShutdown = "${pkgs.openresolv}/bin/resolvconf -d wg0";
  };
}
