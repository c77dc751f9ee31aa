{ ... }: {
  environment.etc."app/config.json".text = builtins.toJSON {
    ratio = 0.1;
    epsilon = 2.5e-3;
    limit = 100.0;
    retries = 3;
    proxy = null;
    matrix = [ [ 1 2 ] [ 3 ] ];
  };
}
