{ ... }: {
  services.hylafax.hfaxdConfig = {
    AllowSocketsUpload = true;
    MaxLoginAttempts = 5;
    ServerTracing = [ 1 "0x2" false ];
  };
}
