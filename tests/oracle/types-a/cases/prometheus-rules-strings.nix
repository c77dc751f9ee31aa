{ ... }: {
  services.prometheus = {
    enable = true;
    rules = [
      (builtins.toJSON {
        groups = [{
          name = "node";
          rules = [{ alert = "InstanceDown"; expr = "up == 0"; for = "5m"; }];
        }];
      })
    ];
  };
}
