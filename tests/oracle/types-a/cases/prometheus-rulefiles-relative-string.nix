{ ... }: {
  services.prometheus = {
    enable = true;
    ruleFiles = [ "rules/node.yml" ];
  };
}
